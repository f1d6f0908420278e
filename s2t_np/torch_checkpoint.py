"""Read a torch `pytorch_model.bin` state dict without torch.

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

import numpy as np

from .errors import WeightsError

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
        raise WeightsError(f"{self.source}: the pickle refers to {module}.{name}, which is not part of a plain "
                           "state dict of tensors; refusing to load it")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 3 and pid[0] == "storage"):
            raise WeightsError(f"{self.source}: unknown persistent id {pid!r} in the pickle")
        storage_type, key = pid[1], pid[2]
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}/data/{key}")
            dtype = STORAGE_DTYPES[storage_type.name]
            if dtype == "bf16":
                bits = np.frombuffer(raw, dtype="<u2")  # [n] uint16
                self.storages[key] = (bits.astype(np.uint32) << 16).view(np.float32)  # exact widening
            else:
                self.storages[key] = np.frombuffer(raw, dtype=dtype)
        return self.storages[key]


def read_torch_state_dict(path):
    """A torch zip checkpoint (`torch.save` of a state dict) -> {key: np.ndarray}."""
    source = str(path)
    if not zipfile.is_zipfile(path):
        raise WeightsError(f"{source!r} is not a zip-format torch checkpoint (the pre-1.6 legacy format is not "
                           "read); convert it once with torch: torch.save(torch.load(path), path)")
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
