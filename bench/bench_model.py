"""Model speed: s2t_np vs the transformers torch reference, measured in the same run.

    .venv/bin/python bench/bench_model.py [--repeats 5]

A random-weight model of the s2t-small size (d_model 256, 12 + 6 layers, ffn 2048, conv 1024,
vocab 10000) is written with save_pretrained and loaded by both sides. Timed (best and median of
interleaved repeats after one warm-up; on a shared machine the best run is the fair figure): the
encoder forward on 10 s and 30 s of features (1000 / 3000 frames, batch 1),
a 100-token teacher-forced decoder pass + LM head over the 10 s encoder output, and 100 cached
one-token decoder steps. torch runs with torch.set_num_threads(2) under no_grad; NumPy uses its
BLAS threads (2 on the 2-core machines). Ratio = s2t_np time / torch time (< 1: s2t_np faster).
Target: encoder ratio <= 1. On a loaded machine multi-threaded BLAS timings jitter by 2x from run
to run; the single-thread comparison is steadier:
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_model.py --torch-threads 1
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

import s2t_np  # noqa: E402
from tests.support.reference_models import S2T_SMALL_SIZE, build_model_dir  # noqa: E402


def timed_pair(ours, theirs, repeats):
    """Best-of-`repeats` times of two functions, run interleaved (ours, theirs, ours, ...) after a
    warm-up each, so both see the same background load; the minimum is the least disturbed run."""
    ours(), theirs()
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        for fn, times in ((ours, t_ours), (theirs, t_theirs)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return min(t_ours), min(t_theirs), statistics.median(t_ours), statistics.median(t_theirs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=2,
        help="torch threads (match NumPy's: OPENBLAS_NUM_THREADS=1 with --torch-threads 1)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.torch_threads)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path, ref = build_model_dir(tmp, seed=0, init_std=0.02, **S2T_SMALL_SIZE)
        model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    cfg = model.config
    rows = []
    with torch.no_grad():
        for seconds in (10, 30):
            x = rng.standard_normal((1, seconds * 100, 80)).astype(np.float32)
            xt = torch.from_numpy(x)
            rows.append(
                (
                    f"encoder {seconds} s ({seconds * 100} frames)",
                    *timed_pair(lambda x=x: model.encode(x), lambda xt=xt: ref.model.encoder(xt), args.repeats),
                )
            )

        x = rng.standard_normal((1, 1000, 80)).astype(np.float32)
        enc, _ = model.encode(x)
        enc_t = torch.from_numpy(enc)
        ids = rng.integers(4, cfg.vocab_size, (1, 100))
        ids[0, 0] = cfg.decoder_start_token_id
        ids_t = torch.from_numpy(ids)

        def ours_teacher():
            return model(encoder_outputs=(enc,), decoder_input_ids=ids, use_cache=False).logits

        def theirs_teacher():
            return ref(encoder_outputs=(enc_t,), decoder_input_ids=ids_t, use_cache=False).logits

        rows.append(
            ("decoder 100 tokens teacher-forced + lm_head", *timed_pair(ours_teacher, theirs_teacher, args.repeats))
        )

        def ours_steps():
            cache = model.init_cache(enc)
            for i in range(100):
                _, cache = model.decode_step(ids[:, i : i + 1], None, cache)

        def theirs_steps():
            past = None
            for i in range(100):
                out = ref(
                    encoder_outputs=(enc_t,),
                    decoder_input_ids=ids_t[:, i : i + 1],
                    past_key_values=past,
                    use_cache=True,
                )
                past = out.past_key_values

        rows.append(
            (
                "decoder 100 cached one-token steps + lm_head",
                *timed_pair(ours_steps, theirs_steps, max(1, args.repeats // 2)),
            )
        )

    print(
        f"s2t-small size, random weights; numpy {np.__version__}, torch {torch.__version__} "
        f"(torch threads {torch.get_num_threads()}); best and median of {args.repeats} interleaved runs"
    )
    print(
        f"{'stage':46s} {'s2t_np':>9s} {'torch':>9s} {'ratio':>6s} |"
        f" {'median: s2t_np':>14s} {'torch':>9s} {'ratio':>6s}"
    )
    for name, ours, theirs, ours_med, theirs_med in rows:
        print(
            f"{name:46s} {ours * 1e3:7.1f}ms {theirs * 1e3:7.1f}ms {ours / theirs:6.2f} | "
            f"{ours_med * 1e3:12.1f}ms {theirs_med * 1e3:7.1f}ms {ours_med / theirs_med:6.2f}"
        )


if __name__ == "__main__":
    main()
