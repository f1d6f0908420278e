"""Convolutional subsampler: Conv1d (stride 2) + GLU layers over time (HF Conv1dSubsampler).

For each layer i with kernel k, padding p = k // 2, stride 2, torch Conv1d weight W [C_out, C_in, k]:

    y[b, t, o] = bias[o] + sum_{c, j} W[o, c, j] * x_pad[b, 2 t + j, c]      (cross-correlation)
    x          = GLU(y) = y[..., :C_out/2] * sigmoid(y[..., C_out/2:])       (first half is the value)

Channels: C_in = input_feat_per_channel * input_channels for the first layer, conv_channels // 2
after; every layer outputs conv_channels except the last, which outputs 2 * d_model.
Frames out of a layer: floor((T + 2p - k) / 2) + 1, which is (T - 1) // 2 + 1 for odd k.

The convolution is an im2col matmul: the strided windows [B, T_out, C_in, k] are gathered once and
multiplied by W reshaped (a free view) to [C_out, C_in * k]. Data stay in [B, T, C] layout (time
major), the transposes of the torch module are not needed.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import expit


def conv_output_lengths(input_lengths, num_conv_layers=2):
    """Valid frames after the subsampler: L = (L - 1) // 2 + 1 per layer (HF `_get_feat_extract_output_lengths`).

    Accepts an int or an integer array; returns the same kind.
    """
    lengths = input_lengths
    for _ in range(num_conv_layers):
        lengths = (lengths - 1) // 2 + 1
    return lengths


def conv1d_stride2(x, weight, bias):
    """torch Conv1d(stride=2, padding=k // 2) on time-major input: [B, T, C_in] -> [B, T_out, C_out]."""
    c_out, c_in, k = weight.shape
    pad = k // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (0, 0)))  # [B, T + 2p, C_in]
    windows = sliding_window_view(xp, k, axis=1)[:, ::2]  # view [B, T_out, C_in, k]
    b, t_out = windows.shape[:2]
    cols = windows.reshape(b * t_out, c_in * k)  # one gather copy: [B*T_out, C_in*k]
    y = cols @ weight.reshape(c_out, c_in * k).T  # [B*T_out, C_out]
    y += bias
    return y.reshape(b, t_out, c_out)  # [B, T_out, C_out]


def glu(x):
    """Gated linear unit on the last axis: first half * sigmoid(second half)."""
    half = x.shape[-1] // 2
    return x[..., :half] * expit(x[..., half:])


def subsample(input_features, conv_layers):
    """[B, T, C_in] features -> [B, T', 2 * d_model / 2 = d_model] (before embed_scale and positions).

    `conv_layers` is the checkpoint's list of {"weight": [C_out, C_in, k], "bias": [C_out]}.
    """
    x = input_features
    for layer in conv_layers:
        x = glu(conv1d_stride2(x, **layer))  # [B, T_i, C_out] -> [B, T_i, C_out / 2]
    return x
