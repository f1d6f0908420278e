"""Padding, truncation and the output dict of the transformers-compatible tokenizer.

Transcribes what transformers' ``PreTrainedTokenizerBase`` (src/transformers/tokenization_utils_base.py)
does around the Speech2Text rule: resolving ``padding`` / ``truncation`` / ``max_length`` into
strategies (``_get_padding_truncation_strategies``), cutting a sequence to ``max_length``
(``truncate_sequences``), padding one encoding (``_pad``), and `BatchEncoding`'s conversion of lists
to NumPy arrays. Nothing here knows about SentencePiece.
"""

import numpy as np

from ..errors import InvalidInputError, TokenizerError, UnsupportedOptionError

VERY_LARGE_INTEGER = int(1e30)  # the reference's model_max_length when none is configured
LARGE_INTEGER = int(1e20)


class BatchEncoding(dict):
    """The tokenizer's output: a dict (``input_ids``, ``attention_mask``, ...) with attribute access."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def to_py(ids):
    """numpy arrays / numpy ints / nested lists -> plain Python ints and lists."""
    if isinstance(ids, np.ndarray):
        return ids.tolist()
    if isinstance(ids, np.integer):
        return int(ids)
    if isinstance(ids, (list, tuple)):
        return [to_py(i) for i in ids]
    if hasattr(ids, "tolist"):  # torch tensors and the like, without importing them
        return ids.tolist()
    return ids


def as_array(value):
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


def strategies(padding, truncation, max_length, model_max_length):
    """The reference's _get_padding_truncation_strategies, as (padding, truncation, max_length)."""
    if max_length is not None and padding is False and truncation is None:
        truncation = "longest_first"
    padding = {True: "longest", False: "do_not_pad"}.get(padding, padding)
    if padding not in ("longest", "max_length", "do_not_pad"):
        raise InvalidInputError(
            f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}"
        )
    truncation = {True: "longest_first", False: "do_not_truncate", None: "do_not_truncate"}.get(truncation, truncation)
    if truncation not in ("longest_first", "only_first", "only_second", "do_not_truncate"):
        raise InvalidInputError(f"unknown truncation strategy {truncation!r}")
    if max_length is None:
        if padding == "max_length":
            if model_max_length > LARGE_INTEGER:
                padding = "do_not_pad"
            else:
                max_length = model_max_length
        if truncation != "do_not_truncate":
            if model_max_length > LARGE_INTEGER:
                truncation = "do_not_truncate"
            else:
                max_length = model_max_length
    return padding, truncation, max_length


def truncate(ids, pair_ids, n_remove, strategy, side):
    """Drop ``n_remove`` ids from the ``side`` ("right" or "left") of ``ids``; pairs are not truncated."""
    if n_remove <= 0 or strategy == "do_not_truncate":
        return ids, pair_ids
    if pair_ids is not None and strategy != "only_first":
        raise UnsupportedOptionError("truncating text pairs is not supported; Speech2Text encodes single texts")
    if side == "left":
        return ids[n_remove:], pair_ids
    return ids[:-n_remove], pair_ids


def pad_one(encoded, max_length, padding, pad_to_multiple_of, side, return_attention_mask, pad_token_id):
    """Pad one encoding (a dict of lists) in place on ``side``: input_ids with pad_token_id, attention_mask
    with 0, special_tokens_mask with 1; adds the attention mask when asked."""
    ids = encoded["input_ids"]
    if padding == "longest":
        max_length = len(ids)
    if max_length is not None and pad_to_multiple_of is not None and max_length % pad_to_multiple_of:
        max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
    if return_attention_mask and "attention_mask" not in encoded:
        encoded["attention_mask"] = [1] * len(ids)
    difference = (max_length - len(ids)) if (padding != "do_not_pad" and max_length is not None) else 0
    if difference > 0:
        if pad_token_id is None:
            raise TokenizerError("padding needs a pad_token")
        fill = {"input_ids": pad_token_id, "attention_mask": 0, "special_tokens_mask": 1}
        for key, value in fill.items():
            if key in encoded:
                pad = [value] * difference
                encoded[key] = encoded[key] + pad if side == "right" else pad + encoded[key]
    return encoded


def pad_batch(
    rows,
    max_length,
    padding,
    pad_to_multiple_of,
    side,
    return_attention_mask,
    pad_token_id,
    return_tensors,
    keys_if_empty,
):
    """Pad encodings (dicts of lists) to a common length and gather them into one BatchEncoding of lists
    (NumPy arrays with ``return_tensors="np"``); an empty batch gives empty ``keys_if_empty`` lists."""
    if padding == "longest" and rows:
        max_length, padding = max(len(r["input_ids"]) for r in rows), "max_length"
    rows = [
        pad_one(r, max_length, padding, pad_to_multiple_of, side, return_attention_mask, pad_token_id) for r in rows
    ]
    out = {k: [r[k] for r in rows] for k in (rows[0] if rows else keys_if_empty)}
    return BatchEncoding({k: as_array(v) for k, v in out.items()} if return_tensors == "np" else out)
