"""Port of transformers' tests/models/speech_to_text/test_feature_extraction_speech_to_text.py (the mixins'
tests are in test_feature_extraction_common.py). Same inputs, assertions and tolerances; only the class
source (`lib`) and the tensor type change. test_integration reads a hub dataset; its local equivalent runs
a shipped example clip through both implementations (docs/upstream_tests.md)."""

import numpy as np
import pytest

from tests.upstream.feature_support import (
    _check_zero_mean_unit_variance,
    floats_list,
)

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
