"""Weights: checkpoint tensors -> nested params dict, through an audited key map.

`read_safetensors(files, dtype)` checks each file and lists its tensors with safetensors' own
parser (`safe_open`), then reads each tensor's bytes with one plain file read into its own array
(`np.fromfile`), so the params live in RAM once: reading through the memory map instead would add
every touched page of the file to the process's resident memory on top of the copies (the peak
RSS of loading s2t-small doubled; docs/performance.md). bfloat16 tensors, which NumPy cannot
represent, are read as uint16 and widened by bits: float32 bits = bf16 bits << 16.
float16, bfloat16, float32 and float64 tensors are all converted to the compute dtype (float32 or
float64) once, here. Which files a model directory holds (one file, shards, or a torch
`pytorch_model.bin`) is transformers' layout, resolved in s2t_np/hf/checkpoint.py.

Key map (the only rule): a checkpoint key `model.<a>.<b>.<i>.<c>` goes to
`params[a][b][i][c]` (integer segments index lists), `lm_head.weight` to `params["lm_head"]["weight"]`.
The expected keys and their shapes are derived from the config (`expected_shapes`), so:

- every expected key must be present (missing keys are named in a WeightsError);
- every present key must be expected or on the ignore list (unexpected keys are named);
- every shape must equal the one the config implies (wrong shapes are named with both shapes);
- ignore list: `model.{encoder,decoder}.embed_positions.weights` (sinusoids are computed, see
  positions.py) and, when `tie_word_embeddings`, `lm_head.weight` (transformers ties it to the
  token embedding and drops the stored copy);
- `lm_head.weight`: with `tie_word_embeddings` it IS `model.decoder.embed_tokens.weight` (the same
  array); otherwise the checkpoint must have its own [V, D] `lm_head.weight`.

Layouts are kept as in torch: Linear weight [out, in], Conv1d weight [C_out, C_in, k], embeddings
[V, D]; the stage functions are written for those layouts. Base-model checkpoints (saved from
`Speech2TextModel`, keys without the `model.` prefix) are accepted too, and so are encoder
checkpoints (saved from `Speech2TextEncoder`: keys `conv.*`, `layers.*`, `layer_norm.*`, read as
`model.encoder.*`) where only the encoder is loaded (`encoder_only=True`; the decoder and
`lm_head` keys of a full checkpoint are then on the ignore list).

The inverse map, `checkpoint_tensors(params, cfg)`, walks the same `expected_shapes` and gives
back {checkpoint key: array}; `write_safetensors` stores them (the directory layout and the key
prefix each transformers class uses are s2t_np/hf/checkpoint.py's).

`init_params(cfg, seed)` draws a random params tree by transformers' init rule
(`Speech2TextPreTrainedModel._init_weights`, which adds only the sinusoidal position buffer to
`PreTrainedModel._init_weights`), with std = `cfg.init_std` (Speech2TextConfig has no
`initializer_range`, so the generic rule falls through to `init_std`):

    Linear, Conv1d:  weight ~ N(0, init_std^2), bias = 0   (not torch's kaiming-uniform default)
    Embedding:       weight ~ N(0, init_std^2), row pad_token_id = 0 (nn.Embedding padding_idx)
    LayerNorm:       weight = 1, bias = 0
    lm_head:         untied: a bias-free Linear, N(0, init_std^2) with NO zero row;
                     tied: the embedding itself (so its row pad_token_id is 0 too)

Draws follow the order of `expected_shapes` (encoder first, so an encoder-only init equals the
encoder of a full init with the same seed) and are rounded to float32, the dtype transformers
initialises in; a float64 model holds the same float32 values, widened exactly.
"""

import json
import os
import struct

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from .errors import ConfigError, WeightsError

IGNORED_KEYS = ("model.encoder.embed_positions.weights", "model.decoder.embed_positions.weights")
FLOAT_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64}
ENCODER_CHECKPOINT_PREFIXES = ("conv.", "layers.", "layer_norm.")  # keys of a Speech2TextEncoder checkpoint


def expected_shapes(cfg, with_lm_head=True, encoder_only=False):
    """Every checkpoint key the config implies -> its shape (the audited key map's right-hand side).

    `encoder_only`: the `model.encoder.*` keys alone (no decoder, no lm_head).
    """
    d = cfg.d_model
    shapes = {}

    def linear(prefix, n_out, n_in):
        shapes[f"{prefix}.weight"] = (n_out, n_in)
        shapes[f"{prefix}.bias"] = (n_out,)

    def norm(prefix):
        shapes[f"{prefix}.weight"] = (d,)
        shapes[f"{prefix}.bias"] = (d,)

    def attention(prefix):
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            linear(f"{prefix}.{proj}", d, d)

    c_in = cfg.input_dim
    for i, k in enumerate(cfg.conv_kernel_sizes):
        c_out = cfg.conv_channels if i < cfg.num_conv_layers - 1 else 2 * d
        shapes[f"model.encoder.conv.conv_layers.{i}.weight"] = (c_out, c_in, k)
        shapes[f"model.encoder.conv.conv_layers.{i}.bias"] = (c_out,)
        c_in = c_out // 2
    for i in range(cfg.encoder_layers):
        p = f"model.encoder.layers.{i}"
        attention(f"{p}.self_attn")
        norm(f"{p}.self_attn_layer_norm")
        linear(f"{p}.fc1", cfg.encoder_ffn_dim, d)
        linear(f"{p}.fc2", d, cfg.encoder_ffn_dim)
        norm(f"{p}.final_layer_norm")
    norm("model.encoder.layer_norm")
    if encoder_only:
        return shapes
    shapes["model.decoder.embed_tokens.weight"] = (cfg.vocab_size, d)
    for i in range(cfg.decoder_layers):
        p = f"model.decoder.layers.{i}"
        attention(f"{p}.self_attn")
        norm(f"{p}.self_attn_layer_norm")
        attention(f"{p}.encoder_attn")
        norm(f"{p}.encoder_attn_layer_norm")
        linear(f"{p}.fc1", cfg.decoder_ffn_dim, d)
        linear(f"{p}.fc2", d, cfg.decoder_ffn_dim)
        norm(f"{p}.final_layer_norm")
    norm("model.decoder.layer_norm")
    if with_lm_head and not cfg.tie_word_embeddings:
        shapes["lm_head.weight"] = (cfg.vocab_size, d)
    return shapes


def safetensors_header(file):
    """A safetensors file's JSON header (a dict, the file's key order kept) and the byte offset where
    its data starts; ValueError saying what is wrong for a file that has no such header."""
    size = os.path.getsize(file)
    with open(file, "rb") as fh:
        head = fh.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if not 2 <= n <= size - 8:
            raise ValueError("no valid header length in its first 8 bytes")
        try:
            header = json.loads(fh.read(n).decode("utf-8"))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ValueError(f"its header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    return header, 8 + n


def bf16_to_float32(bits):
    """bfloat16 values given as their uint16 bit patterns -> float32, exactly: float32 bits = bf16 bits << 16."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def file_tensor(file, header, data_start, key):
    """One tensor read from the file into its own array (one read, no memory map); bfloat16 (which
    NumPy cannot represent) is read as its bits and widened to float32."""
    info = header[key]
    start, end = info["data_offsets"]
    shape = tuple(info["shape"])
    dtype = np.dtype("<u2") if info["dtype"] == "BF16" else np.dtype(FLOAT_DTYPES[info["dtype"]]).newbyteorder("<")
    n = int(np.prod(shape, dtype=np.int64))
    if end - start != dtype.itemsize * n:
        raise WeightsError(f"{file}: tensor {key!r} has {end - start} bytes for shape {shape} of {info['dtype']}")
    array = np.fromfile(file, dtype=dtype, count=n, offset=data_start + start)  # [n]
    if array.size != n:
        raise ValueError(f"tensor {key!r} runs past the end of the file")
    if info["dtype"] == "BF16":
        array = bf16_to_float32(array)
    return array.reshape(shape)


def read_safetensors(files, dtype):
    """All tensors of the safetensors files -> {key: array in `dtype`}; WeightsError naming the file
    for one that is not a complete safetensors file (truncated download, another format)."""
    tensors = {}
    for file in files:
        try:
            _read_safetensors_file(file, dtype, tensors)
        except (SafetensorError, ValueError, struct.error) as exc:  # ValueError: JSON, memmap past the end
            if isinstance(exc, WeightsError):
                raise
            raise WeightsError(
                f"{file} is not a complete safetensors file (truncated or corrupt: {' '.join(str(exc).split())}); "
                "download or save the checkpoint again"
            ) from exc
    return tensors


def _read_safetensors_file(file, dtype, tensors):
    """Add the tensors of one safetensors file to `tensors` {key: array in `dtype`}."""
    with safe_open(str(file), framework="np") as f:  # validates the header and the offsets
        keys = list(f.keys())
        kinds = {key: f.get_slice(key).get_dtype() for key in keys}
    header, data_start = safetensors_header(file)
    for key in keys:
        if key in tensors:
            raise WeightsError(f"tensor {key!r} appears in more than one checkpoint file ({file})")
        if kinds[key] != "BF16" and kinds[key] not in FLOAT_DTYPES:
            raise WeightsError(
                f"{file}: tensor {key!r} has dtype {kinds[key]}; expected a float dtype (F16, BF16, F32, F64)"
            )
        tensors[key] = file_tensor(file, header, data_start, key).astype(dtype, copy=False)


def _insert(tree, path, value):
    """params[a][b][i][c] = value for path 'a.b.i.c' (integer segments index lists)."""
    parts = path.split(".")
    node = tree
    for part, nxt in zip(parts[:-1], parts[1:]):
        default = [] if nxt.isdigit() else {}
        if part.isdigit():
            i = int(part)
            while len(node) <= i:
                node.append(None)
            if node[i] is None:
                node[i] = default
            node = node[i]
        else:
            node = node.setdefault(part, default)
    node[parts[-1]] = value


def build_params(tensors, cfg, with_lm_head=True, source="checkpoint", encoder_only=False):
    """Audited map of checkpoint tensors {key: array} -> nested params dict (see the module docstring).

    `encoder_only`: build `params["encoder"]` alone (for Speech2TextEncoder).
    """
    if tensors and all(k.startswith(ENCODER_CHECKPOINT_PREFIXES) for k in tensors):  # a Speech2TextEncoder one
        if not encoder_only:
            raise WeightsError(
                f"{source} is an encoder checkpoint (keys conv.*, layers.*, layer_norm.*, as Speech2TextEncoder "
                "saves them): it has no decoder; load it with Speech2TextEncoder"
            )
        tensors = {f"model.encoder.{k}": v for k, v in tensors.items()}
    elif tensors and not any(k.startswith("model.") for k in tensors):  # a Speech2TextModel (base) checkpoint
        tensors = {f"model.{k}": v for k, v in tensors.items()}
    shapes = expected_shapes(cfg, with_lm_head and not encoder_only, encoder_only)
    ignored = set(IGNORED_KEYS)
    if cfg.tie_word_embeddings or not with_lm_head or encoder_only:
        ignored.add("lm_head.weight")
    if encoder_only:  # the decoder of a full checkpoint, key by key
        ignored |= set(expected_shapes(cfg, with_lm_head=False)) - set(shapes)
    missing = sorted(k for k in shapes if k not in tensors)
    unexpected = sorted(k for k in tensors if k not in shapes and k not in ignored)
    wrong = sorted(
        f"{k}: checkpoint {tuple(tensors[k].shape)}, config implies {shapes[k]}"
        for k in shapes
        if k in tensors and tuple(tensors[k].shape) != shapes[k]
    )
    problems = []
    if missing:
        problems.append(f"missing keys ({len(missing)}): {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
    if wrong:
        problems.append(f"wrong shapes ({len(wrong)}): {'; '.join(wrong)}")
    if problems:
        raise WeightsError(f"{source} does not match the config: " + " | ".join(problems))

    params = {}
    for key in shapes:
        _insert(params, key.removeprefix("model."), tensors[key])
    params.setdefault("encoder", {}).setdefault("layers", [])
    if encoder_only:
        return params
    params.setdefault("decoder", {}).setdefault("layers", [])
    if with_lm_head:
        tied = cfg.tie_word_embeddings
        params["lm_head"] = {
            "weight": params["decoder"]["embed_tokens"]["weight"] if tied else params["lm_head"]["weight"]
        }
    return params


def compute_dtype(dtype):
    """np.float32 (default) or np.float64; anything else is a ConfigError."""
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ConfigError(f"dtype must be float32 or float64, got {dt}")
    return dt.type


def checkpoint_tensors(params, cfg, with_lm_head=True, encoder_only=False):
    """The inverse key map: params -> {checkpoint key: C-ordered array} for every key of `expected_shapes`.

    A tied lm_head is not stored (it is `model.decoder.embed_tokens.weight`), as transformers saves it.
    """
    tensors = {}
    for key, shape in expected_shapes(cfg, with_lm_head, encoder_only).items():
        node = params
        for part in key.removeprefix("model.").split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        array = np.ascontiguousarray(node)
        if array.shape != shape:
            raise WeightsError(f"params {key}: shape {array.shape}, config implies {shape}")
        tensors[key] = array
    return tensors


def write_safetensors(tensors, file):
    """Store {key: array} in one safetensors file; metadata {"format": "pt"} as transformers writes and expects."""
    save_file(tensors, str(file), metadata={"format": "pt"})


def init_params(cfg, seed=None, dtype=np.float32, with_lm_head=True, encoder_only=False):
    """A random params tree by transformers' init rule (module docstring), the same tree `build_params` gives.

    seed: None, an int or a np.random.Generator (used as is). dtype: float32 or float64.
    """
    dtype = compute_dtype(dtype)
    rng = np.random.default_rng(seed)
    std = cfg.init_std
    tensors = {}
    for key, shape in expected_shapes(cfg, with_lm_head, encoder_only).items():
        if key.endswith(".bias"):  # Linear, Conv1d and LayerNorm biases
            array = np.zeros(shape, np.float32)
        elif "layer_norm" in key:  # LayerNorm weight
            array = np.ones(shape, np.float32)
        else:  # Linear / Conv1d / Embedding weight, lm_head
            array = rng.normal(0.0, std, shape).astype(np.float32)
        tensors[key] = array.astype(dtype, copy=False)
    if not encoder_only:
        tensors["model.decoder.embed_tokens.weight"][cfg.pad_token_id] = 0.0  # padding_idx row
    return build_params(tensors, cfg, with_lm_head, source="init_params", encoder_only=encoder_only)
