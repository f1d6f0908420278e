"""Measure the per-stage max |diff| of s2t_np vs transformers for the parity-test configs.

Prints the numbers quoted in tests/support/tolerances.py and docs/model.md:
    .venv/bin/python bench/model_diffs.py
float32 vs torch float32, float64 vs torch `model.double()` (as is, and with the reference given
s2t_np's position table), for each config of tests/test_model_parity.py plus the s2t-small size.
"""

import copy
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

import s2t_np  # noqa: E402
from tests.support.model_cases import (  # noqa: E402
    CONFIGS,
    STAGES,
    make_inputs,
    our_stages,
    patch_position_tables,
    reference_stages,
    stage_diffs,
)
from tests.support.reference_models import S2T_SMALL_SIZE, build_model_dir  # noqa: E402


def main():
    torch.set_num_threads(1)
    cases = [(name, dict(seed=3, **over), {}) for name, over in CONFIGS.items()]
    cases.append(
        (
            "long_positions",
            dict(seed=5, max_source_positions=8, max_target_positions=4),
            dict(seed=6, lengths=(120, 90), n_tokens=12),
        )
    )
    cases.append(
        ("s2t_small_size", dict(seed=7, init_std=0.05, **S2T_SMALL_SIZE), dict(seed=8, lengths=(36, 24), n_tokens=5))
    )
    worst = {mode: dict.fromkeys(STAGES, 0.0) for mode in ("f32", "f64", "f64_patched")}
    scale = dict.fromkeys(STAGES, 0.0)
    for name, build, inp in cases:
        with tempfile.TemporaryDirectory() as tmp:
            path, ref = build_model_dir(tmp, **build)
            cfg = s2t_np.Speech2TextConfig.from_pretrained(path)
            inputs = make_inputs(cfg, **inp)
            r32 = reference_stages(ref, torch, *inputs)
            ours32 = our_stages(s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path), *inputs)
            ref64 = copy.deepcopy(ref).double()
            r64 = reference_stages(ref64, torch, *inputs)
            patch_position_tables(ref64, torch)
            r64p = reference_stages(ref64, torch, *inputs)
            ours64 = our_stages(s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, np.float64), *inputs)
            rows = {
                "f32": stage_diffs(ours32, r32),
                "f64": stage_diffs(ours64, r64),
                "f64_patched": stage_diffs(ours64, r64p),
            }
            print(f"== {name}")
            for stage in STAGES:
                ref_arr = r32[stage]
                mag = max(float(np.max(np.abs(a))) for a in (ref_arr if isinstance(ref_arr, tuple) else (ref_arr,)))
                scale[stage] = max(scale[stage], mag)
                print(
                    f"  {stage:27s} max|ref| {mag:9.3g}   f32 {rows['f32'][stage]:9.2e}   "
                    f"f64 {rows['f64'][stage]:9.2e}   f64(table shared) {rows['f64_patched'][stage]:9.2e}"
                )
                for mode in worst:
                    worst[mode][stage] = max(worst[mode][stage], rows[mode][stage])
    print("== worst over all configs")
    for stage in STAGES:
        print(
            f"  {stage:27s} max|ref| {scale[stage]:9.3g}   f32 {worst['f32'][stage]:9.2e}   "
            f"f64 {worst['f64'][stage]:9.2e}   f64(table shared) {worst['f64_patched'][stage]:9.2e}"
        )


if __name__ == "__main__":
    main()
