"""Port of transformers' ConfigTester (tests/test_configuration_common.py) as
Speech2TextModelTest.test_config runs it: ConfigTester(self, config_class=Speech2TextConfig), so
inputs_dict is empty. One test per create_and_test_* / check_* step of run_common_tests; same calls and
assertions, only the class source (`lib`) changes. Not ported: docs/upstream_tests.md.
"""

import json
import os
import tempfile

from tests.upstream.conftest import s2t_xfail

inputs_dict = {}  # ConfigTester(self, config_class=Speech2TextConfig) passes no kwargs
common_properties = ["hidden_size", "num_attention_heads", "num_hidden_layers", "vocab_size"]


@s2t_xfail(
    "deliberate: s2t_np validates a config when it is built or set, so hidden_size=0 (d_model 0, no model "
    "can have it) is refused with ConfigError; transformers accepts any value and fails later, when a model is built"
)
def test_config_common_properties(lib):
    config = lib.Config(**inputs_dict)
    # Test that config has the common properties as getters
    for prop in common_properties:
        assert hasattr(config, prop), f"`{prop}` does not exist"
    # Test that config has the common properties as setter
    for idx, name in enumerate(common_properties):
        setattr(config, name, idx)
        assert getattr(config, name) == idx, f"`{name} value {idx} expected, but was {getattr(config, name)}"
    # Test if config class can be called with Config(prop_name=..)
    for idx, name in enumerate(common_properties):
        config = lib.Config(**{name: idx})
        assert getattr(config, name) == idx, f"`{name} value {idx} expected, but was {getattr(config, name)}"


def test_config_to_json_string(lib):
    config = lib.Config(**inputs_dict)
    obj = json.loads(config.to_json_string())
    for key, value in inputs_dict.items():
        assert obj[key] == value


def test_config_to_json_file(lib):
    config_first = lib.Config(**inputs_dict)
    with tempfile.TemporaryDirectory() as tmpdirname:
        json_file_path = os.path.join(tmpdirname, "config.json")
        config_first.to_json_file(json_file_path)
        config_second = lib.Config.from_json_file(json_file_path)
    assert config_second.to_dict() == config_first.to_dict()


def test_config_from_and_save_pretrained(lib):
    config_first = lib.Config(**inputs_dict)
    with tempfile.TemporaryDirectory() as tmpdirname:
        config_first.save_pretrained(tmpdirname)
        config_second = lib.Config.from_pretrained(tmpdirname)
    assert config_second.to_dict() == config_first.to_dict()


def test_config_from_and_save_pretrained_subfolder(lib):
    config_first = lib.Config(**inputs_dict)
    subfolder = "test"
    with tempfile.TemporaryDirectory() as tmpdirname:
        sub_tmpdirname = os.path.join(tmpdirname, subfolder)
        config_first.save_pretrained(sub_tmpdirname)
        config_second = lib.Config.from_pretrained(tmpdirname, subfolder=subfolder)
    assert config_second.to_dict() == config_first.to_dict()


def test_config_can_be_init_without_params(lib):
    config = lib.Config()
    assert config is not None
