"""Trace files (s2t_np/oracle/files.py): the safetensors round trip, foreign files, errors, and the
debugger JSON against the file transformers' `model_addition_debugger_context` writes.

The round trips use the shipped demo model (no reference needed); the debugger comparison runs
transformers on a tiny random model loaded by both sides from the same directory.
"""

import json
import re
import struct

import numpy as np
import pytest
from safetensors.numpy import save_file

from s2t_np.errors import InvalidInputError, S2TError, TraceNotFoundError
from s2t_np.oracle import Trace, export_hf_debug_json, hf_debug_tree, load_trace, save_trace, trace
from s2t_np.oracle.files import MANIFEST_KEY
from tests.support.model_cases import make_inputs
from tests.support.tolerances import ORACLE_DEBUG_STATS

PRINT_RTOL, VALUE_RTOL = ORACLE_DEBUG_STATS["print_rtol"], ORACLE_DEBUG_STATS["value_rtol"]
STAT_KEYS = ("mean", "std", "min", "max")
# torch's repr of a 0-d float32 tensor under set_printoptions(sci_mode=True).
TORCH_SCALAR = re.compile(r"tensor\((-?\d\.\d{4}e[+-]\d\d|-?0\.|nan|-?inf)\)")
# Leaf module paths the debugger records and a trace cannot: none. Every leaf module of
# Speech2TextForConditionalGeneration returns one tensor, and trace() records every module that
# runs a forward (fc2 and activation_fn included). The top-level node is the same on both sides:
# its module_path is the class name (the debugger's "(top-level)" node is merged into the root).
TRANSFORMERS_ONLY_LEAVES = set()


@pytest.fixture(scope="module")
def demo():
    import s2t_np

    return {
        dtype: s2t_np.Speech2TextForConditionalGeneration.from_pretrained("demo", dtype=dtype)
        for dtype in (np.float32, np.float64)
    }


def demo_trace(model):
    x, mask, ids, _, _ = make_inputs(model.config, lengths=(37, 25), n_tokens=5)
    return trace(model, x, mask, ids)


# ---- save / load ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_round_trip_is_bit_identical(demo, dtype, tmp_path):
    original = demo_trace(demo[dtype])
    path = save_trace(original, tmp_path / "t.safetensors")
    loaded = load_trace(path)
    assert isinstance(loaded, Trace)
    assert list(loaded) == list(original), "entry order (execution order) must survive the file"
    for name in original:
        assert loaded[name].dtype == original[name].dtype == dtype, name
        np.testing.assert_array_equal(loaded[name], original[name], err_msg=name, strict=True)
    assert loaded.metadata == json.loads(json.dumps(original.metadata))
    assert loaded.metadata["dtype"] == np.dtype(dtype).name and loaded.metadata["config"]["d_model"] == 144
    assert list(loaded.inputs) == list(original.inputs)
    for name, value in original.inputs.items():
        np.testing.assert_array_equal(loaded.inputs[name], value, err_msg=name, strict=True)
    assert loaded.inputs["decoder_input_ids"].dtype == np.int64  # ints stay ints
    assert loaded.inputs["attention_mask"].dtype == original.inputs["attention_mask"].dtype
    assert loaded.inputs["input_features"].dtype == dtype


def test_manifest_holds_order_shapes_dtypes_and_metadata(demo, tmp_path):
    from safetensors import safe_open

    original = demo_trace(demo[np.float32])
    path = save_trace(original, tmp_path / "t.safetensors")
    with safe_open(str(path), framework="np") as f:
        keys, file_metadata = set(f.keys()), f.metadata()
    assert set(file_metadata) == {MANIFEST_KEY}
    manifest = json.loads(file_metadata[MANIFEST_KEY])
    assert manifest["format"] == "s2t_np.trace" and manifest["version"] == 1
    assert [e["name"] for e in manifest["entries"]] == list(original)
    first = manifest["entries"][0]
    assert first == {
        "name": "model.encoder.conv.conv_layers.0",
        "shape": list(original[first["name"]].shape),
        "dtype": "float32",
    }
    assert [i["name"] for i in manifest["inputs"]] == list(original.inputs)
    assert manifest["metadata"]["producer"] == "s2t_np.oracle.trace"
    assert keys == set(original) | {f"inputs.{n}" for n in original.inputs}


def test_plain_dict_round_trip(tmp_path):
    entries = {
        "z.last": np.arange(12, dtype=np.float32).reshape(3, 4).T,  # not contiguous
        "a.first": np.arange(5, dtype=np.int64),
        "m.scalar": np.asarray(np.float64(2.5)),  # 0-d stays 0-d
        "b.half": np.ones((2, 0), np.float16),
    }
    loaded = load_trace(save_trace(entries, tmp_path / "d.safetensors"))
    assert list(loaded) == list(entries) and loaded.metadata == {} and loaded.inputs == {}
    for name, value in entries.items():
        np.testing.assert_array_equal(loaded[name], value, err_msg=name, strict=True)
    big_endian = np.arange(3, dtype=">f8")  # stored as little-endian float64, the values unchanged
    loaded = load_trace(save_trace({"x": big_endian}, tmp_path / "be.safetensors"))
    np.testing.assert_array_equal(loaded["x"], big_endian.astype("<f8"), strict=True)


def test_file_without_manifest(tmp_path):
    """Another tool's dump: entries in the file's order, "inputs." keys as inputs, its metadata kept."""
    tensors = {
        "model.encoder": np.ones((1, 3, 4), np.float32),
        "lm_head": np.zeros((1, 2, 5), np.float32),
        "inputs.decoder_input_ids": np.array([[2, 7]], np.int64),
    }
    path = tmp_path / "foreign.safetensors"
    save_file(tensors, str(path), metadata={"format": "pt"})
    loaded = load_trace(path)
    from safetensors.numpy import load_file

    file_order = [k for k in load_file(str(path)) if not k.startswith("inputs.")]
    assert list(loaded) == file_order and set(loaded) == {"model.encoder", "lm_head"}
    assert list(loaded.inputs) == ["decoder_input_ids"] and loaded.inputs["decoder_input_ids"].dtype == np.int64
    assert loaded.metadata == {"file_metadata": {"format": "pt"}}
    np.testing.assert_array_equal(loaded["model.encoder"], tensors["model.encoder"], strict=True)


def test_bfloat16_entries_are_widened_exactly(tmp_path):
    """A bf16 dump (NumPy has no bfloat16) loads as float32, bit for bit: float32 bits = bf16 bits << 16."""
    values = np.array([1.0, -2.5, 3.140625, 0.0], np.float32)  # exactly representable in bf16
    bits = (values.view(np.uint32) >> 16).astype("<u2")
    header = json.dumps({"x": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, bits.nbytes]}}).encode()
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bits.tobytes())
    loaded = load_trace(path)
    np.testing.assert_array_equal(loaded["x"], values.reshape(2, 2), strict=True)


def test_errors_are_typed_and_name_the_file(tmp_path):
    with pytest.raises(TraceNotFoundError, match="not found") as info:
        load_trace(tmp_path / "missing.safetensors")
    assert isinstance(info.value, FileNotFoundError) and "missing.safetensors" in str(info.value)
    cases = {"directory": (tmp_path, "not a trace file")}
    (tmp_path / "text.safetensors").write_text("this is not a safetensors file at all")
    cases["text"] = (tmp_path / "text.safetensors", "not a safetensors file")
    (tmp_path / "short.bin").write_bytes(b"\x01\x02")
    cases["short"] = (tmp_path / "short.bin", "not a safetensors file")
    (tmp_path / "badjson.safetensors").write_bytes(struct.pack("<Q", 4) + b"{{{{")
    cases["bad header"] = (tmp_path / "badjson.safetensors", "not JSON")
    for label, (path, words) in cases.items():
        with pytest.raises(InvalidInputError, match=words) as info:
            load_trace(path)
        assert isinstance(info.value, (S2TError, ValueError)) and path.name in str(info.value), label


def test_manifest_that_disagrees_with_the_tensors(tmp_path):
    manifest = {"format": "s2t_np.trace", "version": 1, "inputs": [], "metadata": {}}
    path = tmp_path / "m.safetensors"
    for entries, words in (
        ([{"name": "gone", "shape": [1], "dtype": "float32"}], "no such tensor"),
        ([{"name": "x", "shape": [3], "dtype": "float64"}], "the manifest says float64"),
        ([], "not in the file's manifest"),
    ):
        text = json.dumps(dict(manifest, entries=entries))
        save_file({"x": np.zeros(2, np.float32)}, str(path), metadata={MANIFEST_KEY: text})
        with pytest.raises(InvalidInputError, match=words):
            load_trace(path)
    save_file(
        {"x": np.zeros(2, np.float32)}, str(path), metadata={MANIFEST_KEY: json.dumps(dict(manifest, version=99))}
    )
    with pytest.raises(InvalidInputError, match="version 99"):
        load_trace(path)


def test_what_cannot_be_saved(tmp_path):
    with pytest.raises(InvalidInputError, match="inputs."):
        save_trace({"inputs.x": np.zeros(1)}, tmp_path / "a.safetensors")
    with pytest.raises(InvalidInputError, match="complex"):
        save_trace({"x": np.zeros(1, np.complex64)}, tmp_path / "a.safetensors")
    with pytest.raises(InvalidInputError, match="JSON"):
        save_trace(Trace({"x": np.zeros(1)}, {"bad": object()}), tmp_path / "a.safetensors")
    with pytest.raises(InvalidInputError, match="does not exist"):
        save_trace({"x": np.zeros(1)}, tmp_path / "no" / "dir" / "a.safetensors")
    for target in (tmp_path / "no" / "a.json", tmp_path):
        with pytest.raises(InvalidInputError, match="cannot write"):
            export_hf_debug_json({"model.encoder": np.zeros(1, np.float32)}, target)


# ---- transformers' debugger JSON ----------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory, torch, transformers):
    """A tiny random model (3 encoder layers, so layer pruning has something to prune), loaded by both sides."""
    from tests.support.reference_models import build_model_dir

    path, _ = build_model_dir(tmp_path_factory.mktemp("debugger"), seed=5, encoder_layers=3)
    return path


def debugger_summary(torch, transformers, path, dtype, x, mask, ids, out_dir, prune):
    """What model_addition_debugger_context writes for one forward (its *_SUMMARY.json, parsed and raw)."""
    ref = transformers.Speech2TextForConditionalGeneration.from_pretrained(str(path)).eval()
    if dtype == np.float64:
        ref = ref.double()
    try:
        with transformers.model_addition_debugger_context(ref, debug_path=str(out_dir), do_prune_layers=prune):
            with torch.no_grad():
                ref(
                    input_features=torch.from_numpy(x.astype(dtype)),
                    attention_mask=torch.from_numpy(mask),
                    decoder_input_ids=torch.from_numpy(ids),
                )
    finally:
        torch.set_printoptions(profile="default")  # the debugger leaves sci_mode=True set globally
    text = (out_dir / "Speech2TextForConditionalGeneration_debug_tree_SUMMARY.json").read_text(encoding="utf-8")
    return json.loads(text), text


def walk(node, parent=None):
    """(node, parent) pairs in pre-order."""
    yield node, parent
    for child in node.get("children", []):
        yield from walk(child, node)


def assert_tensor_summaries_close(ours, theirs, what):
    """Same shape / dtype strings and keys; the statistics' strings in torch's format and numerically close."""
    assert list(ours) == list(theirs), f"{what}: keys {list(ours)} vs transformers' {list(theirs)}"
    assert ours["shape"] == theirs["shape"] and ours["dtype"] == theirs["dtype"], (what, ours, theirs)
    if "mean" not in theirs:
        return False
    sides = (("ours", ours), ("theirs", theirs))
    for k in STAT_KEYS:
        assert TORCH_SCALAR.fullmatch(ours[k]), f"{what} {k}: {ours[k]!r} is not torch's 0-d repr"
    value = {side: {k: float(TORCH_SCALAR.fullmatch(s[k]).group(1)) for k in STAT_KEYS} for side, s in sides}
    scale = max(abs(value["theirs"]["min"]), abs(value["theirs"]["max"]))
    for k in STAT_KEYS:
        a, b = value["ours"][k], value["theirs"][k]
        bound = PRINT_RTOL * max(abs(a), abs(b)) + VALUE_RTOL * scale
        assert abs(a - b) <= bound, (
            f"{what} {k}: {ours[k]} vs transformers' {theirs[k]} (|diff| {abs(a - b):.3g} > {bound:.3g})"
        )
    return True


@pytest.mark.parametrize("prune", [True, False], ids=["pruned", "all_layers"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_debug_json_matches_transformers_debugger(tiny, torch, transformers, dtype, prune, tmp_path):
    import s2t_np

    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(tiny, dtype=dtype)
    x, mask, ids, _, _ = make_inputs(model.config, lengths=(41, 29), n_tokens=6)
    mask = mask.astype(np.int64)
    theirs, their_text = debugger_summary(torch, transformers, tiny, dtype, x, mask, ids, tmp_path / "hf", prune)
    path = export_hf_debug_json(trace(model, x, mask, ids), tmp_path / "ours.json", do_prune_layers=prune)
    our_text = path.read_text(encoding="utf-8")
    ours = json.loads(our_text)
    assert our_text == json.dumps(ours, indent=2) and their_text == json.dumps(theirs, indent=2)  # same writer

    # the tree: same module paths, same parents, same order (pre-order = the order forwards start)
    our_nodes = [(n["module_path"], p and p["module_path"]) for n, p in walk(ours)]
    their_nodes = [(n["module_path"], p and p["module_path"]) for n, p in walk(theirs)]
    our_leaves = {n["module_path"] for n, _ in walk(ours) if "children" not in n}
    their_leaves = {n["module_path"] for n, _ in walk(theirs) if "children" not in n}
    assert their_leaves - our_leaves == TRANSFORMERS_ONLY_LEAVES and not our_leaves - their_leaves
    assert our_nodes == their_nodes
    assert ours["module_path"] == "Speech2TextForConditionalGeneration"
    pruned = "Speech2TextForConditionalGeneration.model.encoder.layers.1"
    assert (pruned in dict(our_nodes)) is not prune, "do_prune_layers keeps only the first and last layer"

    # the nodes: transformers' keys minus the per-module "inputs" a trace does not hold
    with_stats = 0
    for (node, _), (their_node, _) in zip(walk(ours), walk(theirs)):
        what = node["module_path"]
        expected_keys = [k for k in their_node if k != "inputs" or node is ours]
        assert list(node) == expected_keys, f"{what}: keys {list(node)} vs transformers' {list(their_node)}"
        if "outputs" in node:
            with_stats += assert_tensor_summaries_close(node["outputs"], their_node["outputs"], what)
    # transformers writes statistics for float16 / float32 tensors only, so float64 leaves have none
    assert with_stats == (len(our_leaves) if dtype == np.float32 else 0)
    assert ours["inputs"]["args"] == theirs["inputs"]["args"] == []
    assert list(ours["inputs"]["kwargs"]) == list(theirs["inputs"]["kwargs"])
    for name, summary in ours["inputs"]["kwargs"].items():
        assert_tensor_summaries_close(summary, theirs["inputs"]["kwargs"][name], f"input {name}")


def test_debug_tree_formats_and_edge_cases():
    entries = {
        "model.encoder.conv.conv_layers.0": np.array([[0.0, 0.0]], np.float32),  # all zeros: int mode "0."
        "model.encoder.conv": np.array([1.0, np.nan], np.float32),
        "model.encoder": np.array([3.0], np.float32),  # one element: unbiased std is nan
        "model.decoder.embed_tokens": np.ones((2, 0), np.float32),  # empty: no statistics
        "lm_head": np.array([1.0, 2.0], np.float16),
        "frontend.cmvn": np.ones(3, np.float32),  # not a module: left out
    }
    tree = hf_debug_tree(entries, do_prune_layers=False)
    nodes = {n["module_path"].split(".", 1)[-1]: n for n, _ in walk(tree)}
    assert "frontend.cmvn" not in nodes and "inputs" not in tree  # a plain dict has no inputs
    assert [c["module_path"] for c in nodes["model.encoder"]["children"]] == [
        "Speech2TextForConditionalGeneration.model.encoder.conv"
    ]
    assert "outputs" not in nodes["model.encoder.conv"]  # pruned: it has children
    assert nodes["model.encoder.conv.conv_layers.0"]["outputs"] == {
        "shape": "torch.Size([1, 2])",
        "dtype": "torch.float32",
        "mean": "tensor(0.)",
        "std": "tensor(0.)",
        "min": "tensor(0.)",
        "max": "tensor(0.)",
    }
    assert nodes["model.decoder.embed_tokens"]["outputs"] == {"shape": "torch.Size([2, 0])", "dtype": "torch.float32"}
    lm = nodes["lm_head"]["outputs"]
    assert (
        lm["mean"] == "tensor(1.5000e+00, dtype=torch.float16)"
        and lm["std"] == "tensor(7.0703e-01, dtype=torch.float16)"
    )
    assert [c["module_path"] for c in tree["children"]] == [
        "Speech2TextForConditionalGeneration.model.encoder",
        "Speech2TextForConditionalGeneration.model.decoder.embed_tokens",
        "Speech2TextForConditionalGeneration.lm_head",
    ]


def test_debug_tree_scalar_reprs_match_torch(torch):
    """The 0-d repr rule against torch itself, for the awkward values."""
    from s2t_np.oracle.files import _torch_scalar_repr

    values = [0.0, -0.0, 1.0, -3.0, 1e-20, 6e4, 123456.0, 0.000123456, 2.0 / 3.0, float("nan"), float("inf"), -np.inf]
    torch.set_printoptions(sci_mode=True)  # as the debugger sets it
    try:
        for v in values:
            for np_dtype, t_dtype in ((np.float32, torch.float32), (np.float16, torch.float16)):
                with np.errstate(over="ignore"):  # 123456 is inf in float16, in both libraries
                    ours = _torch_scalar_repr(np_dtype(v))
                assert ours == repr(torch.tensor(v, dtype=t_dtype)), (v, np_dtype)
    finally:
        torch.set_printoptions(profile="default")
