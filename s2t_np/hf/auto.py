"""The Auto classes (transformers/models/auto/): `AutoConfig`, `AutoFeatureExtractor`, `AutoTokenizer`,
`AutoProcessor`, `AutoModel`, `AutoModelForSpeechSeq2Seq`.

transformers picks a class from a model directory's `model_type` (config.json) and returns that
class's `from_pretrained`; s2t_np knows one model type, "speech_to_text", so an Auto class checks
the type and hands over to the Speech2Text class with the same arguments:

    AutoConfig                -> Speech2TextConfig                    (also `AutoConfig.for_model`)
    AutoFeatureExtractor      -> Speech2TextFeatureExtractor
    AutoTokenizer             -> Speech2TextTokenizer
    AutoProcessor             -> Speech2TextProcessor
    AutoModel                 -> Speech2TextModel                     (also `from_config`)
    AutoModelForSpeechSeq2Seq -> Speech2TextForConditionalGeneration  (also `from_config`)

The model argument is resolved once (s2t_np/hf/pretrained.py: a directory, "demo" or a hub id)
and the directory and every keyword go to the class. Where transformers looks for the type is
followed too: the tokenizer's `tokenizer_class` (tokenizer_config.json), the feature extractor's
`feature_extractor_type` and the processor's `processor_class` (processor_config.json, else the
tokenizer's or feature extractor's file) come before config.json's `model_type`, so a directory
holding only those files loads. Another model type or class raises ConfigError naming what was
found; a directory that names no type at all raises ConfigError as well (transformers:
"Unrecognized model ... Should have a `model_type` key").
"""

from ..checks import read_json
from ..config import ALIASES
from ..errors import ConfigError
from .configuration import CONFIG_FILE, Speech2TextConfig
from .feature_extraction import Speech2TextFeatureExtractor
from .modeling import Speech2TextForConditionalGeneration, Speech2TextModel
from .pretrained import (
    FEATURE_EXTRACTOR_CONFIG_FILE,
    HUB_OPTIONS,
    PROCESSOR_CONFIG_FILE,
    feature_extractor_settings,
    resolve_model_dir,
    split_hub_options,
)
from .processor import Speech2TextProcessor
from .tokenization import Speech2TextTokenizer

__all__ = [
    "AutoConfig",
    "AutoFeatureExtractor",
    "AutoTokenizer",
    "AutoProcessor",
    "AutoModel",
    "AutoModelForSpeechSeq2Seq",
]

MODEL_TYPE = Speech2TextConfig.model_type
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"


def model_type_of(directory):
    """config.json's `model_type` of a resolved model directory; ConfigError when it has none."""
    file = directory / CONFIG_FILE
    if not file.is_file():
        raise ConfigError(
            f"cannot tell which model {str(directory)!r} holds: it has no {CONFIG_FILE} "
            f"(s2t_np's Auto classes load {MODEL_TYPE!r} models)"
        )
    model_type = read_json(file, "model config").get("model_type")
    if model_type is None:
        raise ConfigError(
            f"Unrecognized model in {str(directory)!r}. Should have a `model_type` key in its {file.name}."
        )
    return model_type


def check_model_type(model_type, where):
    if model_type != MODEL_TYPE:
        raise ConfigError(
            f"{where} is a {model_type!r} model; s2t_np supports only model_type {MODEL_TYPE!r} "
            "(Speech2Text), use transformers for other models"
        )


def check_class_name(name, expected, where):
    """A class name a file records (tokenizer_class, feature_extractor_type) must be the Speech2Text one."""
    if name != expected:
        raise ConfigError(f"{where} names {name!r}; s2t_np supports only {expected!r} (model_type {MODEL_TYPE!r})")


# Keywords only transformers' Auto classes read (to run a checkpoint's own code, which a
# speech_to_text directory never needs); dropped here as the classes themselves do not take them.
AUTO_ONLY_OPTIONS = ("trust_remote_code", "code_revision")


def _resolve(model, needs, kwargs):
    """(the resolved directory, the keywords for the Speech2Text class: all but AUTO_ONLY_OPTIONS)."""
    hub_options = {k: v for k, v in kwargs.items() if k in HUB_OPTIONS}
    kwargs = {k: v for k, v in kwargs.items() if k not in AUTO_ONLY_OPTIONS}
    return resolve_model_dir(model, needs=needs, **hub_options), kwargs


class AutoConfig:
    """`AutoConfig.from_pretrained(model, **kwargs)` -> Speech2TextConfig; `for_model("speech_to_text", **kw)`."""

    def __init__(self):
        raise TypeError("AutoConfig is designed to be instantiated using AutoConfig.from_pretrained(model)")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, return_unused_kwargs=False, **kwargs):
        """Keywords naming a config attribute (or one of transformers' aliases, e.g. hidden_size) override
        config.json's value; the others are unused: dropped, or returned as `(config, unused)` with
        `return_unused_kwargs=True`, as transformers' PreTrainedConfig.from_dict does."""
        directory, kwargs = _resolve(pretrained_model_name_or_path, (), kwargs)
        check_model_type(model_type_of(directory), str(directory))
        hub_options, rest = split_hub_options(kwargs)
        config = Speech2TextConfig.from_pretrained(directory, **hub_options)
        overrides = {ALIASES.get(k, k): v for k, v in rest.items() if k in ALIASES or hasattr(config, k)}
        unused = {k: v for k, v in rest.items() if not (k in ALIASES or hasattr(config, k))}
        if overrides:
            config = Speech2TextConfig.from_dict({**config.to_dict(), **overrides})
        return (config, unused) if return_unused_kwargs else config

    @staticmethod
    def for_model(model_type, *args, **kwargs):
        if model_type != MODEL_TYPE:
            raise ConfigError(f"Unrecognized model identifier: {model_type}. s2t_np supports only {MODEL_TYPE!r}")
        return Speech2TextConfig(*args, **kwargs)


class AutoFeatureExtractor:
    """`AutoFeatureExtractor.from_pretrained(model, **kwargs)` -> Speech2TextFeatureExtractor."""

    def __init__(self):
        raise TypeError(
            "AutoFeatureExtractor is designed to be instantiated using AutoFeatureExtractor.from_pretrained(model)"
        )

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        directory, kwargs = _resolve(pretrained_model_name_or_path, ("feature_extractor",), kwargs)
        name = feature_extractor_settings(directory).get("feature_extractor_type")
        if name is not None:
            check_class_name(name, Speech2TextFeatureExtractor.__name__, f"the feature extractor of {str(directory)!r}")
        else:
            check_model_type(model_type_of(directory), str(directory))
        return Speech2TextFeatureExtractor.from_pretrained(directory, **kwargs)


class AutoTokenizer:
    """`AutoTokenizer.from_pretrained(model, **kwargs)` -> Speech2TextTokenizer."""

    def __init__(self):
        raise TypeError("AutoTokenizer is designed to be instantiated using AutoTokenizer.from_pretrained(model)")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        directory, kwargs = _resolve(pretrained_model_name_or_path, ("tokenizer",), kwargs)
        file = directory / TOKENIZER_CONFIG_FILE
        name = read_json(file, "tokenizer config").get("tokenizer_class") if file.is_file() else None
        if name is not None:
            check_class_name(name, Speech2TextTokenizer.__name__, f"{str(file)!r}")
        else:
            check_model_type(model_type_of(directory), str(directory))
        return Speech2TextTokenizer.from_pretrained(directory, **kwargs)


class AutoProcessor:
    """`AutoProcessor.from_pretrained(model, **kwargs)` -> Speech2TextProcessor."""

    def __init__(self):
        raise TypeError("AutoProcessor is designed to be instantiated using AutoProcessor.from_pretrained(model)")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        directory, kwargs = _resolve(pretrained_model_name_or_path, ("feature_extractor", "tokenizer"), kwargs)
        for name in (PROCESSOR_CONFIG_FILE, TOKENIZER_CONFIG_FILE, FEATURE_EXTRACTOR_CONFIG_FILE):
            file = directory / name
            recorded = read_json(file, "processor settings").get("processor_class") if file.is_file() else None
            if recorded is not None:  # transformers' order: the processor's own file first
                check_class_name(recorded, Speech2TextProcessor.__name__, f"{str(file)!r}")
                break
        else:
            check_model_type(model_type_of(directory), str(directory))
        return Speech2TextProcessor.from_pretrained(directory, **kwargs)


class _AutoModel:
    _model_class = None

    def __init__(self):
        name = type(self).__name__
        raise TypeError(f"{name} is designed to be instantiated using {name}.from_pretrained(model) or .from_config")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        directory, kwargs = _resolve(pretrained_model_name_or_path, ("weights",), kwargs)
        check_model_type(model_type_of(directory), str(directory))
        return cls._model_class.from_pretrained(directory, *args, **kwargs)

    @classmethod
    def from_config(cls, config, *args, **kwargs):
        """Random weights by transformers' init rule (`dtype=`, `seed=` as for the class's `from_config`)."""
        model_type = getattr(config, "model_type", None)
        if not isinstance(config, Speech2TextConfig):
            check_model_type(model_type, f"the config ({type(config).__name__})")
            raise ConfigError(
                f"from_config needs an s2t_np Speech2TextConfig, got {type(config).__name__}: "
                "build it with s2t_np.Speech2TextConfig(...) or AutoConfig.from_pretrained"
            )
        return cls._model_class.from_config(config, *args, **kwargs)


class AutoModel(_AutoModel):
    """transformers' AutoModel for a speech_to_text directory: Speech2TextModel."""

    _model_class = Speech2TextModel


class AutoModelForSpeechSeq2Seq(_AutoModel):
    """transformers' AutoModelForSpeechSeq2Seq for a speech_to_text directory: Speech2TextForConditionalGeneration."""

    _model_class = Speech2TextForConditionalGeneration
