"""Reading and writing a Speech2Text tokenizer directory, in both layouts of docs/numerics.md section 5.

What transformers' ``PreTrainedTokenizerBase.from_pretrained`` / ``save_pretrained``
(src/transformers/tokenization_utils_base.py) do for `Speech2TextTokenizer`:
  * transformers 5 layout: ``tokenizer_config.json`` holds every init argument and the
    ``added_tokens_decoder``; beside it ``vocab.json`` and ``sentencepiece.bpe.model``;
  * legacy (published checkpoints) layout: the special tokens in ``special_tokens_map.json`` and
    tokens added beyond vocab.json in ``added_tokens.json``.
Both are read; the transformers 5 layout is written.
"""

import copy
import json
import os
import shutil
from pathlib import Path

from ..checks import read_json
from ..errors import TokenizerError
from .added_tokens import AddedToken, as_added_token, token_str
from .pretrained import resolve_model_dir
from .special_tokens import SPECIAL_TOKENS_ATTRIBUTES

VOCAB_FILES_NAMES = {"vocab_file": "vocab.json", "spm_file": "sentencepiece.bpe.model"}
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ADDED_TOKENS_FILE = "added_tokens.json"

# Attributes the reference saves from the live object (not the init value) in save_pretrained.
_SAVED_ATTRIBUTES = {
    "bos_token",
    "eos_token",
    "unk_token",
    "pad_token",
    "do_upper_case",
    "do_lower_case",
    "tgt_lang",
    "lang_codes",
    "sp_model_kwargs",
    "model_max_length",
    "backend",
    "clean_up_tokenization_spaces",
    "split_special_tokens",
    "padding_side",
    "truncation_side",
    "model_input_names",
    "extra_special_tokens",
    "verbose",
}


def pretrained_init_kwargs(pretrained_model_name_or_path, kwargs, vocab_files_names=VOCAB_FILES_NAMES):
    """The keyword arguments that build the tokenizer of a directory (either layout); ``kwargs`` override."""
    directory = resolve_model_dir(pretrained_model_name_or_path)
    init_kwargs = {}
    config_file = directory / TOKENIZER_CONFIG_FILE
    if config_file.is_file():
        init_kwargs = read_json(config_file, "tokenizer config", error=TokenizerError)
        init_kwargs.pop("tokenizer_class", None)
        init_kwargs.pop("init_inputs", None)
    init_kwargs.update(kwargs)
    # the reference records these (saved back by save_pretrained, except name_or_path)
    init_kwargs.update(name_or_path=str(pretrained_model_name_or_path), is_local=True, local_files_only=False)
    if "additional_special_tokens" in init_kwargs and not init_kwargs.get("extra_special_tokens"):
        init_kwargs["extra_special_tokens"] = init_kwargs.pop("additional_special_tokens")

    if "added_tokens_decoder" not in init_kwargs:
        # Legacy (published) layout: special_tokens_map.json and added_tokens.json.
        special_map_file = directory / SPECIAL_TOKENS_MAP_FILE
        if special_map_file.is_file():
            for key, value in read_json(special_map_file, "special tokens map", error=TokenizerError).items():
                if key in kwargs and kwargs[key]:
                    continue
                if isinstance(value, dict) and key != "extra_special_tokens":
                    value = AddedToken(**{**{k: v for k, v in value.items() if k != "special"}, "special": True})
                elif key == "extra_special_tokens" and isinstance(value, list):
                    existing = list(init_kwargs.get("extra_special_tokens") or [])
                    for tok in value:
                        tok = as_added_token(tok) if isinstance(tok, dict) else tok
                        if tok not in existing:
                            existing.append(tok)
                    value = existing
                init_kwargs[key] = value
        added_file = directory / ADDED_TOKENS_FILE
        if added_file.is_file():
            specials = {token_str(init_kwargs[k]) for k in SPECIAL_TOKENS_ATTRIBUTES if init_kwargs.get(k)}
            specials.update(token_str(t) for t in (init_kwargs.get("extra_special_tokens") or []))
            init_kwargs["added_tokens_decoder"] = {
                int(index): AddedToken(content, special=content in specials)
                for content, index in read_json(added_file, "added tokens file", error=TokenizerError).items()
            }
    # Model-specific named special tokens (``*_token`` keys beyond the seven, or a dict of extra
    # tokens) travel as ``model_specific_special_tokens``, as in the reference's from_pretrained.
    model_specific = {
        key: init_kwargs.pop(key)
        for key in list(init_kwargs)
        if key not in SPECIAL_TOKENS_ATTRIBUTES and key.endswith("_token") and _is_token(init_kwargs[key])
    }
    if isinstance(init_kwargs.get("extra_special_tokens"), dict):
        model_specific.update(init_kwargs.pop("extra_special_tokens"))
    if model_specific:
        init_kwargs["model_specific_special_tokens"] = {
            **init_kwargs.get("model_specific_special_tokens", {}),
            **model_specific,
        }
    for name, filename in vocab_files_names.items():
        if name not in kwargs or kwargs[name] is None:
            init_kwargs[name] = directory / filename
    for name in ("vocab_file", "spm_file"):
        if not Path(init_kwargs[name]).is_file():
            raise TokenizerError(
                f"{directory} has no {Path(init_kwargs[name]).name}: a Speech2Text tokenizer "
                "needs vocab.json and sentencepiece.bpe.model"
            )
    return init_kwargs


def _is_token(value):
    """A str, an AddedToken, or an AddedToken as a config writes it."""
    return isinstance(value, (str, AddedToken)) or (isinstance(value, dict) and value.get("__type") == "AddedToken")


def recorded_init_kwargs(kwargs, **named):
    """The init arguments the reference's base class records, to be saved back by save_pretrained.

    ``kwargs`` are the extra keyword arguments (``added_tokens_decoder`` left out), ``named`` the
    tokenizer's named parameters. ``additional_special_tokens`` becomes ``extra_special_tokens``
    unless a config already gave those (then the config's list wins, even over the language tags).
    """
    base_kwargs = {k: v for k, v in kwargs.items() if k != "added_tokens_decoder"}
    base_kwargs.update(named)
    base_kwargs.setdefault("backend", "custom")
    if "extra_special_tokens" not in base_kwargs:
        base_kwargs["extra_special_tokens"] = base_kwargs.pop("additional_special_tokens")
    return base_kwargs


def _saved_added_tokens(obj):
    """AddedTokens anywhere in a config -> their dicts with ``"__type": "AddedToken"`` (convert_added_tokens)."""
    if isinstance(obj, AddedToken):
        return {**obj.to_dict(), "__type": "AddedToken"}
    if isinstance(obj, (list, tuple)):
        return [_saved_added_tokens(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _saved_added_tokens(v) for k, v in obj.items()}
    return obj


def _write_json(path, value):
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def save_tokenizer(tokenizer, save_directory, filename_prefix=None):
    """Write tokenizer_config.json (+ added_tokens.json for tokens beyond vocab.json), then the vocabulary."""
    save_directory = Path(save_directory)
    if save_directory.is_file():
        raise TokenizerError(f"{save_directory} is a file, not a directory")
    save_directory.mkdir(parents=True, exist_ok=True)
    prefix = f"{filename_prefix}-" if filename_prefix else ""
    config = copy.deepcopy(tokenizer.init_kwargs)
    # Like the reference: every init kwarg that is also an attribute is saved with its current value.
    for key in set(tokenizer.init_kwargs) | {"model_max_length"}:
        if key in _SAVED_ATTRIBUTES:
            config[key] = getattr(tokenizer, key)
    config.update(tokenizer.special_tokens_map)
    if tokenizer.extra_special_tokens:
        config["extra_special_tokens"] = tokenizer.extra_special_tokens
    config = _saved_added_tokens(config)
    config["added_tokens_decoder"] = {str(i): t.to_dict() for i, t in tokenizer.added_tokens_decoder.items()}
    config["tokenizer_class"] = type(tokenizer).__name__
    for key in ("files_loaded", "vocab_file", "spm_file"):
        config.pop(key, None)
    if "name_or_path" in config:
        for key in ("name_or_path", "special_tokens_map_file", "tokenizer_file"):
            config.pop(key, None)
    config_file = save_directory / (prefix + TOKENIZER_CONFIG_FILE)
    _write_json(config_file, config)
    added = {t: i for t, i in tokenizer.added_tokens_encoder.items() if i >= tokenizer.vocab_size}
    added_file = save_directory / (prefix + ADDED_TOKENS_FILE)
    if added:
        _write_json(added_file, added)
    # the reference's order, added_tokens.json named even when there was nothing to write
    return (str(config_file), *tokenizer.save_vocabulary(save_directory, filename_prefix), str(added_file))


def save_vocabulary(save_directory, filename_prefix, vocab, spm_file, sp_model):
    """Write vocab.json and sentencepiece.bpe.model (copied from spm_file, or serialized from sp_model)."""
    prefix = f"{filename_prefix}-" if filename_prefix else ""
    vocab_path = Path(save_directory) / (prefix + VOCAB_FILES_NAMES["vocab_file"])
    spm_path = Path(save_directory) / (prefix + VOCAB_FILES_NAMES["spm_file"])
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, indent=2)
    if os.path.isfile(spm_file):
        if os.path.abspath(spm_file) != os.path.abspath(spm_path):
            shutil.copyfile(spm_file, spm_path)
    else:
        spm_path.write_bytes(sp_model.serialized_model_proto())
    return str(vocab_path), str(spm_path)
