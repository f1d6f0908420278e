"""Per-token decode cost of s2t_np's generate vs transformers' generate, same run, same tokens.

Model: a random-weight s2t-small-size Speech2Text (d_model 256, 12 + 6 layers, 4 heads, ffn 2048,
vocab 10000; untied lm_head, init_std 0.1 so the outputs are varied), saved with
save_pretrained and loaded by both sides. Input: one utterance of `--frames` random feature frames.
Both sides generate with min_new_tokens = max_new_tokens, so every run decodes exactly N tokens
per sequence; the tokens of both sides are asserted equal.

Per-token cost = (time(N_long) - time(N_short)) / (N_long - N_short): the difference removes the
encoder and other fixed costs, leaving the decoder steps (plus search bookkeeping). Each timing is
the minimum over `--repeats` interleaved runs (the machine is shared). torch uses 2 threads
(torch.set_num_threads(2)); NumPy uses its BLAS default.

    .venv/bin/python bench/bench_generate.py [--frames 300] [--short 10] [--long 60] [--repeats 5]
Target: s2t_np / torch <= 0.7 for greedy and for beam 5.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--short", type=int, default=10)
    parser.add_argument("--long", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import torch
    import transformers
    from reference_models import S2T_SMALL_SIZE, build_model_dir

    import s2t_np

    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as tmp:
        path, _ = build_model_dir(Path(tmp) / "s2t_small", seed=args.seed, init_std=0.1, tie_word_embeddings=False, **S2T_SMALL_SIZE)
        ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
        ref = transformers.Speech2TextForConditionalGeneration.from_pretrained(path).eval()

    feats = np.random.default_rng(0).standard_normal((1, args.frames, 80)).astype(np.float32)
    feats_t = torch.from_numpy(feats)
    print(f"s2t-small-size random model, 1 utterance of {args.frames} frames, torch threads {torch.get_num_threads()}")
    print(f"{'search':>8} {'s2t_np ms/token':>16} {'torch ms/token':>15} {'ratio':>6}   (tokens {args.short} -> {args.long})")
    results = {}
    for name, num_beams in (("greedy", 1), ("beam 5", 5)):
        best = {}
        for n in (args.short, args.long):
            kwargs = dict(num_beams=num_beams, max_new_tokens=n, min_new_tokens=n)
            if num_beams > 1:
                kwargs["early_stopping"] = True
            for _ in range(args.repeats):
                t_ours, out_ours = timed(lambda: ours.generate(feats, **kwargs))
                with torch.inference_mode():
                    t_ref, out_ref = timed(lambda: ref.generate(feats_t, **kwargs))
                out_ref = out_ref.numpy()
                if out_ours.shape != out_ref.shape or not np.array_equal(out_ours, out_ref):
                    raise SystemExit(f"{name}, {n} tokens: tokens differ\ns2t_np {out_ours}\ntorch  {out_ref}")
                if len(np.unique(out_ours)) < min(n, 10) // 2:
                    raise SystemExit(f"{name}: degenerate output {out_ours}")
                best[("ours", n)] = min(best.get(("ours", n), np.inf), t_ours)
                best[("ref", n)] = min(best.get(("ref", n), np.inf), t_ref)
        steps = args.long - args.short
        per_ours = (best[("ours", args.long)] - best[("ours", args.short)]) / steps * 1e3
        per_ref = (best[("ref", args.long)] - best[("ref", args.short)]) / steps * 1e3
        results[name] = per_ours / per_ref
        print(f"{name:>8} {per_ours:16.2f} {per_ref:15.2f} {per_ours / per_ref:6.2f}")
        print(f"{'':>8} whole generate at {args.long} tokens: s2t_np {best[('ours', args.long)] * 1e3:.0f} ms, "
              f"torch {best[('ref', args.long)] * 1e3:.0f} ms")
    verdict = all(r <= 0.7 for r in results.values())
    print("target s2t_np/torch <= 0.7:", "met" if verdict else "NOT met")


if __name__ == "__main__":
    main()
