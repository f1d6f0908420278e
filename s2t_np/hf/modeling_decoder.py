"""The decoder facade: `Speech2TextDecoder` (HF Speech2TextDecoder, what `model.get_decoder()`
returns) and `Embedding` (its `embed_tokens`, what `model.get_input_embeddings()` returns).

Both work on the params tree of the model they come from (no copies). The decoder facade checks
its arguments (s2t_np/hf/model_inputs.py) and calls `decoder_forward` (s2t_np/decoder.py); the
Speech2TextModel facade (s2t_np/hf/modeling.py) runs its decoder through it.
"""

import numpy as np

from ..decoder import cache_length, decoder_forward
from ..errors import InvalidInputError
from ..weights import compute_dtype
from .model_inputs import check_cache_position, check_decoder_ids, check_decoder_inputs, forward_options
from .outputs import BaseModelOutputWithPastAndCrossAttentions


class Embedding:
    """`get_input_embeddings()` / `decoder.embed_tokens`: `.weight` [V, D]; `embedding(ids)` -> weight[ids]."""

    def __init__(self, weight, config):
        self.weight = weight
        self.config = config
        self.num_embeddings, self.embedding_dim = weight.shape  # nn.Embedding's attributes
        self.padding_idx = config.pad_token_id

    def __call__(self, input_ids):
        check_decoder_ids(input_ids, self.config, "input_ids")
        return self.weight[input_ids]  # [B, L, D]


class Speech2TextDecoder:
    """The decoder alone (HF Speech2TextDecoder, what `model.get_decoder()` returns), over the model's params.

    `decoder(input_ids | inputs_embeds, attention_mask, encoder_hidden_states, encoder_attention_mask,
    past_key_values, use_cache, ...)` -> BaseModelOutputWithPastAndCrossAttentions. As in
    transformers, `attention_mask` is the decoder mask [B, T_past + L] and `encoder_attention_mask`
    the mask of the encoder output's frames [B, T'] (already subsampled). The encoder output is read
    from `past_key_values` when given (its cross K/V), else from `encoder_hidden_states`; with
    neither, the layers skip cross-attention (a language model over the ids), as in transformers.
    """

    def __init__(self, config, params, dtype=np.float32):
        self.config = config
        self.params = params
        self.dtype = compute_dtype(dtype)

    @property
    def embed_tokens(self):
        return Embedding(self.params["decoder"]["embed_tokens"]["weight"], self.config)

    def __call__(
        self,
        input_ids=None,
        attention_mask=None,
        encoder_hidden_states=None,
        encoder_attention_mask=None,
        past_key_values=None,
        inputs_embeds=None,
        use_cache=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
        cache_position=None,
        **kwargs,
    ):
        cfg = self.config
        return_dict, output_attentions, output_hidden_states = forward_options(
            cfg, return_dict, output_attentions, output_hidden_states, **kwargs
        )
        batch = frames = None
        if past_key_values is not None:
            keys = {"self_k", "self_v", "cross_k", "cross_v"}
            if (
                not isinstance(past_key_values, list)
                or len(past_key_values) != cfg.decoder_layers
                or not all(isinstance(layer, dict) and layer.keys() == keys for layer in past_key_values)
            ):
                raise InvalidInputError(
                    f"past_key_values must be the s2t_np cache: a list of {cfg.decoder_layers} per-layer "
                    f"dicts with keys {sorted(keys)} (as returned with use_cache=True)"
                )
            batch, cross = past_key_values[0]["self_k"].shape[0], past_key_values[0]["cross_k"]
            if cross is None and encoder_hidden_states is not None:
                raise InvalidInputError(
                    "past_key_values were built without encoder_hidden_states (no cross-attention K/V); "
                    "start a new cache to attend to an encoder output"
                )
            frames = None if cross is None else cross.shape[2]
        elif encoder_hidden_states is not None:
            if not isinstance(encoder_hidden_states, np.ndarray) or encoder_hidden_states.ndim != 3:
                raise InvalidInputError(
                    f"encoder_hidden_states must be an array [batch, frames, d_model={cfg.d_model}], got "
                    f"{getattr(encoder_hidden_states, 'shape', type(encoder_hidden_states).__name__)}"
                )
            if encoder_hidden_states.shape[-1] != cfg.d_model:
                raise InvalidInputError(
                    f"encoder_hidden_states has width {encoder_hidden_states.shape[-1]}, expected d_model={cfg.d_model}"
                )
            batch, frames = encoder_hidden_states.shape[:2]
            encoder_hidden_states = encoder_hidden_states.astype(self.dtype, copy=False)
        check_decoder_inputs(input_ids, inputs_embeds, cfg, batch, ids_name="input_ids")
        batch, length = (input_ids if input_ids is not None else inputs_embeds).shape[:2]
        check_cache_position(cache_position, cache_length(past_key_values), length)
        if encoder_attention_mask is not None:
            encoder_attention_mask = np.asarray(encoder_attention_mask)
            if frames is None:
                raise InvalidInputError("encoder_attention_mask was given without encoder_hidden_states")
            if encoder_attention_mask.shape != (batch, frames):
                raise InvalidInputError(
                    f"encoder_attention_mask must be [batch, encoder frames] = {(batch, frames)}, "
                    f"got {encoder_attention_mask.shape}"
                )
        if attention_mask is not None:
            attention_mask = np.asarray(attention_mask)
        dec = decoder_forward(
            input_ids,
            encoder_hidden_states,
            encoder_attention_mask,
            past_key_values,
            **self.params["decoder"],
            cfg=cfg,
            decoder_attention_mask=attention_mask,
            output_hidden_states=output_hidden_states,
            output_attentions=output_attentions,
            inputs_embeds=inputs_embeds,
        )
        use_cache = cfg.use_cache if use_cache is None else use_cache
        out = BaseModelOutputWithPastAndCrossAttentions(
            last_hidden_state=dec.last_hidden_state,
            past_key_values=dec.cache if use_cache else None,
            hidden_states=dec.hidden_states,
            attentions=dec.attentions,
            cross_attentions=dec.cross_attentions,
        )
        return out if return_dict else out.to_tuple()

    forward = __call__  # transformers' name of the same call
