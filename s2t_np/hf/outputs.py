"""Output classes of the facades, with transformers' field names and access rules.

An output behaves like transformers' `ModelOutput` (transformers/utils/generic.py), an ordered
mapping of the fields that are not None, in field order:

    out.logits  (None when unset)      out["logits"]  (KeyError when unset)      "logits" in out
    out[0], out[1:]  over to_tuple()   len(out), iter(out) -> keys, keys() / values() / items() / get()

`to_tuple()` is what transformers returns for `return_dict=False`. Setting a field (`out.x = v` or
`out["x"] = v`) updates the mapping; deleting keys and `pop` / `update` / `setdefault` raise, as in
transformers. Arrays are NumPy; `past_key_values` is the plain cache of s2t_np/decoder.py (a list
of per-layer dicts) where transformers has its `EncoderDecoderCache`, at the same position.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass
class ModelOutput:
    """Base of the output dataclasses: the mapping / tuple view of the fields that are not None."""

    def keys(self):
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is not None]

    def values(self):
        return [getattr(self, k) for k in self.keys()]

    def items(self):
        return [(k, getattr(self, k)) for k in self.keys()]

    def to_tuple(self):
        return tuple(self.values())

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(key)
            return getattr(self, key)
        return self.to_tuple()[key]

    def __setitem__(self, key, value):
        if key not in {f.name for f in dataclasses.fields(self)}:
            raise KeyError(f"{type(self).__name__} has no field {key!r}")
        setattr(self, key, value)

    def __contains__(self, key):
        return key in self.keys()

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def _immutable(self, *args, **kwargs):
        raise TypeError(f"You cannot use ``{type(self).__name__}`` as a mutable mapping: set its fields instead.")

    __delitem__ = pop = update = setdefault = _immutable

    __hash__ = None  # a mapping, as in transformers (dataclass eq compares the fields)


@dataclasses.dataclass
class BaseModelOutput(ModelOutput):
    last_hidden_state: np.ndarray = None
    hidden_states: tuple = None
    attentions: tuple = None


@dataclasses.dataclass
class BaseModelOutputWithPastAndCrossAttentions(ModelOutput):
    """What transformers' Speech2TextDecoder returns (the decoder facade of `model.get_decoder()`)."""

    last_hidden_state: np.ndarray = None
    past_key_values: list = None
    hidden_states: tuple = None
    attentions: tuple = None
    cross_attentions: tuple = None


@dataclasses.dataclass
class Seq2SeqModelOutput(ModelOutput):
    last_hidden_state: np.ndarray = None
    past_key_values: list = None
    decoder_hidden_states: tuple = None
    decoder_attentions: tuple = None
    cross_attentions: tuple = None
    encoder_last_hidden_state: np.ndarray = None
    encoder_hidden_states: tuple = None
    encoder_attentions: tuple = None


@dataclasses.dataclass
class Seq2SeqLMOutput(ModelOutput):
    loss: np.floating = None
    logits: np.ndarray = None
    past_key_values: list = None
    decoder_hidden_states: tuple = None
    decoder_attentions: tuple = None
    cross_attentions: tuple = None
    encoder_last_hidden_state: np.ndarray = None
    encoder_hidden_states: tuple = None
    encoder_attentions: tuple = None
