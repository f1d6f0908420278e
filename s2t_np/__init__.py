"""s2t_np: a pure-NumPy reference implementation of Speech2Text.

The public names are loaded lazily (PEP 562 module ``__getattr__``): ``import s2t_np`` does no
work and imports nothing heavy; ``s2t_np.fbank`` imports ``s2t_np.kaldi_fbank`` on first use.
Stage modules are named differently from the functions they export (``kaldi_fbank.fbank``,
``transcriber.transcribe``) so a submodule import never shadows a public function.

Three layers (docs/architecture.md): the stage modules at the top of the package (pure functions
over arrays), ``s2t_np.hf`` (what exists only to look like transformers: facades, tokenizer
machinery, generation options, pretrained directories), and the application (``transcribe``, the
CLI).
"""

import importlib

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS = {
    # front end (docs/frontend.md)
    "load_audio": "audio",
    "fbank": "kaldi_fbank",
    "utterance_cmvn": "cmvn",
    "Speech2TextFeatureExtractor": "hf.feature_extraction",
    "BatchFeature": "hf.feature_extraction",
    # model (docs/model.md)
    "Speech2TextConfig": "hf.configuration",
    "load_params": "hf.checkpoint",
    "Speech2TextModel": "hf.modeling",
    "Speech2TextForConditionalGeneration": "hf.modeling",
    "Speech2TextEncoder": "hf.modeling",
    "Speech2TextDecoder": "hf.modeling_decoder",
    "conv_output_lengths": "subsampler",
    # Auto classes (docs/usage.md): the Speech2Text class of a speech_to_text model
    "AutoConfig": "hf.auto",
    "AutoFeatureExtractor": "hf.auto",
    "AutoTokenizer": "hf.auto",
    "AutoProcessor": "hf.auto",
    "AutoModel": "hf.auto",
    "AutoModelForSpeechSeq2Seq": "hf.auto",
    # generation (docs/generation.md)
    "GenerationConfig": "hf.generation_config",
    # text and end to end (docs/usage.md)
    "Speech2TextTokenizer": "hf.tokenization",
    "Speech2TextProcessor": "hf.processor",
    "transcribe": "transcriber",
    "Transcript": "transcript",
    "Segment": "transcript",
    "format_transcript": "transcript",
    "VadOptions": "vad",
    # errors
    "S2TError": "errors",
    "AudioFileNotFoundError": "errors",
    "AudioDecodeError": "errors",
    "EmptyAudioError": "errors",
    "InvalidAudioError": "errors",
    "SamplingRateError": "errors",
    "InvalidInputError": "errors",
    "ConfigError": "errors",
    "WeightsError": "errors",
    "ModelNotFoundError": "errors",
    "TraceNotFoundError": "errors",
    "GenerationError": "errors",
    "UnsupportedOptionError": "errors",
    "TokenizerError": "errors",
    "S2TWarning": "errors",
    "TruncatedAudioWarning": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 's2t_np' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
