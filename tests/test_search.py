"""The search alone against transformers' generate: s2t_np's greedy / beam search driven by the
*reference model's own logits* (a torch decoder step), so model numerics are out of the picture.

With identical logits, only log_softmax (NumPy vs torch, ~1e-7) can differ, so sequences and
beam_indices must be identical and scores agree to float32 rounding. A seeded sweep of random
settings (beams, length_penalty, early_stopping, num_return_sequences, lengths, processors,
several eos ids, pad 0) covers the combinations the parity tests do not.
"""

import numpy as np
import pytest

from s2t_np.hf.generation import run_search
from s2t_np.hf.generation_config import model_generation_config
from s2t_np.hf.generation_plan import plan_generation
from tests.support.generation_helpers import EOS_PRONE, VARIED, as_numpy, features, make_pair
from tests.support.tolerances import SEARCH_LOG_SOFTMAX


def torch_step_functions(model, feats, mask, num_beams):
    """search.py's `step` / `reorder` backed by the transformers model (EncoderDecoderCache)."""
    import torch

    with torch.no_grad():
        states = model.get_encoder()(feats, attention_mask=mask).last_hidden_state.repeat_interleave(num_beams, 0)
    mask = None if mask is None else mask.repeat_interleave(num_beams, 0)

    def step(tokens, cache):
        with torch.no_grad():
            out = model(
                encoder_outputs=(states,),
                attention_mask=mask,
                decoder_input_ids=torch.from_numpy(tokens),
                past_key_values=cache,
                use_cache=True,
            )
        return out.logits[:, -1].numpy(), out.past_key_values

    def reorder(cache, beam_idx):
        cache.reorder_cache(torch.from_numpy(beam_idx))
        return cache

    return step, reorder


@pytest.fixture(scope="module", params=["varied", "eos_prone", "tied"])
def pair(request, tmp_path_factory, torch, transformers):
    build = {"varied": VARIED, "eos_prone": EOS_PRONE, "tied": dict(seed=2, init_std=0.2)}[request.param]
    return make_pair(tmp_path_factory.mktemp(request.param), **build)


def random_settings(rng, greedy=False):
    num_beams = 1 if greedy else int(rng.integers(2, 6))
    s = dict(num_beams=num_beams, max_length=int(rng.integers(5, 30)))
    if num_beams > 1:
        s.update(
            length_penalty=float(rng.choice([-0.5, 0.0, 0.7, 1.0, 1.5])),
            early_stopping=[True, False, "never"][int(rng.integers(3))],
            num_return_sequences=int(rng.integers(1, num_beams + 1)),
        )
    optional = dict(
        min_length=int(rng.integers(2, 12)),
        no_repeat_ngram_size=int(rng.integers(1, 4)),
        repetition_penalty=float(rng.choice([0.8, 1.2])),
        bad_words_ids=[[int(rng.integers(3, 97))], [int(rng.integers(3, 97)), int(rng.integers(3, 97))]],
        forced_bos_token_id=int(rng.integers(3, 97)),
        forced_eos_token_id=2,
        eos_token_id=[2, int(rng.integers(3, 97))],
        pad_token_id=0,
    )
    for key in rng.permutation(list(optional))[: int(rng.integers(0, 4))]:
        s[str(key)] = optional[str(key)]
    return s


@pytest.mark.parametrize("seed", range(12))
def test_search_with_reference_logits(pair, seed):
    import torch

    rng = np.random.default_rng(seed)
    settings = random_settings(rng, greedy=seed % 3 == 0)
    feats, mask = features([int(rng.integers(40, 120)) for _ in range(int(rng.integers(1, 4)))], seed=seed)
    ft, mt = torch.from_numpy(feats), torch.from_numpy(mask)
    out = dict(return_dict_in_generate=True, output_scores=True)

    plan = plan_generation(model_generation_config(pair.ours), vocab_size=97, batch_size=len(feats), **settings, **out)
    step, reorder = torch_step_functions(pair.ref, ft, mt, plan.num_beams)
    ours = run_search(step, reorder, len(feats), plan)
    with torch.no_grad():
        ref = pair.ref.generate(ft, attention_mask=mt, **settings, **out)

    np.testing.assert_array_equal(ours.sequences, as_numpy(ref.sequences), err_msg=str(settings))
    assert len(ours.scores) == len(ref.scores)
    atol, rtol = SEARCH_LOG_SOFTMAX
    for a, b in zip(ours.scores, ref.scores):
        b = as_numpy(b)
        np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b))
        np.testing.assert_allclose(a[np.isfinite(b)], b[np.isfinite(b)], atol=atol, rtol=rtol)
    if plan.num_beams > 1:
        np.testing.assert_array_equal(ours.beam_indices, as_numpy(ref.beam_indices))
        np.testing.assert_allclose(ours.sequences_scores, as_numpy(ref.sequences_scores), atol=atol, rtol=rtol)
    else:
        # greedy scores are the processed logits themselves: no log_softmax, so bit-identical
        for a, b in zip(ours.scores, ref.scores):
            np.testing.assert_array_equal(a, as_numpy(b))


# ---- the early-stop heuristic under early_stopping="never" -------------------------------------
# transformers' `_check_early_stop_heuristic` (search.py `_early_stop_heuristic`) lets a beam search
# go on while the best running score / L ** length_penalty beats the worst finished score, with
# L = max_length - 1 for early_stopping="never" and a positive length_penalty, else the current
# length. Each case has a step where the worst finished score lies between the two bounds, so the
# other choice of L changes the output: with a negative penalty, L = max_length stops one step early
# (fewer score steps); with a positive one, L = cur_len stops 7 steps early with other hypotheses.
# The test shows this by running transformers itself with the other bound.
NEVER_CASES = {
    "negative_length_penalty": dict(length_penalty=-1.0, lengths=[90, 80], seed=0, other_bound="max_length"),
    "positive_length_penalty": dict(length_penalty=1.0, lengths=[80], seed=1, other_bound="cur_len"),
}


@pytest.fixture(scope="module")
def eos_prone_reference(tmp_path_factory, torch, transformers):
    return make_pair(tmp_path_factory.mktemp("never"), **EOS_PRONE).ref


def reference_generate(model, feats, mask, **settings):
    import torch

    with torch.no_grad():
        return model.generate(
            torch.from_numpy(feats),
            attention_mask=torch.from_numpy(mask),
            return_dict_in_generate=True,
            output_scores=True,
            **settings,
        )


@pytest.mark.parametrize("case", list(NEVER_CASES))
def test_never_early_stopping_bound_matches_transformers(eos_prone_reference, case, monkeypatch):
    import torch
    from transformers.generation.utils import GenerationMixin

    from s2t_np.search import beam_search
    from tests.support.asserts import assert_close

    c, ref_model = NEVER_CASES[case], eos_prone_reference
    gen = ref_model.generation_config
    feats, mask = features(c["lengths"], seed=c["seed"])
    settings = dict(num_beams=2, max_length=20, length_penalty=c["length_penalty"], early_stopping="never")
    step, reorder = torch_step_functions(ref_model, torch.from_numpy(feats), torch.from_numpy(mask), 2)
    ours = beam_search(
        step,
        reorder,
        np.full((2 * len(feats), 1), gen.decoder_start_token_id, dtype=np.int64),
        process=lambda ids, scores: scores,  # no logits processor is active with these settings
        eos_token_ids=(gen.eos_token_id,),
        pad_token_id=gen.pad_token_id,
        output_scores=True,
        **settings,
    )
    ref = reference_generate(ref_model, feats, mask, **settings)

    assert len(ours.scores) == len(ref.scores), f"{case}: {len(ours.scores)} steps, transformers {len(ref.scores)}"
    np.testing.assert_array_equal(ours.sequences, as_numpy(ref.sequences), err_msg=case)
    np.testing.assert_array_equal(ours.beam_indices, as_numpy(ref.beam_indices), err_msg=case)
    assert_close(ours.sequences_scores, as_numpy(ref.sequences_scores), SEARCH_LOG_SOFTMAX, f"{case} sequences_scores")
    for i, (a, b) in enumerate(zip(ours.scores, ref.scores)):
        b = as_numpy(b)
        np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b))
        assert_close(a[np.isfinite(b)], b[np.isfinite(b)], SEARCH_LOG_SOFTMAX, f"{case} scores at step {i}")

    # The case separates the two bounds: transformers with the other L gives another result.
    heuristic = GenerationMixin._check_early_stop_heuristic

    def other_bound(**kwargs):
        if c["other_bound"] == "cur_len":
            kwargs["early_stopping"] = False  # transformers then divides by the current length
        else:
            kwargs["cur_len"] = kwargs["max_length"]  # divides by max_length - prompt length
        return heuristic(**kwargs)

    monkeypatch.setattr(GenerationMixin, "_check_early_stop_heuristic", staticmethod(other_bound))
    other = reference_generate(ref_model, feats, mask, **settings)
    assert len(other.scores) < len(ref.scores), f"{case}: the bound at {c['other_bound']} should stop earlier"
    if c["other_bound"] == "cur_len":
        assert not np.array_equal(as_numpy(other.sequences), as_numpy(ref.sequences)), f"{case}: same hypotheses"
