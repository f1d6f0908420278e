"""Resolving a model argument to a local transformers-format directory, and finding its settings.

A model argument is one of:
  * ``None`` or ``"demo"``: the small demo model shipped inside the package (``s2t_np/demo/``);
  * a path to a local directory written by transformers' ``save_pretrained`` or downloaded from the
    hub (both layouts of docs/numerics.md section 5 are read by the loaders);
  * a hub id such as ``facebook/s2t-small-librispeech-asr`` that is not a local path: its snapshot
    in the Hugging Face cache, downloaded first when missing (s2t_np/hf/hub.py).
Anything else (a missing path) raises `ModelNotFoundError` saying how to get the files.

The feature extractor's settings live in ``processor_config.json`` under ``"feature_extractor"``
(transformers 5 ``save_pretrained``) or at the top level of ``preprocessor_config.json`` (published
checkpoints); like transformers' ``FeatureExtractionMixin.get_feature_extractor_dict``, the nested
entry wins when both exist.
"""

from pathlib import Path

from ..checks import read_json
from ..errors import ModelNotFoundError
from .hub import EXAMPLE_ID, NEEDS_ALL, download_hint, is_hub_id, resolve_hub_id

DEMO_NAME = "demo"
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
PROCESSOR_CONFIG_FILE = "processor_config.json"
FEATURE_EXTRACTOR_CONFIG_FILE = "preprocessor_config.json"

HUB_OPTIONS = ("revision", "cache_dir", "local_files_only", "token")
_DOWNLOAD = f"To download a checkpoint by hand:\n  {download_hint()}\nthen pass DIR as the model"
_DOWNLOAD_HINT = (
    f"A model is a local directory, a hub id (e.g. {EXAMPLE_ID}) or 'demo' (the small model shipped with "
    f"s2t_np). {_DOWNLOAD}."
)


def resolve_model_dir(
    model=None, *, revision=None, cache_dir=None, local_files_only=False, token=None, needs=NEEDS_ALL
):
    """``None`` / ``"demo"`` / a directory path / a hub id -> an existing directory `Path`.

    A local path wins over a hub id of the same spelling. For a hub id, `needs` names what the
    caller reads (a subset of hub.NEEDS_ALL: "weights", "feature_extractor", "tokenizer"; config.json
    always) and the keywords select the snapshot (hub.resolve_hub_id); like transformers, they are
    ignored for local directories. Raises `ModelNotFoundError` (a FileNotFoundError) otherwise.
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
            f"model must be a directory path, a hub id, 'demo' or None, got {type(model).__name__}"
        ) from None
    if path.is_dir():
        return path
    if is_hub_id(model) and not path.exists():
        return resolve_hub_id(
            model, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only, token=token, needs=needs
        )
    if path.exists():
        raise ModelNotFoundError(
            f"{str(model)!r} is a file; a model is a directory holding config.json, "
            "the weights and the tokenizer files.\n" + _DOWNLOAD_HINT
        )
    raise ModelNotFoundError(f"{str(model)!r} is not a local directory.\n" + _DOWNLOAD_HINT)


def split_hub_options(kwargs):
    """``(hub options, the other keywords)`` of a ``from_pretrained(**kwargs)`` (`HUB_OPTIONS`)."""
    hub_options = {k: v for k, v in kwargs.items() if k in HUB_OPTIONS}
    return hub_options, {k: v for k, v in kwargs.items() if k not in hub_options}


def feature_extractor_settings(model=None, **hub_options):
    """The feature extractor's settings dict of a model directory (either layout); `hub_options` for a hub id."""
    directory = resolve_model_dir(model, needs=("feature_extractor",), **hub_options)
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
