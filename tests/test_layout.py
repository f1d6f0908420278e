"""The package layout holds (docs/architecture.md): stages never import the layers above them,
nothing in s2t_np imports the references, and no module grows past the size a reader can hold."""

import ast
from pathlib import Path

import pytest

import s2t_np

PACKAGE = Path(s2t_np.__file__).resolve().parent
APPLICATION = {"__init__", "__main__", "cli", "transcriber", "transcript", "exercises"}
STAGES = sorted(p for p in PACKAGE.glob("*.py") if p.stem not in APPLICATION)
ALL_MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 450


def imported_modules(path):
    """Absolute names of every module `path` imports (relative imports resolved against s2t_np)."""
    package = ["s2t_np"] + list(path.relative_to(PACKAGE).parent.parts)
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
    return names


def test_the_stage_modules_are_the_ones_documented():
    assert {p.stem for p in STAGES} >= {
        "audio", "kaldi_fbank", "cmvn", "nn", "subsampler", "positions", "attention", "encoder",
        "decoder", "search", "logits_process", "weights", "config", "errors", "tokenizer",
    }  # fmt: skip
    documented = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path in ALL_MODULES:
        name = path.relative_to(PACKAGE).as_posix()
        assert f"`{name}`" in documented, f"{name} has no line in docs/architecture.md"


@pytest.mark.parametrize("path", STAGES, ids=lambda p: p.name)
def test_stages_do_not_import_the_layers_above(path):
    above = ("s2t_np.hf", "s2t_np.cli", "s2t_np.transcriber", "s2t_np.oracle")
    bad = [m for m in imported_modules(path) if m.startswith(above)]
    assert not bad, f"stage module {path.name} imports {bad}: dependencies point hf -> stages only"


@pytest.mark.parametrize("path", sorted((PACKAGE / "hf").glob("*.py")), ids=lambda p: p.name)
def test_hf_does_not_import_the_application(path):
    bad = [m for m in imported_modules(path) if m.startswith(("s2t_np.cli", "s2t_np.transcriber", "s2t_np.oracle"))]
    assert not bad, f"hf/{path.name} imports {bad}: the application sits on top of hf"


@pytest.mark.parametrize("path", ALL_MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_reference_imports_and_short_modules(path):
    references = [m for m in imported_modules(path) if m.split(".")[0] in {"torch", "transformers", "torchaudio"}]
    assert not references, f"{path.name} imports {references}; s2t_np must run on NumPy alone"
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_LINES, f"{path.name} has {n_lines} lines (at most {MAX_LINES})"


def test_import_resolution_sees_relative_imports():
    """The checker itself: a relative import of the hf layer is seen as s2t_np.hf."""
    modeling = PACKAGE / "hf" / "modeling.py"
    assert "s2t_np.encoder" in imported_modules(modeling)
    assert any(m.startswith("s2t_np.hf.") for m in imported_modules(modeling))
    assert "s2t_np.checks" in imported_modules(PACKAGE / "config.py")


def test_ci_runs_the_readme_test_command():
    """README.md opens with two commands; .ci/run runs the second one, word for word."""
    root = PACKAGE.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```bash\n")[1:3]
    commands = [block.split("\n```", 1)[0].strip() for block in blocks]
    assert len(commands) == 2 and "pytest" in commands[1] and "python -m s2t_np" in commands[0]
    ci_lines = (root / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci_lines, ".ci/run must run the README's test command"
