"""s2t_np.oracle.trace_features: the front end's stages for one waveform.

The log-mel and CMVN entries are the extractor's outputs bit for bit and match transformers'
Speech2TextFeatureExtractor; the intermediate stages match a per-frame, per-sample loop built on
the definition oracle of tests/test_fbank_oracle.py (its window formulas and its mel energies).
"""

import json

import numpy as np
import pytest

import s2t_np
from s2t_np.errors import ConfigError, EmptyAudioError, InvalidAudioError, SamplingRateError
from s2t_np.kaldi_fbank import FRAMES_PER_BLOCK
from s2t_np.oracle import trace_features
from tests.support.asserts import assert_close
from tests.support.frontend_signals import ALL_SIGNALS, SPEECH_CLIPS, signal
from tests.support.kaldi_loop import oracle_fbank, oracle_window
from tests.support.tolerances import EXTRACTOR_VS_HF, FBANK_VS_HF, FRONTEND_TRACE_VS_LOOP

ENTRIES = [
    "frontend.waveform",
    "frontend.frames",
    "frontend.dc_removed",
    "frontend.preemphasized",
    "frontend.windowed",
    "frontend.power_spectrum",
    "frontend.mel_energies",
    "frontend.log_mel",
    "frontend.cmvn",
]
L, S, P, PREEMPHASIS = 400, 160, 512, 0.97  # Speech2Text at 16 kHz: 25 ms frames, 10 ms shift, 512-point FFT


def waveform(name):
    """A test signal, or all four speech clips end to end (1279 frames: five blocks, the last partial)."""
    if name == "concatenated":
        return np.concatenate([signal(clip) for clip in SPEECH_CLIPS])
    return signal(name)


@pytest.fixture(scope="module")
def fe():
    return s2t_np.Speech2TextFeatureExtractor()


@pytest.fixture(scope="module")
def hf(transformers):
    from transformers.utils import is_speech_available

    assert not is_speech_available(), "torchaudio is installed: transformers would not use its NumPy path"
    transformers.logging.set_verbosity_error()
    return transformers.Speech2TextFeatureExtractor()


# ---- the entries -------------------------------------------------------------------------------


def test_entries_names_order_shapes_and_metadata(fe):
    x = signal("speech_fr.wav")
    n_frames = 1 + (len(x) - L) // S
    tr = trace_features(fe, x, 16000)
    assert list(tr) == ENTRIES
    shapes = {
        "frontend.waveform": ((len(x),), np.float32),
        "frontend.frames": ((n_frames, L), np.float64),
        "frontend.dc_removed": ((n_frames, L), np.float64),
        "frontend.preemphasized": ((n_frames, L), np.float64),
        "frontend.windowed": ((n_frames, L), np.float64),
        "frontend.power_spectrum": ((n_frames, P // 2 + 1), np.float64),
        "frontend.mel_energies": ((n_frames, 80), np.float64),
        "frontend.log_mel": ((n_frames, 80), np.float32),
        "frontend.cmvn": ((n_frames, 80), np.float32),
    }
    for name, (shape, dtype) in shapes.items():
        assert (tr[name].shape, tr[name].dtype) == (shape, np.dtype(dtype)), name
    assert tr.metadata["producer"] == "s2t_np.oracle.trace_features"
    assert tr.metadata["feature_extractor"] == fe.to_dict()
    json.dumps(tr.metadata)
    assert list(tr.inputs) == ["waveform"]
    np.testing.assert_array_equal(tr.inputs["waveform"], x)
    assert "trace_features" in s2t_np.oracle.__all__


def test_scaled_waveform_and_frames_are_exact(fe):
    x = signal("speech_en_gb.wav")
    tr = trace_features(
        fe, x.astype(np.float64), 16000
    )  # float64 input is cast to float32 first, as the extractor does
    scaled = x.astype(np.float64) * 2**15
    np.testing.assert_array_equal(tr["frontend.waveform"], scaled)
    for t in (0, 1, 100, tr["frontend.frames"].shape[0] - 1):
        np.testing.assert_array_equal(tr["frontend.frames"][t], scaled[t * S : t * S + L], err_msg=f"frame {t}")


# ---- log-mel and CMVN: the extractor bit for bit, transformers within tolerance ------------------


@pytest.mark.parametrize("name", SPEECH_CLIPS + ("concatenated",))
def test_log_mel_and_cmvn_equal_the_extractor(fe, name):
    x = waveform(name)
    tr = trace_features(fe, x, 16000)
    log_mel, cmvn = fe.extract_fbank_features(x), fe(x, sampling_rate=16000)["input_features"][0]
    assert (log_mel.dtype, cmvn.dtype) == (np.float32, np.float32)
    np.testing.assert_array_equal(tr["frontend.log_mel"], log_mel, err_msg=f"{name}: log-mel")
    np.testing.assert_array_equal(tr["frontend.cmvn"], cmvn, err_msg=f"{name}: CMVN")


def test_fixtures_span_several_blocks():
    """The bit-identity test above sees the block loop of fbank: full blocks and a partial last one."""
    n_frames = 1 + (len(waveform("concatenated")) - L) // S
    assert n_frames > 4 * FRAMES_PER_BLOCK and n_frames % FRAMES_PER_BLOCK != 0


SETTINGS = [
    dict(normalize_means=False),
    dict(normalize_vars=False),
    dict(normalize_means=False, normalize_vars=False),
    dict(do_ceptral_normalize=False),
    dict(num_mel_bins=40, feature_size=40),
    dict(sampling_rate=8000),  # 200-sample frames, 80-sample shift, 256-point FFT
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_extractor_settings_are_honoured(fe, settings):
    x = signal("speech_en_us_m.wav")
    other = s2t_np.Speech2TextFeatureExtractor(**settings)
    tr = trace_features(other, x, other.sampling_rate)
    expected = other(x, sampling_rate=other.sampling_rate, return_tensors="np")["input_features"][0]
    np.testing.assert_array_equal(tr["frontend.log_mel"], other.extract_fbank_features(x))
    np.testing.assert_array_equal(tr["frontend.cmvn"], expected)
    default = fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
    assert tr["frontend.cmvn"].shape != default.shape or not np.array_equal(tr["frontend.cmvn"], default), (
        f"{settings} should change the features"
    )
    assert tr.metadata["feature_extractor"] == other.to_dict()


@pytest.mark.parametrize("name", SPEECH_CLIPS)
def test_log_mel_and_cmvn_match_transformers(fe, hf, name):
    x = signal(name)
    tr = trace_features(fe, x, 16000)
    assert_close(tr["frontend.log_mel"], hf._extract_fbank_features(x), FBANK_VS_HF, f"{name}: log-mel vs transformers")
    reference = hf(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
    assert_close(tr["frontend.cmvn"], reference, EXTRACTOR_VS_HF, f"{name}: CMVN vs transformers")


# ---- the intermediate stages vs a loop over frames and samples ---------------------------------


def loop_stages(x, first, count):
    """Frames first..first+count-1 of x (int16 range, float64), one frame and one sample at a time:
    Kaldi's ExtractWindow (snip_edges), DC removal, the backwards pre-emphasis loop with y[0] = x[0] - c x[0],
    the povey window of the definition oracle, zero padding to P and |rfft|**2; the mel energies
    are the oracle's own (oracle_fbank with use_log_fbank=False over the same frames)."""
    stages = {name: [] for name in ENTRIES[1:7]}
    for t in range(first, first + count):
        frame = [float(x[t * S + j]) for j in range(L)]
        mean = sum(frame) / L
        dc_removed = [v - mean for v in frame]
        emphasized = list(dc_removed)
        for j in range(L - 1, 0, -1):
            emphasized[j] -= PREEMPHASIS * emphasized[j - 1]
        emphasized[0] -= PREEMPHASIS * emphasized[0]
        windowed = [v * oracle_window("povey", j, L, 0.42) for j, v in enumerate(emphasized)]
        spectrum = np.fft.rfft(np.array(windowed + [0.0] * (P - L)))
        for name, value in zip(
            ENTRIES[1:6], (frame, dc_removed, emphasized, windowed, [abs(z) ** 2 for z in spectrum])
        ):
            stages[name].append(value)
    segment = x[first * S : (first + count - 1) * S + L]
    stages["frontend.mel_energies"] = oracle_fbank(
        segment, 16000.0, 25.0, 10.0, snip_edges=True, num_mel_bins=80, use_log_fbank=False
    )
    return {name: np.array(rows, dtype=np.float64) for name, rows in stages.items()}


def assert_stages_match_loop(tr, x, runs, what):
    """Compare the trace's stages with loop_stages over runs of consecutive frames [(first, count), ...]."""
    edge_shift = 0.0
    for first, count in runs:
        expected = loop_stages(x, first, count)
        rows = slice(first, first + count)
        np.testing.assert_array_equal(tr["frontend.frames"][rows], expected["frontend.frames"], err_msg=f"{what}")
        for name, bound in FRONTEND_TRACE_VS_LOOP.items():
            scale = np.abs(expected[name]).max(axis=1, keepdims=True)  # [count, 1]
            scale = np.where(scale > 0, scale, 1.0)  # digital silence: compared absolutely (exactly 0 expected)
            actual = tr[name][rows] / scale
            assert_close(actual, expected[name] / scale, (bound, 0.0), f"{what}, frames {first}.., {name} / frame max")
        # what a frame's first sample left unchanged (y[0] = x[0]) would move, relative to the frame
        scale = np.abs(expected["frontend.preemphasized"]).max(axis=1)
        moved = PREEMPHASIS * np.abs(expected["frontend.dc_removed"][:, 0]) / np.where(scale > 0, scale, np.inf)
        edge_shift = max(edge_shift, moved.max())
    return edge_shift


@pytest.mark.parametrize("name", ALL_SIGNALS)
def test_stages_match_the_loop_oracle(fe, name):
    """A few frames per signal: first, middle, last, the loudest, and the two around the first block boundary."""
    x = signal(name).astype(np.float64) * 2**15
    tr = trace_features(fe, signal(name), 16000)
    n_frames = tr["frontend.frames"].shape[0]
    loudest = int(np.argmax((tr["frontend.frames"] ** 2).sum(axis=1)))
    runs = [(0, 1), (n_frames // 2, 1), (n_frames - 1, 1), (loudest, 1)]
    if n_frames > FRAMES_PER_BLOCK:
        runs.append((FRAMES_PER_BLOCK - 1, 2))
    edge_shift = assert_stages_match_loop(tr, x, runs, name)
    # the pre-emphasis edge rule is visible: the other rule would miss by far more than the bound
    assert edge_shift > 1e3 * FRONTEND_TRACE_VS_LOOP["frontend.preemphasized"], f"{name}: edge rule not tested"


def test_every_frame_of_one_clip_matches_the_loop_oracle(fe):
    x32 = signal("speech_en_us_m.wav")
    tr = trace_features(fe, x32, 16000)
    n_frames = tr["frontend.frames"].shape[0]
    assert_stages_match_loop(tr, x32.astype(np.float64) * 2**15, [(0, n_frames)], "speech_en_us_m.wav")


# ---- errors --------------------------------------------------------------------------------------


def test_wrong_sampling_rate(fe):
    with pytest.raises(SamplingRateError, match="8000 Hz"):
        trace_features(fe, signal("speech_fr.wav"), 8000)
    fe8k = s2t_np.Speech2TextFeatureExtractor(sampling_rate=8000)
    with pytest.raises(SamplingRateError, match="16000 Hz"):
        trace_features(fe8k, signal("speech_fr.wav"), 16000)


def test_dither_is_refused():
    dithered = s2t_np.Speech2TextFeatureExtractor(dither=1.0)
    with pytest.raises(ConfigError, match=r"deterministic features \(dither=0\)"):
        trace_features(dithered, signal("speech_fr.wav"), 16000)


@pytest.mark.parametrize(
    "bad,error",
    [
        (np.stack([signal("noise"), signal("noise")]), InvalidAudioError),  # stereo [2, N]
        (signal("noise")[None, :], InvalidAudioError),  # a batch of one [1, N]
        (np.float32(0.5), InvalidAudioError),  # a scalar
        ((signal("noise") * 2**15).astype(np.int16), InvalidAudioError),  # integer PCM
        (np.zeros(0, dtype=np.float32), EmptyAudioError),
        ([], EmptyAudioError),
        (np.zeros(L - 1, dtype=np.float32), EmptyAudioError),  # shorter than one frame
        (np.full(1000, np.nan, dtype=np.float32), InvalidAudioError),
    ],
    ids=["stereo", "batch_of_one", "scalar", "int16", "empty", "empty_list", "short", "nan"],
)
def test_bad_waveforms(fe, bad, error):
    with pytest.raises(error):
        trace_features(fe, bad, 16000)
