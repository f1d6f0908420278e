"""Speech2TextConfig: the model hyperparameters read from config.json (transformers' Speech2TextConfig).

A frozen dataclass with every field of `transformers.Speech2TextConfig` and the same defaults (the
s2t-small size: d_model 256, 12 encoder + 6 decoder layers, 4 heads, ffn 2048, vocab 10000).
Validated on construction; `from_pretrained(dir)` reads `dir/config.json`.

Keys a config.json may carry besides the model fields are read, never rejected:
- generation keys that transformers-4 era checkpoints keep in config.json (`max_length`,
  `num_beams`, `early_stopping`, `length_penalty`, `no_repeat_ngram_size`, `forced_bos_token_id`,
  ...; the list is `GENERATION_KEYS`) go to `generation_defaults`, a plain dict that the generation
  code uses as the lowest-priority defaults (below generation_config.json and call arguments);
- transformers' aliases (`hidden_size` = d_model, `num_attention_heads` = encoder_attention_heads,
  `num_hidden_layers` = encoder_layers) are mapped to the field they name;
- everything else (`architectures`, `model_type`, `dtype` / `torch_dtype`, `transformers_version`,
  `_name_or_path`, `output_hidden_states`, ...) is kept verbatim in `extra`.
`to_dict()` writes all three back, so `from_dict(c.to_dict()) == c`.
"""

import dataclasses
import math

from .errors import ConfigError, ModelNotFoundError
from .pretrained import read_json, resolve_model_dir

SUPPORTED_ACTIVATIONS = ("relu", "gelu", "gelu_new", "silu")

# Generation parameters that old checkpoints store in config.json (transformers GenerationConfig names).
GENERATION_KEYS = frozenset(
    {
        "max_length", "min_length", "max_new_tokens", "min_new_tokens", "num_beams", "num_beam_groups",
        "early_stopping", "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
        "repetition_penalty", "bad_words_ids", "forced_bos_token_id", "forced_eos_token_id",
        "num_return_sequences", "do_sample", "temperature", "top_k", "top_p", "diversity_penalty",
        "remove_invalid_values", "suppress_tokens", "begin_suppress_tokens", "exponential_decay_length_penalty",
    }
)

# transformers' Speech2TextConfig.attribute_map: alias -> field
ALIASES = {"hidden_size": "d_model", "num_attention_heads": "encoder_attention_heads", "num_hidden_layers": "encoder_layers"}


@dataclasses.dataclass(frozen=True)
class Speech2TextConfig:
    """Hyperparameters of a Speech2Text model (field names and defaults of transformers' config)."""

    vocab_size: int = 10000  # V: decoder vocabulary (embed_tokens / lm_head rows)
    encoder_layers: int = 12
    encoder_ffn_dim: int = 2048
    encoder_attention_heads: int = 4
    decoder_layers: int = 6
    decoder_ffn_dim: int = 2048
    decoder_attention_heads: int = 4
    encoder_layerdrop: float = 0.0  # training only (no effect at inference)
    decoder_layerdrop: float = 0.0  # training only
    use_cache: bool = True  # default for `use_cache` in the model's __call__
    is_encoder_decoder: bool = True
    activation_function: str = "relu"  # one of SUPPORTED_ACTIVATIONS
    d_model: int = 256  # D
    dropout: float = 0.1  # training only
    attention_dropout: float = 0.0  # training only
    activation_dropout: float = 0.0  # training only
    init_std: float = 0.02  # training only (weight init)
    decoder_start_token_id: int = 2
    scale_embedding: bool = True  # multiply conv output and token embeddings by sqrt(D)
    pad_token_id: int = 1  # also the padding_idx of the sinusoidal positions
    bos_token_id: int = 0
    eos_token_id: object = 2  # int, list of ints or None (as in transformers)
    max_source_positions: int = 6000  # initial size of the position table (it grows on demand)
    max_target_positions: int = 1024
    num_conv_layers: int = 2
    conv_kernel_sizes: tuple = (5, 5)
    conv_channels: int = 1024
    input_feat_per_channel: int = 80
    input_channels: int = 1
    tie_word_embeddings: bool = True  # lm_head.weight is model.decoder.embed_tokens.weight
    # not model fields: see the module docstring
    generation_defaults: dict = dataclasses.field(default_factory=dict, compare=True)
    extra: dict = dataclasses.field(default_factory=dict, compare=True)

    __hash__ = None  # holds dicts

    def __post_init__(self):
        object.__setattr__(self, "conv_kernel_sizes", tuple(self.conv_kernel_sizes))
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

        ints = ("vocab_size", "encoder_layers", "encoder_ffn_dim", "encoder_attention_heads", "decoder_layers",
                "decoder_ffn_dim", "decoder_attention_heads", "d_model", "max_source_positions",
                "max_target_positions", "num_conv_layers", "conv_channels", "input_feat_per_channel",
                "input_channels")
        for name in ints:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
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
            fail(f"len(conv_kernel_sizes) = {len(self.conv_kernel_sizes)} must equal num_conv_layers = "
                 f"{self.num_conv_layers}")
        for k in self.conv_kernel_sizes:
            if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
                fail(f"conv_kernel_sizes must be positive ints, got {list(self.conv_kernel_sizes)}")
        if self.num_conv_layers > 1 and self.conv_channels % 2:
            fail(f"conv_channels ({self.conv_channels}) must be even: GLU halves it between conv layers")
        if self.activation_function not in SUPPORTED_ACTIVATIONS:
            fail(f"activation_function {self.activation_function!r} is not supported; "
                 f"use one of {', '.join(SUPPORTED_ACTIVATIONS)}")
        for name in ("pad_token_id", "decoder_start_token_id"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < self.vocab_size:
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
                    raise ConfigError(f"config has {alias}={d[alias]!r} but {field}={kwargs[field]!r}; "
                                      f"{alias} is transformers' alias of {field}, they must agree")
                kwargs[field] = d[alias]
        return cls(**kwargs, generation_defaults=generation, extra=extra)

    def to_dict(self):
        """A config.json-style dict: model fields, then generation keys and extra keys at top level."""
        out = {name: getattr(self, name) for name in self.model_field_names()}
        out["conv_kernel_sizes"] = list(self.conv_kernel_sizes)
        out.update(self.generation_defaults)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_pretrained(cls, model_dir):
        """Read `model_dir/config.json` (a transformers-format model directory)."""
        path = resolve_model_dir(model_dir)  # "demo" / a local directory; hub ids get a download hint
        file = path / "config.json"
        if not file.is_file():
            raise ModelNotFoundError(f"{str(file)!r} not found: {str(path)!r} is not a transformers model directory")
        d = read_json(file, "model config")
        model_type = d.get("model_type", "speech_to_text")
        if model_type != "speech_to_text":
            raise ConfigError(f"{str(file)!r} has model_type {model_type!r}; s2t_np reads 'speech_to_text' models")
        return cls.from_dict(d)
