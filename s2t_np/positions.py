"""Sinusoidal positions (HF Speech2TextSinusoidalPositionalEmbedding, tensor2tensor / fairseq style).

Table row p, for D = d_model and half = D // 2:

    inv[i] = exp(-i * ln(10000) / (half - 1))                        i = 0 .. half - 1
    row[p] = [sin(p * inv) | cos(p * inv)]   (+ a zero column when D is odd)   blocks, not interleaved
    row[padding_idx] = 0                                            padding_idx = pad_token_id

Position ids (fairseq `make_positions`): with `valid` = 1 for real frames / tokens,

    pos = (cumsum(valid) + past_len) * valid + padding_idx

so the first real item sits at padding_idx + 1 and padded items read the zero row.

The reference builds the table in float32 (also under `model.double()`, where it is cast after)
and grows it on demand, so there is no limit at max_source_positions / max_target_positions. Here
the rows are computed directly for the ids that are asked for, so nothing needs to grow and no
table is stored. Precision: `-i * ln(10000) / (half - 1)` and `p * inv` are float32 products as in
torch; exp, sin and cos are evaluated in float64 on those float32 arguments and rounded once to
float32 (correctly rounded). torch uses SLEEF's float32 exp / sin / cos (<= 1 ulp), so a few
entries of `inv` can differ by 1 ulp, which `p * inv` amplifies: measured against torch's table,
max |diff| 6e-8 for D = 32, 1.2e-4 for D = 1024 over 7000 rows (p grows the error linearly).
"""

import math

import numpy as np


def position_ids(valid, padding_idx, past_len=0):
    """[B, L] 0/1 validity -> [B, L] int64 position ids (fairseq `make_positions`)."""
    valid = valid.astype(np.int64)
    return (np.cumsum(valid, axis=1) + past_len) * valid + padding_idx  # [B, L]


def sinusoidal_embedding(positions, dim, padding_idx):
    """Rows of the sinusoidal table for integer `positions` [...] -> [..., dim] float32."""
    half = dim // 2
    step = np.float32(-math.log(10000) / (half - 1))
    inv = np.exp((np.arange(half, dtype=np.float32) * step).astype(np.float64)).astype(np.float32)  # [half]
    arg = positions.astype(np.float32)[..., None] * inv  # float32 product as in torch: [..., half]
    arg = arg.astype(np.float64)
    emb = np.concatenate([np.sin(arg), np.cos(arg)], axis=-1).astype(np.float32)  # [..., 2 * half]
    if dim % 2:
        emb = np.concatenate([emb, np.zeros((*emb.shape[:-1], 1), np.float32)], axis=-1)  # [..., dim]
    emb[positions == padding_idx] = 0.0
    return emb


def sinusoidal_positions(valid, dim, padding_idx, past_len=0):
    """[B, L] 0/1 validity -> [B, L, dim] float32 position embeddings (HF module's forward)."""
    return sinusoidal_embedding(position_ids(valid, padding_idx, past_len), dim, padding_idx)
