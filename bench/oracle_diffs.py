"""Measure what s2t_np.oracle's default tolerance table must allow: for every trace entry, the max
|s2t_np - transformers| relative to max |reference| of that entry, grouped by the table's rules.

    .venv/bin/python bench/oracle_diffs.py

Random-weight models of the variety configs of tests/test_model_parity.py plus the s2t-small size,
float32 (vs torch float32) and float64 (vs model.double(), its position table as is). The numbers
printed are the ones quoted in docs/oracle.md.
"""

import copy
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

import s2t_np  # noqa: E402
from s2t_np.oracle import DEFAULT_TOLERANCES, tolerance_for, trace  # noqa: E402
from tests.support.model_cases import CONFIGS, hook_trace, make_inputs  # noqa: E402
from tests.support.reference_models import S2T_SMALL_SIZE, build_model_dir  # noqa: E402


def rule_of(name, dtype):
    table = DEFAULT_TOLERANCES[dtype]
    return next(pattern for pattern, _, _ in table if __import__("fnmatch").fnmatchcase(name, pattern))


def main():
    torch.set_num_threads(1)
    configs = dict(CONFIGS, s2t_small_size=dict(S2T_SMALL_SIZE, init_std=0.05))
    worst = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, overrides in configs.items():
            overrides = dict(overrides)
            init_std = overrides.pop("init_std", 0.2)
            path, ref = build_model_dir(Path(tmp) / name, seed=3, init_std=init_std, **overrides)
            for dtype, reference in (("float32", ref), ("float64", copy.deepcopy(ref).double())):
                ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.dtype(dtype).type)
                x, mask, ids, _, _ = make_inputs(ours.config)
                expected = hook_trace(reference, torch, x, mask, ids)
                got = trace(ours, x, mask, ids)
                for key, r in expected.items():
                    scale = float(np.max(np.abs(r)))
                    rel = float(np.max(np.abs(got[key].astype(np.float64) - r))) / scale if scale else 0.0
                    group = (dtype, rule_of(key, dtype))
                    if rel > worst.get(group, (0.0, ""))[0]:
                        worst[group] = (rel, f"{name}: {key}")
    for (dtype, pattern), (rel, where) in sorted(worst.items()):
        atol, rtol = tolerance_for(pattern if pattern != "*" else "x", dtype)
        print(f"{dtype}  {pattern:20s} max |diff| / max|ref| = {rel:.2e}  (rtol {rtol:g}, {rtol / rel:5.1f}x)  {where}")


if __name__ == "__main__":
    main()
