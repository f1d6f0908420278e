"""More TokenizerTesterMixin tests (tests/test_tokenization_common.py) for Speech2TextTokenizer: padding,
truncation, special-token masks and vocabulary round trips, on upstream's setUp directory
(tokenizer_support.py). transformers 5 removed encode_plus / batch_encode_plus; their calls are
`tokenizer(...)`, which they wrapped. Same assertions; only the class source (`lib`) changes.
"""

import pytest

from tests.upstream.tokenizer_support import build_tokenizer_dir, train_sample_vocab


@pytest.fixture(scope="module")
def sample_vocab(tmp_path_factory):
    return train_sample_vocab(tmp_path_factory.mktemp("sample_vocab_common"))


@pytest.fixture
def get_tokenizer(lib, tmp_path, sample_vocab):
    directory, _, _ = build_tokenizer_dir(tmp_path / "tok", lib.Tokenizer, sample_vocab)
    return lambda **kwargs: lib.Tokenizer.from_pretrained(str(directory), **kwargs)


@pytest.fixture
def tokenizer_dir(lib, tmp_path, sample_vocab):
    return str(build_tokenizer_dir(tmp_path / "tok", lib.Tokenizer, sample_vocab)[0])


def _check_no_pad_token_padding(tokenizer, sequences):
    # if tokenizer does not have pad_token_id, an error should be thrown
    if tokenizer.pad_token_id is None:
        with pytest.raises(ValueError):
            if isinstance(sequences, list):
                tokenizer(sequences, padding="longest")
            else:
                tokenizer(sequences, padding=True)
        # add pad_token_id to pass subsequent tests
        tokenizer.add_special_tokens({"pad_token": "<PAD>"})


def convert_batch_encode_plus_format_to_encode_plus(batch_encode_plus_sequences):
    return [
        {value: batch_encode_plus_sequences[value][i] for value in batch_encode_plus_sequences.keys()}
        for i in range(len(batch_encode_plus_sequences["input_ids"]))
    ]


def test_special_tokens_mask(get_tokenizer):
    tokenizer = get_tokenizer(do_lower_case=False)
    sequence_0 = "Encode this."
    # Testing single inputs
    encoded_sequence = tokenizer.encode(sequence_0, add_special_tokens=False)
    encoded_sequence_dict = tokenizer(sequence_0, add_special_tokens=True, return_special_tokens_mask=True)
    encoded_sequence_w_special = encoded_sequence_dict["input_ids"]
    special_tokens_mask = encoded_sequence_dict["special_tokens_mask"]
    assert len(special_tokens_mask) == len(encoded_sequence_w_special)
    filtered_sequence = [x for i, x in enumerate(encoded_sequence_w_special) if not special_tokens_mask[i]]
    assert encoded_sequence == filtered_sequence


def test_special_tokens_mask_input_pairs(get_tokenizer):
    tokenizer = get_tokenizer(do_lower_case=False)
    sequence_0 = "Encode this."
    sequence_1 = "This one too please."
    encoded_sequence = tokenizer.encode(sequence_0, add_special_tokens=False)
    encoded_sequence += tokenizer.encode(sequence_1, add_special_tokens=False)
    encoded_sequence_dict = tokenizer(sequence_0, sequence_1, add_special_tokens=True, return_special_tokens_mask=True)
    encoded_sequence_w_special = encoded_sequence_dict["input_ids"]
    special_tokens_mask = encoded_sequence_dict["special_tokens_mask"]
    assert len(special_tokens_mask) == len(encoded_sequence_w_special)
    filtered_sequence = [(x if not special_tokens_mask[i] else None) for i, x in enumerate(encoded_sequence_w_special)]
    filtered_sequence = [x for x in filtered_sequence if x is not None]
    assert encoded_sequence == filtered_sequence


@pytest.mark.parametrize("side", ["padding_side", "truncation_side"])
def test_side_in_kwargs(lib, tokenizer_dir, side):
    # test_padding_side_in_kwargs and test_truncation_side_in_kwargs (on the setUp directory)
    tokenizer_p = lib.Tokenizer.from_pretrained(tokenizer_dir, **{side: "left"})
    assert getattr(tokenizer_p, side) == "left"
    tokenizer_p = lib.Tokenizer.from_pretrained(tokenizer_dir, **{side: "right"})
    assert getattr(tokenizer_p, side) == "right"
    with pytest.raises(ValueError):
        lib.Tokenizer.from_pretrained(tokenizer_dir, **{side: "unauthorized"})


def test_right_and_left_padding(get_tokenizer):
    tokenizer = get_tokenizer(do_lower_case=False)
    sequence = "Sequence"
    padding_size = 10
    # check correct behaviour if no pad_token_id exists and add it eventually
    _check_no_pad_token_padding(tokenizer, sequence)
    padding_idx = tokenizer.pad_token_id

    # RIGHT PADDING
    tokenizer.padding_side = "right"
    encoded_sequence = tokenizer.encode(sequence)
    sequence_length = len(encoded_sequence)
    padded_sequence = tokenizer.encode(sequence, max_length=sequence_length + padding_size, padding="max_length")
    assert sequence_length + padding_size == len(padded_sequence)
    assert encoded_sequence + [padding_idx] * padding_size == padded_sequence

    # LEFT PADDING
    tokenizer.padding_side = "left"
    encoded_sequence = tokenizer.encode(sequence)
    sequence_length = len(encoded_sequence)
    padded_sequence = tokenizer.encode(sequence, max_length=sequence_length + padding_size, padding="max_length")
    assert sequence_length + padding_size == len(padded_sequence)
    assert [padding_idx] * padding_size + encoded_sequence == padded_sequence

    # RIGHT & LEFT PADDING - Check that nothing is done for 'longest' and 'no_padding'
    encoded_sequence = tokenizer.encode(sequence)
    sequence_length = len(encoded_sequence)
    for side, padding in (("right", True), ("left", "longest"), ("right", None), ("left", False)):
        tokenizer.padding_side = side
        padded = tokenizer.encode(sequence) if padding is None else tokenizer.encode(sequence, padding=padding)
        assert sequence_length == len(padded)
        assert encoded_sequence == padded


def test_right_and_left_truncation(get_tokenizer):
    tokenizer = get_tokenizer(do_lower_case=False)
    sequence = "This is a test sequence"
    truncation_size = 3
    tokenizer.truncation_side = "right"
    encoded_sequence = tokenizer.encode(sequence, add_special_tokens=False)
    sequence_length = len(encoded_sequence)
    # Remove EOS/BOS tokens
    truncated_sequence = tokenizer.encode(
        sequence, max_length=sequence_length - truncation_size, truncation=True, add_special_tokens=False
    )
    assert sequence_length == len(truncated_sequence) + truncation_size
    assert encoded_sequence[:-truncation_size] == truncated_sequence

    tokenizer.truncation_side = "left"
    truncated_sequence = tokenizer.encode(
        sequence, max_length=sequence_length - truncation_size, truncation=True, add_special_tokens=False
    )
    assert sequence_length == len(truncated_sequence) + truncation_size
    assert encoded_sequence[truncation_size:] == truncated_sequence

    # RIGHT & LEFT - Check that nothing is done for 'longest' and 'no_truncation'
    for side, truncation in (("right", True), ("left", "longest_first"), ("right", None), ("left", False)):
        tokenizer.truncation_side = side
        kwargs = {} if truncation is None else {"truncation": truncation}
        truncated = tokenizer.encode(sequence, add_special_tokens=False, **kwargs)
        assert sequence_length == len(truncated)
        assert encoded_sequence == truncated


def test_padding_to_multiple_of(get_tokenizer):
    tokenizer = get_tokenizer()
    assert tokenizer.pad_token is not None
    empty_tokens = tokenizer("", padding=True, pad_to_multiple_of=8)
    normal_tokens = tokenizer("This is a sample input", padding=True, pad_to_multiple_of=8)
    for key, value in empty_tokens.items():
        assert len(value) % 8 == 0, f"BatchEncoding.{key} is not multiple of 8"
    for key, value in normal_tokens.items():
        assert len(value) % 8 == 0, f"BatchEncoding.{key} is not multiple of 8"
    normal_tokens = tokenizer("This", pad_to_multiple_of=8)
    for key, value in normal_tokens.items():
        assert len(value) % 8 != 0, f"BatchEncoding.{key} is not multiple of 8"
    # Should also work with truncation
    normal_tokens = tokenizer("This", padding=True, truncation=True, pad_to_multiple_of=8)
    for key, value in normal_tokens.items():
        assert len(value) % 8 == 0, f"BatchEncoding.{key} is not multiple of 8"
    # truncation to something which is not a multiple of pad_to_multiple_of raises an error
    with pytest.raises(ValueError):
        tokenizer("This", padding=True, truncation=True, max_length=12, pad_to_multiple_of=8)


def test_padding_with_attention_mask(get_tokenizer):
    tokenizer = get_tokenizer()
    assert tokenizer.pad_token is not None and "attention_mask" in tokenizer.model_input_names
    features = [
        {"input_ids": [1, 2, 3, 4, 5, 6], "attention_mask": [1, 1, 1, 1, 1, 0]},
        {"input_ids": [1, 2, 3], "attention_mask": [1, 1, 0]},
    ]
    padded_features = tokenizer.pad(features)
    if tokenizer.padding_side == "right":
        assert padded_features["attention_mask"] == [[1, 1, 1, 1, 1, 0], [1, 1, 0, 0, 0, 0]]
    else:
        assert padded_features["attention_mask"] == [[1, 1, 1, 1, 1, 0], [0, 0, 0, 1, 1, 0]]


def test_encode_plus_with_padding(get_tokenizer):
    tokenizer = get_tokenizer(do_lower_case=False)
    sequence = "Sequence"
    _check_no_pad_token_padding(tokenizer, sequence)
    padding_size = 10
    padding_idx = tokenizer.pad_token_id
    encoded_sequence = tokenizer(sequence, return_special_tokens_mask=True)
    input_ids = encoded_sequence["input_ids"]
    special_tokens_mask = encoded_sequence["special_tokens_mask"]
    sequence_length = len(input_ids)

    # Test 'longest' and 'no_padding' don't do anything
    tokenizer.padding_side = "right"
    for padding in (True, False):
        not_padded_sequence = tokenizer(sequence, padding=padding, return_special_tokens_mask=True)
        assert sequence_length == len(not_padded_sequence["input_ids"])
        assert input_ids == not_padded_sequence["input_ids"]
        assert special_tokens_mask == not_padded_sequence["special_tokens_mask"]

    # Test right padding
    tokenizer.padding_side = "right"
    right = tokenizer(
        sequence, max_length=sequence_length + padding_size, padding="max_length", return_special_tokens_mask=True
    )
    assert sequence_length + padding_size == len(right["input_ids"])
    assert input_ids + [padding_idx] * padding_size == right["input_ids"]
    assert special_tokens_mask + [1] * padding_size == right["special_tokens_mask"]

    # Test left padding
    tokenizer.padding_side = "left"
    left = tokenizer(
        sequence, max_length=sequence_length + padding_size, padding="max_length", return_special_tokens_mask=True
    )
    assert sequence_length + padding_size == len(left["input_ids"])
    assert [padding_idx] * padding_size + input_ids == left["input_ids"]
    assert [1] * padding_size + special_tokens_mask == left["special_tokens_mask"]

    if "attention_mask" in tokenizer.model_input_names:
        attention_mask = encoded_sequence["attention_mask"]
        assert attention_mask + [0] * padding_size == right["attention_mask"]
        assert [0] * padding_size + attention_mask == left["attention_mask"]


def test_get_vocab_common(get_tokenizer):
    # TokenizerTesterMixin.test_get_vocab (SpeechToTextTokenizerTest overrides it; both run)
    tokenizer = get_tokenizer(do_lower_case=False)
    vocab_dict = tokenizer.get_vocab()
    assert isinstance(vocab_dict, dict)
    assert len(tokenizer) >= len(vocab_dict)
    vocab = [tokenizer.convert_ids_to_tokens(i) for i in range(len(tokenizer))]
    assert len(vocab) == len(tokenizer)
    tokenizer.add_tokens(["asdfasdfasdfasdf"])
    vocab = [tokenizer.convert_ids_to_tokens(i) for i in range(len(tokenizer))]
    assert len(vocab) == len(tokenizer)


def test_conversion_reversible(get_tokenizer):
    tokenizer = get_tokenizer(do_lower_case=False)
    vocab = tokenizer.get_vocab()
    for word, ind in vocab.items():
        if word == tokenizer.unk_token:
            continue
        assert tokenizer.convert_tokens_to_ids(word) == ind
        assert tokenizer.convert_ids_to_tokens(ind) == word


def test_batch_encode_plus_batch_sequence_length(get_tokenizer):
    # Tests that all encoded values have the correct size
    tokenizer = get_tokenizer(do_lower_case=False)
    sequences = [
        "Testing batch encode plus",
        "Testing batch encode plus with different sequence lengths",
        "Testing batch encode plus with different sequence lengths correctly pads",
    ]
    encoded_sequences = [dict(tokenizer(sequence)) for sequence in sequences]
    encoded_sequences_batch = tokenizer(sequences, padding=False)
    assert encoded_sequences == convert_batch_encode_plus_format_to_encode_plus(encoded_sequences_batch)
    maximum_length = len(max([encoded_sequence["input_ids"] for encoded_sequence in encoded_sequences], key=len))
    _check_no_pad_token_padding(tokenizer, sequences)
    encoded_sequences_padded = [
        dict(tokenizer(sequence, max_length=maximum_length, padding="max_length")) for sequence in sequences
    ]
    encoded_sequences_batch_padded = tokenizer(sequences, padding=True)
    assert encoded_sequences_padded == convert_batch_encode_plus_format_to_encode_plus(encoded_sequences_batch_padded)
    # check 'longest' is unsensitive to a max length
    encoded_1 = tokenizer(sequences, padding=True)
    encoded_2 = tokenizer(sequences, max_length=maximum_length + 10, padding="longest")
    for key in encoded_1.keys():
        assert encoded_1[key] == encoded_2[key]
    # check 'no_padding' is unsensitive to a max length
    encoded_1 = tokenizer(sequences, padding=False)
    encoded_2 = tokenizer(sequences, max_length=maximum_length + 10, padding=False)
    for key in encoded_1.keys():
        assert encoded_1[key] == encoded_2[key]


@pytest.mark.parametrize("verbose", [True, False])
def test_tokenizers_special_tokens_properties_unset(get_tokenizer, verbose):
    tokenizer = get_tokenizer(verbose=verbose)
    attributes_list = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
    # upstream's list ends with "additional_special_tokens"; its transformers 5 successor extra_special_tokens
    # reads [] once unset, in transformers itself, so the list stops at the named tokens
    for attr in attributes_list:
        setattr(tokenizer, attr, None)
        assert getattr(tokenizer, attr) is None


def test_maximum_encoding_length_single_input(get_tokenizer, caplog):
    import logging

    from tests.upstream.test_tokenization_speech_to_text import get_clean_sequence

    tokenizer = get_tokenizer(do_lower_case=False, model_max_length=100)
    seq_0, ids = get_clean_sequence(tokenizer, max_length=20)
    sequence = tokenizer.encode(seq_0, add_special_tokens=False)
    total_length = len(sequence)
    assert total_length > 4, "Issue with the testing sequence, please update it, it's too short"

    # Test with max model input length
    model_max_length = tokenizer.model_max_length
    assert model_max_length == 100
    seq_1 = seq_0 * model_max_length
    sequence1 = tokenizer(seq_1, add_special_tokens=False)
    total_length1 = len(sequence1["input_ids"])
    assert total_length1 > model_max_length, "Issue with the testing sequence, please update it, it's too short"

    # Simple
    padding_strategies = [False, True, "longest"] if tokenizer.pad_token and tokenizer.pad_token_id >= 0 else [False]
    for padding_state in padding_strategies:
        for truncation_state in [True, "longest_first", "only_first"]:
            output = tokenizer(seq_1, padding=padding_state, truncation=truncation_state)
            assert len(output["input_ids"]) == model_max_length
            output = tokenizer([seq_1], padding=padding_state, truncation=truncation_state)
            assert len(output["input_ids"][0]) == model_max_length

        # Simple with no truncation (upstream: assertLogs("transformers", level="WARNING"), one record)
        for batch in (False, True):
            tokenizer.deprecation_warnings = {}
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                output = tokenizer([seq_1] if batch else seq_1, padding=padding_state, truncation=False)
                ids_out = output["input_ids"][0] if batch else output["input_ids"]
                assert len(ids_out) != model_max_length
            records = [r for r in caplog.records if r.levelno >= logging.WARNING]
            assert len(records) == 1
            assert (
                records[0]
                .getMessage()
                .startswith(
                    "Token indices sequence length is longer than the specified maximum sequence length for this model"
                )
            )

    # Overflowing tokens
    stride = 2
    information = tokenizer(
        seq_0,
        max_length=total_length - 2,
        add_special_tokens=False,
        stride=stride,
        truncation="longest_first",
        return_overflowing_tokens=True,
    )
    truncated_sequence = information["input_ids"]
    overflowing_tokens = information["overflowing_tokens"]
    assert len(truncated_sequence) == total_length - 2
    assert truncated_sequence == sequence[:-2]
    assert len(overflowing_tokens) == 2 + stride
    assert overflowing_tokens == sequence[-(2 + stride) :]
