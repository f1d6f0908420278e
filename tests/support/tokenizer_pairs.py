"""Comparing s2t_np's Speech2TextTokenizer with transformers' call for call (tests/test_tokenizer_*api.py).

`same(pair, call)` runs one call on both tokenizers of a pair (ours, transformers') and asserts the
same outcome: equal values (BatchEncodings and arrays compared as plain data, arrays with their
dtype kind), or a ValueError from both with the same message. `check_state` compares everything a
tokenizer's added and special tokens decide: the maps, the vocabulary, tokenize / encode / decode.
"""

import numpy as np
import pytest

from s2t_np import Speech2TextTokenizer
from s2t_np.hf.added_tokens import AddedToken
from tests.support.text_fixtures import build_processor_dir, dropped_pieces, train_spm

SPECIAL_TOKEN_NAMES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

KINDS = {"unigram": ("unigram", False, {}), "mustc": ("bpe", True, {"lang_codes": "mustc", "tgt_lang": "de"})}


def plain(value):
    """Outputs of either tokenizer as comparable Python data (arrays keep their dtype kind)."""
    if hasattr(value, "data") and hasattr(value, "keys"):
        value = dict(value.data) if isinstance(value.data, dict) else dict(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return (value.dtype.kind, plain(list(value)) if value.dtype == object else value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def outcome(call, tokenizer):
    try:
        return "ok", plain(call(tokenizer))
    except ValueError as exc:
        return "ValueError", str(exc)


def same(pair, call, message=True):
    """Run ``call`` on both tokenizers; equal values, or both a ValueError (same message if ``message``)."""
    ours, ref = (outcome(call, t) for t in pair)
    if not message and ours[0] == ref[0] == "ValueError":
        return ours
    assert ours == ref
    return ours


def token_classes(transformers):
    from tokenizers import AddedToken as RefAddedToken

    return AddedToken, RefAddedToken


TEXTS = ["the quick <new> brown", "hello WORLD newtok fox", "a  spaced  b<x1>c", "<x2> bonjour </s> merci"]


def check_state(pair, texts=TEXTS):
    for name in ("special_tokens_map", "all_special_tokens", "all_special_ids", "extra_special_tokens"):
        same(pair, lambda t, name=name: getattr(t, name))
    same(pair, lambda t: (len(t), t.vocab_size, t.get_vocab(), t.added_tokens_encoder))
    same(pair, lambda t: {i: (a.content, a.special, a.normalized, a.lstrip) for i, a in t.added_tokens_decoder.items()})
    for text in texts:
        same(pair, lambda t, text=text: (t.tokenize(text), t(text), t.encode(text, add_special_tokens=False)))
        ids = pair[1].encode(text)
        for skip in (False, True):
            same(pair, lambda t, ids=ids, skip=skip: t.decode(ids, skip_special_tokens=skip))


def build_directories(root):
    """One transformers-written tokenizer directory per entry of KINDS."""
    out = {}
    for name, (model_type, mustc, kwargs) in KINDS.items():
        spm_model = train_spm(root / "spm", model_type, mustc)
        out[name], _ = build_processor_dir(root / name, spm_model, drop=dropped_pieces(spm_model), **kwargs)
    return out


# ---- fixtures of tests/test_tokenizer_api.py and tests/test_tokenizer_encoding_api.py (a pytest
# plugin of tests/conftest.py: the directories are built once per session) -----------------------
@pytest.fixture(scope="session")
def tokenizer_directories(tmp_path_factory):
    return build_directories(tmp_path_factory.mktemp("tok_api"))


@pytest.fixture(params=sorted(KINDS))
def load(request, tokenizer_directories, transformers):
    """load(**kwargs) -> (ours, transformers'), fresh, from the same directory."""
    directory = tokenizer_directories[request.param]

    def _load(**kwargs):
        ref = transformers.Speech2TextTokenizer.from_pretrained(str(directory), **kwargs)
        return Speech2TextTokenizer.from_pretrained(directory, **kwargs), ref

    return _load
