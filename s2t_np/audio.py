"""Audio loading: decode a file to a mono float32 waveform at the requested rate.

Steps (no reference to match bit-for-bit; transformers' own ``load_audio`` uses other decoders):

1. decode WAV / FLAC / OGG (anything libsndfile reads) with ``soundfile.read(..., dtype="float32",
   always_2d=True)``; libsndfile scales integer PCM by 1 / 2**(bits-1), so int16 s maps to
   s / 32768 in [-1, 1); float files are returned as stored;
2. average the channels to mono: ``x = mean(x[:, c], c)`` (float32);
3. resample when the file's rate differs: ``scipy.signal.resample_poly(x, up, down)`` with
   ``up / down = sampling_rate / file_rate`` reduced by their gcd. The filter is SciPy's default:
   a linear-phase FIR designed with ``firwin(2 * 10 * max(up, down) + 1, 1 / max(up, down),
   window=("kaiser", 5.0))``, scaled by ``up``, applied with zero padding at both ends (no
   delay, output length ``ceil(N * up / down)``). Computed in float64 and returned as float32.

Errors: a missing path raises AudioFileNotFoundError (also a FileNotFoundError); a file that
libsndfile cannot decode (not audio, truncated header, unsupported format) raises
AudioDecodeError; audio with zero samples raises EmptyAudioError; non-finite samples in a float
file raise InvalidAudioError.
"""

import math
import os

import numpy as np
import soundfile

from .checks import is_int
from .errors import AudioDecodeError, AudioFileNotFoundError, ConfigError, EmptyAudioError, InvalidAudioError


def load_audio(source, sampling_rate=16000):
    """Read ``source`` (a path or a binary file-like object) -> float32 mono waveform [N] at ``sampling_rate``."""
    if not is_int(sampling_rate, whole_floats=True) or sampling_rate <= 0:
        raise ConfigError(f"sampling_rate must be a positive integer, got {sampling_rate}")
    sampling_rate = int(sampling_rate)
    is_path = isinstance(source, (str, os.PathLike))
    if not is_path and not hasattr(source, "read"):  # soundfile would take an int as a file descriptor
        raise InvalidAudioError(
            f"load_audio takes a path or a binary file-like object, got {type(source).__name__}; "
            "for an array in memory call fbank / the feature extractor directly"
        )
    name = source if is_path else getattr(source, "name", "<file-like object>")
    if is_path and os.path.isdir(source):
        raise AudioDecodeError(f"{os.fspath(source)} is a directory, not an audio file")
    if is_path and not os.path.isfile(source):
        raise AudioFileNotFoundError(f"audio file not found: {os.fspath(source)}")
    try:
        data, file_rate = soundfile.read(source, dtype="float32", always_2d=True)  # [N, C]
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioDecodeError(f"cannot decode audio {name}: {exc}") from exc
    if data.shape[0] == 0:
        raise EmptyAudioError(f"audio {name} has no samples")
    if not np.isfinite(data).all():
        raise InvalidAudioError(f"audio {name} contains NaN or Inf samples")
    waveform = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]  # [N]
    if file_rate != sampling_rate:
        from scipy.signal import resample_poly  # imported here: scipy.signal costs ~1 s at import

        g = math.gcd(int(file_rate), sampling_rate)
        up, down = sampling_rate // g, int(file_rate) // g
        waveform = resample_poly(waveform.astype(np.float64), up, down)  # [ceil(N * up / down)]
    return np.ascontiguousarray(waveform, dtype=np.float32)
