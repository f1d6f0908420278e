"""Output classes of the facades, with transformers' field names and access rules.

`out.logits`, `out["logits"]`, and `out[i]` / `to_tuple()` over the fields that are not None, as
transformers' `ModelOutput`. Arrays are NumPy; `past_key_values` is the plain cache of
s2t_np/decoder.py (a list of per-layer dicts), not a transformers Cache object.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass
class ModelOutput:
    """Attribute access, `out["name"]`, and `out[i]` / `to_tuple()` over the fields that are not None."""

    def to_tuple(self):
        return tuple(v for v in (getattr(self, f.name) for f in dataclasses.fields(self)) if v is not None)

    def keys(self):
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is not None]

    def __getitem__(self, key):
        if isinstance(key, str):
            return getattr(self, key)
        return self.to_tuple()[key]


@dataclasses.dataclass
class BaseModelOutput(ModelOutput):
    last_hidden_state: np.ndarray = None
    hidden_states: tuple = None
    attentions: tuple = None


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
