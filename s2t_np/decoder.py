"""Speech2Text decoder with an explicit K/V cache, and the LM head
(HF Speech2TextDecoder, Speech2TextDecoderLayer, `lm_head`; inference path).

    x = embed_tokens[ids] * embed_scale + positions(ids != pad, past_len)             [B, L, D]
    x = x + self_attn(LN1(x), causal + decoder_attention_mask)                         per layer
    x = x + cross_attn(LN2(x), encoder K/V, encoder key mask)       (`encoder_attn`)
    x = x + fc2(act(fc1(LN3(x))))
    h = LN_final(x);   logits = h @ lm_head.T   (no bias; lm_head is embed_tokens when tied)

Positions come from the ids (a pad id gets the zero row), offset by the cached length, as
transformers does; they are not limited to max_target_positions. Given `inputs_embeds` [B, L, D]
instead of ids (they replace `embed_tokens[ids] * embed_scale`), every position counts as a real
token (fairseq make_positions with nothing padded): padding_idx + 1 + past_len + arange(L), the
positions of ids without pad. transformers 5.23 reads the positions from the ids and fails when
only embeddings are given; with embeddings W[ids] * embed_scale of pad-free ids both give the same.

The cache (plain data, passed in and returned, never mutated) is a list with one dict per layer:

    {"self_k":  [B, H, T_past, dh], "self_v":  [B, H, T_past, dh],   grows by concatenation
     "cross_k": [B, H, T', dh],     "cross_v": [B, H, T', dh]}       encoder K/V, computed once

`init_cache` builds it from the encoder output (T_past = 0); `self_only_cache` holds None for the
cross K/V, and the layers then skip cross-attention (transformers' decoder called without encoder).
A step of search code:

    hidden, cache = decoder_forward(ids[:, -1:], None, enc_mask, cache, **params["decoder"], cfg=cfg)[:2]
    logits = lm_logits(hidden, **params["lm_head"])                   # [B, 1, V]
    cache = reorder_cache(cache, beam_idx)                            # after choosing beams

Feeding the ids one at a time this way gives the same logits as one call on the whole sequence
(tests/test_model_parity.py checks it against transformers' cached decoding).
"""

from typing import NamedTuple

import numpy as np

from . import nn
from .attention import additive_mask, cross_attention, project_kv, self_attention
from .errors import InvalidInputError
from .nn import ACTIVATIONS, layer_norm, linear
from .positions import sinusoidal_positions


class DecoderOutput(NamedTuple):
    last_hidden_state: np.ndarray  # [B, L, D] after the final LayerNorm
    cache: list  # one dict per layer, see the module docstring
    hidden_states: tuple | None  # N + 1 arrays [B, L, D] (input of layer 0, ..., final LayerNorm output)
    attentions: tuple | None  # N arrays [B, H, L, T_past + L]
    cross_attentions: tuple | None  # N arrays [B, H, L, T']


def init_cache(encoder_hidden_states, layers, *, n_heads):
    """Empty self-attention K/V and the cross-attention K/V of every layer from the encoder output [B, T', D]."""
    b, _, d = encoder_hidden_states.shape
    empty = np.zeros((b, n_heads, 0, d // n_heads), encoder_hidden_states.dtype)  # [B, H, 0, dh]
    cache = []
    for layer in layers:
        attn = layer["encoder_attn"]
        cross_k, cross_v = project_kv(encoder_hidden_states, attn["k_proj"], attn["v_proj"], n_heads=n_heads)
        cache.append({"self_k": empty, "self_v": empty, "cross_k": cross_k, "cross_v": cross_v})  # [B, H, T', dh]
    return cache


def self_only_cache(batch, layers, *, n_heads, d_model, dtype):
    """A cache without encoder K/V (cross_k / cross_v None): the decoder then skips cross-attention,
    as transformers' decoder does when it is called without encoder_hidden_states."""
    empty = np.zeros((batch, n_heads, 0, d_model // n_heads), dtype)  # [B, H, 0, dh]
    return [{"self_k": empty, "self_v": empty, "cross_k": None, "cross_v": None} for _ in layers]


def reorder_cache(cache, beam_idx):
    """Select / reorder the batch rows of every cached array: one indexing step over the whole cache."""
    return [{name: None if a is None else a[beam_idx] for name, a in layer.items()} for layer in cache]


def cache_length(cache):
    """Number of tokens already in the self-attention cache (T_past)."""
    return 0 if not cache else cache[0]["self_k"].shape[2]


def decoder_layer(
    x,
    self_mask,
    cross_mask,
    layer_cache,
    self_attn,
    self_attn_layer_norm,
    encoder_attn,
    encoder_attn_layer_norm,
    fc1,
    fc2,
    final_layer_norm,
    *,
    n_heads,
    act,
):
    """Pre-LN decoder layer. Returns (x [B, L, D], new layer cache, self weights, cross weights).
    Without encoder K/V in the cache (self_only_cache) the cross-attention block is skipped."""
    h = layer_norm(x, **self_attn_layer_norm)  # [B, L, D]
    h, k, v, self_weights = self_attention(
        h, self_mask, **self_attn, n_heads=n_heads, past_k=layer_cache["self_k"], past_v=layer_cache["self_v"]
    )
    x = x + h
    cross_weights = None
    if layer_cache["cross_k"] is not None:
        h = layer_norm(x, **encoder_attn_layer_norm)
        # encoder_attn's k_proj / v_proj were applied once, in init_cache
        h, cross_weights = cross_attention(
            h,
            layer_cache["cross_k"],
            layer_cache["cross_v"],
            cross_mask,
            q_proj=encoder_attn["q_proj"],
            out_proj=encoder_attn["out_proj"],
            n_heads=n_heads,
        )
        x = x + h
    h = layer_norm(x, **final_layer_norm)
    h = linear(h, **fc1)  # [B, L, F]
    x = x + linear(act(h, out=h), **fc2)  # activation in place on the fresh fc1 output. [B, L, D]
    new_cache = {"self_k": k, "self_v": v, "cross_k": layer_cache["cross_k"], "cross_v": layer_cache["cross_v"]}
    return x, new_cache, self_weights, cross_weights


def self_attention_mask(batch, length, past_len, decoder_attention_mask, dtype):
    """Additive causal mask [B, 1, L, T_past + L] (and-ed with a [B, T_past + L] key mask), or None when
    nothing is masked (one new token and no key mask)."""
    total = past_len + length
    if decoder_attention_mask is None and length == 1:
        return None
    keep = np.arange(total)[None, :] <= (past_len + np.arange(length))[:, None]  # [L, T_past + L]
    keep = np.broadcast_to(keep, (batch, 1, length, total))  # [B, 1, L, T_past + L]
    if decoder_attention_mask is not None:
        keep = keep & decoder_attention_mask.astype(bool)[:, None, None, :]
    return additive_mask(keep, dtype)


def embed_tokens_and_positions(input_ids, weight, cfg, past_len=0):
    """Ids [B, L] -> (x = W[ids] * embed_scale + positions, W[ids], positions), each [B, L, D].

    Positions number the non-pad ids after the `past_len` cached ones (fairseq make_positions)."""
    dtype = weight.dtype.type
    embedded = weight[input_ids]  # [B, L, D]
    positions = sinusoidal_positions(input_ids != cfg.pad_token_id, cfg.d_model, cfg.pad_token_id, past_len)
    positions = positions.astype(dtype)
    x = embedded * dtype(cfg.embed_scale)
    x += positions
    return x, embedded, positions


def embeds_and_positions(inputs_embeds, cfg, past_len=0):
    """Embeddings [B, L, D] (in place of W[ids] * embed_scale) + the positions of L unpadded tokens."""
    valid = np.ones(inputs_embeds.shape[:2], dtype=bool)  # nothing is padding: [B, L]
    positions = sinusoidal_positions(valid, cfg.d_model, cfg.pad_token_id, past_len)  # [B, L, D]
    return inputs_embeds + positions.astype(inputs_embeds.dtype)


def cross_attention_mask(encoder_attention_mask, dtype):
    """Subsampled 0/1 frame mask [B, T'] -> additive key mask [B, 1, 1, T'] (None without a mask)."""
    if encoder_attention_mask is None:
        return None
    return additive_mask(encoder_attention_mask.astype(bool)[:, None, None, :], dtype)


def decoder_forward(
    input_ids,
    encoder_hidden_states,
    encoder_attention_mask,
    cache=None,
    *,
    embed_tokens,
    layers,
    layer_norm,
    cfg,
    decoder_attention_mask=None,
    output_hidden_states=False,
    output_attentions=False,
    inputs_embeds=None,
):
    """Decoder forward over new ids [B, L] given the encoder output [B, T', D] (or a cache holding its K/V).

    input_ids None and inputs_embeds [B, L, D] given: the embeddings replace W[ids] * embed_scale
    (positions as for unpadded tokens, module docstring).

    encoder_attention_mask: subsampled 0/1 frame mask [B, T'] or None. decoder_attention_mask:
    0/1 mask over all keys, past and new [B, T_past + L], or None. cache: as returned by a previous
    call or `init_cache`; None starts a new sequence from encoder_hidden_states (both None: a
    decoder without cross-attention, `self_only_cache`).
    Returns DecoderOutput(last_hidden_state [B, L, D], cache, hidden_states, attentions, cross_attentions).
    """
    weight = embed_tokens["weight"]
    dtype = weight.dtype.type
    n_heads = cfg.decoder_attention_heads
    b, length = (input_ids if input_ids is not None else inputs_embeds).shape[:2]
    if cache is None and encoder_hidden_states is None:  # no encoder: self-attention only
        cache = self_only_cache(b, layers, n_heads=n_heads, d_model=cfg.d_model, dtype=weight.dtype)
    elif cache is None:
        cache = init_cache(encoder_hidden_states, layers, n_heads=n_heads)
    past_len = cache_length(cache)
    if decoder_attention_mask is not None and decoder_attention_mask.shape != (b, past_len + length):
        raise InvalidInputError(
            f"decoder_attention_mask must have shape [batch, past + new tokens] = "
            f"{(b, past_len + length)}, got {decoder_attention_mask.shape}"
        )

    if input_ids is not None:
        x, _, _ = embed_tokens_and_positions(input_ids, weight, cfg, past_len)  # [B, L, D]
    else:
        x = embeds_and_positions(inputs_embeds.astype(dtype, copy=False), cfg, past_len)  # [B, L, D]
    self_mask = self_attention_mask(b, length, past_len, decoder_attention_mask, dtype)
    cross_mask = cross_attention_mask(encoder_attention_mask, dtype)

    act = ACTIVATIONS[cfg.activation_function]
    new_cache, hidden_states, attentions, cross_attentions = [], [], [], []
    for layer, layer_cache in zip(layers, cache):
        hidden_states.append(x)
        x, c, self_w, cross_w = decoder_layer(x, self_mask, cross_mask, layer_cache, **layer, n_heads=n_heads, act=act)
        new_cache.append(c)
        attentions.append(self_w)
        cross_attentions.append(cross_w)
    x = nn.layer_norm(x, **layer_norm)  # final LayerNorm (the parameter name shadows the function)
    hidden_states.append(x)
    return DecoderOutput(
        x,
        new_cache,
        tuple(hidden_states) if output_hidden_states else None,
        tuple(attentions) if output_attentions else None,
        tuple(w for w in cross_attentions if w is not None) if output_attentions else None,  # () without encoder
    )


def lm_logits(hidden, weight):
    """LM head (no bias): [B, L, D] -> [B, L, V]. `weight` is lm_head.weight [V, D]."""
    return linear(hidden, weight)


def shift_tokens_right(labels, pad_token_id, decoder_start_token_id):
    """Teacher-forcing decoder inputs from labels [B, L] (transformers' shift_tokens_right):
    [start, labels[:, :-1]] with -100 replaced by pad_token_id."""
    shifted = np.empty_like(labels)
    shifted[:, 1:] = labels[:, :-1]
    shifted[:, 0] = decoder_start_token_id
    shifted[shifted == -100] = pad_token_id
    return shifted
