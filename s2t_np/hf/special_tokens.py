"""Special tokens and added tokens of a slow tokenizer: transformers 5.23's special-token API.

What ``PreTrainedTokenizerBase`` (src/transformers/tokenization_utils_base.py) and ``PythonBackend``
(src/transformers/tokenization_python.py) give every slow tokenizer, written once:
  * the seven named special tokens (``bos_token`` ... ``mask_token``) with their ``*_id``
    properties and setters: a token setter takes a str or an AddedToken and stores it as it is
    (nothing is added to the vocabulary), an ``*_id`` setter stores the token of that id, ``None``
    unsets; ``extra_special_tokens`` / ``extra_special_tokens_ids`` likewise (5.23's name for the
    former ``additional_special_tokens``, which 5.23 no longer has as an attribute);
  * ``special_tokens_map``, ``all_special_tokens``, ``all_special_ids``;
  * ``add_tokens`` and ``add_special_tokens``: a token that is not in the vocabulary (vocab.json
    plus the added tokens) gets the id ``len(vocabulary)`` at that moment; one that is keeps its id
    and is only marked as an added token (matched whole before SentencePiece sees the text).

The class using it keeps ``_special_tokens_map`` (name -> str / AddedToken / None),
``_extra_special_tokens`` (a list), ``_added_tokens_decoder`` (id -> AddedToken) and
``_added_tokens_encoder`` (text -> id), and supplies ``get_vocab``, ``convert_tokens_to_ids``,
``convert_ids_to_tokens`` and ``_tokens_changed`` (called after the added tokens change).
"""

from ..errors import InvalidInputError
from .added_tokens import AddedToken

# The named special tokens, in the reference's order (PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES).
SPECIAL_TOKENS_ATTRIBUTES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


def _check_token(key, value):
    if value is not None and not isinstance(value, (str, AddedToken)):
        raise InvalidInputError(f"Cannot set a non-string value as the {key}")
    return value


def _token_property(key):
    def get(self):
        value = self._special_tokens_map.get(key)
        return None if value is None else str(value)

    def set_(self, value):
        self._special_tokens_map[key] = _check_token(key, value)

    return property(get, set_, doc=f"The {key} as a str (None when unset); settable with a str or an AddedToken.")


def _id_property(key):
    def get(self):
        value = self._special_tokens_map.get(key)
        return None if value is None else self.convert_tokens_to_ids(str(value))

    def set_(self, value):
        token = None if value is None else self.convert_ids_to_tokens(value)
        self._special_tokens_map[key] = _check_token(key, token)

    return property(get, set_, doc=f"The id of the {key} (None when unset); setting it sets the token of that id.")


class SpecialTokensMixin:
    """Named and extra special tokens, ``add_tokens`` / ``add_special_tokens`` (see the module docstring)."""

    SPECIAL_TOKENS_ATTRIBUTES = SPECIAL_TOKENS_ATTRIBUTES
    pad_token_type_id = 0

    bos_token = _token_property("bos_token")
    eos_token = _token_property("eos_token")
    unk_token = _token_property("unk_token")
    sep_token = _token_property("sep_token")
    pad_token = _token_property("pad_token")
    cls_token = _token_property("cls_token")
    mask_token = _token_property("mask_token")
    bos_token_id = _id_property("bos_token")
    eos_token_id = _id_property("eos_token")
    unk_token_id = _id_property("unk_token")
    sep_token_id = _id_property("sep_token")
    pad_token_id = _id_property("pad_token")
    cls_token_id = _id_property("cls_token")
    mask_token_id = _id_property("mask_token")

    # Model-specific named special tokens (a ``*_token`` keyword such as ``foo_token="<foo>"``): the
    # reference appends their names to the instance's SPECIAL_TOKENS_ATTRIBUTES and serves
    # ``tok.foo_token`` / ``tok.foo_token_id`` from the same map.
    def _model_specific_key(self, name):
        key = name.removesuffix("_ids").removesuffix("_id") if name.endswith(("_id", "_ids")) else name
        names = self.__dict__.get("SPECIAL_TOKENS_ATTRIBUTES", ())
        return key if key in names and key not in SPECIAL_TOKENS_ATTRIBUTES else None

    def __getattr__(self, name):
        key = self._model_specific_key(name)
        if key is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name}")
        value = self._special_tokens_map.get(key)
        if value is None:
            return None
        return str(value) if key == name else self.convert_tokens_to_ids(str(value))

    def __setattr__(self, name, value):
        key = self._model_specific_key(name)
        if key is None:
            return super().__setattr__(name, value)
        if key != name and value is not None:
            value = self.convert_ids_to_tokens(value)
        self._special_tokens_map[key] = _check_token(key, value)

    def _set_model_specific_special_tokens(self, special_tokens):
        """Register named special tokens beyond the seven (before the special tokens are added)."""
        self.SPECIAL_TOKENS_ATTRIBUTES = self.SPECIAL_TOKENS_ATTRIBUTES + list(special_tokens)
        for key, value in special_tokens.items():
            self._special_tokens_map[key] = _check_token(key, value)

    @property
    def extra_special_tokens(self):
        """The special tokens without a name (the language tags first for ``lang_codes="mustc"``), as strs."""
        return [str(t) for t in self._extra_special_tokens]

    @extra_special_tokens.setter
    def extra_special_tokens(self, value):
        if value is not None and not isinstance(value, (list, tuple)):
            raise InvalidInputError(f"extra_special_tokens must be a list or tuple, got {type(value).__name__}")
        self._extra_special_tokens = [] if value is None else list(value)

    @property
    def extra_special_tokens_ids(self):
        return self.convert_tokens_to_ids(self.extra_special_tokens)

    @extra_special_tokens_ids.setter
    def extra_special_tokens_ids(self, value):
        if isinstance(value, (list, tuple)):
            value = [self.convert_ids_to_tokens(v) for v in value]
        self.extra_special_tokens = value

    @property
    def special_tokens_map(self):
        """The named special tokens that are set, name -> str (extra tokens not included, as in 5.23)."""
        return {k: str(v) for k in self.SPECIAL_TOKENS_ATTRIBUTES if (v := self._special_tokens_map.get(k)) is not None}

    @property
    def all_special_tokens(self):
        """Named special tokens then extra ones, unique, in the reference's order."""
        seen = []
        for token in list(self.special_tokens_map.values()) + self.extra_special_tokens:
            if token not in seen:
                seen.append(token)
        return seen

    @property
    def all_special_ids(self):
        return self.convert_tokens_to_ids(self.all_special_tokens)

    @property
    def added_tokens_decoder(self):
        """Added tokens, id -> AddedToken, sorted by id."""
        return dict(sorted(self._added_tokens_decoder.items()))

    @added_tokens_decoder.setter
    def added_tokens_decoder(self, value):
        """Register id -> token entries. As in the reference, the text is split on them only after the
        next add_tokens / add_special_tokens (the setter does not update the trie)."""
        for index, token in value.items():
            if not isinstance(token, (str, AddedToken)) or not isinstance(index, int):
                raise InvalidInputError(
                    f"The provided `added_tokens_decoder` has an element of type {index.__class__, token.__class__}, "
                    "should be a dict of int -> AddedToken | str"
                )
            self._added_tokens_decoder[index] = AddedToken(token) if isinstance(token, str) else token
            self._added_tokens_encoder[str(token)] = index

    @property
    def added_tokens_encoder(self):
        """Added tokens, text -> id, sorted by id."""
        return {t.content: i for i, t in sorted(self._added_tokens_decoder.items())}

    def get_added_vocab(self):
        return dict(self._added_tokens_encoder)

    def add_special_tokens(self, special_tokens_dict, replace_extra_special_tokens=True):
        """Set named special tokens and extra ones, adding those not yet in the vocabulary; returns how many.

        Keys: the seven names and ``extra_special_tokens`` (``additional_special_tokens`` is read as
        it). ``replace_extra_special_tokens=True`` replaces the extra list (the old tokens stay added
        tokens, no longer special); False extends it with the tokens not already in it.
        """
        if not special_tokens_dict:
            return 0
        special_tokens_dict = dict(special_tokens_dict)
        if "additional_special_tokens" in special_tokens_dict and not special_tokens_dict.get("extra_special_tokens"):
            special_tokens_dict["extra_special_tokens"] = special_tokens_dict.pop("additional_special_tokens")
        allowed_keys = set(self.SPECIAL_TOKENS_ATTRIBUTES) | {"extra_special_tokens"}
        tokens_to_add = []
        for key, value in special_tokens_dict.items():
            if key not in allowed_keys:
                raise InvalidInputError(f"Key {key} is not a valid special token. Valid keys are: {allowed_keys}")
            if key == "extra_special_tokens":
                if not isinstance(value, (list, tuple)) or not all(isinstance(t, (str, AddedToken)) for t in value):
                    raise InvalidInputError(f"Tokens {value} for key {key} should all be str or AddedToken instances")
                new_tokens = [
                    AddedToken(t, special=True, normalized=False) if isinstance(t, str) else t
                    for t in value
                    if replace_extra_special_tokens or str(t) not in self.extra_special_tokens
                ]
                if replace_extra_special_tokens and new_tokens:
                    self._extra_special_tokens = list(new_tokens)
                else:
                    self._extra_special_tokens.extend(new_tokens)
                tokens_to_add.extend(new_tokens)
            else:
                if not isinstance(value, (str, AddedToken)):
                    raise InvalidInputError(f"Token {value} for key {key} should be a str or an AddedToken instance")
                if isinstance(value, str):
                    value = AddedToken(value, special=True, normalized=False)
                self._special_tokens_map[key] = value
                tokens_to_add.append(value)
        return self.add_tokens(tokens_to_add, special_tokens=True)

    def add_tokens(self, new_tokens, special_tokens=False):
        """Add tokens (a str, an AddedToken or a list of them) matched whole; returns how many got new ids."""
        if not new_tokens:
            return 0
        if not isinstance(new_tokens, (list, tuple)):
            new_tokens = [new_tokens]
        return self._add_tokens(new_tokens, special_tokens=special_tokens)

    def _add_tokens(self, new_tokens, special_tokens=False):
        """The reference's PythonBackend._add_tokens, step for step."""
        added = 0
        current_vocab = dict(self.get_vocab())
        new_idx = len(current_vocab)
        for token in new_tokens:
            if not isinstance(token, (str, AddedToken)):
                raise InvalidInputError(f"Token {token} is not a string but a {type(token)}.")
            if str(token) == "":
                continue
            if isinstance(token, str):
                if token in self._added_tokens_encoder:
                    continue
                is_special = token in self.all_special_tokens or special_tokens
                token = AddedToken(token, special=is_special, normalized=not is_special)
            elif special_tokens:
                token.special = True  # normalized is kept, as the reference's __setstate__ does
            if not token.special and token.normalized and getattr(self, "do_lower_case", False):
                token.content = token.content.lower()
            if token.content not in current_vocab:
                index = new_idx + added
                current_vocab[token.content] = index
                added += 1
            else:
                index = current_vocab[token.content]
            if token.special and str(token) not in self.all_special_tokens:
                self._extra_special_tokens.append(token)
            self._added_tokens_decoder[index] = token
            self._added_tokens_encoder[token.content] = index
        self._tokens_changed()
        return added
