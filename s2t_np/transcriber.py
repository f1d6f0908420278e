"""transcribe(): audio in, text out, with a Speech2Text checkpoint directory.

For each batch of utterances it does exactly what the transformers documentation does:

    inputs = processor(waves, sampling_rate=16000, padding=True, return_tensors="np")
    ids = model.generate(inputs["input_features"], attention_mask=inputs["attention_mask"], **options)
    texts = processor.batch_decode(ids, skip_special_tokens=True)

with the checkpoint's generation defaults (generation_config.json, or the generation keys of a
published config.json), overridden by ``num_beams`` / ``max_length`` when given, and
``forced_bos_token_id = tokenizer.lang_code_to_id[tgt_lang]`` when ``tgt_lang`` is given.

Batching: utterances are sorted by length (longest first, ties in input order), cut into batches
of ``batch_size`` and the texts are returned in input order. Sorting keeps padding small, but a
batched utterance is still not bit-identical to the same utterance alone: the convolutional
subsampler reads the padded frames near the end of each utterance (docs/numerics.md section 2), so the
output may differ slightly from ``batch_size=1``. `batch_plan` is the batching rule, so a caller
(and the tests) can reproduce it with another implementation.

Loading: ``model`` is a directory, ``"demo"`` / ``None`` (the demo model shipped in s2t_np/demo),
or an already loaded ``(model, processor)`` pair. Loaded directories are cached (the last two,
keyed by the directory and the size and modification time of its files), so repeated calls do
not reload an unchanged checkpoint; `load` returns the pair for explicit reuse.
"""

import os
import sys
from collections import OrderedDict

import numpy as np
import soundfile

from .audio import load_audio
from .checks import is_int
from .errors import AudioFileNotFoundError, GenerationError, InvalidAudioError, InvalidInputError, SamplingRateError
from .hf.modeling import Speech2TextForConditionalGeneration
from .hf.pretrained import resolve_model_dir
from .hf.processor import Speech2TextProcessor

_CACHE_SIZE = 2
_cache = OrderedDict()  # (directory, file stats) -> (model, processor); see `load`


def _directory_key(directory):
    stats = []
    for path in sorted(directory.iterdir()):
        if path.is_file():
            st = path.stat()
            stats.append((path.name, st.st_size, st.st_mtime_ns))
    return str(directory.resolve()), tuple(stats)


def load(model=None):
    """A model argument (directory / "demo" / None / (model, processor)) -> (model, processor)."""
    if isinstance(model, (tuple, list)):
        if len(model) != 2:
            raise InvalidInputError("model must be a directory, 'demo', None or a (model, processor) pair")
        return tuple(model)
    directory = resolve_model_dir(model)
    key = _directory_key(directory)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    pair = (
        Speech2TextForConditionalGeneration.from_pretrained(directory),
        Speech2TextProcessor.from_pretrained(directory),
    )
    _cache[key] = pair
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return pair


def batch_plan(lengths, batch_size):
    """Indices of each batch: sorted by length, longest first (stable), `batch_size` per batch."""
    if not is_int(batch_size, whole_floats=True) or batch_size < 1:
        raise InvalidInputError(f"batch_size must be a positive integer, got {batch_size!r}")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i : i + int(batch_size)] for i in range(0, len(order), int(batch_size))]


def _as_items(audio):
    """-> (list of paths / 1-D arrays, whether a single item was given)."""
    if isinstance(audio, (str, os.PathLike)):
        return [audio], True
    if isinstance(audio, np.ndarray):
        if audio.ndim != 1:
            raise InvalidAudioError(
                f"an audio array must be mono [N], got shape {audio.shape}; pass a list of "
                "arrays for several utterances"
            )
        return [audio], True
    if isinstance(audio, (list, tuple)):
        for item in audio:
            if not isinstance(item, (str, os.PathLike, np.ndarray)):
                raise InvalidInputError(f"audio list items must be paths or arrays, got {type(item).__name__}")
            if isinstance(item, np.ndarray) and item.ndim != 1:
                raise InvalidAudioError(f"an audio array must be mono [N], got shape {item.shape}")
        return list(audio), False
    raise InvalidInputError(f"audio must be a path, a list of paths or a waveform array, got {type(audio).__name__}")


def _length(item, sampling_rate):
    """Duration in seconds, for sorting (read from the header for files, so nothing is decoded twice)."""
    if isinstance(item, np.ndarray):
        return item.shape[0] / sampling_rate
    try:
        info = soundfile.info(os.fspath(item))
        return info.frames / info.samplerate
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError, OSError):
        # load_audio raises the precise error (missing file, not audio, ...)
        return load_audio(item, sampling_rate=sampling_rate).shape[0] / sampling_rate


def generation_options(processor, num_beams=None, max_length=None, tgt_lang=None):
    """The keyword arguments for generate(): only what the caller set, plus forced_bos for tgt_lang."""
    options = {}
    if num_beams is not None:
        options["num_beams"] = num_beams
    if max_length is not None:
        options["max_length"] = max_length
    if tgt_lang is not None:
        codes = processor.tokenizer.lang_code_to_id
        if not codes:
            raise GenerationError(
                f"tgt_lang={tgt_lang!r} needs a multilingual translation checkpoint (tokenizer "
                "lang_codes='mustc'); this checkpoint has no target languages"
            )
        if tgt_lang not in codes:
            raise GenerationError(
                f"unknown tgt_lang {tgt_lang!r}; this checkpoint translates to: {', '.join(sorted(codes))}"
            )
        options["forced_bos_token_id"] = codes[tgt_lang]
    return options


def transcribe(
    audio,
    model=None,
    *,
    sampling_rate=None,
    num_beams=None,
    max_length=None,
    tgt_lang=None,
    batch_size=8,
    progress=False,
):
    """Transcribe (or translate) speech.

    audio: a path, a list of paths, or a float waveform array [N] (or a list of them) with its
    ``sampling_rate``; files are decoded and resampled by `load_audio`. model: a checkpoint
    directory, ``"demo"`` / None, or a loaded ``(model, processor)`` pair. Returns a string for a
    single input and a list of strings (in input order) for a list. ``progress=True`` reports each
    finished batch on stderr.
    """
    items, single = _as_items(audio)
    for item in items:  # fail on a missing file before loading the model
        if not isinstance(item, np.ndarray) and not os.path.isfile(item):
            raise AudioFileNotFoundError(f"audio file not found: {os.fspath(item)}")
    if not items:
        return []
    model_, processor = load(model)
    rate = processor.feature_extractor.sampling_rate
    if any(isinstance(item, np.ndarray) for item in items):
        if sampling_rate is None:
            raise SamplingRateError(f"pass sampling_rate= with an audio array (the model expects {rate} Hz)")
        if sampling_rate != rate:
            raise SamplingRateError(
                f"audio at {sampling_rate} Hz, the model expects {rate} Hz: resample it first "
                f"or pass a file path (load_audio resamples)"
            )
    options = generation_options(processor, num_beams, max_length, tgt_lang)
    texts = [None] * len(items)
    done = 0
    for batch in batch_plan([_length(item, rate) for item in items], batch_size):
        waves = [
            item if isinstance(item, np.ndarray) else load_audio(item, sampling_rate=rate)
            for item in (items[i] for i in batch)
        ]
        inputs = processor(waves, sampling_rate=rate, padding=True, return_tensors="np")
        ids = model_.generate(inputs["input_features"], attention_mask=inputs["attention_mask"], **options)
        for i, text in zip(batch, processor.batch_decode(ids, skip_special_tokens=True)):
            texts[i] = text
        done += len(batch)
        if progress:
            print(f"s2t-np: transcribed {done}/{len(items)}", file=sys.stderr, flush=True)
    return texts[0] if single else texts
