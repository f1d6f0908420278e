"""ModelConfig: the model hyperparameters read from config.json (transformers' Speech2TextConfig).

A frozen dataclass with every field of `transformers.Speech2TextConfig` and the same defaults (the
s2t-small size: d_model 256, 12 encoder + 6 decoder layers, 4 heads, ffn 2048, vocab 10000).
Validated on construction; `from_json_file(path)` reads a config.json. The public
`s2t_np.Speech2TextConfig` (s2t_np/hf/configuration.py) adds transformers' `from_pretrained`.

Keys a config.json may carry besides the model fields are read, never rejected:
- generation keys that transformers-4 era checkpoints keep in config.json (`max_length`,
  `num_beams`, `early_stopping`, `length_penalty`, `no_repeat_ngram_size`, `forced_bos_token_id`,
  ...; the list is `GENERATION_KEYS`) go to `generation_defaults`, a plain dict. They are the
  model's generation defaults only when its directory has no generation_config.json, as in
  transformers (s2t_np/hf/generation_config.py resolves them);
- transformers' aliases (`hidden_size` = d_model, `num_attention_heads` = encoder_attention_heads,
  `num_hidden_layers` = encoder_layers) are mapped to the field they name;
- everything else (`architectures`, `model_type`, `dtype` / `torch_dtype`, `transformers_version`,
  `_name_or_path`, `output_hidden_states`, ...) is kept verbatim in `extra`.
`to_dict()` writes all three back, so `from_dict(c.to_dict()) == c`.
"""

import dataclasses
import math

import numpy as np

from .checks import is_int, read_json
from .errors import ConfigError

SUPPORTED_ACTIVATIONS = ("relu", "gelu", "gelu_new", "silu")

# Generation parameters that old checkpoints store in config.json (transformers GenerationConfig names).
GENERATION_KEYS = frozenset(
    {
        "max_length",
        "min_length",
        "max_new_tokens",
        "min_new_tokens",
        "num_beams",
        "num_beam_groups",
        "early_stopping",
        "length_penalty",
        "no_repeat_ngram_size",
        "encoder_no_repeat_ngram_size",
        "repetition_penalty",
        "bad_words_ids",
        "forced_bos_token_id",
        "forced_eos_token_id",
        "num_return_sequences",
        "do_sample",
        "temperature",
        "top_k",
        "top_p",
        "diversity_penalty",
        "remove_invalid_values",
        "suppress_tokens",
        "begin_suppress_tokens",
        "exponential_decay_length_penalty",
    }
)

# transformers' Speech2TextConfig.attribute_map: alias -> field
ALIASES = {
    "hidden_size": "d_model",
    "num_attention_heads": "encoder_attention_heads",
    "num_hidden_layers": "encoder_layers",
}


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of a Speech2Text model (field names and defaults of transformers' config).

    Each comment says what the field is and, after "released:", its value in the published
    checkpoints (small / medium / large where they differ: the s2t-*-librispeech-asr and
    s2t-*-mustc-* families).
    """

    vocab_size: int = 10000  # V, rows of embed_tokens and lm_head. released: 10000 LibriSpeech, per task for MuST-C
    encoder_layers: int = 12  # encoder Transformer layers. released: 12
    encoder_ffn_dim: int = 2048  # F, hidden size of the encoder feed-forward. released: 2048 / 2048 / 4096
    encoder_attention_heads: int = 4  # H of encoder self-attention. released: 4 / 8 / 16
    decoder_layers: int = 6  # decoder Transformer layers. released: 6
    decoder_ffn_dim: int = 2048  # hidden size of the decoder feed-forward. released: 2048 / 2048 / 4096
    decoder_attention_heads: int = 4  # H of decoder self- and cross-attention. released: 4 / 8 / 16
    encoder_layerdrop: float = 0.0  # training only: probability of skipping an encoder layer. released: 0.0
    decoder_layerdrop: float = 0.0  # training only: probability of skipping a decoder layer. released: 0.0
    use_cache: bool = True  # default of the facades' `use_cache` (return the decoder K/V cache). released: true
    is_encoder_decoder: bool = True  # transformers' marker for seq2seq models; always true here. released: true
    activation_function: str = "relu"  # feed-forward activation, one of SUPPORTED_ACTIVATIONS. released: relu
    d_model: int = 256  # D, the model width. released: 256 / 512 / 1024
    dropout: float = 0.1  # training only: residual dropout. released: 0.1 / 0.15 / 0.2
    attention_dropout: float = 0.0  # training only: dropout on attention weights. released: equal to dropout
    activation_dropout: float = 0.0  # training only: dropout after the activation. released: equal to dropout
    init_std: float = 0.02  # training only: std of the normal weight init (unused at inference). released: 0.02
    decoder_start_token_id: int = 2  # first decoder input (fairseq starts with eos). released: 2 (</s>)
    scale_embedding: bool = True  # multiply conv output and token embeddings by sqrt(D). released: true
    pad_token_id: int = 1  # id of <pad>, also the padding_idx of the sinusoidal positions. released: 1
    bos_token_id: int = 0  # id of <s>. released: 0
    eos_token_id: object = 2  # id of </s> (an int, a list of ints or None, as in transformers). released: 2
    max_source_positions: int = (
        6000  # transformers' encoder position table size; unused here (rows computed). released: 6000
    )
    max_target_positions: int = 1024  # transformers' decoder position table size; unused here. released: 1024
    num_conv_layers: int = 2  # stride-2 Conv1d + GLU layers (T' from subsampler.conv_output_lengths). released: 2
    conv_kernel_sizes: tuple = (5, 5)  # kernel size of each subsampler conv layer. released: (5, 5)
    conv_channels: int = (
        1024  # output channels of every conv layer but the last (2 * D); GLU halves them. released: 1024
    )
    input_feat_per_channel: int = 80  # mel bins per input frame. released: 80
    input_channels: int = 1  # input feature channels (the subsampler reads input_feat_per_channel * this). released: 1
    # lm_head.weight is decoder.embed_tokens.weight. released: true for the LibriSpeech models, false for the
    # MuST-C multilingual model (fairseq's share_decoder_input_output_embed; the other MuST-C models: see their config)
    tie_word_embeddings: bool = True
    # not model fields: see the module docstring
    generation_defaults: dict = dataclasses.field(default_factory=dict, compare=True)
    extra: dict = dataclasses.field(default_factory=dict, compare=True)

    __hash__ = None  # holds dicts

    def __post_init__(self):
        for f in dataclasses.fields(self):  # NumPy scalars -> Python numbers, so to_dict() stays JSON
            value = getattr(self, f.name)
            if isinstance(value, np.generic):
                object.__setattr__(self, f.name, value.item())
        kernels = (k.item() if isinstance(k, np.generic) else k for k in self.conv_kernel_sizes)
        object.__setattr__(self, "conv_kernel_sizes", tuple(kernels))
        object.__setattr__(self, "generation_defaults", dict(self.generation_defaults))
        object.__setattr__(self, "extra", dict(self.extra))
        self.validate()

    # ---- derived values --------------------------------------------------------------------
    @property
    def embed_scale(self):
        return math.sqrt(self.d_model) if self.scale_embedding else 1.0

    @property
    def input_dim(self):
        """Feature size per frame expected by the subsampler: input_feat_per_channel * input_channels."""
        return self.input_feat_per_channel * self.input_channels

    # ---- validation ------------------------------------------------------------------------
    def validate(self):
        def fail(msg):
            raise ConfigError(f"invalid Speech2TextConfig: {msg}")

        ints = (
            "vocab_size",
            "encoder_layers",
            "encoder_ffn_dim",
            "encoder_attention_heads",
            "decoder_layers",
            "decoder_ffn_dim",
            "decoder_attention_heads",
            "d_model",
            "max_source_positions",
            "max_target_positions",
            "num_conv_layers",
            "conv_channels",
            "input_feat_per_channel",
            "input_channels",
        )
        for name in ints:
            value = getattr(self, name)
            if not is_int(value):
                fail(f"{name} must be an int, got {value!r}")
            if value <= 0 and name not in ("encoder_layers", "decoder_layers"):
                fail(f"{name} must be positive, got {value}")
            if value < 0:
                fail(f"{name} must be >= 0, got {value}")
        if self.d_model < 4:
            fail(f"d_model must be >= 4 (the sinusoid frequencies divide by d_model // 2 - 1), got {self.d_model}")
        for side in ("encoder", "decoder"):
            heads = getattr(self, f"{side}_attention_heads")
            if self.d_model % heads:
                fail(f"d_model ({self.d_model}) must be divisible by {side}_attention_heads ({heads})")
        if len(self.conv_kernel_sizes) != self.num_conv_layers:
            fail(
                f"len(conv_kernel_sizes) = {len(self.conv_kernel_sizes)} must equal num_conv_layers = "
                f"{self.num_conv_layers}"
            )
        for k in self.conv_kernel_sizes:
            if not is_int(k) or k <= 0:
                fail(f"conv_kernel_sizes must be positive ints, got {list(self.conv_kernel_sizes)}")
        if self.num_conv_layers > 1 and self.conv_channels % 2:
            fail(f"conv_channels ({self.conv_channels}) must be even: GLU halves it between conv layers")
        if self.activation_function not in SUPPORTED_ACTIVATIONS:
            fail(
                f"activation_function {self.activation_function!r} is not supported; "
                f"use one of {', '.join(SUPPORTED_ACTIVATIONS)}"
            )
        for name in ("pad_token_id", "decoder_start_token_id"):
            value = getattr(self, name)
            if not is_int(value) or not 0 <= value < self.vocab_size:
                fail(f"{name} must be an id in [0, vocab_size={self.vocab_size}), got {value!r}")
        for name in ("encoder_layerdrop", "decoder_layerdrop", "dropout", "attention_dropout", "activation_dropout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                fail(f"{name} must be a probability in [0, 1], got {value!r}")

    # ---- (de)serialisation -----------------------------------------------------------------
    @classmethod
    def model_field_names(cls):
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in ("generation_defaults", "extra"))

    @classmethod
    def from_dict(cls, d):
        """Build from a config.json dict: model fields, aliases, generation keys and the rest (see module doc)."""
        return cls(**cls.split_dict(d))

    @classmethod
    def split_dict(cls, d):
        """A config.json dict -> the constructor's keywords: model fields, `generation_defaults`, `extra`."""
        if not isinstance(d, dict):
            raise ConfigError(f"a config must be a dict, got {type(d).__name__}")
        fields = set(cls.model_field_names())
        kwargs, generation, extra = {}, dict(d.get("generation_defaults", {})), dict(d.get("extra", {}))
        for key, value in d.items():
            if key in ("generation_defaults", "extra"):
                continue
            if key in fields:
                kwargs[key] = value
            elif key in GENERATION_KEYS:
                generation[key] = value
            elif key not in ALIASES:
                extra[key] = value
        for alias, field in ALIASES.items():
            if alias in d:
                if field in kwargs and kwargs[field] != d[alias]:
                    raise ConfigError(
                        f"config has {alias}={d[alias]!r} but {field}={kwargs[field]!r}; "
                        f"{alias} is transformers' alias of {field}, they must agree"
                    )
                kwargs[field] = d[alias]
        return {**kwargs, "generation_defaults": generation, "extra": extra}

    def to_dict(self):
        """A config.json-style dict: model fields, then generation keys and extra keys at top level."""
        out = {name: getattr(self, name) for name in self.model_field_names()}
        out["conv_kernel_sizes"] = list(self.conv_kernel_sizes)
        out.update(self.generation_defaults)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_json_file(cls, path):
        """Read a config.json file (its model_type must be speech_to_text)."""
        d = read_json(path, "model config")
        model_type = d.get("model_type", "speech_to_text")
        if model_type != "speech_to_text":
            raise ConfigError(f"{str(path)!r} has model_type {model_type!r}; s2t_np reads 'speech_to_text' models")
        return cls.from_dict(d)
