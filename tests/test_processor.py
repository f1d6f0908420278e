"""Speech2TextProcessor parity with transformers' Speech2TextProcessor, in both directory layouts."""

import json

import numpy as np
import pytest

from s2t_np import InvalidInputError, ModelNotFoundError, Speech2TextProcessor
from tests.support.reference_audio import reference_load_audio
from tests.support.text_fixtures import build_processor_dir, dropped_pieces, train_spm, write_published_layout
from tests.support.tolerances import EXTRACTOR_VS_HF

CLIPS = ["speech_en_us_m.wav", "speech_en_f3.wav", "speech_fr.wav"]
TEXTS = ["hello world", "The quick brown fox, it's 3.14!", "", "bonjour le monde <lang:de>"]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory, transformers):
    """{"v5": transformers 5 processor dir (mustc), "hub": the published layout of it}."""
    root = tmp_path_factory.mktemp("processor")
    spm_model = train_spm(root / "spm", "unigram", True)
    v5, _ = build_processor_dir(
        root / "v5", spm_model, drop=dropped_pieces(spm_model), lang_codes="mustc", tgt_lang="fr"
    )
    (v5 / "config.json").write_text("{}")  # processor-only directory; the hub writer copies a config
    hub = write_published_layout(root / "hub", v5, lang_codes="mustc", tgt_lang="fr", additional_special_tokens=True)
    return {"v5": v5, "hub": hub}


@pytest.fixture(scope="module")
def waves(data_dir):
    """The clips as both processors receive them, loaded without s2t_np (the processor is under test)."""
    return [reference_load_audio(data_dir / name) for name in CLIPS]


@pytest.fixture(scope="module", params=["v5", "hub"])
def pair(request, dirs, transformers):
    directory = dirs[request.param]
    return (
        Speech2TextProcessor.from_pretrained(directory),
        transformers.Speech2TextProcessor.from_pretrained(str(directory)),
    )


def _assert_features(got, want):
    atol, rtol = EXTRACTOR_VS_HF
    assert sorted(got) == sorted(want)
    np.testing.assert_allclose(
        got["input_features"],
        want["input_features"],
        atol=atol,
        rtol=rtol,
        err_msg="processor input_features vs transformers",
    )
    np.testing.assert_array_equal(got["attention_mask"], want["attention_mask"])


def test_audio_parity(pair, waves):
    ours, ref = pair
    for wave in waves:
        _assert_features(
            ours(wave, sampling_rate=16000, return_tensors="np"), ref(wave, sampling_rate=16000, return_tensors="np")
        )
    _assert_features(
        ours(audio=waves, sampling_rate=16000, padding=True, return_tensors="np"),
        ref(audio=waves, sampling_rate=16000, padding=True, return_tensors="np"),
    )


def test_text_parity(pair):
    ours, ref = pair
    for text in TEXTS:
        assert dict(ours(text=text)) == dict(ref(text=text))
    got, want = ours(text=TEXTS, padding=True, return_tensors="np"), ref(text=TEXTS, padding=True, return_tensors="np")
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])


def test_audio_and_text_give_labels(pair, waves):
    ours, ref = pair
    got = ours(audio=waves[0], sampling_rate=16000, text="hello world", return_tensors="np")
    want = ref(audio=waves[0], sampling_rate=16000, text="hello world", return_tensors="np")
    np.testing.assert_array_equal(got["labels"], want["labels"])
    _assert_features({k: v for k, v in got.items() if k != "labels"}, {k: v for k, v in want.items() if k != "labels"})


def test_decode_parity(pair):
    ours, ref = pair
    rows = np.random.default_rng(1).integers(0, len(ref.tokenizer), size=(5, 9))
    for skip in (False, True):
        assert ours.batch_decode(rows, skip_special_tokens=skip) == ref.batch_decode(rows, skip_special_tokens=skip)
        assert ours.decode(rows[0], skip_special_tokens=skip) == ref.decode(rows[0], skip_special_tokens=skip)


def test_settings_loaded_from_either_layout(pair):
    ours, ref = pair
    for key in (
        "num_mel_bins",
        "sampling_rate",
        "padding_value",
        "do_ceptral_normalize",
        "normalize_means",
        "normalize_vars",
    ):
        assert getattr(ours.feature_extractor, key) == getattr(ref.feature_extractor, key), key
    assert ours.tokenizer.lang_code_to_id == ref.tokenizer.lang_code_to_id
    assert ours.tokenizer.tgt_lang == ref.tokenizer.tgt_lang == "fr"
    assert ours.tokenizer.do_lower_case == ref.tokenizer.do_lower_case


def test_save_pretrained_writes_transformers_5_layout(pair, tmp_path, transformers, waves):
    ours, ref = pair
    ours.save_pretrained(tmp_path / "ours")
    ref.save_pretrained(tmp_path / "ref")
    for name in ("processor_config.json", "tokenizer_config.json"):
        assert json.loads((tmp_path / "ours" / name).read_text()) == json.loads(
            (tmp_path / "ref" / name).read_text()
        ), name
    assert sorted(p.name for p in (tmp_path / "ours").iterdir()) == sorted(p.name for p in (tmp_path / "ref").iterdir())
    reloaded = transformers.Speech2TextProcessor.from_pretrained(str(tmp_path / "ours"))
    _assert_features(
        ours(waves[1], sampling_rate=16000, return_tensors="np"),
        reloaded(waves[1], sampling_rate=16000, return_tensors="np"),
    )
    assert reloaded(text="bonjour")["input_ids"] == ours(text="bonjour")["input_ids"]
    ours_again = Speech2TextProcessor.from_pretrained(tmp_path / "ref")
    assert ours_again(text="bonjour")["input_ids"] == ref(text="bonjour")["input_ids"]


def test_nested_feature_extractor_settings_win_like_transformers(dirs, tmp_path, transformers):
    """Both files present: transformers reads processor_config.json["feature_extractor"] first."""
    import shutil

    both = tmp_path / "both"
    shutil.copytree(dirs["v5"], both)
    (both / "preprocessor_config.json").write_text(json.dumps({"num_mel_bins": 40, "feature_size": 40}))
    ours = Speech2TextProcessor.from_pretrained(both)
    ref = transformers.Speech2TextProcessor.from_pretrained(str(both))
    assert ours.feature_extractor.num_mel_bins == ref.feature_extractor.num_mel_bins == 80


def test_errors(tmp_path, pair):
    ours, _ = pair
    with pytest.raises(ValueError, match="either an `audio` or `text`"):
        ours()
    with pytest.raises(ModelNotFoundError, match="hf download facebook/s2t-small-librispeech-asr"):
        Speech2TextProcessor.from_pretrained("facebook/s2t-small-librispeech-asr")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="preprocessor_config.json"):
        Speech2TextProcessor.from_pretrained(tmp_path / "empty")
    with pytest.raises(InvalidInputError):
        Speech2TextProcessor(object(), ours.tokenizer)


def test_from_pretrained_keywords_reach_the_feature_extractor(tmp_path, transformers):
    """transformers hands every keyword to both parts: extractor settings override the file's, the
    tokenizer keeps the rest (and saves them back)."""
    from s2t_np.hf.pretrained import DEMO_DIR

    kwargs = dict(padding_value=1.0, normalize_vars=False, do_upper_case=True)
    ours = Speech2TextProcessor.from_pretrained(DEMO_DIR, **kwargs)
    ref = transformers.Speech2TextProcessor.from_pretrained(str(DEMO_DIR), **kwargs)
    assert ours.feature_extractor.to_dict() == ref.feature_extractor.to_dict()
    assert (ours.feature_extractor.padding_value, ours.tokenizer.do_upper_case) == (1.0, True)
    ours.save_pretrained(tmp_path / "ours")
    ref.save_pretrained(tmp_path / "ref")
    for name in ("processor_config.json", "tokenizer_config.json"):
        assert json.loads((tmp_path / "ours" / name).read_text()) == json.loads((tmp_path / "ref" / name).read_text())
