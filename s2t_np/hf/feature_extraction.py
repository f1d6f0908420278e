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

    def save_pretrained(self, save_directory):
        """Write ``preprocessor_config.json`` (transformers' format) into save_directory; returns its path."""
        directory = Path(save_directory)
        if directory.is_file():
            raise ConfigError(f"save_pretrained needs a directory, {directory} is a file")
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / PREPROCESSOR_CONFIG
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
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
        if return_attention_mask is None:
            return_attention_mask = self.return_attention_mask

        waveforms = as_waveform_list(raw_speech)
        features = [self.extract_fbank_features(w, generator=generator) for w in waveforms]  # B x [T_b, n_mels]

        if truncation:
            limit = _round_up(max_length, pad_to_multiple_of)
            features = [f[:limit] for f in features]
        lengths = [f.shape[0] for f in features]
        if strategy is None:
            target = None
        else:
            target = _round_up(max(lengths) if strategy == "longest" else max_length, pad_to_multiple_of)

        padded, masks = [], []
        for f, n in zip(features, lengths):
            extra = target - n if target is not None and n < target else 0
            mask = np.ones(n + extra, dtype=np.int32)  # [T]
            mask[n:] = 0
            if self.do_ceptral_normalize:
                f = np.pad(f, ((0, extra), (0, 0)), constant_values=self.padding_value) if extra else f
                f = utterance_cmvn(f, n, self.normalize_means, self.normalize_vars, self.padding_value)
            elif extra:
                f = np.pad(f, ((0, extra), (0, 0)), constant_values=self.padding_value)  # [T, n_mels]
            padded.append(f.astype(np.float32, copy=False))
            masks.append(mask)

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
