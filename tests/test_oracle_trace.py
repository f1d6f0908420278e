"""s2t_np.oracle.trace against torch forward hooks on transformers' model, and compare().

The reference side registers a forward hook on every module of transformers'
Speech2TextForConditionalGeneration and keeps what the hook sees (the first element of a tuple or
ModelOutput). Names, order, shapes and values must match the oracle's trace, over the variety
configs of test_model_parity (gelu / gelu_new / silu, 1-3 conv layers, 2 input channels, odd
head dims, an untied head), in float32 (the default tolerance table) and float64.
"""

import copy

import numpy as np
import pytest

from s2t_np.oracle import DEFAULT_TOLERANCES, assert_trace_close, compare, trace
from tests.support.model_cases import CONFIGS, hook_trace, make_inputs, patch_position_tables
from tests.support.tolerances import ORACLE_F64_TABLE_SHARED


@pytest.fixture(scope="module", params=list(CONFIGS))
def case(request, tmp_path_factory, torch, transformers):
    """(name, s2t_np float32 model, s2t_np float64 model, torch float32 reference, inputs)."""
    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path_factory.mktemp(request.param), seed=3, **CONFIGS[request.param])
    ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    ours64 = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.float64)
    x, mask, ids, _, _ = make_inputs(ours.config)
    return request.param, ours, ours64, ref, (x, mask, ids)


def test_names_order_and_shapes_are_the_hooks(case, torch):
    name, ours, _, ref, (x, mask, ids) = case
    expected = hook_trace(ref, torch, x, mask, ids)
    got = trace(ours, x, mask, ids)
    assert list(got) == list(expected), f"{name}: names or order differ"
    for key in expected:
        assert got[key].shape == expected[key].shape, f"{name}: {key} {got[key].shape} vs {expected[key].shape}"
        assert got[key].dtype == np.float32, key
    module_paths = {n for n, m in ref.named_modules() if n and not isinstance(m, torch.nn.ModuleList)}
    assert module_paths == set(got), f"{name}: modules without an entry: {module_paths - set(got)}"


def test_float32_trace_within_the_default_table(case, torch):
    name, ours, _, ref, (x, mask, ids) = case
    report = assert_trace_close(hook_trace(ref, torch, x, mask, ids), trace(ours, x, mask, ids))
    assert report.first_divergence is None and len(report.rows) > 20


def test_float64_trace(case, torch):
    """float64 vs model.double(): within the float64 table as is, and to rounding once the reference
    gets s2t_np's position table (its float32 SLEEF table is then the only difference)."""
    name, _, ours64, ref, (x, mask, ids) = case
    ref64 = copy.deepcopy(ref).double()
    expected = hook_trace(ref64, torch, x, mask, ids)
    got = trace(ours64, x, mask, ids)
    assert all(got[k].dtype == np.float64 for k in got)
    assert_trace_close(expected, got)
    patch_position_tables(ref64, torch)
    assert_trace_close(hook_trace(ref64, torch, x, mask, ids), got, ORACLE_F64_TABLE_SHARED)


def test_replay_is_the_forward_bit_for_bit(case):
    """The replay runs the model's own stage functions in the model's order: encoder output and logits
    are the facade's, exactly, in float32 and float64; with and without a frame mask, for one and
    several decoder tokens, for a batch and a single utterance."""
    _, ours, ours64, _, (x, mask, ids) = case
    variants = [
        (x, mask, ids),
        (x, None, ids),
        (x, mask, ids[:, :1]),
        (x[:1], None, ids[:1, :1]),
        (x[1:2], mask[1:2], ids[1:2]),
    ]
    for model in (ours, ours64):
        for features, frames, tokens in variants:
            out = model(features, frames, decoder_input_ids=tokens)
            got = trace(model, features, frames, tokens)
            np.testing.assert_array_equal(got["model.encoder"], out.encoder_last_hidden_state)
            np.testing.assert_array_equal(got["lm_head"], out.logits)
            base = model.model(features, frames, decoder_input_ids=tokens).last_hidden_state
            np.testing.assert_array_equal(got["model"], base)


# One parameter per kind of module; the perturbed module must be the first divergence.
PERTURBED = {
    "model.encoder.conv.conv_layers.0.weight": "model.encoder.conv.conv_layers.0",
    "model.encoder.conv.conv_layers.1.bias": "model.encoder.conv.conv_layers.1",
    "model.encoder.layers.0.self_attn_layer_norm.weight": "model.encoder.layers.0.self_attn_layer_norm",
    "model.encoder.layers.1.self_attn.k_proj.bias": "model.encoder.layers.1.self_attn.k_proj",
    "model.encoder.layers.1.self_attn.out_proj.weight": "model.encoder.layers.1.self_attn.out_proj",
    "model.encoder.layers.1.fc2.weight": "model.encoder.layers.1.fc2",
    "model.encoder.layer_norm.bias": "model.encoder.layer_norm",
    "model.decoder.layers.0.self_attn.q_proj.weight": "model.decoder.layers.0.self_attn.q_proj",
    "model.decoder.layers.1.encoder_attn.v_proj.weight": "model.decoder.layers.1.encoder_attn.v_proj",
    "model.decoder.layers.1.encoder_attn_layer_norm.bias": "model.decoder.layers.1.encoder_attn_layer_norm",
    "model.decoder.layers.0.fc1.bias": "model.decoder.layers.0.fc1",
    "model.decoder.layer_norm.weight": "model.decoder.layer_norm",
}


@pytest.fixture(scope="module")
def small_case(tmp_path_factory, torch, transformers):
    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path_factory.mktemp("perturb"), seed=5, tie_word_embeddings=False)
    ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    x, mask, ids, _, _ = make_inputs(ours.config, seed=1)
    return ours, ref, (x, mask, ids)


@pytest.mark.parametrize("parameter", list(PERTURBED) + ["model.decoder.embed_tokens.weight", "lm_head.weight"])
def test_first_divergence_names_the_perturbed_module(small_case, torch, parameter):
    ours, ref, (x, mask, ids) = small_case
    reference = trace(ours, x, mask, ids)
    assert compare(reference, hook_trace(ref, torch, x, mask, ids)).first_divergence is None
    perturbed = copy.deepcopy(ref)
    weight = dict(perturbed.named_parameters())[parameter]
    index = (int(ids[0, 1]), 0) if parameter.endswith("embed_tokens.weight") else (0,) * weight.ndim
    with torch.no_grad():
        weight[index] += 0.05  # one element (for embed_tokens: a row the decoder ids use)
    report = compare(reference, hook_trace(perturbed, torch, x, mask, ids))
    expected = PERTURBED.get(parameter, parameter.removesuffix(".weight"))
    assert report.first_divergence == expected, str(report)
    assert f"first divergence: {expected}" in str(report)


def test_report_lists_missing_names_and_shape_mismatches(case):
    _, ours, _, _, (x, mask, ids) = case
    reference = trace(ours, x, mask, ids)
    candidate = {k: v for k, v in reference.items() if "decoder" not in k}
    candidate["model.encoder.conv"] = reference["model.encoder.conv"][:, :-1]
    candidate["port.extra"] = np.zeros(3)
    report = compare(reference, candidate)
    assert report.first_divergence == "model.encoder.conv"
    assert "model.decoder.embed_tokens" in report.missing_in_candidate and report.missing_in_reference == (
        "port.extra",
    )
    text = str(report)
    assert "missing in candidate" in text and "port.extra" in text and "shape" in text
    with pytest.raises(AssertionError, match="first divergence: model.encoder.conv"):
        assert_trace_close(reference, candidate)


def test_statistics_and_tolerance_choices():
    ref = {"a": np.array([1.0, -2.0, 4.0], np.float32), "b": np.array([np.nan, 1.0]), "c": np.ones(2, np.float32)}
    cand = {"a": np.array([1.0, -2.0, 4.002]), "b": np.array([np.nan, 1.0]), "c": np.array([1.0, np.inf])}
    report = compare(ref, cand)
    a, b, c = report.rows
    assert a.max_abs == pytest.approx(0.002, rel=1e-6) and a.max_rel == pytest.approx(0.0005, rel=1e-6)
    assert a.nmse == pytest.approx(0.002**2 / 21, rel=1e-6) and 0.99999 < a.cosine < 1.0
    assert not a.passed and b.passed and not c.passed and "NaN/inf" in c.note
    assert compare(ref, cand, tolerances=(0.01, 0.0)).rows[0].passed
    assert compare(ref, cand, tolerances=[("a", 0.0, 1e-3), ("*", 0.0, 0.0)]).rows[0].passed
    assert set(DEFAULT_TOLERANCES) == {"float32", "float64"}


def test_the_python_recipe_of_docs_oracle_md_runs():
    """docs/oracle.md's first Python block (the recipe for a Python port) runs as written."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "oracle.md").read_text(encoding="utf-8")
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(block, "docs/oracle.md", "exec"), namespace)
    assert namespace["report"].passed and namespace["report"].rows


def test_assert_trace_close_names_restricts_the_reference():
    reference = {"a": np.ones(3, np.float32), "b": np.zeros(2, np.float32)}
    with pytest.raises(AssertionError, match="missing in candidate"):
        assert_trace_close(reference, {"a": np.ones(3)})
    assert assert_trace_close(reference, {"a": np.ones(3)}, names=["a"]).passed
    with pytest.raises(AssertionError, match="first divergence: a"):
        assert_trace_close(reference, {"a": np.full(3, 2.0)}, names=["a"])
    with pytest.raises(AssertionError, match="not in the reference"):
        assert_trace_close(reference, {"c": np.ones(1)}, names=["c"])


def test_compare_turns_bad_entries_into_failing_rows_and_checks_tolerances():
    reference = {"a": np.ones(2), "b": np.ones(2), "c": np.ones(2)}
    report = compare(reference, {"a": np.ones(2) + 5j, "b": ["x", "y"], "c": [[1.0], [2.0, 3.0]]})
    assert [row.passed for row in report.rows] == [False, False, False]
    assert "not a real-valued" in report.rows[0].note and "not a real-valued" in report.rows[1].note
    assert not compare({"model.encoder": np.ones(2)}, {"encoder": np.ones(2)}).passed  # nothing shared
    assert "share no name" in str(compare({"model.encoder": np.ones(2)}, {"encoder": np.ones(2)}))
    from s2t_np.errors import InvalidInputError

    for bad in ([1e-5, 1e-4], {"float32": [("*", 0, 0)]}, "loose"):
        with pytest.raises(InvalidInputError, match="tolerances must be"):
            compare(reference, reference, tolerances=bad)
    assert compare(reference, reference, tolerances=(0, np.float32(1e-3))).passed


def test_trace_rejects_mismatched_batches_and_encoder_only_models(small_case):
    import s2t_np
    from s2t_np.errors import InvalidInputError

    ours, _, (x, mask, ids) = small_case
    with pytest.raises(InvalidInputError, match="decoder_input_ids has batch"):
        trace(ours, x[:2], mask[:2], ids)
    encoder = s2t_np.Speech2TextEncoder(ours.config, ours.params)
    encoder.params = {"encoder": ours.params["encoder"]}
    with pytest.raises(InvalidInputError, match="encoder-decoder model"):
        trace(encoder, x, mask, ids)
