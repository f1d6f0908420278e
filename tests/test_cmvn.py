"""s2t_np.utterance_cmvn vs transformers' Speech2TextFeatureExtractor.utterance_cmvn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import s2t_np
from s2t_np.errors import InvalidInputError
from tests.support.properties import examples
from tests.support.tolerances import CMVN_STATS


@pytest.fixture(scope="module")
def hf_cmvn(transformers):
    return transformers.Speech2TextFeatureExtractor.utterance_cmvn


def features(seed, frames, bins=80):
    rng = np.random.default_rng(seed)
    return (rng.normal(3.0, 2.0, size=(frames, bins)) * rng.uniform(0.1, 3.0, size=bins)).astype(np.float32)


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 2**16),
    frames=st.integers(2, 60),
    pad=st.integers(0, 7),
    normalize_means=st.booleans(),
    normalize_vars=st.booleans(),
    padding_value=st.sampled_from([0.0, 1.0, -3.5]),
)
def test_matches_transformers_exactly(hf_cmvn, seed, frames, pad, normalize_means, normalize_vars, padding_value):
    x = features(seed, frames + pad)
    x[frames:] = padding_value  # padded rows, as the extractor pads before CMVN
    args = (frames, normalize_means, normalize_vars, padding_value)
    ours = s2t_np.utterance_cmvn(x.copy(), *args)
    ref = hf_cmvn(x.copy(), *args)
    assert ours.dtype == ref.dtype == np.float32 and ours.shape == ref.shape
    np.testing.assert_array_equal(ours, ref, err_msg=f"cmvn {args}")  # same operations, bit-identical


def test_statistics_use_valid_frames_only():
    x = features(1, 30)
    x[20:] = 100.0
    out = s2t_np.utterance_cmvn(x, 20, padding_value=-1.0)
    atol, rtol = CMVN_STATS["mean"]
    np.testing.assert_allclose(out[:20].mean(axis=0), 0.0, atol=atol, rtol=rtol)
    atol, rtol = CMVN_STATS["std"]
    np.testing.assert_allclose(out[:20].std(axis=0), 1.0, atol=atol, rtol=rtol)
    assert (out[20:] == -1.0).all()


def test_does_not_modify_its_input(hf_cmvn):
    x = features(2, 10)
    before = x.copy()
    s2t_np.utterance_cmvn(x, 6, normalize_means=False, normalize_vars=False, padding_value=9.0)
    np.testing.assert_array_equal(x, before)
    hf_cmvn(x, 6, False, False, 9.0)  # transformers writes the padding rows into the caller's array
    assert (x[6:] == 9.0).all()


def test_constant_bins_are_guarded(hf_cmvn):
    """Digital silence: a bin at the log floor in every frame. transformers gives NaN/inf there."""
    x = features(3, 40)
    floor = np.float32(np.log(np.finfo(np.float32).eps))
    x[:, [0, 7, 79]] = floor
    with np.errstate(all="ignore"):
        ref = hf_cmvn(x.copy(), 40, True, True, 0.0)
    assert not np.isfinite(ref[:, [0, 7, 79]]).all(), "transformers no longer produces NaN/inf here"
    ours = s2t_np.utterance_cmvn(x, 40)
    assert np.isfinite(ours).all()
    assert (ours[:, [0, 7, 79]] == 0.0).all()
    other = np.ones(80, bool)
    other[[0, 7, 79]] = False
    np.testing.assert_array_equal(ours[:, other], ref[:, other])  # every other bin exactly as transformers
    vars_only = s2t_np.utterance_cmvn(x, 40, normalize_means=False)
    np.testing.assert_array_equal(vars_only[:, [0, 7, 79]], floor)  # std taken as 1: unchanged
    silence = s2t_np.utterance_cmvn(np.full((5, 80), floor), 5)
    assert (silence == 0.0).all()


@pytest.mark.parametrize("n", [0, -1, 11, 5.5, True])
def test_bad_input_length(n):
    with pytest.raises(InvalidInputError):
        s2t_np.utterance_cmvn(features(4, 10), n)


def test_bad_features():
    with pytest.raises(InvalidInputError):
        s2t_np.utterance_cmvn(np.zeros(10, np.float32), 10)
    x = features(5, 10)
    x[3, 4] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        s2t_np.utterance_cmvn(x, 10)
