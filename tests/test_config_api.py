"""Speech2TextConfig's transformers behaviour, each case against transformers.Speech2TextConfig:
keyword construction (aliases, unknown keywords kept), attribute setting (validated), the common
PreTrainedConfig attributes, to_dict / to_json_string / to_json_file, from_pretrained keywords."""

import json

import pytest

from s2t_np import ConfigError, Speech2TextConfig
from s2t_np.config import ModelConfig

FIELDS = ModelConfig.model_field_names()
PRETRAINED_BOOKKEEPING = {
    "_name_or_path", "architectures", "chunk_size_feed_forward", "dtype", "id2label", "label2id",
    "output_attentions", "output_hidden_states", "problem_type", "return_dict", "transformers_version",
}  # fmt: skip


def _same_fields(ours, ref):
    for name in FIELDS:
        value = getattr(ref, name)
        value = tuple(value) if isinstance(value, list) else value
        assert getattr(ours, name) == value, name


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"hidden_size": 64, "num_attention_heads": 2, "num_hidden_layers": 3},
        {"d_model": 32, "encoder_attention_heads": 8, "max_position_embeddings": 7, "is_decoder": False},
    ],
)
def test_keywords_like_transformers(kwargs, transformers):
    ours, ref = Speech2TextConfig(**kwargs), transformers.Speech2TextConfig(**kwargs)
    _same_fields(ours, ref)
    for name in ("hidden_size", "num_attention_heads", "num_hidden_layers", *kwargs):
        assert getattr(ours, name) == getattr(ref, name), name
    for name in ("return_dict", "output_attentions", "output_hidden_states", "use_return_dict"):
        assert getattr(ours, name) == getattr(ref, name), name


def test_attributes_are_settable_through_aliases(transformers):
    ours, ref = Speech2TextConfig(), transformers.Speech2TextConfig()
    for idx, name in enumerate(("hidden_size", "num_attention_heads", "num_hidden_layers", "vocab_size", "dropout")):
        value = [64, 8, 3, 99, 0.3][idx]
        setattr(ours, name, value)
        setattr(ref, name, value)
        assert getattr(ours, name) == getattr(ref, name) == value
    ours.output_hidden_states = ref.output_hidden_states = True
    ours.my_note = ref.my_note = "kept"
    _same_fields(ours, ref)
    assert ours.output_hidden_states is True and ours.my_note == "kept"
    assert ours.to_dict()["output_hidden_states"] is True == ref.to_dict()["output_hidden_states"]


def test_an_invalid_value_is_refused_and_the_old_one_kept():
    cfg = Speech2TextConfig()
    with pytest.raises(ConfigError, match="divisible"):
        cfg.hidden_size = 63
    assert cfg.d_model == 256
    with pytest.raises(ConfigError, match="activation_function"):
        cfg.activation_function = "tanh"
    assert cfg.activation_function == "relu"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_key"):
        Speech2TextConfig().no_such_key  # noqa: B018


def test_to_dict_and_json_match_transformers(tmp_path, transformers):
    kwargs = {"d_model": 64, "encoder_layers": 3, "max_position_embeddings": 7}
    ours, ref = Speech2TextConfig(**kwargs), transformers.Speech2TextConfig(**kwargs)
    theirs = ref.to_dict()
    # transformers adds its PreTrainedConfig bookkeeping (labels, dtype, version, ...) at default values;
    # every other key and value is the same
    assert set(theirs) - set(ours.to_dict()) <= PRETRAINED_BOOKKEEPING
    assert ours.to_dict() == {k: v for k, v in theirs.items() if k not in PRETRAINED_BOOKKEEPING}
    assert json.loads(ours.to_json_string(use_diff=False)) == ours.to_dict()
    diff = json.loads(ours.to_json_string())
    assert diff == {**kwargs, "model_type": "speech_to_text"}
    assert all(theirs[k] == v for k, v in diff.items())  # a subset of transformers' values
    ours.to_json_file(tmp_path / "c.json")
    assert Speech2TextConfig.from_json_file(tmp_path / "c.json").to_dict() == ours.to_dict()
    # transformers reads what we write, to the same values
    ours.save_pretrained(tmp_path / "saved")
    _same_fields(ours, transformers.Speech2TextConfig.from_pretrained(tmp_path / "saved"))


def test_from_pretrained_keywords_like_transformers(tmp_path, transformers):
    transformers.Speech2TextConfig(d_model=64).save_pretrained(tmp_path / "sub")
    kwargs = {"hidden_size": 32, "output_attentions": True, "foo": 1}
    ours, unused = Speech2TextConfig.from_pretrained(tmp_path, subfolder="sub", return_unused_kwargs=True, **kwargs)
    ref, ref_unused = transformers.Speech2TextConfig.from_pretrained(
        tmp_path, subfolder="sub", return_unused_kwargs=True, **kwargs
    )
    _same_fields(ours, ref)
    assert ours.output_attentions is True is ref.output_attentions
    assert unused == ref_unused == {"foo": 1}


def test_another_model_type_is_refused():
    with pytest.raises(ConfigError, match="wav2vec2"):
        Speech2TextConfig(model_type="wav2vec2")
