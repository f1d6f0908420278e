"""Speech2TextFeatureExtractor.pad and JSON methods vs transformers' SequenceFeatureExtractor (same inputs)."""

import json

import numpy as np
import pytest

import s2t_np
from s2t_np.errors import InvalidInputError


@pytest.fixture(scope="module")
def pair(transformers):
    transformers.logging.set_verbosity_error()
    return s2t_np.Speech2TextFeatureExtractor(), transformers.Speech2TextFeatureExtractor()


def features(dtype=np.float32, lengths=(7, 12, 3)):
    rng = np.random.default_rng(0)
    return [rng.standard_normal((n, 80)).astype(dtype) for n in lengths]


def assert_same(ours, ref):
    assert set(ours) == set(ref)
    for key in ref:
        a, b = ours[key], ref[key]
        if isinstance(b, np.ndarray) and b.dtype != object:
            assert isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, key
            np.testing.assert_array_equal(a, b)
        else:
            assert type(a) is type(b) and len(a) == len(b), key
            for x, y in zip(a, b):
                assert np.asarray(x).dtype == np.asarray(y).dtype, key
                np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"padding": True},
        {"padding": "longest", "pad_to_multiple_of": 8},
        {"padding": "max_length", "max_length": 15},
        {"padding": "max_length", "max_length": 5, "truncation": True},
        {"padding": "longest", "max_length": 5, "truncation": True, "pad_to_multiple_of": 4},
        {"padding": False},
        {"padding": "do_not_pad", "return_attention_mask": False},
        {"padding": True, "return_attention_mask": False},
    ],
)
@pytest.mark.parametrize("return_tensors", [None, "np"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pad_matches_transformers(pair, kwargs, return_tensors, dtype):
    ours, ref = pair
    inputs = {"input_features": features(dtype)}
    got = ours.pad(dict(inputs), return_tensors=return_tensors, **kwargs)
    want = ref.pad(ref_input(inputs), return_tensors=return_tensors, **kwargs)
    assert_same(got, want)


def ref_input(inputs):
    return {key: list(values) for key, values in inputs.items()}


def test_pad_list_of_dicts_and_existing_mask(pair):
    ours, ref = pair
    feats = features()
    rows = [{"input_features": f, "attention_mask": np.ones(len(f), dtype=np.int64)} for f in feats]
    assert_same(ours.pad(list(rows), return_tensors="np"), ref.pad(list(rows), return_tensors="np"))


@pytest.mark.parametrize(
    "kwargs", [{"padding": "max_length"}, {"padding": True, "truncation": True}, {"padding": "middle"}]
)
def test_pad_errors_where_transformers_errors(pair, kwargs):
    ours, ref = pair
    with pytest.raises(ValueError):
        ref.pad({"input_features": features()}, **kwargs)
    with pytest.raises(InvalidInputError):
        ours.pad({"input_features": features()}, **kwargs)


def test_json_matches_transformers(pair, tmp_path):
    ours, ref = pair
    assert json.loads(ours.to_json_string()) == {
        k: v for k, v in json.loads(ref.to_json_string()).items() if k in json.loads(ours.to_json_string())
    }
    ours.to_json_file(tmp_path / "fe.json")
    again = s2t_np.Speech2TextFeatureExtractor.from_json_file(tmp_path / "fe.json")
    assert again.to_dict() == ours.to_dict()
    assert ours.to_dict()["feature_extractor_type"] == ref.to_dict()["feature_extractor_type"]
