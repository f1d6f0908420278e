"""Generation settings and how their defaults are resolved, as transformers 5.23 does it.

Resolution (`resolve_generation_config`), highest priority first:
  1. keyword arguments of `generate(...)` (an explicit None sets the field to None, as in transformers);
  2. a `generation_config=` object passed to `generate`;
  3. the model's default generation config (`model_generation_config`), loaded like
     `GenerationMixin.adjust_generation_fn`: `generation_config.json` if the model directory has one,
     used alone -- the generation keys legacy checkpoints keep in `config.json` (the released S2T
     models: num_beams 5, max_length 200, early_stopping true) are then ignored, even where the
     two files disagree or generation_config.json lacks the key; only when generation_config.json
     is missing are the generation keys of `config.json` read (`GenerationConfig.from_model_config`);
  4. library defaults (`LIBRARY_DEFAULTS`, transformers' `_get_default_generation_params`).
`plan_generation` (s2t_np/hf/generation_plan.py) then validates the merged settings and finalizes
special tokens and lengths into the `GenerationPlan` the search receives. The decoder start token is
the whole decoder prompt (prompt length 1): `max_length` and `min_length` count it,
`max_new_tokens` and `min_new_tokens` do not.

Keys transformers knows but s2t_np does not implement (assisted decoding, constraints, ...) are
accepted in files and arguments only at their neutral value (None or transformers' default,
e.g. num_beam_groups=1, suppress_tokens=null); any other value raises UnsupportedOptionError
at generate time instead of being ignored. Torch-only performance knobs that cannot change the
output (cache_implementation, compile_config, ...) are ignored.
"""

import dataclasses
from dataclasses import dataclass, field

from ..checks import read_json
from ..errors import ConfigError, GenerationError, UnsupportedOptionError
from .pretrained import resolve_model_dir

PROMPT_LENGTH = 1  # the decoder prompt is the decoder start token

GENERATION_CONFIG_FILE = "generation_config.json"
MODEL_CONFIG_FILE = "config.json"

# transformers' `GenerationConfig._get_default_generation_params()` restricted to the supported keys
LIBRARY_DEFAULTS = {
    "max_length": 20,
    "min_length": 0,
    "use_cache": True,
    "early_stopping": False,
    "num_beams": 1,
    "repetition_penalty": 1.0,
    "length_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "bad_words_ids": None,
    "num_return_sequences": 1,
    "output_scores": False,
    "return_dict_in_generate": False,
    "forced_bos_token_id": None,
    "forced_eos_token_id": None,
    "do_sample": False,
    "temperature": 1.0,
    "top_k": 50,
    "top_p": 1.0,
    "typical_p": 1.0,
    "epsilon_cutoff": 0.0,
    "eta_cutoff": 0.0,
    "remove_invalid_values": False,
}

# transformers GenerationConfig keys s2t_np does not implement -> their neutral (no-op) value.
# None is always neutral. A key listed with None has no neutral value besides None.
UNSUPPORTED_NEUTRAL = {
    "top_h": None,
    "encoder_repetition_penalty": 1.0,
    "encoder_no_repeat_ngram_size": 0,
    "exponential_decay_length_penalty": None,
    "suppress_tokens": None,
    "begin_suppress_tokens": None,
    "sequence_bias": None,
    "token_healing": False,
    "guidance_scale": None,
    "watermarking_config": None,
    "max_time": None,
    "stop_strings": None,
    "num_beam_groups": 1,
    "diversity_penalty": 0.0,
    "penalty_alpha": None,
    "dola_layers": None,
    "constraints": None,
    "force_words_ids": None,
    "low_memory": None,
    "use_mtp": None,
    "is_assistant": False,
    "prompt_lookup_num_tokens": None,
    "assistant_early_exit": None,
    "assistant_ensemble_weight": None,
    "speculation_type": None,
}
# transformers keys that only tune torch execution or assisted decoding: no effect on our output
IGNORED_KEYS = frozenset(
    """
    cache_implementation cache_config max_cache_len compile_config disable_compile
    prefill_chunk_size continuous_batching_config num_assistant_tokens num_assistant_tokens_schedule
    assistant_confidence_threshold assistant_lookbehind target_lookbehind max_matching_ngram_size
    transformers_version _from_model_config _commit_hash
    """.split()
)


@dataclass(frozen=True)
class GenerationConfig:
    """Generation settings; None means "not set at this level" (see module docstring for resolution).

    Fields mirror transformers' GenerationConfig attributes of the same name:
    max_length counts the decoder start token; max_new_tokens / min_new_tokens count generated
    tokens only; early_stopping is True, False or "never"; eos_token_id is an int or a list of
    ints; bad_words_ids a list of token-id lists. `unsupported` holds (key, value) pairs of
    transformers options set to a non-neutral value that s2t_np cannot honour (raised at generate).
    """

    max_length: int | None = None
    max_new_tokens: int | None = None
    min_length: int | None = None
    min_new_tokens: int | None = None
    num_beams: int | None = None
    length_penalty: float | None = None
    early_stopping: bool | str | None = None
    num_return_sequences: int | None = None
    bos_token_id: int | None = None
    decoder_start_token_id: int | None = None
    eos_token_id: int | list | None = None
    pad_token_id: int | None = None
    forced_bos_token_id: int | None = None
    forced_eos_token_id: int | list | None = None
    no_repeat_ngram_size: int | None = None
    repetition_penalty: float | None = None
    bad_words_ids: list | None = None
    use_cache: bool | None = None
    return_dict_in_generate: bool | None = None
    output_scores: bool | None = None
    output_logits: bool | None = None
    output_attentions: bool | None = None
    output_hidden_states: bool | None = None
    do_sample: bool | None = None
    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    typical_p: float | None = None
    epsilon_cutoff: float | None = None
    eta_cutoff: float | None = None
    remove_invalid_values: bool | None = None
    renormalize_logits: bool | None = None
    unsupported: tuple = field(default=(), repr=False)

    @classmethod
    def from_dict(cls, values, *, from_model_config=False):
        """Build from a JSON dict (generation_config.json, or config.json when `from_model_config`).

        Like transformers, keys unknown to GenerationConfig are kept (and ignored) for
        generation_config.json, dropped for config.json.
        """
        known = {f.name for f in dataclasses.fields(cls)} - {"unsupported"}
        kwargs, unsupported = {}, []
        for key, value in values.items():
            if key in known:
                kwargs[key] = value
            elif key in UNSUPPORTED_NEUTRAL and not _is_neutral(key, value):
                unsupported.append((key, value))
        if from_model_config:
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            # transformers: any output_* flag set to True switches return_dict_in_generate on
            flags = ("output_scores", "output_logits", "output_attentions", "output_hidden_states")
            if any(kwargs.get(f) for f in flags) and not kwargs.get("return_dict_in_generate"):
                kwargs["return_dict_in_generate"] = True
        return cls(**kwargs, unsupported=tuple(unsupported))

    @classmethod
    def from_pretrained(cls, model_dir, **hub_options):
        """The default generation config of a model directory or hub id (transformers `adjust_generation_fn`)."""
        model_dir = resolve_model_dir(model_dir, needs=(), **hub_options)
        gen_file = model_dir / GENERATION_CONFIG_FILE
        if gen_file.is_file():
            return cls.from_dict(read_json(gen_file, "generation config"))
        config_file = model_dir / MODEL_CONFIG_FILE
        if config_file.is_file():
            return cls.from_dict(read_json(config_file, "model config"), from_model_config=True)
        raise ConfigError(f"{model_dir} has neither {GENERATION_CONFIG_FILE} nor {MODEL_CONFIG_FILE}")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "unsupported"}


def _is_neutral(key, value):
    neutral = UNSUPPORTED_NEUTRAL[key]
    return value is None or (neutral is not None and value == neutral)


def split_generate_kwargs(kwargs):
    """Split `generate(**kwargs)` into supported generation options; raise on anything else.

    Unknown keywords raise GenerationError (transformers: ValueError "model_kwargs are not used");
    known transformers options we do not implement raise UnsupportedOptionError unless neutral.
    """
    known = {f.name for f in dataclasses.fields(GenerationConfig)} - {"unsupported"}
    options, unknown = {}, []
    for key, value in kwargs.items():
        if key in known:
            options[key] = value
        elif key in UNSUPPORTED_NEUTRAL:
            if not _is_neutral(key, value):
                raise UnsupportedOptionError(
                    f"generate() option {key}={value!r} is not implemented by s2t_np (supported: {sorted(known)})"
                )
        elif key in IGNORED_KEYS:
            continue
        else:
            unknown.append(key)
    if unknown:
        raise GenerationError(
            f"The following `model_kwargs` are not used by the model: {unknown} (note: typos in the generate "
            f"arguments will also show up in this list). Supported generation options: {sorted(known)}"
        )
    return options


def resolve_generation_config(model_config, generation_config=None, **kwargs):
    """Merge the levels: kwargs > `generation_config` > `model_config` > LIBRARY_DEFAULTS.

    Mirrors `GenerationMixin._prepare_generation_config`: fields still None after the explicit
    config are filled from the model default, then from the library defaults; kwargs override last
    (including explicit None). Returns (resolved GenerationConfig, has_default_max_length,
    has_default_min_length), the two flags as `generate` computes them before merging.
    """
    options = split_generate_kwargs(kwargs)
    base = generation_config if generation_config is not None else GenerationConfig()
    if not isinstance(base, GenerationConfig):
        raise GenerationError(f"generation_config must be an s2t_np GenerationConfig, got {type(base).__name__}")
    has_default_max_length = (
        options.get("max_length") is None and base.max_length is None and model_config.max_length is None
    )
    has_default_min_length = (
        options.get("min_length") is None and base.min_length is None and model_config.min_length is None
    )
    merged = base.to_dict()
    for key, value in model_config.to_dict().items():
        if merged[key] is None:
            merged[key] = value
    for key, value in LIBRARY_DEFAULTS.items():
        if merged[key] is None:
            merged[key] = value
    merged.update(options)
    unsupported = tuple(dict(model_config.unsupported + base.unsupported).items())
    return GenerationConfig(**merged, unsupported=unsupported), has_default_max_length, has_default_min_length


def model_generation_config(model):
    """The model's default GenerationConfig (transformers' `model.generation_config`).

    `model.generation_config`, which `from_pretrained` reads from the model directory
    (generation_config.json, else the generation keys of config.json); for a model built in memory
    without one, derived from its config (special token ids and the generation keys kept from
    config.json), as transformers' `GenerationConfig.from_model_config`.
    """
    config = getattr(model, "generation_config", None)
    if config is not None:
        if not isinstance(config, GenerationConfig):
            raise GenerationError(
                f"model.generation_config must be an s2t_np GenerationConfig, got {type(config).__name__}"
            )
        return config
    return GenerationConfig.from_dict(model.config.to_dict(), from_model_config=True)
