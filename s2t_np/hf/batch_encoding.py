"""Padding, truncation and the output dict of the transformers-compatible tokenizer.

Transcribes what transformers' ``PreTrainedTokenizerBase`` (src/transformers/tokenization_utils_base.py)
does around the Speech2Text rule: resolving ``padding`` / ``truncation`` / ``max_length`` into
strategies (``_get_padding_truncation_strategies``), cutting a sequence to ``max_length``
(``truncate_sequences``), padding one encoding (``_pad``), and `BatchEncoding`'s conversion of lists
to NumPy arrays. Nothing here knows about SentencePiece.
"""

import logging
import warnings

import numpy as np

from ..errors import InvalidInputError, TokenizerError, UnsupportedOptionError

logger = logging.getLogger(__name__)

VERY_LARGE_INTEGER = int(1e30)  # the reference's model_max_length when none is configured
LARGE_INTEGER = int(1e20)


class BatchEncoding(dict):
    """The tokenizer's output: a dict (``input_ids``, ``attention_mask``, ...) with attribute access.

    As transformers' slow-tokenizer BatchEncoding: ``enc["input_ids"]``, ``enc.input_ids``,
    ``enc.data`` (a plain dict), ``enc[1:3]`` (every key sliced), ``is_fast`` False, ``encodings`` None.
    """

    is_fast = False
    encodings = None

    def __getitem__(self, item):
        if isinstance(item, slice):
            return {key: value[item] for key, value in self.items()}
        if not isinstance(item, str):
            raise KeyError(
                "Invalid key. Only three types of key are available: "
                "(1) string, (2) integers for backend Encoding, and (3) slices for data subsetting."
            )
        return dict.__getitem__(self, item)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data(self):
        return dict(self)

    def __getstate__(self):
        return {"data": dict(self)}

    def __setstate__(self, state):
        self.update(state["data"])

    def convert_to_tensors(self, tensor_type=None, prepend_batch_axis=False):
        """Lists -> NumPy arrays in place (``tensor_type="np"``; None leaves them); returns self."""
        if tensor_type is None:
            return self
        if tensor_type != "np":
            raise UnsupportedOptionError(f'tensor_type={tensor_type!r}: s2t_np returns NumPy arrays ("np")')
        for key, value in self.items():
            self[key] = as_array([value] if prepend_batch_axis else value)
        return self


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
    per-row ``np.asarray`` arrays (an empty row among them is float64, as there), an empty list int64."""
    if isinstance(value, list) and value and isinstance(value[0], (list, tuple, np.ndarray)):
        if len({len(v) for v in value}) > 1:
            ragged = np.empty(len(value), dtype=object)
            for i, v in enumerate(value):
                ragged[i] = np.asarray(v)
            return ragged
    if isinstance(value, list) and not np.asarray(value, dtype=object).size:
        return np.asarray(value, dtype=np.int64)
    return np.asarray(value)


def strategies(
    padding,
    truncation,
    max_length,
    model_max_length,
    pad_to_multiple_of=None,
    verbose=True,
    pad_token_id=None,
):
    """The reference's _get_padding_truncation_strategies, as (padding, truncation, max_length).

    Warns (UserWarning) when ``max_length`` is ignored (``padding=True`` without truncation); raises
    when padding is asked without a pad token, and when both truncation and padding are active
    with a ``max_length`` that is not a multiple of ``pad_to_multiple_of`` (the reference's checks
    and messages).
    """
    if max_length is not None and padding is False and truncation is None:
        truncation = "longest_first"
    if padding is True and verbose and max_length is not None and truncation in (None, False, "do_not_truncate"):
        warnings.warn(
            "`max_length` is ignored when `padding`=`True` and there is no truncation strategy. "
            "To pad to max length, use `padding='max_length'`.",
            stacklevel=4,
        )
    if isinstance(padding, bool):
        padding = "longest" if padding else "do_not_pad"
    if padding not in ("longest", "max_length", "do_not_pad"):
        raise InvalidInputError(
            f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}"
        )
    if truncation is None or isinstance(truncation, bool):
        truncation = "longest_first" if truncation else "do_not_truncate"
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
    if padding != "do_not_pad" and (pad_token_id is None or pad_token_id < 0):
        raise TokenizerError(
            "Asking to pad but the tokenizer does not have a padding token. "
            "Please select a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` "
            "or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
        )
    if (
        truncation != "do_not_truncate"
        and padding != "do_not_pad"
        and pad_to_multiple_of is not None
        and max_length is not None
        and max_length % pad_to_multiple_of != 0
    ):
        raise InvalidInputError(
            "Truncation and padding are both activated but "
            f"truncation length ({max_length}) is not a multiple of pad_to_multiple_of ({pad_to_multiple_of})."
        )
    return padding, truncation, max_length


def truncate(ids, pair_ids, n_remove, strategy, side, stride=0):
    """The reference's truncate_sequences: (ids, pair_ids, overflowing ids) after removing ``n_remove`` ids.

    ``only_first`` (and ``longest_first`` for one sequence) cuts ``ids`` on ``side``; ``longest_first``
    on a pair first evens the two lengths, then cuts both alternately (and returns no overflow, with
    the reference's warning); ``only_second`` cuts ``pair_ids``. The overflow keeps ``stride`` ids
    of context from what is kept.
    """
    if n_remove <= 0 or strategy == "do_not_truncate":
        return ids, pair_ids, []
    overflowing = []
    if strategy == "only_first" or (strategy == "longest_first" and pair_ids is None):
        window = min(len(ids), stride + n_remove)
        if side == "left":
            overflowing, ids = ids[:window], ids[n_remove:]
        else:
            overflowing, ids = ids[-window:], ids[:-n_remove]
    elif strategy == "longest_first":
        logger.warning(
            "Be aware, overflowing tokens are not returned for the setting you have chosen,"
            " i.e. sequence pairs with the 'longest_first' "
            "truncation strategy. So the returned list will always be empty even if some "
            "tokens have been removed."
        )
        len_ids, len_pair = len(ids), len(pair_ids)
        first_remove = min(abs(len_pair - len_ids), n_remove)
        second_remove = n_remove - first_remove
        if len_ids > len_pair:
            ids_to_move = first_remove + second_remove // 2
            pair_to_move = second_remove - second_remove // 2
        else:
            ids_to_move = second_remove // 2
            pair_to_move = first_remove + second_remove - second_remove // 2
        if side == "right":
            ids = ids[:-ids_to_move] if ids_to_move > 0 else ids
            pair_ids = pair_ids[:-pair_to_move] if pair_ids and pair_to_move > 0 else pair_ids
        else:
            ids = ids[ids_to_move:]
            pair_ids = pair_ids[pair_to_move:] if pair_ids else None
    elif strategy == "only_second" and pair_ids:
        window = min(len(pair_ids), stride + n_remove)
        if side == "right":
            overflowing, pair_ids = pair_ids[-window:], pair_ids[:-n_remove]
        else:
            overflowing, pair_ids = pair_ids[:window], pair_ids[n_remove:]
    return ids, pair_ids, overflowing


def pad_one(encoded, max_length, padding, pad_to_multiple_of, side, return_attention_mask, pad_token_id):
    """Pad one encoding (a dict of lists) in place on ``side``: input_ids with pad_token_id, attention_mask (if asked)
    and token_type_ids with 0, special_tokens_mask with 1; adds the attention mask when asked."""
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
        fill = {"input_ids": pad_token_id, "attention_mask": 0, "token_type_ids": 0, "special_tokens_mask": 1}
        if not return_attention_mask:  # the reference leaves a given mask unpadded then
            del fill["attention_mask"]
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


def split_pair(item, is_split_into_words):
    """transformers' rule for one batch item: ("text", "pair") is a text pair, [x] is x.

    A list or tuple of two texts (or two word lists) is a pair; with is_split_into_words only a
    tuple is, a list being one pre-tokenized text. Ids, and word lists, pass through.
    """
    if not isinstance(item, (list, tuple)) or not item or isinstance(item[0], (int, np.integer)):
        return item, None
    texts = (str, list, tuple)
    if (
        len(item) == 2
        and (not is_split_into_words or isinstance(item, tuple))
        and all(isinstance(t, texts) for t in item)
    ):
        return item[0], item[1]
    if len(item) == 1:
        return item[0], None
    if not is_split_into_words:
        raise InvalidInputError(f"Expected a pair of sequences, got {len(item)} sequences.")
    return item, None
