"""Shared test set-up.

References (torch, transformers, kaldi-native-fbank) are required through `require(name)`:
outside CI a missing reference is a visible skip; under CI (CI=true) it is a failure, so a
suite without its references can never pass green.
"""

import importlib
import os

import pytest

from tests.support.paths import DATA_DIR

UNDER_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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
