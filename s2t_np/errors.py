"""The exceptions s2t_np raises.

Every error is an `S2TError` and also subclasses the builtin a caller would naturally catch
(`FileNotFoundError`, `ValueError`), so both `except S2TError` and `except ValueError`
work. Messages say what was wrong and what to do about it.

One class per kind of problem, whichever object finds it:
- an input that cannot be processed: data of the wrong type, shape or value (an array of the
  wrong rank, ids outside the vocabulary, a fractional frame count) or a bad way to batch it (an
  unknown padding strategy): `InvalidInputError`, or `InvalidAudioError` / `EmptyAudioError` /
  `SamplingRateError` for audio;
- a setting of the computation that cannot be right (config.json, feature extractor settings,
  fbank options, target sampling rate, compute dtype): `ConfigError`; a checkpoint that does not
  match its config: `WeightsError`; tokenizer files and settings: `TokenizerError`;
- generation options: `GenerationError` (so an unknown `tgt_lang` is a GenerationError when
  given to `transcribe`, and a TokenizerError when set on a tokenizer);
- a transformers option that s2t_np does not implement: `UnsupportedOptionError`.
"""


class S2TError(Exception):
    """Base class of every error raised by s2t_np."""


# --- audio input -------------------------------------------------------------------------
class AudioFileNotFoundError(S2TError, FileNotFoundError):
    """An audio path does not exist."""


class AudioDecodeError(S2TError, ValueError):
    """An audio file exists but cannot be decoded (not audio, corrupt, unsupported format)."""


class EmptyAudioError(S2TError, ValueError):
    """Audio with zero samples, or too short to hold one analysis frame."""


class InvalidAudioError(S2TError, ValueError):
    """A waveform with the wrong rank or dtype, or non-finite samples."""


class SamplingRateError(S2TError, ValueError):
    """A waveform's sampling rate differs from the one the features are defined for."""


# --- features, config, weights -----------------------------------------------------------
class InvalidInputError(S2TError, ValueError):
    """A call argument with the wrong type, shape or value (e.g. ids outside the vocabulary)."""


class ConfigError(S2TError, ValueError):
    """An invalid or inconsistent configuration."""


class WeightsError(S2TError, ValueError):
    """A checkpoint with missing, unexpected or wrongly shaped tensors."""


class ModelNotFoundError(S2TError, FileNotFoundError):
    """A model name or directory that does not resolve to local files."""


# --- generation and tokenization ----------------------------------------------------------
class GenerationError(S2TError, ValueError):
    """Unsupported or inconsistent generation arguments."""


class UnsupportedOptionError(S2TError, ValueError):
    """An option s2t_np does not implement (e.g. return_tensors="pt")."""


class TokenizerError(S2TError, ValueError):
    """Bad tokenizer files or arguments."""
