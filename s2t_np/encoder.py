"""Speech2Text encoder: subsampler, scale + sinusoidal positions, pre-LN layers, final LayerNorm
(HF Speech2TextEncoder and Speech2TextEncoderLayer, inference path).

    x   = subsample(features) * embed_scale + positions(frame_mask)          [B, T', D]
    x   = x + self_attn(LN1(x), key mask)                                     per layer
    x   = x + fc2(act(fc1(LN2(x))))
    out = LN_final(x)

The frame mask [B, T] is reduced to the subsampled mask [B, T'] by the length formula applied to
each row's number of valid frames (HF `_get_feature_vector_attention_mask`): the first
conv_output_lengths(sum(mask)) frames are valid. Padded frames get the zero position row (for
pad_token_id 1; `embed_frames` says what other pad ids do) and are masked as keys (not as
queries). hidden_states follow transformers: the input of layer 0, the outputs of layers
0 .. N-2, and last the final LayerNorm output (HF replaces the last layer's raw output by
last_hidden_state).
"""

import numpy as np

from . import nn
from .attention import additive_mask, self_attention
from .nn import ACTIVATIONS, layer_norm, linear
from .positions import sinusoidal_positions
from .subsampler import conv_output_lengths, subsample


def encoder_layer(x, mask, self_attn, self_attn_layer_norm, fc1, fc2, final_layer_norm, *, n_heads, act):
    """Pre-LN encoder layer. Returns (x [B, T', D], attention weights [B, H, T', T'])."""
    h = layer_norm(x, **self_attn_layer_norm)  # [B, T', D]
    h, _, _, weights = self_attention(h, mask, **self_attn, n_heads=n_heads)
    x = x + h
    h = layer_norm(x, **final_layer_norm)
    h = linear(h, **fc1)  # [B, T', F]
    x = x + linear(act(h, out=h), **fc2)  # activation in place on the fresh fc1 output. [B, T', D]
    return x, weights


def subsampled_mask(attention_mask, num_frames, num_conv_layers):
    """Frame mask [B, T] -> subsampled 0/1 mask [B, T'] (int64), T' = num_frames."""
    lengths = conv_output_lengths(attention_mask.sum(axis=-1).astype(np.int64), num_conv_layers)  # [B]
    return (np.arange(num_frames)[None, :] < lengths[:, None]).astype(np.int64)  # [B, T']


def embed_frames(subsampled, attention_mask, cfg):
    """Subsampler output [B, T', D] -> (x = subsampled * embed_scale + positions, positions [B, T', D],
    subsampled frame mask [B, T'] or None, additive key mask [B, 1, 1, T'] or None).

    Positions as transformers computes them: its 0/1 padding indicator (1 = padded frame, all 0
    without a mask) goes through fairseq's make_positions as if it were token ids, with
    padding_idx = pad_token_id. For pad_token_id = 1 (every released checkpoint) the valid frames
    are numbered 2, 3, ... and padded frames read the zero row; for another pad id the indicator's
    values mean something else, and this follows transformers there too (docs/numerics.md section 2).
    """
    b, t_sub = subsampled.shape[:2]
    x = subsampled * subsampled.dtype.type(cfg.embed_scale)
    if attention_mask is not None:
        frame_mask = subsampled_mask(attention_mask, t_sub, cfg.num_conv_layers)  # [B, T']
        key_mask = additive_mask(frame_mask[:, None, None, :].astype(bool), x.dtype)  # [B, 1, 1, T']
        padding = 1 - frame_mask
    else:
        frame_mask, key_mask = None, None
        padding = np.zeros((b, t_sub), np.int64)
    positions = sinusoidal_positions(padding != cfg.pad_token_id, cfg.d_model, cfg.pad_token_id).astype(x.dtype)
    x += positions  # [B, T', D]
    return x, positions, frame_mask, key_mask


def encode(
    input_features,
    attention_mask,
    *,
    conv,
    layers,
    layer_norm,
    cfg,
    output_hidden_states=False,
    output_attentions=False,
):
    """Encoder forward: features [B, T, C_in] (+ frame mask [B, T] or None) -> dict with
    last_hidden_state [B, T', D], attention_mask [B, T'] (subsampled, or None), hidden_states
    (tuple of N + 1 arrays, or None), attentions (tuple of N [B, H, T', T'], or None).
    """
    x = subsample(input_features, conv["conv_layers"])  # [B, T', D]
    assert x.shape[-1] == cfg.d_model, f"subsampler -> encoder: {x.shape[-1]} channels, d_model is {cfg.d_model}"
    x, _, frame_mask, key_mask = embed_frames(x, attention_mask, cfg)

    act = ACTIVATIONS[cfg.activation_function]
    hidden_states, attentions = [], []
    for layer in layers:
        if output_hidden_states:
            hidden_states.append(x)
        x, weights = encoder_layer(x, key_mask, **layer, n_heads=cfg.encoder_attention_heads, act=act)
        if output_attentions:
            attentions.append(weights)
        del weights  # [B, H, T', T']: not alive while the next layer computes its own (peak memory)
    x = nn.layer_norm(x, **layer_norm)  # final LayerNorm (the parameter name shadows the function)
    if output_hidden_states:
        hidden_states.append(x)
    return {
        "last_hidden_state": x,
        "attention_mask": frame_mask,
        "hidden_states": tuple(hidden_states) if output_hidden_states else None,
        "attentions": tuple(attentions) if output_attentions else None,
    }
