"""`trace_features`: every stage of the Speech2Text front end for one waveform, in execution order.

For one mono float waveform w [N] in [-1, 1) and a `Speech2TextFeatureExtractor` at sampling rate
sr (L = int(sr * 0.025) samples per frame, S = int(sr * 0.010) shift, P = next power of two >= L,
T = 1 + (N - L) // S frames; at 16 kHz L = 400, S = 160, P = 512), the trace holds:

    frontend.waveform        x = float32(w) * 2**15, Kaldi's int16 range            [N] float32
    frontend.frames          f[t, j] = x[t S + j], j < L  (snip_edges)              [T, L] float64
    frontend.dc_removed      d = f - mean_j(f)                                      [T, L] float64
    frontend.preemphasized   p[:, j] = d[:, j] - 0.97 d[:, j-1] for j >= 1,
                             p[:, 0] = d[:, 0] - 0.97 d[:, 0]  (Kaldi's edge rule)   [T, L] float64
    frontend.windowed        u = p * povey, povey[j] = (0.5 - 0.5 cos(2 pi j / (L-1)))**0.85
                                                                                    [T, L] float64
    frontend.power_spectrum  |rfft(u zero-padded to P)|**2                          [T, P/2 + 1] float64
    frontend.mel_energies    power_spectrum @ mel_banks.T (Kaldi triangles, 20 Hz .. sr/2,
                             Nyquist bin weight 0)                                  [T, n_mels] float64
    frontend.log_mel         float32(log(max(mel_energies, float32 eps)))           [T, n_mels] float32
    frontend.cmvn            utterance_cmvn(log_mel, T, normalize_means, normalize_vars): per bin
                             (x - mean_t) / std_t; log_mel unchanged (as float32) when
                             do_ceptral_normalize=False                             [T, n_mels] float32

`frontend.log_mel` is bit-identical to `feature_extractor.extract_fbank_features(w)` and
`frontend.cmvn` to the extractor's `input_features` for this one unpadded waveform.

References: transformers' `Speech2TextFeatureExtractor._extract_fbank_features`, NumPy path
(transformers/models/speech_to_text/feature_extraction_speech_to_text.py, which calls
`spectrogram` in transformers/audio_utils.py), and Kaldi's src/feat/feature-window.cc
(ExtractWindow, ProcessWindow, Preemphasize, FeatureWindowFunction), src/feat/mel-computations.cc
(MelBanks) and src/feat/feature-fbank.cc (FbankComputer::Compute).

Mechanism: a replay of `s2t_np.kaldi_fbank.fbank` with the options `speech2text_fbank` pins: the
same helpers (`frame_signal`, `feature_window`, `mel_banks`) and the same NumPy operations in the
same order on the same array layout (a zero-padded [B, P] float64 buffer per block of
`FRAMES_PER_BLOCK` frames, the mel product taken block by block), copying each stage out as it
goes. fbank itself is not touched. Dither is refused: a trace needs deterministic features.
`stages=` replaces one of the replay's stage functions (`FRONTEND_STAGES`: the analysis window,
the mel filter bank, CMVN) with yours, as `trace(..., stages=)` does for the model.
"""

import numpy as np

from ..cmvn import utterance_cmvn
from ..errors import ConfigError, InvalidAudioError, SamplingRateError
from ..hf.feature_extraction import as_waveform_list
from ..kaldi_fbank import (
    FLOAT32_EPS,
    FRAMES_PER_BLOCK,
    SPEECH2TEXT_FBANK_OPTIONS,
    feature_window,
    frame_signal,
    mel_banks,
)
from .model_trace import Trace, stage_functions

# The stage functions the replay calls, by slot name: what `stages=` may replace (same signatures).
FRONTEND_STAGES = {
    "feature_window": feature_window,  # (window_type, window_size) -> [L] float64
    "mel_banks": mel_banks,  # (n_mels, padded_window_size, sample_frequency, low_freq, high_freq) -> [n_mels, P/2+1]
    "utterance_cmvn": utterance_cmvn,  # (x [T, n_mels], input_length, normalize_means, normalize_vars, padding_value)
}

# The options speech2text_fbank pins (s2t_np/kaldi_fbank.py), the ones this replay implements.
OPTIONS = SPEECH2TEXT_FBANK_OPTIONS
FRAME_LENGTH_MS, FRAME_SHIFT_MS = OPTIONS["frame_length"], OPTIONS["frame_shift"]
PREEMPHASIS, WINDOW_TYPE = OPTIONS["preemphasis_coefficient"], OPTIONS["window_type"]
LOW_FREQ, HIGH_FREQ = OPTIONS["low_freq"], OPTIONS["high_freq"]  # HIGH_FREQ <= 0: Nyquist + HIGH_FREQ

ENTRIES = (
    "frontend.waveform",
    "frontend.frames",
    "frontend.dc_removed",
    "frontend.preemphasized",
    "frontend.windowed",
    "frontend.power_spectrum",
    "frontend.mel_energies",
    "frontend.log_mel",
    "frontend.cmvn",
)


def trace_features(feature_extractor, waveform, sampling_rate, *, stages=None):
    """Front-end stages of one mono waveform (module docstring) -> `Trace`.

    feature_extractor: an s2t_np `Speech2TextFeatureExtractor` with dither=0; waveform: float [N]
    in [-1, 1); sampling_rate: the waveform's rate in Hz, which must be the extractor's; stages:
    {slot: function} replacing stage functions of the replay (`FRONTEND_STAGES`).
    """
    fns = stage_functions(stages, FRONTEND_STAGES, "front-end stage")
    fe = feature_extractor
    if sampling_rate != fe.sampling_rate:
        raise SamplingRateError(
            f"audio at {sampling_rate} Hz given to a feature extractor defined at {fe.sampling_rate} Hz; "
            f"resample it first (s2t_np.load_audio(path, sampling_rate={fe.sampling_rate}))"
        )
    if fe.dither != 0.0:
        raise ConfigError(
            f"a trace needs deterministic features (dither=0); this feature extractor has dither={fe.dither}"
        )
    w = np.asarray(waveform)
    if w.ndim != 1:
        raise InvalidAudioError(f"trace_features takes one mono waveform [N], got shape {w.shape}")
    (w,) = as_waveform_list([w])  # the extractor's checks (float dtype, not empty) and its float32 cast
    if not np.isfinite(w).all():
        raise InvalidAudioError("waveform contains NaN or Inf samples")

    sr = fe.sampling_rate
    window_size = int(sr * FRAME_LENGTH_MS * 0.001)  # L
    window_shift = int(sr * FRAME_SHIFT_MS * 0.001)  # S
    padded = 1 << (window_size - 1).bit_length()  # P
    banks = fns["mel_banks"](fe.num_mel_bins, padded, sr, LOW_FREQ, HIGH_FREQ)  # [n_mels, P/2 + 1]
    window = fns["feature_window"](WINDOW_TYPE, window_size)  # [L]

    out = {}
    x = out["frontend.waveform"] = w * np.float32(2**15)  # [N] float32
    frames = frame_signal(x, window_size, window_shift, snip_edges=True)  # [T, L] float32 view
    out["frontend.frames"] = frames.astype(np.float64)  # [T, L]
    n_frames = frames.shape[0]
    stages = {
        name: np.empty((n_frames, n))
        for name, n in (
            ("frontend.dc_removed", window_size),
            ("frontend.preemphasized", window_size),
            ("frontend.windowed", window_size),
            ("frontend.power_spectrum", padded // 2 + 1),
            ("frontend.mel_energies", fe.num_mel_bins),
        )
    }
    for start in range(0, n_frames, FRAMES_PER_BLOCK):
        block = slice(start, start + FRAMES_PER_BLOCK)
        for name, value in _trace_block(frames[block], window, banks, padded).items():
            stages[name][block] = value
    out.update(stages)

    mel = stages["frontend.mel_energies"]
    log_mel = out["frontend.log_mel"] = np.log(np.maximum(mel, FLOAT32_EPS)).astype(np.float32)  # [T, n_mels]
    if fe.do_ceptral_normalize:  # one unpadded utterance: every frame is valid
        cmvn = fns["utterance_cmvn"](log_mel, n_frames, fe.normalize_means, fe.normalize_vars, fe.padding_value)
    else:
        cmvn = log_mel.copy()  # the extractor's input_features without CMVN
    out["frontend.cmvn"] = cmvn
    assert tuple(out) == ENTRIES, f"trace_features: entries {tuple(out)}"

    metadata = {
        "producer": "s2t_np.oracle.trace_features",
        "feature_extractor": fe.to_dict(),
        "fbank": {
            "frame_length_ms": FRAME_LENGTH_MS,
            "frame_shift_ms": FRAME_SHIFT_MS,
            "window_size": window_size,
            "window_shift": window_shift,
            "padded_window_size": padded,
            "preemphasis_coefficient": PREEMPHASIS,
            "window_type": WINDOW_TYPE,
            "low_freq": LOW_FREQ,
            "high_freq": HIGH_FREQ,
            "snip_edges": True,
            "remove_dc_offset": True,
            "use_power": True,
            "log_floor": FLOAT32_EPS,
        },
    }
    if stages:
        metadata["replaced_stages"] = {name: getattr(fn, "__qualname__", repr(fn)) for name, fn in stages.items()}
    return Trace(out, metadata, {"waveform": w})


def _trace_block(frames, window, banks, padded):
    """One block of fbank's `_block_mel_energies` (Speech2Text options), each stage copied out.

    The operations, their order and the buffer layout are fbank's: bit-identical mel energies.
    """
    n, window_size = frames.shape
    buffer = np.zeros((n, padded))  # [B, P]
    frame = buffer[:, :window_size]  # [B, L] view; columns L..P-1 stay zero
    frame[...] = frames
    frame -= frame.mean(axis=1, keepdims=True)
    dc_removed = frame.copy()
    frame[:, 1:] -= frame[:, :-1] * PREEMPHASIS  # the right side is evaluated before the update
    frame[:, 0] -= PREEMPHASIS * frame[:, 0]
    preemphasized = frame.copy()
    frame *= window
    windowed = frame.copy()
    spectrum = np.fft.rfft(buffer, axis=1)  # [B, P/2 + 1] complex
    power = np.abs(spectrum, out=buffer[:, : padded // 2 + 1])  # [B, P/2 + 1] view into the buffer
    np.square(power, out=power)
    return {
        "frontend.dc_removed": dc_removed,
        "frontend.preemphasized": preemphasized,
        "frontend.windowed": windowed,
        "frontend.power_spectrum": power.copy(),
        "frontend.mel_energies": power @ banks.T,  # [B, n_mels]
    }
