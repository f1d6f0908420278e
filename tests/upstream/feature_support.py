"""Inputs of transformers' Speech2TextFeatureExtractionTester (tests/models/speech_to_text/
test_feature_extraction_speech_to_text.py) and the mixins' comparison helpers, shared by the two ported files."""

import random

import numpy as np

global_rng = random.Random()


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
