"""Test signals for the front-end parity tests: the committed espeak-ng clips plus seeded noise and tones.

All are float32 mono at 16 kHz in [-1, 1) (what Speech2TextFeatureExtractor receives). The clips
are read with soundfile directly, not through s2t_np.load_audio, so the references never see our code.
"""

import numpy as np
import soundfile

from tests.support.paths import DATA_DIR

SPEECH_CLIPS = ("speech_en_us_m.wav", "speech_en_f3.wav", "speech_en_gb.wav", "speech_fr.wav")


def speech(name, sampling_rate=16000):
    data, rate = soundfile.read(DATA_DIR / name, dtype="float32")
    assert rate == sampling_rate == 16000, f"{name}: clips are committed at 16 kHz"
    return data


def synthetic(name, seconds=1.5, sampling_rate=16000):
    """Seeded synthetic signals: noise, tones, a chirp, DC-offset noise, very quiet noise."""
    rng = np.random.default_rng(1234)
    t = np.arange(int(seconds * sampling_rate)) / sampling_rate
    if name == "noise":
        x = 0.1 * rng.standard_normal(t.shape)
    elif name == "tones":
        x = 0.3 * np.sin(2 * np.pi * 440.0 * t) + 0.2 * np.sin(2 * np.pi * 3000.0 * t)
    elif name == "chirp":  # 100 Hz -> ~7 kHz sweep: near-empty mel bins are where precision shows
        x = 0.5 * np.sin(2 * np.pi * (100.0 * t + 0.5 * (6900.0 / seconds) * t**2))
    elif name == "dc_noise":
        x = 0.25 + 0.05 * rng.standard_normal(t.shape)
    elif name == "quiet":
        x = 1e-4 * rng.standard_normal(t.shape)
    else:
        raise KeyError(name)
    return x.astype(np.float32)


SYNTHETIC = ("noise", "tones", "chirp", "dc_noise", "quiet")


def signal(name):
    return speech(name) if name.endswith(".wav") else synthetic(name)


ALL_SIGNALS = SPEECH_CLIPS + SYNTHETIC
