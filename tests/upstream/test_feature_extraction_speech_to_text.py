"""Port of transformers' tests/models/speech_to_text/test_feature_extraction_speech_to_text.py with the
mixins it uses (tests/test_sequence_feature_extraction_common.py, tests/test_feature_extraction_common.py).

Same inputs, assertions and tolerances; only the class source (`lib`) and the tensor type change.
test_integration reads a hub dataset; its local equivalent runs a shipped example clip through both
implementations (docs/upstream_tests.md).
"""

import json
import os
import random
import tempfile

import numpy as np
import pytest

from tests.upstream.conftest import s2t_xfail

global_rng = random.Random()

PAD_API = "Speech2TextFeatureExtractor.pad (SequenceFeatureExtractor.pad) is missing in s2t_np.hf.feature_extraction"


def floats_list(shape, scale=1.0, rng=None, name=None):
    """Creates a random float32 tensor"""
    if rng is None:
        rng = global_rng
    values = []
    for _ in range(shape[0]):
        values.append([])
        for _ in range(shape[1]):
            values[-1].append(rng.random() * scale)
    return values


class Speech2TextFeatureExtractionTester:
    def __init__(
        self,
        batch_size=7,
        min_seq_length=400,
        max_seq_length=2000,
        feature_size=24,
        num_mel_bins=24,
        padding_value=0.0,
        sampling_rate=16_000,
        return_attention_mask=True,
        do_normalize=True,
    ):
        self.batch_size = batch_size
        self.min_seq_length = min_seq_length
        self.max_seq_length = max_seq_length
        self.seq_length_diff = (self.max_seq_length - self.min_seq_length) // (self.batch_size - 1)
        self.feature_size = feature_size
        self.num_mel_bins = num_mel_bins
        self.padding_value = padding_value
        self.sampling_rate = sampling_rate
        self.return_attention_mask = return_attention_mask
        self.do_normalize = do_normalize

    def prepare_feat_extract_dict(self):
        return {
            "feature_size": self.feature_size,
            "num_mel_bins": self.num_mel_bins,
            "padding_value": self.padding_value,
            "sampling_rate": self.sampling_rate,
            "return_attention_mask": self.return_attention_mask,
            "do_normalize": self.do_normalize,
        }

    def prepare_inputs_for_common(self, equal_length=False, numpify=False):
        if equal_length:
            speech_inputs = [floats_list((self.max_seq_length, self.feature_size)) for _ in range(self.batch_size)]
        else:
            # make sure that inputs increase in size
            speech_inputs = [
                floats_list((x, self.feature_size))
                for x in range(self.min_seq_length, self.max_seq_length, self.seq_length_diff)
            ]
        if numpify:
            speech_inputs = [np.asarray(x) for x in speech_inputs]
        return speech_inputs


@pytest.fixture
def tester():
    return Speech2TextFeatureExtractionTester()


@pytest.fixture
def feat_extract_dict(tester):
    return tester.prepare_feat_extract_dict()


def _check_zero_mean_unit_variance(input_vector):
    assert np.all(np.mean(input_vector, axis=0) < 1e-3)
    assert np.all(np.abs(np.var(input_vector, axis=0) - 1) < 1e-3)


def _inputs_have_equal_length(input):
    length = len(input[0])
    for input_slice in input[1:]:
        if len(input_slice) != length:
            return False
    return True


def _inputs_are_equal(input_1, input_2):
    if len(input_1) != len(input_2):
        return False
    for input_slice_1, input_slice_2 in zip(input_1, input_2):
        if not np.allclose(np.asarray(input_slice_1), np.asarray(input_slice_2), atol=1e-3):
            return False
    return True


# ---- tests/test_feature_extraction_common.py (FeatureExtractionSavingTestMixin) --------------------


@s2t_xfail("Speech2TextFeatureExtractor.to_json_string is missing (s2t_np/hf/feature_extraction.py)")
def test_feat_extract_to_json_string(lib, feat_extract_dict):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    obj = json.loads(feat_extract.to_json_string())
    for key, value in feat_extract_dict.items():
        assert obj[key] == value


@s2t_xfail("Speech2TextFeatureExtractor.to_json_file / from_json_file are missing (s2t_np/hf/feature_extraction.py)")
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


@s2t_xfail(PAD_API)
@pytest.mark.parametrize("numpify", [False, True], ids=["from_list", "from_array"])
def test_padding(lib, tester, feat_extract_dict, numpify):
    _check_padding(lib, tester, feat_extract_dict, numpify=numpify)


@s2t_xfail(PAD_API)
@pytest.mark.parametrize("numpify", [False, True], ids=["from_list", "from_array"])
def test_truncation(lib, tester, feat_extract_dict, numpify):
    _check_truncation(lib, tester, feat_extract_dict, numpify=numpify)


@s2t_xfail(PAD_API)
def test_padding_accepts_tensors_pt(lib, tester, feat_extract_dict):
    feat_extract = lib.FeatureExtractor(**feat_extract_dict)
    speech_inputs = tester.prepare_inputs_for_common()
    input_name = feat_extract.model_input_names[0]
    processed_features = lib.BatchFeature({input_name: speech_inputs})
    input_np = feat_extract.pad(processed_features, padding="longest", return_tensors="np")[input_name]
    input_pt = feat_extract.pad(processed_features, padding="longest", return_tensors=lib.return_tensors)[input_name]
    assert abs(input_np.astype(np.float32).sum() - lib.numpy(input_pt).astype(np.float32).sum()) < 1e-2


@s2t_xfail(PAD_API)
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


@s2t_xfail(PAD_API)
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


# ---- tests/models/speech_to_text/test_feature_extraction_speech_to_text.py ----------------------


def test_call(lib, feat_extract_dict):
    # Tests that all call wrap to encode_plus and batch_encode_plus
    feature_extractor = lib.FeatureExtractor(**feat_extract_dict)
    # create three inputs of length 800, 1000, and 1200
    speech_inputs = [floats_list((1, x))[0] for x in range(800, 1400, 200)]
    np_speech_inputs = [np.asarray(speech_input) for speech_input in speech_inputs]

    # Test feature size
    input_features = feature_extractor(np_speech_inputs, padding=True, return_tensors="np").input_features
    assert input_features.ndim == 3
    assert input_features.shape[-1] == feature_extractor.feature_size

    # Test not batched input
    encoded_sequences_1 = feature_extractor(speech_inputs[0], return_tensors="np").input_features
    encoded_sequences_2 = feature_extractor(np_speech_inputs[0], return_tensors="np").input_features
    assert np.allclose(encoded_sequences_1, encoded_sequences_2, atol=1e-3)

    # Test batched
    encoded_sequences_1 = feature_extractor(speech_inputs, return_tensors="np").input_features
    encoded_sequences_2 = feature_extractor(np_speech_inputs, return_tensors="np").input_features
    for enc_seq_1, enc_seq_2 in zip(encoded_sequences_1, encoded_sequences_2):
        assert np.allclose(enc_seq_1, enc_seq_2, atol=1e-3)

    # Test 2-D numpy arrays are batched.
    speech_inputs = [floats_list((1, x))[0] for x in (800, 800, 800)]
    np_speech_inputs = np.asarray(speech_inputs)
    encoded_sequences_1 = feature_extractor(speech_inputs, return_tensors="np").input_features
    encoded_sequences_2 = feature_extractor(np_speech_inputs, return_tensors="np").input_features
    for enc_seq_1, enc_seq_2 in zip(encoded_sequences_1, encoded_sequences_2):
        assert np.allclose(enc_seq_1, enc_seq_2, atol=1e-3)


def test_dither(lib, tester):
    np.random.seed(42)  # seed the dithering randn()
    # Tests that features with and without little dithering are similar, but not the same
    dict_no_dither = tester.prepare_feat_extract_dict()
    dict_no_dither["dither"] = 0.0
    dict_dither = tester.prepare_feat_extract_dict()
    dict_dither["dither"] = 1.0
    feature_extractor_no_dither = lib.FeatureExtractor(**dict_no_dither)
    feature_extractor_dither = lib.FeatureExtractor(**dict_dither)

    # create three inputs of length 800, 1000, and 1200
    speech_inputs = [floats_list((1, x))[0] for x in range(800, 1400, 200)]
    np_speech_inputs = [np.asarray(speech_input) for speech_input in speech_inputs]

    # compute features
    input_features_no_dither = feature_extractor_no_dither(
        np_speech_inputs, padding=True, return_tensors="np", sampling_rate=dict_no_dither["sampling_rate"]
    ).input_features
    input_features_dither = feature_extractor_dither(
        np_speech_inputs, padding=True, return_tensors="np", sampling_rate=dict_dither["sampling_rate"]
    ).input_features

    # test there is a difference between features (there's added noise to input signal)
    diff = input_features_dither - input_features_no_dither
    # features are not identical
    assert np.abs(diff).mean() > 1e-5
    # features are not too different
    assert np.abs(diff).mean() <= 1e-3
    assert np.abs(diff).max() <= 5e-2


@pytest.mark.parametrize("return_tensors", [None, "np"], ids=["lists", "np"])
def test_cepstral_mean_and_variance_normalization(lib, feat_extract_dict, return_tensors):
    # test_cepstral_mean_and_variance_normalization and ..._np (the padding-sum check is the _np test's)
    feature_extractor = lib.FeatureExtractor(**feat_extract_dict)
    speech_inputs = [floats_list((1, x))[0] for x in range(800, 1400, 200)]
    paddings = ["longest", "max_length", "do_not_pad"]
    max_lengths = [None, 16, None]
    for max_length, padding in zip(max_lengths, paddings):
        inputs = feature_extractor(
            speech_inputs,
            padding=padding,
            max_length=max_length,
            return_tensors=return_tensors,
            return_attention_mask=True,
        )
        input_features = inputs.input_features
        attention_mask = inputs.attention_mask
        fbank_feat_lengths = [np.sum(x) for x in attention_mask]
        _check_zero_mean_unit_variance(input_features[0][: fbank_feat_lengths[0]])
        _check_zero_mean_unit_variance(input_features[1][: fbank_feat_lengths[1]])
        _check_zero_mean_unit_variance(input_features[2][: fbank_feat_lengths[2]])
        if return_tensors == "np":
            assert input_features[0][fbank_feat_lengths[0] :].sum() < 1e-6
            assert input_features[0][fbank_feat_lengths[1] :].sum() < 1e-6


def test_cepstral_mean_and_variance_normalization_trunc_max_length(lib, feat_extract_dict):
    feature_extractor = lib.FeatureExtractor(**feat_extract_dict)
    speech_inputs = [floats_list((1, x))[0] for x in range(800, 1400, 200)]
    inputs = feature_extractor(
        speech_inputs,
        padding="max_length",
        max_length=4,
        truncation=True,
        return_tensors="np",
        return_attention_mask=True,
    )
    input_features = inputs.input_features
    attention_mask = inputs.attention_mask
    fbank_feat_lengths = np.sum(attention_mask == 1, axis=1)
    _check_zero_mean_unit_variance(input_features[0, : fbank_feat_lengths[0]])
    _check_zero_mean_unit_variance(input_features[1])
    _check_zero_mean_unit_variance(input_features[2])


def test_cepstral_mean_and_variance_normalization_trunc_longest(lib, feat_extract_dict):
    feature_extractor = lib.FeatureExtractor(**feat_extract_dict)
    for max_length, shape in ((4, (3, 4, 24)), (16, (3, 6, 24))):
        speech_inputs = [floats_list((1, x))[0] for x in range(800, 1400, 200)]
        inputs = feature_extractor(
            speech_inputs,
            padding="longest",
            max_length=max_length,
            truncation=True,
            return_tensors="np",
            return_attention_mask=True,
        )
        input_features = inputs.input_features
        attention_mask = inputs.attention_mask
        fbank_feat_lengths = np.sum(attention_mask == 1, axis=1)
        _check_zero_mean_unit_variance(input_features[0, : fbank_feat_lengths[0]])
        _check_zero_mean_unit_variance(input_features[1, : fbank_feat_lengths[1]])
        _check_zero_mean_unit_variance(input_features[2])
        # make sure that if max_length < longest -> then pad to max_length
        assert input_features.shape == shape


@s2t_xfail(PAD_API)
def test_double_precision_pad(lib, feat_extract_dict):
    feature_extractor = lib.FeatureExtractor(**feat_extract_dict)
    np_speech_inputs = np.random.rand(100, 32).astype(np.float64)
    py_speech_inputs = np_speech_inputs.tolist()
    for inputs in [py_speech_inputs, np_speech_inputs]:
        np_processed = feature_extractor.pad([{"input_features": inputs}], return_tensors="np")
        assert np_processed.input_features.dtype == np.float32
        pt_processed = feature_extractor.pad([{"input_features": inputs}], return_tensors=lib.return_tensors)
        assert lib.dtype_name(pt_processed.input_features) == "float32"


def test_integration(lib, feat_extract_dict):
    # Local equivalent of test_integration (hub dataset): a shipped clip through both implementations;
    # upstream's value tolerance (atol=1e-4) against transformers' features on the same audio.
    from transformers import Speech2TextFeatureExtractor as Reference

    from s2t_np import load_audio
    from tests.support.paths import TESTS_DIR

    clip = sorted((TESTS_DIR.parent / "s2t_np" / "examples").glob("*.wav"))[0]
    input_speech = [load_audio(clip, sampling_rate=16000)]
    expected = Reference(**feat_extract_dict)(input_speech, return_tensors="np").input_features
    feature_extractor = lib.FeatureExtractor(**feat_extract_dict)
    input_features = feature_extractor(input_speech, return_tensors="np").input_features
    assert input_features.shape == expected.shape
    assert np.allclose(input_features[0, 0, :30], expected[0, 0, :30], atol=1e-4)
