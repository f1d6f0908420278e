"""Logits processors: the per-step score edits of transformers' `generate`, as small pure functions.

Each function takes the ids generated so far and the scores of the next token and returns new scores:

    processor(input_ids [N, t] int64, scores [N, V] float32) -> scores [N, V] float32

`input_ids` are the decoder ids including the decoder start token (N = batch * beams). Greedy search
feeds raw logits through the processors; beam search feeds float32 log-softmax output (docs/numerics.md
section 3). Each function mirrors one class of transformers 5.23 `generation/logits_process.py`:

| function | transformers class | rule |
| --- | --- | --- |
| `penalize_repetition` | RepetitionPenaltyLogitsProcessor | s -> s * p if s < 0 else s / p, ids in `input_ids` |
| `ban_repeated_ngrams` | NoRepeatNGramLogitsProcessor | -inf for a token that would repeat an n-gram |
| `ban_bad_words` | NoBadWordsLogitsProcessor | -inf for the last token of a banned sequence whose prefix ends the ids |
| `ban_eos_before_min_length` | MinLengthLogitsProcessor | -inf for eos while t < min_length |
| `ban_eos_before_min_new_tokens` | MinNewTokensLengthLogitsProcessor | eos -inf while t - prompt < min_new_tokens |
| `force_bos` | ForcedBOSTokenLogitsProcessor | at t == 1: every id -inf except the forced one, which gets 0 |
| `force_eos` | ForcedEOSTokenLogitsProcessor | at t == max_length - 1: every id -inf except eos, which gets 0 |
| `remove_invalid` | InfNanRemoveLogitsProcessor | nan -> 0, +inf -> float32 max, -inf -> float32 min |
| `renormalize` | LogitNormalization | log_softmax of the final scores |

`build_logits_processor` chains them in the order `GenerationMixin._get_logits_processor` uses
(repetition penalty, no-repeat n-gram, bad words, min length, min new tokens, forced BOS, forced EOS,
inf/nan removal), then the sampling warpers (s2t_np/sampling.py) and last the renormalization.
"""

import numpy as np

from .checks import is_int
from .errors import GenerationError
from .nn import log_softmax

NEG_INF = np.float32(-np.inf)


def penalize_repetition(input_ids, scores, *, penalty):
    """Divide positive / multiply negative scores of every id already in `input_ids` by `penalty` once."""
    vocab_size = scores.shape[-1]
    rows = np.broadcast_to(np.arange(scores.shape[0])[:, None], input_ids.shape)  # [N, t]
    seen = input_ids < vocab_size  # ids past the lm_head cannot be generated: HF drops them
    rows, ids = rows[seen], input_ids[seen]
    picked = scores[rows, ids]
    out = scores.copy()
    out[rows, ids] = np.where(picked < 0, picked * np.float32(penalty), picked / np.float32(penalty))
    return out


def ban_repeated_ngrams(input_ids, scores, *, ngram_size):
    """Ban every token that would complete an n-gram of size `ngram_size` already present in `input_ids`."""
    cur_len = input_ids.shape[-1]
    if cur_len < ngram_size:
        return scores
    prefix = input_ids[:, cur_len + 1 - ngram_size :]  # [N, n-1] the last n-1 tokens
    windows = np.lib.stride_tricks.sliding_window_view(input_ids, ngram_size, axis=1)  # [N, t-n+1, n]
    matches = np.all(windows[:, :, :-1] == prefix[:, None, :], axis=-1)  # [N, t-n+1]
    rows, cols = np.nonzero(matches)
    banned = windows[rows, cols, -1]
    keep = banned < scores.shape[-1]
    out = scores.copy()
    out[rows[keep], banned[keep]] = NEG_INF
    return out


def ban_bad_words(input_ids, scores, *, bad_words_ids):
    """Ban the last token of each sequence in `bad_words_ids` whose other tokens end `input_ids`.

    `bad_words_ids` is already filtered by `check_bad_words_ids` (no single-token eos entries).
    """
    out = scores.copy()
    cur_len = input_ids.shape[-1]
    for word in bad_words_ids:
        prefix = word[:-1]
        if len(prefix) > cur_len:  # the prefix is longer than the context: cannot match yet
            continue
        if prefix:
            rows = np.all(input_ids[:, cur_len - len(prefix) :] == np.asarray(prefix), axis=-1)  # [N]
        else:
            rows = slice(None)
        out[rows, word[-1]] = NEG_INF
    return out


def ban_eos_before_min_length(input_ids, scores, *, min_length, eos_token_ids):
    """Ban eos while the sequence (start token included) is shorter than `min_length`."""
    if input_ids.shape[-1] >= min_length:
        return scores
    out = scores.copy()
    out[:, list(eos_token_ids)] = NEG_INF
    return out


def ban_eos_before_min_new_tokens(input_ids, scores, *, prompt_length, min_new_tokens, eos_token_ids):
    """Ban eos while fewer than `min_new_tokens` tokens follow the `prompt_length` decoder prompt."""
    if input_ids.shape[-1] - prompt_length >= min_new_tokens:
        return scores
    out = scores.copy()
    out[:, list(eos_token_ids)] = NEG_INF
    return out


def force_bos(input_ids, scores, *, token_id):
    """Force `token_id` as the first generated token (log-prob 0, everything else -inf)."""
    if input_ids.shape[-1] != 1:
        return scores
    out = np.full_like(scores, NEG_INF)
    out[:, token_id] = 0.0
    return out


def force_eos(input_ids, scores, *, max_length, eos_token_ids):
    """Force eos as the last token when the next token reaches `max_length`."""
    if input_ids.shape[-1] != max_length - 1:
        return scores
    out = np.full_like(scores, NEG_INF)
    out[:, list(eos_token_ids)] = 0.0
    return out


def remove_invalid(input_ids, scores):
    """Replace nan by 0 and +-inf by the largest / smallest finite float32."""
    info = np.finfo(np.float32)
    out = np.where(np.isnan(scores), np.float32(0.0), scores)
    out = np.where(scores == np.inf, info.max, out)
    return np.where(scores == -np.inf, info.min, out).astype(np.float32, copy=False)


def renormalize(input_ids, scores):
    """log_softmax of the processed scores (always the last step of the chain)."""
    return log_softmax(scores)


def check_bad_words_ids(bad_words_ids, eos_token_ids, vocab_size):
    """Validate `bad_words_ids` like NoBadWordsLogitsProcessor / SequenceBiasLogitsProcessor; drop [eos] entries.

    Returns a tuple of non-empty tuples (possibly empty: then the processor does nothing, as in
    transformers). Raises GenerationError (a ValueError) where transformers raises ValueError.
    """
    if not isinstance(bad_words_ids, (list, tuple)) or len(bad_words_ids) == 0:
        raise GenerationError(f"`bad_words_ids` has to be a non-empty list, but is {bad_words_ids}.")
    if any(not isinstance(word, (list, tuple)) for word in bad_words_ids):
        raise GenerationError(f"`bad_words_ids` has to be a list of lists, but is {bad_words_ids}.")
    if any(not is_int(t) or t < 0 for w in bad_words_ids for t in w):
        raise GenerationError(
            f"Each list in `bad_words_ids` has to be a list of positive integers, but is {bad_words_ids}."
        )
    eos = list(eos_token_ids or ())
    # transformers drops [eos] entries, and never applies an empty sequence: both are no-ops
    words = tuple(tuple(int(t) for t in w) for w in bad_words_ids if w and not any(list(w) == [e] for e in eos))
    out_of_vocab = [t for w in words for t in w if t >= vocab_size]
    if out_of_vocab:
        raise GenerationError(
            f"The model vocabulary size is {vocab_size}, but the following tokens were being biased: {out_of_vocab}"
        )
    return words


def build_logits_processor(
    *,
    prompt_length,
    max_length,
    min_length=0,
    min_new_tokens=None,
    eos_token_ids=None,
    repetition_penalty=1.0,
    no_repeat_ngram_size=0,
    bad_words_ids=None,
    forced_bos_token_id=None,
    forced_eos_token_id=None,
    remove_invalid_values=False,
    warpers=(),
    renormalize_logits=False,
):
    """Chain the processors a generation config asks for, in transformers' order.

    Arguments are already resolved and validated (`plan_generation` in s2t_np/hf/generation_config.py);
    `bad_words_ids` is the output of `check_bad_words_ids`; `eos_token_ids` and
    `forced_eos_token_id` are tuples of ids; `warpers` are the sampling warpers
    (s2t_np/sampling.py `build_warpers`, empty without do_sample).
    Returns `process(input_ids [N, t], scores [N, V]) -> scores`.
    """
    steps = []
    if repetition_penalty is not None and repetition_penalty != 1.0:
        steps.append(lambda ids, s: penalize_repetition(ids, s, penalty=repetition_penalty))
    if no_repeat_ngram_size is not None and no_repeat_ngram_size > 0:
        steps.append(lambda ids, s: ban_repeated_ngrams(ids, s, ngram_size=no_repeat_ngram_size))
    if bad_words_ids is not None:
        steps.append(lambda ids, s: ban_bad_words(ids, s, bad_words_ids=bad_words_ids))
    if min_length is not None and eos_token_ids is not None and min_length > 0:
        steps.append(
            lambda ids, s: ban_eos_before_min_length(ids, s, min_length=min_length, eos_token_ids=eos_token_ids)
        )
    if min_new_tokens is not None and eos_token_ids is not None and min_new_tokens > 0:
        steps.append(
            lambda ids, s: ban_eos_before_min_new_tokens(
                ids, s, prompt_length=prompt_length, min_new_tokens=min_new_tokens, eos_token_ids=eos_token_ids
            )
        )
    if forced_bos_token_id is not None:
        steps.append(lambda ids, s: force_bos(ids, s, token_id=forced_bos_token_id))
    if forced_eos_token_id is not None:
        steps.append(lambda ids, s: force_eos(ids, s, max_length=max_length, eos_token_ids=forced_eos_token_id))
    if remove_invalid_values is True:
        steps.append(remove_invalid)
    steps.extend(warpers)
    if renormalize_logits is True:
        steps.append(renormalize)

    def process(input_ids, scores):
        for step in steps:
            scores = step(input_ids, scores)
        return scores

    return process
