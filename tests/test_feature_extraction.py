"""s2t_np.Speech2TextFeatureExtractor vs transformers' Speech2TextFeatureExtractor (NumPy path)."""

import json
import logging

import numpy as np
import pytest

import s2t_np
from s2t_np.errors import (
    ConfigError,
    EmptyAudioError,
    InvalidAudioError,
    InvalidInputError,
    ModelNotFoundError,
    SamplingRateError,
    UnsupportedOptionError,
)
from tests.support.frontend_signals import SPEECH_CLIPS, signal
from tests.support.tolerances import EXTRACTOR_VS_HF

logging.getLogger("s2t_np.hf.feature_extraction").setLevel(logging.ERROR)


@pytest.fixture(scope="module")
def hf(transformers):
    transformers.logging.set_verbosity_error()
    return transformers.Speech2TextFeatureExtractor


@pytest.fixture(scope="module")
def batch():
    # five different lengths: speech clips cut to 2.5 s at most (2.0 .. 2.5 s) plus 1.5 s of noise
    return [signal(name)[: 40000 - 1700 * i] for i, name in enumerate(SPEECH_CLIPS)] + [signal("noise")]


def assert_same_output(ours, ref, what):
    """Same keys, same containers, shapes, dtypes and masks; feature values within tolerance."""
    assert type(ours).__name__ == "BatchFeature"
    assert set(ours) == set(ref), f"{what}: keys {set(ours)} vs {set(ref)}"
    for key in ref:
        o, r = ours[key], ref[key]
        assert type(o) is type(r), f"{what}: {key} is {type(o).__name__}, transformers gives {type(r).__name__}"
        if isinstance(r, np.ndarray) and r.dtype != object:
            o_items, r_items = [o], [r]
        else:
            o_items, r_items = list(o), list(r)
            assert len(o_items) == len(r_items)
        for a, b in zip(o_items, r_items):
            assert a.shape == b.shape and a.dtype == b.dtype, (
                f"{what}: {key} {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
            )
            if key == "attention_mask":
                np.testing.assert_array_equal(a, b, err_msg=f"{what}: attention_mask")
            else:
                diff = np.abs(a.astype(np.float64) - b)
                np.testing.assert_allclose(
                    a,
                    b,
                    atol=EXTRACTOR_VS_HF[0],
                    rtol=EXTRACTOR_VS_HF[1],
                    err_msg=f"{what}: max |diff| {diff.max():.3g} at {np.unravel_index(diff.argmax(), diff.shape)}",
                )


def test_single_utterance(hf):
    x = signal("speech_en_f3.wav")
    for return_tensors in (None, "np"):
        ours = s2t_np.Speech2TextFeatureExtractor()(x, sampling_rate=16000, return_tensors=return_tensors)
        ref = hf()(x, sampling_rate=16000, return_tensors=return_tensors)
        assert_same_output(ours, ref, f"single, return_tensors={return_tensors}")
    assert ours["input_features"].shape == (1, 1 + (len(x) - 400) // 160, 80)
    assert ours.input_features is ours["input_features"]


CALLS = [
    dict(),
    dict(padding=True),
    dict(padding="longest", return_tensors="np"),
    dict(padding="max_length", max_length=600, return_tensors="np"),
    dict(padding="max_length", max_length=250, truncation=True, return_tensors="np"),
    dict(padding="longest", max_length=300, truncation=True, pad_to_multiple_of=64, return_tensors="np"),
    dict(padding=True, pad_to_multiple_of=7),
    dict(padding=False, max_length=120, truncation=True, return_tensors="np"),
    dict(padding=True, return_attention_mask=True, return_tensors="np"),
    dict(return_attention_mask=False),
]
SETTINGS = [
    dict(),
    dict(normalize_means=False),
    dict(normalize_vars=False),
    dict(normalize_means=False, normalize_vars=False),
    dict(do_ceptral_normalize=False),
    dict(padding_value=-2.5),
    dict(do_ceptral_normalize=False, padding_value=1.0),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "default")
def test_batches_match_transformers(hf, batch, settings):
    ours_fe, ref_fe = s2t_np.Speech2TextFeatureExtractor(**settings), hf(**settings)
    for call in CALLS if not settings else CALLS[:2] + CALLS[3:5] + CALLS[-1:]:
        ours = ours_fe(batch, sampling_rate=16000, **call)
        ref = ref_fe(batch, sampling_rate=16000, **call)
        assert_same_output(ours, ref, f"{settings} {call}")


def test_batched_2d_array_input(hf, batch):
    x = np.stack([b[:20000] for b in batch[:3]])  # [3, 20000] float32
    assert_same_output(
        s2t_np.Speech2TextFeatureExtractor()(x, sampling_rate=16000, return_tensors="np"),
        hf()(x, sampling_rate=16000, return_tensors="np"),
        "2-D batch",
    )
    as_lists = [list(map(float, b[:9000])) for b in batch[:2]]  # plain Python lists (float64 -> float32)
    assert_same_output(
        s2t_np.Speech2TextFeatureExtractor()(as_lists, sampling_rate=16000, padding=True),
        hf()(as_lists, sampling_rate=16000, padding=True),
        "lists",
    )
    x64 = batch[1].astype(np.float64)  # transformers casts float64 input to float32 first
    assert_same_output(
        s2t_np.Speech2TextFeatureExtractor()(x64, sampling_rate=16000), hf()(x64, sampling_rate=16000), "float64"
    )


def test_padding_without_mask_normalizes_over_valid_frames(hf, batch):
    """transformers raises a TypeError here (np.array(None)); s2t_np normalises over the valid
    frames exactly as when the mask is returned, and leaves the mask out."""
    with pytest.raises(TypeError):
        hf()(batch, sampling_rate=16000, padding=True, return_attention_mask=False)
    ours = s2t_np.Speech2TextFeatureExtractor()(
        batch, sampling_rate=16000, padding=True, return_attention_mask=False, return_tensors="np"
    )
    ref = hf()(batch, sampling_rate=16000, padding=True, return_tensors="np")
    assert set(ours) == {"input_features"}
    atol, rtol = EXTRACTOR_VS_HF
    np.testing.assert_allclose(ours["input_features"], ref["input_features"], atol=atol, rtol=rtol)


def test_constant_bins_are_finite(hf):
    """Pure tones leave mel bins at the log floor in every frame: transformers divides by std 0."""
    x = signal("tones")
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = hf()(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
    ours = s2t_np.Speech2TextFeatureExtractor()(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
    bad = ~np.isfinite(ref).all(axis=0)
    assert bad.any(), "expected transformers to give non-finite values on constant bins"
    assert np.isfinite(ours).all() and (ours[:, bad] == 0.0).all()
    # a stationary tone leaves other bins nearly constant too; CMVN divides their 1-ulp fbank
    # differences by a tiny std, so compare only bins with a noise-like spread (see tolerances.py)
    spread = s2t_np.fbank(x * np.float32(2**15), num_mel_bins=80, dtype=np.float64).std(axis=0) >= 0.25
    assert (~bad & spread).sum() >= 10
    atol, rtol = EXTRACTOR_VS_HF
    np.testing.assert_allclose(ours[:, ~bad & spread], ref[:, ~bad & spread], atol=atol, rtol=rtol)


def test_dither_generator():
    x = signal("speech_en_gb.wav")
    fe = s2t_np.Speech2TextFeatureExtractor(dither=1.0)
    a = fe(x, sampling_rate=16000, generator=np.random.default_rng(0), return_tensors="np")["input_features"]
    b = fe(x, sampling_rate=16000, generator=np.random.default_rng(0), return_tensors="np")["input_features"]
    np.testing.assert_array_equal(a, b)
    c = fe(x, sampling_rate=16000, return_tensors="np")["input_features"]  # fresh unseeded generator
    assert not np.array_equal(a, c)


# ---- configuration files -----------------------------------------------------------------------


def test_save_and_load_round_trip(hf, tmp_path):
    ours = s2t_np.Speech2TextFeatureExtractor(padding_value=1.5, normalize_vars=False, dither=0.5)
    ours.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    hf(padding_value=1.5, normalize_vars=False, dither=0.5).save_pretrained(tmp_path / "hf")
    assert saved == json.loads((tmp_path / "hf" / "preprocessor_config.json").read_text())
    loaded = s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path)
    assert loaded.to_dict() == ours.to_dict()
    reloaded_by_hf = hf.from_pretrained(tmp_path)
    assert reloaded_by_hf.padding_value == 1.5 and reloaded_by_hf.normalize_vars is False


def test_loads_transformers_processor_directory(transformers, tmp_path):
    """transformers 5 Speech2TextProcessor.save_pretrained writes processor_config.json with the
    extractor's settings under "feature_extractor" (no preprocessor_config.json)."""
    import sentencepiece as spm

    text = tmp_path / "text.txt"
    text.write_text("\n".join(["hello world this is a small test", "the quick brown fox"] * 20))
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(tmp_path / "sp"), vocab_size=30, model_type="bpe", minloglevel=2
    )
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(sp.get_piece_size()):
        vocab.setdefault(sp.id_to_piece(i), len(vocab))
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = transformers.Speech2TextTokenizer(str(tmp_path / "vocab.json"), str(tmp_path / "sp.model"))
    extractor = transformers.Speech2TextFeatureExtractor(padding_value=-1.0, normalize_means=False)
    transformers.Speech2TextProcessor(extractor, tokenizer).save_pretrained(tmp_path / "proc")
    assert not (tmp_path / "proc" / "preprocessor_config.json").exists()
    assert "feature_extractor" in json.loads((tmp_path / "proc" / "processor_config.json").read_text())
    ours = s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path / "proc")
    assert ours.padding_value == -1.0 and ours.normalize_means is False and ours.normalize_vars is True
    x = signal("speech_fr.wav")
    assert_same_output(ours(x, sampling_rate=16000), extractor(x, sampling_rate=16000), "processor dir")


def test_both_layouts_present_nested_entry_wins_as_in_transformers(transformers, tmp_path):
    """With processor_config.json (nested "feature_extractor") and preprocessor_config.json both
    present and disagreeing, both libraries take the nested entry."""
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"num_mel_bins": 80, "padding_value": 0.0}))
    nested = {"num_mel_bins": 80, "padding_value": -2.0, "normalize_vars": False}
    (tmp_path / "processor_config.json").write_text(json.dumps({"feature_extractor": nested}))
    ours = s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path)
    ref = transformers.Speech2TextFeatureExtractor.from_pretrained(tmp_path)
    assert (ours.padding_value, ours.normalize_vars) == (ref.padding_value, ref.normalize_vars) == (-2.0, False)


def test_from_pretrained_errors(tmp_path):
    with pytest.raises(ModelNotFoundError):
        s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path / "missing")
    with pytest.raises(ModelNotFoundError):
        s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path)  # no config file
    (tmp_path / "preprocessor_config.json").write_text("{not json")
    with pytest.raises(ConfigError):
        s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"num_mel_bins": 80, "padding_side": "left"}))
    with pytest.raises(UnsupportedOptionError):
        s2t_np.Speech2TextFeatureExtractor.from_pretrained(tmp_path)


# ---- bad input -------------------------------------------------------------------------------


def test_return_tensors_pt_is_unsupported():
    with pytest.raises(UnsupportedOptionError, match="return_tensors"):
        s2t_np.Speech2TextFeatureExtractor()(signal("noise"), sampling_rate=16000, return_tensors="pt")


def test_sampling_rate_mismatch(hf):
    x = signal("noise")
    with pytest.raises(ValueError):  # transformers' choice too
        hf()(x, sampling_rate=8000)
    with pytest.raises(SamplingRateError, match="8000 Hz"):
        s2t_np.Speech2TextFeatureExtractor()(x, sampling_rate=8000)


def test_too_short_for_one_frame():
    with pytest.raises(EmptyAudioError):
        s2t_np.Speech2TextFeatureExtractor()(np.zeros(399, np.float32), sampling_rate=16000)
    with pytest.raises(EmptyAudioError):
        s2t_np.Speech2TextFeatureExtractor()([signal("noise"), np.zeros(0, np.float32)], sampling_rate=16000)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_samples(bad):
    x = signal("noise").copy()
    x[100] = bad
    with pytest.raises(InvalidAudioError, match="NaN or Inf"):
        s2t_np.Speech2TextFeatureExtractor()([signal("tones"), x], sampling_rate=16000)


@pytest.mark.parametrize(
    "raw",
    [np.zeros((2, 2, 1600), np.float32), [np.zeros((2, 1600), np.float32)], np.zeros(1600, np.int16), [], "audio"],
    ids=["rank3", "stereo-item", "int16", "empty-batch", "string"],
)
def test_wrong_input_kind(raw):
    with pytest.raises(InvalidAudioError):
        s2t_np.Speech2TextFeatureExtractor()(raw, sampling_rate=16000)


@pytest.mark.parametrize(
    "call",
    [dict(padding="max_length"), dict(truncation=True), dict(padding="sideways")],
)
def test_bad_padding_arguments(call):
    """A bad padding / truncation argument is the same error as in the tokenizer: InvalidInputError."""
    with pytest.raises(InvalidInputError):
        s2t_np.Speech2TextFeatureExtractor()(signal("noise"), sampling_rate=16000, **call)


def test_padding_strategy_enum(hf, batch, transformers):
    from transformers.utils import PaddingStrategy

    call = dict(padding=PaddingStrategy.MAX_LENGTH, max_length=260, truncation=True, return_tensors="np")
    assert_same_output(
        s2t_np.Speech2TextFeatureExtractor()(batch, sampling_rate=16000, **call),
        hf()(batch, sampling_rate=16000, **call),
        "PaddingStrategy enum",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"a": [[1, 2], [3, 4]], "b": [1.0, 2.0]},
        {"a": [[1, 2], [3]]},
        {"input_features": [np.zeros((3, 2), np.float32), np.ones((2, 2), np.float32)]},
        {"a": 5},
    ],
    ids=["lists", "ragged", "ragged-arrays", "scalar"],
)
def test_batch_feature_converts_like_transformers(data, transformers):
    ours = s2t_np.BatchFeature(data, tensor_type="np")
    ref = transformers.BatchFeature(data, tensor_type="np")
    assert list(ours) == list(ref) and "tensor_type" not in ours
    for key in ref:
        assert (
            isinstance(ours[key], np.ndarray)
            and ours[key].dtype == ref[key].dtype
            and ours[key].shape == ref[key].shape
        )
        for a, b in zip(ours[key].ravel(), ref[key].ravel()):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(UnsupportedOptionError):
        s2t_np.BatchFeature(data, tensor_type="pt")
