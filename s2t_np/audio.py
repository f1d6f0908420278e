"""Audio loading: decode a file to a mono float32 waveform at the requested rate, whole or in pieces.

Steps (no reference to match bit-for-bit; transformers' own ``load_audio`` uses other decoders):

1. decode WAV / FLAC / OGG (anything libsndfile reads) with ``soundfile.SoundFile.read(...,
   dtype="float32", always_2d=True)``; libsndfile scales integer PCM by 1 / 2**(bits-1), so int16 s
   maps to s / 32768 in [-1, 1); float files are returned as stored;
2. average the channels to mono: ``x = mean(x[:, c], c)`` (float32);
3. resample when the file's rate differs: ``scipy.signal.resample_poly(x, up, down)`` with
   ``up / down = sampling_rate / file_rate`` reduced by their gcd. The filter is SciPy's default:
   a linear-phase FIR designed with ``firwin(2 * 10 * max(up, down) + 1, 1 / max(up, down),
   window=("kaiser", 5.0))``, scaled by ``up``, applied with zero padding at both ends (no
   delay, output length ``ceil(N * up / down)``). Computed in float64 and returned as float32.

Pieces (`read_audio`, `audio_blocks`): output sample n of step 3 depends only on the input samples
within 10 * max(up, down) / up of n * down / up. So samples [a, b) of the whole waveform are the
same numbers as ``resample_poly`` of the input from i0 to i1 (then cut), where i0 is a multiple of
``down`` (so the piece's output grid is the whole file's: piece sample m = sample m + i0 * up / down)
at least that far before a * down / up, and i1 that far after b * down / up (or the file's ends,
where the whole-file call pads with zeros too). A long file is thus read with memory bounded by
the piece, and the pieces equal ``load_audio`` exactly (a test checks it sample for sample).

Errors: a missing path raises AudioFileNotFoundError (also a FileNotFoundError); a directory, or
a file that libsndfile cannot decode (not audio, truncated header, a FLAC stream that loses sync,
unsupported format) raises AudioDecodeError; audio with zero samples raises EmptyAudioError;
non-finite samples in a float file raise InvalidAudioError. A WAV file whose header announces
more audio than the file holds (a copy or recording cut short) is read as far as it goes, with a
TruncatedAudioWarning naming the file and both durations (`check_truncation`).
"""

import math
import os
import warnings

import numpy as np
import soundfile

from .checks import is_int
from .errors import (
    AudioDecodeError,
    AudioFileNotFoundError,
    ConfigError,
    EmptyAudioError,
    InvalidAudioError,
    TruncatedAudioWarning,
)

_DECODE_ERRORS = (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError)


def _check_rate(sampling_rate):
    if not is_int(sampling_rate, whole_floats=True) or sampling_rate <= 0:
        raise ConfigError(f"sampling_rate must be a positive integer, got {sampling_rate!r}")
    return int(sampling_rate)


def _open(source):
    """-> (soundfile.SoundFile, name for messages); the path and decoder errors of the module docstring."""
    is_path = isinstance(source, (str, os.PathLike))
    if not is_path and not hasattr(source, "read"):  # soundfile would take an int as a file descriptor
        raise InvalidAudioError(
            f"load_audio takes a path or a binary file-like object, got {type(source).__name__}; "
            "for an array in memory call fbank / the feature extractor directly"
        )
    name = os.fspath(source) if is_path else getattr(source, "name", "<file-like object>")
    if is_path and os.path.isdir(source):
        raise AudioDecodeError(f"{name} is a directory, not an audio file; pass the audio files in it")
    if is_path and not os.path.isfile(source):
        raise AudioFileNotFoundError(f"audio file not found: {name}")
    try:
        f = soundfile.SoundFile(source)
    except _DECODE_ERRORS as exc:
        raise AudioDecodeError(f"cannot decode audio {name}: {exc}") from exc
    if f.frames == 0:
        f.close()
        raise EmptyAudioError(f"audio {name} has no samples")
    return f, name


def _ratio(file_rate, sampling_rate):
    g = math.gcd(int(file_rate), sampling_rate)
    return sampling_rate // g, int(file_rate) // g  # up, down


def _output_length(f, sampling_rate):
    up, down = _ratio(f.samplerate, sampling_rate)
    return -(-f.frames * up // down)  # ceil(N * up / down)


def _decode(f, name, first, count):
    """Input samples [first, first + count) of an open file -> float32 mono [count]."""
    try:
        f.seek(first)
        data = f.read(count, dtype="float32", always_2d=True)  # [n, C]
    except _DECODE_ERRORS as exc:
        raise AudioDecodeError(f"cannot decode audio {name} (truncated or corrupt?): {exc}") from exc
    if not np.isfinite(data).all():
        raise InvalidAudioError(f"audio {name} contains NaN or Inf samples")
    return data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]  # [n]


def _read_span(f, name, sampling_rate, start, stop):
    """Output samples [start, stop) of the whole-file waveform (the module docstring's rule)."""
    if f.samplerate == sampling_rate:
        return np.ascontiguousarray(_decode(f, name, start, stop - start))
    from scipy.signal import resample_poly  # imported here: scipy.signal costs ~1 s at import

    up, down = _ratio(f.samplerate, sampling_rate)
    margin = -(-10 * max(up, down) // up) + 1  # the filter's half length in input samples, rounded up
    first = max(0, (start * down // up - margin) // down * down)  # a multiple of `down`
    last = min(f.frames, -(-stop * down // up) + margin)
    piece = resample_poly(_decode(f, name, first, last - first).astype(np.float64), up, down)
    offset = first * up // down  # the piece's first output sample in whole-file numbering
    return np.ascontiguousarray(piece[start - offset : stop - offset], dtype=np.float32)


def check_truncation(path):
    """Warn (TruncatedAudioWarning) if a WAV file's data chunk announces more bytes than the file holds."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return
            size, pos, byte_rate = os.fstat(fh.fileno()).st_size, 12, 0
            while pos + 8 <= size:
                fh.seek(pos)
                chunk = fh.read(16)
                kind, n = chunk[:4], int.from_bytes(chunk[4:8], "little")
                if kind == b"fmt " and len(chunk) == 16:
                    fh.seek(pos + 16)
                    byte_rate = int.from_bytes(fh.read(4), "little")
                if kind == b"data":
                    have = size - pos - 8
                    if n > have and n != 0xFFFFFFFF and byte_rate > 0:  # 0xFFFFFFFF: size unknown (streamed)
                        warnings.warn(
                            f"{os.fspath(path)} is truncated: its WAV header announces {n / byte_rate:.2f} s of "
                            f"audio but the file holds {have / byte_rate:.2f} s; using the {have / byte_rate:.2f} s "
                            "present (copy or record the file again for the rest)",
                            TruncatedAudioWarning,
                            stacklevel=3,
                        )
                    return
                pos += 8 + n + (n & 1)
    except OSError:
        return  # unreadable files get their error from the decoder


def audio_length(source, sampling_rate=16000):
    """Samples of ``load_audio(source, sampling_rate)``, from the header (nothing is decoded)."""
    f, _ = _open(source)
    with f:
        return _output_length(f, _check_rate(sampling_rate))


def read_audio(source, sampling_rate=16000, start=0, stop=None):
    """Samples [start, stop) of ``load_audio(source, sampling_rate)`` (float32 [stop - start]), decoding
    only the part of the file they come from. `stop` None: to the end."""
    sampling_rate = _check_rate(sampling_rate)
    f, name = _open(source)
    with f:
        n = _output_length(f, sampling_rate)
        stop = n if stop is None else min(int(stop), n)
        return _read_span(f, name, sampling_rate, min(int(start), stop), stop)


def audio_blocks(source, sampling_rate=16000, block=480_000):
    """Yield ``load_audio(source, sampling_rate)`` in consecutive pieces of `block` samples (the last
    may be shorter), one piece in memory at a time."""
    sampling_rate = _check_rate(sampling_rate)
    f, name = _open(source)
    with f:
        n = _output_length(f, sampling_rate)
        for start in range(0, n, int(block)):
            yield _read_span(f, name, sampling_rate, start, min(start + int(block), n))


def load_audio(source, sampling_rate=16000):
    """Read ``source`` (a path or a binary file-like object) -> float32 mono waveform [N] at ``sampling_rate``."""
    sampling_rate = _check_rate(sampling_rate)
    if isinstance(source, (str, os.PathLike)) and os.path.isfile(source):
        check_truncation(source)
    return read_audio(source, sampling_rate)
