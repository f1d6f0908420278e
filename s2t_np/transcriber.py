"""transcribe(): audio of any length in, text (and segment times) out, with a Speech2Text checkpoint.

Segmenting. The released models were trained on utterances of up to ~30 s, and the encoder's
attention costs memory and time with the square of the input length, so long audio is cut at
pauses first. For each input, the speech detector (s2t_np/vad.py) reads the waveform once, block by
block, keeping only 100 frame powers per second, and finds the stretches of speech (pauses of at
least 0.3 s end a stretch; each stretch keeps 0.3 s of the audio after it; a stretch longer than
``max_segment_s`` is cut at its quietest point). Then:

* audio with no speech at all (silence, a steady hum or hiss) gives ``""``, without running the model;
* audio no longer than ``max_segment_s`` (20 s by default) is one segment, the whole input, exactly
  as transformers would be given it;
* longer audio is transcribed segment by segment and the texts are joined with spaces; each
  segment's samples are read from the file when its batch runs (`s2t_np.audio.read_audio`), so
  memory is bounded by ``batch_size`` segments whatever the length of the file.

For each batch of segments it does exactly what the transformers documentation does:

    inputs = processor(waves, sampling_rate=16000, padding=True, return_tensors="np")
    ids = model.generate(inputs["input_features"], attention_mask=inputs["attention_mask"], **options)
    texts = processor.batch_decode(ids, skip_special_tokens=True)

with the checkpoint's generation defaults (generation_config.json, or the generation keys of a
published config.json), overridden by ``num_beams`` / ``max_length`` when given, and
``forced_bos_token_id = tokenizer.lang_code_to_id[tgt_lang]`` when ``tgt_lang`` is given.

Batching: the segments of all inputs together are sorted by length (longest first, ties in input
order), cut into batches of ``batch_size``, and the texts are put back in input and time order.
Sorting keeps padding small, but a batched utterance is still not bit-identical to the same
utterance alone: the convolutional subsampler reads the padded frames near the end of each
utterance (docs/numerics.md section 2), so the output may differ slightly from ``batch_size=1``.
`batch_plan` is the batching rule, so a caller (and the tests) can reproduce it with another
implementation.

Loading: ``model`` is a directory, a hub id (``org/name``, s2t_np/hf/hub.py), ``"demo"`` /
``None`` (the demo model shipped in s2t_np/demo), or an already loaded ``(model, processor)``
pair. Loaded directories are cached (the last two, keyed by the directory and the size and
modification time of its files), so repeated calls do not reload an unchanged checkpoint;
`load` returns the pair for explicit reuse.
"""

import math
import os
import sys
from collections import OrderedDict

import numpy as np

from . import vad
from .audio import audio_blocks, check_truncation, read_audio
from .checks import is_int
from .errors import (
    AudioDecodeError,
    AudioFileNotFoundError,
    EmptyAudioError,
    GenerationError,
    InvalidAudioError,
    InvalidInputError,
    S2TError,
    SamplingRateError,
)
from .hf.modeling import Speech2TextForConditionalGeneration
from .hf.pretrained import resolve_model_dir
from .hf.processor import Speech2TextProcessor
from .transcript import Segment, Transcript

DEFAULT_MAX_SEGMENT_S = 20.0

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
    """A model argument (directory / hub id / "demo" / None / (model, processor)) -> (model, processor)."""
    if isinstance(model, (tuple, list)):
        if len(model) != 2:
            raise InvalidInputError("model must be a directory, a hub id, 'demo', None or a (model, processor) pair")
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


def _check_path(item):
    """The errors a path can have before anything is decoded."""
    if os.path.isdir(item):
        raise AudioDecodeError(f"{os.fspath(item)} is a directory, not an audio file; pass the audio files in it")
    if not os.path.isfile(item):
        raise AudioFileNotFoundError(f"audio file not found: {os.fspath(item)}")


def segment_spans(item, rate, max_segment_s=DEFAULT_MAX_SEGMENT_S, options=None):
    """One input (a path or a waveform at `rate`) -> (its length in samples, the [start, stop) sample
    ranges to transcribe): [] without speech, the whole input up to `max_segment_s`, else the
    detector's segments. A file is read block by block, never whole."""
    options = vad.VadOptions() if options is None else options
    frame = vad.frame_length(rate)
    if isinstance(item, np.ndarray):
        if item.shape[0] == 0:
            raise EmptyAudioError("the audio array has no samples")
        if not np.isfinite(item).all():
            raise InvalidAudioError("the audio array contains NaN or Inf samples")
        n, powers = item.shape[0], vad.frame_powers(item, frame)
    else:
        check_truncation(item)
        n, blocks = 0, []
        for block in audio_blocks(item, rate, block=3000 * frame):  # 30 s at a time
            n += block.shape[0]
            blocks.append(vad.frame_powers(block, frame))
        powers = np.concatenate(blocks)  # [ceil(n / frame)]
    max_samples = math.inf if max_segment_s is None else int(max_segment_s * rate)
    regions = vad.speech_regions(powers, options, None if max_samples >= n else max_samples // frame)
    if len(regions) == 0:
        return n, []
    if n <= max_samples:
        return n, [(0, n)]
    return n, [(int(s) * frame, min(int(e) * frame, n)) for s, e in regions]


def _check_options(sampling_rate, batch_size, max_segment_s, vad_options):
    if sampling_rate is not None and (not is_int(sampling_rate, whole_floats=True) or sampling_rate <= 0):
        raise SamplingRateError(
            f"sampling_rate must be the audio array's rate in Hz, a positive integer such as 16000; "
            f"got {sampling_rate!r} ({type(sampling_rate).__name__})"
        )
    if not is_int(batch_size, whole_floats=True) or batch_size < 1:
        raise InvalidInputError(f"batch_size must be a positive integer, got {batch_size!r}")
    if max_segment_s is not None and (
        isinstance(max_segment_s, bool)
        or not isinstance(max_segment_s, (int, float, np.integer, np.floating))
        or not 1 <= max_segment_s < math.inf
    ):
        raise InvalidInputError(
            f"max_segment_s must be a number of seconds >= 1 (or None: never cut the audio), got {max_segment_s!r}"
        )
    if vad_options is not None and not isinstance(vad_options, vad.VadOptions):
        raise InvalidInputError(f"vad_options must be an s2t_np.VadOptions or None, got {type(vad_options).__name__}")


def generation_options(processor, num_beams=None, max_length=None, tgt_lang=None):
    """The keyword arguments for generate(): only what the caller set, plus forced_bos for tgt_lang."""
    options = {}
    if num_beams is not None and (not is_int(num_beams) or num_beams < 1):
        raise GenerationError(f"num_beams is the beam width (1: greedy search), a positive integer; got {num_beams!r}")
    if max_length is not None and (not is_int(max_length) or max_length < 2):
        raise GenerationError(
            "max_length is the longest text of a segment in tokens, the start token included, so it must be an "
            f"integer >= 2; got {max_length!r}"
        )
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


class _Job:
    """One input on its way through `transcribe`: its segments, their texts, or its error."""

    def __init__(self, item):
        self.item, self.error, self.n, self.spans, self.texts = item, None, 0, [], {}


def transcribe(
    audio,
    model=None,
    *,
    sampling_rate=None,
    num_beams=None,
    max_length=None,
    tgt_lang=None,
    batch_size=8,
    max_segment_s=DEFAULT_MAX_SEGMENT_S,
    vad_options=None,
    return_segments=False,
    return_exceptions=False,
    progress=False,
):
    """Transcribe (or translate) speech of any length.

    audio: a path, a list of paths, or a float waveform array [N] (or a list of them) with its
    ``sampling_rate``; files are decoded and resampled as `load_audio` does. model: a checkpoint
    directory, ``"demo"`` / None, or a loaded ``(model, processor)`` pair. ``max_segment_s``: the
    longest stretch given to the model at once (None: never cut; memory then grows with the square
    of the length); ``vad_options``: the speech detector's settings (`s2t_np.VadOptions`).

    Returns a string for a single input and a list of strings (in input order) for a list; with
    ``return_segments=True``, a `Transcript` (``.text``, ``.segments`` of ``Segment(start, end,
    text)`` in seconds, ``.duration``) in place of each string. ``return_exceptions=True``: an input
    that cannot be read (missing, not audio, empty, ...) gets its exception in its place instead of
    stopping the others. ``progress=True`` reports each finished batch on stderr.
    """
    items, single = _as_items(audio)
    _check_options(sampling_rate, batch_size, max_segment_s, vad_options)
    jobs = [_Job(item) for item in items]
    for job in jobs:  # fail on a missing file before loading the model
        if not isinstance(job.item, np.ndarray):
            try:
                _check_path(job.item)
            except S2TError as exc:
                if not return_exceptions:
                    raise
                job.error = exc
    if not items:
        return []
    if all(job.error for job in jobs):
        return _results(jobs, single, return_segments, 1)
    model_, processor = load(model)
    rate = processor.feature_extractor.sampling_rate
    if any(isinstance(item, np.ndarray) for item in items):
        if sampling_rate is None:
            raise SamplingRateError(f"pass sampling_rate= with an audio array (the model expects {rate} Hz)")
        if int(sampling_rate) != rate:
            raise SamplingRateError(
                f"audio at {int(sampling_rate)} Hz, the model expects {rate} Hz: resample it first "
                f"or pass a file path (load_audio resamples)"
            )
    options = generation_options(processor, num_beams, max_length, tgt_lang)
    for job in jobs:
        if job.error is None:
            try:
                job.n, job.spans = segment_spans(job.item, rate, max_segment_s, vad_options)
            except (S2TError, OSError) as exc:
                if not return_exceptions:
                    raise
                job.error = exc
    units = [(job, span) for job in jobs if job.error is None for span in job.spans]  # every segment of every input
    total_s, done_s = sum(b - a for _, (a, b) in units) / rate, 0.0
    for batch in batch_plan([b - a for _, (a, b) in units], batch_size):
        waves, done = [], []
        for job, (a, b) in (units[i] for i in batch):
            if job.error is not None:
                continue
            try:
                waves.append(job.item[a:b] if isinstance(job.item, np.ndarray) else read_audio(job.item, rate, a, b))
            except (S2TError, OSError) as exc:
                if not return_exceptions:
                    raise
                job.error = exc
                continue
            done.append((job, (a, b)))
        if waves:
            inputs = processor(waves, sampling_rate=rate, padding=True, return_tensors="np")
            ids = model_.generate(inputs["input_features"], attention_mask=inputs["attention_mask"], **options)
            for (job, span), text in zip(done, processor.batch_decode(ids, skip_special_tokens=True)):
                job.texts[span] = text.strip()
        done_s += sum(b - a for _, (a, b) in (units[i] for i in batch)) / rate
        if progress:
            finished = sum(1 for job in jobs if job.error is not None or len(job.texts) == len(job.spans))
            print(
                f"s2t-np: transcribed {finished}/{len(jobs)} files, {done_s:.1f}/{total_s:.1f} s of speech",
                file=sys.stderr,
                flush=True,
            )
    return _results(jobs, single, return_segments, rate)


def _results(jobs, single, return_segments, rate):
    results = []
    for job in jobs:
        if job.error is not None:
            results.append(job.error)
            continue
        segments = tuple(Segment(a / rate, b / rate, job.texts[(a, b)]) for a, b in job.spans if job.texts[(a, b)])
        path = None if isinstance(job.item, np.ndarray) else os.fspath(job.item)
        transcript = Transcript(segments, job.n / rate, path)
        results.append(transcript if return_segments else transcript.text)
    return results[0] if single else results
