"""`Speech2TextConfig`: the model hyperparameters (s2t_np.config.ModelConfig) with transformers'
file handling: `from_pretrained` resolves a model argument ("demo", a directory, a hub id) and reads
its config.json; `save_pretrained` writes one as transformers does (every field, keys sorted,
indent 2, `model_type` "speech_to_text"). No fields of its own.
"""

import json
from pathlib import Path

from ..config import ModelConfig
from ..errors import ModelNotFoundError
from .pretrained import resolve_model_dir

CONFIG_FILE = "config.json"


class Speech2TextConfig(ModelConfig):
    """transformers' Speech2TextConfig: every field, default and alias of s2t_np.config.ModelConfig."""

    model_type = "speech_to_text"

    @classmethod
    def from_pretrained(cls, model_dir, **hub_options):
        """Read `config.json` of a model directory, "demo" or a hub id (`hub_options`: revision=, cache_dir=, ...)."""
        path = resolve_model_dir(model_dir, needs=(), **hub_options)
        file = path / CONFIG_FILE
        if not file.is_file():
            raise ModelNotFoundError(f"{str(file)!r} not found: {str(path)!r} is not a transformers model directory")
        return cls.from_json_file(file)

    def save_pretrained(self, save_directory):
        """Write `config.json` into `save_directory` (created if needed); returns its path."""
        return write_config(self, save_directory)


def write_config(config, save_directory, **keys):
    """config.json of any ModelConfig: its `to_dict()`, then `keys` (e.g. architectures, dtype), then model_type."""
    path = Path(save_directory)
    path.mkdir(parents=True, exist_ok=True)
    return write_json({**config.to_dict(), **keys, "model_type": Speech2TextConfig.model_type}, path / CONFIG_FILE)


def write_json(values, file):
    """A JSON file the way transformers writes its configs: keys sorted, indent 2, a final newline."""
    Path(file).write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Path(file)
