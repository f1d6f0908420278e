"""Speech2TextFeatureExtractor: the transformers-compatible facade over the front-end stages.

Matches ``transformers.Speech2TextFeatureExtractor.__call__`` (and ``SequenceFeatureExtractor.pad``):
for each waveform (float, [-1, 1], at ``sampling_rate``)

    features = fbank(float32(waveform) * 2**15, 80 mel bins, 25 ms / 10 ms povey frames, dither)
    truncate to max_length (rounded up to pad_to_multiple_of) when truncation=True
    pad on the right with padding_value to the longest / max_length (rounded up to pad_to_multiple_of)
    attention_mask = 1 for valid frames, 0 for padding (int32)
    utterance_cmvn over the valid frames; padded rows set to padding_value

The math lives in s2t_np.kaldi_fbank (`speech2text_fbank` pins the options above) and s2t_np.cmvn;
this class only validates, batches and pads.
Output layout as transformers: ``return_tensors="np"`` stacks the utterances into
input_features float32 [B, T, n_mels] and attention_mask int32 [B, T] (an object array of
per-utterance arrays when lengths differ and nothing was padded). ``return_tensors=None`` gives
lists of per-utterance arrays (input_features [T, n_mels], attention_mask [T]), except that
without CMVN (``do_ceptral_normalize=False``) input_features is stacked as with "np": the same
container quirk as transformers.

Documented differences from transformers (each tested):
- a ``sampling_rate`` argument differing from the extractor's raises SamplingRateError;
- NaN/Inf samples, integer or complex waveforms, rank > 2 raise InvalidAudioError; a waveform
  shorter than one 25 ms frame raises EmptyAudioError (transformers silently returns a [0, 80]
  array); an empty batch raises InvalidAudioError;
- ``padding`` with ``return_attention_mask=False`` normalises over the valid frames (transformers
  raises a TypeError from ``np.array(None)``); the mask is simply not returned;
- constant mel bins in CMVN are guarded (see s2t_np.cmvn) instead of giving NaN/inf;
- ``return_tensors`` other than None/"np" raises UnsupportedOptionError; ``padding_side="left"``
  raises UnsupportedOptionError (transformers' CMVN assumes right padding: with left padding it
  gives NaN in the padding rows and overwrites the last real frames with padding_value);
- dither draws from a ``generator`` argument (default: a fresh ``np.random.default_rng()``)
  instead of NumPy's global random state;
- frames are 25 ms / 10 ms at ``sampling_rate`` (torchaudio's definition); transformers' NumPy
  path hard-codes 400 / 160 samples, which is the same thing at 16 kHz, the only rate the
  released models use.
"""

import json
import logging
from pathlib import Path

import numpy as np

from ..checks import read_json
from ..cmvn import utterance_cmvn
from ..errors import (
    ConfigError,
    EmptyAudioError,
    InvalidAudioError,
    InvalidInputError,
    SamplingRateError,
    UnsupportedOptionError,
)
from ..kaldi_fbank import speech2text_fbank
from .batch_encoding import as_array
from .pretrained import feature_extractor_settings, split_hub_options

logger = logging.getLogger(__name__)

PREPROCESSOR_CONFIG = "preprocessor_config.json"  # hub / transformers 4 layout, settings at top level
PADDING_STRATEGIES = {
    True: "longest",
    "longest": "longest",
    "max_length": "max_length",
    False: None,
    "do_not_pad": None,
}
_AS_LISTS = "lists"  # internal return_tensors of pad(): per-utterance arrays, for __call__


class BatchFeature(dict):
    """The extractor's result: a dict (``out["input_features"]``) with attribute access (``out.input_features``).

    ``BatchFeature(data, tensor_type="np")`` converts every value to a NumPy array as transformers
    does (ragged rows become an object array of per-row arrays); other tensor types are not offered.
    """

    def __init__(self, data=None, tensor_type=None):
        super().__init__(data or {})
        if tensor_type is not None:
            self.convert_to_tensors(tensor_type)

    def convert_to_tensors(self, tensor_type="np"):
        if tensor_type not in ("np", "numpy"):
            raise UnsupportedOptionError(f'tensor_type={tensor_type!r}: s2t_np returns NumPy arrays ("np")')
        for key, value in self.items():
            self[key] = (
                value if isinstance(value, np.ndarray) else as_array(list(value) if isinstance(value, tuple) else value)
            )
        return self

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data(self):
        return dict(self)


def _round_up(length, multiple):
    if length is None or multiple is None or length % multiple == 0:
        return length
    return (length // multiple + 1) * multiple


class Speech2TextFeatureExtractor:
    """Log-mel filterbank + utterance CMVN feature extractor with transformers' constructor and call."""

    model_input_names = ["input_features", "attention_mask"]

    def __init__(
        self,
        feature_size=80,
        sampling_rate=16000,
        num_mel_bins=80,
        padding_value=0.0,
        dither=0.0,
        do_ceptral_normalize=True,
        normalize_means=True,
        normalize_vars=True,
        padding_side="right",
        return_attention_mask=True,
        **kwargs,
    ):
        if padding_side != "right":
            raise UnsupportedOptionError(
                f"padding_side={padding_side!r} is not supported: utterance CMVN assumes right padding"
            )
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.padding_value = padding_value
        self.dither = dither
        self.do_ceptral_normalize = do_ceptral_normalize
        self.normalize_means = normalize_means
        self.normalize_vars = normalize_vars
        self.padding_side = padding_side
        # transformers sets this to True after its base __init__, whatever the config says
        self.return_attention_mask = True
        # keys transformers writes that carry no setting here, kept for a faithful save_pretrained
        kwargs.pop("feature_extractor_type", None)
        kwargs.pop("processor_class", None)
        self.extra_settings = dict(kwargs)

    # ---- configuration files ------------------------------------------------------------
    def to_dict(self):
        settings = dict(self.extra_settings)
        settings.update(
            dither=self.dither,
            do_ceptral_normalize=self.do_ceptral_normalize,
            feature_extractor_type="Speech2TextFeatureExtractor",
            feature_size=self.feature_size,
            normalize_means=self.normalize_means,
            normalize_vars=self.normalize_vars,
            num_mel_bins=self.num_mel_bins,
            padding_side=self.padding_side,
            padding_value=self.padding_value,
            return_attention_mask=self.return_attention_mask,
            sampling_rate=self.sampling_rate,
        )
        return settings

    def to_json_string(self):
        """The settings as transformers writes them: keys sorted, indent 2, a final newline."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path):
        Path(json_file_path).write_text(self.to_json_string(), encoding="utf-8")

    @classmethod
    def from_json_file(cls, json_file):
        """An extractor from a JSON file of settings (what to_json_file writes)."""
        settings = read_json(json_file, "feature extractor config")
        try:
            return cls(**settings)
        except TypeError as exc:
            raise ConfigError(f"bad feature extractor settings in {json_file}: {exc}") from exc

    def save_pretrained(self, save_directory):
        """Write ``preprocessor_config.json`` (transformers' format) into save_directory; returns its path."""
        directory = Path(save_directory)
        if directory.is_file():
            raise ConfigError(f"save_pretrained needs a directory, {directory} is a file")
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / PREPROCESSOR_CONFIG
        self.to_json_file(path)
        return [str(path)]

    @classmethod
    def from_pretrained(cls, pretrained_path, **overrides):
        """Load from a local directory, "demo" or a hub id: the "feature_extractor" entry of
        processor_config.json (transformers 5 layout) wins over preprocessor_config.json (published
        layout), as in transformers' FeatureExtractionMixin.get_feature_extractor_dict. The hub
        options (revision=, cache_dir=, local_files_only=, token=) select a hub id's snapshot."""
        hub_options, overrides = split_hub_options(overrides)
        settings = feature_extractor_settings(pretrained_path, **hub_options)
        settings.update(overrides)
        try:
            return cls(**settings)
        except TypeError as exc:
            raise ConfigError(f"bad feature extractor settings in {pretrained_path}: {exc}") from exc

    def __repr__(self):
        return f"{type(self).__name__} {json.dumps(self.to_dict(), indent=2, sort_keys=True)}"

    # ---- feature extraction -------------------------------------------------------------
    def extract_fbank_features(self, waveform, generator=None):
        """float waveform [N] in [-1, 1] -> log-mel features float32 [T, num_mel_bins]."""
        if self.dither != 0.0 and generator is None:
            generator = np.random.default_rng()
        return speech2text_fbank(waveform, self.sampling_rate, self.num_mel_bins, self.dither, generator)

    def __call__(
        self,
        raw_speech,
        padding=False,
        max_length=None,
        truncation=False,
        pad_to_multiple_of=None,
        return_tensors=None,
        sampling_rate=None,
        return_attention_mask=None,
        generator=None,
    ):
        if return_tensors not in (None, "np"):
            raise UnsupportedOptionError(
                f"return_tensors={return_tensors!r} is not supported: s2t_np returns NumPy arrays "
                "(use return_tensors='np' or None)"
            )
        if sampling_rate is None:
            logger.warning(
                "pass sampling_rate=%s to %s to catch resampling mistakes", self.sampling_rate, type(self).__name__
            )
        elif sampling_rate != self.sampling_rate:
            raise SamplingRateError(
                f"audio at {sampling_rate} Hz given to a feature extractor defined at {self.sampling_rate} Hz; "
                f"resample it first (s2t_np.load_audio(path, sampling_rate={self.sampling_rate}))"
            )
        self._padding_strategy(padding, max_length, truncation)  # bad options fail before any work
        if return_attention_mask is None:
            return_attention_mask = self.return_attention_mask

        waveforms = as_waveform_list(raw_speech)
        features = [self.extract_fbank_features(w, generator=generator) for w in waveforms]  # B x [T_b, n_mels]
        # truncation and padding are transformers' pad(); the mask it returns marks the valid frames
        batch = self.pad(
            {"input_features": features},
            padding=padding,
            max_length=max_length,
            truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of,
            return_attention_mask=True,
            return_tensors=_AS_LISTS,
        )
        padded, masks = [], batch["attention_mask"]
        for f, mask in zip(batch["input_features"], masks):
            if self.do_ceptral_normalize:
                f = utterance_cmvn(f, int(mask.sum()), self.normalize_means, self.normalize_vars, self.padding_value)
            padded.append(f.astype(np.float32, copy=False))  # [T, n_mels]

        out = BatchFeature({"input_features": padded})
        if return_attention_mask:
            out["attention_mask"] = masks
        if return_tensors == "np":
            for key, arrays in out.items():
                out[key] = _stack(arrays)
        elif not self.do_ceptral_normalize:
            # transformers' container quirk: without CMVN its pad() already stacked the features
            out["input_features"] = _stack(padded)
        return out

    # ---- transformers' SequenceFeatureExtractor.pad ----------------------------------------
    def pad(
        self,
        processed_features,
        padding=True,
        max_length=None,
        truncation=False,
        pad_to_multiple_of=None,
        return_attention_mask=None,
        return_tensors=None,
    ):
        """Truncate and pad per-utterance features (transformers' `SequenceFeatureExtractor.pad`).

        processed_features: a BatchFeature / dict of per-utterance arrays or lists (input_features
        [T_b, n_mels], optionally attention_mask [T_b]), or a list of such dicts. Truncation keeps
        max_length frames (rounded up to pad_to_multiple_of); padding appends padding_value frames on
        the right up to the longest / max_length (rounded up likewise), the mask 0 there. float64
        values become float32, as in transformers. Returns a BatchFeature of NumPy arrays (stacked
        when the lengths agree); return_tensors="np" or None (the only types s2t_np offers).
        """
        if return_tensors not in (None, "np", _AS_LISTS):
            raise UnsupportedOptionError(f"return_tensors={return_tensors!r}: s2t_np returns NumPy arrays ('np')")
        if (
            isinstance(processed_features, (list, tuple))
            and processed_features
            and isinstance(processed_features[0], dict)
        ):
            processed_features = {key: [ex[key] for ex in processed_features] for key in processed_features[0]}
        if not isinstance(processed_features, dict) or self.model_input_names[0] not in processed_features:
            found = list(processed_features) if isinstance(processed_features, dict) else type(processed_features)
            raise InvalidInputError(
                f"pad() needs a BatchFeature, a dict or a list of dicts with {self.model_input_names[0]!r}, got {found}"
            )
        if return_attention_mask is None:
            return_attention_mask = self.return_attention_mask
        features = {key: [np.asarray(v) for v in values] for key, values in processed_features.items()}
        if len(features[self.model_input_names[0]]) == 0:
            return BatchFeature({**features, **({"attention_mask": []} if return_attention_mask else {})})
        batch_size = len(features[self.model_input_names[0]])
        if any(len(v) != batch_size for v in features.values()):
            raise InvalidInputError("Some items in the output dictionary have a different batch size than others.")
        strategy = self._padding_strategy(padding, max_length, truncation)
        if truncation:
            limit = _round_up(max_length, pad_to_multiple_of)
            features = {key: [v[:limit] for v in values] for key, values in features.items()}
        lengths = [len(v) for v in features[self.model_input_names[0]]]
        target = None
        if strategy is not None:
            target = _round_up(max(lengths) if strategy == "longest" else max_length, pad_to_multiple_of)
        if return_attention_mask and "attention_mask" not in features:
            features["attention_mask"] = [np.ones(n, dtype=np.int32) for n in lengths]
        out = {}
        for key, values in features.items():
            rows = []
            for v, n in zip(values, lengths):
                if target is not None and n < target:  # right padding: padding_value frames, mask 0
                    width = ((0, target - n),) + ((0, 0),) * (v.ndim - 1)
                    v = np.pad(v, width, constant_values=0 if key == "attention_mask" else self.padding_value)
                rows.append(v.astype(np.float32) if v.dtype == np.float64 else v)
            out[key] = rows
        return BatchFeature(out) if return_tensors == _AS_LISTS else BatchFeature(out, tensor_type="np")

    def _padding_strategy(self, padding, max_length, truncation):
        """transformers' `_get_padding_strategies` and `_truncate` checks: "longest", "max_length" or None."""
        padding = getattr(padding, "value", padding)  # transformers' PaddingStrategy enum -> its string
        if padding not in PADDING_STRATEGIES:
            raise InvalidInputError(
                f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}"
            )
        strategy = PADDING_STRATEGIES[padding]
        if strategy == "max_length" and max_length is None:
            raise InvalidInputError("padding='max_length' needs max_length")
        if truncation and max_length is None:
            raise InvalidInputError("truncation=True needs max_length")
        if strategy is not None and self.padding_value is None:
            raise InvalidInputError(
                "Asking to pad but the feature_extractor does not have a padding value. Please select a value to "
                "use as `padding_value`. For example: `feature_extractor.padding_value = 0.0`."
            )
        return strategy


def as_waveform_list(raw_speech):
    """transformers' batching rule: a 2-D array or a list of arrays/lists is a batch, else one waveform."""
    if isinstance(raw_speech, np.ndarray):
        if raw_speech.ndim > 2:
            raise InvalidAudioError(f"expected mono audio [N] or a batch [B, N], got shape {raw_speech.shape}")
        items = list(raw_speech) if raw_speech.ndim == 2 else [raw_speech]
    elif isinstance(raw_speech, (list, tuple)):
        if len(raw_speech) == 0:
            raise InvalidAudioError("raw_speech is empty: give a waveform or a non-empty list of waveforms")
        items = list(raw_speech) if isinstance(raw_speech[0], (np.ndarray, list, tuple)) else [raw_speech]
    else:
        raise InvalidAudioError(f"raw_speech must be an array or a list of arrays, got {type(raw_speech).__name__}")
    waveforms = []
    for i, item in enumerate(items):
        w = np.asarray(item, dtype=np.float32) if isinstance(item, (list, tuple)) else np.asarray(item)
        if w.dtype.kind != "f":
            raise InvalidAudioError(
                f"waveform {i} has dtype {w.dtype}; expected float samples in [-1, 1] "
                "(integer PCM: divide by 32768 or use s2t_np.load_audio)"
            )
        if w.ndim != 1:
            raise InvalidAudioError(f"waveform {i} must be mono [N], got shape {w.shape}")
        if w.shape[0] == 0:
            raise EmptyAudioError(f"waveform {i} has no samples")
        waveforms.append(w.astype(np.float32, copy=False))  # transformers casts to float32 first
    return waveforms


def _stack(arrays):
    if all(a.shape == arrays[0].shape for a in arrays):
        return np.stack(arrays)  # [B, T, n_mels] or [B, T]
    ragged = np.empty(len(arrays), dtype=object)  # transformers' result for unpadded ragged batches
    for i, a in enumerate(arrays):
        ragged[i] = a
    return ragged
