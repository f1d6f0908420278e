"""Sampling (do_sample=True): the warpers against transformers' classes, one whole generate step
against transformers, the draws statistically, seeds, and the option checks.

torch's random stream cannot be matched token for token, so the draws are tested by their
distribution: observed frequencies of many seeded draws vs the processed distribution, with a
total-variation bound that the distribution without the warpers (or without temperature) fails.
"""

import numpy as np
import pytest

from s2t_np import GenerationError
from s2t_np.logits_process import remove_invalid, renormalize
from s2t_np.sampling import (
    as_generator,
    build_warpers,
    draw,
    keep_epsilon,
    keep_eta,
    keep_min_p,
    keep_top_k,
    keep_top_p,
    keep_typical,
    scale_temperature,
)
from tests.support.generation_helpers import VARIED, features, make_pair, run_both
from tests.support.tolerances import GEN_SCORES, SAMPLING_TV_RATIO, WARPER_SCORES


def score_cases():
    """Random rows, and adversarial ones: ties, -inf entries, one dominant token, a flat row."""
    rng = np.random.default_rng(0)
    random = rng.standard_normal((6, 40)).astype(np.float32) * 3
    ties = np.repeat(rng.standard_normal((3, 8)).astype(np.float32), 5, axis=1)  # every value 5 times
    with_inf = random[:3].copy()
    with_inf[:, ::3] = -np.inf
    peaked = np.zeros((2, 40), np.float32)
    peaked[:, 7] = 30.0
    flat = np.zeros((2, 40), np.float32)
    return {"random": random, "ties": ties, "neg_inf": with_inf, "peaked": peaked, "flat": flat}


WARPERS = [
    ("temperature", scale_temperature, "TemperatureLogitsWarper", dict(temperature=0.7), dict(temperature=0.7)),
    ("top_k", keep_top_k, "TopKLogitsWarper", dict(top_k=5), dict(top_k=5)),
    ("top_k_keep", keep_top_k, "TopKLogitsWarper", dict(top_k=2, min_tokens_to_keep=4), None),
    ("top_p", keep_top_p, "TopPLogitsWarper", dict(top_p=0.8), dict(top_p=0.8)),
    ("top_p_keep", keep_top_p, "TopPLogitsWarper", dict(top_p=0.05, min_tokens_to_keep=3), None),
    ("min_p", keep_min_p, "MinPLogitsWarper", dict(min_p=0.2), dict(min_p=0.2)),
    ("min_p_keep", keep_min_p, "MinPLogitsWarper", dict(min_p=0.9, min_tokens_to_keep=3), None),
    ("typical", keep_typical, "TypicalLogitsWarper", dict(typical_p=0.6), dict(mass=0.6)),
    ("typical_keep", keep_typical, "TypicalLogitsWarper", dict(typical_p=0.1, min_tokens_to_keep=3), None),
    ("epsilon", keep_epsilon, "EpsilonLogitsWarper", dict(epsilon=0.03), dict(epsilon=0.03)),
    ("epsilon_keep", keep_epsilon, "EpsilonLogitsWarper", dict(epsilon=0.3, min_tokens_to_keep=3), None),
    ("eta", keep_eta, "EtaLogitsWarper", dict(eta=0.05), dict(epsilon=0.05)),
    ("eta_keep", keep_eta, "EtaLogitsWarper", dict(eta=0.5, min_tokens_to_keep=3), None),
]


def assert_same_scores(ours, ref, atol):
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], atol=atol, rtol=0)


@pytest.mark.parametrize("name, ours_fn, cls_name, ours_kw, ref_kw", WARPERS, ids=[w[0] for w in WARPERS])
@pytest.mark.parametrize("case", list(score_cases()))
def test_warper_matches_transformers(torch, transformers, name, ours_fn, cls_name, ours_kw, ref_kw, case):
    import transformers.generation.logits_process as lp

    scores = score_cases()[case]
    if ref_kw is None:  # the *_keep variants: same arguments plus min_tokens_to_keep
        ref_kw = {k: v for k, v in ours_kw.items() if k != "min_tokens_to_keep"}
        ref_kw = {{"typical_p": "mass", "eta": "epsilon"}.get(k, k): v for k, v in ref_kw.items()}
        ref_kw["min_tokens_to_keep"] = ours_kw["min_tokens_to_keep"]
    ids = np.zeros((scores.shape[0], 1), np.int64)
    ref = getattr(lp, cls_name)(**ref_kw)(torch.from_numpy(ids), torch.from_numpy(scores.copy())).numpy()
    ours = ours_fn(ids, scores, **ours_kw)
    assert ours.dtype == np.float32
    for a, b, row in zip(ours, ref, scores):
        if name.startswith(("top_p", "typical", "min_p")) and len(np.unique(row)) < len(row):
            # sort-based with exact ties: which tied token goes at the boundary follows torch's
            # unstable sort order (implementation-defined); the kept values must be the same multiset
            np.testing.assert_array_equal(np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)]))
        else:
            assert_same_scores(a[None], b[None], WARPER_SCORES)
    if name != "temperature" and case in ("random", "ties"):
        assert np.isneginf(ours).any()  # the case really removed tokens


def test_inf_nan_removal_and_renormalization_match_transformers(torch, transformers):
    from transformers.generation.logits_process import InfNanRemoveLogitsProcessor, LogitNormalization

    scores = np.array([[1.0, np.nan, np.inf, -np.inf, -2.0]], np.float32)
    ids = torch.zeros((1, 1), dtype=torch.long)
    ref = InfNanRemoveLogitsProcessor()(ids, torch.from_numpy(scores.copy())).numpy()
    np.testing.assert_array_equal(remove_invalid(None, scores), ref)
    x = score_cases()["neg_inf"]
    ref = LogitNormalization()(ids, torch.from_numpy(x.copy())).numpy()
    assert_same_scores(renormalize(None, x), ref, WARPER_SCORES)


@pytest.fixture(scope="module")
def varied(tmp_path_factory, torch, transformers):
    return make_pair(tmp_path_factory.mktemp("varied"), **VARIED)


CHAINS = [
    dict(),  # the defaults: top_k=50 (vocab 97)
    dict(temperature=0.6, top_k=20, top_p=0.9),
    dict(temperature=1.3, min_p=0.05, typical_p=0.9, repetition_penalty=1.2),
    dict(epsilon_cutoff=0.01, eta_cutoff=0.02, top_k=0, renormalize_logits=True),
    dict(remove_invalid_values=True, top_p=0.5, bad_words_ids=[[5], [7]]),
]


@pytest.mark.parametrize("num_beams", [1, 3])
@pytest.mark.parametrize("options", CHAINS, ids=lambda d: ",".join(d) or "defaults")
def test_first_sampling_step_scores_match_transformers(varied, num_beams, options):
    """The whole processor + warper chain of one generate step: scores[0] (what is sampled from)."""
    feats, mask = features([120, 90])
    kw = dict(do_sample=True, num_beams=num_beams, max_new_tokens=1, return_dict_in_generate=True, **options)
    ours, ref = run_both(varied, feats, mask, output_scores=True, **kw)
    assert ours.sequences.shape == tuple(ref.sequences.shape)
    ref_scores = ref.scores[0].numpy()
    assert_same_scores(ours.scores[0], ref_scores, GEN_SCORES[0])
    # every sampled token had a non-zero probability
    first = ours.sequences[:, 1]
    if num_beams == 1:
        assert np.all(np.isfinite(ours.scores[0][np.arange(len(first)), first]))


def tv_ratio(outcomes, probs):
    """Total-variation distance between the frequencies of `outcomes` and `probs`, divided by the
    distance expected from sampling noise alone, 0.5 * sum_i sqrt(2 p_i (1 - p_i) / (pi n))."""
    probs = np.asarray(probs, np.float64)
    counts = np.bincount(outcomes, minlength=probs.size) / len(outcomes)
    expected = 0.5 * np.sum(np.sqrt(2 * probs * (1 - probs) / (np.pi * len(outcomes))))
    return 0.5 * float(np.abs(counts - probs).sum()) / expected


def assert_follows(outcomes, probs, wrong):
    """Derandomized (fixed seeds): close to `probs`, and a wrong distribution would fail the bound."""
    assert tv_ratio(outcomes, probs) < SAMPLING_TV_RATIO
    assert tv_ratio(outcomes, wrong) > 2 * SAMPLING_TV_RATIO


def test_draw_frequencies_follow_the_distribution():
    """draw(k=1) over 20000 seeded draws: TV distance to p is small; to a different p it is not."""
    rng = np.random.default_rng(1)
    logits = rng.standard_normal(30).astype(np.float32) * 2
    p = np.exp(logits) / np.exp(logits).sum()
    probs = np.broadcast_to(p, (20000, 30))
    tokens = draw(probs, 1, np.random.default_rng(5))[:, 0]
    hotter = np.exp(logits / 2) / np.exp(logits / 2).sum()  # a temperature of 2 instead of 1
    assert_follows(tokens, p, hotter)


def test_draw_without_replacement_is_sequential_sampling():
    """k = 2: P(first = i, second = j) = p_i p_j / (1 - p_i) (torch.multinomial without replacement)."""
    p = np.array([0.5, 0.3, 0.15, 0.05, 0.0])
    pairs = draw(np.broadcast_to(p, (20000, 5)), 2, np.random.default_rng(2))
    assert np.all(pairs[:, 0] != pairs[:, 1]) and not np.any(pairs == 4)
    expected = np.array([[pi * pj / (1 - pi) if i != j else 0.0 for j, pj in enumerate(p)] for i, pi in enumerate(p)])
    independent = np.outer(p, p)  # a wrong rule: independent draws with replacement
    assert_follows(pairs[:, 0] * 5 + pairs[:, 1], expected.ravel(), independent.ravel())


def test_generate_samples_from_the_processed_distribution(varied):
    """The first generated token of 6000 rows (num_return_sequences) follows softmax(scores[0]) with
    temperature 0.5; the distribution without temperature is ruled out."""
    feats, mask = features([100])
    out = varied.ours.generate(
        feats,
        mask,
        do_sample=True,
        temperature=0.5,
        top_k=0,
        num_return_sequences=6000,
        max_new_tokens=1,
        return_dict_in_generate=True,
        output_scores=True,
        output_logits=True,
        generator=11,
    )
    scores, logits = out.scores[0][0].astype(np.float64), out.logits[0][0].astype(np.float64)
    np.testing.assert_allclose(scores, logits / 0.5, rtol=1e-6)  # top_k=0: temperature only
    p = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    raw = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()  # no temperature
    assert_follows(out.sequences[:, 1], p, raw)


@pytest.mark.parametrize("num_beams", [1, 3])
def test_seed_reproducibility(varied, num_beams):
    feats, mask = features([120, 90, 60])
    kw = dict(do_sample=True, num_beams=num_beams, max_new_tokens=12, top_k=0, temperature=1.5)
    a = varied.ours.generate(feats, mask, generator=7, **kw)
    b = varied.ours.generate(feats, mask, generator=np.random.default_rng(7), **kw)
    np.testing.assert_array_equal(a, b)
    others = [varied.ours.generate(feats, mask, generator=s, **kw) for s in (8, 9)]
    assert any(o.shape != a.shape or np.any(o != a) for o in others)
    fresh = [varied.ours.generate(feats, mask, **kw) for _ in range(2)]
    assert fresh[0].shape != fresh[1].shape or np.any(fresh[0] != fresh[1])


def test_beam_sample_outputs_are_consistent(varied):
    """Beam sampling returns num_return_sequences hypotheses per utterance with scores and beam indices
    of transformers' shapes; greedy sampling with num_return_sequences expands the rows."""
    feats, mask = features([120, 90])
    kw = dict(do_sample=True, max_new_tokens=8, return_dict_in_generate=True, output_scores=True, generator=3)
    beam = varied.ours.generate(feats, mask, num_beams=4, num_return_sequences=2, **kw)
    assert beam.sequences.shape[0] == 4 and beam.sequences_scores.shape == (4,)
    assert beam.beam_indices.shape == (4, beam.sequences.shape[1] - 1)
    assert all(s.shape == (8, 97) for s in beam.scores)
    sample = varied.ours.generate(feats, mask, num_return_sequences=3, **kw)
    assert sample.sequences.shape[0] == 6 and all(s.shape == (6, 97) for s in sample.scores)


BAD = [
    (dict(temperature=0.0), "strictly positive float"),
    (dict(temperature=-1.0), "strictly positive float"),
    (dict(top_k=-3), "strictly positive integer"),
    (dict(top_p=-0.5), "top_p"),
    (dict(min_p=1.5), "min_p"),
    (dict(typical_p=0.0), "typical_p"),
    (dict(top_k="5"), "top_k"),
]


@pytest.mark.parametrize("kwargs, message", BAD, ids=[str(b[0]) for b in BAD])
def test_bad_sampling_options_are_errors_like_transformers(varied, torch, kwargs, message):
    feats, mask = features([80])
    with pytest.raises(GenerationError, match=message):
        varied.ours.generate(feats, mask, do_sample=True, max_new_tokens=2, **kwargs)
    with pytest.raises((ValueError, TypeError)):
        varied.ref.generate(torch.from_numpy(feats), do_sample=True, max_new_tokens=2, **kwargs)


def test_bad_options_without_do_sample_are_ignored_like_transformers(varied):
    feats, mask = features([80])
    a = varied.ours.generate(feats, mask, max_new_tokens=4, temperature=0.0, top_k=-3)
    np.testing.assert_array_equal(a, varied.ours.generate(feats, mask, max_new_tokens=4))


def test_every_token_removed_is_an_error():
    with pytest.raises(GenerationError, match="nan"):
        from s2t_np.sampling import sampling_probs

        sampling_probs(np.full((1, 5), -np.inf, np.float32))


def test_generator_argument():
    assert isinstance(as_generator(None), np.random.Generator)
    g = np.random.default_rng(0)
    assert as_generator(g) is g
    for bad in ("3", 1.5, True):
        with pytest.raises(GenerationError, match="generator"):
            as_generator(bad)


def test_warper_chain_order():
    """build_warpers applies temperature before top-k (transformers' order): with temperature 0.5 and
    top_k 1 the survivor is still the argmax; with min_tokens_to_keep 3, top_k 1 keeps 3."""
    scores = np.array([[1.0, 3.0, 2.0, 0.5]], np.float32)
    chain = build_warpers(temperature=0.5, top_k=1)
    out = scores
    for w in chain:
        out = w(None, out)
    np.testing.assert_array_equal(np.isfinite(out), [[False, True, False, False]])
    assert out[0, 1] == np.float32(6.0)
    out = build_warpers(top_k=1, min_tokens_to_keep=3)[0](None, scores)
    assert np.isfinite(out).sum() == 3
