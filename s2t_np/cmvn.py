"""Utterance-level cepstral mean and variance normalisation (CMVN).

Matches ``Speech2TextFeatureExtractor.utterance_cmvn`` in transformers, operation for operation
(so results are bit-identical for the float32 features it receives): over the first n valid
frames of x [T, n_mels],

    x = x - mean(x[:n], axis=0)          (normalize_means)
    x = x / std(x[:n], axis=0)           (normalize_vars; NumPy std, ddof = 0, no epsilon)
    x[n:] = padding_value                (rows past the valid frames)

and the result is cast to float32.

Deviation (documented guard, never silent NaN): a mel bin that is constant over the n valid
frames (digital silence, a band with no energy at all) has std = 0, where transformers returns
NaN, inf or rounding noise divided by a rounding-sized std. Here such a bin's mean is its
constant value (so the centred value is exactly 0) and its std is taken as 1 (so
``normalize_vars`` leaves it unchanged). Every other bin is computed exactly as transformers does.
The input array is never modified (transformers writes padding rows into it in place when no
normalisation is requested).
"""

import numpy as np

from .checks import is_int
from .errors import InvalidInputError


def utterance_cmvn(x, input_length, normalize_means=True, normalize_vars=True, padding_value=0.0):
    """Normalise the first ``input_length`` rows of x [T, n_mels]; returns float32 [T, n_mels]."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise InvalidInputError(f"utterance_cmvn expects features [T, n_mels], got shape {x.shape}")
    if not is_int(input_length, whole_floats=True):
        raise InvalidInputError(f"input_length must be a whole number of frames, got {input_length!r}")
    n = int(input_length)
    if not 1 <= n <= x.shape[0]:
        raise InvalidInputError(f"input_length must be in [1, {x.shape[0]}] for {x.shape[0]} frames, got {n}")
    valid = x[:n]  # [n, n_mels]
    if not np.isfinite(valid).all():
        raise InvalidInputError("features contain NaN or Inf values; cannot normalise")
    constant = (valid == valid[0]).all(axis=0)  # [n_mels] bins with zero spread
    if normalize_means:
        mean = valid.mean(axis=0)
        if constant.any():
            mean = np.where(constant, valid[0], mean)
        x = np.subtract(x, mean)
    if normalize_vars:
        std = x[:n].std(axis=0)
        if constant.any():
            std = np.where(constant, np.ones_like(std), std)
        x = np.divide(x, std)
    if n < x.shape[0]:
        if not (normalize_means or normalize_vars):
            x = x.copy()  # never write into the caller's array
        x[n:] = padding_value
    return x.astype(np.float32)
