"""Speech2TextProcessor: the feature extractor and the tokenizer behind one object.

Matches transformers 5.23 ``Speech2TextProcessor`` (a ``ProcessorMixin``):
  * ``processor(audio, sampling_rate=..., **kw)`` -> the feature extractor's output
    (input_features [B, T, n_mels], attention_mask [B, T]);
  * ``processor(text=..., **kw)`` -> the tokenizer's output (input_ids, attention_mask);
  * both -> the features with the text's input_ids under ``"labels"``;
  the remaining keyword arguments go to both, as in transformers.
  * ``decode`` / ``batch_decode`` -> the tokenizer's.
Files: ``from_pretrained`` reads either directory layout of docs/numerics.md section 5 (feature extractor
settings from processor_config.json["feature_extractor"], else preprocessor_config.json: the
priority transformers uses); ``save_pretrained`` writes the transformers 5 layout
(processor_config.json with a nested "feature_extractor" entry, plus the tokenizer's files).
No computation lives here.
"""

import json
from pathlib import Path

from ..errors import InvalidInputError
from .feature_extraction import Speech2TextFeatureExtractor
from .pretrained import PROCESSOR_CONFIG_FILE, feature_extractor_settings, resolve_model_dir, split_hub_options
from .tokenization import Speech2TextTokenizer


class Speech2TextProcessor:
    """Wraps a `Speech2TextFeatureExtractor` and a `Speech2TextTokenizer` (transformers' interface)."""

    attributes = ["feature_extractor", "tokenizer"]

    def __init__(self, feature_extractor, tokenizer):
        if not isinstance(feature_extractor, Speech2TextFeatureExtractor):
            raise InvalidInputError(
                f"feature_extractor must be a Speech2TextFeatureExtractor, got {type(feature_extractor).__name__}"
            )
        if not isinstance(tokenizer, Speech2TextTokenizer):
            raise InvalidInputError(f"tokenizer must be a Speech2TextTokenizer, got {type(tokenizer).__name__}")
        self.feature_extractor = feature_extractor
        self.tokenizer = tokenizer

    @property
    def model_input_names(self):
        names = list(self.tokenizer.model_input_names)
        return names + [n for n in self.feature_extractor.model_input_names if n not in names]

    def __call__(self, *args, audio=None, sampling_rate=None, text=None, **kwargs):
        """Features for ``audio``, ids for ``text``, or features with ``labels`` for both."""
        if args:
            audio, args = args[0], args[1:]
        if audio is None and text is None:
            raise InvalidInputError("You need to specify either an `audio` or `text` input to process.")
        if audio is not None:
            inputs = self.feature_extractor(audio, *args, sampling_rate=sampling_rate, **kwargs)
        if text is not None:
            encodings = self.tokenizer(text, **kwargs)
        if text is None:
            return inputs
        if audio is None:
            return encodings
        inputs["labels"] = encodings["input_ids"]
        return inputs

    def decode(self, *args, **kwargs):
        return self.tokenizer.decode(*args, **kwargs)

    def batch_decode(self, *args, **kwargs):
        return self.tokenizer.batch_decode(*args, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        """Load both parts from a local directory (either layout) or a hub id.

        As in transformers, every keyword goes to the tokenizer (which keeps unknown ones to save
        them back), and those naming a feature-extractor setting (e.g. padding_value) override it.
        The hub options (revision=, cache_dir=, local_files_only=, token=) select a hub id's snapshot.
        """
        hub_options, kwargs = split_hub_options(kwargs)
        directory = resolve_model_dir(
            pretrained_model_name_or_path, needs=("feature_extractor", "tokenizer"), **hub_options
        )
        settings = feature_extractor_settings(directory)
        known = Speech2TextFeatureExtractor(**settings).to_dict()
        settings.update({k: v for k, v in kwargs.items() if k in known})
        feature_extractor = Speech2TextFeatureExtractor(**settings)
        tokenizer = Speech2TextTokenizer.from_pretrained(directory, **kwargs)
        return cls(feature_extractor=feature_extractor, tokenizer=tokenizer)

    def save_pretrained(self, save_directory):
        """Write processor_config.json (feature extractor nested) and the tokenizer's files."""
        directory = Path(save_directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.tokenizer.init_kwargs["processor_class"] = type(self).__name__
        files = list(self.tokenizer.save_pretrained(directory))
        config = {"feature_extractor": self.feature_extractor.to_dict(), "processor_class": type(self).__name__}
        path = directory / PROCESSOR_CONFIG_FILE
        path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return [str(path)] + files

    def __repr__(self):
        return (
            f"{type(self).__name__}:\n- feature_extractor: {self.feature_extractor!r}\n- tokenizer: {self.tokenizer!r}"
        )
