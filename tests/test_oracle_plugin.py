"""The pytest plugin (s2t_np/oracle/pytest_plugin.py), used the way another project would use it.

Each test writes a separate test file with pytest's `pytester` and runs it in a fresh pytest
process; the fixtures can only come from the installed entry point (`pytest11`), since the file
has no conftest and imports nothing of the plugin. The outcome counts are asserted exactly, so a
missing fixture (an error) or a port that passes when it should fail makes these tests fail.
"""

import ast
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np

import s2t_np
import s2t_np.oracle
from s2t_np.oracle import pytest_plugin
from tests.support.asserts import assert_close
from tests.support.tolerances import MODEL_F32

pytest_plugins = ["pytester"]

# A "port" in another project: its own NumPy code for two modules, from the weights file alone.
PORT = '''
import numpy as np
from safetensors.numpy import load_file


class Port:
    def __init__(self, model_dir, bug=False):
        self.weights = load_file(str(model_dir / "model.safetensors"))
        self.bug = bug

    def trace(self, ids, decoder_output):
        """{module name: array}: token embeddings and the (tied) lm_head over a given decoder output."""
        table = self.weights["model.decoder.embed_tokens.weight"]  # [V, D]
        head = table.T if not self.bug else table.T * 1.001  # the bug: a 0.1% wrong LM head
        return {"model.decoder.embed_tokens": table[ids], "lm_head": decoder_output @ head}
'''

TESTS = """
import numpy as np
import pytest

from port import Port

FEATURES = np.random.default_rng(0).standard_normal((2, 40, 80)).astype(np.float32)
IDS = np.array([[2, 5, 9, 11], [2, 7, 30, 1]])


@pytest.mark.parametrize("bug", [False, True], ids=["good_port", "wrong_port"])
def test_port(bug, s2t_np_tiny_model_dir, s2t_np_trace, s2t_np_assert_trace_close):
    reference = s2t_np_trace(FEATURES, decoder_input_ids=IDS)
    mine = Port(s2t_np_tiny_model_dir, bug).trace(IDS, reference["model.decoder"])
    s2t_np_assert_trace_close(reference, mine, names=list(mine))


def test_fixtures(s2t_np_tiny_model_dir, s2t_np_tiny_model, s2t_np_trace, s2t_np_assert_trace_close):
    import s2t_np

    assert (s2t_np_tiny_model_dir / "config.json").is_file()
    assert isinstance(s2t_np_tiny_model, s2t_np.Speech2TextForConditionalGeneration)
    assert s2t_np_tiny_model.config.d_model == 16
    trace = s2t_np_trace(FEATURES[:1, :30])
    assert trace["lm_head"].shape == (1, 1, 64)
    other = s2t_np.Speech2TextForConditionalGeneration(s2t_np_tiny_model.config, seed=5)
    assert not np.allclose(s2t_np_trace(FEATURES[:1, :30], model=other)["lm_head"], trace["lm_head"])
    s2t_np_assert_trace_close(trace, dict(trace))
    with pytest.raises(AssertionError, match="not in the reference"):
        s2t_np_assert_trace_close(trace, {}, names=["no.such.module"])
"""


def write_project(pytester):
    pytester.makepyfile(port=PORT, test_port=TESTS)


def test_entry_point_is_registered():
    (entry,) = [e for e in entry_points(group="pytest11") if e.name == "s2t_np"]
    assert entry.value == "s2t_np.oracle.pytest_plugin"


def test_good_port_passes_and_wrong_port_names_first_divergence(pytester):
    """Also runs test_fixtures, the fixtures' own contract, in the same outside project."""
    write_project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_port*good_port* PASSED*", "*test_port*wrong_port* FAILED*", "*test_fixtures PASSED*"]
    )
    result.stdout.fnmatch_lines(["*traces differ*", "*model.decoder.embed_tokens*ok*", "*first divergence: lm_head*"])


def test_without_the_plugin_the_fixtures_are_missing(pytester):
    """The control: with the plugin switched off, the same file cannot pass."""
    write_project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:s2t_np")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*fixture 's2t_np_* not found*"])


def test_tiny_model_is_the_same_on_every_build(tmp_path):
    a = pytest_plugin.build_tiny_model_dir(tmp_path / "a")
    b = pytest_plugin.build_tiny_model_dir(tmp_path / "b")
    for file in ("config.json", "model.safetensors"):
        assert (a / file).read_bytes() == (b / file).read_bytes(), file
    params = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(a).params
    layer = params["encoder"]["layers"][0]
    # biases and LayerNorms are moved off transformers' init values, so a port that drops them fails
    assert np.abs(layer["fc1"]["bias"]).min() > 0
    assert not np.allclose(layer["final_layer_norm"]["weight"], 1.0)


def test_transformers_reads_the_tiny_model(tmp_path, torch, transformers):
    path = pytest_plugin.build_tiny_model_dir(tmp_path)
    ref, info = transformers.Speech2TextForConditionalGeneration.from_pretrained(path, output_loading_info=True)
    assert not any(info.values()), f"transformers' loading report: {info}"
    features = np.random.default_rng(2).standard_normal((1, 30, 80)).astype(np.float32)
    ids = np.array([[2, 8, 13]])
    trace = s2t_np.oracle.trace(s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path), features, None, ids)
    with torch.no_grad():
        logits = ref.eval()(input_features=torch.from_numpy(features), decoder_input_ids=torch.from_numpy(ids)).logits
    assert_close(trace["lm_head"], logits.numpy(), MODEL_F32["logits"], "tiny model logits vs transformers")


def test_plugin_imports_nothing_heavy():
    """At module level only pytest (and the s2t_np.oracle package above it); never torch or transformers."""
    path = Path(pytest_plugin.__file__)
    top_level = [
        n for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    assert [alias.name for node in top_level for alias in node.names] == ["pytest"]
    code = (
        "import sys, s2t_np.oracle.pytest_plugin; "
        "print(sorted({'torch', 'transformers', 'torchaudio'} & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
