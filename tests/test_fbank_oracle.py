"""A loop-level definition oracle for Kaldi fbank, swept over small sizes against s2t_np.fbank.

The oracle transcribes Kaldi's C++ (feature-window.cc ExtractWindow / ProcessWindow,
mel-computations.cc MelBanks, feature-fbank.cc Compute) one frame and one sample at a time in
plain Python floats: reflection at the edges, DC removal, log energy, the in-place backwards
pre-emphasis loop, the window formulas, zero padding and the mel triangles per (bin, FFT bin).
Only the DFT itself is delegated to np.fft.rfft per frame. Small sample rates make the frames
a few samples long, so every edge case (lengths around one frame, shifts larger than half a
frame, reflection beyond the signal) is swept quickly.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import s2t_np
from s2t_np.errors import EmptyAudioError
from tests.support.asserts import assert_close
from tests.support.kaldi_native import knf_fbank
from tests.support.properties import examples
from tests.support.tolerances import FBANK_VS_KNF_IMPULSES, FBANK_VS_ORACLE

EPS = 1.1920928955078125e-07  # std::numeric_limits<float>::epsilon()


def oracle_window(window_type, n, size, blackman_coeff):
    a = 2.0 * math.pi / (size - 1)
    if window_type == "hanning":
        return 0.5 - 0.5 * math.cos(a * n)
    if window_type == "hamming":
        return 0.54 - 0.46 * math.cos(a * n)
    if window_type == "povey":
        return (0.5 - 0.5 * math.cos(a * n)) ** 0.85
    if window_type == "rectangular":
        return 1.0
    if window_type == "blackman":
        return blackman_coeff - 0.5 * math.cos(a * n) + (0.5 - blackman_coeff) * math.cos(2 * a * n)
    raise ValueError(window_type)


def oracle_fbank(
    x,
    sample_frequency,
    frame_length,
    frame_shift,
    snip_edges,
    num_mel_bins,
    window_type="povey",
    blackman_coeff=0.42,
    preemphasis_coefficient=0.97,
    remove_dc_offset=True,
    round_to_power_of_two=True,
    low_freq=20.0,
    high_freq=0.0,
    use_energy=False,
    raw_energy=True,
    energy_floor=1.0,
    htk_compat=False,
    use_log_fbank=True,
    use_power=True,
    first_sample="kaldi",
):
    """Kaldi fbank of x, one frame and one sample at a time. `first_sample` is the pre-emphasis rule
    at a frame's first sample: "kaldi" (y[0] = x[0] - c * x[0]); "unchanged" (y[0] = x[0]) only
    exists to show that a test can tell the two apart."""
    x = [float(v) for v in x]
    num_samples = len(x)
    shift = int(sample_frequency * frame_shift * 0.001)
    size = int(sample_frequency * frame_length * 0.001)
    padded = 1
    while padded < size:
        padded *= 2
    if not round_to_power_of_two:
        padded = size
    if snip_edges:
        num_frames = 0 if num_samples < size else 1 + (num_samples - size) // shift
    else:
        num_frames = (num_samples + shift // 2) // shift

    # MelBanks
    nyquist = 0.5 * sample_frequency
    high = high_freq if high_freq > 0 else nyquist + high_freq
    mel = lambda f: 1127.0 * math.log(1.0 + f / 700.0)  # noqa: E731
    mel_low, mel_high = mel(low_freq), mel(high)
    delta = (mel_high - mel_low) / (num_mel_bins + 1)
    bins = []
    for b in range(num_mel_bins):
        left, center, right = mel_low + b * delta, mel_low + (b + 1) * delta, mel_low + (b + 2) * delta
        weights = []
        for k in range(padded // 2):
            m = mel(sample_frequency / padded * k)
            w = 0.0
            if left < m < right:
                w = (m - left) / (center - left) if m <= center else (right - m) / (right - center)
            weights.append(w)
        bins.append(weights)

    rows = []
    for t in range(num_frames):
        first = t * shift if snip_edges else t * shift + shift // 2 - size // 2
        frame = []
        for j in range(size):  # ExtractWindow, with Kaldi's reflection loop
            s = first + j
            while s < 0 or s >= num_samples:
                s = -s - 1 if s < 0 else 2 * num_samples - 1 - s
            frame.append(x[s])
        if remove_dc_offset:
            mean = sum(frame) / size
            frame = [v - mean for v in frame]
        if raw_energy:
            energy = sum(v * v for v in frame)
        if preemphasis_coefficient != 0.0:
            for j in range(size - 1, 0, -1):
                frame[j] -= preemphasis_coefficient * frame[j - 1]
            if first_sample == "kaldi":
                frame[0] -= preemphasis_coefficient * frame[0]
        frame = [v * oracle_window(window_type, j, size, blackman_coeff) for j, v in enumerate(frame)]
        frame += [0.0] * (padded - size)
        if not raw_energy:
            energy = sum(v * v for v in frame)
        log_energy = math.log(max(energy, EPS))
        if energy_floor > 0.0:
            log_energy = max(log_energy, math.log(energy_floor))
        spectrum = np.fft.rfft(np.array(frame))
        power = [abs(c) ** 2 if use_power else abs(c) for c in spectrum]
        row = []
        for b in range(num_mel_bins):
            e = sum(bins[b][k] * power[k] for k in range(padded // 2))
            row.append(math.log(max(e, EPS)) if use_log_fbank else e)
        if use_energy:
            row = row + [log_energy] if htk_compat else [log_energy] + row
        rows.append(row)
    return np.array(rows, dtype=np.float64)


def compare(x, **opts):
    expected = oracle_fbank(x, **opts)
    if expected.shape[0] == 0:
        with pytest.raises(EmptyAudioError):
            s2t_np.fbank(x, **opts, dtype=np.float64)
        return 0
    actual = s2t_np.fbank(x, **opts, dtype=np.float64)
    assert_close(actual, expected, FBANK_VS_ORACLE, f"{opts}, N={len(x)}")
    return actual.shape[0]


# sample_frequency 1000 Hz: frame_length in ms = samples. Frame sizes 4..25, shifts 1..13
# (including shifts longer than half a frame, where snip_edges=False trims the start).
SIZES = [(4, 1), (5, 2), (8, 3), (10, 10), (16, 13), (25, 10)]


@pytest.mark.parametrize("snip_edges", [True, False])
@pytest.mark.parametrize("size,shift", SIZES)
def test_sweep_lengths_around_one_frame(size, shift, snip_edges):
    rng = np.random.default_rng(size * 100 + shift)
    signal = rng.integers(-2000, 2000, size=3 * size + 2 * shift + 3).astype(np.float64)
    frames_seen = 0
    for n in list(range(1, size + 2 * shift + 2)) + [len(signal)]:
        frames_seen += compare(
            signal[:n],
            sample_frequency=1000.0,
            frame_length=float(size),
            frame_shift=float(shift),
            snip_edges=snip_edges,
            num_mel_bins=5,
        )
    assert frames_seen > 0


@settings(max_examples=examples(40), deadline=None)
@given(
    n=st.integers(1, 90),
    size_shift=st.sampled_from(SIZES),
    snip_edges=st.booleans(),
    window_type=st.sampled_from(["povey", "hanning", "hamming", "rectangular", "blackman"]),
    blackman_coeff=st.sampled_from([0.42, 0.3]),
    preemphasis_coefficient=st.sampled_from([0.0, 0.97, 1.0]),
    remove_dc_offset=st.booleans(),
    round_to_power_of_two=st.booleans(),
    use_energy=st.booleans(),
    raw_energy=st.booleans(),
    energy_floor=st.sampled_from([0.0, 1.0, 1e3]),
    htk_compat=st.booleans(),
    use_log_fbank=st.booleans(),
    use_power=st.booleans(),
    mel=st.sampled_from([(4, 20.0, 0.0), (6, 0.0, -50.0), (3, 100.0, 400.0)]),
    seed=st.integers(0, 2**16),
)
def test_random_options_against_oracle(n, size_shift, snip_edges, mel, seed, **opts):
    size, shift = size_shift
    if not opts["round_to_power_of_two"] and size % 2:
        size += 1  # an odd unpadded window is a configuration error (tested in test_fbank.py)
    num_mel_bins, low_freq, high_freq = mel
    x = np.random.default_rng(seed).normal(0.0, 300.0, size=n)
    compare(
        x,
        sample_frequency=1000.0,
        frame_length=float(size),
        frame_shift=float(shift),
        snip_edges=snip_edges,
        num_mel_bins=num_mel_bins,
        low_freq=low_freq,
        high_freq=high_freq,
        **opts,
    )


def test_speech_settings_against_oracle():
    """The Speech2Text configuration itself (400-sample frames, 512-point FFT, 80 bins) on a few frames."""
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1000.0, size=400 + 3 * 160 + 17)
    for snip_edges in (True, False):
        compare(
            x, sample_frequency=16000.0, frame_length=25.0, frame_shift=10.0, snip_edges=snip_edges, num_mel_bins=80
        )


# ---- pre-emphasis at a frame's first sample, under every window ------------------------------
# Kaldi (feature-window.cc Preemphasize), within each frame: y[i] = x[i] - c * x[i-1] for i >= 1
# and y[0] = x[0] - c * x[0] (neither the previous frame's sample nor a wrap-around). Hanning,
# Blackman and Povey windows weigh sample 0 by 0, so only the Hamming (0.08) and rectangular (1)
# windows can show the rule; every window runs, and the test checks which ones can tell.
EDGE_WINDOWS = ["hamming", "rectangular", "hanning", "blackman", "povey"]
EDGE_SETTINGS = dict(sample_frequency=16000.0, frame_length=25.0, frame_shift=10.0, snip_edges=True, num_mel_bins=23)


def frame_start_impulses(seed, n_frames=5):
    """Noise with a large impulse on the first sample of every frame (400-sample frames, shift 160)."""
    x = np.random.default_rng(seed).normal(0.0, 30.0, size=400 + (n_frames - 1) * 160)
    x[::160] += 8000.0
    return x


@pytest.mark.parametrize("preemphasis_coefficient", [0.97, 1.0, 0.5])
@pytest.mark.parametrize("window_type", EDGE_WINDOWS)
def test_preemphasis_first_sample_under_every_window(knf, window_type, preemphasis_coefficient):
    x = frame_start_impulses(seed=EDGE_WINDOWS.index(window_type))
    opts = dict(EDGE_SETTINGS, window_type=window_type, preemphasis_coefficient=preemphasis_coefficient)
    what = f"{window_type} window, preemphasis {preemphasis_coefficient}"
    expected = oracle_fbank(x, **opts)
    reference = knf_fbank(knf, x, **opts)
    got = s2t_np.fbank(x, **opts, dtype=np.float64)
    assert_close(got, expected, FBANK_VS_ORACLE, f"{what} vs oracle")
    assert_close(got, reference, FBANK_VS_KNF_IMPULSES, f"{what} vs kaldi-native-fbank")
    # Would a wrong first sample show? Leaving it unchanged moves the features by `shift`.
    unchanged = oracle_fbank(x, **opts, first_sample="unchanged")
    shift = np.abs(unchanged - expected).max()
    if window_type in ("hamming", "rectangular"):
        assert shift > 100 * FBANK_VS_KNF_IMPULSES[0], f"{what}: the case cannot tell the first-sample rules apart"
        assert np.abs(unchanged - reference).max() > 100 * FBANK_VS_KNF_IMPULSES[0], "knf changed its rule"
    else:
        assert shift < FBANK_VS_ORACLE[0], f"{what}: sample 0 should have window weight 0"
