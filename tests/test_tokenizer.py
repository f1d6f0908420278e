"""Speech2TextTokenizer parity with transformers' Speech2TextTokenizer (exact: ids, tokens, text).

SentencePiece models are trained here (unigram and bpe, with and without the MuST-C language
tags); vocab.json leaves a few pieces out so the <unk> fallback is exercised.
"""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s2t_np import InvalidInputError, ModelNotFoundError, Speech2TextTokenizer, TokenizerError
from tests.support.properties import examples
from tests.support.text_fixtures import (
    MUSTC_LANGS,
    build_processor_dir,
    dropped_pieces,
    train_spm,
    write_published_layout,
)

STRINGS = [
    "",
    " ",
    "   ",
    "hello world",
    "Hello World",
    "HELLO WORLD",
    "the quick brown fox jumps over a lazy dog",
    "Mister Quilter is the apostle of the middle classes.",
    'It\'s 3.14? Yes! No, maybe; (perhaps) "quoted" - dash',
    "  leading and trailing spaces  ",
    "multiple   inner    spaces",
    "tab\tand\nnewline",
    "Café naïve résumé über straße",
    "ÉCOLE Ünïcödé",
    "日本語のテキスト",
    "emoji 🙂 and symbols ∑ ≠ ∞",
    "combining e\u0301 vs \u00e9",
    "zero\u200bwidth",
    "<s>",
    "</s>",
    "<pad><unk>",
    "a<s>b</s>c<pad>d<unk>e",
    "the <lang:fr> fox</s>x",
    "<lang:de><lang:pt>bonjour",
    "<lang:xx> not a tag",
    "<lang:fr",
    "lang:fr>",
    "bonjour le monde merci beaucoup",
    "numbers 0 1 2 42 1000 3.5",
    "x" * 200,
    "q" * 3 + " " + "z" * 3,
]

CASES = {  # name -> (model_type, mustc, tokenizer kwargs)
    "unigram": ("unigram", False, {}),
    "unigram_upper_lower": ("unigram", False, {"do_upper_case": True, "do_lower_case": True}),
    "bpe": ("bpe", False, {}),
    "bpe_cleanup": ("bpe", False, {"clean_up_tokenization_spaces": True}),
    "unigram_mustc": ("unigram", True, {"lang_codes": "mustc", "tgt_lang": "fr"}),
    "bpe_mustc_default_lang": ("bpe", True, {"lang_codes": "mustc"}),
    "bpe_mustc_de_upper": ("bpe", True, {"lang_codes": "mustc", "tgt_lang": "de", "do_upper_case": True}),
}


@pytest.fixture(scope="module")
def spm_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("spm")
    return {(t, m): train_spm(root, t, m) for t in ("unigram", "bpe") for m in (False, True)}


@pytest.fixture(scope="module", params=sorted(CASES))
def pair(request, spm_models, tmp_path_factory, transformers):
    """(ours, transformers') tokenizers loaded from the same transformers-written directory."""
    model_type, mustc, kwargs = CASES[request.param]
    spm_model = spm_models[(model_type, mustc)]
    directory, _ = build_processor_dir(
        tmp_path_factory.mktemp(request.param) / "tok", spm_model, drop=dropped_pieces(spm_model), **kwargs
    )
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(directory))
    return Speech2TextTokenizer.from_pretrained(directory), ref, directory


def test_fixture_exercises_missing_pieces(pair):
    ours, ref, _ = pair
    unk = ref.unk_token_id
    hits = [s for s in STRINGS if unk in ref(s)["input_ids"]]
    assert hits, "no test string maps a piece to <unk>: the missing-piece path is not exercised"


@pytest.mark.parametrize("text", STRINGS)
def test_encode_parity(pair, text):
    ours, ref, _ = pair
    assert ours.tokenize(text) == ref.tokenize(text)
    assert dict(ours(text)) == dict(ref(text))
    assert ours.encode(text) == ref.encode(text)
    assert dict(ours(text, add_special_tokens=False)) == dict(ref(text, add_special_tokens=False))
    ids = ref(text)["input_ids"]
    assert ours.convert_ids_to_tokens(ids) == ref.convert_ids_to_tokens(ids)
    for skip in (False, True):
        assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(ids, skip_special_tokens=skip)


_PIECES = list("abcdefghijklmnopqrstuvwxyzABCQXZ éüß日<>/:sfrlang.,!?'\"-\t") + [
    "<s>",
    "</s>",
    "<unk>",
    "<pad>",
    "<lang:fr>",
    "<lang:de>",
    "the ",
    "bonjour",
    "  ",
]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_encode_decode_parity_random_text(pair, text):
    ours, ref, _ = pair
    ids = ref(text)["input_ids"]
    assert ours(text)["input_ids"] == ids
    assert ours.convert_ids_to_tokens(ids) == ref.convert_ids_to_tokens(ids)
    assert ours.decode(ids, skip_special_tokens=True) == ref.decode(ids, skip_special_tokens=True)
    assert ours.decode(ids) == ref.decode(ids)


def test_decode_arbitrary_ids_parity(pair):
    """Random ids incl. special ids, language tags, ids missing from vocab.json and beyond it."""
    ours, ref, _ = pair
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(ref) + 5, size=(40, 12))
    for row in rows:
        ids = row.tolist()
        assert ours.convert_ids_to_tokens(ids) == ref.convert_ids_to_tokens(ids)
        assert ours.convert_ids_to_tokens(ids, skip_special_tokens=True) == ref.convert_ids_to_tokens(
            ids, skip_special_tokens=True
        )
        for skip in (False, True):
            assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(ids, skip_special_tokens=skip)
    for skip in (False, True):
        assert ours.batch_decode(rows, skip_special_tokens=skip) == ref.batch_decode(rows, skip_special_tokens=skip)
        assert ours.decode(rows, skip_special_tokens=skip) == ref.decode(rows, skip_special_tokens=skip)
    assert ours.decode(int(rows[0, 0])) == ref.decode(int(rows[0, 0]))
    assert ours.decode([]) == ref.decode([]) and ours.batch_decode([[]]) == ref.batch_decode([[]])


def test_vocabulary_and_special_tokens_parity(pair):
    ours, ref, _ = pair
    assert ours.vocab_size == ref.vocab_size
    assert len(ours) == len(ref)
    assert ours.get_vocab() == ref.get_vocab()
    assert ours.lang_code_to_id == ref.lang_code_to_id
    assert ours.tgt_lang == ref.tgt_lang
    assert ours.prefix_tokens == ref.prefix_tokens
    assert ours.all_special_tokens == ref.all_special_tokens
    assert ours.all_special_ids == ref.all_special_ids
    assert ours.special_tokens_map == ref.special_tokens_map
    for name in ("bos", "eos", "unk", "pad"):
        assert getattr(ours, f"{name}_token") == getattr(ref, f"{name}_token")
        assert getattr(ours, f"{name}_token_id") == getattr(ref, f"{name}_token_id")
    assert {i: t.content for i, t in ours.added_tokens_decoder.items()} == {
        i: t.content for i, t in ref.added_tokens_decoder.items()
    }
    tokens = list(ref.get_vocab()) + ["never-a-piece", "<lang:fr>"]
    assert ours.convert_tokens_to_ids(tokens) == ref.convert_tokens_to_ids(tokens)
    assert ours.convert_tokens_to_ids("▁the") == ref.convert_tokens_to_ids("▁the")
    assert ours.build_inputs_with_special_tokens([7, 8]) == ref.build_inputs_with_special_tokens([7, 8])
    assert ours.build_inputs_with_special_tokens([7], [9]) == ref.build_inputs_with_special_tokens([7], [9])
    assert ours.get_special_tokens_mask([7, 8]) == ref.get_special_tokens_mask([7, 8])
    assert ours.num_special_tokens_to_add() == ref.num_special_tokens_to_add()


def test_tgt_lang_switch_parity(pair):
    ours, ref, _ = pair
    if not ref.lang_code_to_id:
        with pytest.raises(TokenizerError, match="multilingual"):
            ours.tgt_lang = "fr"
        return
    for lang in MUSTC_LANGS:
        ours.tgt_lang = ref.tgt_lang = lang
        assert ours("bonjour le monde")["input_ids"] == ref("bonjour le monde")["input_ids"]
        assert ours.prefix_tokens == [ref.lang_code_to_id[lang]]
    with pytest.raises(TokenizerError, match="unknown tgt_lang"):
        ours.tgt_lang = "xx"
    ours.tgt_lang = ref.tgt_lang = ref.init_kwargs.get("tgt_lang") or MUSTC_LANGS[0]


def test_batches_padding_truncation_parity(pair):
    ours, ref, _ = pair
    batch = STRINGS[:12]
    options = [
        {},
        {"padding": True},
        {"padding": True, "return_tensors": "np"},
        {"padding": "longest", "padding_side": "left"},
        {"padding": "max_length", "max_length": 40, "return_tensors": "np"},
        {"max_length": 6},
        {"truncation": True, "max_length": 5, "padding": True},
        {"padding": True, "pad_to_multiple_of": 8},
        {"return_attention_mask": False, "padding": True},
        {"return_special_tokens_mask": True, "padding": True},
        {"return_length": True},
        {"return_tensors": "np"},
    ]
    for kwargs in options:
        got, want = ours(batch, **kwargs), ref(batch, **kwargs)
        assert sorted(got) == sorted(want), kwargs
        for key in want:
            assert isinstance(got[key], np.ndarray) == isinstance(want[key], np.ndarray), (key, kwargs)
            if isinstance(want[key], np.ndarray) and want[key].dtype == object:  # ragged rows
                assert got[key].dtype == object and got[key].shape == want[key].shape, (key, kwargs)
                assert [r.tolist() for r in got[key]] == [r.tolist() for r in want[key]], (key, kwargs)
            elif isinstance(want[key], np.ndarray):
                np.testing.assert_array_equal(got[key], want[key], err_msg=f"{key} {kwargs}")
                assert got[key].dtype == want[key].dtype, (key, kwargs)
            else:
                assert got[key] == want[key], (key, kwargs)
    single_np, single_ref = ours("hello world", return_tensors="np"), ref("hello world", return_tensors="np")
    for key in single_ref:
        np.testing.assert_array_equal(single_np[key], single_ref[key])
        assert single_np[key].shape == tuple(single_ref[key].shape)
    assert ours(text_target="hello")["input_ids"] == ref(text_target="hello")["input_ids"]
    assert ours("a b", text_target="hello")["labels"] == ref("a b", text_target="hello")["labels"]
    assert ours([[5, 6], [7]], padding=True)["input_ids"] == ref([[5, 6], [7]], padding=True)["input_ids"]
    assert (
        ours(["the fox", "a dog"], is_split_into_words=True)["input_ids"]
        == ref(["the fox", "a dog"], is_split_into_words=True)["input_ids"]
    )


def test_save_pretrained_round_trips_through_transformers(pair, tmp_path, transformers):
    ours, ref, _ = pair
    ours.save_pretrained(tmp_path / "ours")
    ref.save_pretrained(tmp_path / "ref")
    mine = json.loads((tmp_path / "ours" / "tokenizer_config.json").read_text())
    theirs = json.loads((tmp_path / "ref" / "tokenizer_config.json").read_text())
    assert mine == theirs
    assert (tmp_path / "ours" / "vocab.json").read_bytes() == (tmp_path / "ref" / "vocab.json").read_bytes()
    assert (tmp_path / "ours" / "sentencepiece.bpe.model").read_bytes() == (
        tmp_path / "ref" / "sentencepiece.bpe.model"
    ).read_bytes()
    reloaded_ref = transformers.Speech2TextTokenizer.from_pretrained(str(tmp_path / "ours"))
    reloaded_ours = Speech2TextTokenizer.from_pretrained(tmp_path / "ref")
    for text in STRINGS:
        assert reloaded_ref(text)["input_ids"] == reloaded_ours(text)["input_ids"] == ref(text)["input_ids"]


def test_constructor_with_transformers_parameters(pair, transformers):
    _, _, directory = pair
    kwargs = dict(
        vocab_file=str(directory / "vocab.json"),
        spm_file=str(directory / "sentencepiece.bpe.model"),
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        do_upper_case=True,
        do_lower_case=False,
        tgt_lang=None,
        lang_codes="mustc",
        sp_model_kwargs={},
    )
    ours, ref = Speech2TextTokenizer(**kwargs), transformers.Speech2TextTokenizer(**kwargs)
    for text in STRINGS:
        ids = ref(text)["input_ids"]
        assert ours(text)["input_ids"] == ids
        assert ours.decode(ids) == ref.decode(ids)


@pytest.mark.parametrize("mustc,additional", [(False, False), (True, False), (True, True)])
def test_published_layout_parity(spm_models, tmp_path, transformers, mustc, additional):
    """special_tokens_map.json + a transformers-4 tokenizer_config.json (no added_tokens_decoder)."""
    spm_model = spm_models[("unigram", mustc)]
    source, _ = build_processor_dir(tmp_path / "v5", spm_model, drop=dropped_pieces(spm_model))
    # build_processor_dir writes a model-less directory: give write_published_layout a config.json
    (source / "config.json").write_text("{}")
    target = write_published_layout(
        tmp_path / "hub",
        source,
        lang_codes="mustc" if mustc else None,
        tgt_lang="fr" if mustc else None,
        additional_special_tokens=additional,
    )
    ours = Speech2TextTokenizer.from_pretrained(target)
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(target))
    assert ours.do_lower_case is True and ours.model_max_length == ref.model_max_length == 1024
    assert ours.all_special_ids == ref.all_special_ids and ours.get_vocab() == ref.get_vocab()
    for text in STRINGS:
        ids = ref(text)["input_ids"]
        assert ours(text)["input_ids"] == ids, text
        assert ours.decode(ids, skip_special_tokens=True) == ref.decode(ids, skip_special_tokens=True)
    long_text = "the quick brown fox " * 300
    assert ours(long_text, truncation=True)["input_ids"] == ref(long_text, truncation=True)["input_ids"]


def test_sp_model_kwargs_reach_sentencepiece(pair, transformers):
    """SentencePiece options are passed through: reverse=True reverses the pieces, in both."""
    plain, _, directory = pair
    ours = Speech2TextTokenizer.from_pretrained(directory, sp_model_kwargs={"reverse": True})
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(directory), sp_model_kwargs={"reverse": True})
    assert ours.sp_model_kwargs == {"reverse": True}
    assert ours("hello world")["input_ids"] == ref("hello world")["input_ids"] != plain("hello world")["input_ids"]


def test_errors(tmp_path, pair):
    _, _, directory = pair
    with pytest.raises(ModelNotFoundError, match="hf download"):
        Speech2TextTokenizer.from_pretrained("facebook/s2t-small-librispeech-asr")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TokenizerError, match="vocab.json"):
        Speech2TextTokenizer.from_pretrained(tmp_path / "empty")
    with pytest.raises(TokenizerError, match="not found"):
        Speech2TextTokenizer(tmp_path / "nope.json", directory / "sentencepiece.bpe.model")
    (tmp_path / "bad.model").write_bytes(b"not a model")
    with pytest.raises(TokenizerError, match="SentencePiece"):
        Speech2TextTokenizer(directory / "vocab.json", tmp_path / "bad.model")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(TokenizerError, match="JSON"):
        Speech2TextTokenizer(tmp_path / "bad.json", directory / "sentencepiece.bpe.model")
    with pytest.raises(TokenizerError, match="lang_codes"):
        Speech2TextTokenizer(directory / "vocab.json", directory / "sentencepiece.bpe.model", lang_codes="xx")
    tok = Speech2TextTokenizer.from_pretrained(directory)
    with pytest.raises(ValueError):
        tok(12.5)
    with pytest.raises(ValueError, match="return_tensors"):
        tok("a", return_tensors="pt")


def test_legacy_special_tokens_map_with_added_token_dicts(spm_models, tmp_path, transformers):
    """transformers-4 special_tokens_map.json may store AddedToken dicts (with strip flags)."""
    spm_model = spm_models[("bpe", False)]
    source, _ = build_processor_dir(tmp_path / "v5", spm_model)
    (source / "config.json").write_text("{}")
    target = write_published_layout(tmp_path / "hub", source)
    entry = {"content": "</s>", "lstrip": True, "rstrip": True, "single_word": False, "normalized": True}
    (target / "special_tokens_map.json").write_text(
        json.dumps({"bos_token": "<s>", "eos_token": entry, "unk_token": "<unk>", "pad_token": "<pad>"})
    )
    ours = Speech2TextTokenizer.from_pretrained(target)
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(target))
    for text in STRINGS + ["a </s> b", "x  </s>  y"]:
        assert ours.tokenize(text) == ref.tokenize(text), text
        assert ours(text)["input_ids"] == ref(text)["input_ids"], text


@settings(max_examples=examples(400), deadline=None)
@given(
    tokens=st.lists(st.text(alphabet="abc", min_size=1, max_size=4), min_size=1, max_size=5),
    text=st.text(alphabet="abcx", max_size=14),
)
def test_added_token_trie_matches_transformers_trie(tokens, text):
    """Overlapping added tokens: the same (sometimes surprising) cuts as transformers' Trie."""
    from transformers.tokenization_python import Trie

    from s2t_np.hf.added_tokens import AddedTokenTrie

    ref = Trie()
    for token in tokens:
        ref.add(token)
    assert AddedTokenTrie(tokens).split(text) == [c for c in ref.split(text) if c]


def test_overlapping_added_tokens_from_config(pair, tmp_path, transformers):
    """User tokens in added_tokens_decoder that overlap each other and the special tokens."""
    _, _, directory = pair
    import shutil

    target = tmp_path / "added"
    shutil.copytree(directory, target)
    config = json.loads((target / "tokenizer_config.json").read_text())
    base = max(int(i) for i in config["added_tokens_decoder"]) + 200
    for offset, (content, flags) in enumerate(
        [("aba", {}), ("b", {}), ("abbc", {"rstrip": True}), ("<s>x", {"lstrip": True}), ("fox", {"single_word": True})]
    ):
        config["added_tokens_decoder"][str(base + offset)] = {
            "content": content,
            "lstrip": False,
            "rstrip": False,
            "single_word": False,
            "normalized": True,
            "special": False,
            **flags,
        }
    (target / "tokenizer_config.json").write_text(json.dumps(config))
    ours = Speech2TextTokenizer.from_pretrained(target)
    ref = transformers.Speech2TextTokenizer.from_pretrained(str(target))
    for text in STRINGS + ["babca", "abbc  d", "q <s>x y", "the foxes fox", "xfox fox", "ab aba abbc b<s>x</s>"]:
        assert ours.tokenize(text) == ref.tokenize(text), text
        ids = ref(text)["input_ids"]
        assert ours(text)["input_ids"] == ids, text
        for skip in (False, True):
            assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(ids, skip_special_tokens=skip), text


PLAIN_STRINGS = [s for s in STRINGS if "<" not in s and ">" not in s]  # no added tokens to split on


def test_core_text_rule_matches_the_reference(pair):
    """s2t_np/tokenizer.py alone (the rule a reader learns, no added-token machinery) gives the
    reference's ids for texts without added tokens, and its decoding gives the reference's text."""
    from s2t_np import tokenizer as rule

    _, ref, directory = pair
    sp_model = rule.load_sentencepiece(directory / "sentencepiece.bpe.model")
    vocab = json.loads((directory / "vocab.json").read_text())
    prefix = [rule.lang_code_to_id(sp_model, rule.MUSTC_LANGS)[ref.tgt_lang]] if ref.tgt_lang else []
    for text in PLAIN_STRINGS:
        ids = rule.encode(sp_model, vocab, text, prefix, ref.eos_token_id, ref.unk_token_id)
        assert ids == ref(text)["input_ids"], text
        tokens = ref.convert_ids_to_tokens(ids)
        decoded = rule.tokens_to_text(sp_model, tokens, ref.all_special_tokens, ref.do_upper_case)
        assert decoded == ref.decode(ids, clean_up_tokenization_spaces=False), text


PAIR_BATCHES = [
    [("hello world", "the quick brown fox"), ("bonjour", "le monde")],
    [["hello world", "the dog"]],
    [("x",), ["hello"]],
    [("Hello", ["pre", "split"])],
]


@pytest.mark.parametrize("batch", PAIR_BATCHES, ids=range(len(PAIR_BATCHES)))
@pytest.mark.parametrize("split", [False, True])
def test_batches_of_text_pairs(pair, batch, split):
    """A batch item that is a (text, pair) tuple or list encodes as a pair, as in transformers."""
    ours, ref, _ = pair
    try:
        expected = dict(ref(batch, is_split_into_words=split))
    except (ValueError, TypeError):
        with pytest.raises(ValueError):
            ours(batch, is_split_into_words=split)
        return
    assert dict(ours(batch, is_split_into_words=split)) == expected


def test_batch_items_of_three_texts_are_an_error(pair):
    ours, ref, _ = pair
    with pytest.raises(ValueError, match="pair of sequences"):
        ref([["a", "b", "c"]])
    with pytest.raises(InvalidInputError, match="pair of sequences"):
        ours([["a", "b", "c"]])
