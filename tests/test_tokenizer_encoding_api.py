"""The tokenizer's encoding options, differentially against transformers 5.23's Speech2TextTokenizer.

token_type_ids, the too-long and ignored-max_length warnings, pad_to_multiple_of checks, text pairs
and their truncation strategies, overflowing tokens with stride, text targets, the documented
keyword arguments (and the two refused ones), prepare_for_model / truncate_sequences / pad,
BatchEncoding access, and random option combinations. Same comparison as
tests/test_tokenizer_api.py (tests/support/tokenizer_pairs.py).
"""

import logging

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s2t_np import Speech2TextTokenizer, UnsupportedOptionError
from tests.support.properties import examples
from tests.support.tokenizer_pairs import (
    outcome,
    plain,
    same,
)

pytestmark = pytest.mark.filterwarnings("ignore:`max_length` is ignored")


@pytest.mark.parametrize("return_token_type_ids", [None, True, False])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_token_type_ids(load, return_token_type_ids, padding_side):
    pair = load()
    kw = dict(return_token_type_ids=return_token_type_ids, padding_side=padding_side)
    same(pair, lambda t: t("hello world", **kw))
    same(pair, lambda t: t("hello world", "the fox", **kw))
    same(pair, lambda t: t("hello world", "the fox", add_special_tokens=False, **kw))
    same(pair, lambda t: t(["hello world", "a"], ["the fox", "b c"], padding=True, **kw))
    same(pair, lambda t: t([("a", "b"), ("the quick", "fox")], padding="max_length", max_length=12, **kw))
    same(pair, lambda t: t(["a", "the fox"], padding=True, return_tensors="np", **kw))
    same(pair, lambda t: t.pad(t(["a b", "c"], ["d", "e f g"], return_token_type_ids=True), padding_side=padding_side))


def test_token_type_ids_as_model_input_name(load):
    same(load(model_input_names=["input_ids", "token_type_ids", "attention_mask"]), lambda t: t(["a b", "c"], "d"))


def _captured(ref, transformers, call):
    from transformers.testing_utils import CaptureLogger

    logger = transformers.utils.logging.get_logger("transformers.tokenization_utils_base")
    verbosity = transformers.logging.get_verbosity()  # other test modules silence transformers' logging
    transformers.logging.set_verbosity_warning()
    try:
        with CaptureLogger(logger) as captured:
            call(ref)
    finally:
        transformers.logging.set_verbosity(verbosity)
    return captured.out.strip()


@pytest.mark.parametrize(
    "kwargs,warns",
    [({}, True), ({"verbose": False}, False), ({"max_length": 30}, False), ({"truncation": True}, False)],
)
def test_too_long_warning(load, transformers, caplog, kwargs, warns):
    ours, ref = load(model_max_length=5)
    text = "the quick brown fox jumps over a lazy dog"
    expected = _captured(ref, transformers, lambda t: t(text, **kwargs))
    assert bool(expected) == warns
    with caplog.at_level(logging.WARNING, logger="s2t_np"):
        assert plain(ours(text, **kwargs)) == plain(ref(text, **kwargs))
        ours(text, **kwargs)  # once per tokenizer, as in the reference
    assert _ours_too_long(caplog) == ([expected] if warns else [])


def _ours_too_long(caplog):
    return [r.getMessage() for r in caplog.records if r.name.startswith("s2t_np") and "Token indices" in r.getMessage()]


def test_max_length_ignored_warning(load):
    pair = load()
    for tok in pair:
        with pytest.warns(UserWarning, match="`max_length` is ignored when `padding`=`True`"):
            tok("hello world", padding=True, max_length=3)
    same(pair, lambda t: t("hello world", padding=True, max_length=3))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(padding="max_length", truncation=True, max_length=5, pad_to_multiple_of=4),
        dict(padding="max_length", truncation=True, max_length=8, pad_to_multiple_of=4),
        dict(padding="max_length", max_length=5, pad_to_multiple_of=4),
        dict(padding=True, truncation=True, max_length=12, pad_to_multiple_of=8),
        dict(padding=True, truncation=True, pad_to_multiple_of=8),
        dict(padding=True, pad_to_multiple_of=8),
        dict(padding=False, truncation=True, max_length=5, pad_to_multiple_of=4),
        dict(truncation=True, max_length=6, pad_to_multiple_of=4, padding="longest"),
    ],
)
def test_pad_to_multiple_of(load, kwargs):
    pair = load(model_max_length=16)
    same(pair, lambda t: t("the quick brown fox", **kwargs))
    same(pair, lambda t: t(["the quick brown fox", "a"], **kwargs))
    same(pair, lambda t: t.encode("the quick brown fox", **kwargs))


@pytest.mark.parametrize("truncation", ["longest_first", "only_first", "only_second", True, False])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("max_length", [4, 7, 12])
def test_pairs_truncated(load, truncation, side, max_length):
    pair = load(truncation_side=side)
    kw = dict(truncation=truncation, max_length=max_length)
    same(pair, lambda t: t("the quick brown fox", "jumps over a lazy dog", **kw))
    same(pair, lambda t: t("a", text_pair="jumps over a lazy dog", return_special_tokens_mask=True, **kw))
    same(pair, lambda t: t(["the quick brown fox", "a b"], ["jumps", "over a lazy dog"], padding=True, **kw))
    same(pair, lambda t: t([("the quick brown fox", "jumps"), ("a b", "over a lazy dog")], **kw))
    same(pair, lambda t: t.encode("the quick brown fox", "jumps over", **kw))


@pytest.mark.parametrize("truncation", ["longest_first", "only_first", "only_second"])
@pytest.mark.parametrize("stride", [0, 2])
def test_overflowing_tokens(load, truncation, stride):
    pair = load(truncation_side="right")
    kw = dict(truncation=truncation, max_length=5, stride=stride, return_overflowing_tokens=True)
    same(pair, lambda t: t("the quick brown fox jumps", **kw))
    same(pair, lambda t: t("the quick brown fox", "jumps over a lazy dog", **kw))
    same(pair, lambda t: t(["the quick brown fox", "over a lazy dog"], **kw))
    same(pair, lambda t: t(["the quick brown fox", "a"], return_tensors="np", **kw))


def test_overflowing_tokens_on_part_of_a_batch_is_a_typed_error(load):
    ours, ref = load()
    kw = dict(truncation=True, max_length=5, return_overflowing_tokens=True)
    with pytest.raises(AssertionError):  # transformers 5.23 fails on an internal assert
        ref(["the quick brown fox", "a"], **kw)
    with pytest.raises(ValueError, match="only some texts overflow"):
        ours(["the quick brown fox", "a"], **kw)


def test_text_targets(load):
    pair = load()
    same(pair, lambda t: t("hello world", text_target="the fox"))
    same(pair, lambda t: t(text_target="the fox", text_pair_target="a b"))
    same(pair, lambda t: t("hello world", "x", text_target="the quick fox", text_pair_target="a b"))
    same(pair, lambda t: t(["hello world", "a"], text_target=["the quick fox", "b"], max_length=4, max_target_length=3))
    same(pair, lambda t: t())


def test_documented_keywords(load):
    pair = load()
    same(pair, lambda t: t("hello world", verbose=False, return_length=True, return_offsets_mapping=False))
    same(pair, lambda t: t(["hello world", "a"], return_length=True, padding=True, stride=0))
    same(pair, lambda t: t("hello world", tokenizer_kwargs={"padding": "max_length", "max_length": 20}))
    same(pair, lambda t: t("hello world", split_special_tokens=True, is_split_into_words=False))
    same(pair, lambda t: t.tokenize("hello <s> world", pair="x", add_special_tokens=True))
    same(pair, lambda t: t.encode("hello world", padding_side="left", padding="max_length", max_length=16))
    ids = pair[1].encode("hello <s> world")
    same(pair, lambda t: t.decode(ids, skip_special_tokens=True, spaces_between_special_tokens=False))
    same(pair, lambda t: t.batch_decode([ids, ids[:2]], clean_up_tokenization_spaces=True))
    same(pair, lambda t: t.decode(np.asarray([ids, ids])))
    same(pair, lambda t: t.pad({"input_ids": [np.asarray(ids), np.asarray(ids[:2])]}, verbose=False))
    same(pair, lambda t: t.pad([{"input_ids": ids}, {"input_ids": ids[:1]}], padding="max_length", max_length=20))
    same(pair, lambda t: (t.max_len_single_sentence, t.max_len_sentences_pair))


def test_refused_keywords(load):
    ours, ref = load()
    assert "offset_mapping" not in ref("hello world", return_offsets_mapping=True)  # silently ignored there
    with pytest.raises(UnsupportedOptionError, match="return_offsets_mapping"):
        ours("hello world", return_offsets_mapping=True)
    with pytest.raises(UnsupportedOptionError, match="no_such_option"):
        ours("hello world", no_such_option=1)
    with pytest.raises(UnsupportedOptionError, match="return_tensors"):
        ours("hello world", return_tensors="pt")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(max_length=4),
        dict(max_length=4, truncation=True, return_overflowing_tokens=True, stride=1),
        dict(padding="max_length", max_length=12, return_special_tokens_mask=True, return_token_type_ids=True),
        dict(padding="max_length", max_length=12, return_tensors="np"),
        dict(return_tensors="np", prepend_batch_axis=True, return_length=True),
        dict(add_special_tokens=False, truncation="only_second", max_length=5, padding_side="left", padding=True),
    ],
)
def test_prepare_for_model(load, kwargs):
    pair = load()
    ids, pair_ids = pair[1].encode("the quick brown", add_special_tokens=False), [7, 8, 9]
    same(pair, lambda t: t.prepare_for_model(ids, **kwargs))
    same(pair, lambda t: t.prepare_for_model(ids, pair_ids, **kwargs))


@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_truncate_sequences(load, strategy, side):
    pair = load(truncation_side=side)
    for n, stride in ((0, 0), (2, 0), (3, 2), (9, 1)):
        same(pair, lambda t, n=n, stride=stride: t.truncate_sequences([1, 2, 3, 4, 5], None, n, strategy, stride))
        same(pair, lambda t, n=n, stride=stride: t.truncate_sequences([1, 2, 3, 4, 5], [6, 7], n, strategy, stride))


def test_batch_encoding_access(load):
    import pickle

    pair = load()
    same(pair, lambda t: t(["a b", "the fox"], padding=True)[0:1])
    same(pair, lambda t: (t(["a b"]).data, t("a b").input_ids, t("a b").is_fast, t("a b").encodings))
    same(pair, lambda t: pickle.loads(pickle.dumps(t(["a b", "c"], padding=True, return_tensors="np"))))
    same(pair, lambda t: t(["a b", "the fox"], padding=True).convert_to_tensors("np"))
    for tok in pair:
        with pytest.raises(KeyError, match="Invalid key"):
            tok("a b")[0]
        with pytest.raises(AttributeError):
            _ = tok("a b").no_such_key


def test_pretokenized_and_mask_options(load):
    """TokenizerTesterMixin.test_pretokenized_inputs's inputs, and the mask switches, compared."""
    pair = load()
    words = "the quick brown fox".split()
    same(pair, lambda t: t(words, is_split_into_words=True, add_special_tokens=False))
    same(pair, lambda t: t(words, words, is_split_into_words=True))
    same(pair, lambda t: t([words, words[:2]], is_split_into_words=True, padding=True))
    same(pair, lambda t: t([(words, words[:1]), (words[:2], words)], is_split_into_words=True))
    same(pair, lambda t: t.encode(words, words[:1], is_split_into_words=True))
    same(pair, lambda t: t(["a b", "the fox"], padding=True, return_attention_mask=False))
    same(pair, lambda t: t("a b", padding="max_length", max_length=9, return_attention_mask=False))
    same(
        pair,
        lambda t: t(["a b", "the fox"], padding=True, padding_side="left", return_special_tokens_mask=True),
    )
    same(pair, lambda t: t([], padding=True))
    same(pair, lambda t: t([], return_tensors="np"))
    same(pair, lambda t: t.pad({"input_ids": []}))
    same(pair, lambda t: t([[5, 6, 7], [8]], padding=True))


_SENTENCES = ["", "a", "the quick brown fox", "bonjour le monde merci beaucoup", "x <s> y", "hello world"]


_CALL_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "padding": st.sampled_from([True, False, "longest", "max_length", "do_not_pad"]),
        "truncation": st.sampled_from([True, False, None, "longest_first", "only_first", "only_second"]),
        "max_length": st.integers(0, 14),
        "pad_to_multiple_of": st.sampled_from([None, 1, 3, 4]),
        "stride": st.integers(0, 3),
        "padding_side": st.sampled_from(["left", "right"]),
        "return_token_type_ids": st.booleans(),
        "return_attention_mask": st.booleans(),
        "return_special_tokens_mask": st.booleans(),
        "return_overflowing_tokens": st.booleans(),
        "return_length": st.booleans(),
        "add_special_tokens": st.booleans(),
        "return_tensors": st.sampled_from([None, "np"]),
    },
)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    options=_CALL_OPTIONS,
    texts=st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=3),
    pairs=st.one_of(st.none(), st.lists(st.sampled_from(_SENTENCES), min_size=3, max_size=3)),
    batched=st.booleans(),
    model_max_length=st.sampled_from([None, 8]),
)
def test_call_options_random(tokenizer_directories, transformers, options, texts, pairs, batched, model_max_length):
    """Random combinations of __call__'s options on single texts, pairs and batches, against transformers."""
    kwargs = {} if model_max_length is None else {"model_max_length": model_max_length}
    ours = Speech2TextTokenizer.from_pretrained(tokenizer_directories["mustc"], **kwargs)
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(tokenizer_directories["mustc"]), **kwargs)
    if batched:
        text, text_pair = texts, None if pairs is None else pairs[: len(texts)]
    else:
        text, text_pair = texts[0], None if pairs is None else pairs[0]

    def call(t):
        try:
            return t(text, text_pair, **options)
        except AssertionError:  # transformers' internal assert (rows overflowing unevenly): ours is a ValueError
            raise ValueError("uneven overflow") from None

    ours_out, ref_out = outcome(call, ours), outcome(call, ref)
    if ref_out == ("ValueError", "uneven overflow"):
        assert ours_out[0] == "ValueError" and "only some texts overflow" in ours_out[1]
    else:
        assert ours_out == ref_out


_PAD_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "padding": st.sampled_from([True, False, "longest", "max_length", "do_not_pad"]),
        "max_length": st.integers(0, 14),
        "pad_to_multiple_of": st.sampled_from([None, 1, 3, 4]),
        "padding_side": st.sampled_from(["left", "right"]),
        "return_attention_mask": st.booleans(),
        "return_tensors": st.sampled_from([None, "np"]),
    },
)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    options=_PAD_OPTIONS,
    texts=st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=3),
    extra=st.sampled_from([{}, {"return_token_type_ids": True}, {"return_special_tokens_mask": True}]),
    as_list=st.booleans(),
    target=st.booleans(),
)
def test_pad_and_targets_random(tokenizer_directories, transformers, options, texts, extra, as_list, target):
    """pad() on unpadded encodings (a dict of lists or a list of dicts), and text_target, against transformers."""
    ours = Speech2TextTokenizer.from_pretrained(tokenizer_directories["unigram"])
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(tokenizer_directories["unigram"]))
    encoded = dict(ref(texts, **extra))
    if as_list:
        encoded = [{k: v[i] for k, v in encoded.items()} for i in range(len(texts))]
    assert outcome(lambda t: t.pad(encoded, **options), ours) == outcome(lambda t: t.pad(encoded, **options), ref)
    if target:
        call_options = {k: v for k, v in options.items() if k != "return_attention_mask"}
        same((ours, ref), lambda t: t(texts, text_target=texts[::-1], **call_options))
