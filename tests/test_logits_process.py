"""Each logits processor of s2t_np/logits_process.py against the transformers class it mirrors.

Same input_ids and float32 scores on both sides; the outputs must be identical (the operations
are elementwise selections and one multiply/divide, so there is nothing to round differently).
"""

import numpy as np
import pytest

from s2t_np import logits_process as lp
from s2t_np.errors import GenerationError

V = 50


@pytest.fixture(scope="module")
def hf(transformers):
    from transformers.generation import logits_process

    return logits_process


def sample(seed, n=6, t=12):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 8, size=(n, t)).astype(np.int64)  # small id range: many repeats and n-gram hits
    ids[:, 0] = 2  # decoder start token
    scores = (rng.standard_normal((n, V)) * 3).astype(np.float32)
    return ids, scores


def reference(processor, ids, scores):
    import torch

    return processor(torch.from_numpy(ids), torch.from_numpy(scores.copy())).numpy()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("penalty", [0.7, 1.3, 2.0])
def test_repetition_penalty(hf, seed, penalty):
    ids, scores = sample(seed)
    want = reference(hf.RepetitionPenaltyLogitsProcessor(penalty), ids, scores)
    np.testing.assert_array_equal(lp.penalize_repetition(ids, scores, penalty=penalty), want)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("size", [1, 2, 3, 13])
@pytest.mark.parametrize("t", [1, 2, 5, 12])
def test_no_repeat_ngram(hf, seed, size, t):
    ids, scores = sample(seed, t=t)
    want = reference(hf.NoRepeatNGramLogitsProcessor(size), ids, scores)
    got = lp.ban_repeated_ngrams(ids, scores, ngram_size=size)
    np.testing.assert_array_equal(got, want)
    if size == 2 and t >= 5:
        assert np.isneginf(got).any(), "case should ban something"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("t", [1, 2, 12])
def test_bad_words(hf, seed, t):
    ids, scores = sample(seed, t=t)
    words = [[5], [3, 4], [2, 6, 7], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9], [2]]  # [2] is eos: dropped
    want = reference(hf.NoBadWordsLogitsProcessor(words, eos_token_id=2), ids, scores)
    got = lp.ban_bad_words(ids, scores, bad_words_ids=lp.check_bad_words_ids(words, (2,), V))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("t", [1, 4, 5, 9])
def test_min_length_and_min_new_tokens(hf, t):
    ids, scores = sample(0, t=t)
    np.testing.assert_array_equal(
        lp.ban_eos_before_min_length(ids, scores, min_length=5, eos_token_ids=(2, 7)),
        reference(hf.MinLengthLogitsProcessor(5, [2, 7]), ids, scores),
    )
    np.testing.assert_array_equal(
        lp.ban_eos_before_min_new_tokens(ids, scores, prompt_length=1, min_new_tokens=4, eos_token_ids=(2,)),
        reference(hf.MinNewTokensLengthLogitsProcessor(1, 4, 2), ids, scores),
    )


@pytest.mark.parametrize("t", [1, 2, 9, 10])
def test_forced_bos_and_eos(hf, t):
    ids, scores = sample(1, t=t)
    np.testing.assert_array_equal(
        lp.force_bos(ids, scores, token_id=11), reference(hf.ForcedBOSTokenLogitsProcessor(11), ids, scores)
    )
    np.testing.assert_array_equal(
        lp.force_eos(ids, scores, max_length=10, eos_token_ids=(2, 3)),
        reference(hf.ForcedEOSTokenLogitsProcessor(10, [2, 3]), ids, scores),
    )


@pytest.mark.parametrize(
    "words, message",
    [
        ([], "non-empty list"),
        ([5], "list of lists"),
        ([[-1]], "positive integers"),
        ([[3, 99]], "vocabulary size is 50"),
    ],
)
def test_bad_words_validation(hf, words, message):
    with pytest.raises(GenerationError, match=message):
        lp.check_bad_words_ids(words, (2,), V)
    with pytest.raises(ValueError):  # transformers rejects the same lists (when built or on first use)
        proc = hf.NoBadWordsLogitsProcessor(words, eos_token_id=2)
        reference(proc, *sample(0))


def test_bad_words_no_ops(hf):
    """[eos] entries are dropped and empty sequences never apply, in transformers as here."""
    ids, scores = sample(2)
    for words in ([[2]], [[]], [[], [2]]):
        assert lp.check_bad_words_ids(words, (2,), V) == ()
        np.testing.assert_array_equal(
            reference(hf.NoBadWordsLogitsProcessor(words, eos_token_id=2), ids, scores), scores
        )
        np.testing.assert_array_equal(lp.ban_bad_words(ids, scores, bad_words_ids=()), scores)
