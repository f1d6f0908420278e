"""A loop-level definition oracle for Kaldi fbank, swept over small sizes against s2t_np.fbank.

The oracle transcribes Kaldi's C++ (feature-window.cc ExtractWindow / ProcessWindow,
mel-computations.cc MelBanks, feature-fbank.cc Compute) one frame and one sample at a time in
plain Python floats: reflection at the edges, DC removal, log energy, the in-place backwards
pre-emphasis loop, the window formulas, zero padding and the mel triangles per (bin, FFT bin).
Only the DFT itself is delegated to np.fft.rfft per frame. Small sample rates make the frames
a few samples long, so every edge case (lengths around one frame, shifts larger than half a
frame, reflection beyond the signal) is swept quickly.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import s2t_np
from s2t_np.errors import EmptyAudioError
from tests.support.asserts import assert_close
from tests.support.kaldi_loop import oracle_fbank
from tests.support.kaldi_native import knf_fbank
from tests.support.properties import examples
from tests.support.tolerances import FBANK_VS_KNF_IMPULSES, FBANK_VS_ORACLE

EPS = 1.1920928955078125e-07  # std::numeric_limits<float>::epsilon()


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
