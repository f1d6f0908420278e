"""The benchmarks: s2t_np against transformers (torch), each side alone in its own fresh process.

    .venv/bin/python bench/run.py [--rounds 5] [--repeats 3] [--only encoder ...] [--sweep]
                                  [--json results.json] [--plot docs/performance_length.png]

For every case, `--rounds` times, a fresh process runs s2t_np and then a fresh process runs
transformers (the order alternates from round to round, so slow drifts of the machine hit both
sides alike); each process is bench/worker.py, which imports only its own side. A process reports
the best of `--repeats` timings after a warm-up; the table gives the minimum and the median over
the rounds and ratio = s2t_np / transformers (< 1: s2t_np is faster). Both sides use their default
thread counts (NumPy's OpenBLAS and torch both take every core) unless `--threads N` sets
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS for both.

This process imports neither side. The model is random-weight s2t-small size (d_model 256,
12 + 6 layers, ffn 2048, conv 1024, vocab 10000) written once by `worker.py build` with
save_pretrained; both sides load the same files. The generate cases check that both sides chose
the same tokens. `--sweep` adds the encoder and greedy generate at 5-60 s, which `--plot` draws.
docs/performance.md holds the results and what they mean.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = Path(__file__).resolve().parent / "worker.py"
SIDES = ("s2t_np", "torch")

# name -> (worker arguments, target ratio or None)
CASES = {
    "import": ([], None),
    "features 60 s": (["--seconds", "60"], 0.3),
    "encoder 10 s": (["--seconds", "10"], 0.8),
    "greedy (ms/token)": (["--beams", "1"], 0.45),
    "beam 5 (ms/token)": (["--beams", "5"], 0.55),
    "transcribe 60 s": ([], None),
}
CASE_OF = {"import": "import", "features": "features", "encoder": "encoder", "greedy": "generate",
           "beam": "generate", "transcribe": "transcribe"}  # fmt: skip
SWEEP_SECONDS = (5, 10, 30, 60)


def run_worker(case, side, directory, extra, env):
    """One fresh process: bench/worker.py CASE SIDE ... -> its JSON result."""
    cmd = [sys.executable, str(WORKER), case, *([side] if side else []), "--dir", str(directory), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(case, extra, directory, rounds, env):
    """{side: [result per round]}, sides alternating first."""
    results = {side: [] for side in SIDES}
    for r in range(rounds):
        for side in SIDES if r % 2 == 0 else SIDES[::-1]:
            results[side].append(run_worker(case, side, directory, extra, env))
    if case == "generate":
        tokens = {side: results[side][0]["tokens"] for side in SIDES}
        if tokens["s2t_np"] != tokens["torch"]:
            raise SystemExit(f"generate {extra}: the two sides chose different tokens\n{tokens}")
    return results


def summary(results, key="seconds"):
    """{side: (min, median)} of `key` over the rounds."""
    return {
        side: (min(r[key] for r in rows), statistics.median(r[key] for r in rows)) for side, rows in results.items()
    }


def print_table(table):
    print("| case | s2t_np min | transformers min | ratio (min) | ratio (median) | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (stats, unit, scale, target) in table.items():
        (o_min, o_med), (t_min, t_med) = stats["s2t_np"], stats["torch"]
        verdict = "" if target is None else f"<= {target} {'met' if o_min / t_min <= target else 'NOT met'}"
        print(
            f"| {name} | {o_min * scale:.3g} {unit} | {t_min * scale:.3g} {unit} | {o_min / t_min:.2f} | "
            f"{o_med / t_med:.2f} | {verdict} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=sorted(CASE_OF), help="run only these cases")
    parser.add_argument("--threads", type=int, help="threads for both sides (default: each side's default)")
    parser.add_argument("--sweep", action="store_true", help="also the encoder and greedy at 5-60 s")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--plot", type=Path, help="with --sweep: draw time against length into this PNG")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.threads:
        env.update({k: str(args.threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, {args.rounds} rounds, "
          f"threads: {args.threads or 'defaults'}", flush=True)  # fmt: skip

    everything = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        run_worker("build", None, directory, [], env)
        table = {}
        for name, (extra, target) in CASES.items():
            if args.only and name.split()[0] not in args.only:
                continue
            case = CASE_OF[name.split()[0]]
            results = measure(case, extra + ["--repeats", str(args.repeats)], directory, args.rounds, env)
            everything[name] = results
            unit, scale = ("ms", 1e3) if case in {"generate", "encoder", "features"} else ("s", 1.0)
            table[name] = (summary(results), unit, scale, target)
            if case == "transcribe":
                table["peak RSS, transcribe 60 s"] = (summary(results, "peak_rss_mb"), "MB", 1.0, 0.5)
            print(f"  done: {name}", file=sys.stderr, flush=True)
        print_table(table)
        if args.sweep:
            sweep = {}
            for case, extra in (("encoder", []), ("generate", ["--beams", "1"])):
                for seconds in SWEEP_SECONDS:
                    frames = ["--seconds", str(seconds)] if case == "encoder" else ["--frames", str(seconds * 100)]
                    results = measure(case, extra + frames + ["--repeats", "1"], directory, 1, env)
                    sweep[f"{case} {seconds}"] = {s: min(r["seconds"] for r in rows) for s, rows in results.items()}
                    print(f"  sweep: {case} {seconds} s {sweep[f'{case} {seconds}']}", file=sys.stderr, flush=True)
            everything["sweep"] = sweep
            if args.plot:
                plot(sweep, args.plot)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))


def plot(sweep, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, case, title, scale, unit in (
        (axes[0], "encoder", "encoder (batch 1)", 1e3, "ms"),
        (axes[1], "generate", "greedy generate: time per token", 1e3, "ms / token"),
    ):
        for side, label in (("s2t_np", "s2t_np"), ("torch", "transformers (torch)")):
            ax.plot(SWEEP_SECONDS, [sweep[f"{case} {s}"][side] * scale for s in SWEEP_SECONDS], "o-", label=label)
        ax.set(title=title, xlabel="audio length (s)", ylabel=unit)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)


if __name__ == "__main__":
    main()
