"""`trace`: every module output of the teacher-forced forward pass, under transformers' module names.

For each path of transformers' `Speech2TextForConditionalGeneration.named_modules()` whose module
runs a forward, the trace holds exactly what a torch forward hook on that module sees as its
output (the first element when the output is a tuple or a ModelOutput), in the layout torch has:

    model.encoder.conv.conv_layers.{i}   Conv1d output before GLU         [B, C_out, T_i]
    model.encoder.conv                   subsampler output                [B, T', D]
    model.encoder.embed_positions        sinusoidal positions             [B, T', D]
    model.encoder.layers.{i}.self_attn_layer_norm, .self_attn.{q,k,v,out}_proj, .self_attn,
        .final_layer_norm, .fc1, .activation_fn, .fc2, and the layer       [B, T', D] / [B, T', F]
    model.encoder.layer_norm, model.encoder                              [B, T', D]
    model.decoder.embed_tokens           token embeddings, before the sqrt(D) scale   [B, L, D]
    model.decoder.embed_positions                                        [B, L, D]
    model.decoder.layers.{i}.self_attn*, .encoder_attn_layer_norm, .encoder_attn.{q,k,v,out}_proj
        (k_proj / v_proj over the encoder output: [B, T', D]), .encoder_attn, ...
    model.decoder.layer_norm, model.decoder, model                       [B, L, D]
    lm_head                              logits                           [B, L, V]

Entries come in the order the hooks fire (a module's entry after those of its children). Two
kinds of path have no entry: the `layers` / `conv_layers` ModuleLists, which have no forward of
their own, and the root module "", whose output is a ModelOutput whose first field is the logits
(lm_head's entry) or, with labels, the loss.

Mechanism: a replay. `trace` runs the same stage functions as the model's forward (nn.linear,
attention.attend, subsampler.conv1d_stride2, ...) in the same order with the same arguments, and
keeps each module's output as it goes. The stage functions are not touched and the normal forward
pays nothing: nothing is threaded through them and nothing is patched. The replay is held to the
real forward by tests: its encoder output and logits equal the facade's bit for bit.

Stage slots: `trace(..., stages={"glu": my_glu})` replays the forward with your function in place
of one stage function (the slots are the keys of `STAGES`), so a port or a student's version of a
stage is checked in its place in the whole model: `compare(trace(model, x), trace(model, x,
stages=...))` names the first module the replacement changes (s2t_np/exercises.py does this).
"""

from collections.abc import Mapping

import numpy as np

from .. import nn
from ..attention import attend, merge_heads, split_heads
from ..decoder import cross_attention_mask, embed_tokens_and_positions, self_attention_mask
from ..encoder import embed_frames
from ..errors import InvalidInputError
from ..hf.modeling import check_decoder_ids, check_features
from ..subsampler import conv1d_stride2, glu

# The stage functions the replay calls, by slot name: what `stages=` may replace (same signatures).
STAGES = {
    "conv1d_stride2": conv1d_stride2,  # (x [B, T, C_in], weight, bias) -> [B, T_out, C_out]
    "glu": glu,  # [..., 2C] -> [..., C]
    "layer_norm": nn.layer_norm,  # (x, weight, bias, eps=1e-5) -> x.shape
    "attend": attend,  # (q, k, v [B, H, T, dh], mask) -> (out [B, H, T_q, dh], weights)
    "self_attention_mask": self_attention_mask,  # (batch, length, past_len, mask, dtype) -> [B, 1, L, L] | None
}


def stage_functions(stages=None, table=STAGES, what="stage"):
    """`table` with the replacements of `stages` (a dict slot -> function); unknown slots are refused."""
    stages = dict(stages or {})
    unknown = sorted(set(stages) - set(table))
    if unknown:
        raise InvalidInputError(f"unknown {what} slot(s) {unknown}; the slots are {sorted(table)}")
    not_callable = sorted(name for name, fn in stages.items() if not callable(fn))
    if not_callable:
        raise InvalidInputError(f"stages={{...}} needs functions; not callable: {not_callable}")
    return {**table, **stages}


class Trace(Mapping):
    """An ordered mapping name -> np.ndarray (execution order), with what produced it.

    `metadata`: a JSON-able dict (the model config, dtype, producer); `inputs`: name -> array of
    the inputs the trace was computed from (e.g. input_features, attention_mask, decoder_input_ids).
    """

    def __init__(self, entries=(), metadata=None, inputs=None):
        self._entries = dict(entries)
        self.metadata = dict(metadata or {})
        self.inputs = dict(inputs or {})

    def __getitem__(self, name):
        return self._entries[name]

    def __iter__(self):
        return iter(self._entries)

    def __len__(self):
        return len(self._entries)

    def __repr__(self):
        names = list(self._entries)
        return f"Trace({len(names)} entries: {names[0] if names else None!r} ... {names[-1] if names else None!r})"


def trace(model, input_features, attention_mask=None, decoder_input_ids=None, *, stages=None):
    """Teacher-forced forward of an s2t_np model with every module output recorded (module docstring).

    model: `Speech2TextForConditionalGeneration` or `Speech2TextModel` (s2t_np), float32 or float64.
    input_features: float [B, T, n_mels]; attention_mask: 0/1 [B, T] or None; decoder_input_ids:
    int [B, L], default one decoder start token per utterance. stages: {slot: function} replacing
    stage functions of the replay (`STAGES`). Returns a `Trace`.
    """
    cfg, params, dtype = model.config, model.params, model.dtype
    if "decoder" not in params:
        raise InvalidInputError(
            f"trace needs an encoder-decoder model (Speech2TextModel or Speech2TextForConditionalGeneration), "
            f"got {type(model).__name__}"
        )
    attention_mask = check_features(input_features, attention_mask, cfg)
    features = input_features.astype(dtype, copy=False)
    b = features.shape[0]
    if decoder_input_ids is None:
        decoder_input_ids = np.full((b, 1), cfg.decoder_start_token_id, dtype=np.int64)
    check_decoder_ids(decoder_input_ids, cfg, batch=b)
    fns = stage_functions(stages)
    out = {}
    enc, enc_mask = _trace_encoder(out, features, attention_mask, params["encoder"], cfg, fns)
    hidden = _trace_decoder(out, decoder_input_ids, enc, enc_mask, params["decoder"], cfg, fns)
    out["model"] = hidden
    if "lm_head" in params:
        out["lm_head"] = nn.linear(hidden, **params["lm_head"])  # [B, L, V]
    inputs = {"input_features": features, "decoder_input_ids": np.asarray(decoder_input_ids)}
    if attention_mask is not None:
        inputs["attention_mask"] = np.asarray(attention_mask)
    metadata = {"producer": "s2t_np.oracle.trace", "dtype": np.dtype(dtype).name, "config": cfg.to_dict()}
    if stages:
        metadata["replaced_stages"] = {name: getattr(fn, "__qualname__", repr(fn)) for name, fn in stages.items()}
    return Trace(out, metadata, inputs)


def _trace_attention(out, prefix, x, states, mask, p, n_heads, fns):
    """Speech2TextAttention: q from x, k / v from states (x itself for self-attention)."""
    q = out[f"{prefix}.q_proj"] = nn.linear(x, **p["q_proj"])  # [B, T_q, D]
    k = out[f"{prefix}.k_proj"] = nn.linear(states, **p["k_proj"])  # [B, T_k, D]
    v = out[f"{prefix}.v_proj"] = nn.linear(states, **p["v_proj"])
    heads, _ = fns["attend"](split_heads(q, n_heads), split_heads(k, n_heads), split_heads(v, n_heads), mask)
    out[f"{prefix}.out_proj"] = out[prefix] = nn.linear(merge_heads(heads), **p["out_proj"])  # [B, T_q, D]
    return out[prefix]


def _trace_ffn(out, prefix, x, p, act, fns):
    """final_layer_norm -> fc1 -> activation -> fc2, plus the residual; returns the layer output."""
    h = out[f"{prefix}.final_layer_norm"] = fns["layer_norm"](x, **p["final_layer_norm"])
    h = out[f"{prefix}.fc1"] = nn.linear(h, **p["fc1"])  # [B, T, F]
    h = out[f"{prefix}.activation_fn"] = act(h)  # a new array: the fc1 entry stays as it was
    h = out[f"{prefix}.fc2"] = nn.linear(h, **p["fc2"])
    return x + h


def _trace_encoder(out, features, attention_mask, p, cfg, fns):
    x = features
    for i, conv in enumerate(p["conv"]["conv_layers"]):
        y = fns["conv1d_stride2"](x, **conv)  # [B, T_i, C_out]
        out[f"model.encoder.conv.conv_layers.{i}"] = y.transpose(0, 2, 1)  # torch layout [B, C_out, T_i]
        x = fns["glu"](y)
    out["model.encoder.conv"] = x  # [B, T', D]
    x, out["model.encoder.embed_positions"], frame_mask, key_mask = embed_frames(x, attention_mask, cfg)
    act = nn.ACTIVATIONS[cfg.activation_function]
    for i, layer in enumerate(p["layers"]):
        prefix = f"model.encoder.layers.{i}"
        h = out[f"{prefix}.self_attn_layer_norm"] = fns["layer_norm"](x, **layer["self_attn_layer_norm"])
        x = x + _trace_attention(
            out, f"{prefix}.self_attn", h, h, key_mask, layer["self_attn"], cfg.encoder_attention_heads, fns
        )
        x = out[prefix] = _trace_ffn(out, prefix, x, layer, act, fns)
    x = out["model.encoder.layer_norm"] = out["model.encoder"] = fns["layer_norm"](x, **p["layer_norm"])
    return x, frame_mask


def _trace_decoder(out, ids, enc, enc_mask, p, cfg, fns):
    weight = p["embed_tokens"]["weight"]
    dtype = weight.dtype.type
    x, out["model.decoder.embed_tokens"], out["model.decoder.embed_positions"] = embed_tokens_and_positions(
        ids, weight, cfg
    )
    self_mask = fns["self_attention_mask"](*ids.shape, 0, None, dtype)  # causal [B, 1, L, L] (None for L = 1)
    cross_mask = cross_attention_mask(enc_mask, dtype)
    act = nn.ACTIVATIONS[cfg.activation_function]
    heads = cfg.decoder_attention_heads
    for i, layer in enumerate(p["layers"]):
        prefix = f"model.decoder.layers.{i}"
        h = out[f"{prefix}.self_attn_layer_norm"] = fns["layer_norm"](x, **layer["self_attn_layer_norm"])
        x = x + _trace_attention(out, f"{prefix}.self_attn", h, h, self_mask, layer["self_attn"], heads, fns)
        h = out[f"{prefix}.encoder_attn_layer_norm"] = fns["layer_norm"](x, **layer["encoder_attn_layer_norm"])
        x = x + _trace_attention(out, f"{prefix}.encoder_attn", h, enc, cross_mask, layer["encoder_attn"], heads, fns)
        x = out[prefix] = _trace_ffn(out, prefix, x, layer, act, fns)
    x = out["model.decoder.layer_norm"] = out["model.decoder"] = fns["layer_norm"](x, **p["layer_norm"])
    return x
