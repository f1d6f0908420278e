"""The generic half of a transformers slow tokenizer: `__call__`, `encode`, `pad`, `decode`.

What transformers' `PreTrainedTokenizerBase` / `PythonBackend` do for any model, written once for
the model class to inherit: turning texts, pairs and batches into ids, special tokens, token type
ids (0 over the first text with its special tokens, 1 over the pair), truncation (the three pair
strategies, overflowing tokens with ``stride``), padding and the returned `BatchEncoding`, the
too-long warning (logged once per tokenizer, as the reference's ``logger.warning``), and ids back
into text. The model class
(s2t_np/hf/tokenization.py) supplies `tokenize`, `convert_tokens_to_ids`, `convert_ids_to_tokens`,
`build_inputs_with_special_tokens`, `get_special_tokens_mask`, `num_special_tokens_to_add`,
`convert_tokens_to_string`, and the attributes `model_max_length`, `padding_side`,
`truncation_side`, `pad_token_id`, `model_input_names`, `clean_up_tokenization_spaces`.
"""

import logging

import numpy as np

from ..errors import InvalidInputError, UnsupportedOptionError
from .batch_encoding import BatchEncoding, as_array, pad_batch, pad_one, split_pair, strategies, to_py, truncate

logger = logging.getLogger(__name__)


class TokenizerBase:
    """Encoding and decoding plumbing shared by transformers' slow tokenizers (see the module docstring)."""

    def _ids_of(self, text, is_split_into_words, split_special_tokens):
        if isinstance(text, str):
            return self.convert_tokens_to_ids(self.tokenize(text, split_special_tokens=split_special_tokens))
        if isinstance(text, (list, tuple)) and text:
            if all(isinstance(t, (int, np.integer)) for t in text):  # bools count, as in transformers
                return [int(t) for t in text]
            if all(isinstance(t, str) for t in text):
                if is_split_into_words:
                    return self.convert_tokens_to_ids(
                        [p for word in text for p in self.tokenize(word, split_special_tokens=split_special_tokens)]
                    )
                return self.convert_tokens_to_ids(list(text))
        raise InvalidInputError(f"text must be a string, a list of strings or a list of ids, got {text!r:.80}")

    def _strategies(self, padding, truncation, max_length, pad_to_multiple_of=None, verbose=True):
        pad_token_id = self.pad_token_id if self.pad_token is not None else None
        return strategies(
            padding, truncation, max_length, self.model_max_length, pad_to_multiple_of, verbose, pad_token_id
        )

    @property
    def max_len_single_sentence(self):
        """The most ids one text may have before the special tokens are added."""
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self):
        """The most ids a pair of texts may have together before the special tokens are added."""
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def create_token_type_ids_from_sequences(self, token_ids_0, token_ids_1=None):
        """0 over the first sequence with its special tokens, 1 over the rest (the reference's "bert_style")."""
        if token_ids_1 is None:
            return [0] * len(self.build_inputs_with_special_tokens(token_ids_0))
        first = len(self.build_inputs_with_special_tokens(token_ids_0))
        return [0] * first + [1] * (len(self.build_inputs_with_special_tokens(token_ids_0, token_ids_1)) - first)

    def _prepare(self, ids, pair_ids, options, max_length, truncation):
        """The reference's prepare_for_model up to padding: truncate, add special tokens, the optional keys."""
        if options["return_overflowing_tokens"] and truncation == "longest_first" and pair_ids is not None:
            raise InvalidInputError(
                "Not possible to return overflowing tokens for pair of sequences with the "
                "`longest_first`. Please select another truncation strategy than `longest_first`, "
                "for instance `only_second` or `only_first`."
            )
        add_special_tokens = options["add_special_tokens"]
        n_special = self.num_special_tokens_to_add(pair=pair_ids is not None) if add_special_tokens else 0
        total = len(ids) + len(pair_ids or []) + n_special
        overflowing = []
        if truncation != "do_not_truncate" and max_length and total > max_length:
            ids, pair_ids, overflowing = truncate(
                ids, pair_ids, total - max_length, truncation, self.truncation_side, options["stride"]
            )
        if add_special_tokens:
            sequence = self.build_inputs_with_special_tokens(ids, pair_ids)
            token_type_ids = self.create_token_type_ids_from_sequences(ids, pair_ids)
        else:
            sequence = ids + (pair_ids or [])
            token_type_ids = [0] * len(sequence)
        out = {"input_ids": sequence}
        return_token_type_ids = options["return_token_type_ids"]
        if return_token_type_ids is None:
            return_token_type_ids = "token_type_ids" in self.model_input_names
        if return_token_type_ids:
            out["token_type_ids"] = token_type_ids
        if options["return_special_tokens_mask"]:
            out["special_tokens_mask"] = (
                self.get_special_tokens_mask(ids, pair_ids) if add_special_tokens else [0] * len(sequence)
            )
        if options["return_overflowing_tokens"] and not options["return_tensors"] and overflowing:
            out["overflowing_tokens"] = overflowing
            out["num_truncated_tokens"] = total - max_length if max_length else 0
        self._warn_if_too_long(sequence, max_length, options["verbose"])
        return out

    def _finish_one(self, out, padding, max_length, options, prepend_batch_axis):
        """Pad one prepared encoding, add its length, convert it (the end of the reference's prepare_for_model)."""
        return_attention_mask = options["return_attention_mask"]
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        if padding != "do_not_pad" or return_attention_mask:
            side = options["padding_side"]
            out = self._pad_one(out, max_length, padding, options["pad_to_multiple_of"], side, return_attention_mask)
        if options["return_length"]:
            out["length"] = len(out["input_ids"])
        if options["return_tensors"] == "np":
            out = {k: as_array([v] if prepend_batch_axis else v) for k, v in out.items()}
        return BatchEncoding(out)

    def prepare_for_model(
        self,
        ids,
        pair_ids=None,
        add_special_tokens=True,
        padding=False,
        truncation=False,
        max_length=None,
        stride=0,
        pad_to_multiple_of=None,
        padding_side=None,
        return_tensors=None,
        return_token_type_ids=None,
        return_attention_mask=None,
        return_overflowing_tokens=False,
        return_special_tokens_mask=False,
        return_length=False,
        verbose=True,
        prepend_batch_axis=False,
        **unused,
    ):
        """Ids (and pair ids) -> a model input: truncated, with special tokens, padded (the reference's method)."""
        options = dict(locals())  # the keyword arguments by name, as _prepare and _finish_one read them
        ids, pair_ids = list(ids), None if pair_ids is None else list(pair_ids)
        if return_tensors not in (None, "np"):
            raise UnsupportedOptionError(
                f'return_tensors={return_tensors!r}: s2t_np returns lists or NumPy arrays ("np")'
            )
        padding, truncation, max_length = self._strategies(padding, truncation, max_length, pad_to_multiple_of, verbose)
        out = self._prepare(ids, pair_ids, options, max_length, truncation)
        return self._finish_one(out, padding, max_length, options, prepend_batch_axis)

    def truncate_sequences(
        self, ids, pair_ids=None, num_tokens_to_remove=0, truncation_strategy="longest_first", stride=0
    ):
        """(ids, pair_ids, overflowing ids) with ``num_tokens_to_remove`` ids removed (the reference's method)."""
        if isinstance(truncation_strategy, bool):
            truncation_strategy = "longest_first" if truncation_strategy else "do_not_truncate"
        return truncate(ids, pair_ids, num_tokens_to_remove, truncation_strategy, self.truncation_side, stride)

    def _warn_if_too_long(self, ids, max_length, verbose):
        """The reference's _eventual_warn_about_too_long_sequence: logged once per tokenizer."""
        if max_length is None and len(ids) > self.model_max_length and verbose and self.model_max_length != 0:
            key = "sequence-length-is-longer-than-the-specified-maximum"
            if not self.deprecation_warnings.get(key, False):
                logger.warning(
                    "Token indices sequence length is longer than the specified maximum sequence length "
                    f"for this model ({len(ids)} > {self.model_max_length}). Running this sequence through the model "
                    "will result in indexing errors"
                )
            self.deprecation_warnings[key] = True

    def _pad_one(self, encoded, max_length, padding, pad_to_multiple_of, padding_side, return_attention_mask):
        if not encoded["input_ids"]:  # the reference's pad() leaves an empty sequence unpadded
            return {**encoded, "attention_mask": []} if return_attention_mask else encoded
        return pad_one(
            encoded,
            max_length,
            padding,
            pad_to_multiple_of,
            padding_side or self.padding_side,
            return_attention_mask,
            self.pad_token_id,
        )

    def __call__(
        self,
        text=None,
        text_pair=None,
        text_target=None,
        text_pair_target=None,
        add_special_tokens=True,
        padding=False,
        truncation=None,
        max_length=None,
        stride=0,
        is_split_into_words=False,
        pad_to_multiple_of=None,
        padding_side=None,
        return_tensors=None,
        return_token_type_ids=None,
        return_attention_mask=None,
        return_overflowing_tokens=False,
        return_special_tokens_mask=False,
        return_offsets_mapping=False,
        return_length=False,
        verbose=True,
        tokenizer_kwargs=None,
        **kwargs,
    ):
        """Encode one text or a batch: input_ids (+ attention_mask) as lists, or arrays with return_tensors="np".

        ``text_target`` (+ ``text_pair_target``) alone encodes the same way (Speech2Text has no
        separate target mode); with ``text`` the target ids go under ``labels``, cut to
        ``max_target_length`` when given. Keywords the reference accepts and ignores for slow
        tokenizers are refused where ignoring them would be a silent surprise:
        ``return_offsets_mapping=True`` (5.23's slow tokenizers return no offsets) and unknown names.
        """
        options = dict(
            add_special_tokens=add_special_tokens,
            stride=stride,
            is_split_into_words=is_split_into_words,
            pad_to_multiple_of=pad_to_multiple_of,
            padding_side=padding_side,
            return_tensors=return_tensors,
            return_token_type_ids=return_token_type_ids,
            return_attention_mask=return_attention_mask,
            return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask,
            return_offsets_mapping=return_offsets_mapping,
            return_length=return_length,
            split_special_tokens=kwargs.pop("split_special_tokens", self.split_special_tokens),
            verbose=verbose,
        )
        max_target_length = kwargs.pop("max_target_length", None)
        settings = dict(padding=padding, truncation=truncation, max_length=max_length)
        for key, value in {**(tokenizer_kwargs or {}), **kwargs}.items():
            if key in settings:
                settings[key] = value
            elif key in options:
                options[key] = value
            else:
                raise UnsupportedOptionError(f"unsupported tokenizer argument: {key!r}")
        if options["return_offsets_mapping"]:
            raise UnsupportedOptionError(
                "return_offsets_mapping=True needs a fast tokenizer; transformers' slow Speech2TextTokenizer "
                "returns no offset_mapping either"
            )
        if options["return_tensors"] not in (None, "np"):
            raise UnsupportedOptionError(
                f'return_tensors={options["return_tensors"]!r}: s2t_np returns lists or NumPy arrays ("np")'
            )
        if text is None and text_target is None:
            raise InvalidInputError("You need to specify either `text` or `text_target`.")
        padding, truncation, max_length = self._strategies(
            settings["padding"],
            settings["truncation"],
            settings["max_length"],
            options["pad_to_multiple_of"],
            options["verbose"],
        )
        encodings = None
        if text is not None:
            encodings = self._encode(text, text_pair, padding, truncation, max_length, options)
        if text_target is None:
            return encodings
        target_length = max_target_length if max_target_length is not None else max_length
        targets = self._encode(text_target, text_pair_target, padding, truncation, target_length, options)
        if encodings is None:
            return targets
        encodings["labels"] = targets["input_ids"]
        return encodings

    def _encode(self, text, text_pair, padding, truncation, max_length, options):
        """The reference's PythonBackend._encode_plus: one text (or pair), or a batch padded together."""
        is_split_into_words = options["is_split_into_words"]
        split_special_tokens = options["split_special_tokens"]
        return_tensors = options["return_tensors"]
        return_attention_mask = options["return_attention_mask"]
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        padding_side = options["padding_side"] or self.padding_side
        batched = isinstance(text, (list, tuple)) and (
            not text
            and not is_split_into_words
            or (text and is_split_into_words and isinstance(text[0], (list, tuple)))
            or (text and not is_split_into_words and isinstance(text[0], (str, list, tuple)))
        )
        if not batched:
            ids = self._ids_of(text, is_split_into_words, split_special_tokens)
            pair = self._ids_of(text_pair, is_split_into_words, split_special_tokens) if text_pair is not None else None
            out = self._prepare(ids, pair, options, max_length, truncation)
            return self._finish_one(out, padding, max_length, options, prepend_batch_axis=True)

        if not text:  # the reference's pad() then finds no input_ids
            raise InvalidInputError(
                "You should supply an encoding or a list of encodings to this method "
                "that includes input_ids, but you provided []"
            )
        if text_pair is not None and (not isinstance(text_pair, (list, tuple)) or len(text_pair) != len(text)):
            raise InvalidInputError("If `text` is a batch, `text_pair` must also be a batch of the same length.")
        pairs = text_pair if text_pair is not None else [None] * len(text)
        rows = []
        for item, pair_item in zip(text, pairs, strict=True):
            if pair_item is None:
                item, pair_item = split_pair(item, is_split_into_words)
            ids = self._ids_of(item, is_split_into_words, split_special_tokens)
            pair = self._ids_of(pair_item, is_split_into_words, split_special_tokens) if pair_item is not None else None
            row = self._prepare(ids, pair, options, max_length, truncation)
            if options["return_length"]:
                row["length"] = len(row["input_ids"])
            rows.append(row)
        if len({frozenset(row) for row in rows}) > 1:
            raise InvalidInputError(
                "return_overflowing_tokens=True on a batch where only some texts overflow: the rows would have "
                "different keys (transformers 5.23 fails here with an AssertionError); encode them one at a time"
            )
        return pad_batch(
            rows,
            max_length,
            padding,
            options["pad_to_multiple_of"],
            padding_side,
            return_attention_mask,
            self.pad_token_id,
            return_tensors,
            ["input_ids"],
        )

    def encode(
        self,
        text,
        text_pair=None,
        add_special_tokens=True,
        padding=False,
        truncation=None,
        max_length=None,
        stride=0,
        padding_side=None,
        return_tensors=None,
        **kwargs,
    ):
        """The ids of one text (eos appended, language prefix when tgt_lang is set)."""
        return self(
            text,
            text_pair=text_pair,
            add_special_tokens=add_special_tokens,
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            stride=stride,
            padding_side=padding_side,
            return_tensors=return_tensors,
            **kwargs,
        )["input_ids"]

    def pad(
        self,
        encoded_inputs,
        padding=True,
        max_length=None,
        pad_to_multiple_of=None,
        padding_side=None,
        return_attention_mask=None,
        return_tensors=None,
        verbose=True,
    ):
        """Pad a batch of encodings (a dict of lists or a list of dicts) to a common length.

        As in the reference, NumPy inputs come back as NumPy arrays unless ``return_tensors`` says otherwise.
        """
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], dict):
            encoded_inputs = {k: [e[k] for e in encoded_inputs] for k in encoded_inputs[0]}
        encoded_inputs = dict(encoded_inputs)
        if "input_ids" not in encoded_inputs:
            raise InvalidInputError(
                "You should supply an encoding or a list of encodings to this method "
                f"that includes input_ids, but you provided {list(encoded_inputs.keys())}"
            )
        first = encoded_inputs["input_ids"]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        if return_tensors is None and isinstance(first, (np.ndarray, np.integer)):
            return_tensors = "np"
        encoded_inputs = {k: to_py(v) for k, v in encoded_inputs.items()}
        padding, _, max_length = self._strategies(padding, False, max_length, verbose=verbose)
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        ids = encoded_inputs["input_ids"]
        if ids and not isinstance(ids[0], list):
            out = self._pad_one(
                encoded_inputs, max_length, padding, pad_to_multiple_of, padding_side, return_attention_mask
            )
            return BatchEncoding({k: as_array(v) for k, v in out.items()} if return_tensors == "np" else out)
        rows = [{k: v[i] for k, v in encoded_inputs.items()} for i in range(len(ids))]
        return pad_batch(
            rows,
            max_length,
            padding,
            pad_to_multiple_of,
            padding_side or self.padding_side,
            return_attention_mask,
            self.pad_token_id,
            return_tensors,
            list(encoded_inputs),
        )

    @staticmethod
    def clean_up_tokenization(text):
        return (
            text.replace(" .", ".")
            .replace(" ?", "?")
            .replace(" !", "!")
            .replace(" ,", ",")
            .replace(" ' ", "'")
            .replace(" n't", "n't")
            .replace(" 'm", "'m")
            .replace(" 's", "'s")
            .replace(" 've", "'ve")
            .replace(" 're", "'re")
        )

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
        result = self.decode(
            sequences,
            skip_special_tokens=skip_special_tokens,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
        )
        return [result] if isinstance(result, str) else result
