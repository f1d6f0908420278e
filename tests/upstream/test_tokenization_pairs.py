"""TokenizerTesterMixin.test_maximum_encoding_length_pair_input (tests/test_tokenization_common.py) for
Speech2TextTokenizer, the slow-tokenizer branches; on upstream's
setUp directory (tokenizer_support.py). Same assertions; only the class source (`lib`) changes.
"""

import logging

import pytest

from tests.upstream.test_tokenization_speech_to_text import get_clean_sequence
from tests.upstream.tokenizer_support import build_tokenizer_dir, train_sample_vocab

TOO_LONG = "Token indices sequence length is longer than the specified maximum sequence length for this model"


@pytest.fixture(scope="module")
def sample_vocab(tmp_path_factory):
    return train_sample_vocab(tmp_path_factory.mktemp("sample_vocab_pairs"))


@pytest.fixture
def get_tokenizer(lib, tmp_path, sample_vocab):
    directory, _, _ = build_tokenizer_dir(tmp_path / "tok", lib.Tokenizer, sample_vocab)
    return lambda **kwargs: lib.Tokenizer.from_pretrained(str(directory), **kwargs)


def _one_too_long_warning(caplog, call):
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        output = call()
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    assert records[0].getMessage().startswith(TOO_LONG)
    return output


def test_maximum_encoding_length_pair_input(get_tokenizer, caplog):
    tokenizer = get_tokenizer(do_lower_case=False, model_max_length=100)
    # Build a sequence from our model's vocabulary
    stride = 2
    seq_0, ids = get_clean_sequence(tokenizer, max_length=20)
    if len(ids) <= 2 + stride:
        seq_0 = (seq_0 + " ") * (2 + stride)
        ids = None
    seq0_tokens = tokenizer.encode(seq_0, add_special_tokens=False)
    assert len(seq0_tokens) > 2 + stride
    seq_1 = "This is another sentence to be encoded."
    seq1_tokens = tokenizer.encode(seq_1, add_special_tokens=False)
    if abs(len(seq0_tokens) - len(seq1_tokens)) <= 2:
        seq1_tokens = seq1_tokens + seq1_tokens
        seq_1 = tokenizer.decode(seq1_tokens, clean_up_tokenization_spaces=False)
    seq1_tokens = tokenizer.encode(seq_1, add_special_tokens=False)
    assert len(seq1_tokens) > 2 + stride

    # We are not using the special tokens - a bit too hard to test all the tokenizers with this
    sequence = tokenizer.encode(seq_0, seq_1, add_special_tokens=False)

    # Test with max model input length
    model_max_length = tokenizer.model_max_length
    assert model_max_length == 100
    seq_2 = seq_0 * model_max_length
    assert len(seq_2) > model_max_length
    sequence1 = tokenizer(seq_1, add_special_tokens=False)
    total_length1 = len(sequence1["input_ids"])
    sequence2 = tokenizer(seq_2, seq_1, add_special_tokens=False)
    total_length2 = len(sequence2["input_ids"])
    assert total_length1 < model_max_length - 10, "Issue with the testing sequence, please update it."
    assert total_length2 > model_max_length, "Issue with the testing sequence, please update it."

    # Simple
    padding_strategies = [False, True, "longest"] if tokenizer.pad_token and tokenizer.pad_token_id >= 0 else [False]
    for padding_state in padding_strategies:
        for truncation_state in [True, "longest_first", "only_first"]:
            output = tokenizer(seq_2, seq_1, padding=padding_state, truncation=truncation_state)
            assert len(output["input_ids"]) == model_max_length
            output = tokenizer([seq_2], [seq_1], padding=padding_state, truncation=truncation_state)
            assert len(output["input_ids"][0]) == model_max_length
        # Simple
        output = tokenizer(seq_1, seq_2, padding=padding_state, truncation="only_second")
        assert len(output["input_ids"]) == model_max_length
        output = tokenizer([seq_1], [seq_2], padding=padding_state, truncation="only_second")
        assert len(output["input_ids"][0]) == model_max_length
        # Simple with no truncation
        tokenizer.deprecation_warnings = {}
        output = _one_too_long_warning(
            caplog, lambda p=padding_state: tokenizer(seq_1, seq_2, padding=p, truncation=False)
        )
        assert len(output["input_ids"]) != model_max_length
        tokenizer.deprecation_warnings = {}
        output = _one_too_long_warning(
            caplog, lambda p=padding_state: tokenizer([seq_1], [seq_2], padding=p, truncation=False)
        )
        assert len(output["input_ids"][0]) != model_max_length

    truncated_first_sequence = tokenizer.encode(seq_0, add_special_tokens=False)[:-2] + tokenizer.encode(
        seq_1, add_special_tokens=False
    )
    truncated_second_sequence = (
        tokenizer.encode(seq_0, add_special_tokens=False) + tokenizer.encode(seq_1, add_special_tokens=False)[:-2]
    )

    # No overflowing tokens when using 'longest' in python tokenizers
    for truncation in ("longest_first", True):
        with pytest.raises(ValueError) as context:
            tokenizer(
                seq_0,
                seq_1,
                max_length=len(sequence) - 2,
                add_special_tokens=False,
                stride=stride,
                truncation=truncation,
                return_overflowing_tokens=True,
            )
        assert context.value.args[0].startswith(
            "Not possible to return overflowing tokens for pair of sequences with the "
            "`longest_first`. Please select another truncation strategy than `longest_first`, "
            "for instance `only_second` or `only_first`."
        )

    information_first_truncated = tokenizer(
        seq_0,
        seq_1,
        max_length=len(sequence) - 2,
        add_special_tokens=False,
        stride=stride,
        truncation="only_first",
        return_overflowing_tokens=True,
    )
    truncated_sequence = information_first_truncated["input_ids"]
    overflowing_tokens = information_first_truncated["overflowing_tokens"]
    assert len(truncated_sequence) == len(sequence) - 2
    assert truncated_sequence == truncated_first_sequence
    assert len(overflowing_tokens) == 2 + stride
    assert overflowing_tokens == seq0_tokens[-(2 + stride) :]

    information_second_truncated = tokenizer(
        seq_0,
        seq_1,
        max_length=len(sequence) - 2,
        add_special_tokens=False,
        stride=stride,
        truncation="only_second",
        return_overflowing_tokens=True,
    )
    truncated_sequence = information_second_truncated["input_ids"]
    overflowing_tokens = information_second_truncated["overflowing_tokens"]
    assert len(truncated_sequence) == len(sequence) - 2
    assert truncated_sequence == truncated_second_sequence
    assert len(overflowing_tokens) == 2 + stride
    assert overflowing_tokens == seq1_tokens[-(2 + stride) :]
