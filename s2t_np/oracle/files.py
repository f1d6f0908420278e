"""Trace files: a `Trace` saved to / loaded from safetensors, and exported as transformers' debugger JSON.

    save_trace(trace, path)               one .safetensors file, the manifest in its metadata
    load_trace(path) -> Trace             the same entries, order, metadata and inputs
    export_hf_debug_json(trace, path)     the layout of transformers' model_addition_debugger_context
    hf_debug_tree(trace)                  the same, as a dict (what export_hf_debug_json writes)

File format (format version 1). One safetensors file holds every entry under its own name and
every input under "inputs.<name>", C-contiguous, in its own dtype (integer inputs stay integers).
The safetensors metadata (string -> string) holds one key, "s2t_np.trace", whose value is a JSON
manifest:

    {"format": "s2t_np.trace", "version": 1,
     "entries": [{"name": "model.encoder.conv.conv_layers.0", "shape": [1, 256, 115], "dtype": "float32"}, ...],
     "inputs":  [{"name": "input_features", "shape": [1, 231, 80], "dtype": "float32"}, ...],
     "metadata": {"producer": "s2t_np.oracle.trace", "dtype": "float32", "config": {...}}}

safetensors stores tensors sorted by dtype and name, so the manifest is what keeps the trace's
execution order. A safetensors file without the manifest (another tool's dump, e.g. torch forward
hooks saved with safetensors.torch.save_file) loads too: its entries in the file's order, keys
starting with "inputs." as the inputs, bfloat16 tensors widened to float32 (exact), and its own
string metadata, if any, under metadata["file_metadata"].

Errors: `TraceNotFoundError` (a FileNotFoundError) for a missing trace file; `InvalidInputError`
for a path that is not a readable trace file (a directory, not safetensors, a manifest that
disagrees with the tensors) and for a trace that cannot be saved or exported.

The debugger JSON (`export_hf_debug_json`) is described in `hf_debug_tree`.
"""

import json
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError, TraceNotFoundError, WeightsError
from ..weights import file_tensor, safetensors_header
from .model_trace import Trace

MANIFEST_KEY = "s2t_np.trace"  # the safetensors metadata key that holds the manifest
FORMAT_NAME = "s2t_np.trace"
FORMAT_VERSION = 1
INPUT_PREFIX = "inputs."  # file key of an input: "inputs.<name>"
# Trace names that are not transformers modules (the feature extractor's stages): the debugger
# records module forwards only, so hf_debug_tree leaves these out.
NOT_MODULE_PREFIXES = ("frontend.",)
# Order of the model's forward signature: the debugger's top-level kwargs come in the caller's
# order, and a caller passes them in this one (other inputs follow in the trace's order).
_FORWARD_INPUT_ORDER = ("input_features", "attention_mask", "decoder_input_ids", "decoder_attention_mask")


# ---- safetensors ------------------------------------------------------------------------------
def save_trace(trace, path):
    """Write `trace` (a `Trace`, or any Mapping name -> array) to one safetensors file; returns the path.

    A Mapping without `.metadata` / `.inputs` (a plain dict) is saved with empty ones. Entry names
    must be strings that do not start with "inputs." (the inputs' namespace in the file).
    """
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    if not isinstance(trace, Mapping):
        raise InvalidInputError(f"save_trace takes a Trace or a Mapping name -> array, got {type(trace).__name__}")
    metadata = dict(getattr(trace, "metadata", None) or {})
    inputs = dict(getattr(trace, "inputs", None) or {})
    tensors, manifest_entries, manifest_inputs = {}, [], []
    for name, value in trace.items():
        if not isinstance(name, str) or name.startswith(INPUT_PREFIX) or name == "__metadata__":
            raise InvalidInputError(
                f"trace entry name {name!r} cannot be saved: names are strings, not '__metadata__', "
                f"and do not start with {INPUT_PREFIX!r} (the inputs' keys in the file)"
            )
        tensors[name] = _contiguous(value, f"entry {name!r}")
        manifest_entries.append(_describe(name, tensors[name]))
    for name, value in inputs.items():
        if not isinstance(name, str):
            raise InvalidInputError(f"trace input name {name!r} is not a string")
        tensors[INPUT_PREFIX + name] = _contiguous(value, f"input {name!r}")
        manifest_inputs.append(_describe(name, tensors[INPUT_PREFIX + name]))
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "entries": manifest_entries,
        "inputs": manifest_inputs,
        "metadata": metadata,
    }
    try:
        text = json.dumps(manifest)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"trace metadata is not JSON-serializable: {exc}") from exc
    path = Path(path)
    if not path.parent.is_dir():
        raise InvalidInputError(f"cannot write trace file {path}: directory {path.parent} does not exist")
    try:
        save_file(tensors, str(path), metadata={MANIFEST_KEY: text})
    except SafetensorError as exc:  # an unsupported dtype (e.g. float128), or the file cannot be written
        raise InvalidInputError(f"cannot write trace file {path}: {exc}") from exc
    return path


def load_trace(path):
    """Read a trace file written by `save_trace` (or any safetensors file) -> `Trace` (module docstring)."""
    path = Path(path)
    if not path.exists():
        raise TraceNotFoundError(f"trace file not found: {path}")
    if not path.is_file():
        raise InvalidInputError(f"{path} is not a trace file (a directory or special file)")
    header, data_start = _read_header(path)
    file_metadata = header.pop("__metadata__", None) or {}
    tensors = _read_tensors(path, header, data_start)
    if MANIFEST_KEY not in file_metadata:
        entries = {k: v for k, v in tensors.items() if not k.startswith(INPUT_PREFIX)}
        inputs = {k[len(INPUT_PREFIX) :]: v for k, v in tensors.items() if k.startswith(INPUT_PREFIX)}
        return Trace(entries, {"file_metadata": dict(file_metadata)} if file_metadata else {}, inputs)
    manifest = _parse_manifest(path, file_metadata[MANIFEST_KEY])
    entries = {row["name"]: _take(path, tensors, row["name"], row) for row in manifest["entries"]}
    inputs = {row["name"]: _take(path, tensors, INPUT_PREFIX + row["name"], row) for row in manifest["inputs"]}
    if tensors:
        raise InvalidInputError(f"{path}: tensors {sorted(tensors)} are not in the file's manifest")
    return Trace(entries, manifest["metadata"], inputs)


def _contiguous(value, what):
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise InvalidInputError(f"trace {what} has dtype {array.dtype}; trace files hold bool, int and float arrays")
    if not array.dtype.isnative:  # safetensors stores little-endian data under the dtype's name
        array = array.astype(array.dtype.newbyteorder("="))
    return array if array.flags.c_contiguous else array.copy(order="C")  # copy keeps a 0-d array 0-d


def _describe(name, array):
    return {"name": name, "shape": list(array.shape), "dtype": array.dtype.name}


def _read_header(path):
    """The JSON header of a safetensors file (key order kept) and the offset where its data starts."""
    try:
        return safetensors_header(path)
    except ValueError as exc:
        raise InvalidInputError(f"{path} is not a safetensors file ({exc})") from None


def _read_tensors(path, header, data_start):
    """Every tensor of the file in header order (the file's order); bfloat16 widened to float32."""
    from safetensors import SafetensorError, safe_open

    tensors = {}
    try:
        with safe_open(str(path), framework="np") as f:
            for key, info in header.items():
                if info.get("dtype") == "BF16":  # NumPy has no bfloat16: read the bits
                    tensors[key] = file_tensor(path, header, data_start, key)
                else:
                    tensors[key] = f.get_tensor(key)
    except (SafetensorError, WeightsError, AttributeError, TypeError, ValueError, KeyError, OSError) as exc:
        raise InvalidInputError(f"{path} is not a readable safetensors file: {exc}") from exc
    return tensors


def _parse_manifest(path, text):
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"{path}: the {MANIFEST_KEY!r} manifest is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise InvalidInputError(f"{path}: the {MANIFEST_KEY!r} metadata is not an s2t_np trace manifest")
    if manifest.get("version") != FORMAT_VERSION:
        raise InvalidInputError(
            f"{path}: trace format version {manifest.get('version')!r}; this s2t_np reads version {FORMAT_VERSION}"
        )
    for key in ("entries", "inputs"):
        rows = manifest.get(key)
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("name"), str) for r in rows):
            raise InvalidInputError(f"{path}: the manifest's {key!r} is not a list of {{name, shape, dtype}}")
    if not isinstance(manifest.setdefault("metadata", {}), dict):
        raise InvalidInputError(f"{path}: the manifest's 'metadata' is not a JSON object")
    return manifest


def _take(path, tensors, key, row):
    """Pop `key` from the file's tensors and check it against its manifest row."""
    if key not in tensors:
        raise InvalidInputError(f"{path}: the manifest lists {key!r} but the file has no such tensor")
    array = tensors.pop(key)
    if list(array.shape) != list(row.get("shape", array.shape)) or array.dtype.name != row.get("dtype"):
        raise InvalidInputError(
            f"{path}: tensor {key!r} is {array.dtype.name} {list(array.shape)}, "
            f"the manifest says {row.get('dtype')} {row.get('shape')}"
        )
    return array


# ---- transformers' model_addition_debugger_context JSON ----------------------------------------
def export_hf_debug_json(trace, path, model_class="Speech2TextForConditionalGeneration", do_prune_layers=True):
    """Write `hf_debug_tree(trace, ...)` as transformers writes its *_debug_tree_SUMMARY.json; returns the path."""
    tree = hf_debug_tree(trace, model_class=model_class, do_prune_layers=do_prune_layers)
    path = Path(path)
    if not path.parent.is_dir() or path.is_dir():
        raise InvalidInputError(f"cannot write {path}: its directory does not exist, or it is a directory itself")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tree, f, indent=2)  # as model_debugging_utils.log_model_debug_trace
    return path


def hf_debug_tree(trace, model_class="Speech2TextForConditionalGeneration", do_prune_layers=True):
    """A trace as the call tree of transformers' `model_addition_debugger_context` (SUMMARY file).

    Reference: transformers/model_debugging_utils.py (`_attach_debugger_logic`,
    `prune_intermediate_layers`, `prune_outputs_if_children`, `log_model_debug_trace`). Layout:

        {"module_path": "Speech2TextForConditionalGeneration",
         "inputs": {"args": [], "kwargs": {"input_features": {...}, "attention_mask": {...}, ...}},
         "children": [{"module_path": "Speech2TextForConditionalGeneration.model", "children": [...]},
                      {"module_path": "Speech2TextForConditionalGeneration.lm_head",
                       "outputs": {"shape": "torch.Size([1, 5, 422])", "dtype": "torch.float32",
                                   "mean": "tensor(-1.2345e-01)", "std": ..., "min": ..., "max": ...}}]}

    - module paths are `model_class` + "." + the trace name; a node's parent is the longest
      proper dotted prefix that is itself an entry (ModuleLists, which run no forward, have no
      node in either tree), else the root; children in the order their subtree starts;
    - "outputs" on leaves only (nodes with children have theirs pruned, as transformers does);
      "shape" / "dtype" are torch's reprs, and for float16 / float32 entries (the dtypes the
      debugger gives statistics for) "mean", "std" (unbiased), "min", "max" are the repr of
      a 0-d tensor under `torch.set_printoptions(sci_mode=True)`: "tensor(1.2345e-01)",
      "tensor(0.)", "tensor(nan)", with ", dtype=torch.float16" for float16. Statistics are
      computed in float64 and rounded to the entry's dtype (torch accumulates in that dtype, so
      the last printed digit can differ);
    - `do_prune_layers` (transformers' default True) keeps the first and last of 3 or more
      consecutive numbered layer blocks under a node, as transformers does.

    Left out, because a trace does not hold them: the "inputs" of every module node (a trace
    records outputs only; the root gets the model inputs of `trace.inputs`, in the forward
    signature's order, as {"args": [], "kwargs": {...}}, and no "inputs" without them); for a
    module returning a tuple, the other elements (a trace keeps the first, and every leaf of
    Speech2Text returns a tensor); statistics of empty entries (torch's min() raises there);
    entries named "frontend.*" (not modules). The FULL_TENSORS file (values as printed tensors)
    is not written.
    """
    if not isinstance(trace, Mapping):
        raise InvalidInputError(f"hf_debug_tree takes a Trace or a Mapping name -> array, got {type(trace).__name__}")
    names = [n for n in trace if not n.startswith(NOT_MODULE_PREFIXES)]
    known = set(names)
    root = {"module_path": model_class}
    inputs = dict(getattr(trace, "inputs", None) or {})
    if inputs:
        order = [n for n in _FORWARD_INPUT_ORDER if n in inputs] + [n for n in inputs if n not in _FORWARD_INPUT_ORDER]
        root["inputs"] = {"args": [], "kwargs": {n: _serialize(np.asarray(inputs[n])) for n in order}}
    nodes = {}

    def parent_name(name):
        while "." in name:
            name = name.rsplit(".", 1)[0]
            if name in known:
                return name
        return None

    def node_for(name):  # created on first need: pre-order, the order the forwards start
        if name not in nodes:
            parent = parent_name(name)
            parent_node = root if parent is None else node_for(parent)
            nodes[name] = {"module_path": f"{model_class}.{name}"}
            parent_node.setdefault("children", []).append(nodes[name])
        return nodes[name]

    for name in names:
        node_for(name)
    for name, node in nodes.items():
        if "children" not in node:
            node["outputs"] = _serialize(np.asarray(trace[name]))
    if do_prune_layers:
        _prune_intermediate_layers(root)
    return root


_LAYER_SUFFIX_RE = re.compile(r"(.*)\.(\d+)$")  # transformers' LAYER_SUFFIX_RE


def _is_layer_block(node):
    match = _LAYER_SUFFIX_RE.match(node.get("module_path", ""))
    if not match or not node.get("children"):
        return False
    return any(f".{match.group(2)}." in child.get("module_path", "") for child in node["children"])


def _prune_intermediate_layers(node):
    """transformers' prune_intermediate_layers: of 3+ layer blocks among a node's children keep the first and last."""
    if not node.get("children"):
        return
    blocks = [i for i, child in enumerate(node["children"]) if _is_layer_block(child)]
    if len(blocks) > 2:
        drop = set(blocks[1:-1])
        node["children"] = [child for i, child in enumerate(node["children"]) if i not in drop]
    for child in node["children"]:
        _prune_intermediate_layers(child)


def _serialize(array):
    """transformers' _serialize_tensor_like_io without "value" (the SUMMARY file strips it)."""
    out = {"shape": f"torch.Size({list(array.shape)})", "dtype": f"torch.{array.dtype.name}"}
    if array.dtype in (np.float16, np.float32) and array.size > 0:
        x = array.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            std = np.std(x, ddof=1) if x.size > 1 else np.nan  # torch: unbiased, nan for one element
            stats = {"mean": np.mean(x), "std": std, "min": np.min(x), "max": np.max(x)}
        out.update({k: _torch_scalar_repr(array.dtype.type(v)) for k, v in stats.items()})
    return out


def _torch_scalar_repr(value):
    """repr(torch.tensor(value)) for a 0-d float tensor with sci_mode=True (torch/_tensor_str.py _Formatter).

    A zero or non-finite value has no "valid number", so torch prints it in int mode: "0.", "-0.",
    "nan", "inf"; any other value as "{:.4e}" (precision 4) of the value widened to a Python float.
    """
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        body = f"{v:.0f}"
    elif v == 0.0:
        body = f"{v:.0f}."
    else:
        body = f"{v:.4e}"
    suffix = "" if value.dtype == np.float32 else f", dtype=torch.{value.dtype.name}"  # float32: torch's default
    return f"tensor({body}{suffix})"
