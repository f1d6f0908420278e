"""`Speech2TextConfig`: the model hyperparameters (s2t_np.config.ModelConfig) with transformers'
file handling: `from_pretrained` resolves a model argument ("demo", a local directory) and reads
its config.json. No fields of its own.
"""

from ..config import ModelConfig
from ..errors import ModelNotFoundError
from .pretrained import resolve_model_dir

CONFIG_FILE = "config.json"


class Speech2TextConfig(ModelConfig):
    """transformers' Speech2TextConfig: every field, default and alias of s2t_np.config.ModelConfig."""

    model_type = "speech_to_text"

    @classmethod
    def from_pretrained(cls, model_dir):
        """Read `config.json` of a transformers-format model directory (or "demo")."""
        path = resolve_model_dir(model_dir)
        file = path / CONFIG_FILE
        if not file.is_file():
            raise ModelNotFoundError(f"{str(file)!r} not found: {str(path)!r} is not a transformers model directory")
        return cls.from_json_file(file)
