"""The parity oracle: reference traces for ports of Speech2Text (docs/oracle.md).

    trace(model, input_features, attention_mask=None, decoder_input_ids=None) -> Trace
    trace_features(feature_extractor, waveform, sampling_rate) -> Trace   (the front end's stages)
    compare(reference, candidate, tolerances=None) -> Report      (report.first_divergence)
    assert_trace_close(reference, candidate, tolerances=None)     (for pytest)
    save_trace(trace, path), load_trace(path) -> Trace            (safetensors + JSON manifest)
    export_hf_debug_json(trace, path)                             (transformers' debugger layout)

Application layer: it uses the stage modules and the hf facades, and nothing below imports it.
Names load on first use (PEP 562), as in `s2t_np`: the pytest plugin in this package is imported
by every pytest run where s2t_np is installed, and must not pull NumPy and the model code in then.
Submodules are named apart from the functions they export (`model_trace.trace`,
`comparison.compare`), so importing one never shadows a function.
"""

import importlib

_EXPORTS = {
    "DEFAULT_TOLERANCES": "comparison",
    "Report": "comparison",
    "Row": "comparison",
    "assert_trace_close": "comparison",
    "compare": "comparison",
    "tolerance_for": "comparison",
    "export_hf_debug_json": "files",
    "hf_debug_tree": "files",
    "load_trace": "files",
    "save_trace": "files",
    "trace_features": "frontend",
    "Trace": "model_trace",
    "trace": "model_trace",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 's2t_np.oracle' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
