"""Audio loading and batching for the transformers side of the end-to-end tests, written without s2t_np.

`reference_load_audio` does what a transformers user does to feed Speech2TextProcessor from a
file: transformers has no loader of its own for this model (its documentation uses `datasets`,
which decodes with soundfile), so the usual code is soundfile to read, the mean of the channels
for mono, and scipy.signal.resample_poly when the file's rate is not the model's:

    data, rate = soundfile.read(path, always_2d=True)        # float64 [N, C], PCM scaled to [-1, 1)
    wave = data.mean(axis=1)                                   # [N]
    wave = resample_poly(wave, 16000 // g, rate // g)          # g = gcd(16000, rate), if rate != 16000

`reference_batches` is the batching rule s2t_np.transcribe documents (s2t_np/transcriber.py):
utterances sorted by length, longest first, ties in input order, `batch_size` per batch.

Both are independent of s2t_np.load_audio and s2t_np.transcriber.batch_plan, so a bug in either
shows up as a mismatch instead of being copied into the expected values.
"""

import math

import numpy as np
import soundfile


def reference_load_audio(path, sampling_rate=16000):
    """A file -> float32 mono waveform [N] at `sampling_rate`, the way transformers users load audio."""
    from scipy.signal import resample_poly

    data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)  # [N, C]
    wave = data.mean(axis=1)  # [N]
    if rate != sampling_rate:
        g = math.gcd(int(rate), int(sampling_rate))
        wave = resample_poly(wave, int(sampling_rate) // g, int(rate) // g)
    return wave.astype(np.float32)


def reference_batches(lengths, batch_size):
    """Batches of indices: longest first, equal lengths in input order, `batch_size` per batch."""
    order = list(range(len(lengths)))
    order.sort(key=lambda i: lengths[i], reverse=True)  # list.sort is stable, also with reverse=True
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
