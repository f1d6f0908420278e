"""The speech detector (s2t_np/vad.py) on synthetic signals whose speech is known to the frame.

Tone bursts stand in for speech: a 300 Hz sine at amplitude A has power A^2 / 2 in every 10 ms frame
(3 whole periods), so levels and thresholds can be computed by hand.
"""

import numpy as np
import pytest

from s2t_np import vad
from s2t_np.errors import ConfigError
from s2t_np.vad import VadOptions

RATE = 16000
L = 160  # samples per frame


def tone(seconds, amplitude=0.3, freq=300.0):
    t = np.arange(int(round(seconds * RATE))) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds):
    return np.zeros(int(round(seconds * RATE)), dtype=np.float32)


def regions_s(x, options=None, max_s=None):
    """Speech regions of a waveform in seconds, [(start, end)]."""
    options = VadOptions() if options is None else options
    max_frames = None if max_s is None else int(max_s * RATE) // L
    frames = vad.speech_regions(vad.frame_powers(x, L), options, max_frames)
    return [(s * L / RATE, e * L / RATE) for s, e in frames.tolist()]


NO_PAD = VadOptions(pad_before_s=0.0, pad_after_s=0.0)


def test_frame_powers_blockwise_equals_whole():
    x = np.random.default_rng(0).standard_normal(10 * L + 37).astype(np.float32)
    whole = vad.frame_powers(x, L)
    assert whole.shape == (11,)
    np.testing.assert_allclose(whole[-1], np.mean(np.square(x[-37:].astype(np.float64))), rtol=1e-12)
    blocks = np.concatenate([vad.frame_powers(x[i : i + 3 * L], L) for i in range(0, x.shape[0], 3 * L)])
    np.testing.assert_array_equal(blocks, whole)
    np.testing.assert_allclose(vad.level_db(vad.frame_powers(tone(0.1), L))[2:-2], 10 * np.log10(0.045), atol=1e-6)
    assert vad.level_db(np.zeros(4)).tolist() == [vad.SILENCE_DB] * 4


def test_tone_bursts_with_gaps_are_found_to_the_frame():
    x = np.concatenate([silence(0.5), tone(1.0), silence(0.8), tone(0.6), silence(1.0), tone(2.0), silence(0.3)])
    got = regions_s(x, NO_PAD)
    want = [(0.5, 1.5), (2.3, 2.9), (3.9, 5.9)]
    np.testing.assert_allclose(got, want, atol=0.011)  # the 30 ms level smears an edge by at most one frame


def test_padding_before_after_clipped_to_audio_and_gap_middle():
    x = np.concatenate([tone(1.0), silence(0.4), tone(1.0), silence(0.1)])
    got = regions_s(x, VadOptions(pad_before_s=0.1, pad_after_s=0.3, min_silence_s=0.3))
    # first: starts at 0 (clipped), ends in the middle of the 0.4 s gap (1.2), not 1.3;
    # second: starts 0.1 before its tone (1.3), ends at the end of the audio (2.5), not 2.7
    np.testing.assert_allclose(got, [(0.0, 1.2), (1.3, 2.5)], atol=0.011)


def test_min_silence_fills_short_gaps_and_keeps_long_ones():
    opts = VadOptions(pad_before_s=0.0, pad_after_s=0.0, min_silence_s=0.3)
    short = np.concatenate([silence(0.2), tone(0.5), silence(0.25), tone(0.5), silence(0.2)])
    long_ = np.concatenate([silence(0.2), tone(0.5), silence(0.35), tone(0.5), silence(0.2)])
    assert len(regions_s(short, opts)) == 1
    assert len(regions_s(long_, opts)) == 2
    regions = np.array([[0, 10], [13, 20], [30, 40]])  # gaps of 3 and 10 frames
    np.testing.assert_array_equal(vad.fill_gaps(regions, 3), regions)  # a gap of exactly min_gap frames splits
    np.testing.assert_array_equal(vad.fill_gaps(regions, 4), [[0, 20], [30, 40]])


def test_min_speech_drops_clicks():
    x = np.concatenate([silence(0.5), tone(0.05, amplitude=0.9), silence(1.0), tone(0.5), silence(0.5)])
    np.testing.assert_allclose(regions_s(x, NO_PAD), [(1.55, 2.05)], atol=0.011)
    assert len(regions_s(x, VadOptions(pad_before_s=0.0, pad_after_s=0.0, min_speech_s=0.0))) == 2


def test_hysteresis_edges():
    """Speech must reach `on`, then extends both ways while above `off`; bumps that stay below `on` are not speech."""
    on, off = -20.0, -26.0
    level = np.array([-40, -23, -23, -19, -23, -25.9, -26, -27, -23, -21, -40, -19.99, -20.0, -20.01, -40], float)
    mask = vad.hysteresis(level, on, off)
    # frames 1-5: above off, frame 3 reaches on -> speech (also the two frames before it)
    # frame 6 (= off, not above) ends it; frames 8-9 above off but never above on: not speech
    # frames 11-13: -19.99 > on -> speech
    assert mask.tolist() == [False, True, True, True, True, True] + [False] * 5 + [True] * 3 + [False]
    assert not vad.hysteresis(np.full(5, -10.0), -5.0, -11.0).any()
    assert vad.hysteresis(np.full(5, -10.0), -15.0, -21.0).all()
    assert vad.hysteresis(np.zeros(0), 0.0, -6.0).shape == (0,)


def test_thresholds_follow_the_noise_floor_with_an_absolute_minimum():
    opts = VadOptions()
    floor_db = -50.0
    level = np.full(100, floor_db)
    level[50:] = -20.0  # 50% speech: the 10th percentile is the floor
    on, off = vad.thresholds(level, opts)
    assert (on, off) == (floor_db + opts.rise_db, floor_db + opts.rise_db - opts.hysteresis_db)
    on, _ = vad.thresholds(np.full(10, vad.SILENCE_DB), opts)  # digital silence: the absolute minimum
    assert on == opts.min_level_db


@pytest.mark.parametrize("noise_db", [-90, -70, -50, -30, -10])
def test_stationary_noise_alone_is_not_speech(noise_db):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(10 * RATE) * 10 ** (noise_db / 20)).astype(np.float32)
    assert regions_s(x) == []
    assert regions_s(silence(10)) == []


@pytest.mark.parametrize("snr_db", [30, 20, 12])
def test_tone_bursts_in_noise(snr_db):
    """Bursts at -13.5 dB (amplitude 0.3) in white noise `snr_db` below: found, with edges within 30 ms."""
    rng = np.random.default_rng(2)
    x = np.concatenate([silence(1.0), tone(1.0), silence(1.0), tone(0.7), silence(1.0)])
    noise_rms = np.sqrt(0.045 / 10 ** (snr_db / 10))
    x = x + (rng.standard_normal(x.shape[0]) * noise_rms).astype(np.float32)
    np.testing.assert_allclose(regions_s(x, NO_PAD), [(1.0, 2.0), (3.0, 3.7)], atol=0.031)


def test_long_speech_is_cut_at_the_quietest_point():
    """A 12.3 s stretch whose gaps are too short or too loud to end it, with one silent gap at
    9.3-9.5 s (7.3 s into the stretch): with max_s=8 it is cut there, not at the quiet-but-audible gaps."""
    quiet_gap = tone(0.2, amplitude=0.01, freq=100.0)  # -43 dB: above the threshold, so not a pause
    x = np.concatenate(
        [silence(2.0), tone(2.3), quiet_gap, tone(2.3), quiet_gap, tone(2.3), silence(0.2), tone(2.3), quiet_gap]
        + [tone(2.3), silence(2.0)]
    )
    opts = VadOptions(pad_before_s=0.0, pad_after_s=0.0, min_silence_s=0.3)
    np.testing.assert_allclose(regions_s(x, opts), [(2.0, 14.3)], atol=0.011)
    got = regions_s(x, opts, max_s=8.0)
    assert len(got) == 2 and got[0][0] == pytest.approx(2.0, abs=0.011) and got[1][1] == pytest.approx(14.3, abs=0.011)
    assert got[0][1] == got[1][0] and 9.3 <= got[0][1] <= 9.5, got  # the cut is in the silent gap
    assert all(e - s <= 8.0 for s, e in got)


def test_split_long_bounds_every_piece():
    """Pieces are at most max_frames and at least a quarter of it, whatever the level looks like."""
    rng = np.random.default_rng(3)
    powers = rng.uniform(0.1, 1.0, 5000)
    for max_frames in (100, 333, 1000):
        pieces = vad.split_long(np.array([[7, 4993]]), powers, max_frames)
        lengths = pieces[:, 1] - pieces[:, 0]
        assert pieces[0, 0] == 7 and pieces[-1, 1] == 4993 and (pieces[1:, 0] == pieces[:-1, 1]).all()
        assert lengths.max() <= max_frames and lengths.min() >= max_frames // 4, (max_frames, lengths)
    np.testing.assert_array_equal(vad.split_long(np.array([[0, 50]]), powers, 100), [[0, 50]])


def test_runs_and_empty_input():
    np.testing.assert_array_equal(vad.runs(np.array([1, 1, 0, 1, 0, 0, 1], bool)), [[0, 2], [3, 4], [6, 7]])
    assert vad.runs(np.zeros(3, bool)).shape == (0, 2)
    assert vad.speech_regions(np.zeros(0)).shape == (0, 2)


@pytest.mark.parametrize(
    "kwargs", [{"rise_db": -1}, {"pad_after_s": float("nan")}, {"floor_percentile": 120}, {"min_silence_s": "0.3"}]
)
def test_options_are_validated(kwargs):
    with pytest.raises(ConfigError, match="VadOptions"):
        VadOptions(**kwargs)
