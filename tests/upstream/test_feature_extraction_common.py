"""Port of transformers' tests/test_feature_extraction_common.py (FeatureExtractionSavingTestMixin) and
tests/test_sequence_feature_extraction_common.py (SequenceFeatureExtractionTestMixin), as
Speech2TextFeatureExtractionTest inherits them: same inputs, assertions and tolerances; only the class
source (`lib`) and the tensor type change."""

import json
import os
import tempfile

import numpy as np
import pytest

from tests.upstream.feature_support import (
    _inputs_are_equal,
    _inputs_have_equal_length,
)

# ---- tests/test_feature_extraction_common.py (FeatureExtractionSavingTestMixin) --------------------


def test_feat_extract_to_json_string(lib, feat_extract_dict):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    obj = json.loads(feat_extract.to_json_string())
    for key, value in feat_extract_dict.items():
        assert obj[key] == value


def test_feat_extract_to_json_file(lib, feat_extract_dict):
    feat_extract_first = lib.FeatureExtractor(**feat_extract_dict)
    with tempfile.TemporaryDirectory() as tmpdirname:
        json_file_path = os.path.join(tmpdirname, "feat_extract.json")
        feat_extract_first.to_json_file(json_file_path)
        feat_extract_second = lib.FeatureExtractor.from_json_file(json_file_path)
    assert feat_extract_first.to_dict() == feat_extract_second.to_dict()


def check_json_file_has_correct_format(file_path):
    # transformers.testing_utils.check_json_file_has_correct_format
    with open(file_path) as f:
        lines = f.readlines()
        if len(lines) == 1:
            # length can only be 1 if dict is empty
            assert lines[0] == "{}"
        else:
            # otherwise make sure json has correct format (at least 3 lines)
            assert len(lines) >= 3
            # each key one line, ident should be 2, min length is 3
            assert lines[0].strip() == "{"
            for line in lines[1:-1]:  # noqa: B007 (upstream checks lines[1] each time)
                left_indent = len(lines[1]) - len(lines[1].lstrip())
                assert left_indent == 2
            assert lines[-1].strip() == "}"


def test_feat_extract_from_and_save_pretrained(lib, feat_extract_dict):
    feat_extract_first = lib.FeatureExtractor(**feat_extract_dict)
    with tempfile.TemporaryDirectory() as tmpdirname:
        saved_file = feat_extract_first.save_pretrained(tmpdirname)[0]
        check_json_file_has_correct_format(saved_file)
        feat_extract_second = lib.FeatureExtractor.from_pretrained(tmpdirname)
    assert feat_extract_first.to_dict() == feat_extract_second.to_dict()


def test_init_without_params(lib):
    feat_extract = lib.FeatureExtractor()
    assert feat_extract is not None


# ---- tests/test_sequence_feature_extraction_common.py ---------------------------------------------


def test_feat_extract_common_properties(lib, feat_extract_dict):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    assert hasattr(feat_extract, "feature_size")
    assert hasattr(feat_extract, "sampling_rate")
    assert hasattr(feat_extract, "padding_value")


def test_batch_feature(lib, tester, feat_extract_dict):
    speech_inputs = tester.prepare_inputs_for_common()
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    input_name = feat_extract.model_input_names[0]
    processed_features = lib.BatchFeature({input_name: speech_inputs})
    assert all(len(x) == len(y) for x, y in zip(speech_inputs, processed_features[input_name]))

    speech_inputs = tester.prepare_inputs_for_common(equal_length=True)
    processed_features = lib.BatchFeature({input_name: speech_inputs}, tensor_type="np")
    batch_features_input = processed_features[input_name]
    if len(batch_features_input.shape) < 3:
        batch_features_input = batch_features_input[:, :, None]
    assert batch_features_input.shape == (tester.batch_size, len(speech_inputs[0]), tester.feature_size)


def test_batch_feature_pt(lib, tester, feat_extract_dict):
    # test_batch_feature_pt with the library's own tensor type ("pt" / "np")
    speech_inputs = tester.prepare_inputs_for_common(equal_length=True)
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    input_name = feat_extract.model_input_names[0]
    processed_features = lib.BatchFeature({input_name: speech_inputs}, tensor_type=lib.return_tensors)
    batch_features_input = processed_features[input_name]
    assert lib.is_tensor(batch_features_input)
    if len(batch_features_input.shape) < 3:
        batch_features_input = batch_features_input[:, :, None]
    assert tuple(batch_features_input.shape) == (tester.batch_size, len(speech_inputs[0]), tester.feature_size)


def _check_padding(lib, tester, feat_extract_dict, numpify=False):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    speech_inputs = tester.prepare_inputs_for_common(numpify=numpify)
    input_name = feat_extract.model_input_names[0]
    processed_features = lib.BatchFeature({input_name: speech_inputs})

    pad_diff = tester.seq_length_diff
    pad_max_length = tester.max_seq_length + pad_diff
    pad_min_length = tester.min_seq_length
    batch_size = tester.batch_size
    feature_size = tester.feature_size

    # test padding for List[int] + numpy
    input_1 = feat_extract.pad(processed_features, padding=False)[input_name]
    input_2 = feat_extract.pad(processed_features, padding="longest")[input_name]
    input_3 = feat_extract.pad(processed_features, padding="max_length", max_length=len(speech_inputs[-1]))[input_name]
    input_4 = feat_extract.pad(processed_features, padding="longest", return_tensors="np")[input_name]

    # max_length parameter has to be provided when setting `padding="max_length"`
    with pytest.raises(ValueError):
        feat_extract.pad(processed_features, padding="max_length")[input_name]

    input_5 = feat_extract.pad(processed_features, padding="max_length", max_length=pad_max_length, return_tensors="np")
    input_5 = input_5[input_name]

    assert not _inputs_have_equal_length(input_1)
    assert _inputs_have_equal_length(input_2)
    assert _inputs_have_equal_length(input_3)
    assert _inputs_are_equal(input_2, input_3)
    assert len(input_1[0]) == pad_min_length
    assert len(input_1[1]) == pad_min_length + pad_diff
    assert input_4.shape[:2] == (batch_size, len(input_3[0]))
    assert input_5.shape[:2] == (batch_size, pad_max_length)
    if feature_size > 1:
        assert input_4.shape[2] == input_5.shape[2] == feature_size

    # test padding for `pad_to_multiple_of` for List[int] + numpy
    input_6 = feat_extract.pad(processed_features, pad_to_multiple_of=10)[input_name]
    input_7 = feat_extract.pad(processed_features, padding="longest", pad_to_multiple_of=10)[input_name]
    input_8 = feat_extract.pad(
        processed_features, padding="max_length", pad_to_multiple_of=10, max_length=pad_max_length
    )[input_name]
    input_9 = feat_extract.pad(
        processed_features, padding="max_length", pad_to_multiple_of=10, max_length=pad_max_length, return_tensors="np"
    )[input_name]

    assert all(len(x) % 10 == 0 for x in input_6)
    assert _inputs_are_equal(input_6, input_7)
    expected_mult_pad_length = pad_max_length if pad_max_length % 10 == 0 else (pad_max_length // 10 + 1) * 10
    assert all(len(x) == expected_mult_pad_length for x in input_8)
    assert input_9.shape[:2], (batch_size, expected_mult_pad_length)
    if feature_size > 1:
        assert input_9.shape[2] == feature_size

    # Check padding value is correct
    padding_vector_sum = (np.ones(tester.feature_size) * feat_extract.padding_value).sum()
    assert (
        abs(np.asarray(input_2[0])[pad_min_length:].sum() - padding_vector_sum * (pad_max_length - pad_min_length))
        < 1e-3
    )
    assert (
        abs(
            np.asarray(input_2[1])[pad_min_length + pad_diff :].sum()
            - padding_vector_sum * (pad_max_length - pad_min_length - pad_diff)
        )
        < 1e-3
    )
    assert (
        abs(
            np.asarray(input_2[2])[pad_min_length + 2 * pad_diff :].sum()
            - padding_vector_sum * (pad_max_length - pad_min_length - 2 * pad_diff)
        )
        < 1e-3
    )
    assert abs(input_5[0, pad_min_length:].sum() - padding_vector_sum * (pad_max_length - pad_min_length)) < 1e-3
    assert (
        abs(input_9[0, pad_min_length:].sum() - padding_vector_sum * (expected_mult_pad_length - pad_min_length)) < 1e-3
    )


def _check_truncation(lib, tester, feat_extract_dict, numpify=False):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    speech_inputs = tester.prepare_inputs_for_common(numpify=numpify)
    input_name = feat_extract.model_input_names[0]
    processed_features = lib.BatchFeature({input_name: speech_inputs})
    pad = feat_extract.pad

    # truncate to smallest
    input_1 = pad(processed_features, padding="max_length", max_length=len(speech_inputs[0]), truncation=True)
    input_1 = input_1[input_name]
    input_2 = pad(processed_features, padding="max_length", max_length=len(speech_inputs[0]))[input_name]
    assert _inputs_have_equal_length(input_1)
    assert not _inputs_have_equal_length(input_2)

    # truncate to smallest with np
    input_3 = pad(
        processed_features, padding="max_length", max_length=len(speech_inputs[0]), return_tensors="np", truncation=True
    )[input_name]
    input_4 = pad(processed_features, padding="max_length", max_length=len(speech_inputs[0]), return_tensors="np")
    input_4 = input_4[input_name]
    assert _inputs_have_equal_length(input_3)
    assert input_3.shape[1] == len(speech_inputs[0])
    # since truncation forces padding to be smaller than longest input
    # function can't return `np.ndarray`, but has to return list
    assert not _inputs_have_equal_length(input_4)

    # truncate to middle
    input_5 = pad(
        processed_features, padding="max_length", max_length=len(speech_inputs[1]), truncation=True, return_tensors="np"
    )[input_name]
    input_6 = pad(processed_features, padding="max_length", max_length=len(speech_inputs[1]), truncation=True)
    input_6 = input_6[input_name]
    input_7 = pad(processed_features, padding="max_length", max_length=len(speech_inputs[1]), return_tensors="np")
    input_7 = input_7[input_name]
    assert input_5.shape[1] == len(speech_inputs[1])
    assert _inputs_have_equal_length(input_5)
    assert _inputs_have_equal_length(input_6)
    assert _inputs_are_equal(input_5, input_6)
    # since truncation forces padding to be smaller than longest input
    # function can't return `np.ndarray`, but has to return list
    assert not _inputs_have_equal_length(input_7)
    assert len(input_7[-1]) == len(speech_inputs[-1])

    # padding has to be max_length when setting `truncation=True`
    with pytest.raises(ValueError):
        pad(processed_features, truncation=True)[input_name]
    # padding has to be max_length when setting `truncation=True`
    with pytest.raises(ValueError):
        pad(processed_features, padding="longest", truncation=True)[input_name]
    # max_length parameter has to be provided when setting `truncation=True` and padding="max_length"
    with pytest.raises(ValueError):
        pad(processed_features, padding="max_length", truncation=True)[input_name]

    # test truncation for `pad_to_multiple_of` for List[int] + numpy
    pad_to_multiple_of = 12
    input_8 = pad(
        processed_features,
        padding="max_length",
        max_length=len(speech_inputs[0]),
        pad_to_multiple_of=pad_to_multiple_of,
        truncation=True,
    )[input_name]
    input_9 = pad(
        processed_features,
        padding="max_length",
        max_length=len(speech_inputs[0]),
        pad_to_multiple_of=pad_to_multiple_of,
    )[input_name]
    # retrieve expected_length as multiple of pad_to_multiple_of
    expected_length = len(speech_inputs[0])
    if expected_length % pad_to_multiple_of != 0:
        expected_length = ((len(speech_inputs[0]) // pad_to_multiple_of) + 1) * pad_to_multiple_of
    assert len(input_8[0]) == expected_length
    assert _inputs_have_equal_length(input_8)
    assert not _inputs_have_equal_length(input_9)


@pytest.mark.parametrize("numpify", [False, True], ids=["from_list", "from_array"])
def test_padding(lib, tester, feat_extract_dict, numpify):
    _check_padding(lib, tester, feat_extract_dict, numpify=numpify)


@pytest.mark.parametrize("numpify", [False, True], ids=["from_list", "from_array"])
def test_truncation(lib, tester, feat_extract_dict, numpify):
    _check_truncation(lib, tester, feat_extract_dict, numpify=numpify)


def test_padding_accepts_tensors_pt(lib, tester, feat_extract_dict):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    speech_inputs = tester.prepare_inputs_for_common()
    input_name = feat_extract.model_input_names[0]
    processed_features = lib.BatchFeature({input_name: speech_inputs})
    input_np = feat_extract.pad(processed_features, padding="longest", return_tensors="np")[input_name]
    input_pt = feat_extract.pad(processed_features, padding="longest", return_tensors=lib.return_tensors)[input_name]
    assert abs(input_np.astype(np.float32).sum() - lib.numpy(input_pt).astype(np.float32).sum()) < 1e-2


def test_attention_mask(lib, tester, feat_extract_dict):
    feat_dict = feat_extract_dict
    feat_dict["return_attention_mask"] = True
    feat_extract = lib.FeatureExtractor(**feat_dict)
    speech_inputs = tester.prepare_inputs_for_common()
    input_lenghts = [len(x) for x in speech_inputs]
    input_name = feat_extract.model_input_names[0]
    processed = lib.BatchFeature({input_name: speech_inputs})
    processed = feat_extract.pad(processed, padding="longest", return_tensors="np")
    assert "attention_mask" in processed
    assert list(processed.attention_mask.shape) == list(processed[input_name].shape[:2])
    assert processed.attention_mask.sum(-1).tolist() == input_lenghts


def test_attention_mask_with_truncation(lib, tester, feat_extract_dict):
    feat_dict = feat_extract_dict
    feat_dict["return_attention_mask"] = True
    feat_extract = lib.FeatureExtractor(**feat_dict)
    speech_inputs = tester.prepare_inputs_for_common()
    input_lenghts = [len(x) for x in speech_inputs]
    input_name = feat_extract.model_input_names[0]
    processed = lib.BatchFeature({input_name: speech_inputs})
    max_length = min(input_lenghts)
    processed_pad = feat_extract.pad(
        processed, padding="max_length", max_length=max_length, truncation=True, return_tensors="np"
    )
    assert "attention_mask" in processed_pad
    assert list(processed_pad.attention_mask.shape) == list((processed_pad[input_name].shape[0], max_length))
    assert processed_pad.attention_mask[:, :max_length].sum(-1).tolist() == [max_length for x in speech_inputs]
