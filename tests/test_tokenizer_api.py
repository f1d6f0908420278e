"""The tokenizer's added and special tokens, differentially against transformers 5.23's Speech2TextTokenizer.

add_tokens, add_special_tokens (extra / model-specific named tokens, replace_extra_special_tokens),
the special-token properties and setters, saving and reloading them, and the reference's hooks.
Every case runs the same call on ours and on transformers' tokenizer, loaded from the same
directory, and compares the outcome (tests/support/tokenizer_pairs.py). The encoding options are
in tests/test_tokenizer_encoding_api.py.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s2t_np import InvalidInputError, Speech2TextTokenizer, TokenizerError, UnsupportedOptionError
from s2t_np.hf.added_tokens import AddedToken
from tests.support.properties import examples
from tests.support.tokenizer_pairs import (
    SPECIAL_TOKEN_NAMES,
    TEXTS,
    check_state,
    same,
    token_classes,
)

pytestmark = pytest.mark.filterwarnings("ignore:`max_length` is ignored")


@pytest.mark.parametrize("lower", [False, True])
def test_add_tokens(load, transformers, lower):
    pair = load(do_lower_case=lower)
    for tok, cls in zip(pair, token_classes(transformers), strict=True):
        assert tok.add_tokens("newtok") == 1
        assert tok.add_tokens([]) == 0
        tok.add_tokens(["<new>", "hello", "newtok", cls("  spaced  ", lstrip=True), "WORLD"])
        tok.add_tokens([cls("<x1>", rstrip=True), "<x2>"], special_tokens=True)
    same(pair, lambda t: t.add_tokens(["MiXeD", "<x1>"]))
    check_state(pair)


def test_add_tokens_rejects_non_strings(load):
    ours, ref = load()
    with pytest.raises(TypeError, match="is not a string"):
        ref.add_tokens([3])
    with pytest.raises(InvalidInputError, match="is not a string"):  # a ValueError, not a TypeError
        ours.add_tokens([3])


@pytest.mark.parametrize("replace", [True, False])
def test_add_special_tokens(load, transformers, replace):
    pair = load()
    for tok, cls in zip(pair, token_classes(transformers), strict=True):
        assert tok.add_special_tokens({}) == 0
        tok.add_special_tokens({"cls_token": "<cls>", "extra_special_tokens": ["<x1>", cls("<x2>", lstrip=True)]})
    same(pair, lambda t: t.add_special_tokens({"extra_special_tokens": ["<x3>", "<x1>"]}, replace))
    same(pair, lambda t: t.add_special_tokens({"additional_special_tokens": ["<x4>"]}, replace))
    same(pair, lambda t: t.add_special_tokens({"mask_token": "<mask>", "pad_token": "</s>"}))
    check_state(pair, TEXTS + ["<cls> x <x4> y <mask><x3>"])
    same(pair, lambda t: t(["a", "the fox"], padding=True))


def test_add_special_tokens_errors(load):
    pair = load()
    same(pair, lambda t: t.add_special_tokens({"foo_token": "<foo>"}))
    same(pair, lambda t: t.add_special_tokens({"extra_special_tokens": "<x>"}))
    same(pair, lambda t: t.add_special_tokens({"cls_token": 5}))


def test_special_token_setters(load):
    pair = load()
    first_id = next(iter(pair[1].get_vocab().values()))
    for name in ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"):
        same(pair, lambda t, name=name: (getattr(t, name), getattr(t, name + "_id")))
        for value in (None, first_id, 7):
            same(pair, lambda t, name=name, value=value: setattr(t, name + "_id", value))
            same(pair, lambda t, name=name: (getattr(t, name), getattr(t, name + "_id")))
    same(pair, lambda t: setattr(t, "pad_token", "<unk>"))
    same(pair, lambda t: (t.pad_token, t.pad_token_id, t.special_tokens_map, t.all_special_ids))
    same(pair, lambda t: setattr(t, "extra_special_tokens_ids", [5, 6]))
    same(pair, lambda t: (t.extra_special_tokens, t.extra_special_tokens_ids, t.all_special_tokens))
    same(pair, lambda t: setattr(t, "extra_special_tokens", []))
    same(pair, lambda t: (t.extra_special_tokens, t.all_special_tokens))
    same(pair, lambda t: setattr(t, "cls_token", 3.5), message=False)
    same(pair, lambda t: (t.num_special_tokens_to_add(), t.num_special_tokens_to_add(pair=True)))
    same(pair, lambda t: (t._convert_token_to_id("<pad>"), t._convert_id_to_token(1)))
    assert not hasattr(pair[0], "additional_special_tokens") and not hasattr(pair[1], "additional_special_tokens")


def test_unset_pad_token_refuses_padding(load):
    pair = load()
    for tok in pair:
        tok.pad_token = None
    same(pair, lambda t: t(["a", "the fox"], padding=True))
    same(pair, lambda t: t(["a", "the fox"]))


def test_added_tokens_save_and_reload(load, tmp_path):
    pair = load(model_max_length=42)
    for tok in pair:
        tok.add_tokens(["bim", "bambam"])
        extra = tok.extra_special_tokens
        extra.append("new_extra_special_token")
        special = {"extra_special_tokens": extra, "cls_token": "<cls>"}
        tok.add_special_tokens(special, replace_extra_special_tokens=False)
    ours_dir, ref_dir = tmp_path / "ours", tmp_path / "ref"
    pair[0].save_pretrained(ours_dir)
    pair[1].save_pretrained(str(ref_dir))
    ours_config = json.loads((ours_dir / "tokenizer_config.json").read_text())
    ref_config = json.loads((ref_dir / "tokenizer_config.json").read_text())
    for key in ("extra_special_tokens", "added_tokens_decoder", "cls_token", "model_max_length"):
        assert ours_config[key] == ref_config[key], key
    assert json.loads((ours_dir / "added_tokens.json").read_text()) == json.loads(
        (ref_dir / "added_tokens.json").read_text()
    )
    ref_cls = type(pair[1])
    for directory in (ours_dir, ref_dir):  # each reloads what the other wrote
        reloaded = (Speech2TextTokenizer.from_pretrained(directory), ref_cls.from_pretrained(str(directory)))
        check_state(reloaded, TEXTS + ["bim bambam new_extra_special_token <cls>"])
        same(reloaded, lambda t: t.model_max_length)


def test_smaller_api_details(load, transformers):
    pair = load(model_max_length=0)
    same(pair, lambda t: (t.is_fast, t.model_max_length, t("the quick brown fox")))
    same(pair, lambda t: t.get_special_tokens_mask([5, 6], [7], already_has_special_tokens=True))
    same(pair, lambda t: t.get_special_tokens_mask(t.encode("a <s> b"), already_has_special_tokens=True))
    same(pair, lambda t: [t.convert_ids_to_tokens(i) for i in range(len(t))])
    same(pair, _round_trip)
    ours_cls, ref_cls = token_classes(transformers)
    pair[0].added_tokens_decoder = {90: ours_cls("<ninety>", lstrip=True), 91: "plain"}
    pair[1].added_tokens_decoder = {90: ref_cls("<ninety>", lstrip=True), 91: "plain"}
    check_state(pair, ["x  <ninety> y plain z"])  # not yet split on: the setter leaves the trie alone
    same(pair, lambda t: t.add_tokens(["later"]))
    check_state(pair, ["x  <ninety> y plain z later"])  # now they are
    with pytest.raises(InvalidInputError):
        pair[0].added_tokens_decoder = {"90": "<x>"}
    with pytest.raises(InvalidInputError, match="convert_tokens_to_ids"):
        pair[0].convert_tokens_to_ids(None)


def _round_trip(tokenizer):
    return {
        w: (tokenizer.convert_tokens_to_ids(w), tokenizer.convert_ids_to_tokens(i))
        for w, i in tokenizer.get_vocab().items()
    }


def test_unset_unk_token(load):
    ours, ref = load()
    for tok in (ours, ref):
        tok.unk_token = None
    with pytest.raises(KeyError):  # transformers 5.23: a KeyError for any piece once unk_token is unset
        ref.convert_tokens_to_ids(["no-such-piece"])
    with pytest.raises(TokenizerError, match="no-such-piece"):
        ours.convert_tokens_to_ids(["no-such-piece"])
    assert ours.convert_tokens_to_ids(["<s>", "</s>"]) == ref.convert_tokens_to_ids(["<s>", "</s>"])


@pytest.mark.parametrize("lower", [False, True])
def test_mixin_style_added_tokens(load, transformers, lower):
    """The TokenizerTesterMixin scenarios (add_tokens_tokenizer, added_tokens_do_lower_case,
    tokenize_special_tokens, encode_decode_with_spaces), compared call for call."""
    pair = load(do_lower_case=lower)
    same(pair, lambda t: t.add_tokens(["aaaaa bbbbbb", "cccccccccdddddddd"]))
    same(pair, lambda t: t.add_special_tokens({"eos_token": ">>>>|||<||<<|<<", "pad_token": "<<<<<|||>|>>>>|>"}))
    same(pair, lambda t: t.add_tokens(["AAAAA BBBBBB", "CCCCCCCCCDDDDDDDD"]))
    same(pair, lambda t: t.add_special_tokens({"extra_special_tokens": ["[SPECIAL_TOKEN_1]"]}))
    same(pair, lambda t: t.add_tokens(["[SPECIAL_TOKEN_2]"], special_tokens=True))
    same(pair, lambda t: t.add_tokens([token_classes(transformers)[t is pair[1]]("[ABC]", normalized=False)]))
    check_state(
        pair,
        [
            "aaaaa bbbbbb low cccccccccdddddddd l",
            ">>>>|||<||<<|<< aaaaa bbbbbb low cccccccccdddddddd <<<<<|||>|>>>>|> l",
            "AAAAA BBBBBB low CCCCCCCCCDDDDDDDD l aaaaa BBBBBB",
            "[SPECIAL_TOKEN_1] [SPECIAL_TOKEN_2] [ABC][ABC] [abc]",
        ],
    )
    same(pair, lambda t: t(["a", "aaaaa bbbbbb"], padding=True))


def test_save_pretrained_files_and_options(load, tmp_path):
    pair = load()
    for tok in pair:
        tok.add_tokens(["bim"])
    saved = [tok.save_pretrained(str(tmp_path / name)) for tok, name in zip(pair, ("ours", "ref"), strict=True)]
    assert [p.split("/")[-1] for p in saved[0]] == [p.split("/")[-1] for p in saved[1]]
    same(pair, lambda t: t.save_pretrained(str(tmp_path / "x"), legacy_format=False))
    with pytest.raises(UnsupportedOptionError, match="push_to_hub"):
        pair[0].save_pretrained(tmp_path / "y", push_to_hub=True)


_TOKEN_TEXTS = ["ab", "aBc", "<t>", " sp ", "bonjour", "x y", "É"]


_FLAGS = st.fixed_dictionaries({k: st.booleans() for k in ("lstrip", "rstrip", "single_word", "normalized")})


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tokens=st.lists(st.tuples(st.sampled_from(_TOKEN_TEXTS), _FLAGS, st.booleans()), min_size=1, max_size=4),
    text=st.lists(st.sampled_from(list("abcxyAB <>t") + ["é", "bonjour", "  ", "</s>"]), max_size=16).map("".join),
    lower=st.booleans(),
)
def test_added_tokens_with_flags_random(tokenizer_directories, transformers, tokens, text, lower):
    """Random added tokens (special or not, each strip / single_word / normalized flag) and texts."""
    ref_cls = token_classes(transformers)[1]
    ours = Speech2TextTokenizer.from_pretrained(tokenizer_directories["unigram"], do_lower_case=lower)
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(tokenizer_directories["unigram"]), do_lower_case=lower)
    for content, flags, special in tokens:
        assert ours.add_tokens([AddedToken(content, special=special, **flags)]) == ref.add_tokens(
            [ref_cls(content, special=special, **flags)]
        )
    pair = (ours, ref)
    same(pair, lambda t: (t.tokenize(text), t(text)["input_ids"], t.all_special_tokens, len(t)))
    ids = ref(text)["input_ids"]
    same(pair, lambda t: (t.decode(ids), t.decode(ids, skip_special_tokens=True)))


def test_model_specific_special_tokens(load, tmp_path):
    pair = load(foo_token="<foo>")
    check_state(pair, ["a<foo>b <foo>", "x <s> y"])
    same(pair, lambda t: (t.foo_token, t.foo_token_id))
    same(pair, lambda t: setattr(t, "foo_token_id", 5))
    same(pair, lambda t: (t.foo_token, t.special_tokens_map, t.all_special_ids))
    pair[0].save_pretrained(tmp_path / "ours")
    pair[1].save_pretrained(str(tmp_path / "ref"))
    configs = [json.loads((tmp_path / name / "tokenizer_config.json").read_text()) for name in ("ours", "ref")]
    assert configs[0] == configs[1]
    reloaded = [type(t).from_pretrained(str(tmp_path / name)) for t, name in zip(pair, ("ours", "ref"), strict=True)]
    check_state(reloaded, ["a<foo>b <foo>"])


@pytest.mark.parametrize(
    "kwargs",
    [{"extra_special_tokens": {"image_token": "<img>"}}, {"bar_token": "<bar>", "foo_token": "<foo>"}],
)
def test_named_extra_special_tokens(load, tmp_path, transformers, kwargs):
    pair = load(**kwargs)
    check_state(pair, ["a<img>b <foo><bar>"])
    for tok in pair:
        tok.add_special_tokens({"cls_token": token_classes(transformers)[tok is pair[1]]("<cls>", lstrip=True)})
    pair[0].save_pretrained(tmp_path / "ours")
    pair[1].save_pretrained(str(tmp_path / "ref"))
    configs = [json.loads((tmp_path / name / "tokenizer_config.json").read_text()) for name in ("ours", "ref")]
    assert configs[0] == configs[1]
    for name in ("ours", "ref"):
        reloaded = (
            Speech2TextTokenizer.from_pretrained(tmp_path / name),
            type(pair[1]).from_pretrained(str(tmp_path / name)),
        )
        check_state(reloaded, ["a<img>b <foo><bar> <cls>"])
        same(reloaded, lambda t: {k: getattr(t, k) for k in t.SPECIAL_TOKENS_ATTRIBUTES})


def test_reference_hooks(load):
    pair = load()
    same(pair, lambda t: (t._tokenize("hello <s> world"), t.prepare_for_tokenization("a b", x=1)))
    same(pair, lambda t: t._convert_token_to_id_with_added_voc("<pad>"))
    if pair[1].lang_code_to_id:
        same(pair, lambda t: (t.set_tgt_lang_special_tokens("es"), t.prefix_tokens, t.tgt_lang, t.encode("a")))


def test_repr(load, transformers):
    pair = load()
    for tok, cls in zip(pair, token_classes(transformers), strict=True):
        tok.add_tokens([cls("<r>", lstrip=True, single_word=True), "plain"])
    same(pair, repr)


_NEW = ["<a>", "<b>", "ab", "</s>", "<s>", "<lang:fr>", "hello"]


_NAMES = [name for name in SPECIAL_TOKEN_NAMES if name != "unk_token"]


_OPS = st.one_of(
    st.tuples(st.just("add_tokens"), st.lists(st.sampled_from(_NEW), max_size=3), st.booleans()),
    st.tuples(st.just("named"), st.sampled_from(_NAMES), st.sampled_from(_NEW)),
    st.tuples(st.just("extra"), st.lists(st.sampled_from(_NEW), max_size=3), st.booleans()),
    st.tuples(st.just("set_id"), st.sampled_from(_NAMES), st.sampled_from([None, 0, 3, 5])).filter(
        lambda op: op[1:] != ("eos_token", None)  # test_unset_eos_token
    ),
    st.tuples(st.just("set_extra"), st.lists(st.sampled_from(_NEW), max_size=2), st.just(None)),
)


def _apply(tokenizer, op):
    kind, a, b = op
    if kind == "add_tokens":
        return tokenizer.add_tokens(list(a), special_tokens=b)
    if kind == "named":
        return tokenizer.add_special_tokens({a: b})
    if kind == "extra":
        return tokenizer.add_special_tokens({"extra_special_tokens": list(a)}, replace_extra_special_tokens=b)
    if kind == "set_id":
        return setattr(tokenizer, a + "_id", b)
    return setattr(tokenizer, "extra_special_tokens", list(a))


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_OPS, min_size=1, max_size=6))
def test_special_token_operations_random(tokenizer_directories, transformers, ops):
    """Random sequences of add_tokens / add_special_tokens / setters: the same state after each step."""
    pair = (
        Speech2TextTokenizer.from_pretrained(tokenizer_directories["mustc"]),
        transformers.Speech2TextTokenizer.from_pretrained(str(tokenizer_directories["mustc"])),
    )
    text = "x<a> ab<b>hello </s> <s><lang:fr>y"
    for op in ops:
        same(pair, lambda t, op=op: _apply(t, op))
        same(pair, lambda t: (t.special_tokens_map, t.all_special_tokens, t.extra_special_tokens, t.get_vocab()))
        same(pair, lambda t: (t.tokenize(text), t(text)["input_ids"]))
        ids = pair[1].encode(text)
        same(pair, lambda t, ids=ids: (t.decode(ids), t.decode(ids, skip_special_tokens=True)))


def test_unset_eos_token(load):
    ours, ref = load()
    for tok in (ours, ref):
        tok.eos_token = None
    assert None in ref("a b")["input_ids"]  # transformers appends a None id
    with pytest.raises(TokenizerError, match="eos_token"):
        ours("a b")
    same(
        (ours, ref), lambda t: (t("a b", add_special_tokens=False), t.decode(t.encode("a b", add_special_tokens=False)))
    )
    same((ours, ref), lambda t: (t.num_special_tokens_to_add(), t.num_special_tokens_to_add(pair=True)))
