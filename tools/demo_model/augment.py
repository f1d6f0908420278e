"""Waveform augmentation and non-speech clips for the second training set (stage E).

Everything works on float32 mono waveforms at 16 kHz in [-1, 1] and draws from the generator it
is given, so a spec (a dict of plain numbers) decides the clip completely.

- speed: resampling by 0.9 or 1.1 (tempo and pitch together, as Kaldi's speed perturbation);
- leading and trailing silence: 0 to 1 s each;
- level: the speech is scaled to a peak of -12 dBFS, then a gain of -12 to +12 dB (peaks from
  -24 to 0 dBFS; noise on top may clip, as in a real recording);
- background noise: white, pink or brown at 10 to 30 dB SNR against the speech;
- every clip is rounded to 16-bit PCM, as the evaluation WAVs are.

Non-speech clips (transcript "") are digital silence or noise alone, 0.5 to 6 s long.
"""

import numpy as np
from scipy.signal import resample_poly

SAMPLING_RATE = 16000
NOISE_KINDS = ("white", "pink", "brown")
PEAK_BEFORE_GAIN = 10 ** (-12 / 20)


def colored_noise(kind, n, rng):
    """Unit-RMS noise with a 1/f^0 (white), 1/f (pink) or 1/f^2 (brown) power spectrum."""
    white = rng.standard_normal(n)
    if kind != "white":
        spectrum = np.fft.rfft(white)
        f = np.arange(len(spectrum), dtype=np.float64)
        f[0] = 1.0
        spectrum /= f ** (0.5 if kind == "pink" else 1.0)  # amplitude ~ f^(-exponent / 2)
        white = np.fft.irfft(spectrum, n)
    return white / max(np.sqrt(np.mean(white**2)), 1e-12)


def draw_augmentation(rng):
    """One clip's augmentation settings (plain numbers, stored in the set's index)."""
    return dict(
        speed_factor=float(rng.choice([0.9, 1.0, 1.0, 1.1])),
        lead_s=float(rng.uniform(0, 1.0)) if rng.random() < 0.7 else 0.0,
        trail_s=float(rng.uniform(0, 1.0)) if rng.random() < 0.7 else 0.0,
        gain_db=float(rng.uniform(-12, 12)),
        noise=str(rng.choice(NOISE_KINDS)) if rng.random() < 0.6 else "",
        snr_db=float(rng.uniform(10, 30)),
        noise_seed=int(rng.integers(2**31)),
    )


def to_pcm16(wav):
    return (np.round(np.clip(wav, -1.0, 1.0) * 32767.0) / 32767.0).astype(np.float32)


def augment(wav, a):
    """Apply one draw of draw_augmentation to a clean espeak-ng waveform."""
    if a["speed_factor"] != 1.0:  # 1.1 = faster: 11 input samples become 10
        up, down = (10, 11) if a["speed_factor"] > 1 else (10, 9)
        wav = resample_poly(wav, up, down)
    wav = PEAK_BEFORE_GAIN * wav / max(float(np.abs(wav).max()), 1e-6)
    speech_power = float(np.mean(wav**2)) + 1e-12
    wav = np.concatenate([np.zeros(int(a["lead_s"] * SAMPLING_RATE)), wav, np.zeros(int(a["trail_s"] * SAMPLING_RATE))])
    if a["noise"]:
        rng = np.random.default_rng(a["noise_seed"])
        noise_rms = np.sqrt(speech_power / 10 ** (a["snr_db"] / 10))
        wav = wav + noise_rms * colored_noise(a["noise"], len(wav), rng)
    return to_pcm16(wav * 10 ** (a["gain_db"] / 20))


def draw_nonspeech(rng):
    return dict(
        seconds=float(rng.uniform(0.5, 6.0)),
        noise=str(rng.choice(("silence",) + NOISE_KINDS)),
        level_dbfs=float(rng.uniform(-70, -10)),
        noise_seed=int(rng.integers(2**31)),
    )


def nonspeech(a):
    """Silence or noise alone at an RMS level of level_dbfs (full scale = 1)."""
    n = int(a["seconds"] * SAMPLING_RATE)
    if a["noise"] == "silence":
        return np.zeros(n, np.float32)
    rng = np.random.default_rng(a["noise_seed"])
    return to_pcm16(10 ** (a["level_dbfs"] / 20) * colored_noise(a["noise"], n, rng))
