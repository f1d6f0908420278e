"""Resolving a model argument to a local transformers-format directory, and finding its settings.

A model argument is one of:
  * ``None`` or ``"demo"``: the small demo model shipped inside the package (``s2t_np/demo/``);
  * a path to a local directory written by transformers' ``save_pretrained`` or downloaded from the
    hub (both layouts of docs/numerics.md section 5 are read by the loaders).
Anything else (a hub id such as ``facebook/s2t-small-librispeech-asr``, a missing path) raises
`ModelNotFoundError` with the command that fetches the files: s2t_np never downloads.

The feature extractor's settings live in ``processor_config.json`` under ``"feature_extractor"``
(transformers 5 ``save_pretrained``) or at the top level of ``preprocessor_config.json`` (published
checkpoints); like transformers' ``FeatureExtractionMixin.get_feature_extractor_dict``, the nested
entry wins when both exist.
"""

from pathlib import Path

from ..checks import read_json
from ..errors import ModelNotFoundError

DEMO_NAME = "demo"
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
PROCESSOR_CONFIG_FILE = "processor_config.json"
FEATURE_EXTRACTOR_CONFIG_FILE = "preprocessor_config.json"

_DOWNLOAD = (
    "s2t_np loads local directories only. Download a checkpoint first, e.g.\n"
    "  huggingface-cli download facebook/s2t-small-librispeech-asr --local-dir DIR\n"
    "then pass DIR as the model"
)
_DOWNLOAD_HINT = _DOWNLOAD + " (or 'demo' for the small model shipped with s2t_np)."


def resolve_model_dir(model=None):
    """``None`` / ``"demo"`` / a directory path -> an existing directory `Path`.

    Raises `ModelNotFoundError` (a FileNotFoundError) for anything that is not a local directory.
    """
    if model is None or (isinstance(model, str) and model == DEMO_NAME):
        if not (DEMO_DIR / "config.json").is_file():
            raise ModelNotFoundError(
                f"the demo model is not installed ({DEMO_DIR} has no config.json). " + _DOWNLOAD + "."
            )
        return DEMO_DIR
    try:
        path = Path(model).expanduser()
    except TypeError:
        raise ModelNotFoundError(
            f"model must be a directory path, 'demo' or None, got {type(model).__name__}"
        ) from None
    if path.is_dir():
        return path
    if path.exists():
        raise ModelNotFoundError(
            f"{str(model)!r} is a file; a model is a directory holding config.json, "
            "the weights and the tokenizer files.\n" + _DOWNLOAD_HINT
        )
    raise ModelNotFoundError(f"{str(model)!r} is not a local directory.\n" + _DOWNLOAD_HINT)


def feature_extractor_settings(model=None):
    """The feature extractor's settings dict of a model directory (either layout)."""
    directory = resolve_model_dir(model)
    processor_file = directory / PROCESSOR_CONFIG_FILE
    if processor_file.is_file():
        processor = read_json(processor_file, "processor config")
        nested = processor.get("feature_extractor", processor.get("audio_processor"))
        if isinstance(nested, dict):
            return dict(nested)
    extractor_file = directory / FEATURE_EXTRACTOR_CONFIG_FILE
    if extractor_file.is_file():
        return read_json(extractor_file, "feature extractor config")
    raise ModelNotFoundError(
        f"{directory} has no feature extractor settings: expected {PROCESSOR_CONFIG_FILE} with a "
        f"'feature_extractor' entry or {FEATURE_EXTRACTOR_CONFIG_FILE}"
    )
