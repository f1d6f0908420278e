"""Speech2TextTokenizer: SentencePiece pieces mapped through a fairseq vocabulary.

Matches transformers 5.23 `Speech2TextTokenizer` (a slow `PythonBackend` tokenizer) on top of the
`sentencepiece` package; NUMERICS.md section 4.

Encoding ``text``:
  1. split ``text`` on the added tokens (special tokens ``<s> <pad> </s> <unk>``, the language tags
     ``<lang:xx>`` of ``lang_codes="mustc"``, and any ``added_tokens_decoder`` entry of the config),
     leftmost-longest, honouring each added token's lstrip / rstrip / single_word flags;
  2. every other chunk is SentencePiece-encoded to pieces (each chunk separately, so each gets
     SentencePiece's dummy "▁" prefix), added tokens stay whole;
  3. pieces -> ids through ``vocab.json`` (a piece missing from it -> ``<unk>``), added tokens
     through their own ids;
  4. ``build_inputs_with_special_tokens``: ``prefix_tokens + ids + [eos]`` where
     ``prefix_tokens = [lang_code_to_id[tgt_lang]]`` for mustc and ``[]`` otherwise.

Decoding ids: ids -> tokens (an unknown id -> ``<unk>``; ``skip_special_tokens`` drops the special
ids, ``<unk>`` and the language tags included); runs of ordinary pieces are SentencePiece-decoded,
special tokens are inserted verbatim followed by a space; ``do_upper_case`` upper-cases the decoded
runs; the result is ``.strip()``-ed (and ``clean_up_tokenization`` applied only when the config asks).

Deviation from NUMERICS.md section 4, following the installed reference: transformers 5.23 stores
``do_lower_case`` but does not apply it when encoding (only to non-special tokens added later), so
neither do we; "Hello" encodes with its capital letters in both.

``lang_code_to_id`` uses the SentencePiece model's own piece ids (``PieceToId``), not vocab.json,
exactly as the reference does. Added tokens that are not already in the vocabulary get the id
``len(vocabulary)`` at the time they are added (the reference's rule, holes in vocab.json included).

The splitting in step 1 is a transcription of the reference's trie (`AddedTokenTrie`): leftmost-longest
for the Speech2Text special tokens, and the reference's exact cuts for overlapping user tokens.
"""

import copy
import json
import os
import shutil
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sentencepiece

from .errors import InvalidInputError, TokenizerError, UnsupportedOptionError

VOCAB_FILES_NAMES = {"vocab_file": "vocab.json", "spm_file": "sentencepiece.bpe.model"}
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ADDED_TOKENS_FILE = "added_tokens.json"

MUSTC_LANGS = ["pt", "fr", "ru", "nl", "ro", "it", "es", "de"]
LANGUAGES = {"mustc": MUSTC_LANGS}

# The named special tokens, in the reference's order (PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES).
SPECIAL_TOKENS_ATTRIBUTES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
# Attributes the reference saves from the live object (not the init value) in save_pretrained.
_SAVED_ATTRIBUTES = {"bos_token", "eos_token", "unk_token", "pad_token", "do_upper_case", "do_lower_case", "tgt_lang",
                     "lang_codes", "sp_model_kwargs", "model_max_length", "backend", "clean_up_tokenization_spaces",
                     "split_special_tokens", "padding_side", "truncation_side", "model_input_names",
                     "extra_special_tokens", "verbose"}
VERY_LARGE_INTEGER = int(1e30)  # the reference's model_max_length when none is configured
LARGE_INTEGER = int(1e20)

@dataclass
class AddedToken:
    """A token matched whole in the input text (tokenizers.AddedToken's fields)."""

    content: str
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    special: bool = False
    normalized: bool = None

    def __post_init__(self):
        if self.normalized is None:
            self.normalized = not self.special

    def __str__(self):
        return self.content

    def to_dict(self):
        return {"content": self.content, "lstrip": self.lstrip, "normalized": self.normalized,
                "rstrip": self.rstrip, "single_word": self.single_word, "special": self.special}


class AddedTokenTrie:
    """Splits text on the added tokens: a transcription of transformers' `Trie` (tokenization_python).

    It scans once, tracking partial matches by start index; at the first completed match it looks
    ahead for the longest match among the partial matches that started no later, cuts there, and
    restarts. This is leftmost-longest whenever no token is a substring of another (always the case
    for the Speech2Text special tokens and language tags); with overlapping user tokens it keeps the
    reference's exact, sometimes surprising, cuts.
    """

    def __init__(self, tokens=()):
        self.data = {}
        self.tokens = set()
        for token in tokens:
            self.add(token)

    def add(self, word):
        if not word:
            return
        self.tokens.add(word)
        ref = self.data
        for char in word:
            ref = ref.setdefault(char, {})
        ref[""] = 1

    def split(self, text):
        states = OrderedDict()  # start index -> trie node reached so far
        offsets = [0]
        skip = 0
        for current, current_char in enumerate(text):
            if skip and current < skip:
                continue
            to_remove = set()
            reset = False
            for start, node in states.items():
                if "" in node:
                    # a completed match: look ahead for the longest one among earlier partial matches
                    for lookstart, looknode in states.items():
                        if lookstart > start:
                            break
                        elif lookstart < start:
                            lookahead_index = current + 1
                            end = current + 1
                        else:
                            lookahead_index = current
                            end = current
                        next_char = text[lookahead_index] if lookahead_index < len(text) else None
                        if "" in looknode:
                            start = lookstart
                            end = lookahead_index
                            skip = lookahead_index
                        while next_char in looknode:
                            looknode = looknode[next_char]
                            lookahead_index += 1
                            if "" in looknode:
                                start = lookstart
                                end = lookahead_index
                                skip = lookahead_index
                            if lookahead_index == len(text):
                                break
                            next_char = text[lookahead_index]
                    offsets.append(start)
                    offsets.append(end)
                    reset = True
                    break
                elif current_char in node:
                    states[start] = node[current_char]
                else:
                    to_remove.add(start)
            if reset:
                states = {}
            else:
                for start in to_remove:
                    del states[start]
            if current >= skip and current_char in self.data:
                states[current] = self.data[current_char]
        for start, node in states.items():
            if "" in node:
                offsets.append(start)
                offsets.append(len(text))
                break
        offsets.append(len(text))
        pieces, start = [], 0
        for end in offsets:
            if start >= end:  # zero-width cut, or the reference's "bug in Trie" recovery
                continue
            pieces.append(text[start:end])
            start = end
        return pieces


class BatchEncoding(dict):
    """The tokenizer's output: a dict (``input_ids``, ``attention_mask``, ...) with attribute access."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _token_str(value):
    """A special token given as a str, an AddedToken or a config dict -> its text."""
    if isinstance(value, dict):
        return value["content"]
    return str(value)


def _as_added_token(value, special=True):
    if isinstance(value, AddedToken):
        return value
    if isinstance(value, dict):
        fields = {k: v for k, v in value.items() if k != "__type"}
        return AddedToken(**fields)
    return AddedToken(str(value), special=special)


def _load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise TokenizerError(f"{what} not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TokenizerError(f"{what} {path} is not valid JSON: {exc}") from None


def _to_py(ids):
    """numpy arrays / numpy ints / nested lists -> plain Python ints and lists."""
    if isinstance(ids, np.ndarray):
        return ids.tolist()
    if isinstance(ids, np.integer):
        return int(ids)
    if isinstance(ids, (list, tuple)):
        return [_to_py(i) for i in ids]
    if hasattr(ids, "tolist"):  # torch tensors and the like, without importing them
        return ids.tolist()
    return ids


def _as_array(value):
    """Lists -> a NumPy array as transformers' BatchEncoding does: ragged rows give an object array of
    per-row arrays, an empty list gives int64."""
    if isinstance(value, list) and value and isinstance(value[0], (list, tuple, np.ndarray)):
        if len({len(v) for v in value}) > 1:
            ragged = np.empty(len(value), dtype=object)
            for i, v in enumerate(value):
                ragged[i] = np.asarray(v, dtype=np.int64 if len(v) == 0 else None)
            return ragged
    if isinstance(value, list) and not np.asarray(value, dtype=object).size:
        return np.asarray(value, dtype=np.int64)
    return np.asarray(value)


class Speech2TextTokenizer:
    """transformers-compatible Speech2Text tokenizer (see the module docstring for the algorithm).

    Besides transformers' named parameters, the keyword arguments a tokenizer_config.json carries
    are accepted: model_max_length, padding_side, truncation_side, clean_up_tokenization_spaces,
    split_special_tokens, added_tokens_decoder, extra_special_tokens. Other keys (as transformers
    does) are kept only to be written back by save_pretrained.
    """

    vocab_files_names = VOCAB_FILES_NAMES
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, vocab_file, spm_file, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                 unk_token="<unk>", do_upper_case=False, do_lower_case=False, tgt_lang=None, lang_codes=None,
                 additional_special_tokens=None, sp_model_kwargs=None, **kwargs):
        self.sp_model_kwargs = {} if sp_model_kwargs is None else dict(sp_model_kwargs)
        self.do_upper_case = do_upper_case
        self.do_lower_case = do_lower_case
        self.vocab_file = str(vocab_file)
        self.spm_file = str(spm_file)
        self.encoder = _load_json(vocab_file, "vocabulary file (vocab.json)")
        if not isinstance(self.encoder, dict):
            raise TokenizerError(f"{vocab_file} must hold a JSON object piece -> id")
        self.decoder = {v: k for k, v in self.encoder.items()}
        if not os.path.isfile(spm_file):
            raise TokenizerError(f"SentencePiece model not found: {spm_file}")
        self.sp_model = sentencepiece.SentencePieceProcessor(**self.sp_model_kwargs)
        try:
            self.sp_model.Load(str(spm_file))
        except (RuntimeError, OSError) as exc:
            raise TokenizerError(f"{spm_file} is not a SentencePiece model: {exc}") from None

        self.model_max_length = kwargs.get("model_max_length") or VERY_LARGE_INTEGER
        self.padding_side = kwargs.get("padding_side", "right")
        self.truncation_side = kwargs.get("truncation_side", "right")
        if self.padding_side not in ("right", "left") or self.truncation_side not in ("right", "left"):
            raise TokenizerError("padding_side and truncation_side must be 'right' or 'left'")
        self.clean_up_tokenization_spaces = kwargs.get("clean_up_tokenization_spaces", False)
        self.split_special_tokens = kwargs.get("split_special_tokens", False)
        self.model_input_names = list(kwargs.get("model_input_names", self.model_input_names))
        self.backend = kwargs.get("backend", "custom")
        self.verbose = kwargs.get("verbose", False)

        # Special tokens: named ones, then the extra ones (the language tags first).
        named = {"bos_token": bos_token, "eos_token": eos_token, "unk_token": unk_token, "pad_token": pad_token}
        for key in ("sep_token", "cls_token", "mask_token"):
            named[key] = kwargs.get(key)
        self._special_tokens = {k: v for k, v in named.items() if v is not None}
        self.lang_code_to_id = {}
        self.prefix_tokens = []
        self.lang_codes = lang_codes
        if lang_codes is not None:
            if lang_codes not in LANGUAGES:
                raise TokenizerError(f"unknown lang_codes {lang_codes!r}; known: {sorted(LANGUAGES)}")
            self.langs = LANGUAGES[lang_codes]
            self.lang_tokens = [f"<lang:{lang}>" for lang in self.langs]
            self.lang_code_to_id = {lang: self.sp_model.PieceToId(f"<lang:{lang}>") for lang in self.langs}
            additional_special_tokens = self.lang_tokens + list(additional_special_tokens or [])
        self._tgt_lang = None
        if lang_codes is not None:
            self.tgt_lang = tgt_lang if tgt_lang is not None else self.langs[0]

        # The reference's base-class bookkeeping: its init kwargs are saved back by save_pretrained,
        # and `additional_special_tokens` becomes `extra_special_tokens` unless a config already gave
        # those (then the config's list wins, even over the language tags).
        base_kwargs = {k: v for k, v in kwargs.items() if k != "added_tokens_decoder"}
        base_kwargs.update(bos_token=bos_token, eos_token=eos_token, unk_token=unk_token, pad_token=pad_token,
                           do_upper_case=do_upper_case, do_lower_case=do_lower_case, tgt_lang=tgt_lang,
                           lang_codes=lang_codes, sp_model_kwargs=self.sp_model_kwargs,
                           additional_special_tokens=additional_special_tokens)
        base_kwargs.setdefault("backend", "custom")
        if "extra_special_tokens" not in base_kwargs:
            base_kwargs["extra_special_tokens"] = base_kwargs.pop("additional_special_tokens")
        self.init_kwargs = copy.deepcopy(base_kwargs)
        extra = base_kwargs["extra_special_tokens"]
        if isinstance(extra, dict):
            raise UnsupportedOptionError("named extra_special_tokens (a dict) are not supported by Speech2TextTokenizer")
        self._extra_special_tokens = list(extra or [])

        # Added tokens: those of a saved config first, then every special token not yet among them.
        self._added_tokens_decoder = {}
        for index, token in (kwargs.get("added_tokens_decoder") or {}).items():
            self._added_tokens_decoder[int(index)] = _as_added_token(token, special=False)
        self._added_tokens_encoder = {t.content: i for i, t in self._added_tokens_decoder.items()}
        # (by their text, as the reference does: flags of AddedToken-valued special tokens are dropped)
        self._add_tokens([t for t in self.all_special_tokens if t not in self._added_tokens_encoder])

    # ---- special tokens ------------------------------------------------------------------
    @property
    def bos_token(self):
        return _token_str(self._special_tokens["bos_token"]) if "bos_token" in self._special_tokens else None

    @property
    def eos_token(self):
        return _token_str(self._special_tokens["eos_token"]) if "eos_token" in self._special_tokens else None

    @property
    def unk_token(self):
        return _token_str(self._special_tokens["unk_token"]) if "unk_token" in self._special_tokens else None

    @property
    def pad_token(self):
        return _token_str(self._special_tokens["pad_token"]) if "pad_token" in self._special_tokens else None

    def _id_of(self, token):
        return None if token is None else self.convert_tokens_to_ids(token)

    @property
    def bos_token_id(self):
        return self._id_of(self.bos_token)

    @property
    def eos_token_id(self):
        return self._id_of(self.eos_token)

    @property
    def unk_token_id(self):
        return self._id_of(self.unk_token)

    @property
    def pad_token_id(self):
        return self._id_of(self.pad_token)

    @property
    def special_tokens_map(self):
        return {k: _token_str(self._special_tokens[k]) for k in SPECIAL_TOKENS_ATTRIBUTES if k in self._special_tokens}

    @property
    def extra_special_tokens(self):
        return [_token_str(t) for t in self._extra_special_tokens]

    @property
    def all_special_tokens(self):
        """Named special tokens then extra ones (language tags), unique, in the reference's order."""
        seen = []
        for token in list(self.special_tokens_map.values()) + self.extra_special_tokens:
            if token not in seen:
                seen.append(token)
        return seen

    @property
    def all_special_ids(self):
        return self.convert_tokens_to_ids(self.all_special_tokens)

    @property
    def tgt_lang(self):
        return self._tgt_lang

    @tgt_lang.setter
    def tgt_lang(self, new_tgt_lang):
        if new_tgt_lang not in self.lang_code_to_id:
            if not self.lang_code_to_id:
                raise TokenizerError(f"tgt_lang={new_tgt_lang!r} needs a multilingual tokenizer (lang_codes='mustc'); "
                                     "this one has no language codes")
            raise TokenizerError(f"unknown tgt_lang {new_tgt_lang!r}; known: {sorted(self.lang_code_to_id)}")
        self._tgt_lang = new_tgt_lang
        self.prefix_tokens = [self.lang_code_to_id[new_tgt_lang]]

    # ---- vocabulary ----------------------------------------------------------------------
    @property
    def vocab_size(self):
        """Size of vocab.json (without tokens added beyond it)."""
        return len(self.encoder)

    def get_vocab(self):
        vocab = dict(self.encoder)
        vocab.update(self.added_tokens_encoder)
        return vocab

    def __len__(self):
        return len(self.get_vocab())

    @property
    def added_tokens_decoder(self):
        return dict(sorted(self._added_tokens_decoder.items()))

    @property
    def added_tokens_encoder(self):
        return {t.content: i for i, t in sorted(self._added_tokens_decoder.items())}

    def _add_tokens(self, new_tokens):
        """The reference's PythonBackend._add_tokens(special_tokens=True) for special token strings: a token
        already in the vocabulary keeps its id, a new one gets len(vocabulary) at that moment."""
        current_vocab = self.get_vocab()
        new_idx = len(current_vocab)
        added = 0
        for content in new_tokens:
            if content == "" or content in self._added_tokens_encoder:
                continue
            if content not in current_vocab:
                current_vocab[content] = new_idx + added
                added += 1
            index = current_vocab[content]
            self._added_tokens_decoder[index] = AddedToken(content, special=True, normalized=False)
            self._added_tokens_encoder[content] = index
        self._trie = None
        return added

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        return [self._token_to_id(t) for t in tokens]

    def _token_to_id(self, token):
        if token in self._added_tokens_encoder:
            return self._added_tokens_encoder[token]
        return self.encoder.get(token, self.encoder.get(self.unk_token))

    def convert_ids_to_tokens(self, ids, skip_special_tokens=False):
        ids = _to_py(ids)
        if isinstance(ids, int):
            return self._id_to_token(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else set()
        return [self._id_to_token(int(i)) for i in ids if int(i) not in skip]

    def _id_to_token(self, index):
        if index in self._added_tokens_decoder:
            return self._added_tokens_decoder[index].content
        return self.decoder.get(index, self.unk_token)

    # ---- encoding ------------------------------------------------------------------------
    def _split_on_added_tokens(self, text):
        """Split text into chunks, each added token a chunk of its own (the reference's trie)."""
        if self._trie is None:
            self._trie = AddedTokenTrie(self._added_tokens_encoder)
        return self._trie.split(text)

    def tokenize(self, text, split_special_tokens=None, **unused):
        """Text -> pieces and added tokens (no eos, no language prefix)."""
        if not isinstance(text, str):
            raise InvalidInputError(f"tokenize() takes a str, got {type(text).__name__}")
        if split_special_tokens is None:
            split_special_tokens = self.split_special_tokens
        if split_special_tokens:
            return self.sp_model.encode(text, out_type=str)
        tokens = self._split_on_added_tokens(text)
        for i, token in enumerate(tokens):
            if token not in self._added_tokens_encoder:
                continue
            added = self._added_tokens_decoder[self._added_tokens_encoder[token]]
            left = tokens[i - 1] if i > 0 else None
            right = tokens[i + 1] if i < len(tokens) - 1 else None
            if added.rstrip and right:
                tokens[i + 1] = right.lstrip()
            if added.lstrip and left:
                tokens[i - 1] = left.rstrip()
            if added.single_word:
                if left and left[-1] != " ":
                    tokens[i - 1] += token
                    tokens[i] = ""
                elif right and right[0] != " ":
                    tokens[i + 1] = token + tokens[i + 1]
                    tokens[i] = ""
        result = []
        special = set(self.all_special_tokens)
        for token in tokens:
            if not token:
                continue
            if token in self._added_tokens_encoder or token in special:
                result.append(token)
            else:
                result.extend(self.sp_model.encode(token, out_type=str))
        return result

    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
        """prefix_tokens + ids (+ pair ids) + [eos]."""
        if token_ids_1 is None:
            return self.prefix_tokens + list(token_ids_0) + [self.eos_token_id]
        return self.prefix_tokens + list(token_ids_0) + list(token_ids_1) + [self.eos_token_id]

    def get_special_tokens_mask(self, token_ids_0, token_ids_1=None, already_has_special_tokens=False):
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise InvalidInputError("already_has_special_tokens=True takes a single sequence")
            special = set(self.all_special_ids)
            return [1 if int(i) in special else 0 for i in token_ids_0]
        mask = [1] * len(self.prefix_tokens) + [0] * len(token_ids_0)
        if token_ids_1 is not None:
            mask += [0] * len(token_ids_1)
        return mask + [1]

    def num_special_tokens_to_add(self, pair=False):
        return len(self.build_inputs_with_special_tokens([], [] if pair else None))

    def _ids_of(self, text, is_split_into_words, split_special_tokens):
        if isinstance(text, str):
            return self.convert_tokens_to_ids(self.tokenize(text, split_special_tokens=split_special_tokens))
        if isinstance(text, (list, tuple)) and text:
            if all(isinstance(t, (int, np.integer)) for t in text):
                return [int(t) for t in text]
            if all(isinstance(t, str) for t in text):
                if is_split_into_words:
                    return self.convert_tokens_to_ids(
                        [p for word in text for p in self.tokenize(word, split_special_tokens=split_special_tokens)])
                return self.convert_tokens_to_ids(list(text))
        raise InvalidInputError(f"text must be a string, a list of strings or a list of ids, got {text!r:.80}")

    def _strategies(self, padding, truncation, max_length):
        """The reference's _get_padding_truncation_strategies, as (padding, truncate, max_length)."""
        if max_length is not None and padding is False and truncation is None:
            truncation = "longest_first"
        padding = {True: "longest", False: "do_not_pad"}.get(padding, padding)
        if padding not in ("longest", "max_length", "do_not_pad"):
            raise InvalidInputError(f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}")
        truncation = {True: "longest_first", False: "do_not_truncate", None: "do_not_truncate"}.get(truncation, truncation)
        if truncation not in ("longest_first", "only_first", "only_second", "do_not_truncate"):
            raise InvalidInputError(f"unknown truncation strategy {truncation!r}")
        if max_length is None:
            if padding == "max_length":
                if self.model_max_length > LARGE_INTEGER:
                    padding = "do_not_pad"
                else:
                    max_length = self.model_max_length
            if truncation != "do_not_truncate":
                if self.model_max_length > LARGE_INTEGER:
                    truncation = "do_not_truncate"
                else:
                    max_length = self.model_max_length
        return padding, truncation, max_length

    def _truncate(self, ids, pair_ids, n_remove, strategy):
        if n_remove <= 0 or strategy == "do_not_truncate":
            return ids, pair_ids
        if pair_ids is not None and strategy != "only_first":
            raise UnsupportedOptionError("truncating text pairs is not supported; Speech2Text encodes single texts")
        if self.truncation_side == "left":
            return ids[n_remove:], pair_ids
        return ids[:-n_remove], pair_ids

    def _prepare(self, ids, pair_ids, add_special_tokens, truncation, max_length, return_special_tokens_mask):
        n_special = self.num_special_tokens_to_add(pair=pair_ids is not None) if add_special_tokens else 0
        total = len(ids) + len(pair_ids or []) + n_special
        if max_length and total > max_length:
            ids, pair_ids = self._truncate(ids, pair_ids, total - max_length, truncation)
        if add_special_tokens:
            sequence = self.build_inputs_with_special_tokens(ids, pair_ids)
        else:
            sequence = ids + (pair_ids or [])
        out = {"input_ids": sequence}
        if return_special_tokens_mask:
            out["special_tokens_mask"] = (self.get_special_tokens_mask(ids, pair_ids) if add_special_tokens
                                          else [0] * len(sequence))
        return out

    def _pad_one(self, encoded, max_length, padding, pad_to_multiple_of, padding_side, return_attention_mask):
        ids = encoded["input_ids"]
        if padding == "longest":
            max_length = len(ids)
        if max_length is not None and pad_to_multiple_of is not None and max_length % pad_to_multiple_of:
            max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
        if return_attention_mask and "attention_mask" not in encoded:
            encoded["attention_mask"] = [1] * len(ids)
        difference = (max_length - len(ids)) if (padding != "do_not_pad" and max_length is not None) else 0
        if difference > 0:
            if self.pad_token_id is None:
                raise TokenizerError("padding needs a pad_token")
            side = padding_side or self.padding_side
            fill = {"input_ids": self.pad_token_id, "attention_mask": 0, "special_tokens_mask": 1}
            for key, value in fill.items():
                if key in encoded:
                    pad = [value] * difference
                    encoded[key] = encoded[key] + pad if side == "right" else pad + encoded[key]
        return encoded

    def __call__(self, text=None, text_pair=None, text_target=None, add_special_tokens=True, padding=False,
                 truncation=None, max_length=None, is_split_into_words=False, pad_to_multiple_of=None,
                 padding_side=None, return_tensors=None, return_attention_mask=None,
                 return_special_tokens_mask=False, return_length=False, split_special_tokens=None, **kwargs):
        """Encode one text or a batch: input_ids (+ attention_mask) as lists, or arrays with return_tensors="np".

        ``text_target`` alone encodes the same way (Speech2Text has no separate target mode);
        ``text`` and ``text_target`` together put the target ids under ``labels``.
        """
        kwargs.pop("verbose", None)
        if kwargs.pop("return_token_type_ids", None) or kwargs.pop("return_offsets_mapping", False) \
                or kwargs.pop("return_overflowing_tokens", False) or kwargs.pop("stride", 0):
            raise UnsupportedOptionError("token type ids, offsets, overflowing tokens and stride are not supported")
        if kwargs:
            raise UnsupportedOptionError(f"unsupported tokenizer argument(s): {sorted(kwargs)}")
        if text is None and text_target is None:
            raise InvalidInputError("You need to specify either `text` or `text_target`.")
        options = dict(add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
                       max_length=max_length, is_split_into_words=is_split_into_words,
                       pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side,
                       return_tensors=return_tensors, return_attention_mask=return_attention_mask,
                       return_special_tokens_mask=return_special_tokens_mask, return_length=return_length,
                       split_special_tokens=split_special_tokens)
        encodings = self._encode(text, text_pair, **options) if text is not None else None
        if text_target is None:
            return encodings
        targets = self._encode(text_target, None, **options)
        if encodings is None:
            return targets
        encodings["labels"] = targets["input_ids"]
        return encodings

    def _encode(self, text, text_pair, add_special_tokens, padding, truncation, max_length, is_split_into_words,
                pad_to_multiple_of, padding_side, return_tensors, return_attention_mask,
                return_special_tokens_mask, return_length, split_special_tokens):
        if return_tensors not in (None, "np"):
            raise UnsupportedOptionError(f"return_tensors={return_tensors!r}: s2t_np returns lists or NumPy arrays (\"np\")")
        padding, truncation, max_length = self._strategies(padding, truncation, max_length)
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        batched = isinstance(text, (list, tuple)) and (
            not text and not is_split_into_words
            or (text and is_split_into_words and isinstance(text[0], (list, tuple)))
            or (text and not is_split_into_words and isinstance(text[0], (str, list, tuple))))
        if not batched:
            ids = self._ids_of(text, is_split_into_words, split_special_tokens)
            pair = self._ids_of(text_pair, is_split_into_words, split_special_tokens) if text_pair is not None else None
            out = self._prepare(ids, pair, add_special_tokens, truncation, max_length, return_special_tokens_mask)
            if padding != "do_not_pad" or return_attention_mask:
                out = self._pad_one(out, max_length, padding, pad_to_multiple_of, padding_side, return_attention_mask)
            if return_length:
                out["length"] = len(out["input_ids"])
            if return_tensors == "np":
                out = {k: _as_array([v]) for k, v in out.items()}
            return BatchEncoding(out)

        pairs = text_pair if text_pair is not None else [None] * len(text)
        if len(pairs) != len(text):
            raise InvalidInputError("If `text` is a batch, `text_pair` must also be a batch of the same length.")
        rows = []
        for item, pair_item in zip(text, pairs):
            ids = self._ids_of(item, is_split_into_words, split_special_tokens)
            pair = self._ids_of(pair_item, is_split_into_words, split_special_tokens) if pair_item is not None else None
            row = self._prepare(ids, pair, add_special_tokens, truncation, max_length, return_special_tokens_mask)
            if return_length:
                row["length"] = len(row["input_ids"])
            rows.append(row)
        if padding == "longest" and rows:
            max_length, padding = max(len(r["input_ids"]) for r in rows), "max_length"
        rows = [self._pad_one(r, max_length, padding, pad_to_multiple_of, padding_side, return_attention_mask)
                for r in rows]
        out = {k: [r[k] for r in rows] for k in (rows[0] if rows else {"input_ids": []})}
        if return_tensors == "np":
            out = {k: _as_array(v) for k, v in out.items()}
        return BatchEncoding(out)

    def encode(self, text, text_pair=None, add_special_tokens=True, padding=False, truncation=None,
               max_length=None, return_tensors=None, **kwargs):
        """The ids of one text (eos appended, language prefix when tgt_lang is set)."""
        return self(text, text_pair=text_pair, add_special_tokens=add_special_tokens, padding=padding,
                    truncation=truncation, max_length=max_length, return_tensors=return_tensors,
                    **kwargs)["input_ids"]

    def pad(self, encoded_inputs, padding=True, max_length=None, pad_to_multiple_of=None, padding_side=None,
            return_attention_mask=None, return_tensors=None):
        """Pad a batch of encodings (a dict of lists or a list of dicts) to a common length."""
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], dict):
            encoded_inputs = {k: [e[k] for e in encoded_inputs] for k in encoded_inputs[0]}
        encoded_inputs = {k: _to_py(v) for k, v in dict(encoded_inputs).items()}
        padding, _, max_length = self._strategies(padding, False, max_length)
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        ids = encoded_inputs["input_ids"]
        if ids and not isinstance(ids[0], list):
            out = self._pad_one(encoded_inputs, max_length, padding, pad_to_multiple_of, padding_side,
                                return_attention_mask)
            return BatchEncoding({k: _as_array(v) for k, v in out.items()} if return_tensors == "np" else out)
        if padding == "longest" and ids:
            max_length, padding = max(len(i) for i in ids), "max_length"
        rows = [self._pad_one({k: v[i] for k, v in encoded_inputs.items()}, max_length, padding,
                              pad_to_multiple_of, padding_side, return_attention_mask) for i in range(len(ids))]
        out = {k: [r[k] for r in rows] for k in (rows[0] if rows else encoded_inputs)}
        return BatchEncoding({k: _as_array(v) for k, v in out.items()} if return_tensors == "np" else out)

    # ---- decoding ------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens):
        """Pieces -> text: SentencePiece-decode each run of pieces, special tokens verbatim + " "."""
        special = set(self.all_special_tokens)
        run, out = [], ""
        for token in tokens:
            if token in special:
                decoded = self.sp_model.decode(run)
                out += (decoded.upper() if self.do_upper_case else decoded) + token + " "
                run = []
            else:
                run.append(token)
        decoded = self.sp_model.decode(run)
        out += decoded.upper() if self.do_upper_case else decoded
        return out.strip()

    @staticmethod
    def clean_up_tokenization(text):
        return (text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re"))

    def _decode(self, token_ids, skip_special_tokens, clean_up_tokenization_spaces):
        tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
        if isinstance(tokens, str):
            tokens = [tokens]
        text = self.convert_tokens_to_string(tokens)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.clean_up_tokenization_spaces
        return self.clean_up_tokenization(text) if clean_up_tokenization_spaces else text

    def decode(self, token_ids, skip_special_tokens=False, clean_up_tokenization_spaces=None, **unused):
        """Ids -> text; a batch (list of lists or a 2-D array) gives a list of texts."""
        token_ids = _to_py(token_ids)
        if isinstance(token_ids, list) and token_ids and isinstance(token_ids[0], list):
            return [self._decode(seq, skip_special_tokens, clean_up_tokenization_spaces) for seq in token_ids]
        return self._decode(token_ids, skip_special_tokens, clean_up_tokenization_spaces)

    def batch_decode(self, sequences, skip_special_tokens=False, clean_up_tokenization_spaces=None, **unused):
        """Decode each row of a batch; always returns a list."""
        result = self.decode(sequences, skip_special_tokens=skip_special_tokens,
                             clean_up_tokenization_spaces=clean_up_tokenization_spaces)
        return [result] if isinstance(result, str) else result

    # ---- files ---------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        """Load from a transformers-format directory (either layout, NUMERICS.md section 5)."""
        from .pretrained import resolve_model_dir

        directory = resolve_model_dir(pretrained_model_name_or_path)
        init_kwargs = {}
        config_file = directory / TOKENIZER_CONFIG_FILE
        if config_file.is_file():
            init_kwargs = _load_json(config_file, "tokenizer config")
            init_kwargs.pop("tokenizer_class", None)
            init_kwargs.pop("init_inputs", None)
        init_kwargs.update(kwargs)
        # the reference records these (saved back by save_pretrained, except name_or_path)
        init_kwargs.update(name_or_path=str(pretrained_model_name_or_path), is_local=True, local_files_only=False)
        if "additional_special_tokens" in init_kwargs and not init_kwargs.get("extra_special_tokens"):
            init_kwargs["extra_special_tokens"] = init_kwargs.pop("additional_special_tokens")

        if "added_tokens_decoder" not in init_kwargs:
            # Legacy (published) layout: special_tokens_map.json and added_tokens.json.
            special_map_file = directory / SPECIAL_TOKENS_MAP_FILE
            if special_map_file.is_file():
                for key, value in _load_json(special_map_file, "special tokens map").items():
                    if key in kwargs and kwargs[key]:
                        continue
                    if isinstance(value, dict) and key != "extra_special_tokens":
                        value = AddedToken(**{**{k: v for k, v in value.items() if k != "special"}, "special": True})
                    elif key == "extra_special_tokens" and isinstance(value, list):
                        existing = list(init_kwargs.get("extra_special_tokens") or [])
                        for tok in value:
                            tok = _as_added_token(tok) if isinstance(tok, dict) else tok
                            if tok not in existing:
                                existing.append(tok)
                        value = existing
                    init_kwargs[key] = value
            added_file = directory / ADDED_TOKENS_FILE
            if added_file.is_file():
                specials = {_token_str(init_kwargs[k]) for k in SPECIAL_TOKENS_ATTRIBUTES if init_kwargs.get(k)}
                specials.update(_token_str(t) for t in (init_kwargs.get("extra_special_tokens") or []))
                init_kwargs["added_tokens_decoder"] = {
                    int(index): AddedToken(content, special=content in specials)
                    for content, index in _load_json(added_file, "added tokens file").items()}
        for name, filename in cls.vocab_files_names.items():
            if name not in kwargs or kwargs[name] is None:
                init_kwargs[name] = directory / filename
        for name in ("vocab_file", "spm_file"):
            if not Path(init_kwargs[name]).is_file():
                raise TokenizerError(f"{directory} has no {Path(init_kwargs[name]).name}: a Speech2Text tokenizer "
                                     "needs vocab.json and sentencepiece.bpe.model")
        return cls(**init_kwargs)

    def save_pretrained(self, save_directory, filename_prefix=None, **unused):
        """Write tokenizer_config.json, vocab.json and sentencepiece.bpe.model (transformers 5 layout)."""
        save_directory = Path(save_directory)
        if save_directory.is_file():
            raise TokenizerError(f"{save_directory} is a file, not a directory")
        save_directory.mkdir(parents=True, exist_ok=True)
        prefix = f"{filename_prefix}-" if filename_prefix else ""
        config = copy.deepcopy(self.init_kwargs)
        # Like the reference: every init kwarg that is also an attribute is saved with its current value.
        for key in set(self.init_kwargs) | {"model_max_length"}:
            if key in _SAVED_ATTRIBUTES:
                config[key] = getattr(self, key)
        config.update(self.special_tokens_map)
        config["added_tokens_decoder"] = {str(i): t.to_dict() for i, t in self.added_tokens_decoder.items()}
        config["tokenizer_class"] = type(self).__name__
        for key in ("files_loaded", "vocab_file", "spm_file"):
            config.pop(key, None)
        if "name_or_path" in config:
            for key in ("name_or_path", "special_tokens_map_file", "tokenizer_file"):
                config.pop(key, None)
        config_file = save_directory / (prefix + TOKENIZER_CONFIG_FILE)
        config_file.write_text(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                               encoding="utf-8")
        files = [str(config_file)]
        added = {t: i for t, i in self.added_tokens_encoder.items() if i >= self.vocab_size}
        if added:
            added_file = save_directory / (prefix + ADDED_TOKENS_FILE)
            added_file.write_text(json.dumps(added, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
            files.append(str(added_file))
        return tuple(files) + self.save_vocabulary(save_directory, filename_prefix)

    def save_vocabulary(self, save_directory, filename_prefix=None):
        prefix = f"{filename_prefix}-" if filename_prefix else ""
        vocab_path = Path(save_directory) / (prefix + VOCAB_FILES_NAMES["vocab_file"])
        spm_path = Path(save_directory) / (prefix + VOCAB_FILES_NAMES["spm_file"])
        with open(vocab_path, "w", encoding="utf-8") as f:
            json.dump(self.encoder, f, indent=2)
        if os.path.isfile(self.spm_file):
            if os.path.abspath(self.spm_file) != os.path.abspath(spm_path):
                shutil.copyfile(self.spm_file, spm_path)
        else:
            spm_path.write_bytes(self.sp_model.serialized_model_proto())
        return str(vocab_path), str(spm_path)

    def __repr__(self):
        return (f"{type(self).__name__}(vocab_size={self.vocab_size}, lang_codes={self.lang_codes!r}, "
                f"tgt_lang={self.tgt_lang!r}, special_tokens={self.special_tokens_map})")
