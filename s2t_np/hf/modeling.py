"""HF-compatible facades: Speech2TextEncoder, Speech2TextDecoder, Speech2TextModel,
Speech2TextForConditionalGeneration.

Thin classes that hold a config and a params dict and call the stage functions (encoder.py,
decoder.py); no math lives here. `Cls(config)` without params draws random weights by
transformers' init rule (weights.init_params, `seed=` an int or a np.random.Generator);
`save_pretrained(directory)` writes config.json and model.safetensors under that class's keys as
transformers' `save_pretrained` does, plus generation_config.json when `generation_config` is set
(transformers always writes one, derived from the config when it has none; without the file
both libraries derive the same defaults from config.json), and
`transformers.<Cls>.from_pretrained` reads it back.

Arguments and output field names follow transformers 5.23's `forward` (input_features,
attention_mask, decoder_input_ids, decoder_attention_mask, encoder_outputs, past_key_values,
decoder_inputs_embeds, labels, use_cache, and the keywords output_attentions,
output_hidden_states, return_dict, cache_position), with NumPy arrays in and out. None for
use_cache / output_attentions / output_hidden_states / return_dict means the config's value; other
keywords follow s2t_np/hf/model_inputs.py. `return_dict=False` returns `out.to_tuple()`, the
tuple transformers returns, element for element; `past_key_values` is the plain cache of
decoder.py (a list of per-layer dicts) where transformers has its EncoderDecoderCache (the same
K/V: layer i's self_k / self_v / cross_k / cross_v are its self_attention_cache.layers[i].keys /
.values and cross_attention_cache.layers[i].keys / .values).

`decoder_inputs_embeds` [B, L, D] replace `embed_tokens(ids) * embed_scale`; their positions are
those of unpadded tokens (s2t_np/decoder.py). `model.get_decoder()` is the decoder alone, called
like transformers' Speech2TextDecoder; `model.get_input_embeddings()` its `embed_tokens`.
`forward` is the same call as `model(...)`; `main_input_name` and `num_parameters()` are transformers'.

For search code, Speech2TextForConditionalGeneration also exposes the decoding step:

    enc, enc_mask = model.encode(input_features, attention_mask)     # [B, T', D], [B, T'] or None
    cache = model.init_cache(enc)                                     # cross K/V of every layer
    logits, cache = model.decode_step(ids_new, enc_mask, cache)       # [B, L_new, V]
    cache = model.reorder_cache(cache, beam_idx)
"""

import dataclasses
from pathlib import Path

import numpy as np

from ..decoder import decoder_forward, init_cache, lm_logits, reorder_cache, shift_tokens_right
from ..encoder import encode, subsampled_mask
from ..errors import GenerationError, InvalidInputError
from ..nn import cross_entropy
from ..subsampler import conv_output_lengths
from ..weights import compute_dtype, init_params
from .checkpoint import load_params, save_params
from .configuration import Speech2TextConfig, write_config, write_json
from .generation_config import GENERATION_CONFIG_FILE, GenerationConfig
from .model_inputs import check_decoder_ids, check_decoder_inputs, check_features, forward_options
from .modeling_decoder import Speech2TextDecoder
from .outputs import BaseModelOutput, Seq2SeqLMOutput, Seq2SeqModelOutput
from .pretrained import resolve_model_dir

__all__ = [
    "Speech2TextEncoder",
    "Speech2TextDecoder",
    "Speech2TextModel",
    "Speech2TextForConditionalGeneration",
    "check_features",  # the boundary checks live in model_inputs.py; generation and the oracle import them here
    "check_decoder_ids",
]


# ---- facades -----------------------------------------------------------------------------------
class _Pretrained:
    _with_lm_head = False
    _encoder_only = False
    _architecture = None  # the transformers class name, written to config.json by save_pretrained
    main_input_name = "input_features"  # transformers' name of the first forward argument

    def __init__(self, config, params=None, dtype=np.float32, name_or_path=None, *, seed=None):
        self.config = config
        self.dtype = compute_dtype(dtype)
        if params is None:  # random weights, transformers' init rule
            params = init_params(config, seed, self.dtype, self._with_lm_head, self._encoder_only)
        elif seed is not None:
            raise InvalidInputError("seed= draws random weights; it cannot be combined with params")
        self.params = params
        self.name_or_path = name_or_path  # the directory from_pretrained read (generation_config.json lives there)

    @classmethod
    def from_pretrained(cls, model_dir, dtype=np.float32, *, output_loading_info=False, **hub_options):
        """Load config.json and the weights of a model directory, "demo" or a hub id.

        `hub_options` (revision=, cache_dir=, local_files_only=, token=) apply to hub ids (docs/usage.md).
        `output_loading_info=True` returns (model, info) as transformers does; the loader is strict (a
        missing, unexpected or mismatched tensor is a WeightsError), so every list in `info` is empty.
        """
        model_dir = resolve_model_dir(model_dir, needs=("weights",), **hub_options)
        config = Speech2TextConfig.from_pretrained(model_dir)
        params = load_params(model_dir, config, dtype, with_lm_head=cls._with_lm_head, encoder_only=cls._encoder_only)
        model = cls._loaded(config, params, dtype, str(Path(model_dir)))
        if output_loading_info:
            return model, {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "error_msgs": []}
        return model

    @classmethod
    def _loaded(cls, config, params, dtype, name_or_path):
        return cls(config, params, dtype, name_or_path=name_or_path)

    @classmethod
    def from_config(cls, config, dtype=np.float32, *, seed=None):
        """Random weights by transformers' init rule (transformers' `AutoModel*.from_config`)."""
        return cls(config, None, dtype, seed=seed)

    def save_pretrained(self, save_directory):
        """Write config.json, model.safetensors and (when set) generation_config.json, as transformers does."""
        path = Path(save_directory)
        write_config(self.config, path, architectures=[self._architecture], dtype=np.dtype(self.dtype).name)
        save_params(path, self.params, self.config, self._architecture)
        generation_config = getattr(self, "generation_config", None)
        if generation_config is not None:  # transformers writes only the fields that are set
            values = {k: v for k, v in generation_config.to_dict().items() if v is not None}
            write_json({**values, **dict(generation_config.unsupported)}, path / GENERATION_CONFIG_FILE)

    def _get_feat_extract_output_lengths(self, input_lengths):
        """Frames after the subsampler (transformers' method of the same name; subsampler.conv_output_lengths)."""
        return conv_output_lengths(input_lengths, self.config.num_conv_layers)

    def _get_feature_vector_attention_mask(self, feature_vector_length, attention_mask):
        """Frame mask [B, T] -> the subsampled mask [B, feature_vector_length] (encoder.subsampled_mask)."""
        attention_mask = np.asarray(attention_mask)
        if attention_mask.ndim > 2:  # transformers: generate's 3-D masks, last channel
            attention_mask = attention_mask[:, :, -1]
        return subsampled_mask(attention_mask, feature_vector_length, self.config.num_conv_layers)

    def num_parameters(self, only_trainable=False, exclude_embeddings=False):
        """Number of weights of this class's part of the params tree, a tied array counted once, as
        transformers' `num_parameters` (every weight is trainable; `exclude_embeddings` drops embed_tokens)."""
        parts = ["encoder"] if self._encoder_only else ["encoder", "decoder"] + ["lm_head"] * self._with_lm_head
        leaves = {}
        stack = [self.params[part] for part in parts]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, (list, tuple)):
                stack.extend(node)
            else:
                leaves[id(node)] = node
        if exclude_embeddings:
            leaves.pop(id(self.params["decoder"]["embed_tokens"]["weight"]), None)
        return sum(int(np.size(leaf)) for leaf in leaves.values())

    def _features(self, input_features, attention_mask):
        attention_mask = check_features(input_features, attention_mask, self.config)
        return input_features.astype(self.dtype, copy=False), attention_mask


class Speech2TextEncoder(_Pretrained):
    """The encoder alone (HF Speech2TextEncoder): features -> BaseModelOutput."""

    _encoder_only = True
    _architecture = "Speech2TextEncoder"

    def __call__(
        self,
        input_features,
        attention_mask=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        **kwargs,
    ):
        return_dict, output_attentions, output_hidden_states = forward_options(
            self.config, return_dict, output_attentions, output_hidden_states, **kwargs
        )
        features, attention_mask = self._features(input_features, attention_mask)
        out = encode(
            features,
            attention_mask,
            **self.params["encoder"],
            cfg=self.config,
            output_hidden_states=output_hidden_states,
            output_attentions=output_attentions,
        )
        out = BaseModelOutput(out["last_hidden_state"], out["hidden_states"], out["attentions"])
        return out if return_dict else out.to_tuple()

    forward = __call__  # transformers' name of the same call


class Speech2TextModel(_Pretrained):
    """Encoder-decoder without LM head (HF Speech2TextModel): last_hidden_state is the decoder output."""

    _architecture = "Speech2TextModel"

    @property
    def encoder(self):
        return Speech2TextEncoder(self.config, self.params, self.dtype, self.name_or_path)

    @property
    def decoder(self):
        return Speech2TextDecoder(self.config, self.params, self.dtype)

    def get_encoder(self):
        return self.encoder

    def get_decoder(self):
        return self.decoder

    def get_input_embeddings(self):
        return self.decoder.embed_tokens

    def _run(self, input_features, attention_mask, encoder_outputs, output_attentions, output_hidden_states, dec):
        """Encoder (unless `encoder_outputs` are given), then the decoder facade with the keywords `dec`
        -> Seq2SeqModelOutput."""
        cfg = self.config
        if encoder_outputs is None:
            if input_features is None:
                raise InvalidInputError("pass input_features or encoder_outputs")
            encoder_outputs = self.encoder(
                input_features, attention_mask, output_attentions, output_hidden_states, return_dict=True
            )
        elif not isinstance(encoder_outputs, BaseModelOutput):
            if isinstance(encoder_outputs, np.ndarray):
                encoder_outputs = (encoder_outputs,)
            encoder_outputs = BaseModelOutput(*encoder_outputs[:3])
        enc = encoder_outputs.last_hidden_state
        if not isinstance(enc, np.ndarray) or enc.ndim != 3 or enc.shape[-1] != cfg.d_model:
            raise InvalidInputError(
                f"encoder_outputs[0] must be an array [batch, frames, d_model={cfg.d_model}], got "
                f"{getattr(enc, 'shape', type(enc).__name__)}"
            )
        enc_mask = None
        if attention_mask is not None:
            attention_mask = np.asarray(attention_mask)
            if attention_mask.ndim != 2 or attention_mask.shape[0] != enc.shape[0]:
                raise InvalidInputError(
                    f"attention_mask must be the frame mask [batch={enc.shape[0]}, frames] of the "
                    f"input features, got shape {attention_mask.shape}"
                )
            enc_mask = subsampled_mask(attention_mask, enc.shape[1], cfg.num_conv_layers)  # [B, T']
        check_decoder_inputs(dec["input_ids"], dec["inputs_embeds"], cfg, batch=enc.shape[0])  # decoder_* names
        out = self.decoder(
            encoder_hidden_states=enc,
            encoder_attention_mask=enc_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
            **dec,
        )
        return Seq2SeqModelOutput(
            last_hidden_state=out.last_hidden_state,
            past_key_values=out.past_key_values,
            decoder_hidden_states=out.hidden_states,
            decoder_attentions=out.attentions,
            cross_attentions=out.cross_attentions,
            encoder_last_hidden_state=enc,
            encoder_hidden_states=encoder_outputs.hidden_states,
            encoder_attentions=encoder_outputs.attentions,
        )

    def __call__(
        self,
        input_features=None,
        attention_mask=None,
        decoder_input_ids=None,
        decoder_attention_mask=None,
        encoder_outputs=None,
        past_key_values=None,
        decoder_inputs_embeds=None,
        use_cache=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        cache_position=None,
        **kwargs,
    ):
        return_dict, output_attentions, output_hidden_states = forward_options(
            self.config, return_dict, output_attentions, output_hidden_states, **kwargs
        )
        out = self._run(
            input_features,
            attention_mask,
            encoder_outputs,
            output_attentions,
            output_hidden_states,
            decoder_arguments(
                decoder_input_ids,
                decoder_attention_mask,
                past_key_values,
                decoder_inputs_embeds,
                use_cache,
                cache_position,
            ),
        )
        return out if return_dict else out.to_tuple()

    forward = __call__  # transformers' name of the same call


def decoder_arguments(
    decoder_input_ids, decoder_attention_mask, past_key_values, decoder_inputs_embeds, use_cache, cache_position
):
    """The model's decoder arguments under the names of the decoder facade's `__call__`."""
    return dict(
        input_ids=decoder_input_ids,
        attention_mask=decoder_attention_mask,
        past_key_values=past_key_values,
        inputs_embeds=decoder_inputs_embeds,
        use_cache=use_cache,
        cache_position=cache_position,
    )


class Speech2TextForConditionalGeneration(Speech2TextModel):
    """Speech2TextModel + LM head (HF Speech2TextForConditionalGeneration): logits, loss, decoding step."""

    _with_lm_head = True
    _architecture = "Speech2TextForConditionalGeneration"
    # Default generation settings (a GenerationConfig), read once by from_pretrained like
    # transformers' `model.generation_config`; None: generate() derives them from self.config.
    generation_config = None

    @classmethod
    def _loaded(cls, config, params, dtype, name_or_path):
        """The loaded model with its generation defaults (generation_config.json, else config.json's keys)."""
        model = cls(config, params, dtype, name_or_path=name_or_path)
        model.generation_config = GenerationConfig.from_pretrained(name_or_path)
        return model

    @property
    def model(self):
        return Speech2TextModel(self.config, self.params, self.dtype, self.name_or_path)

    def __call__(
        self,
        input_features=None,
        attention_mask=None,
        decoder_input_ids=None,
        decoder_attention_mask=None,
        encoder_outputs=None,
        past_key_values=None,
        decoder_inputs_embeds=None,
        labels=None,
        use_cache=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        cache_position=None,
        **kwargs,
    ):
        cfg = self.config
        return_dict, output_attentions, output_hidden_states = forward_options(
            cfg, return_dict, output_attentions, output_hidden_states, **kwargs
        )
        if labels is not None:
            labels = np.asarray(labels)
            if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
                raise InvalidInputError(
                    f"labels must be an integer array [batch, tokens], got {labels.dtype} {labels.shape}"
                )
            bad = (labels != -100) & ((labels < 0) | (labels >= cfg.vocab_size))
            if bad.any():
                raise InvalidInputError(
                    f"labels must be ids in [0, {cfg.vocab_size}) or -100 (ignored); found "
                    f"{labels[bad][0]} at {tuple(int(i) for i in np.argwhere(bad)[0])}"
                )
            given = decoder_input_ids if decoder_input_ids is not None else decoder_inputs_embeds
            if given is None:
                decoder_input_ids = shift_tokens_right(labels, cfg.pad_token_id, cfg.decoder_start_token_id)
            elif np.shape(given)[:2] != labels.shape:
                name = "decoder_input_ids" if decoder_input_ids is not None else "decoder_inputs_embeds"
                raise InvalidInputError(
                    f"labels {labels.shape} and {name} {np.shape(given)} "
                    "must have the same shape [batch, tokens] (one label per decoder position)"
                )
        out = self._run(
            input_features,
            attention_mask,
            encoder_outputs,
            output_attentions,
            output_hidden_states,
            decoder_arguments(
                decoder_input_ids,
                decoder_attention_mask,
                past_key_values,
                decoder_inputs_embeds,
                use_cache,
                cache_position,
            ),
        )
        logits = lm_logits(out.last_hidden_state, **self.params["lm_head"])  # [B, L, V]
        loss = None
        if labels is not None:
            loss = cross_entropy(logits.reshape(-1, cfg.vocab_size), labels.reshape(-1))
        rest = {f.name: getattr(out, f.name) for f in dataclasses.fields(out) if f.name != "last_hidden_state"}
        out = Seq2SeqLMOutput(loss=loss, logits=logits, **rest)  # same arrays, no copies
        return out if return_dict else out.to_tuple()

    forward = __call__

    # ---- the decoding step for search code (generation.py) ----------------------------------
    def encode(self, input_features, attention_mask=None):
        """Encoder output [B, T', D] and the subsampled frame mask [B, T'] (None without attention_mask)."""
        features, attention_mask = self._features(input_features, attention_mask)
        out = encode(features, attention_mask, **self.params["encoder"], cfg=self.config)
        return out["last_hidden_state"], out["attention_mask"]

    def init_cache(self, encoder_hidden_states):
        """A fresh decoder cache: empty self K/V, cross K/V of every layer (decoder.init_cache)."""
        return init_cache(
            encoder_hidden_states, self.params["decoder"]["layers"], n_heads=self.config.decoder_attention_heads
        )

    def decode_step(self, input_ids, encoder_attention_mask, cache, decoder_attention_mask=None):
        """Logits [B, L, V] of the new ids [B, L] and the grown cache; the encoder is read from the cache."""
        dec = decoder_forward(
            input_ids,
            None,
            encoder_attention_mask,
            cache,
            **self.params["decoder"],
            cfg=self.config,
            decoder_attention_mask=decoder_attention_mask,
        )
        return lm_logits(dec.last_hidden_state, **self.params["lm_head"]), dec.cache

    @staticmethod
    def reorder_cache(cache, beam_idx):
        """Select batch rows of the whole cache (decoder.reorder_cache)."""
        return reorder_cache(cache, beam_idx)

    def generate(self, inputs=None, attention_mask=None, generation_config=None, *, input_features=None, **kwargs):
        """Greedy or beam search (s2t_np/hf/generation.py).

        The features are `inputs` (first positional, transformers' name) or `input_features=`, not
        both. A GenerationConfig in the second position is taken as `generation_config`
        (transformers' positional order); an array there is the attention mask.
        """
        from .generation import generate

        if inputs is not None and input_features is not None:
            raise GenerationError(
                "`inputs` were passed alongside `input_features`, which is not allowed: pass the features "
                "once, either as `inputs` (the first argument) or as `input_features=...`"
            )
        if isinstance(attention_mask, GenerationConfig):
            if generation_config is not None:
                raise GenerationError("generation_config was given twice (positionally and by keyword)")
            attention_mask, generation_config = None, attention_mask
        features = inputs if inputs is not None else input_features
        return generate(self, features, attention_mask=attention_mask, generation_config=generation_config, **kwargs)
