"""`Speech2TextConfig`: the model hyperparameters (s2t_np.config.ModelConfig) with transformers'
config behaviour:

- `Speech2TextConfig(**kwargs)` takes keywords as transformers' `PreTrainedConfig` does: model
  fields, transformers' aliases (`hidden_size`, `num_attention_heads`, `num_hidden_layers`), old
  generation keys, and any other keyword, kept as an attribute (`extra`), e.g.
  `max_position_embeddings=...` in transformers' own model tests;
- attributes can be set, as on a transformers config (`config.output_hidden_states = True`,
  `config.hidden_size = 64`): a model field is validated again and the old value restored if the
  new one is invalid, an alias sets the field it names, any other name is kept in `extra`. The stage
  layer's `ModelConfig` stays frozen; only this transformers look-alike is mutable;
- the common `PreTrainedConfig` attributes the facades read (`return_dict` True,
  `output_attentions` False, `output_hidden_states` False) have transformers' defaults;
- `to_dict` (with `model_type`), `to_diff_dict`, `to_json_string(use_diff=True)`, `to_json_file`;
- `from_pretrained` resolves a model argument ("demo", a directory, a hub id; `subfolder=`) and
  reads its config.json, keywords naming an attribute override it (`return_unused_kwargs=True`
  returns the others); `save_pretrained` writes config.json as transformers does (keys sorted,
  indent 2, `model_type` "speech_to_text").
"""

import json
from pathlib import Path

from ..config import ALIASES, GENERATION_KEYS, ModelConfig
from ..errors import ConfigError, ModelNotFoundError
from .pretrained import resolve_model_dir, split_hub_options

CONFIG_FILE = "config.json"
MODEL_TYPE = "speech_to_text"

# transformers' PreTrainedConfig attributes the facades read, with its defaults
COMMON_DEFAULTS = {"return_dict": True, "output_attentions": False, "output_hidden_states": False}


class Speech2TextConfig(ModelConfig):
    """transformers' Speech2TextConfig: the fields, defaults and aliases of ModelConfig (module docstring)."""

    model_type = MODEL_TYPE
    attribute_map = dict(ALIASES)

    def __init__(self, **kwargs):
        model_type = kwargs.get("model_type", MODEL_TYPE)
        if model_type != MODEL_TYPE:
            raise ConfigError(f"Speech2TextConfig got model_type {model_type!r}; s2t_np reads {MODEL_TYPE!r} models")
        super().__init__(**self.split_dict(kwargs))

    def __getattr__(self, name):  # only called when the ordinary lookup fails
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ALIASES:
            return getattr(self, ALIASES[name])
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        if name in COMMON_DEFAULTS:
            return COMMON_DEFAULTS[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __setattr__(self, name, value):
        name = ALIASES.get(name, name)
        if name in self.model_field_names():
            old = getattr(self, name)
            object.__setattr__(self, name, value)
            try:
                self.__post_init__()  # the ModelConfig checks and normalisation, for the new value
            except ConfigError:
                object.__setattr__(self, name, old)
                raise
        elif name in ("generation_defaults", "extra"):
            object.__setattr__(self, name, dict(value))
        elif name in GENERATION_KEYS:
            self.generation_defaults[name] = value
        else:
            self.extra[name] = value

    @property
    def use_return_dict(self):
        return self.return_dict

    # ---- dicts and JSON, as transformers' PreTrainedConfig --------------------------------------
    def to_dict(self):
        """Every field, generation key and kept key, with `model_type` (config.json's content)."""
        return {**super().to_dict(), "model_type": MODEL_TYPE}

    def to_diff_dict(self):
        """`to_dict()` without the values equal to the defaults (`model_type` always kept)."""
        defaults = Speech2TextConfig().to_dict()
        return {k: v for k, v in self.to_dict().items() if k == "model_type" or defaults.get(k, object()) != v}

    def to_json_string(self, use_diff=True):
        values = self.to_diff_dict() if use_diff else self.to_dict()
        return json.dumps(values, indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path, use_diff=True):
        Path(json_file_path).write_text(self.to_json_string(use_diff), encoding="utf-8")

    # ---- directories ----------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, model_dir, *, subfolder="", return_unused_kwargs=False, **kwargs):
        """Read `config.json` of a model directory, "demo" or a hub id (hub keywords: revision=, cache_dir=, ...).

        Other keywords naming a config attribute or alias override config.json's value; the rest
        are unused: dropped, or returned as `(config, unused)` with `return_unused_kwargs=True`
        (transformers' `PreTrainedConfig.from_dict`).
        """
        hub_options, rest = split_hub_options(kwargs)
        path = resolve_model_dir(model_dir, needs=(), **hub_options) / subfolder
        file = path / CONFIG_FILE
        if not file.is_file():
            raise ModelNotFoundError(f"{str(file)!r} not found: {str(path)!r} is not a transformers model directory")
        config = cls.from_json_file(file)
        known = {k: v for k, v in rest.items() if k in ALIASES or hasattr(config, k)}
        for key, value in known.items():
            setattr(config, key, value)
        unused = {k: v for k, v in rest.items() if k not in known}
        return (config, unused) if return_unused_kwargs else config

    def save_pretrained(self, save_directory):
        """Write `config.json` into `save_directory` (created if needed); returns its path."""
        return write_config(self, save_directory)


def write_config(config, save_directory, **keys):
    """config.json of any ModelConfig: its `to_dict()`, then `keys` (e.g. architectures, dtype), then model_type."""
    path = Path(save_directory)
    path.mkdir(parents=True, exist_ok=True)
    return write_json({**config.to_dict(), **keys, "model_type": MODEL_TYPE}, path / CONFIG_FILE)


def write_json(values, file):
    """A JSON file the way transformers writes its configs: keys sorted, indent 2, a final newline."""
    Path(file).write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Path(file)
