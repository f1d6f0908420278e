"""generate(return_dict_in_generate=True) outputs against transformers, array by array: scores,
logits, encoder / decoder / cross attentions, encoder / decoder hidden states, beam_indices and
sequences_scores, for greedy and beam search (with and without the cache), on the same tiny model.
"""

import numpy as np
import pytest

from s2t_np.hf.generation_outputs import GenerateBeamEncoderDecoderOutput, GenerateEncoderDecoderOutput
from tests.support.generation_helpers import EOS_PRONE, as_numpy, features, make_pair, run_both
from tests.support.tolerances import GEN_SCORES, GEN_SEQUENCES_SCORES, GEN_STEP_OUTPUTS

ALL = dict(
    return_dict_in_generate=True,
    output_scores=True,
    output_logits=True,
    output_attentions=True,
    output_hidden_states=True,
)


@pytest.fixture(scope="module")
def eos_prone(tmp_path_factory, torch, transformers):
    return make_pair(tmp_path_factory.mktemp("eos_prone"), **EOS_PRONE)


def assert_close(a, b, tol, what):
    b = as_numpy(b)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b), err_msg=what)
    finite = np.isfinite(b)
    np.testing.assert_allclose(a[finite], b[finite], atol=tol, rtol=0, err_msg=what)


def assert_nested(ours, ref, tol, what):
    """Tuples (per step) of tuples (per layer) of arrays, compared leaf by leaf."""
    assert (ours is None) == (ref is None), what
    if ours is None:
        return
    if isinstance(ours, np.ndarray):
        assert_close(ours, ref, tol, what)
        return
    assert len(ours) == len(ref), (what, len(ours), len(ref))
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert_nested(a, b, tol, f"{what}[{i}]")


FIELDS = (
    "encoder_attentions",
    "encoder_hidden_states",
    "decoder_attentions",
    "cross_attentions",
    "decoder_hidden_states",
)


@pytest.mark.parametrize("use_cache", [True, False])
@pytest.mark.parametrize("num_beams", [1, 3])
def test_every_output_field_matches_transformers(eos_prone, num_beams, use_cache):
    feats, mask = features([120, 90, 60])
    kw = dict(num_beams=num_beams, max_new_tokens=10, use_cache=use_cache, **ALL)
    if num_beams > 1:
        kw["num_return_sequences"] = 2
    ours, ref = run_both(eos_prone, feats, mask, **kw)
    cls = GenerateEncoderDecoderOutput if num_beams == 1 else GenerateBeamEncoderDecoderOutput
    assert isinstance(ours, cls) and type(ref).__name__ == cls.__name__
    assert set(ours.keys()) - {"past_key_values"} == set(ref.keys()) - {"past_key_values"}
    np.testing.assert_array_equal(ours.sequences, as_numpy(ref.sequences))
    assert_nested(ours.scores, ref.scores, GEN_SCORES[0], "scores")
    assert_nested(ours.logits, ref.logits, GEN_SCORES[0], "logits")
    for name in FIELDS:
        assert_nested(getattr(ours, name), getattr(ref, name), GEN_STEP_OUTPUTS, name)
    if num_beams > 1:
        np.testing.assert_array_equal(ours.beam_indices, as_numpy(ref.beam_indices))
        atol, rtol = GEN_SEQUENCES_SCORES
        np.testing.assert_allclose(ours.sequences_scores, as_numpy(ref.sequences_scores), atol=atol, rtol=rtol)
    # the shapes the notebooks rely on: one entry per step, [N, H, t_new, T'] cross attention
    n_rows = 3 * num_beams
    assert len(ours.cross_attentions) == len(ours.scores)
    assert ours.cross_attentions[0][0].shape[:3] == (n_rows, 4, 1)
    assert (ours.past_key_values is None) == (not use_cache)


def test_only_the_requested_fields_are_set(eos_prone, torch):
    feats, mask = features([100])
    for flags in (dict(output_logits=True), dict(output_attentions=True), dict(output_hidden_states=True)):
        ours, ref = run_both(eos_prone, feats, mask, max_new_tokens=4, return_dict_in_generate=True, **flags)
        assert set(ours.keys()) == set(ref.keys()), flags
        assert ours["sequences"] is ours[0]
        with pytest.raises(KeyError):
            ours["scores"]
