"""Shared test set-up.

References (torch, transformers, kaldi-native-fbank) are required through `require(name)`:
outside CI a missing reference is a visible skip; under CI (CI=true) it is a failure, so a
suite without its references can never pass green.
"""

import importlib
import os

import pytest
from hypothesis import settings

from tests.support.paths import DATA_DIR

pytest_plugins = ("tests.support.tokenizer_pairs",)  # the tokenizer API tests' `load` fixture

UNDER_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Hypothesis profiles. "ci": the same examples on every run (derandomize), no deadline on shared
# machines, and the reproduction blob printed with a failure. "dev": Hypothesis' defaults.
# "thorough": 1000 examples per property (tests.support.properties.examples lifts the per-test
# counts, which are sized for CI). CI=true loads "ci"; otherwise HYPOTHESIS_PROFILE names one.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev")
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile("ci" if UNDER_CI else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def require(module_name):
    """Import a reference package or skip (locally) / fail (under CI=true)."""
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = f"reference package {module_name!r} is not importable: {exc}. Install with: pip install -e '.[test]'"
        if UNDER_CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def torch():
    t = require("torch")
    t.set_num_threads(1)  # deterministic and fair on shared 2-core machines
    return t


@pytest.fixture(scope="session")
def transformers():
    require("torch")
    return require("transformers")


@pytest.fixture(scope="session")
def knf():
    return require("kaldi_native_fbank")


@pytest.fixture(scope="session")
def data_dir():
    return DATA_DIR


@pytest.fixture(autouse=True)
def _offline_hub(monkeypatch, tmp_path_factory):
    """No test reaches the network or the user's Hugging Face cache: s2t_np resolves hub ids against
    an empty cache with downloads off. tests/test_hub.py turns downloads on against its loopback server.

    huggingface_hub reads these variables once, when it is imported; it is imported first here, under
    the real environment, so that the references (transformers) behave as without this fixture (in
    offline mode transformers records local_files_only=True in the tokenizer_config.json it saves)."""
    try:
        importlib.import_module("huggingface_hub.constants")
    except ImportError:  # pragma: no cover - a plain install runs the tests that need no reference
        pass
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path_factory.getbasetemp() / "empty_hf_cache"))
