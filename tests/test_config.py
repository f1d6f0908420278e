"""Speech2TextConfig: same fields and defaults as transformers, tolerant reading, strict validation."""

import dataclasses
import json

import numpy as np
import pytest

import s2t_np
from s2t_np import ConfigError, ModelNotFoundError, Speech2TextConfig

# The layout of a transformers-4 era hub config.json (facebook/s2t-small-librispeech-asr style): model
# fields plus generation keys, the num_hidden_layers alias, torch_dtype and bookkeeping keys.
HUB_STYLE = {
    "_name_or_path": "hf_models_fb/s2t-small-librispeech-asr",
    "activation_dropout": 0.1,
    "activation_function": "relu",
    "architectures": ["Speech2TextForConditionalGeneration"],
    "attention_dropout": 0.1,
    "bos_token_id": 0,
    "classifier_dropout": 0.0,
    "conv_channels": 1024,
    "conv_kernel_sizes": [5, 5],
    "d_model": 256,
    "decoder_attention_heads": 4,
    "decoder_ffn_dim": 2048,
    "decoder_layerdrop": 0.0,
    "decoder_layers": 6,
    "decoder_start_token_id": 2,
    "dropout": 0.1,
    "early_stopping": True,
    "encoder_attention_heads": 4,
    "encoder_ffn_dim": 2048,
    "encoder_layerdrop": 0.0,
    "encoder_layers": 12,
    "eos_token_id": 2,
    "gradient_checkpointing": False,
    "init_std": 0.02,
    "input_channels": 1,
    "input_feat_per_channel": 80,
    "is_encoder_decoder": True,
    "max_length": 200,
    "max_source_positions": 6000,
    "max_target_positions": 1024,
    "model_type": "speech_to_text",
    "num_beams": 5,
    "num_conv_layers": 2,
    "num_hidden_layers": 12,
    "pad_token_id": 1,
    "scale_embedding": True,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "transformers_version": "4.10.0.dev0",
    "use_cache": True,
    "vocab_size": 10000,
}


def _hf_value(v):
    return list(v) if isinstance(v, tuple) else v


def _ours_value(v):
    return list(v) if isinstance(v, tuple) else v


def test_defaults_equal_transformers(transformers):
    ref = transformers.Speech2TextConfig()
    ours = Speech2TextConfig()
    for name in Speech2TextConfig.model_field_names():
        assert _ours_value(getattr(ours, name)) == _hf_value(getattr(ref, name)), name


def test_every_transformers_field_is_present(transformers):
    hf_fields = set(transformers.Speech2TextConfig.__annotations__)
    assert hf_fields, "transformers' Speech2TextConfig annotations are empty: cannot audit fields"
    assert hf_fields <= set(Speech2TextConfig.model_field_names()), hf_fields - set(
        Speech2TextConfig.model_field_names()
    )


def test_from_pretrained_matches_saved_reference(tmp_path, transformers):
    from tests.support.reference_models import make_config

    ref = make_config(
        d_model=40,
        encoder_attention_heads=8,
        num_conv_layers=3,
        conv_kernel_sizes=[3, 5, 7],
        activation_function="gelu_new",
        tie_word_embeddings=False,
        scale_embedding=False,
    )
    ref.save_pretrained(tmp_path)
    ours = Speech2TextConfig.from_pretrained(tmp_path)
    for name in Speech2TextConfig.model_field_names():
        assert _ours_value(getattr(ours, name)) == _hf_value(getattr(ref, name)), name
    assert ours.extra["model_type"] == "speech_to_text"
    assert "transformers_version" in ours.extra


def test_hub_style_config_keys_are_read_not_rejected(tmp_path, transformers):
    (tmp_path / "config.json").write_text(json.dumps(HUB_STYLE))
    ours = Speech2TextConfig.from_pretrained(tmp_path)
    ref = transformers.Speech2TextConfig.from_pretrained(tmp_path)
    for name in Speech2TextConfig.model_field_names():
        assert _ours_value(getattr(ours, name)) == _hf_value(getattr(ref, name)), name
    assert ours.generation_defaults == {"max_length": 200, "num_beams": 5, "early_stopping": True}
    for key in (
        "architectures",
        "torch_dtype",
        "transformers_version",
        "_name_or_path",
        "classifier_dropout",
        "gradient_checkpointing",
        "model_type",
    ):
        assert ours.extra[key] == HUB_STYLE[key], key
    assert "num_hidden_layers" not in ours.extra  # an alias of encoder_layers, mapped
    assert ours.encoder_layers == 12


def test_to_dict_round_trip_and_json():
    cfg = Speech2TextConfig.from_dict(HUB_STYLE)
    d = cfg.to_dict()
    json.dumps(d)
    assert Speech2TextConfig.from_dict(d) == cfg
    assert d["max_length"] == 200 and d["architectures"] == HUB_STYLE["architectures"]
    assert d["conv_kernel_sizes"] == [5, 5]


def test_stage_config_is_frozen_the_transformers_one_is_not():
    from s2t_np.config import ModelConfig

    stage = ModelConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        stage.d_model = 8
    cfg = Speech2TextConfig()
    cfg.d_model = 8  # transformers' configs are mutable; the new value is validated (tests/test_config_api.py)
    assert cfg.d_model == 8


def test_derived_values():
    cfg = Speech2TextConfig(
        d_model=144, encoder_attention_heads=4, decoder_attention_heads=4, input_channels=2, input_feat_per_channel=40
    )
    assert cfg.embed_scale == 12.0 and cfg.input_dim == 80
    assert Speech2TextConfig(scale_embedding=False).embed_scale == 1.0


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (dict(d_model=30, encoder_attention_heads=4), "divisible by encoder_attention_heads"),
        (
            dict(d_model=30, encoder_attention_heads=3, decoder_attention_heads=4),
            "divisible by decoder_attention_heads",
        ),
        (dict(num_conv_layers=3), "len(conv_kernel_sizes)"),
        (dict(conv_kernel_sizes=(5, 0)), "conv_kernel_sizes must be positive"),
        (dict(vocab_size=0), "vocab_size must be positive"),
        (dict(d_model=-8), "d_model must be positive"),
        (dict(encoder_ffn_dim=2.5), "encoder_ffn_dim must be an int"),
        (dict(activation_function="tanh"), "activation_function 'tanh' is not supported"),
        (dict(conv_channels=1023), "conv_channels (1023) must be even"),
        (dict(pad_token_id=10000), "pad_token_id must be an id"),
        (dict(d_model=2, encoder_attention_heads=1, decoder_attention_heads=1), "d_model must be >= 4"),
        (dict(dropout=1.5), "dropout must be a probability"),
    ],
)
def test_invalid_config_is_a_clear_error(overrides, fragment):
    with pytest.raises(ConfigError) as err:
        Speech2TextConfig(**overrides)
    assert fragment in str(err.value)


def test_alias_conflict_is_an_error():
    with pytest.raises(ConfigError, match="num_hidden_layers"):
        Speech2TextConfig.from_dict({"encoder_layers": 6, "num_hidden_layers": 12})


def test_missing_directory_and_files(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"is not a local directory(.|\n)*hf download"):
        Speech2TextConfig.from_pretrained(tmp_path / "nope")
    with pytest.raises(ModelNotFoundError, match="config.json"):
        Speech2TextConfig.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        Speech2TextConfig.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "whisper"}))
    with pytest.raises(ConfigError, match="whisper"):
        Speech2TextConfig.from_pretrained(tmp_path)


def test_compute_dtype_is_checked(tmp_path):
    from s2t_np.weights import compute_dtype

    assert compute_dtype(np.float64) is np.float64
    with pytest.raises(ConfigError, match="float32 or float64"):
        compute_dtype(np.float16)
    assert s2t_np.Speech2TextConfig is Speech2TextConfig


def test_numpy_scalars_become_python_numbers():
    """A config built from NumPy values (e.g. read from an .npz) still writes a JSON config.json."""
    cfg = Speech2TextConfig(d_model=np.int64(256), dropout=np.float32(0.25), conv_kernel_sizes=np.array([5, 3]))
    assert type(cfg.d_model) is int and type(cfg.dropout) is float and cfg.conv_kernel_sizes == (5, 3)
    assert json.loads(json.dumps(cfg.to_dict()))["d_model"] == 256
