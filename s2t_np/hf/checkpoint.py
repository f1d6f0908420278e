"""The weights of a transformers-format model directory, and a torch `pytorch_model.bin` read without torch.

`load_params(model_dir, cfg, dtype)` finds the checkpoint files the way transformers'
`from_pretrained` does: `model.safetensors`, else the shards listed in
`model.safetensors.index.json` ("weight_map": key -> file), else `pytorch_model.bin`; reads them
(s2t_np/weights.py for safetensors, `read_torch_state_dict` below for torch files) and builds the
params through the audited key map of s2t_np/weights.py. `save_params(model_dir, params, cfg,
architecture)` writes the inverse: one `model.safetensors` with the state-dict keys of that
transformers class (`KEY_PREFIX`: the audited map's keys, less the class's own path in the model).

Some published Speech2Text checkpoints (the MuST-C multilingual and the large models) ship only
`pytorch_model.bin`. Since torch 1.6 that file is a zip archive:

    <archive>/data.pkl     a pickle of the state dict {key: tensor}
    <archive>/data/<id>    the raw bytes of storage <id> (little-endian, see <archive>/byteorder)

In the pickle, each tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, hooks[, metadata])` and each storage a persistent id
`("storage", torch.<Dtype>Storage, "<id>", location, numel)`. This module replays that pickle with
a restricted unpickler: it resolves only those names (plus `collections.OrderedDict`) and refuses
every other global, so loading a checkpoint can never run code the way `torch.load` with
`weights_only=False` can. Tensors come back as NumPy arrays (strided views copied to C order);
bfloat16 storages are widened by bits to float32 (NumPy has no bfloat16).

The pre-1.6 legacy (non-zip) format is not read: it raises a WeightsError saying how to convert.
"""

import collections
import pickle
import zipfile
from pathlib import Path

import numpy as np

from ..checks import read_json
from ..errors import ModelNotFoundError, WeightsError
from ..weights import (
    bf16_to_float32,
    build_params,
    checkpoint_tensors,
    compute_dtype,
    read_safetensors,
    write_safetensors,
)

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
TORCH_FILE = "pytorch_model.bin"

# transformers class -> the prefix its state-dict keys lack (Speech2TextModel saves "encoder.*", not "model.encoder.*")
KEY_PREFIX = {
    "Speech2TextForConditionalGeneration": "",
    "Speech2TextModel": "model.",
    "Speech2TextEncoder": "model.encoder.",
}

# torch storage class name -> NumPy dtype of its elements ("bf16" is widened by bits)
STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "BFloat16Storage": "bf16",
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class _StorageType:
    """Stand-in for `torch.<Dtype>Storage` inside the pickle: only its name matters."""

    def __init__(self, name):
        self.name = name


def _rebuild_tensor(storage, offset, size, stride, *_ignored):
    """`torch._utils._rebuild_tensor_v2` for NumPy: a strided view of the storage, copied to C order."""
    itemsize = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride), writeable=False
    )
    return np.ascontiguousarray(view)


def _rebuild_parameter(data, *_ignored):
    """`torch._utils._rebuild_parameter`: a Parameter is just its data here."""
    return data


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive, prefix, source):
        super().__init__(file)
        self.archive, self.prefix, self.source = archive, prefix, source
        self.storages = {}

    def find_class(self, module, name):
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        raise WeightsError(
            f"{self.source}: the pickle refers to {module}.{name}, which is not part of a plain "
            "state dict of tensors; refusing to load it"
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 3 and pid[0] == "storage"):
            raise WeightsError(f"{self.source}: unknown persistent id {pid!r} in the pickle")
        storage_type, key = pid[1], pid[2]
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}/data/{key}")
            dtype = STORAGE_DTYPES[storage_type.name]
            if dtype == "bf16":
                bits = np.frombuffer(raw, dtype="<u2")  # [n] uint16
                self.storages[key] = bf16_to_float32(bits)
            else:
                self.storages[key] = np.frombuffer(raw, dtype=dtype)
        return self.storages[key]


def read_torch_state_dict(path):
    """A torch zip checkpoint (`torch.save` of a state dict) -> {key: np.ndarray}."""
    source = str(path)
    if not zipfile.is_zipfile(path):
        raise WeightsError(
            f"{source!r} is not a zip-format torch checkpoint (the pre-1.6 legacy format is not "
            "read); convert it once with torch: torch.save(torch.load(path), path)"
        )
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise WeightsError(f"{source!r}: expected one */data.pkl in the archive, found {pickles}")
        prefix = pickles[0][: -len("/data.pkl")]
        if prefix + "/byteorder" in archive.namelist() and archive.read(prefix + "/byteorder") != b"little":
            raise WeightsError(f"{source!r}: big-endian checkpoints are not supported")
        with archive.open(pickles[0]) as fh:
            state = _Unpickler(fh, archive, prefix, source).load()
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise WeightsError(f"{source!r} does not hold a state dict of tensors")
    return dict(state)


def checkpoint_files(model_dir):
    """The checkpoint files of a model directory and the shard index's weight map (None without an index)."""
    path = Path(model_dir)
    if not path.is_dir():
        raise ModelNotFoundError(f"model directory {str(path)!r} does not exist")
    if (path / SINGLE_FILE).is_file():
        return [path / SINGLE_FILE], None
    if (path / INDEX_FILE).is_file():
        weight_map = read_json(path / INDEX_FILE, "safetensors index", WeightsError).get("weight_map")
        if not isinstance(weight_map, dict):
            raise WeightsError(f"{str(path / INDEX_FILE)!r} is not a valid safetensors index: no 'weight_map' object")
        files = sorted(set(weight_map.values()))
        missing = [f for f in files if not (path / f).is_file()]
        if missing:
            raise WeightsError(f"shard files listed in {INDEX_FILE} are missing from {str(path)!r}: {missing}")
        return [path / f for f in files], weight_map
    if (path / TORCH_FILE).is_file():  # published checkpoints without safetensors
        return [path / TORCH_FILE], None
    raise ModelNotFoundError(f"no {SINGLE_FILE}, {INDEX_FILE} or {TORCH_FILE} in {str(path)!r}")


def load_params(model_dir, cfg, dtype=np.float32, *, with_lm_head=True, encoder_only=False):
    """Load and audit the weights of a transformers-format directory -> nested params dict in `dtype`.

    `encoder_only`: params["encoder"] alone, from an encoder checkpoint or the encoder of a full one.
    """
    dtype = compute_dtype(dtype)
    files, weight_map = checkpoint_files(model_dir)
    if files[0].name == TORCH_FILE:
        tensors = {}
        for key, array in read_torch_state_dict(files[0]).items():
            if not np.issubdtype(array.dtype, np.floating):
                raise WeightsError(f"{files[0]}: tensor {key!r} has dtype {array.dtype}; expected a float dtype")
            tensors[key] = array.astype(dtype, copy=False)
    else:
        tensors = read_safetensors(files, dtype)
    if weight_map is not None:
        listed, found = set(weight_map), set(tensors)
        if listed != found:
            raise WeightsError(
                f"{INDEX_FILE} in {str(model_dir)!r} disagrees with its shards: listed but absent "
                f"{sorted(listed - found)}, present but unlisted {sorted(found - listed)}"
            )
    return build_params(
        tensors, cfg, with_lm_head, source=f"checkpoint in {str(model_dir)!r}", encoder_only=encoder_only
    )


def save_params(model_dir, params, cfg, architecture):
    """Write `model.safetensors` with the keys transformers' `architecture` class saves (no tied lm_head)."""
    prefix = KEY_PREFIX[architecture]
    tensors = checkpoint_tensors(
        params,
        cfg,
        with_lm_head=architecture == "Speech2TextForConditionalGeneration",
        encoder_only=architecture == "Speech2TextEncoder",
    )
    path = Path(model_dir) / SINGLE_FILE
    write_safetensors({key.removeprefix(prefix): array for key, array in tensors.items()}, path)
    return path
