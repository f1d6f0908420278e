"""transformers-compatible Speech2TextTokenizer around the Speech2Text rule of s2t_np/tokenizer.py.

Matches transformers 5.23 `Speech2TextTokenizer` (src/transformers/models/speech_to_text/
tokenization_speech_to_text.py, a slow `PythonBackend` tokenizer); docs/numerics.md section 4.

Encoding ``text``:
  1. split ``text`` on the added tokens (special tokens ``<s> <pad> </s> <unk>``, the language tags
     ``<lang:xx>`` of ``lang_codes="mustc"``, and any ``added_tokens_decoder`` entry of the config),
     leftmost-longest, honouring each added token's lstrip / rstrip / single_word flags
     (s2t_np/hf/added_tokens.py);
  2. every other chunk is SentencePiece-encoded to pieces (each chunk separately, so each gets
     SentencePiece's dummy "▁" prefix), added tokens stay whole;
  3. pieces -> ids through ``vocab.json`` (a piece missing from it -> ``<unk>``), added tokens
     through their own ids;
  4. ``build_inputs_with_special_tokens``: ``prefix_tokens + ids + [eos]`` where
     ``prefix_tokens = [lang_code_to_id[tgt_lang]]`` for mustc and ``[]`` otherwise.

Decoding ids: ids -> tokens (an unknown id -> ``<unk>``; ``skip_special_tokens`` drops the special
ids, ``<unk>`` and the language tags included), then `s2t_np.tokenizer.tokens_to_text`
(``clean_up_tokenization`` applied only when the config asks).

Added tokens that are not already in the vocabulary get the id ``len(vocabulary)`` at the time they
are added (the reference's rule, holes in vocab.json included). Padding, truncation and the output
dict are in s2t_np/hf/batch_encoding.py; reading and writing the files in s2t_np/hf/tokenizer_files.py.
"""

import copy

import numpy as np

from .. import tokenizer as rule
from ..checks import read_json
from ..errors import InvalidInputError, TokenizerError, UnsupportedOptionError
from .added_tokens import AddedTokenTrie, add_special_tokens, as_added_token, split_on_added_tokens, token_str
from .batch_encoding import VERY_LARGE_INTEGER, BatchEncoding, as_array, pad_batch, pad_one, strategies, to_py, truncate
from .tokenizer_files import (
    SPECIAL_TOKENS_ATTRIBUTES,
    VOCAB_FILES_NAMES,
    pretrained_init_kwargs,
    recorded_init_kwargs,
    save_tokenizer,
    save_vocabulary,
)


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
        self.encoder = read_json(vocab_file, "vocabulary file (vocab.json)", error=TokenizerError)
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.sp_model = rule.load_sentencepiece(spm_file, self.sp_model_kwargs)

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
            if lang_codes not in rule.LANGUAGES:
                raise TokenizerError(f"unknown lang_codes {lang_codes!r}; known: {sorted(rule.LANGUAGES)}")
            self.langs = rule.LANGUAGES[lang_codes]
            self.lang_tokens = [rule.lang_tag(lang) for lang in self.langs]
            self.lang_code_to_id = rule.lang_code_to_id(self.sp_model, self.langs)
            additional_special_tokens = self.lang_tokens + list(additional_special_tokens or [])
        self._tgt_lang = None
        if lang_codes is not None:
            self.tgt_lang = tgt_lang if tgt_lang is not None else self.langs[0]

        base_kwargs = recorded_init_kwargs(
            kwargs, bos_token=bos_token, eos_token=eos_token, unk_token=unk_token, pad_token=pad_token,
            do_upper_case=do_upper_case, do_lower_case=do_lower_case, tgt_lang=tgt_lang, lang_codes=lang_codes,
            sp_model_kwargs=self.sp_model_kwargs, additional_special_tokens=additional_special_tokens)
        self.init_kwargs = copy.deepcopy(base_kwargs)
        extra = base_kwargs["extra_special_tokens"]
        if isinstance(extra, dict):
            raise UnsupportedOptionError("named extra_special_tokens (a dict) are not supported by "
                                         "Speech2TextTokenizer")
        self._extra_special_tokens = list(extra or [])

        # Added tokens: those of a saved config first, then every special token not yet among them.
        self._added_tokens_decoder = {}
        for index, token in (kwargs.get("added_tokens_decoder") or {}).items():
            self._added_tokens_decoder[int(index)] = as_added_token(token, special=False)
        self._added_tokens_encoder = {t.content: i for i, t in self._added_tokens_decoder.items()}
        # (by their text, as the reference does: flags of AddedToken-valued special tokens are dropped)
        self._add_tokens([t for t in self.all_special_tokens if t not in self._added_tokens_encoder])

    # ---- special tokens ------------------------------------------------------------------
    def _special_token(self, key):
        return token_str(self._special_tokens[key]) if key in self._special_tokens else None

    def _id_of(self, token):
        return None if token is None else self.convert_tokens_to_ids(token)

    bos_token = property(lambda self: self._special_token("bos_token"))
    eos_token = property(lambda self: self._special_token("eos_token"))
    unk_token = property(lambda self: self._special_token("unk_token"))
    pad_token = property(lambda self: self._special_token("pad_token"))
    bos_token_id = property(lambda self: self._id_of(self.bos_token))
    eos_token_id = property(lambda self: self._id_of(self.eos_token))
    unk_token_id = property(lambda self: self._id_of(self.unk_token))
    pad_token_id = property(lambda self: self._id_of(self.pad_token))

    @property
    def special_tokens_map(self):
        return {k: token_str(self._special_tokens[k]) for k in SPECIAL_TOKENS_ATTRIBUTES if k in self._special_tokens}

    @property
    def extra_special_tokens(self):
        return [token_str(t) for t in self._extra_special_tokens]

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
        """Register special token strings as added tokens (see `add_special_tokens`); returns how many got new ids."""
        added = add_special_tokens(new_tokens, self.get_vocab(), self._added_tokens_decoder, self._added_tokens_encoder)
        self._trie = None
        self._added_by_content = None
        return added

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        return [self._token_to_id(t) for t in tokens]

    def _token_to_id(self, token):
        if token in self._added_tokens_encoder:
            return self._added_tokens_encoder[token]
        return rule.piece_to_id(token, self.encoder, self.encoder.get(self.unk_token))

    def convert_ids_to_tokens(self, ids, skip_special_tokens=False):
        ids = to_py(ids)
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
        """Split text into chunks, each added token a chunk of its own, its strip flags applied."""
        if self._trie is None:
            self._trie = AddedTokenTrie(self._added_tokens_encoder)
            self._added_by_content = {c: self._added_tokens_decoder[i] for c, i in self._added_tokens_encoder.items()}
        return split_on_added_tokens(text, self._trie, self._added_by_content)

    def tokenize(self, text, split_special_tokens=None, **unused):
        """Text -> pieces and added tokens (no eos, no language prefix)."""
        if not isinstance(text, str):
            raise InvalidInputError(f"tokenize() takes a str, got {type(text).__name__}")
        if split_special_tokens is None:
            split_special_tokens = self.split_special_tokens
        if split_special_tokens:
            return rule.text_to_pieces(self.sp_model, text)
        result = []
        special = set(self.all_special_tokens)
        for chunk in self._split_on_added_tokens(text):
            if chunk in self._added_tokens_encoder or chunk in special:
                result.append(chunk)
            else:
                result.extend(rule.text_to_pieces(self.sp_model, chunk))
        return result

    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
        """prefix_tokens + ids (+ pair ids) + [eos]."""
        ids = list(token_ids_0) + (list(token_ids_1) if token_ids_1 is not None else [])
        return rule.build_inputs(self.prefix_tokens, ids, self.eos_token_id)

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
        return strategies(padding, truncation, max_length, self.model_max_length)

    def _prepare(self, ids, pair_ids, add_special_tokens, truncation, max_length, return_special_tokens_mask):
        n_special = self.num_special_tokens_to_add(pair=pair_ids is not None) if add_special_tokens else 0
        total = len(ids) + len(pair_ids or []) + n_special
        if max_length and total > max_length:
            ids, pair_ids = truncate(ids, pair_ids, total - max_length, truncation, self.truncation_side)
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
        return pad_one(encoded, max_length, padding, pad_to_multiple_of, padding_side or self.padding_side,
                       return_attention_mask, self.pad_token_id)

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
            raise UnsupportedOptionError(f"return_tensors={return_tensors!r}: s2t_np returns lists or NumPy arrays "
                                         '("np")')
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
                out = {k: as_array([v]) for k, v in out.items()}
            return BatchEncoding(out)

        pairs = text_pair if text_pair is not None else [None] * len(text)
        if len(pairs) != len(text):
            raise InvalidInputError("If `text` is a batch, `text_pair` must also be a batch of the same length.")
        rows = []
        for item, pair_item in zip(text, pairs, strict=True):
            ids = self._ids_of(item, is_split_into_words, split_special_tokens)
            pair = self._ids_of(pair_item, is_split_into_words, split_special_tokens) if pair_item is not None else None
            row = self._prepare(ids, pair, add_special_tokens, truncation, max_length, return_special_tokens_mask)
            if return_length:
                row["length"] = len(row["input_ids"])
            rows.append(row)
        return pad_batch(rows, max_length, padding, pad_to_multiple_of, padding_side or self.padding_side,
                         return_attention_mask, self.pad_token_id, return_tensors, ["input_ids"])

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
        encoded_inputs = {k: to_py(v) for k, v in dict(encoded_inputs).items()}
        padding, _, max_length = self._strategies(padding, False, max_length)
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        ids = encoded_inputs["input_ids"]
        if ids and not isinstance(ids[0], list):
            out = self._pad_one(encoded_inputs, max_length, padding, pad_to_multiple_of, padding_side,
                                return_attention_mask)
            return BatchEncoding({k: as_array(v) for k, v in out.items()} if return_tensors == "np" else out)
        rows = [{k: v[i] for k, v in encoded_inputs.items()} for i in range(len(ids))]
        return pad_batch(rows, max_length, padding, pad_to_multiple_of, padding_side or self.padding_side,
                         return_attention_mask, self.pad_token_id, return_tensors, list(encoded_inputs))

    # ---- decoding ------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens):
        """Pieces -> text: SentencePiece-decode each run of pieces, special tokens verbatim + " "."""
        return rule.tokens_to_text(self.sp_model, tokens, self.all_special_tokens, self.do_upper_case)

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
        token_ids = to_py(token_ids)
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
        """Load from a transformers-format directory (either layout, docs/numerics.md section 5)."""
        return cls(**pretrained_init_kwargs(pretrained_model_name_or_path, kwargs, cls.vocab_files_names))

    def save_pretrained(self, save_directory, filename_prefix=None, **unused):
        """Write tokenizer_config.json, vocab.json and sentencepiece.bpe.model (transformers 5 layout)."""
        return save_tokenizer(self, save_directory, filename_prefix)

    def save_vocabulary(self, save_directory, filename_prefix=None):
        return save_vocabulary(save_directory, filename_prefix, self.encoder, self.spm_file, self.sp_model)

    def __repr__(self):
        return (f"{type(self).__name__}(vocab_size={self.vocab_size}, lang_codes={self.lang_codes!r}, "
                f"tgt_lang={self.tgt_lang!r}, special_tokens={self.special_tokens_map})")
