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
are added (the reference's rule, holes in vocab.json included); ``add_tokens``, ``add_special_tokens``
and the special-token properties and setters are in s2t_np/hf/special_tokens.py. The generic
machinery (``__call__``, token type ids, padding, truncation, ``decode``) is in
s2t_np/hf/tokenization_base.py and s2t_np/hf/batch_encoding.py; reading and writing the files in
s2t_np/hf/tokenizer_files.py.

Deviations, each where the reference would give a silent surprise: ``return_offsets_mapping=True``
and unknown keyword arguments of ``__call__`` raise `UnsupportedOptionError` (transformers ignores
them); a piece missing from vocab.json while ``unk_token`` is unset (or not in vocab.json) raises
`TokenizerError` when it is met (transformers raises a KeyError for every piece); adding the special
tokens with ``eos_token`` unset raises `TokenizerError` (transformers appends a None id); a non-str token
given to ``add_tokens`` is an `InvalidInputError` (a ValueError, where transformers raises a TypeError).
"""

import copy

from .. import tokenizer as rule
from ..checks import read_json
from ..errors import InvalidInputError, TokenizerError, UnsupportedOptionError
from .added_tokens import AddedToken, AddedTokenTrie, as_added_token, split_on_added_tokens
from .batch_encoding import VERY_LARGE_INTEGER, to_py
from .hub import is_hub_id
from .pretrained import resolve_model_dir, split_hub_options
from .special_tokens import SPECIAL_TOKENS_ATTRIBUTES, SpecialTokensMixin
from .tokenization_base import TokenizerBase
from .tokenizer_files import (
    VOCAB_FILES_NAMES,
    pretrained_init_kwargs,
    recorded_init_kwargs,
    save_tokenizer,
    save_vocabulary,
)


class Speech2TextTokenizer(SpecialTokensMixin, TokenizerBase):
    """transformers-compatible Speech2Text tokenizer (see the module docstring for the algorithm).

    Besides transformers' named parameters, the keyword arguments a tokenizer_config.json carries
    are accepted: model_max_length, padding_side, truncation_side, clean_up_tokenization_spaces,
    split_special_tokens, added_tokens_decoder, extra_special_tokens. Other keys (as transformers
    does) are kept only to be written back by save_pretrained.
    """

    vocab_files_names = VOCAB_FILES_NAMES
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(
        self,
        vocab_file,
        spm_file,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        do_upper_case=False,
        do_lower_case=False,
        tgt_lang=None,
        lang_codes=None,
        additional_special_tokens=None,
        sp_model_kwargs=None,
        **kwargs,
    ):
        self.sp_model_kwargs = {} if sp_model_kwargs is None else dict(sp_model_kwargs)
        self.do_upper_case = do_upper_case
        self.do_lower_case = do_lower_case
        self.vocab_file = str(vocab_file)
        self.spm_file = str(spm_file)
        self.encoder = read_json(vocab_file, "vocabulary file (vocab.json)", error=TokenizerError)
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.sp_model = rule.load_sentencepiece(spm_file, self.sp_model_kwargs)

        model_max_length = kwargs.get("model_max_length", kwargs.get("max_len"))
        self.model_max_length = VERY_LARGE_INTEGER if model_max_length is None else model_max_length
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
        self._special_tokens_map = dict.fromkeys(SPECIAL_TOKENS_ATTRIBUTES)
        named = {"bos_token": bos_token, "eos_token": eos_token, "unk_token": unk_token, "pad_token": pad_token}
        for key in ("sep_token", "cls_token", "mask_token"):
            named[key] = kwargs.get(key)
        for key, value in named.items():
            if isinstance(value, dict):  # an AddedToken as a config writes it
                value = as_added_token(value)
            if value is not None and not isinstance(value, (str, AddedToken)):
                raise TokenizerError(f"Special token {key} has to be either str or AddedToken but got: {type(value)}")
            self._special_tokens_map[key] = value
        model_specific = {
            k: as_added_token(v) if isinstance(v, dict) else v
            for k, v in kwargs.items()
            if k.endswith("_token") and k not in SPECIAL_TOKENS_ATTRIBUTES and isinstance(v, (str, AddedToken, dict))
        }
        if isinstance(kwargs.get("extra_special_tokens"), dict):  # named extra tokens are model-specific ones
            model_specific.update(kwargs["extra_special_tokens"])
        model_specific.update(kwargs.get("model_specific_special_tokens") or {})
        if model_specific:
            self._set_model_specific_special_tokens(
                {k: as_added_token(v) if isinstance(v, dict) else v for k, v in model_specific.items()}
            )
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
            kwargs,
            bos_token=bos_token,
            eos_token=eos_token,
            unk_token=unk_token,
            pad_token=pad_token,
            do_upper_case=do_upper_case,
            do_lower_case=do_lower_case,
            tgt_lang=tgt_lang,
            lang_codes=lang_codes,
            sp_model_kwargs=self.sp_model_kwargs,
            additional_special_tokens=additional_special_tokens,
        )
        self.init_kwargs = copy.deepcopy(base_kwargs)
        self.init_inputs = ()
        self.name_or_path = kwargs.get("name_or_path", "")
        self.deprecation_warnings = {}
        extra = base_kwargs["extra_special_tokens"]
        if isinstance(extra, dict):  # registered above as model-specific named tokens
            extra = []
        self._extra_special_tokens = [as_added_token(t) if isinstance(t, dict) else t for t in extra or []]

        # Added tokens: those of a saved config first, then every special token not yet among them.
        self._added_tokens_decoder = {}
        for index, token in (kwargs.get("added_tokens_decoder") or {}).items():
            self._added_tokens_decoder[int(index)] = as_added_token(token, special=False)
        self._added_tokens_encoder = {t.content: i for i, t in self._added_tokens_decoder.items()}
        # (by their text, as the reference does: flags of AddedToken-valued special tokens are dropped)
        self._add_tokens([t for t in self.all_special_tokens if t not in self._added_tokens_encoder], True)

    def _tokens_changed(self):
        """Rebuild the trie of added tokens (called by add_tokens, not by the added_tokens_decoder setter)."""
        self._trie = AddedTokenTrie(self._added_tokens_encoder)

    @property
    def tgt_lang(self):
        return self._tgt_lang

    @tgt_lang.setter
    def tgt_lang(self, new_tgt_lang):
        if new_tgt_lang not in self.lang_code_to_id:
            if not self.lang_code_to_id:
                raise TokenizerError(
                    f"tgt_lang={new_tgt_lang!r} needs a multilingual tokenizer (lang_codes='mustc'); "
                    "this one has no language codes"
                )
            raise TokenizerError(f"unknown tgt_lang {new_tgt_lang!r}; known: {sorted(self.lang_code_to_id)}")
        self._tgt_lang = new_tgt_lang
        self.set_tgt_lang_special_tokens(new_tgt_lang)

    def set_tgt_lang_special_tokens(self, tgt_lang):
        """prefix_tokens = [the language tag's id] (tgt_lang itself is left as it is, as in the reference)."""
        if tgt_lang not in self.lang_code_to_id:
            raise TokenizerError(f"unknown tgt_lang {tgt_lang!r}; known: {sorted(self.lang_code_to_id)}")
        self.prefix_tokens = [self.lang_code_to_id[tgt_lang]]

    # ---- vocabulary ----------------------------------------------------------------------
    @property
    def vocab_size(self):
        """Size of vocab.json (without tokens added beyond it)."""
        return len(self.encoder)

    def get_vocab(self):
        """vocab.json plus the added tokens (which win where both have a text)."""
        vocab = dict(self.encoder)
        vocab.update(self.added_tokens_encoder)
        return vocab

    is_fast = False  # a slow (Python) tokenizer, like transformers' Speech2TextTokenizer

    def __len__(self):
        return len(self.get_vocab())

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
            raise InvalidInputError(f"convert_tokens_to_ids takes a token or a list of tokens, got {tokens!r:.80}")
        return [self._token_to_id(t) for t in tokens]

    def _token_to_id(self, token):
        if token in self._added_tokens_encoder:
            return self._added_tokens_encoder[token]
        return self._convert_token_to_id(token)

    _convert_token_to_id_with_added_voc = _token_to_id  # the reference's name

    def _convert_token_to_id(self, token):
        """A vocab.json piece -> its id; a piece vocab.json lacks -> the id of ``<unk>``."""
        if token not in self.encoder and self.unk_token not in self.encoder:
            raise TokenizerError(f"{token!r} is not in vocab.json and unk_token {self.unk_token!r} is not either")
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
        return self._convert_id_to_token(index)

    def _convert_id_to_token(self, index):
        """A vocab.json id -> its piece; an unknown id -> the ``<unk>`` token."""
        return self.decoder.get(index, self.unk_token)

    # ---- encoding ------------------------------------------------------------------------
    def _split_on_added_tokens(self, text):
        """Split text into chunks, each added token a chunk of its own, its strip flags applied."""
        by_content = {c: self._added_tokens_decoder[i] for c, i in self._added_tokens_encoder.items()}
        return split_on_added_tokens(text, self._trie, by_content)

    def prepare_for_tokenization(self, text, is_split_into_words=False, **kwargs):
        """The reference's hook before tokenizing: Speech2Text changes nothing; returns (text, kwargs)."""
        return text, kwargs

    def _tokenize(self, text):
        """SentencePiece pieces of a text, added tokens not looked for."""
        return rule.text_to_pieces(self.sp_model, text)

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
        if self.eos_token_id is None:  # transformers would append None
            raise TokenizerError(
                "adding the special tokens needs an eos_token; set one or pass add_special_tokens=False"
            )
        ids = list(token_ids_0) + (list(token_ids_1) if token_ids_1 is not None else [])
        return rule.build_inputs(self.prefix_tokens, ids, self.eos_token_id)

    def get_special_tokens_mask(self, token_ids_0, token_ids_1=None, already_has_special_tokens=False):
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise InvalidInputError(
                    "You should not supply a second sequence if the provided sequence of ids is already formatted "
                    "with special tokens for the model."
                )
            special = set(self.all_special_ids)
            return [1 if int(i) in special else 0 for i in token_ids_0]
        mask = [1] * len(self.prefix_tokens) + [0] * len(token_ids_0)
        if token_ids_1 is not None:
            mask += [0] * len(token_ids_1)
        return mask + [1]

    def num_special_tokens_to_add(self, pair=False):
        """len(prefix_tokens) + 1 (the eos), for a text or a pair alike."""
        return len(self.prefix_tokens) + 1

    # ---- decoding ------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens):
        """Pieces -> text: SentencePiece-decode each run of pieces, special tokens verbatim + " "."""
        return rule.tokens_to_text(self.sp_model, tokens, self.all_special_tokens, self.do_upper_case)

    # ---- files ---------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        """Load from a transformers-format directory (either layout, docs/numerics.md section 5) or a hub id.

        The hub options (revision=, cache_dir=, local_files_only=, token=) select a hub id's snapshot.
        """
        hub_options, kwargs = split_hub_options(kwargs)
        if is_hub_id(pretrained_model_name_or_path):  # resolved here: the files read are the tokenizer's
            pretrained_model_name_or_path = resolve_model_dir(
                pretrained_model_name_or_path, needs=("tokenizer",), **hub_options
            )
        return cls(**pretrained_init_kwargs(pretrained_model_name_or_path, kwargs, cls.vocab_files_names))

    def save_pretrained(self, save_directory, legacy_format=None, filename_prefix=None, push_to_hub=False, **unused):
        """Write tokenizer_config.json, vocab.json, sentencepiece.bpe.model (+ added_tokens.json), the
        transformers 5 layout; returns the paths in the reference's order."""
        if legacy_format is False:
            raise TokenizerError(
                "Only fast tokenizers (instances of PreTrainedTokenizerFast) can be saved in non legacy format."
            )
        if push_to_hub:
            raise UnsupportedOptionError("push_to_hub=True: s2t_np works offline and does not upload")
        return save_tokenizer(self, save_directory, filename_prefix)

    def save_vocabulary(self, save_directory, filename_prefix=None):
        return save_vocabulary(save_directory, filename_prefix, self.encoder, self.spm_file, self.sp_model)

    def __repr__(self):
        """transformers' layout, one added token per line."""
        added = "".join(f"\n\t{i}: {t!r}," for i, t in self.added_tokens_decoder.items())
        added = f"{added}\n" if added else ""
        return (
            f"{type(self).__name__}(name_or_path='{self.name_or_path}', vocab_size={self.vocab_size}, "
            f"model_max_length={self.model_max_length}, padding_side='{self.padding_side}', "
            f"truncation_side='{self.truncation_side}', special_tokens={self.special_tokens_map}, "
            f"added_tokens_decoder={{{added}}})"
        )
