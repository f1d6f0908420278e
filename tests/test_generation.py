"""generate() against transformers' generate, token for token, on random-weight reference models.

Both sides load the same directory and get identical input_features arrays. Sequences must be
equal; per-step scores, sequences_scores and beam_indices are compared too (tolerances.py).
Every case also checks that it is not degenerate (long, varied sequences; eos finishing where
the case is about finishing), so a pass means the search really was exercised.
"""

import warnings

import numpy as np
import pytest

from tests.support.generation_helpers import (
    EOS_PRONE,
    VARIED,
    assert_long_and_varied,
    assert_same_generation,
    features,
    finished_early,
    make_pair,
    run_both,
)
from tests.support.reference_models import S2T_SMALL_SIZE
from tests.support.tolerances import GEN_SCORES, GEN_SCORES_S2T_SMALL, GEN_SEQUENCES_SCORES

PAD, EOS = 1, 2
OUT = dict(return_dict_in_generate=True, output_scores=True)


@pytest.fixture(scope="module")
def varied(tmp_path_factory, torch, transformers):
    return make_pair(tmp_path_factory.mktemp("varied"), **VARIED)


@pytest.fixture(scope="module")
def eos_prone(tmp_path_factory, torch, transformers):
    return make_pair(tmp_path_factory.mktemp("eos_prone"), **EOS_PRONE)


@pytest.fixture(scope="module")
def batch():
    """Three utterances of different lengths, right-padded, with their frame mask."""
    return features([120, 90, 60])


def check(pair, batch, tol=GEN_SCORES, **kwargs):
    ours, ref = run_both(pair, *batch, **OUT, **kwargs)
    assert_same_generation(ours, ref, tol, GEN_SEQUENCES_SCORES)
    return ours, ref


# ---- greedy --------------------------------------------------------------------------------------
def test_greedy(varied, batch):
    ours, _ = check(varied, batch, max_new_tokens=30)
    assert ours.sequences.shape == (3, 31)
    assert_long_and_varied(ours.sequences, pad_token_id=PAD, min_tokens=25, min_distinct=10)


def test_greedy_pads_finished_rows(eos_prone, batch):
    ours, _ = check(eos_prone, batch, max_length=30)
    done = finished_early(ours.sequences, eos_token_id=EOS, max_length=30)
    assert done.any() and not done.all(), "the case needs rows that finish early and rows that do not"
    for row in ours.sequences[done]:
        end = np.flatnonzero(row[1:] == EOS)[0] + 1
        assert (row[end + 1 :] == PAD).all(), row
    assert_long_and_varied(ours.sequences[~done], pad_token_id=PAD, min_tokens=25)


def test_greedy_default_length(varied, batch):
    """No length argument anywhere: transformers generates 20 new tokens (max_length 20 + prompt)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours, _ = check(varied, batch)
    assert ours.sequences.shape == (3, 21)


# ---- beam search ---------------------------------------------------------------------------------
@pytest.mark.parametrize("num_beams", [2, 3, 4, 5])
def test_beam_sizes(varied, batch, num_beams):
    ours, _ = check(varied, batch, num_beams=num_beams, max_length=30)
    assert_long_and_varied(ours.sequences, pad_token_id=PAD, min_tokens=20, min_distinct=8)


@pytest.mark.parametrize("length_penalty", [-1.0, 0.0, 0.5, 2.0])
def test_length_penalty(eos_prone, batch, length_penalty):
    ours, _ = check(eos_prone, batch, num_beams=4, num_return_sequences=3, max_length=30, length_penalty=length_penalty)
    assert np.unique(ours.sequences[:, 1:]).size >= 10


@pytest.mark.parametrize("early_stopping", [True, False, "never"])
def test_early_stopping(eos_prone, batch, early_stopping):
    ours, _ = check(eos_prone, batch, num_beams=4, num_return_sequences=3, max_length=30, early_stopping=early_stopping)
    assert np.unique(ours.sequences[:, 1:]).size >= 10


def test_finishing_cases_are_sensitive(eos_prone, batch):
    """Guards the two tests above: on this case hypotheses finish with eos at several lengths, and
    each early_stopping mode and each length_penalty returns different hypotheses, so a search
    that mishandled either could not pass them."""

    def run(**kwargs):
        return eos_prone.ours.generate(*batch, num_beams=4, num_return_sequences=3, max_length=30, **kwargs)

    def all_differ(outs):
        return all(a.shape != b.shape or not np.array_equal(a, b) for i, a in enumerate(outs) for b in outs[i + 1 :])

    by_mode = [run(early_stopping=mode) for mode in (True, False, "never")]
    by_penalty = [run(length_penalty=lp) for lp in (0.0, 1.0, 2.0)]
    assert all_differ(by_mode), "early_stopping modes agree on this case"
    assert all_differ(by_penalty), "length penalties agree on this case"
    ends = {
        int(np.flatnonzero(row[1:] == EOS)[0]) for out in by_mode + by_penalty for row in out if (row[1:] == EOS).any()
    }
    assert len(ends) >= 4, f"hypotheses should finish at several lengths, got {sorted(ends)}"


def test_num_return_sequences(varied, batch):
    ours, _ = check(varied, batch, num_beams=4, num_return_sequences=3, max_length=30)
    assert ours.sequences.shape[0] == 9 and ours.sequences_scores.shape == (9,)
    # hypotheses of one utterance are sorted best first
    assert (np.diff(ours.sequences_scores.reshape(3, 3), axis=1) <= 0).all()


# ---- lengths ---------------------------------------------------------------------------------
def test_max_new_tokens_and_min_length(eos_prone, batch):
    ours, _ = check(eos_prone, batch, num_beams=3, max_new_tokens=25, min_length=15)
    assert ours.sequences.shape[1] <= 26
    for row in ours.sequences:
        assert not (row[1:15] == EOS).any(), f"eos before min_length: {row}"


def test_min_new_tokens_greedy(eos_prone, batch):
    ours, _ = check(eos_prone, batch, max_new_tokens=25, min_new_tokens=20)
    assert not (ours.sequences[:, 1:21] == EOS).any()


# ---- logits processors -----------------------------------------------------------------------
@pytest.mark.parametrize("num_beams", [1, 3])
def test_forced_bos(varied, batch, num_beams):
    ours, _ = check(varied, batch, num_beams=num_beams, max_length=25, forced_bos_token_id=7)
    assert (ours.sequences[:, 1] == 7).all()
    assert_long_and_varied(ours.sequences, pad_token_id=PAD, min_tokens=15)


def test_forced_eos(varied, batch):
    ours, _ = check(varied, batch, num_beams=3, max_length=20, forced_eos_token_id=EOS)
    assert (ours.sequences[:, -1] == EOS).all()


@pytest.mark.parametrize("num_beams, size", [(1, 2), (3, 3)])
def test_no_repeat_ngram(varied, batch, num_beams, size):
    ours, _ = check(varied, batch, num_beams=num_beams, max_length=30, no_repeat_ngram_size=size)
    for row in ours.sequences:
        grams = [tuple(row[i : i + size]) for i in range(len(row) - size + 1)]
        assert len(grams) == len(set(grams)), f"repeated {size}-gram in {row}"


@pytest.mark.parametrize("num_beams", [1, 3])
def test_repetition_penalty(varied, batch, num_beams):
    ours, _ = check(varied, batch, num_beams=num_beams, max_length=30, repetition_penalty=1.3)
    assert_long_and_varied(ours.sequences, pad_token_id=PAD, min_tokens=25, min_distinct=15)


@pytest.mark.parametrize("num_beams", [1, 3])
def test_bad_words(varied, batch, num_beams):
    plain = varied.ours.generate(*batch, num_beams=num_beams, max_length=30)
    assert (plain == 44).any() and ((plain[:, :-1] == 95) & (plain[:, 1:] == 54)).any(), "case must hit the banned ids"
    ours, _ = check(varied, batch, num_beams=num_beams, max_length=30, bad_words_ids=[[44], [95, 54]])
    seq = ours.sequences
    assert not (seq == 44).any() and not ((seq[:, :-1] == 95) & (seq[:, 1:] == 54)).any()


# ---- inputs and cache ------------------------------------------------------------------------
@pytest.mark.parametrize("num_beams", [1, 4])
def test_single_utterance_without_mask(varied, num_beams):
    feats, _ = features([100], seed=1)
    ours, _ = check(varied, (feats, None), num_beams=num_beams, max_length=30)
    assert_long_and_varied(ours.sequences, pad_token_id=PAD, min_tokens=20)


@pytest.mark.parametrize("num_beams", [1, 3])
def test_cached_equals_uncached(eos_prone, batch, num_beams):
    kwargs = dict(num_beams=num_beams, max_length=30, **OUT)
    cached = eos_prone.ours.generate(*batch, use_cache=True, **kwargs)
    recomputed = eos_prone.ours.generate(*batch, use_cache=False, **kwargs)
    np.testing.assert_array_equal(cached.sequences, recomputed.sequences)
    for a, b in zip(cached.scores, recomputed.scores):
        np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b))
        np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], atol=GEN_SCORES[0], rtol=GEN_SCORES[1])
    # and the uncached path matches transformers' uncached generate
    check(eos_prone, batch, use_cache=False, num_beams=num_beams, max_length=30)


# ---- the s2t-small size ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s2t_small(tmp_path_factory, torch, transformers):
    return make_pair(
        tmp_path_factory.mktemp("s2t_small"), seed=1, init_std=0.1, tie_word_embeddings=False, **S2T_SMALL_SIZE
    )


@pytest.mark.parametrize("num_beams", [1, 3])
def test_s2t_small_size(s2t_small, num_beams):
    feats, mask = features([60, 45], seed=0)
    ours, _ = check(s2t_small, (feats, mask), tol=GEN_SCORES_S2T_SMALL, num_beams=num_beams, max_new_tokens=12)
    assert_long_and_varied(ours.sequences, pad_token_id=PAD, min_tokens=12, min_distinct=8)
