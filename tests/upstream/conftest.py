"""The `lib` fixture: every ported upstream test runs once per implementation.

`lib` is a `Lib`: the Speech2Text classes of one implementation plus the tensor adapter
(torch tensors for transformers, NumPy arrays for s2t_np). `@s2t_xfail(reason)` marks a test
xfail(strict=True) on the s2t_np parametrization only: the transformers run validates the port, and
the strict mark fails once s2t_np passes, so the mark has to be removed then.
"""

import numpy as np
import pytest

from tests.conftest import require

LIBS = ("transformers", "s2t_np")


def s2t_xfail(reason):
    """Expected to fail on s2t_np only (strict)."""
    return pytest.mark.s2t_xfail(reason=reason)


class Lib:
    """One implementation's classes and tensor type."""

    def __init__(self, name):
        self.name = name
        if name == "transformers":
            self.torch = require("torch")
            self.torch.set_num_threads(1)
            module = require("transformers")
            self.return_tensors = "pt"
        else:
            self.torch = None
            module = __import__("s2t_np")
            self.return_tensors = "np"
        self.module = module
        for cls in (
            "Speech2TextFeatureExtractor",
            "Speech2TextTokenizer",
            "Speech2TextProcessor",
            "Speech2TextConfig",
            "Speech2TextModel",
            "Speech2TextForConditionalGeneration",
            "BatchFeature",
            "GenerationConfig",
        ):
            setattr(self, cls.removeprefix("Speech2Text"), getattr(module, cls, None))

    @property
    def is_torch(self):
        return self.torch is not None

    def tensor(self, array, dtype=None):
        """A NumPy array (or nested list) as this implementation's tensor."""
        array = np.asarray(array, dtype=dtype)
        return self.torch.from_numpy(array.copy()) if self.is_torch else array

    def numpy(self, tensor):
        """This implementation's tensor (or a nested list) as a NumPy array."""
        if self.is_torch and isinstance(tensor, self.torch.Tensor):
            return tensor.detach().cpu().numpy()
        return np.asarray(tensor)

    def is_tensor(self, value):
        return isinstance(value, self.torch.Tensor) if self.is_torch else isinstance(value, np.ndarray)

    def dtype_name(self, tensor):
        """'float32', 'int64', ... for either tensor type."""
        return str(self.numpy(tensor).dtype)

    def no_grad(self):
        import contextlib

        return self.torch.no_grad() if self.is_torch else contextlib.nullcontext()

    def __repr__(self):
        return self.name


@pytest.fixture
def tester():
    """transformers' Speech2TextFeatureExtractionTester."""
    from tests.upstream.feature_support import Speech2TextFeatureExtractionTester

    return Speech2TextFeatureExtractionTester()


@pytest.fixture
def feat_extract_dict(tester):
    return tester.prepare_feat_extract_dict()


@pytest.fixture(scope="session", params=LIBS)
def lib(request):
    return Lib(request.param)


def pytest_configure(config):
    config.addinivalue_line("markers", "s2t_xfail(reason): strict xfail on the s2t_np parametrization only")


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("s2t_xfail")
        callspec = getattr(item, "callspec", None)
        if marker is None or callspec is None or callspec.params.get("lib") != "s2t_np":
            continue
        item.add_marker(pytest.mark.xfail(strict=True, reason=marker.kwargs["reason"]))


@pytest.fixture(autouse=True)
def _transformers_warnings_on():
    """Upstream's assertLogs("transformers", level="WARNING") lowers the transformers logger's level;
    other test modules set transformers' verbosity to error, so the ported tests restore warning level."""
    import sys

    logging_module = sys.modules.get("transformers.utils.logging")
    if logging_module is None:
        yield
        return
    verbosity = logging_module.get_verbosity()
    logging_module.set_verbosity_warning()
    try:
        yield
    finally:
        logging_module.set_verbosity(verbosity)
