"""s2t_np.fbank vs transformers' NumPy front end and vs kaldi-native-fbank.

References: transformers.audio_utils.spectrogram called exactly as the NumPy branch of
Speech2TextFeatureExtractor._extract_fbank_features (the path used without torchaudio), and
kaldi_native_fbank.OnlineFbank with every option pinned to the value s2t_np uses.
"""

import numpy as np
import pytest
from scipy.signal import resample_poly

import s2t_np
from s2t_np.errors import ConfigError, EmptyAudioError, InvalidAudioError, UnsupportedOptionError
from s2t_np.kaldi_fbank import mel_banks
from tests.support.asserts import assert_close
from tests.support.frontend_signals import ALL_SIGNALS, SPEECH_CLIPS, signal
from tests.support.kaldi_native import knf_fbank
from tests.support.tolerances import (
    FBANK64_VS_HF64,
    FBANK_DITHER,
    FBANK_VS_HF,
    FBANK_VS_KNF_ENERGY,
    FBANK_VS_KNF_LINEAR,
    FBANK_VS_KNF_LOG,
    MEL_BANK_VS_HF,
)

S2T = dict(num_mel_bins=80, sample_frequency=16000.0, dither=0.0)  # Speech2Text's settings


@pytest.fixture(scope="module")
def hf_numpy_fbank(transformers):
    from transformers.audio_utils import mel_filter_bank, spectrogram, window_function

    mel_filters = mel_filter_bank(
        num_frequency_bins=257,
        num_mel_filters=80,
        min_frequency=20,
        max_frequency=8000,
        sampling_rate=16000,
        norm=None,
        mel_scale="kaldi",
        triangularize_in_mel_space=True,
    )
    window = window_function(400, "povey", periodic=False)

    def run(waveform, dtype=np.float32):  # the NumPy branch of _extract_fbank_features, verbatim
        return spectrogram(
            waveform * (2**15),
            window,
            frame_length=400,
            hop_length=160,
            fft_length=512,
            power=2.0,
            center=False,
            dither=0.0,
            preemphasis=0.97,
            mel_filters=mel_filters,
            log_mel="log",
            mel_floor=1.192092955078125e-07,
            remove_dc_offset=True,
            dtype=dtype,
        ).T

    run.mel_filters = mel_filters
    return run


@pytest.mark.parametrize("name", ALL_SIGNALS)
def test_default_path_matches_transformers_numpy(name, hf_numpy_fbank):
    x = signal(name)
    ours = s2t_np.fbank(x * np.float32(2**15), **S2T)
    ref = hf_numpy_fbank(x)
    assert ours.dtype == np.float32 and ours.shape == ref.shape == (1 + (len(x) - 400) // 160, 80)
    assert_close(ours, ref, FBANK_VS_HF, f"fbank float32 vs transformers ({name})")


@pytest.mark.parametrize("name", ALL_SIGNALS)
def test_float64_path_matches_transformers_float64(name, hf_numpy_fbank):
    x = signal(name)
    ours = s2t_np.fbank(x * np.float32(2**15), **S2T, dtype=np.float64)
    ref = hf_numpy_fbank(x, dtype=np.float64)
    assert ours.dtype == np.float64
    assert_close(ours, ref, FBANK64_VS_HF64, f"fbank float64 vs transformers float64 ({name})")


def test_mel_bank_matches_transformers(hf_numpy_fbank):
    ours = mel_banks(80, 512, 16000.0, 20.0, 0.0)  # [80, 257]
    assert ours.shape == (80, 257) and not ours[:, -1].any(), "Nyquist column must be zero"
    assert_close(ours.T, hf_numpy_fbank.mel_filters, MEL_BANK_VS_HF, "mel bank vs transformers")


def test_matches_transformers_extractor_method(transformers):
    """The extractor's own method (NumPy branch here: no torchaudio) gives the same features."""
    from transformers import Speech2TextFeatureExtractor
    from transformers.utils import is_speech_available

    assert not is_speech_available(), "torchaudio is installed: transformers would not use its NumPy path"
    x = signal("speech_en_gb.wav")
    ref = Speech2TextFeatureExtractor()._extract_fbank_features(x)
    assert_close(s2t_np.fbank(x * np.float32(2**15), **S2T), ref, FBANK_VS_HF, "fbank vs extractor method")


# ---- kaldi-native-fbank ----------------------------------------------------------------------


def kaldi_range(name, sample_frequency):
    x = signal(name).astype(np.float64) * 2**15
    return x if sample_frequency == 16000 else resample_poly(x, 1, 2)


LOG_SIGNALS = SPEECH_CLIPS + ("noise", "dc_noise", "quiet")


@pytest.mark.parametrize("sample_frequency,num_mel_bins", [(16000, 80), (16000, 23), (8000, 40)])
@pytest.mark.parametrize("snip_edges", [True, False])
def test_matches_kaldi_native_fbank(knf, sample_frequency, num_mel_bins, snip_edges):
    for name in ALL_SIGNALS:
        x = kaldi_range(name, sample_frequency)
        opts = dict(num_mel_bins=num_mel_bins, snip_edges=snip_edges)
        ours = s2t_np.fbank(x, sample_frequency=sample_frequency, **opts, dtype=np.float64)
        ref = knf_fbank(knf, x, sample_frequency, **opts)
        assert ours.shape == ref.shape, f"{name}: frame count differs from knf"
        what = f"fbank vs knf ({name}, {sample_frequency} Hz, {num_mel_bins} bins, snip_edges={snip_edges})"
        if name in LOG_SIGNALS:
            assert_close(ours, ref, FBANK_VS_KNF_LOG, what)
        energy_err = np.abs(np.exp(ours) - np.exp(ref)) / np.exp(ours).sum(axis=1, keepdims=True)
        assert energy_err.max() <= FBANK_VS_KNF_ENERGY, f"{what}: energy-domain error {energy_err.max():.3g}"


KNF_OPTIONS = [
    dict(window_type="hamming"),
    dict(window_type="hanning"),
    dict(window_type="rectangular"),
    dict(window_type="blackman"),
    dict(window_type="blackman", blackman_coeff=0.35),
    dict(use_energy=True),
    dict(use_energy=True, raw_energy=False, htk_compat=True),
    dict(use_energy=True, energy_floor=0.0),
    dict(high_freq=-400.0, low_freq=60.0),
    dict(high_freq=6000.0, low_freq=0.0, num_mel_bins=40),
    dict(round_to_power_of_two=False),
    dict(remove_dc_offset=False, preemphasis_coefficient=0.0),
    dict(frame_length=20.0, frame_shift=12.5),
    dict(use_power=False),
]


@pytest.mark.parametrize("opts", KNF_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_options_match_kaldi_native_fbank(knf, opts):
    x = kaldi_range("speech_en_f3.wav", 16000)
    opts = {"num_mel_bins": 80, **opts}
    ours = s2t_np.fbank(x, **opts, dtype=np.float64)
    ref = knf_fbank(knf, x, **opts)
    assert ours.shape == ref.shape
    assert_close(ours, ref, FBANK_VS_KNF_LOG, f"fbank vs knf {opts}")


@pytest.mark.parametrize("opts", [dict(use_log_fbank=False), dict(use_log_fbank=False, use_power=False)])
def test_linear_features_match_kaldi_native_fbank(knf, opts):
    x = kaldi_range("speech_en_us_m.wav", 16000)
    ours = s2t_np.fbank(x, num_mel_bins=80, **opts, dtype=np.float64)
    ref = knf_fbank(knf, x, num_mel_bins=80, **opts)
    assert_close(ours, ref, FBANK_VS_KNF_LINEAR, f"linear fbank vs knf {opts}")


# ---- interface and bad input -----------------------------------------------------------------


def test_torchaudio_defaults_and_shapes():
    x = signal("noise") * 2**15
    out = s2t_np.fbank(x)
    assert out.shape == (1 + (len(x) - 400) // 160, 23) and out.dtype == np.float32  # torchaudio: 23 bins
    assert s2t_np.fbank(x, use_energy=True).shape[1] == 24
    np.testing.assert_array_equal(s2t_np.fbank(x[None, :], **S2T), s2t_np.fbank(x, **S2T))
    np.testing.assert_array_equal(
        s2t_np.fbank(x.astype(np.int16), **S2T), s2t_np.fbank(x.astype(np.int16).astype(np.float64), **S2T)
    )
    stereo = np.stack([x, 0.5 * x])
    np.testing.assert_array_equal(s2t_np.fbank(stereo, channel=1, **S2T), s2t_np.fbank(0.5 * x, **S2T))


def test_snip_edges_false_frame_count():
    x = signal("tones")[:1234] * 2**15
    assert s2t_np.fbank(x, snip_edges=False).shape[0] == (1234 + 80) // 160
    assert s2t_np.fbank(x, snip_edges=True).shape[0] == 1 + (1234 - 400) // 160


def test_dither_uses_the_generator():
    x = signal("speech_en_us_m.wav") * 2**15
    a = s2t_np.fbank(x, **{**S2T, "dither": 1.0}, generator=np.random.default_rng(7))
    b = s2t_np.fbank(x, **{**S2T, "dither": 1.0}, generator=np.random.default_rng(7))
    c = s2t_np.fbank(x, **{**S2T, "dither": 1.0}, generator=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # dither of one int16 step barely moves speech frames but lifts digital silence off the floor
    assert np.median(np.abs(a - s2t_np.fbank(x, **S2T))) < FBANK_DITHER["speech_median_shift"]
    silence = s2t_np.fbank(np.zeros(4000), **{**S2T, "dither": 1.0}, generator=np.random.default_rng(0))
    assert silence.min() > np.log(np.finfo(np.float32).eps) + FBANK_DITHER["silence_lift"]


@pytest.mark.parametrize("n", [0, 1, 399])
def test_shorter_than_one_frame_is_an_error(n):
    with pytest.raises(EmptyAudioError, match="fewer than one analysis frame"):
        s2t_np.fbank(np.ones(n), **S2T)


def test_too_short_for_any_frame_without_snip_edges():
    with pytest.raises(EmptyAudioError):
        s2t_np.fbank(np.ones(79), **S2T, snip_edges=False)  # (79 + 80) // 160 == 0 frames
    assert s2t_np.fbank(np.arange(80.0), **S2T, snip_edges=False).shape == (1, 80)  # reflected, as Kaldi


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_an_error(bad):
    x = np.zeros(1600)
    x[777] = bad
    with pytest.raises(InvalidAudioError, match="NaN or Inf"):
        s2t_np.fbank(x, **S2T)


@pytest.mark.parametrize("shape", [(2, 1600), (1, 1, 1600), ()])
def test_wrong_rank_is_an_error(shape):
    with pytest.raises(InvalidAudioError):
        s2t_np.fbank(np.zeros(shape), **S2T)


def test_non_real_input_is_an_error():
    with pytest.raises(InvalidAudioError):
        s2t_np.fbank(np.zeros(1600, dtype=complex), **S2T)


@pytest.mark.parametrize(
    "opts,error",
    [
        (dict(dither=1.0), ConfigError),  # no generator
        (dict(vtln_warp=0.9), UnsupportedOptionError),
        (dict(window_type="kaiser"), ConfigError),
        (dict(num_mel_bins=2), ConfigError),
        (dict(low_freq=9000.0), ConfigError),
        (dict(high_freq=-9000.0), ConfigError),
        (dict(frame_length=0.1), ConfigError),
        (dict(frame_shift=0.01), ConfigError),
        (dict(round_to_power_of_two=False, frame_length=25.0625), ConfigError),  # 401 samples: odd
        (dict(preemphasis_coefficient=1.5), ConfigError),
        (dict(energy_floor=-1.0), ConfigError),
        (dict(dtype=np.float16), ConfigError),
        (dict(min_duration=1.0), EmptyAudioError),
    ],
)
def test_bad_options_are_errors(opts, error):
    with pytest.raises(error):
        s2t_np.fbank(signal("noise")[:8000] * 2**15, **{**S2T, **opts})
