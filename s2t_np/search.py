"""Greedy and beam search over a decoder step function: transformers 5.23 `GenerationMixin._sample`
(with do_sample=False) and `GenerationMixin._beam_search`, reproduced token for token.

The model enters through two plain functions (built by s2t_np/hf/generation.py):

    step(tokens [N, t_new] int64, cache) -> (logits [N, V] float32 of the last position, cache)
    reorder(cache, beam_idx [N] int64) -> cache        # one indexing step over the whole cache

With a cache, `tokens` is the newest token column ([N, 1]); without one (use_cache=False) it is
every decoder id so far and `cache` is None. N = batch * beams, V = vocab size, t = decoder length
(decoder start token included; it is the whole "prompt", prompt_length = 1).

Greedy (`greedy_search`): `next = argmax(process(ids, logits))` (do_sample: a draw from
softmax(process(ids, logits)), s2t_np/sampling.py); rows that already produced eos get
pad_token_id; stop when every row has finished or the length reaches max_length.

Beam search (`beam_search`) keeps, per utterance, `num_beams` running beams and the `num_beams`
best finished hypotheses in fixed-size arrays (HF's vectorized rewrite, no BeamScorer):
  1. log_probs = process(ids, log_softmax(logits)) in float32, plus the running beam scores
     (initially 0 for beam 0 and -1e9 for the others, so the first step expands one beam);
  2. the top K = max(2, 1 + n_eos) * num_beams candidates over beams x vocab (do_sample: K drawn
     without replacement from the softmax of those scores);
  3. a candidate "hits the stopping criteria" if its token is eos or its length reaches max_length;
     the best num_beams non-hitting candidates become the next running beams (hitting ones get -1e9);
  4. hitting candidates ranked within the top num_beams finish with score
     `sum_logprobs / gen_len ** length_penalty` (gen_len counts the new token, not the start token)
     and are merged into the finished set, keeping the best num_beams; no candidate may enter once
     the set is full and `early_stopping is True`, or once the early-stop heuristic says the running
     beams cannot beat the worst finished score (`_check_early_stop_heuristic`);
  5. stop when no utterance can improve, or (early_stopping is True) all sets are full, or every
     candidate hit the stopping criteria (max_length).
Ties in top-k are broken by the lower flat index (stable sort); transformers' CPU topk only
disagrees on exactly equal scores, which arise for identical beams (same sequence, same score).
All score arithmetic is float32 with the same operations in the same order as transformers.
"""

from dataclasses import dataclass

import numpy as np

from .nn import log_softmax
from .sampling import draw, sampling_probs

FLOAT = np.float32
BIG_NEG = FLOAT(-1.0e9)  # transformers' "excluded" score offset


@dataclass(frozen=True)
class GenerateOutput:
    """What a search returns, and what `generate(..., return_dict_in_generate=True)` returns
    (transformers' GenerateEncoderDecoderOutput / GenerateBeamEncoderDecoderOutput, the fields
    s2t_np computes).

    sequences: int64 [B * num_return_sequences, L].
    scores: with output_scores, a tuple with one float32 array [B * num_beams, V] per generated
        step (greedy: processed logits; beam: processed log-softmax, before adding the running
        beam scores), else None.
    sequences_scores: beam search, float32 [B * n_ret], the length-penalised sum of log-probs
        (`generate` keeps it only with output_scores, as transformers does), else None.
    beam_indices: beam search, int64 [B * n_ret, L - 1], -1 past each hypothesis' end, else None.
    """

    sequences: np.ndarray
    scores: tuple | None = None
    sequences_scores: np.ndarray | None = None
    beam_indices: np.ndarray | None = None


def top_k(values, k):
    """Indices [N, k] of the k largest entries of each row of values [N, n], best first.

    Ties are ordered by the lower index. A partial partition finds the k best first when n is
    large (beams x vocab), so only k entries are sorted.
    """
    n = values.shape[-1]
    if 4 * k >= n:
        return np.argsort(-values, axis=-1, kind="stable")[:, :k]
    part = np.argpartition(-values, k - 1, axis=-1)[:, :k]  # [N, k] the k best, unordered
    order = np.lexsort((part, -np.take_along_axis(values, part, axis=-1)), axis=-1)  # by value, then index
    return np.take_along_axis(part, order, axis=-1)


def _hits_stopping_criteria(last_tokens, length, *, max_length, eos_token_ids):
    """MaxLengthCriteria | EosTokenCriteria for sequences of `length` ending in `last_tokens`."""
    done = np.full(last_tokens.shape, length >= max_length)
    if eos_token_ids is not None:
        done |= np.isin(last_tokens, eos_token_ids)
    return done


def greedy_search(
    step,
    input_ids,
    *,
    process,
    max_length,
    eos_token_ids,
    pad_token_id,
    use_cache=True,
    output_scores=False,
    rng=None,
):
    """Greedy decoding (`_sample`). `input_ids` [B, 1] holds the decoder start ids.

    With `rng` (a numpy Generator: do_sample=True) the next token is drawn from
    softmax(processed scores) instead of taken as the argmax.
    """
    ids = np.asarray(input_ids, dtype=np.int64)  # [B, t]
    unfinished = np.ones(ids.shape[0], dtype=bool)
    scores = [] if output_scores else None
    cache = None
    tokens = ids
    while True:
        logits, cache = step(tokens, cache if use_cache else None)  # [B, V]
        next_scores = process(ids, logits.astype(FLOAT, copy=False))  # [B, V]
        if output_scores:
            scores.append(next_scores)
        if rng is None:
            next_tokens = np.argmax(next_scores, axis=-1)  # [B]
        else:
            next_tokens = draw(sampling_probs(next_scores), 1, rng)[:, 0]  # [B] multinomial draw
        if eos_token_ids is not None:
            next_tokens = np.where(unfinished, next_tokens, pad_token_id)
        ids = np.concatenate([ids, next_tokens[:, None]], axis=1)  # [B, t + 1]
        ended = _hits_stopping_criteria(next_tokens, ids.shape[1], max_length=max_length, eos_token_ids=eos_token_ids)
        unfinished &= ~ended
        if not unfinished.any():
            break
        tokens = ids[:, -1:] if use_cache else ids
    return GenerateOutput(sequences=ids, scores=tuple(scores) if output_scores else None)


def beam_search(
    step,
    reorder,
    input_ids,
    *,
    num_beams,
    process,
    max_length,
    eos_token_ids,
    pad_token_id,
    length_penalty=1.0,
    early_stopping=False,
    num_return_sequences=1,
    use_cache=True,
    output_scores=False,
    rng=None,
):
    """Beam search (`_beam_search`). `input_ids` [B * num_beams, t0] are the start ids, repeated per beam.

    With `rng` (do_sample=True, beam sampling) the K candidates are drawn without replacement from
    softmax(accumulated scores over beams x vocab), in draw order (`_get_top_k_continuations`).
    """
    input_ids = np.asarray(input_ids, dtype=np.int64)
    flat, prompt_len = input_ids.shape
    batch = flat // num_beams
    n_eos = 0 if eos_token_ids is None else len(eos_token_ids)
    keep = max(2, 1 + n_eos) * num_beams  # candidates kept per step (K)
    top_beams = np.arange(keep) < num_beams  # [K] the candidates allowed to finish
    # transformers: `pad_token_id or eos_token_id[0] if eos_token_id is not None else -1`
    fill = (pad_token_id or eos_token_ids[0]) if eos_token_ids is not None else -1

    running_seq = np.full((batch, num_beams, max_length), fill, dtype=np.int64)  # [B, nb, Lmax]
    running_seq[:, :, :prompt_len] = input_ids.reshape(batch, num_beams, prompt_len)
    finished_seq = running_seq.copy()
    running_scores = np.zeros((batch, num_beams), dtype=FLOAT)  # [B, nb]
    running_scores[:, 1:] = BIG_NEG
    finished_scores = np.full((batch, num_beams), BIG_NEG, dtype=FLOAT)
    is_finished = np.zeros((batch, num_beams), dtype=bool)
    can_improve = np.ones((batch, 1), dtype=bool)  # is_early_stop_heuristic_unsatisfied
    running_beam_idx = np.full((batch, num_beams, max_length - prompt_len), -1, dtype=np.int64)
    finished_beam_idx = running_beam_idx.copy()
    batch_offset = (np.arange(batch) * num_beams)[:, None]  # [B, 1]
    scores = [] if output_scores else None

    cur_len = prompt_len
    cache = None
    tokens = input_ids
    while True:
        logits, cache = step(tokens, cache if use_cache else None)  # [B*nb, V]
        flat_ids = running_seq[:, :, :cur_len].reshape(flat, cur_len)
        log_probs = process(flat_ids, log_softmax(logits.astype(FLOAT, copy=False)))  # [B*nb, V]
        if output_scores:
            scores.append(log_probs)
        vocab = log_probs.shape[-1]
        totals = (log_probs.reshape(batch, num_beams, vocab) + running_scores[:, :, None]).reshape(batch, -1)

        # c. top-K continuations over beams x vocab
        cand = top_k(totals, keep) if rng is None else draw(sampling_probs(totals), keep, rng)  # [B, K]
        cand_scores = np.take_along_axis(totals, cand, axis=1)  # [B, K]
        cand_beam, cand_token = cand // vocab, cand % vocab
        cand_seq = np.take_along_axis(running_seq, cand_beam[:, :, None], axis=1)  # [B, K, Lmax]
        cand_seq[:, :, cur_len] = cand_token
        cand_beam_idx = np.take_along_axis(running_beam_idx, cand_beam[:, :, None], axis=1)  # [B, K, Lmax - t0]
        cand_beam_idx[:, :, cur_len - prompt_len] = cand_beam + batch_offset

        # d. which candidates end here (eos or max_length)
        hits = _hits_stopping_criteria(cand_token, cur_len + 1, max_length=max_length, eos_token_ids=eos_token_ids)

        # e. next running beams: the best num_beams candidates that did not end
        alive_scores = cand_scores + hits.astype(FLOAT) * BIG_NEG  # [B, K]
        best = top_k(alive_scores, num_beams)  # [B, nb]
        running_seq = np.take_along_axis(cand_seq, best[:, :, None], axis=1)
        running_scores = np.take_along_axis(alive_scores, best, axis=1)
        running_beam_idx = np.take_along_axis(cand_beam_idx, best[:, :, None], axis=1)

        # f. merge the candidates that ended into the finished hypotheses
        just_finished = hits & top_beams[None, :]  # [B, K]
        final = cand_scores / FLOAT((cur_len + 1 - prompt_len) ** length_penalty)
        full = np.all(is_finished, axis=-1, keepdims=True) & (early_stopping is True)
        final = final + full.astype(FLOAT) * BIG_NEG
        final = final + (~can_improve).astype(FLOAT) * BIG_NEG
        final = final + (~just_finished).astype(FLOAT) * BIG_NEG
        merged_scores = np.concatenate([finished_scores, final], axis=1)  # [B, nb + K]
        best = top_k(merged_scores, num_beams)
        finished_seq = np.take_along_axis(np.concatenate([finished_seq, cand_seq], axis=1), best[:, :, None], axis=1)
        finished_scores = np.take_along_axis(merged_scores, best, axis=1)
        finished_beam_idx = np.take_along_axis(
            np.concatenate([finished_beam_idx, cand_beam_idx], axis=1), best[:, :, None], axis=1
        )
        is_finished = np.take_along_axis(np.concatenate([is_finished, just_finished], axis=1), best, axis=1)

        # g. reorder the cache to the surviving beams, then decide whether to go on
        if use_cache:
            cache = reorder(cache, running_beam_idx[:, :, cur_len - prompt_len].reshape(flat))
        cur_len += 1
        can_improve = _early_stop_heuristic(
            can_improve,
            running_scores,
            finished_scores,
            is_finished,
            cur_len=cur_len,
            max_length=max_length,
            prompt_len=prompt_len,
            early_stopping=early_stopping,
            length_penalty=length_penalty,
        )
        open_beams = not (np.all(is_finished) and early_stopping is True)
        if not (can_improve.any() and open_beams and not np.all(hits)):
            break
        first = cur_len - 1 if use_cache else 0  # only the new token with a cache, else every token
        tokens = running_seq[:, :, first:cur_len].reshape(flat, cur_len - first)  # [B * nb, t_new]

    # 5. best num_return_sequences hypotheses per utterance, cropped to the longest one
    n_ret = num_return_sequences
    sequences = finished_seq[:, :n_ret].reshape(batch * n_ret, -1)
    seq_scores = finished_scores[:, :n_ret].reshape(batch * n_ret)
    beam_indices = finished_beam_idx[:, :n_ret].reshape(batch * n_ret, -1)
    generated = int((beam_indices != -1).sum(axis=1).max())
    return GenerateOutput(
        sequences=sequences[:, : prompt_len + generated],
        scores=tuple(scores) if output_scores else None,
        sequences_scores=seq_scores,
        beam_indices=beam_indices[:, :generated],
    )


def _early_stop_heuristic(
    can_improve,
    running_scores,
    finished_scores,
    is_finished,
    *,
    cur_len,
    max_length,
    prompt_len,
    early_stopping,
    length_penalty,
):
    """`_check_early_stop_heuristic`: may the best running beam still beat the worst finished one?"""
    if early_stopping == "never" and length_penalty > 0.0:
        best_length = max_length - prompt_len
    else:
        best_length = cur_len - prompt_len
    best_running = running_scores[:, :1] / FLOAT(best_length**length_penalty)  # [B, 1]
    worst_finished = np.where(is_finished, finished_scores.min(axis=1, keepdims=True), BIG_NEG)  # [B, nb]
    return can_improve & np.any(best_running > worst_finished, axis=-1, keepdims=True)
