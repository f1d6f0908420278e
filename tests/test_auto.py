"""The Auto classes (s2t_np/hf/auto.py) against transformers' Auto classes on directories that
transformers saved: the same class picked, the same settings read, the same outputs; keywords pass
through; any model type but speech_to_text is a ConfigError naming it."""

import json
import shutil

import numpy as np
import pytest

import s2t_np
from s2t_np import ConfigError
from s2t_np.weights import checkpoint_tensors
from tests.support.asserts import assert_close
from tests.support.text_fixtures import build_full_dir, build_processor_dir, train_spm, write_published_layout
from tests.support.tolerances import EXTRACTOR_VS_HF, MODEL_F32

PAIRS = [  # (s2t_np class, transformers class name, the class both return)
    ("AutoConfig", "Speech2TextConfig"),
    ("AutoFeatureExtractor", "Speech2TextFeatureExtractor"),
    ("AutoTokenizer", "Speech2TextTokenizer"),
    ("AutoProcessor", "Speech2TextProcessor"),
    ("AutoModel", "Speech2TextModel"),
    ("AutoModelForSpeechSeq2Seq", "Speech2TextForConditionalGeneration"),
]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory, transformers, torch):
    """A transformers 5 directory (processor + model + generation config) and the same in the hub layout."""
    root = tmp_path_factory.mktemp("auto")
    spm_model = train_spm(root / "spm", "unigram", False)
    v5, _ = build_full_dir(root / "v5", spm_model, seed=5)
    published = write_published_layout(root / "published", v5)
    return {"v5": v5, "published": published, "spm": spm_model}


@pytest.mark.parametrize("layout", ["v5", "published"])
@pytest.mark.parametrize("auto_name, class_name", PAIRS)
def test_auto_class_picks_what_transformers_picks(dirs, transformers, auto_name, class_name, layout):
    ours = getattr(s2t_np, auto_name).from_pretrained(dirs[layout])
    ref = getattr(transformers, auto_name).from_pretrained(dirs[layout])
    assert type(ref).__name__ == class_name
    assert type(ours) is getattr(s2t_np, class_name)


def test_auto_loaded_objects_equal_transformers(dirs, transformers, torch):
    path = dirs["v5"]
    config = s2t_np.AutoConfig.from_pretrained(path)
    ref_config = transformers.AutoConfig.from_pretrained(path)
    for name in config.model_field_names():
        expected = getattr(ref_config, name)
        assert getattr(config, name) == (tuple(expected) if isinstance(expected, list) else expected), name

    extractor = s2t_np.AutoFeatureExtractor.from_pretrained(path)
    ref_extractor = transformers.AutoFeatureExtractor.from_pretrained(path)
    wave = np.random.default_rng(0).uniform(-0.5, 0.5, 8000).astype(np.float32)
    feats = extractor(wave, sampling_rate=16000, return_tensors="np")["input_features"]
    ref_feats = ref_extractor(wave, sampling_rate=16000, return_tensors="np")["input_features"]
    assert_close(feats, ref_feats, EXTRACTOR_VS_HF, "features")  # measured 4.8e-6

    text = "the quick brown fox jumps over the lazy dog"
    assert (
        s2t_np.AutoTokenizer.from_pretrained(path)(text)["input_ids"]
        == (transformers.AutoTokenizer.from_pretrained(path)(text)["input_ids"])
    )
    processor = s2t_np.AutoProcessor.from_pretrained(path)
    assert (
        processor.tokenizer(text)["input_ids"]
        == transformers.AutoProcessor.from_pretrained(path)(text=text)["input_ids"]
    )

    ids = np.array([[2, 5, 9, 11]])
    ref_model = transformers.AutoModelForSpeechSeq2Seq.from_pretrained(path).eval()
    with torch.no_grad():
        ref_logits = ref_model(torch.from_numpy(feats), decoder_input_ids=torch.from_numpy(ids)).logits.numpy()
    direct = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    logits = s2t_np.AutoModelForSpeechSeq2Seq.from_pretrained(path)(feats, decoder_input_ids=ids).logits
    np.testing.assert_array_equal(logits, direct(feats, decoder_input_ids=ids).logits)  # the same class and weights
    assert_close(logits, ref_logits, MODEL_F32["logits"], "logits")  # measured 1.6e-6
    hidden = s2t_np.AutoModel.from_pretrained(path)(feats, decoder_input_ids=ids).last_hidden_state
    direct_hidden = s2t_np.Speech2TextModel.from_pretrained(path)(feats, decoder_input_ids=ids).last_hidden_state
    np.testing.assert_array_equal(hidden, direct_hidden)


def test_keywords_pass_through(dirs, transformers):
    path = dirs["v5"]
    model = s2t_np.AutoModelForSpeechSeq2Seq.from_pretrained(path, dtype=np.float64)
    assert model.dtype == np.float64 and model.params["lm_head"]["weight"].dtype == np.float64
    assert model.generation_config.num_beams == 3  # generation_config.json was read (build_full_dir)
    config = s2t_np.AutoConfig.from_pretrained(path, dropout=0.25, max_target_positions=128)
    ref = transformers.AutoConfig.from_pretrained(path, dropout=0.25, max_target_positions=128)
    assert (config.dropout, config.max_target_positions) == (ref.dropout, ref.max_target_positions) == (0.25, 128)
    config, unused = s2t_np.AutoConfig.from_pretrained(path, hidden_size=48, foo=3, return_unused_kwargs=True)
    ref, ref_unused = transformers.AutoConfig.from_pretrained(path, hidden_size=48, foo=3, return_unused_kwargs=True)
    assert config.d_model == ref.d_model == 48 and unused == ref_unused == {"foo": 3}
    assert "foo" not in s2t_np.AutoConfig.from_pretrained(path, foo=3).to_dict()  # dropped, as transformers does
    assert not hasattr(transformers.AutoConfig.from_pretrained(path, foo=3), "foo")
    extractor = s2t_np.AutoFeatureExtractor.from_pretrained(path, padding_value=1.5)
    ref_extractor = transformers.AutoFeatureExtractor.from_pretrained(path, padding_value=1.5)
    assert extractor.padding_value == ref_extractor.padding_value == 1.5
    tokenizer = s2t_np.AutoTokenizer.from_pretrained(path, do_upper_case=True)
    ref_tokenizer = transformers.AutoTokenizer.from_pretrained(path, do_upper_case=True)
    ids = ref_tokenizer("hello world")["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == ref_tokenizer.decode(ids, skip_special_tokens=True)


@pytest.mark.parametrize("auto_name", [name for name, _ in PAIRS])
def test_auto_only_keywords_are_accepted(auto_name):
    """trust_remote_code / code_revision (read by transformers' Auto classes only) do not reach the class."""
    loaded = getattr(s2t_np, auto_name).from_pretrained("demo", trust_remote_code=True, code_revision="main")
    assert type(loaded).__name__ == dict(PAIRS)[auto_name]
    if auto_name == "AutoConfig":
        assert "trust_remote_code" not in loaded.to_dict()


def test_demo_and_hub_style_arguments():
    assert type(s2t_np.AutoModelForSpeechSeq2Seq.from_pretrained("demo")) is s2t_np.Speech2TextForConditionalGeneration
    assert s2t_np.AutoConfig.from_pretrained("demo") == s2t_np.Speech2TextConfig.from_pretrained("demo")
    with pytest.raises(s2t_np.ModelNotFoundError):
        s2t_np.AutoConfig.from_pretrained("/no/such/dir")


def test_hub_id_from_the_cache(tmp_path):
    """A hub id resolves (here from a local cache in huggingface_hub's layout, offline) and the hub
    keywords (cache_dir=, local_files_only=) pass through to every class."""
    from s2t_np.hf.pretrained import DEMO_DIR

    sha = "0123456789abcdef0123456789abcdef01234567"
    folder = tmp_path / "cache" / "models--someone--s2t-demo"
    (folder / "snapshots" / sha).mkdir(parents=True)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(sha)
    for file in DEMO_DIR.iterdir():
        shutil.copyfile(file, folder / "snapshots" / sha / file.name)
    options = dict(cache_dir=tmp_path / "cache", local_files_only=True)
    model = s2t_np.AutoModelForSpeechSeq2Seq.from_pretrained("someone/s2t-demo", **options)
    assert type(model) is s2t_np.Speech2TextForConditionalGeneration
    demo = s2t_np.Speech2TextForConditionalGeneration.from_pretrained("demo")
    np.testing.assert_array_equal(model.params["lm_head"]["weight"], demo.params["lm_head"]["weight"])
    assert s2t_np.AutoConfig.from_pretrained("someone/s2t-demo", **options) == demo.config
    tokenizer = s2t_np.AutoTokenizer.from_pretrained("someone/s2t-demo", **options)
    assert tokenizer("hello")["input_ids"] == s2t_np.Speech2TextTokenizer.from_pretrained("demo")("hello")["input_ids"]
    assert type(s2t_np.AutoProcessor.from_pretrained("someone/s2t-demo", **options)) is s2t_np.Speech2TextProcessor
    extractor = s2t_np.AutoFeatureExtractor.from_pretrained("someone/s2t-demo", **options)
    assert extractor.to_dict() == s2t_np.Speech2TextFeatureExtractor.from_pretrained("demo").to_dict()


def test_for_model_and_from_config(transformers, torch):
    kwargs = dict(vocab_size=50, d_model=24, encoder_layers=1, decoder_layers=1, conv_channels=8)
    config = s2t_np.AutoConfig.for_model("speech_to_text", **kwargs)
    ref = transformers.AutoConfig.for_model("speech_to_text", **kwargs)
    assert type(config) is s2t_np.Speech2TextConfig
    assert config.to_dict().items() >= {k: getattr(ref, k) for k in kwargs}.items()
    for auto_name in ("AutoModel", "AutoModelForSpeechSeq2Seq"):
        model = getattr(s2t_np, auto_name).from_config(config, seed=0)
        ref_model = getattr(transformers, auto_name).from_config(ref)
        assert type(model).__name__ == type(ref_model).__name__
        ours = checkpoint_tensors(model.params, config, with_lm_head=type(model)._with_lm_head)
        theirs = {k.removeprefix("model."): tuple(v.shape) for k, v in ref_model.named_parameters()}
        assert {k.removeprefix("model."): v.shape for k, v in ours.items()} == theirs  # every parameter, same shape
    a = s2t_np.AutoModel.from_config(config, seed=1).params["decoder"]["layers"][0]["fc1"]["weight"]
    b = s2t_np.Speech2TextModel.from_config(config, seed=1).params["decoder"]["layers"][0]["fc1"]["weight"]
    np.testing.assert_array_equal(a, b)  # seed= passes through


@pytest.mark.parametrize(
    "auto_name",
    ["AutoConfig", "AutoModel", "AutoModelForSpeechSeq2Seq", "AutoProcessor", "AutoTokenizer", "AutoFeatureExtractor"],
)
def test_another_model_type_is_a_config_error(tmp_path, dirs, transformers, auto_name):
    """A directory transformers saved for another model: ConfigError naming its type (or class)."""
    other = tmp_path / "other"
    shutil.copytree(dirs["v5"], other)
    transformers.Wav2Vec2Config().save_pretrained(other)  # config.json of a wav2vec2 model
    tokenizer_config = other / "tokenizer_config.json"
    settings = json.loads(tokenizer_config.read_text())
    settings.update(tokenizer_class="Wav2Vec2CTCTokenizer", processor_class="Wav2Vec2Processor")
    tokenizer_config.write_text(json.dumps(settings))
    processor_config = other / "processor_config.json"
    settings = json.loads(processor_config.read_text())
    settings["feature_extractor"]["feature_extractor_type"] = "Wav2Vec2FeatureExtractor"
    settings["processor_class"] = "Wav2Vec2Processor"
    processor_config.write_text(json.dumps(settings))
    with pytest.raises(ConfigError) as err:
        getattr(s2t_np, auto_name).from_pretrained(other)
    assert "speech_to_text" in str(err.value)
    assert "wav2vec2" in str(err.value).lower()
    assert isinstance(err.value, ValueError)


def test_directories_without_config_json(tmp_path, dirs, transformers):
    """Processor, tokenizer or feature extractor files alone (no config.json) load, as in transformers."""
    processor_dir, _ = build_processor_dir(tmp_path / "processor", dirs["spm"])
    extractor_dir = tmp_path / "extractor"
    transformers.Speech2TextFeatureExtractor(num_mel_bins=40, feature_size=40).save_pretrained(extractor_dir)
    tokenizer_dir = tmp_path / "tokenizer"
    transformers.AutoTokenizer.from_pretrained(processor_dir).save_pretrained(tokenizer_dir)
    for directory in (processor_dir, extractor_dir, tokenizer_dir):
        assert not (directory / "config.json").exists()
    processor = s2t_np.AutoProcessor.from_pretrained(processor_dir)
    assert type(processor) is s2t_np.Speech2TextProcessor
    text = "bonjour le monde"
    assert (
        processor.tokenizer(text)["input_ids"]
        == transformers.AutoProcessor.from_pretrained(processor_dir)(text=text)["input_ids"]
    )
    tokenizer = s2t_np.AutoTokenizer.from_pretrained(tokenizer_dir)
    assert tokenizer(text)["input_ids"] == transformers.AutoTokenizer.from_pretrained(tokenizer_dir)(text)["input_ids"]
    extractor = s2t_np.AutoFeatureExtractor.from_pretrained(extractor_dir)
    assert extractor.num_mel_bins == transformers.AutoFeatureExtractor.from_pretrained(extractor_dir).num_mel_bins == 40
    with pytest.raises(ConfigError, match="no config.json"):
        s2t_np.AutoModel.from_pretrained(tokenizer_dir)


def test_missing_model_type_and_bad_for_model(tmp_path, dirs):
    bare = tmp_path / "bare"
    shutil.copytree(dirs["v5"], bare)
    settings = json.loads((bare / "config.json").read_text())
    del settings["model_type"]
    (bare / "config.json").write_text(json.dumps(settings))
    with pytest.raises(ConfigError, match="model_type"):
        s2t_np.AutoModelForSpeechSeq2Seq.from_pretrained(bare)
    with pytest.raises(ConfigError, match="Unrecognized model identifier: whisper"):
        s2t_np.AutoConfig.for_model("whisper")
    with pytest.raises(ConfigError, match="'bert' model"):
        s2t_np.AutoModel.from_config(type("BertConfig", (), {"model_type": "bert"})())
    with pytest.raises(TypeError, match="from_pretrained"):
        s2t_np.AutoModel()
