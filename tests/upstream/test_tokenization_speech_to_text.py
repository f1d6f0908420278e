"""Port of transformers' tests/models/speech_to_text/test_tokenization_speech_to_text.py and the
TokenizerTesterMixin tests (tests/test_tokenization_common.py) that apply to a slow SentencePiece
tokenizer. Same calls and assertions; only the class source (`lib`) changes. Fixture files are local
stand-ins (tokenizer_support.py); values upstream hard-codes for its fixture come from the
SentencePiece model. Not ported: docs/upstream_tests.md.
"""

import inspect
import json
import os
import pickle
import re
import shutil
import tempfile

import pytest

from tests.upstream.tokenizer_support import (
    SPIECE_UNDERLINE,
    build_multilingual_dir,
    build_tokenizer_dir,
    train_sample_vocab,
)

FR_CODE = 5
ES_CODE = 10


@pytest.fixture(scope="session")
def sample_vocab(tmp_path_factory):
    return train_sample_vocab(tmp_path_factory.mktemp("sample_vocab"))


class Setup:
    """What upstream's setUp leaves: self.tmpdirname, get_tokenizer(**kwargs)."""

    def __init__(self, lib, directory, spm_model, vocab):
        self.lib = lib
        self.tmpdirname = str(directory)
        self.spm_model = spm_model
        self.vocab = vocab

    def get_tokenizer(self, **kwargs):
        return self.lib.Tokenizer.from_pretrained(self.tmpdirname, **kwargs)


@pytest.fixture
def s(lib, tmp_path, sample_vocab):
    directory, spm_model, vocab = build_tokenizer_dir(tmp_path / "tok", lib.Tokenizer, sample_vocab)
    return Setup(lib, directory, spm_model, vocab)


def get_clean_sequence(tokenizer, with_prefix_space=False, max_length=20, min_length=5):
    toks = [(i, tokenizer.decode([i], clean_up_tokenization_spaces=False)) for i in range(len(tokenizer))]
    toks = list(filter(lambda t: re.match(r"^[ a-zA-Z]+$", t[1]), toks))
    toks = list(filter(lambda t: [t[0]] == tokenizer.encode(t[1], add_special_tokens=False), toks))
    if max_length is not None and len(toks) > max_length:
        toks = toks[:max_length]
    if min_length is not None and len(toks) < min_length and len(toks) > 0:
        while len(toks) < min_length:
            toks = toks + toks
    toks_ids = [t[0] for t in toks]
    output_txt = tokenizer.decode(toks_ids, clean_up_tokenization_spaces=False)
    if " " not in output_txt and len(toks_ids) > 1:
        output_txt = (
            tokenizer.decode([toks_ids[0]], clean_up_tokenization_spaces=False)
            + " "
            + tokenizer.decode(toks_ids[1:], clean_up_tokenization_spaces=False)
        )
    if with_prefix_space:
        output_txt = " " + output_txt
    output_ids = tokenizer.encode(output_txt, add_special_tokens=False)
    return output_txt, output_ids


# ---- SpeechToTextTokenizerTest -----------------------------------------------------------------


def test_convert_token_and_id(s):
    """Test ``_convert_token_to_id`` and ``_convert_id_to_token``."""
    token = "<pad>"
    token_id = 1
    assert s.get_tokenizer()._convert_token_to_id(token) == token_id
    assert s.get_tokenizer()._convert_id_to_token(token_id) == token


def test_get_vocab(s):
    vocab_keys = list(s.get_tokenizer().get_vocab().keys())
    assert vocab_keys[0] == "<s>"
    assert vocab_keys[1] == "<pad>"
    assert vocab_keys[-1] == list(s.vocab)[-1]  # upstream: "j", its fixture's last piece
    assert len(vocab_keys) == len(s.vocab)  # upstream: 1_001


def test_vocab_size(s):
    assert s.get_tokenizer().vocab_size == len(s.vocab)  # upstream: 1_001


def test_full_tokenizer(s):
    tokenizer = s.lib.Tokenizer.from_pretrained(s.tmpdirname)
    unk = s.vocab["<unk>"]

    tokens = tokenizer.tokenize("This is a test")
    assert tokens == s.spm_model.encode("This is a test", out_type=str)
    assert tokens[0].startswith(SPIECE_UNDERLINE)
    assert tokenizer.convert_tokens_to_ids(tokens) == [s.vocab.get(t, unk) for t in tokens]

    tokens = tokenizer.tokenize("I was born in 92000, and this is falsé.")
    assert tokens == s.spm_model.encode("I was born in 92000, and this is falsé.", out_type=str)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    assert ids == [s.vocab.get(t, unk) for t in tokens]
    assert unk in ids  # "9" and "é" are out of the vocabulary, as in upstream's fixture
    back_tokens = tokenizer.convert_ids_to_tokens(ids)
    assert back_tokens == [t if t in s.vocab else "<unk>" for t in tokens]


# ---- SpeechToTextTokenizerMultilinguialTest ----------------------------------------------------

french_text = "C'est trop cool"
spanish_text = "Esto es genial"


@pytest.fixture
def multilingual(lib, tmp_path):
    directory = build_multilingual_dir(tmp_path / "mustc", lib.Tokenizer)
    return lib.Tokenizer.from_pretrained(str(directory), lang_codes="mustc")


def test_multilingual_vocab_size(multilingual, tmp_path):
    vocab = json.loads((tmp_path / "mustc" / "vocab.json").read_text(encoding="utf-8"))
    assert multilingual.vocab_size == len(vocab)  # upstream: 10_000, the checkpoint's size


def test_tokenizer_decode_ignores_language_codes(multilingual):
    tokenizer = multilingual
    assert ES_CODE in tokenizer.all_special_ids
    generated_ids = [ES_CODE, 4, 16, 47, 20, 2]
    result = tokenizer.decode(generated_ids, skip_special_tokens=True)
    expected_spanish = tokenizer.decode(generated_ids[1:], skip_special_tokens=True)
    assert result == expected_spanish
    assert tokenizer.eos_token not in result


def test_tokenizer_adds_special_tokens(multilingual):
    multilingual.tgt_lang = "fr"
    encoded = multilingual(french_text).input_ids
    assert encoded[0] == FR_CODE
    assert encoded[-1] == multilingual.eos_token_id


def test_tgt_lang_setter(multilingual):
    multilingual.tgt_lang = "fr"
    assert multilingual.prefix_tokens == [FR_CODE]
    multilingual.tgt_lang = "es"
    assert multilingual.prefix_tokens == [ES_CODE]


def test_check_language_codes(multilingual):
    # upstream's check_language_codes (a helper it never runs)
    assert multilingual.lang_code_to_id["pt"] == 4
    assert multilingual.lang_code_to_id["ru"] == 6
    assert multilingual.lang_code_to_id["it"] == 9
    assert multilingual.lang_code_to_id["de"] == 11


# ---- TokenizerTesterMixin ----------------------------------------------------------------------


def test_tokenize_special_tokens(s):
    """Test `tokenize` with special tokens."""
    tokenizer = s.get_tokenizer(do_lower_case=True)
    SPECIAL_TOKEN_1 = "[SPECIAL_TOKEN_1]"
    SPECIAL_TOKEN_2 = "[SPECIAL_TOKEN_2]"
    tokenizer.add_tokens([SPECIAL_TOKEN_1], special_tokens=True)
    tokenizer.add_special_tokens({"additional_special_tokens": [SPECIAL_TOKEN_2]})
    token_1 = tokenizer.tokenize(SPECIAL_TOKEN_1)
    token_2 = tokenizer.tokenize(SPECIAL_TOKEN_2)
    assert len(token_1) == 1
    assert len(token_2) == 1
    assert token_1[0] == SPECIAL_TOKEN_1
    assert token_2[0] == SPECIAL_TOKEN_2


def test_sentencepiece_tokenize_and_convert_tokens_to_string(s):
    """Test ``_tokenize`` and ``convert_tokens_to_string``."""
    tokenizer = s.get_tokenizer()
    text = "This is text to test the tokenizer."
    tokens = tokenizer.tokenize(text)
    assert len(tokens) > 0
    # check if converting back to original text works
    reverse_text = tokenizer.convert_tokens_to_string(tokens)
    assert reverse_text == text
    special_tokens = tokenizer.all_special_tokens
    special_tokens_string = tokenizer.convert_tokens_to_string(special_tokens)
    for special_token in special_tokens:
        assert special_token in special_tokens_string


def test_save_sentencepiece_tokenizer(s):
    # We want to verify that we will be able to save the tokenizer even if the original files that were used to
    # build the tokenizer have been deleted in the meantime.
    text = "This is text to test the tokenizer."
    tokenizer_slow_1 = s.get_tokenizer()
    encoding_tokenizer_slow_1 = tokenizer_slow_1(text)
    tmpdirname_1 = tempfile.mkdtemp()
    tmpdirname_2 = tempfile.mkdtemp()
    tokenizer_slow_1.save_pretrained(tmpdirname_1)
    tokenizer_slow_2 = s.lib.Tokenizer.from_pretrained(tmpdirname_1)
    encoding_tokenizer_slow_2 = tokenizer_slow_2(text)
    shutil.rmtree(tmpdirname_1)
    tokenizer_slow_2.save_pretrained(tmpdirname_2)
    tokenizer_slow_3 = s.lib.Tokenizer.from_pretrained(tmpdirname_2)
    encoding_tokenizer_slow_3 = tokenizer_slow_3(text)
    shutil.rmtree(tmpdirname_2)
    assert encoding_tokenizer_slow_1 == encoding_tokenizer_slow_2
    assert encoding_tokenizer_slow_1 == encoding_tokenizer_slow_3


def test_model_input_names_signature(s):
    accepted_model_main_input_names = ["input_ids", "input_values"]
    tokenizer = s.get_tokenizer()
    # first name of model_input_names has to correspond to main model input name
    assert tokenizer.model_input_names[0] in accepted_model_main_input_names


def test_tokenizer_slow_store_full_signature(s):
    signature = inspect.signature(s.lib.Tokenizer.__init__)
    tokenizer = s.get_tokenizer()
    for parameter_name, parameter in signature.parameters.items():
        if parameter.default != inspect.Parameter.empty:
            assert parameter_name in tokenizer.init_kwargs


def test_tokenizers_common_properties(s):
    tokenizer = s.get_tokenizer()
    for attr in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]:
        assert hasattr(tokenizer, attr)
        assert hasattr(tokenizer, attr + "_id")
    for attr in ["model_max_length", "init_kwargs", "added_tokens_encoder", "added_tokens_decoder"]:
        assert hasattr(tokenizer, attr)


def test_save_and_load_tokenizer(s):
    # safety check on max_len default value so we are sure the test works
    assert s.get_tokenizer().model_max_length != 42
    tokenizer = s.get_tokenizer()
    tmpdirname = tempfile.mkdtemp()
    sample_text = " He is very happy, UNwant\u00e9d,running"
    before_tokens = tokenizer.encode(sample_text, add_special_tokens=False)
    before_vocab = tokenizer.get_vocab()
    tokenizer.save_pretrained(tmpdirname)
    after_tokenizer = tokenizer.__class__.from_pretrained(tmpdirname)
    after_tokens = after_tokenizer.encode(sample_text, add_special_tokens=False)
    after_vocab = after_tokenizer.get_vocab()
    assert before_tokens == after_tokens
    assert before_vocab == after_vocab
    shutil.rmtree(tmpdirname)

    tokenizer = s.get_tokenizer(model_max_length=42)
    tmpdirname = tempfile.mkdtemp()
    tokenizer.add_tokens(["bim", "bambam"])
    extra_special_tokens = list(tokenizer.extra_special_tokens)
    extra_special_tokens.append("new_extra_special_token")
    tokenizer.add_special_tokens({"extra_special_tokens": extra_special_tokens})
    before_tokens = tokenizer.encode(sample_text, add_special_tokens=False)
    before_vocab = tokenizer.get_vocab()
    tokenizer.save_pretrained(tmpdirname)
    after_tokenizer = tokenizer.__class__.from_pretrained(tmpdirname)
    after_tokens = after_tokenizer.encode(sample_text, add_special_tokens=False)
    after_vocab = after_tokenizer.get_vocab()
    assert before_tokens == after_tokens
    assert before_vocab == after_vocab
    assert "bim" in after_vocab
    assert "bambam" in after_vocab
    assert "new_extra_special_token" in after_tokenizer.extra_special_tokens
    assert after_tokenizer.model_max_length == 42
    tokenizer = tokenizer.__class__.from_pretrained(tmpdirname, model_max_length=43)
    assert tokenizer.model_max_length == 43
    shutil.rmtree(tmpdirname)


def test_pickle_tokenizer(s, tmp_path):
    """Google pickle __getstate__ __setstate__ if you are struggling with this."""
    tokenizer = s.get_tokenizer()
    assert tokenizer is not None
    text = "Munich and Berlin are nice cities"
    subwords = tokenizer.tokenize(text)
    filename = os.path.join(tmp_path, "tokenizer.bin")
    with open(filename, "wb") as handle:
        pickle.dump(tokenizer, handle)
    with open(filename, "rb") as handle:
        tokenizer_new = pickle.load(handle)
    subwords_loaded = tokenizer_new.tokenize(text)
    assert subwords == subwords_loaded


def test_add_special_tokens(s):
    tokenizer = s.get_tokenizer(do_lower_case=False)
    input_text, ids = get_clean_sequence(tokenizer)
    special_token = "[SPECIAL_TOKEN]"
    tokenizer.add_special_tokens({"cls_token": special_token})
    encoded_special_token = tokenizer.encode(special_token, add_special_tokens=False)
    assert len(encoded_special_token) == 1
    text = tokenizer.decode(ids + encoded_special_token, clean_up_tokenization_spaces=False)
    encoded = tokenizer.encode(text, add_special_tokens=False)
    input_encoded = tokenizer.encode(input_text, add_special_tokens=False)
    special_token_id = tokenizer.encode(special_token, add_special_tokens=False)
    assert encoded == input_encoded + special_token_id
    decoded = tokenizer.decode(encoded, skip_special_tokens=True)
    assert special_token not in decoded


def test_internal_consistency(s):
    tokenizer = s.get_tokenizer()
    input_text = output_text = get_clean_sequence(tokenizer)[0]
    tokens = tokenizer.tokenize(input_text)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    ids_2 = tokenizer.encode(input_text, add_special_tokens=False)
    assert ids == ids_2
    tokens_2 = tokenizer.convert_ids_to_tokens(ids)
    assert len(tokens_2) != 0
    text_2 = tokenizer.decode(ids)
    assert isinstance(text_2, str)
    assert text_2 == output_text


def test_number_of_added_tokens(s):
    tokenizer = s.get_tokenizer(do_lower_case=False)
    seq_0 = "Test this method."
    seq_1 = "With these inputs."
    sequences = tokenizer.encode(seq_0, seq_1, add_special_tokens=False)
    attached_sequences = tokenizer.encode(seq_0, seq_1, add_special_tokens=True)
    # Method is implemented (e.g. not GPT-2)
    if len(attached_sequences) != 2:
        assert tokenizer.num_special_tokens_to_add(pair=True) == len(attached_sequences) - len(sequences)
