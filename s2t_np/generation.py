"""`generate`: transformers 5.23 `GenerationMixin.generate` for Speech2Text, in NumPy.

    generate(model, input_features [B, T, n_mels], attention_mask [B, T] = None, **options)
        -> int64 [B * num_return_sequences, L]            (or a GenerateOutput with return_dict_in_generate)

Steps (the numbered steps of transformers' `generate`):
  1. resolve the options: call arguments > `generation_config=` > the model's default generation
     config > library defaults (`generation_config.resolve_generation_config`), then validate them
     with the errors transformers raises (as GenerationError / UnsupportedOptionError, both ValueError);
  2. special tokens (`_prepare_special_tokens`): decoder_start_token_id falls back to bos_token_id,
     eos_token_id becomes a tuple, pad_token_id falls back to eos_token_id[0];
  3. run the encoder once and repeat its output and mask per beam (`repeat_interleave`);
  4. lengths (`_prepare_generated_length`): max_length = max_new_tokens + 1 if given, else
     max_length, else 20 + 1 (the library default counts new tokens); min_new_tokens likewise;
  5. logits processors (`logits_process.build_logits_processor`) and the search
     (`search.greedy_search` for num_beams == 1, `search.beam_search` otherwise).

The decoder start token is the whole decoder prompt (prompt length 1): `max_length` and
`min_length` count it, `max_new_tokens` and `min_new_tokens` do not.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from .errors import GenerationError, UnsupportedOptionError
from .generation_config import GenerationConfig, resolve_generation_config
from .logits_process import build_logits_processor, check_bad_words_ids
from .search import SearchResult, beam_search, greedy_search

PROMPT_LENGTH = 1  # the decoder prompt is the decoder start token


@dataclass(frozen=True)
class GenerateOutput:
    """`generate(..., return_dict_in_generate=True)` (transformers' GenerateEncoderDecoderOutput /
    GenerateBeamEncoderDecoderOutput, the fields s2t_np computes).

    sequences: int64 [B * n_ret, L]. scores: with output_scores, a tuple with one float32 array
    [B * num_beams, V] per generated step (greedy: processed logits; beam: processed log-softmax,
    before adding the running beam scores), else None. sequences_scores: beam search with
    output_scores, float32 [B * n_ret] (length-penalised sum of log-probs), else None.
    beam_indices: beam search, int64 [B * n_ret, L - 1], -1 past each hypothesis.
    """

    sequences: np.ndarray
    scores: tuple | None = None
    sequences_scores: np.ndarray | None = None
    beam_indices: np.ndarray | None = None


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


def model_generation_config(model):
    """The model's default GenerationConfig (transformers' `model.generation_config`).

    `model.generation_config`, which `from_pretrained` reads from the model directory
    (generation_config.json, else the generation keys of config.json); for a model built in memory
    without one, derived from its config (special token ids and the generation keys kept from
    config.json), as transformers' `GenerationConfig.from_model_config`.
    """
    config = getattr(model, "generation_config", None)
    if config is not None:
        if not isinstance(config, GenerationConfig):
            raise GenerationError(f"model.generation_config must be an s2t_np GenerationConfig, got {type(config).__name__}")
        return config
    cfg = model.config
    values = {k: getattr(cfg, k) for k in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id")}
    values.update(getattr(cfg, "generation_defaults", {}))
    return GenerationConfig.from_dict(values, from_model_config=True)


def plan_generation(model_config, *, vocab_size, batch_size, generation_config=None, **kwargs):
    """Steps 1, 2 and 4 of `generate`: resolve and validate the options. Returns a GenerationPlan."""
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
    if g.early_stopping not in {None, True, False, "never"}:
        raise GenerationError(f"`early_stopping` must be a boolean or 'never', but is {g.early_stopping}.")
    if g.max_new_tokens is not None and g.max_new_tokens <= 0:
        raise GenerationError(f"`max_new_tokens` must be greater than 0, but is {g.max_new_tokens}.")
    num_beams = _positive_int("num_beams", g.num_beams)
    n_ret = _positive_int("num_return_sequences", g.num_return_sequences)
    if n_ret > 1 and num_beams == 1:
        raise GenerationError(
            "Greedy methods (do_sample != True) without beam search do not support "
            f"`num_return_sequences` different than 1 (got {n_ret})."
        )
    if n_ret > num_beams:
        raise GenerationError(f"`num_return_sequences` ({n_ret}) has to be smaller or equal to `num_beams` ({num_beams}).")

    # _prepare_special_tokens
    start = g.decoder_start_token_id if g.decoder_start_token_id is not None else g.bos_token_id
    if start is None:
        raise GenerationError("`decoder_start_token_id` or `bos_token_id` has to be defined for encoder-decoder generation.")
    if not isinstance(start, (int, np.integer)):
        start = tuple(int(i) for i in start)
        if len(start) != batch_size:
            raise GenerationError(f"`decoder_start_token_id` expected to have length {batch_size} but got {len(start)}")
    eos = None if g.eos_token_id is None else _id_tuple("eos_token_id", g.eos_token_id)
    pad = g.pad_token_id if g.pad_token_id is not None else (eos[0] if eos else None)

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
    if not isinstance(max_length, (int, np.integer)):
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
    if g.length_penalty is None or isinstance(g.length_penalty, bool) or not isinstance(g.length_penalty, (int, float)):
        raise GenerationError(f"`length_penalty` must be a number, got {g.length_penalty!r}")
    if g.repetition_penalty is not None and g.repetition_penalty != 1.0:
        if not isinstance(g.repetition_penalty, float) or not g.repetition_penalty > 0:
            raise GenerationError(f"`penalty` has to be a strictly positive float, but is {g.repetition_penalty}")
    if g.no_repeat_ngram_size is not None and g.no_repeat_ngram_size > 0 and not _is_int(g.no_repeat_ngram_size):
        raise GenerationError(f"`ngram_size` has to be a strictly positive integer, but is {g.no_repeat_ngram_size}")
    if eos is not None and min_length is not None and min_length > 0 and not _is_int(min_length):
        raise GenerationError(f"`min_length` has to be a non-negative integer, but is {min_length}")
    if eos is not None and g.min_new_tokens is not None and g.min_new_tokens > 0 and not _is_int(g.min_new_tokens):
        raise GenerationError(f"`min_new_tokens` has to be a positive integer, but is {g.min_new_tokens}")
    forced_eos = g.forced_eos_token_id
    if forced_eos is not None:
        forced_eos = _id_tuple("forced_eos_token_id", forced_eos)
        if any(i < 0 for i in forced_eos):
            raise GenerationError(f"`eos_token_id` has to be a list of positive integers, but is {g.forced_eos_token_id}")
    _check_ids_in_vocab({"forced_bos_token_id": g.forced_bos_token_id, "forced_eos_token_id": forced_eos,
                         "decoder_start_token_id": start}, vocab_size)
    bad_words = None if g.bad_words_ids is None else check_bad_words_ids(g.bad_words_ids, eos, vocab_size)

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
    )


def run_search(step, reorder, batch_size, plan):
    """Step 5 of `generate`: decoder start ids, logits processors, greedy or beam search.

    `step` and `reorder` are the decoder functions described in `search.py`, over batch_size *
    num_beams rows (the encoder output already repeated per beam). Returns a SearchResult.
    """
    start = np.broadcast_to(np.asarray(plan.decoder_start_token_id, dtype=np.int64), (batch_size,))
    input_ids = np.repeat(start, plan.num_beams)[:, None]  # [B * nb, 1]
    process = build_logits_processor(
        prompt_length=PROMPT_LENGTH,
        max_length=plan.max_length,
        min_length_=plan.min_length,
        min_new_tokens_=plan.min_new_tokens,
        eos_token_ids=plan.eos_token_ids,
        repetition_penalty_=plan.repetition_penalty,
        no_repeat_ngram_size=plan.no_repeat_ngram_size,
        bad_words_ids=plan.bad_words_ids,
        forced_bos_token_id=plan.forced_bos_token_id,
        forced_eos_token_id=plan.forced_eos_token_id,
    )
    common = dict(
        process=process,
        max_length=plan.max_length,
        eos_token_ids=plan.eos_token_ids,
        pad_token_id=plan.pad_token_id,
        use_cache=plan.use_cache,
        output_scores=plan.return_dict_in_generate and plan.output_scores,
    )
    if plan.num_beams == 1:
        return greedy_search(step, input_ids, **common)
    return beam_search(
        step,
        reorder,
        input_ids,
        num_beams=plan.num_beams,
        length_penalty=plan.length_penalty,
        early_stopping=plan.early_stopping,
        num_return_sequences=plan.num_return_sequences,
        **common,
    )


def to_output(result: SearchResult, plan):
    """What `generate` returns: the sequences, or a GenerateOutput (transformers' field rules)."""
    if not plan.return_dict_in_generate:
        return result.sequences
    beam = plan.num_beams > 1
    return GenerateOutput(
        sequences=result.sequences,
        scores=result.scores,
        sequences_scores=result.sequences_scores if beam and plan.output_scores else None,
        beam_indices=result.beam_indices if beam else None,
    )


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _positive_int(name, value):
    if not _is_int(value) or value < 1:
        raise GenerationError(f"`{name}` must be a positive integer, got {value!r}")
    return int(value)


def _id_tuple(name, ids):
    if _is_int(ids):
        return (int(ids),)
    try:
        out = tuple(int(i) for i in ids)
    except (TypeError, ValueError):
        raise GenerationError(f"`{name}` must be a token id or a list of token ids, got {ids!r}") from None
    if not out:
        raise GenerationError(f"`{name}` must not be empty")
    return out


def _check_ids_in_vocab(named_ids, vocab_size):
    for name, ids in named_ids.items():
        if ids is None:
            continue
        for i in (ids,) if _is_int(ids) else ids:
            if not 0 <= int(i) < vocab_size:
                raise GenerationError(f"`{name}` = {ids} is outside the vocabulary [0, {vocab_size})")


def generate(model, input_features, attention_mask=None, generation_config=None, **kwargs):
    """Greedy or beam search with a Speech2TextForConditionalGeneration (transformers' `generate`).

    input_features: float [B, T, n_mels]; attention_mask: 0/1 [B, T] or None. `generation_config`
    (an s2t_np GenerationConfig) and keyword options override the model's defaults (module docstring).
    Returns int64 [B * num_return_sequences, L], or a GenerateOutput when return_dict_in_generate.
    """
    shape = getattr(input_features, "shape", None)
    if shape is None or len(shape) != 3:
        model.encode(input_features, attention_mask)  # raises the model's InvalidInputError
    plan = plan_generation(
        model_generation_config(model),
        vocab_size=model.config.vocab_size,
        batch_size=shape[0],
        generation_config=generation_config,
        **kwargs,
    )
    encoder_hidden_states, encoder_mask = model.encode(input_features, attention_mask)  # [B, T', D], [B, T']
    step, reorder = decoder_step_functions(model, encoder_hidden_states, encoder_mask, plan.num_beams)
    return to_output(run_search(step, reorder, shape[0], plan), plan)


def decoder_step_functions(model, encoder_hidden_states, encoder_mask, num_beams):
    """`step` and `reorder` for search.py over the encoder output repeated `num_beams` times per utterance.

    The cross-attention K/V are projected once per utterance and then repeated per beam (the
    same rows transformers gets by projecting the repeated encoder output). With a cache, `step`
    feeds the new token column; without one (cache None) it starts a fresh cache and feeds every
    id so far, i.e. recomputes the whole decoder (use_cache=False).
    """
    rows = np.repeat(np.arange(encoder_hidden_states.shape[0]), num_beams)  # transformers' repeat_interleave
    mask = None if encoder_mask is None else encoder_mask[rows]  # [B * nb, T']

    def step(tokens, cache):
        if cache is None:
            cache = model.reorder_cache(model.init_cache(encoder_hidden_states), rows)  # [B * nb, H, T', dh]
        logits, cache = model.decode_step(tokens, mask, cache)  # [N, L, V]
        return logits[:, -1], cache  # [N, V]

    return step, model.reorder_cache
