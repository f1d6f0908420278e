"""The validated generation plan: what `generate` hands to the search.

`plan_generation` takes the settings merged by `resolve_generation_config`
(s2t_np/hf/generation_config.py: call > `generation_config=` > the model's defaults > library
defaults) and does what transformers' `generate` does next, with transformers' messages (as
GenerationError / UnsupportedOptionError, both ValueError):
  * `GenerationConfig.validate`: early_stopping, max_new_tokens, num_beams vs num_return_sequences;
  * `_prepare_special_tokens`: decoder_start_token_id falls back to bos_token_id, eos_token_id
    becomes a tuple, pad_token_id falls back to the first eos;
  * `_prepare_generated_length`: max_length = max_new_tokens + 1 if given, else max_length, else
    the library default 20 + 1 (which counts new tokens); min_new_tokens likewise;
  * the checks the logits processors make when they are built (s2t_np/logits_process.py).
Options of a type transformers would fail on later with a raw TypeError get a GenerationError here.
"""

import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from ..checks import is_int
from ..errors import GenerationError, UnsupportedOptionError
from ..logits_process import check_bad_words_ids
from .generation_config import PROMPT_LENGTH, resolve_generation_config


@dataclass(frozen=True)
class GenerationPlan:
    """Fully resolved, validated generation settings (what the search functions receive)."""

    num_beams: int
    num_return_sequences: int
    max_length: int
    min_length: int
    min_new_tokens: int | None
    length_penalty: float
    early_stopping: object
    decoder_start_token_id: object  # int, or a tuple with one id per utterance
    eos_token_ids: tuple | None
    pad_token_id: int | None
    forced_bos_token_id: int | None
    forced_eos_token_id: object
    no_repeat_ngram_size: int
    repetition_penalty: float
    bad_words_ids: tuple | None
    use_cache: bool
    return_dict_in_generate: bool
    output_scores: bool
    output_logits: bool = False
    output_attentions: bool = False
    output_hidden_states: bool = False
    do_sample: bool = False
    warpers: dict | None = None  # keyword arguments of sampling.build_warpers (do_sample only)
    remove_invalid_values: bool = False
    renormalize_logits: bool = False


def plan_generation(model_config, *, vocab_size, batch_size, generation_config=None, **kwargs):
    """Resolve the options (`resolve_generation_config`), then validate and finalize them like
    transformers' `generate` (module docstring). Returns a GenerationPlan."""
    g, default_max, default_min = resolve_generation_config(model_config, generation_config, **kwargs)
    if g.unsupported:
        raise UnsupportedOptionError(
            "the generation config sets options s2t_np does not implement: "
            + ", ".join(f"{k}={v!r}" for k, v in g.unsupported)
        )
    for name in ("max_length", "max_new_tokens", "min_length", "min_new_tokens", "no_repeat_ngram_size"):
        value = getattr(g, name)
        # non-numbers (e.g. "3") make transformers fail later with a raw TypeError; numbers that are not
        # whole get transformers' own messages below
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))):
            raise GenerationError(f"`{name}` must be an integer, got {value!r} ({type(value).__name__})")
    # GenerationConfig.validate
    if g.early_stopping not in (None, True, False, "never"):
        raise GenerationError(f"`early_stopping` must be a boolean or 'never', but is {g.early_stopping}.")
    if g.max_new_tokens is not None and g.max_new_tokens <= 0:
        raise GenerationError(f"`max_new_tokens` must be greater than 0, but is {g.max_new_tokens}.")
    num_beams = _positive_int("num_beams", g.num_beams)
    n_ret = _positive_int("num_return_sequences", g.num_return_sequences)
    if n_ret > 1 and num_beams == 1 and not g.do_sample:
        raise GenerationError(
            "Greedy methods (do_sample != True) without beam search do not support "
            f"`num_return_sequences` different than 1 (got {n_ret})."
        )
    if n_ret > num_beams > 1:
        raise GenerationError(
            f"`num_return_sequences` ({n_ret}) has to be smaller or equal to `num_beams` ({num_beams})."
        )

    # _prepare_special_tokens
    start = g.decoder_start_token_id if g.decoder_start_token_id is not None else g.bos_token_id
    if start is None:
        raise GenerationError(
            "`decoder_start_token_id` or `bos_token_id` has to be defined for encoder-decoder generation."
        )
    if not is_int(start):
        start = _id_tuple("decoder_start_token_id", start)
        if len(start) != batch_size:
            raise GenerationError(f"`decoder_start_token_id` expected to have length {batch_size} but got {len(start)}")
    eos = None if g.eos_token_id is None else _id_tuple("eos_token_id", g.eos_token_id)
    pad = g.pad_token_id if g.pad_token_id is not None else (eos[0] if eos else None)
    for name, value in (("pad_token_id", pad), ("forced_bos_token_id", g.forced_bos_token_id)):
        if value is not None and not is_int(value):
            raise GenerationError(f"`{name}` must be a token id (an integer), got {value!r}")

    # _prepare_generated_length and _validate_generated_length
    max_length, min_length = g.max_length, g.min_length
    if g.max_new_tokens is not None:
        max_length = g.max_new_tokens + PROMPT_LENGTH
    elif default_max:
        max_length = max_length + PROMPT_LENGTH
        warnings.warn(
            f"Using the model-agnostic default `max_length` (={max_length}) to control the generation length. "
            "We recommend setting `max_new_tokens` to control the maximum length of the generation.",
            UserWarning,
            stacklevel=3,
        )
    if g.min_new_tokens is not None:
        min_length = g.min_new_tokens + PROMPT_LENGTH
    if not is_int(max_length):
        raise GenerationError(f"`max_length` must be an integer, got {max_length!r}")
    if PROMPT_LENGTH >= max_length:
        raise GenerationError(
            f"Input length of decoder_input_ids is {PROMPT_LENGTH}, but `max_length` is set to {max_length}. "
            "This can lead to unexpected behavior. You should consider increasing `max_length` or, better yet, "
            "setting `max_new_tokens`."
        )
    if min_length is not None and min_length > max_length:
        warnings.warn(
            f"Unfeasible length constraints: `min_length` ({min_length}) is larger than the maximum possible "
            f"length ({max_length}). Generation will stop at the defined maximum length.",
            UserWarning,
            stacklevel=3,
        )

    # arguments the logits processors check when they are built
    if isinstance(g.length_penalty, bool) or not isinstance(g.length_penalty, numbers.Real):
        raise GenerationError(f"`length_penalty` must be a number, got {g.length_penalty!r}")
    if g.repetition_penalty is not None and g.repetition_penalty != 1.0:
        if not isinstance(g.repetition_penalty, float) or not g.repetition_penalty > 0:
            raise GenerationError(f"`penalty` has to be a strictly positive float, but is {g.repetition_penalty}")
    if g.no_repeat_ngram_size is not None and g.no_repeat_ngram_size > 0 and not is_int(g.no_repeat_ngram_size):
        raise GenerationError(f"`ngram_size` has to be a strictly positive integer, but is {g.no_repeat_ngram_size}")
    if eos is not None and min_length is not None and min_length > 0 and not is_int(min_length):
        raise GenerationError(f"`min_length` has to be a non-negative integer, but is {min_length}")
    if eos is not None and g.min_new_tokens is not None and g.min_new_tokens > 0 and not is_int(g.min_new_tokens):
        raise GenerationError(f"`min_new_tokens` has to be a positive integer, but is {g.min_new_tokens}")
    forced_eos = g.forced_eos_token_id
    if forced_eos is not None:
        forced_eos = _id_tuple("forced_eos_token_id", forced_eos)
        if any(i < 0 for i in forced_eos):
            raise GenerationError(
                f"`eos_token_id` has to be a list of positive integers, but is {g.forced_eos_token_id}"
            )
    _check_ids_in_vocab(
        {
            "forced_bos_token_id": g.forced_bos_token_id,
            "forced_eos_token_id": forced_eos,
            "decoder_start_token_id": start,
        },
        vocab_size,
    )
    bad_words = None if g.bad_words_ids is None else check_bad_words_ids(g.bad_words_ids, eos, vocab_size)
    warpers = None
    if g.do_sample:
        # _get_logits_processor: beam sampling keeps at least one non-eos token per beam
        keep = (len(eos) + 1 if eos is not None else 2) if num_beams > 1 else 1
        warpers = dict(_checked_warpers(g), min_tokens_to_keep=keep)

    return GenerationPlan(
        num_beams=int(num_beams),
        num_return_sequences=int(n_ret),
        max_length=int(max_length),
        min_length=min_length,
        min_new_tokens=g.min_new_tokens,
        length_penalty=g.length_penalty,
        early_stopping=g.early_stopping,
        decoder_start_token_id=start,
        eos_token_ids=eos,
        pad_token_id=pad,
        forced_bos_token_id=g.forced_bos_token_id,
        forced_eos_token_id=forced_eos,
        no_repeat_ngram_size=g.no_repeat_ngram_size,
        repetition_penalty=g.repetition_penalty,
        bad_words_ids=bad_words,
        use_cache=bool(g.use_cache),
        return_dict_in_generate=bool(g.return_dict_in_generate),
        output_scores=bool(g.output_scores),
        output_logits=bool(g.output_logits),
        output_attentions=bool(g.output_attentions),
        output_hidden_states=bool(g.output_hidden_states),
        do_sample=bool(g.do_sample),
        warpers=warpers,
        remove_invalid_values=g.remove_invalid_values is True,
        renormalize_logits=g.renormalize_logits is True,
    )


def _checked_warpers(g):
    """The warper settings, checked as the transformers warper constructors check them (their messages).

    Only the warpers `_get_logits_processor` builds are checked (e.g. top_p=1.0 builds none).
    """
    names = ("temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff")
    values = {name: getattr(g, name) for name in names}
    for name, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise GenerationError(f"`{name}` must be a number, got {value!r} ({type(value).__name__})")
    t = values["temperature"]
    if t is not None and t != 1.0 and (not isinstance(t, float) or not t > 0):
        message = (
            f"`temperature` (={t}) has to be a strictly positive float, otherwise your next token "
            "scores will be invalid."
        )
        if isinstance(t, float) and t == 0.0:
            message += " If you're looking for greedy decoding strategies, set `do_sample=False`."
        raise GenerationError(message)
    k = values["top_k"]
    if k is not None and k != 0 and (not is_int(k) or k <= 0):
        raise GenerationError(f"`top_k` has to be a strictly positive integer, but is {k}")
    p = values["top_p"]
    if p is not None and p < 1.0 and p < 0:
        raise GenerationError(f"`top_p` has to be a float > 0 and < 1, but is {float(p)}")
    m = values["min_p"]
    if m is not None and not 0 <= m <= 1.0:
        raise GenerationError(f"`min_p` has to be a float in the [0, 1] interval, but is {m}")
    typical = values["typical_p"]
    if typical is not None and typical < 1.0 and not typical > 0:
        raise GenerationError(f"`typical_p` has to be a float > 0 and < 1, but is {float(typical)}")
    return values


def _positive_int(name, value):
    if not is_int(value) or value < 1:
        raise GenerationError(f"`{name}` must be a positive integer, got {value!r}")
    return int(value)


def _id_tuple(name, ids):
    """A token id or a list of token ids -> a tuple of ints; GenerationError for anything else."""
    if is_int(ids):
        return (int(ids),)
    items = tuple(ids) if isinstance(ids, (list, tuple, np.ndarray)) else None
    if items is None or not all(is_int(i) for i in items):
        raise GenerationError(f"`{name}` must be a token id or a list of token ids, got {ids!r}")
    if not items:
        raise GenerationError(f"`{name}` must not be empty")
    return tuple(int(i) for i in items)


def _check_ids_in_vocab(named_ids, vocab_size):
    for name, ids in named_ids.items():
        if ids is None:
            continue
        for i in (ids,) if is_int(ids) else ids:
            if not 0 <= int(i) < vocab_size:
                raise GenerationError(f"`{name}` = {ids} is outside the vocabulary [0, {vocab_size})")
