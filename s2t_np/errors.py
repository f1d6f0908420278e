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

Warnings (`S2TWarning`, a `UserWarning`) flag input that is used but is probably not what the
caller meant: `TruncatedAudioWarning` for an audio file that ends before its header says it does.
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


class TraceNotFoundError(S2TError, FileNotFoundError):
    """A parity-oracle trace file that does not exist (s2t_np.oracle.load_trace, s2t-np compare)."""


# --- generation and tokenization ----------------------------------------------------------
class GenerationError(S2TError, ValueError):
    """Unsupported or inconsistent generation arguments."""


class UnsupportedOptionError(S2TError, ValueError):
    """An option s2t_np does not implement (e.g. return_tensors="pt")."""


class TokenizerError(S2TError, ValueError):
    """Bad tokenizer files or arguments."""


# --- warnings ------------------------------------------------------------------------------
class S2TWarning(UserWarning):
    """Base class of every warning issued by s2t_np."""


class TruncatedAudioWarning(S2TWarning):
    """An audio file holds less audio than its header announces; the audio present is used."""
