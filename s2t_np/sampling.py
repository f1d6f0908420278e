"""Sampling: the logits warpers of transformers' `generate(do_sample=True)` and the token draws.

Each warper has the processor signature of s2t_np/logits_process.py (input_ids [N, t], scores
[N, V] float32 -> scores) and mirrors one class of transformers 5.23 `generation/logits_process.py`;
a removed token gets -inf. `min_tokens_to_keep` is 1 for sampling and n_eos + 1 for beam sampling
(`_get_logits_processor`).

| function | transformers class | keeps |
| --- | --- | --- |
| `scale_temperature` | TemperatureLogitsWarper | every token: s / temperature |
| `keep_top_k` | TopKLogitsWarper | tokens scoring >= the k-th best (ties at the k-th all kept) |
| `keep_top_p` | TopPLogitsWarper | the smallest top set with probability > top_p |
| `keep_min_p` | MinPLogitsWarper | tokens with p >= min_p * max p |
| `keep_typical` | TypicalLogitsWarper | tokens closest to the entropy, -log p ~ H, up to mass typical_p |
| `keep_epsilon` | EpsilonLogitsWarper | tokens with p >= epsilon |
| `keep_eta` | EtaLogitsWarper | tokens with p >= min(eta, sqrt(eta) * exp(-H)) |

`build_warpers` chains them in `_get_logits_processor`'s order (temperature, top-k, top-p, min-p,
typical, epsilon, eta). The draws:

    draw(probs [N, V], k, rng) -> int64 [N, k]

pick k distinct tokens per row with the exponential trick torch.multinomial uses (the k largest
p / E, E ~ Exp(1) i.i.d.): a draw without replacement in the order of successive draws, and for
k = 1 an ordinary draw from `probs`. Tokens of probability 0 are never drawn ahead of a positive
one. torch's random stream cannot be reproduced; the distribution is the same.
"""

import numpy as np

from .errors import GenerationError
from .nn import log_softmax, softmax

NEG_INF = np.float32(-np.inf)


def scale_temperature(input_ids, scores, *, temperature):
    return scores / np.float32(temperature)


def _kth_largest(scores, k):
    """The k-th largest score of each row [N, 1] (k is clipped to the vocabulary)."""
    k = min(k, scores.shape[-1])
    return -np.partition(-scores, k - 1, axis=-1)[:, k - 1 : k]


def keep_top_k(input_ids, scores, *, top_k, min_tokens_to_keep=1):
    return np.where(scores < _kth_largest(scores, max(top_k, min_tokens_to_keep)), NEG_INF, scores)


def _scatter_back(sorted_indices, sorted_remove):
    """Undo a per-row sort of a boolean mask: out[n, sorted_indices[n, j]] = sorted_remove[n, j]."""
    out = np.empty_like(sorted_remove)
    np.put_along_axis(out, sorted_indices, sorted_remove, axis=-1)
    return out


def _cumsum(probs):
    """Row-wise cumulative sum as torch's CPU cumsum: float64 accumulator, float32 results."""
    return np.cumsum(probs, axis=-1, dtype=np.float64).astype(np.float32)


def keep_top_p(input_ids, scores, *, top_p, min_tokens_to_keep=1):
    order = np.argsort(scores, axis=-1, kind="stable")  # ascending, as torch.sort(descending=False)
    cumulative = _cumsum(softmax(np.take_along_axis(scores, order, axis=-1)))
    remove = cumulative <= np.float32(1 - top_p)
    remove[:, -min_tokens_to_keep:] = False
    return np.where(_scatter_back(order, remove), NEG_INF, scores)


def keep_min_p(input_ids, scores, *, min_p, min_tokens_to_keep=1):
    probs = softmax(scores)
    remove = probs < np.float32(min_p) * probs.max(axis=-1, keepdims=True)
    k = min(min_tokens_to_keep, probs.shape[-1])
    top = np.argsort(-probs, axis=-1, kind="stable")[:, :k]
    np.put_along_axis(remove, top, False, axis=-1)
    return np.where(remove, NEG_INF, scores)


def keep_typical(input_ids, scores, *, typical_p, min_tokens_to_keep=1):
    normalized = log_softmax(scores)
    p = np.exp(normalized)
    with np.errstate(invalid="ignore"):
        entropy = -np.nansum(normalized * p, axis=-1, keepdims=True)
    shifted = np.abs(-normalized - entropy)
    order = np.argsort(shifted, axis=-1, kind="stable")
    sorted_shifted = np.take_along_axis(shifted, order, axis=-1)
    cumulative = _cumsum(softmax(np.take_along_axis(scores, order, axis=-1)))
    last = np.minimum((cumulative < np.float32(typical_p)).sum(axis=-1), shifted.shape[-1] - 1)  # [N]
    remove = sorted_shifted > np.take_along_axis(sorted_shifted, last[:, None], axis=-1)
    remove[:, :min_tokens_to_keep] = False
    return np.where(_scatter_back(order, remove), NEG_INF, scores)


def _cutoff(scores, threshold, min_tokens_to_keep):
    """-inf where p < threshold, except the min_tokens_to_keep best (Epsilon / Eta warpers)."""
    remove = (softmax(scores) < threshold) & (scores < _kth_largest(scores, min_tokens_to_keep))
    return np.where(remove, NEG_INF, scores)


def keep_epsilon(input_ids, scores, *, epsilon, min_tokens_to_keep=1):
    return _cutoff(scores, np.float32(epsilon), min_tokens_to_keep)


def keep_eta(input_ids, scores, *, eta, min_tokens_to_keep=1):
    logp = log_softmax(scores)
    # torch.distributions.Categorical.entropy: -inf log-probs are clamped to the float minimum, so p log p = 0
    logp = np.maximum(logp, np.finfo(np.float32).min)
    entropy = -(logp * np.exp(logp)).sum(axis=-1, keepdims=True)  # [N, 1]
    eta = np.float32(eta)
    return _cutoff(scores, np.minimum(eta, np.sqrt(eta) * np.exp(-entropy)), min_tokens_to_keep)


def build_warpers(
    *,
    temperature=1.0,
    top_k=None,
    top_p=None,
    min_p=None,
    typical_p=None,
    epsilon_cutoff=None,
    eta_cutoff=None,
    min_tokens_to_keep=1,
):
    """The warper chain of `_get_logits_processor` for do_sample=True (values already validated).

    Returns a list of processors `(input_ids, scores) -> scores`, applied after the logits processors.
    """
    keep = min_tokens_to_keep
    warpers = []
    if temperature is not None and temperature != 1.0:
        warpers.append(lambda ids, s: scale_temperature(ids, s, temperature=temperature))
    if top_k is not None and top_k != 0:
        warpers.append(lambda ids, s: keep_top_k(ids, s, top_k=top_k, min_tokens_to_keep=keep))
    if top_p is not None and top_p < 1.0:
        warpers.append(lambda ids, s: keep_top_p(ids, s, top_p=top_p, min_tokens_to_keep=keep))
    if min_p is not None:
        warpers.append(lambda ids, s: keep_min_p(ids, s, min_p=min_p, min_tokens_to_keep=keep))
    if typical_p is not None and typical_p < 1.0:
        warpers.append(lambda ids, s: keep_typical(ids, s, typical_p=typical_p, min_tokens_to_keep=keep))
    if epsilon_cutoff is not None and 0.0 < epsilon_cutoff < 1.0:
        warpers.append(lambda ids, s: keep_epsilon(ids, s, epsilon=epsilon_cutoff, min_tokens_to_keep=keep))
    if eta_cutoff is not None and 0.0 < eta_cutoff < 1.0:
        warpers.append(lambda ids, s: keep_eta(ids, s, eta=eta_cutoff, min_tokens_to_keep=keep))
    return warpers


def sampling_probs(scores):
    """softmax of processed scores [N, V] -> probabilities, with torch.multinomial's checks as GenerationError."""
    with np.errstate(invalid="ignore", over="ignore"):
        probs = softmax(scores.astype(np.float32, copy=False))
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise GenerationError(
            "probability tensor contains either `inf`, `nan` or element < 0: every token of a row was removed "
            "or the scores are not finite (remove_invalid_values=True replaces inf / nan scores)"
        )
    return probs


def draw(probs, k, rng):
    """k distinct token ids per row [N, k] drawn from probs [N, V] without replacement, in draw order.

    The exponential trick: the k largest probs / E with E ~ Exp(1). Zero-probability tokens have
    key 0 and come last; if a row has fewer than k positive entries they fill it, lowest id first
    (torch leaves that order unspecified).
    """
    if k > probs.shape[-1]:
        raise GenerationError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    keys = probs / rng.exponential(size=probs.shape)  # [N, V]
    return np.argsort(-keys, axis=-1, kind="stable")[:, :k].astype(np.int64)


def as_generator(generator):
    """`generate(generator=...)`: a numpy Generator is used as is, an int seeds a new one, None is fresh entropy."""
    if generator is None or isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(generator)
    if isinstance(generator, np.random.Generator):
        return generator
    raise GenerationError(
        f"`generator` must be a numpy.random.Generator, an integer seed or None, got {type(generator).__name__}"
    )
