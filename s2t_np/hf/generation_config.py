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
`plan_generation` then finalizes and validates the merged settings into a `GenerationPlan`, the
only thing the search receives: special tokens as `_prepare_special_tokens` (decoder_start_token_id
falls back to bos_token_id, eos_token_id becomes a tuple, pad_token_id falls back to the first eos),
lengths as `_prepare_generated_length` (max_length = max_new_tokens + 1 if given, else max_length,
else the library default 20 + 1, which counts new tokens; min_new_tokens likewise), and the checks
transformers makes, with its messages (as GenerationError / UnsupportedOptionError, both ValueError).
The decoder start token is the whole decoder prompt (prompt length 1): `max_length` and
`min_length` count it, `max_new_tokens` and `min_new_tokens` do not.

Keys transformers knows but s2t_np does not implement (sampling, assisted decoding, ...) are
accepted in files and arguments only at their neutral value (None or transformers' default,
e.g. do_sample=false, output_attentions=false); any other value raises UnsupportedOptionError
at generate time instead of being ignored. Torch-only performance knobs that cannot change the
output (cache_implementation, compile_config, ...) are ignored.
"""

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..checks import is_int, read_json
from ..errors import ConfigError, GenerationError, UnsupportedOptionError
from ..logits_process import check_bad_words_ids
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
}

# transformers GenerationConfig keys s2t_np does not implement -> their neutral (no-op) value.
# None is always neutral. A key listed with None has no neutral value besides None.
UNSUPPORTED_NEUTRAL = {
    "do_sample": False,
    "temperature": 1.0,
    "top_k": 50,
    "top_p": 1.0,
    "min_p": None,
    "top_h": None,
    "typical_p": 1.0,
    "epsilon_cutoff": 0.0,
    "eta_cutoff": 0.0,
    "encoder_repetition_penalty": 1.0,
    "encoder_no_repeat_ngram_size": 0,
    "renormalize_logits": False,
    "remove_invalid_values": False,
    "exponential_decay_length_penalty": None,
    "suppress_tokens": None,
    "begin_suppress_tokens": None,
    "sequence_bias": None,
    "token_healing": False,
    "guidance_scale": None,
    "watermarking_config": None,
    "max_time": None,
    "stop_strings": None,
    "output_attentions": False,
    "output_hidden_states": False,
    "output_logits": False,
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
            if kwargs.get("output_scores") and not kwargs.get("return_dict_in_generate"):
                kwargs["return_dict_in_generate"] = True
        return cls(**kwargs, unsupported=tuple(unsupported))

    @classmethod
    def from_pretrained(cls, model_dir):
        """The default generation config of a model directory (transformers `adjust_generation_fn`)."""
        model_dir = resolve_model_dir(model_dir)
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
    cfg = model.config
    values = {k: getattr(cfg, k) for k in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id")}
    values.update(getattr(cfg, "generation_defaults", {}))
    return GenerationConfig.from_dict(values, from_model_config=True)


@dataclass(frozen=True)
class GenerationPlan:
    """Fully resolved, validated generation settings (what the search functions receive)."""

    num_beams: int
    num_return_sequences: int
    max_length: int
    min_length: int
    min_new_tokens: int | None
    length_penalty: float
    early_stopping: object
    decoder_start_token_id: object  # int, or a tuple with one id per utterance
    eos_token_ids: tuple | None
    pad_token_id: int | None
    forced_bos_token_id: int | None
    forced_eos_token_id: object
    no_repeat_ngram_size: int
    repetition_penalty: float
    bad_words_ids: tuple | None
    use_cache: bool
    return_dict_in_generate: bool
    output_scores: bool


def plan_generation(model_config, *, vocab_size, batch_size, generation_config=None, **kwargs):
    """Steps 1, 2 and 4 of `generate`: resolve and validate the options. Returns a GenerationPlan."""
    g, default_max, default_min = resolve_generation_config(model_config, generation_config, **kwargs)
    if g.unsupported:
        raise UnsupportedOptionError(
            "the generation config sets options s2t_np does not implement: "
            + ", ".join(f"{k}={v!r}" for k, v in g.unsupported)
        )
    for name in ("max_length", "max_new_tokens", "min_length", "min_new_tokens", "no_repeat_ngram_size"):
        value = getattr(g, name)
        # non-numbers (e.g. "3") make transformers fail later with a raw TypeError; numbers that are not
        # whole get transformers' own messages below
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))):
            raise GenerationError(f"`{name}` must be an integer, got {value!r} ({type(value).__name__})")
    # GenerationConfig.validate
    if g.early_stopping not in {None, True, False, "never"}:
        raise GenerationError(f"`early_stopping` must be a boolean or 'never', but is {g.early_stopping}.")
    if g.max_new_tokens is not None and g.max_new_tokens <= 0:
        raise GenerationError(f"`max_new_tokens` must be greater than 0, but is {g.max_new_tokens}.")
    num_beams = _positive_int("num_beams", g.num_beams)
    n_ret = _positive_int("num_return_sequences", g.num_return_sequences)
    if n_ret > 1 and num_beams == 1:
        raise GenerationError(
            "Greedy methods (do_sample != True) without beam search do not support "
            f"`num_return_sequences` different than 1 (got {n_ret})."
        )
    if n_ret > num_beams:
        raise GenerationError(
            f"`num_return_sequences` ({n_ret}) has to be smaller or equal to `num_beams` ({num_beams})."
        )

    # _prepare_special_tokens
    start = g.decoder_start_token_id if g.decoder_start_token_id is not None else g.bos_token_id
    if start is None:
        raise GenerationError(
            "`decoder_start_token_id` or `bos_token_id` has to be defined for encoder-decoder generation."
        )
    if not is_int(start):
        start = tuple(int(i) for i in start)
        if len(start) != batch_size:
            raise GenerationError(f"`decoder_start_token_id` expected to have length {batch_size} but got {len(start)}")
    eos = None if g.eos_token_id is None else _id_tuple("eos_token_id", g.eos_token_id)
    pad = g.pad_token_id if g.pad_token_id is not None else (eos[0] if eos else None)

    # _prepare_generated_length and _validate_generated_length
    max_length, min_length = g.max_length, g.min_length
    if g.max_new_tokens is not None:
        max_length = g.max_new_tokens + PROMPT_LENGTH
    elif default_max:
        max_length = max_length + PROMPT_LENGTH
        warnings.warn(
            f"Using the model-agnostic default `max_length` (={max_length}) to control the generation length. "
            "We recommend setting `max_new_tokens` to control the maximum length of the generation.",
            UserWarning,
            stacklevel=3,
        )
    if g.min_new_tokens is not None:
        min_length = g.min_new_tokens + PROMPT_LENGTH
    if not is_int(max_length):
        raise GenerationError(f"`max_length` must be an integer, got {max_length!r}")
    if PROMPT_LENGTH >= max_length:
        raise GenerationError(
            f"Input length of decoder_input_ids is {PROMPT_LENGTH}, but `max_length` is set to {max_length}. "
            "This can lead to unexpected behavior. You should consider increasing `max_length` or, better yet, "
            "setting `max_new_tokens`."
        )
    if min_length is not None and min_length > max_length:
        warnings.warn(
            f"Unfeasible length constraints: `min_length` ({min_length}) is larger than the maximum possible "
            f"length ({max_length}). Generation will stop at the defined maximum length.",
            UserWarning,
            stacklevel=3,
        )

    # arguments the logits processors check when they are built
    if g.length_penalty is None or isinstance(g.length_penalty, bool) or not isinstance(g.length_penalty, (int, float)):
        raise GenerationError(f"`length_penalty` must be a number, got {g.length_penalty!r}")
    if g.repetition_penalty is not None and g.repetition_penalty != 1.0:
        if not isinstance(g.repetition_penalty, float) or not g.repetition_penalty > 0:
            raise GenerationError(f"`penalty` has to be a strictly positive float, but is {g.repetition_penalty}")
    if g.no_repeat_ngram_size is not None and g.no_repeat_ngram_size > 0 and not is_int(g.no_repeat_ngram_size):
        raise GenerationError(f"`ngram_size` has to be a strictly positive integer, but is {g.no_repeat_ngram_size}")
    if eos is not None and min_length is not None and min_length > 0 and not is_int(min_length):
        raise GenerationError(f"`min_length` has to be a non-negative integer, but is {min_length}")
    if eos is not None and g.min_new_tokens is not None and g.min_new_tokens > 0 and not is_int(g.min_new_tokens):
        raise GenerationError(f"`min_new_tokens` has to be a positive integer, but is {g.min_new_tokens}")
    forced_eos = g.forced_eos_token_id
    if forced_eos is not None:
        forced_eos = _id_tuple("forced_eos_token_id", forced_eos)
        if any(i < 0 for i in forced_eos):
            raise GenerationError(
                f"`eos_token_id` has to be a list of positive integers, but is {g.forced_eos_token_id}"
            )
    _check_ids_in_vocab(
        {
            "forced_bos_token_id": g.forced_bos_token_id,
            "forced_eos_token_id": forced_eos,
            "decoder_start_token_id": start,
        },
        vocab_size,
    )
    bad_words = None if g.bad_words_ids is None else check_bad_words_ids(g.bad_words_ids, eos, vocab_size)

    return GenerationPlan(
        num_beams=int(num_beams),
        num_return_sequences=int(n_ret),
        max_length=int(max_length),
        min_length=min_length,
        min_new_tokens=g.min_new_tokens,
        length_penalty=g.length_penalty,
        early_stopping=g.early_stopping,
        decoder_start_token_id=start,
        eos_token_ids=eos,
        pad_token_id=pad,
        forced_bos_token_id=g.forced_bos_token_id,
        forced_eos_token_id=forced_eos,
        no_repeat_ngram_size=g.no_repeat_ngram_size,
        repetition_penalty=g.repetition_penalty,
        bad_words_ids=bad_words,
        use_cache=bool(g.use_cache),
        return_dict_in_generate=bool(g.return_dict_in_generate),
        output_scores=bool(g.output_scores),
    )


def _positive_int(name, value):
    if not is_int(value) or value < 1:
        raise GenerationError(f"`{name}` must be a positive integer, got {value!r}")
    return int(value)


def _id_tuple(name, ids):
    if is_int(ids):
        return (int(ids),)
    try:
        out = tuple(int(i) for i in ids)
    except (TypeError, ValueError):
        raise GenerationError(f"`{name}` must be a token id or a list of token ids, got {ids!r}") from None
    if not out:
        raise GenerationError(f"`{name}` must not be empty")
    return out


def _check_ids_in_vocab(named_ids, vocab_size):
    for name, ids in named_ids.items():
        if ids is None:
            continue
        for i in (ids,) if is_int(ids) else ids:
            if not 0 <= int(i) < vocab_size:
                raise GenerationError(f"`{name}` = {ids} is outside the vocabulary [0, {vocab_size})")
