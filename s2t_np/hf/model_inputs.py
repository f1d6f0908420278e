"""Argument checks of the model facades (s2t_np/hf/modeling.py), at the boundary: the stage functions
trust their inputs.

Besides the arrays (features, ids, embeddings), transformers 5.23's Speech2Text `forward` takes
`**kwargs: Unpack[TransformersKwargs]` (transformers/utils/generic.py) and reads `return_dict`,
`output_attentions` and `output_hidden_states` from them, falling back to the config
(`capture_outputs`, transformers/utils/output_capturing.py). `forward_options` resolves those
three the same way and sorts every other keyword into:

  * ignored, because transformers' Speech2Text ignores it too: `num_items_in_batch` (its loss is
    a plain mean over the labels that are not -100), `output_router_logits` (no router), and
    `cache_position` once checked against the cache (`check_cache_position`; nothing reads it);
  * refused with UnsupportedOptionError when set, because s2t_np cannot honour the value:
    head masks (transformers 5.23 no longer applies them), `position_ids` (positions come from the
    ids), `is_causal=False`, flash-attention packing (`cu_seq_lens_*`, `max_length_*`, `seq_idx`),
    and `output_hidden_states` given as layer indices;
  * anything else: UnsupportedOptionError naming it (transformers silently drops unknown keywords;
    a misspelt option here is an error, not a result without it).
"""

import numpy as np

from ..errors import InvalidInputError, UnsupportedOptionError

IGNORED_OPTIONS = ("num_items_in_batch", "output_router_logits")
UNSUPPORTED_WHEN_SET = (
    "head_mask",
    "decoder_head_mask",
    "cross_attn_head_mask",
    "position_ids",
    "decoder_position_ids",
    "cu_seq_lens_q",
    "cu_seq_lens_k",
    "max_length_q",
    "max_length_k",
    "seq_idx",
)


def forward_options(cfg, return_dict=None, output_attentions=None, output_hidden_states=None, **kwargs):
    """(return_dict, output_attentions, output_hidden_states): each given value, else the config's
    (`config_value`; `return_dict` True, the others False when the config has no such field); other
    keywords as in the module docstring."""
    for name, value in kwargs.items():
        if name in IGNORED_OPTIONS:
            continue
        if name == "is_causal":
            if value is None or value is True:
                continue
            raise UnsupportedOptionError("is_causal=False (a bidirectional decoder) is not implemented by s2t_np")
        if name in UNSUPPORTED_WHEN_SET:
            if value is None:
                continue
            raise UnsupportedOptionError(
                f"{name} is not supported by s2t_np (transformers 5.23's Speech2Text does not apply it either); "
                "pass None or leave it out"
            )
        raise UnsupportedOptionError(f"forward() got an unexpected keyword argument {name!r}")
    return_dict = config_value(cfg, "return_dict", True) if return_dict is None else return_dict
    if output_attentions is None:
        output_attentions = config_value(cfg, "output_attentions", False)
    if output_hidden_states is None:
        output_hidden_states = config_value(cfg, "output_hidden_states", False)
    for name, value in (
        ("return_dict", return_dict),
        ("output_attentions", output_attentions),
        ("output_hidden_states", output_hidden_states),
    ):
        if not isinstance(value, (bool, np.bool_)):
            raise UnsupportedOptionError(
                f"{name} must be True, False or None, got {value!r}"
                + (" (selecting hidden states by layer index is not implemented)" if "hidden" in name else "")
            )
    return bool(return_dict), bool(output_attentions), bool(output_hidden_states)


def config_value(cfg, name, default):
    """A common PretrainedConfig field: the config's attribute, else its config.json key kept in `extra`."""
    if hasattr(cfg, name):
        return getattr(cfg, name)
    return getattr(cfg, "extra", {}).get(name, default)


def check_cache_position(cache_position, past_len, length):
    """`cache_position` must be past_len + arange(length), the positions of the new tokens in the cache."""
    if cache_position is None:
        return
    expected = np.arange(past_len, past_len + length)
    given = np.asarray(cache_position)
    if given.shape != expected.shape or not np.issubdtype(given.dtype, np.integer) or (given != expected).any():
        raise InvalidInputError(
            f"cache_position must be the positions of the {length} new tokens after the {past_len} cached ones, "
            f"i.e. arange({past_len}, {past_len + length}); got {given.tolist()}"
        )


def check_features(input_features, attention_mask, cfg):
    """Validate encoder inputs; raises InvalidInputError with the expected shapes."""
    if not isinstance(input_features, np.ndarray):
        raise InvalidInputError(f"input_features must be a NumPy array, got {type(input_features).__name__}")
    if input_features.ndim != 3:
        raise InvalidInputError(
            f"input_features must have rank 3 [batch, frames, {cfg.input_dim}], got shape {input_features.shape}"
        )
    if input_features.shape[-1] != cfg.input_dim:
        raise InvalidInputError(
            f"input_features has {input_features.shape[-1]} features per frame; this model "
            f"expects input_feat_per_channel * input_channels = {cfg.input_dim}"
        )
    if input_features.shape[0] == 0 or input_features.shape[1] == 0:
        raise InvalidInputError(f"input_features is empty: shape {input_features.shape}")
    if not np.issubdtype(input_features.dtype, np.floating):
        raise InvalidInputError(f"input_features must be floating point, got {input_features.dtype}")
    if attention_mask is not None:
        attention_mask = np.asarray(attention_mask)
        if attention_mask.shape != input_features.shape[:2]:
            raise InvalidInputError(
                f"attention_mask shape {attention_mask.shape} must be [batch, frames] = {input_features.shape[:2]}"
            )
        if (attention_mask.sum(axis=-1) <= 0).any():
            raise InvalidInputError("attention_mask has a row without any valid frame")
    return attention_mask


def check_decoder_ids(input_ids, cfg, name="decoder_input_ids", batch=None):
    """Validate decoder ids: integer [B, L] within [0, vocab_size), B = `batch` when given."""
    if not isinstance(input_ids, np.ndarray):
        raise InvalidInputError(f"{name} must be a NumPy integer array, got {type(input_ids).__name__}")
    if input_ids.ndim != 2 or input_ids.shape[1] == 0:
        raise InvalidInputError(f"{name} must have shape [batch, tokens] with tokens >= 1, got {input_ids.shape}")
    if not np.issubdtype(input_ids.dtype, np.integer):
        raise InvalidInputError(f"{name} must hold integer ids, got dtype {input_ids.dtype}")
    bad = (input_ids < 0) | (input_ids >= cfg.vocab_size)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            f"{name} has id {int(input_ids[where])} at {where}, outside the vocabulary [0, {cfg.vocab_size})"
        )
    if batch is not None and input_ids.shape[0] != batch:
        raise InvalidInputError(f"{name} has batch {input_ids.shape[0]} but the encoder input has batch {batch}")
    return input_ids


def check_decoder_inputs(input_ids, inputs_embeds, cfg, batch=None, ids_name="decoder_input_ids"):
    """Exactly one of ids [B, L] / embeddings [B, L, d_model] (floating point, finite shape), checked."""
    embeds_name = "decoder_inputs_embeds" if ids_name.startswith("decoder") else "inputs_embeds"
    if input_ids is not None and inputs_embeds is not None:
        raise InvalidInputError(f"You cannot specify both {ids_name} and {embeds_name} at the same time")
    if input_ids is None and inputs_embeds is None:
        raise InvalidInputError(f"pass {ids_name} or {embeds_name} (or labels, from which the ids are derived)")
    if input_ids is not None:
        check_decoder_ids(input_ids, cfg, ids_name, batch)
        return
    if not isinstance(inputs_embeds, np.ndarray) or not np.issubdtype(inputs_embeds.dtype, np.floating):
        raise InvalidInputError(
            f"{embeds_name} must be a floating-point NumPy array, got "
            f"{getattr(inputs_embeds, 'dtype', type(inputs_embeds).__name__)}"
        )
    if inputs_embeds.ndim != 3 or inputs_embeds.shape[1] == 0 or inputs_embeds.shape[2] != cfg.d_model:
        raise InvalidInputError(
            f"{embeds_name} must have shape [batch, tokens >= 1, d_model={cfg.d_model}], got {inputs_embeds.shape}"
        )
    if batch is not None and inputs_embeds.shape[0] != batch:
        raise InvalidInputError(
            f"{embeds_name} has batch {inputs_embeds.shape[0]} but the encoder input has batch {batch}"
        )
