"""HF-compatible facades: Speech2TextEncoder, Speech2TextModel, Speech2TextForConditionalGeneration.

Thin classes that hold a config and a params dict and call the stage functions (encoder.py,
decoder.py); no math lives here. `Cls(config)` without params draws random weights by
transformers' init rule (weights.init_params, `seed=` an int or a np.random.Generator);
`save_pretrained(directory)` writes config.json and model.safetensors under that class's keys as
transformers' `save_pretrained` does, plus generation_config.json when `generation_config` is set
(transformers always writes one, derived from the config when it has none; without the file
both libraries derive the same defaults from config.json), and
`transformers.<Cls>.from_pretrained` reads it back.

Arguments and output field names follow transformers' `forward` (input_features, attention_mask,
decoder_input_ids, decoder_attention_mask, encoder_outputs, past_key_values, use_cache,
output_attentions, output_hidden_states, labels), with NumPy arrays in and out. `past_key_values`
is the plain cache of decoder.py (a list of per-layer dicts), not a transformers Cache object.

For search code, Speech2TextForConditionalGeneration also exposes the decoding step:

    enc, enc_mask = model.encode(input_features, attention_mask)     # [B, T', D], [B, T'] or None
    cache = model.init_cache(enc)                                     # cross K/V of every layer
    logits, cache = model.decode_step(ids_new, enc_mask, cache)       # [B, L_new, V]
    cache = model.reorder_cache(cache, beam_idx)
"""

import dataclasses
from pathlib import Path

import numpy as np

from ..decoder import decoder_forward, init_cache, lm_logits, reorder_cache, shift_tokens_right
from ..encoder import encode, subsampled_mask
from ..errors import InvalidInputError
from ..nn import cross_entropy
from ..weights import compute_dtype, init_params
from .checkpoint import load_params, save_params
from .configuration import Speech2TextConfig, write_config, write_json
from .generation_config import GENERATION_CONFIG_FILE, GenerationConfig
from .outputs import BaseModelOutput, Seq2SeqLMOutput, Seq2SeqModelOutput
from .pretrained import resolve_model_dir


# ---- facades -----------------------------------------------------------------------------------
class _Pretrained:
    _with_lm_head = False
    _encoder_only = False
    _architecture = None  # the transformers class name, written to config.json by save_pretrained

    def __init__(self, config, params=None, dtype=np.float32, name_or_path=None, *, seed=None):
        self.config = config
        self.dtype = compute_dtype(dtype)
        if params is None:  # random weights, transformers' init rule
            params = init_params(config, seed, self.dtype, self._with_lm_head, self._encoder_only)
        elif seed is not None:
            raise InvalidInputError("seed= draws random weights; it cannot be combined with params")
        self.params = params
        self.name_or_path = name_or_path  # the directory from_pretrained read (generation_config.json lives there)

    @classmethod
    def from_pretrained(cls, model_dir, dtype=np.float32, **hub_options):
        """Load config.json and the weights of a model directory, "demo" or a hub id.

        `hub_options` (revision=, cache_dir=, local_files_only=, token=) apply to hub ids (docs/usage.md).
        """
        model_dir = resolve_model_dir(model_dir, needs=("weights",), **hub_options)
        config = Speech2TextConfig.from_pretrained(model_dir)
        params = load_params(model_dir, config, dtype, with_lm_head=cls._with_lm_head, encoder_only=cls._encoder_only)
        return cls(config, params, dtype, name_or_path=str(Path(model_dir)))

    def save_pretrained(self, save_directory):
        """Write config.json, model.safetensors and (when set) generation_config.json, as transformers does."""
        path = Path(save_directory)
        write_config(self.config, path, architectures=[self._architecture], dtype=np.dtype(self.dtype).name)
        save_params(path, self.params, self.config, self._architecture)
        generation_config = getattr(self, "generation_config", None)
        if generation_config is not None:  # transformers writes only the fields that are set
            values = {k: v for k, v in generation_config.to_dict().items() if v is not None}
            write_json({**values, **dict(generation_config.unsupported)}, path / GENERATION_CONFIG_FILE)

    def _features(self, input_features, attention_mask):
        attention_mask = check_features(input_features, attention_mask, self.config)
        return input_features.astype(self.dtype, copy=False), attention_mask


class Speech2TextEncoder(_Pretrained):
    """The encoder alone (HF Speech2TextEncoder): features -> BaseModelOutput."""

    _encoder_only = True
    _architecture = "Speech2TextEncoder"

    def __call__(self, input_features, attention_mask=None, output_attentions=False, output_hidden_states=False):
        features, attention_mask = self._features(input_features, attention_mask)
        out = encode(
            features,
            attention_mask,
            **self.params["encoder"],
            cfg=self.config,
            output_hidden_states=output_hidden_states,
            output_attentions=output_attentions,
        )
        return BaseModelOutput(out["last_hidden_state"], out["hidden_states"], out["attentions"])


class Speech2TextModel(_Pretrained):
    """Encoder-decoder without LM head (HF Speech2TextModel): last_hidden_state is the decoder output."""

    _architecture = "Speech2TextModel"

    @property
    def encoder(self):
        return Speech2TextEncoder(self.config, self.params, self.dtype, self.name_or_path)

    def get_encoder(self):
        return self.encoder

    def _run(
        self,
        input_features,
        attention_mask,
        decoder_input_ids,
        decoder_attention_mask,
        encoder_outputs,
        past_key_values,
        use_cache,
        output_attentions,
        output_hidden_states,
    ):
        cfg = self.config
        if encoder_outputs is None:
            if input_features is None:
                raise InvalidInputError("pass input_features or encoder_outputs")
            encoder_outputs = self.encoder(input_features, attention_mask, output_attentions, output_hidden_states)
        elif not isinstance(encoder_outputs, BaseModelOutput):
            if isinstance(encoder_outputs, np.ndarray):
                encoder_outputs = (encoder_outputs,)
            encoder_outputs = BaseModelOutput(*encoder_outputs[:3])
        enc = encoder_outputs.last_hidden_state
        if not isinstance(enc, np.ndarray) or enc.ndim != 3 or enc.shape[-1] != cfg.d_model:
            raise InvalidInputError(
                f"encoder_outputs[0] must be an array [batch, frames, d_model={cfg.d_model}], got "
                f"{getattr(enc, 'shape', type(enc).__name__)}"
            )
        enc_mask = None
        if attention_mask is not None:
            attention_mask = np.asarray(attention_mask)
            if attention_mask.ndim != 2 or attention_mask.shape[0] != enc.shape[0]:
                raise InvalidInputError(
                    f"attention_mask must be the frame mask [batch={enc.shape[0]}, frames] of the "
                    f"input features, got shape {attention_mask.shape}"
                )
            enc_mask = subsampled_mask(attention_mask, enc.shape[1], cfg.num_conv_layers)  # [B, T']
        if decoder_input_ids is None:
            raise InvalidInputError("pass decoder_input_ids (or labels, from which they are derived)")
        check_decoder_ids(decoder_input_ids, cfg, batch=enc.shape[0])
        if past_key_values is not None and (
            not isinstance(past_key_values, list) or len(past_key_values) != cfg.decoder_layers
        ):
            raise InvalidInputError(
                f"past_key_values must be the s2t_np cache: a list of {cfg.decoder_layers} per-layer "
                "dicts (as returned with use_cache=True)"
            )
        if decoder_attention_mask is not None:
            decoder_attention_mask = np.asarray(decoder_attention_mask)
        dec = decoder_forward(
            decoder_input_ids,
            enc.astype(self.dtype, copy=False),
            enc_mask,
            past_key_values,
            **self.params["decoder"],
            cfg=cfg,
            decoder_attention_mask=decoder_attention_mask,
            output_hidden_states=output_hidden_states,
            output_attentions=output_attentions,
        )
        use_cache = cfg.use_cache if use_cache is None else use_cache
        return Seq2SeqModelOutput(
            last_hidden_state=dec.last_hidden_state,
            past_key_values=dec.cache if use_cache else None,
            decoder_hidden_states=dec.hidden_states,
            decoder_attentions=dec.attentions,
            cross_attentions=dec.cross_attentions,
            encoder_last_hidden_state=enc,
            encoder_hidden_states=encoder_outputs.hidden_states,
            encoder_attentions=encoder_outputs.attentions,
        )

    def __call__(
        self,
        input_features=None,
        attention_mask=None,
        decoder_input_ids=None,
        decoder_attention_mask=None,
        encoder_outputs=None,
        past_key_values=None,
        use_cache=None,
        output_attentions=False,
        output_hidden_states=False,
    ):
        return self._run(
            input_features,
            attention_mask,
            decoder_input_ids,
            decoder_attention_mask,
            encoder_outputs,
            past_key_values,
            use_cache,
            output_attentions,
            output_hidden_states,
        )


class Speech2TextForConditionalGeneration(Speech2TextModel):
    """Speech2TextModel + LM head (HF Speech2TextForConditionalGeneration): logits, loss, decoding step."""

    _with_lm_head = True
    _architecture = "Speech2TextForConditionalGeneration"
    # Default generation settings (a GenerationConfig), read once by from_pretrained like
    # transformers' `model.generation_config`; None: generate() derives them from self.config.
    generation_config = None

    @classmethod
    def from_pretrained(cls, model_dir, dtype=np.float32, **hub_options):
        """Load the model, and its generation defaults (generation_config.json, else config.json's keys)."""
        model = super().from_pretrained(model_dir, dtype, **hub_options)
        model.generation_config = GenerationConfig.from_pretrained(model.name_or_path)
        return model

    @property
    def model(self):
        return Speech2TextModel(self.config, self.params, self.dtype, self.name_or_path)

    def __call__(
        self,
        input_features=None,
        attention_mask=None,
        decoder_input_ids=None,
        decoder_attention_mask=None,
        encoder_outputs=None,
        past_key_values=None,
        use_cache=None,
        output_attentions=False,
        output_hidden_states=False,
        labels=None,
    ):
        cfg = self.config
        if labels is not None:
            labels = np.asarray(labels)
            if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
                raise InvalidInputError(
                    f"labels must be an integer array [batch, tokens], got {labels.dtype} {labels.shape}"
                )
            bad = (labels != -100) & ((labels < 0) | (labels >= cfg.vocab_size))
            if bad.any():
                raise InvalidInputError(
                    f"labels must be ids in [0, {cfg.vocab_size}) or -100 (ignored); found "
                    f"{labels[bad][0]} at {tuple(int(i) for i in np.argwhere(bad)[0])}"
                )
            if decoder_input_ids is None:
                decoder_input_ids = shift_tokens_right(labels, cfg.pad_token_id, cfg.decoder_start_token_id)
            elif np.shape(decoder_input_ids) != labels.shape:
                raise InvalidInputError(
                    f"labels {labels.shape} and decoder_input_ids {np.shape(decoder_input_ids)} "
                    "must have the same shape (one label per decoder position)"
                )
        out = self._run(
            input_features,
            attention_mask,
            decoder_input_ids,
            decoder_attention_mask,
            encoder_outputs,
            past_key_values,
            use_cache,
            output_attentions,
            output_hidden_states,
        )
        logits = lm_logits(out.last_hidden_state, **self.params["lm_head"])  # [B, L, V]
        loss = None
        if labels is not None:
            loss = cross_entropy(logits.reshape(-1, cfg.vocab_size), labels.reshape(-1))
        rest = {f.name: getattr(out, f.name) for f in dataclasses.fields(out) if f.name != "last_hidden_state"}
        return Seq2SeqLMOutput(loss=loss, logits=logits, **rest)  # same arrays, no copies

    # ---- the decoding step for search code (generation.py) ----------------------------------
    def encode(self, input_features, attention_mask=None):
        """Encoder output [B, T', D] and the subsampled frame mask [B, T'] (None without attention_mask)."""
        features, attention_mask = self._features(input_features, attention_mask)
        out = encode(features, attention_mask, **self.params["encoder"], cfg=self.config)
        return out["last_hidden_state"], out["attention_mask"]

    def init_cache(self, encoder_hidden_states):
        """A fresh decoder cache: empty self K/V, cross K/V of every layer (decoder.init_cache)."""
        return init_cache(
            encoder_hidden_states, self.params["decoder"]["layers"], n_heads=self.config.decoder_attention_heads
        )

    def decode_step(self, input_ids, encoder_attention_mask, cache, decoder_attention_mask=None):
        """Logits [B, L, V] of the new ids [B, L] and the grown cache; the encoder is read from the cache."""
        dec = decoder_forward(
            input_ids,
            None,
            encoder_attention_mask,
            cache,
            **self.params["decoder"],
            cfg=self.config,
            decoder_attention_mask=decoder_attention_mask,
        )
        return lm_logits(dec.last_hidden_state, **self.params["lm_head"]), dec.cache

    @staticmethod
    def reorder_cache(cache, beam_idx):
        """Select batch rows of the whole cache (decoder.reorder_cache)."""
        return reorder_cache(cache, beam_idx)

    def generate(self, input_features, attention_mask=None, **kwargs):
        """Greedy or beam search (s2t_np/hf/generation.py)."""
        from .generation import generate

        return generate(self, input_features, attention_mask=attention_mask, **kwargs)


# ---- argument checks at the boundary (the stage functions trust their inputs) ----------------
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
