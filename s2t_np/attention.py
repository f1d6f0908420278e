"""Multi-head attention with additive masks and explicit K/V (HF Speech2TextAttention, eager path).

For heads h = 1..H, dh = D / H, scale = dh ** -0.5 (all four projections have a bias):

    q = split(x W_q.T + b_q),  k = split(s W_k.T + b_k),  v = split(s W_v.T + b_v)   [B, H, T, dh]
    A = softmax((q k^T) * scale + mask)                                              [B, H, T_q, T_k]
    out = merge(A v) W_o.T + b_o                                                     [B, T_q, D]

s = x for self-attention, the encoder output for cross-attention. The scale multiplies the
scores after the matmul, as transformers' `eager_attention_forward` does; when it is a power of
two (dh = 4, 16, 64, ...) it is applied to q instead, which is exact and so gives the same bits. `mask` is additive:
0 where a key may be attended, finfo(dtype).min where not (transformers' eager masks); a row with
every key masked therefore gets a uniform distribution, as in the reference.

K/V are plain arrays that the caller keeps (decoder.py's cache): self-attention returns its new
K/V concatenated after the past ones, cross-attention takes K/V computed once by `project_kv`.
"""

import math

import numpy as np

from .nn import linear, softmax


def split_heads(x, n_heads):
    """[B, T, D] -> [B, H, T, dh]."""
    b, t, d = x.shape
    return x.reshape(b, t, n_heads, d // n_heads).transpose(0, 2, 1, 3)  # [B, H, T, dh]


def merge_heads(x):
    """[B, H, T, dh] -> [B, T, D]."""
    b, h, t, dh = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * dh)  # [B, T, D]


def additive_mask(keep, dtype):
    """Boolean keep mask [..., T_k] (or [..., T_q, T_k]) -> additive 0 / finfo(dtype).min of the same shape."""
    dtype = np.dtype(dtype)
    return np.where(keep, dtype.type(0), np.finfo(dtype).min).astype(dtype)


def attend(q, k, v, mask=None):
    """Scaled dot-product attention. q [B, H, T_q, dh], k/v [B, H, T_k, dh], mask broadcastable to
    [B, H, T_q, T_k] -> (out [B, H, T_q, dh], weights [B, H, T_q, T_k])."""
    scale = q.shape[-1] ** -0.5
    if math.frexp(scale)[0] == 0.5:
        # a power of two (dh = 4, 16, 64, 256): scaling q first is exact, so the result is the same
        # bit for bit, and it touches T_q * dh values instead of T_q * T_k
        scores = (q * q.dtype.type(scale)) @ k.swapaxes(-1, -2)  # [B, H, T_q, T_k]
    else:
        scores = q @ k.swapaxes(-1, -2)  # [B, H, T_q, T_k]
        scores *= q.dtype.type(scale)
    if mask is not None:
        scores += mask
    weights = softmax(scores, out=scores)  # in place: scores is ours. [B, H, T_q, T_k]
    return weights @ v, weights  # [B, H, T_q, dh]


def project_kv(states, k_proj, v_proj, *, n_heads):
    """Key and value heads of `states` [B, T_k, D] -> (k, v) each [B, H, T_k, dh]."""
    return split_heads(linear(states, **k_proj), n_heads), split_heads(linear(states, **v_proj), n_heads)


def self_attention(x, mask, q_proj, k_proj, v_proj, out_proj, *, n_heads, past_k=None, past_v=None):
    """Self-attention of x [B, T, D]; new K/V are appended to past_k/past_v [B, H, T_past, dh].

    Returns (out [B, T, D], k [B, H, T_past + T, dh], v [B, H, T_past + T, dh], weights [B, H, T, T_past + T]).
    """
    q = split_heads(linear(x, **q_proj), n_heads)  # [B, H, T, dh]
    k, v = project_kv(x, k_proj, v_proj, n_heads=n_heads)  # [B, H, T, dh]
    if past_k is not None:
        k = np.concatenate([past_k, k], axis=2)  # [B, H, T_past + T, dh]
        v = np.concatenate([past_v, v], axis=2)
    out, weights = attend(q, k, v, mask)
    return linear(merge_heads(out), **out_proj), k, v, weights  # [B, T, D]


def cross_attention(x, k, v, mask, *, q_proj, out_proj, n_heads):
    """Attention of x [B, T, D] over precomputed encoder K/V [B, H, T', dh] (from `project_kv`).

    Returns (out [B, T, D], weights [B, H, T, T']).
    """
    q = split_heads(linear(x, **q_proj), n_heads)  # [B, H, T, dh]
    out, weights = attend(q, k, v, mask)
    return linear(merge_heads(out), **out_proj), weights  # [B, T, D]
