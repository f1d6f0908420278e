"""Long audio: peak memory and time of transcribe() against the length of the file, and long-form WER.

    .venv/bin/python bench/bench_long_audio.py [--minutes 1 2.5 5 10 20] [--whole-up-to 5]
                                               [--repeats 3] [--file-rate 16000] [--noise 0]

For each length, a child process writes a WAV file of the committed espeak-ng sentence clips
strung together with pauses of 0.6-1.5 s (tests/support/long_audio.py, seed 0) into a temporary
directory, with its sentences and their sample ranges next to it (FILE.json). Then, `--repeats`
times, a fresh child process imports s2t_np, loads the demo model, transcribes one short clip
(warm-up) and then the file with the defaults, and reports the time of that transcribe() call
and the word error rate of its text. The parent reads each child's peak resident memory with
os.wait4 (the getrusage ru_maxrss of that child alone) and reports the largest; the child's own
VmHWM from /proc/self/status is printed next to it as a cross-check. The parent itself imports
nothing heavy and holds no audio: Linux counts the memory a child had before exec (with vfork, the
parent's) in its ru_maxrss, so a parent holding the audio would inflate every child's figure.
Time is the fastest of the repeats (the machine is shared).

`--whole-up-to M` also runs files up to M minutes with max_segment_s=None, the whole file through
the encoder at once (the only behaviour before segmenting), for comparison.
WER: word-level Levenshtein distance over the file's sentences, for the long-form text, and (last
line) for the clips of the longest file (same gains, no pauses) transcribed one by one as a list.
The demo model knows espeak-ng speech of a 392-word vocabulary only (docs/demo_model.md).
Targets: a 10-minute file peaks under 1 GB RSS; time per minute of audio stays flat (linear growth).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "s2t_np" / "examples" / "example.wav"


def make(path, minutes, noise, file_rate):
    import numpy as np
    import soundfile
    from scipy.signal import resample_poly

    from tests.support.long_audio import RATE, long_recording

    x, sentences, spans = long_recording(minutes * 60, seed=0, noise=noise)
    data = x if file_rate == RATE else resample_poly(x.astype(np.float64), file_rate, RATE)
    soundfile.write(path, data, file_rate, subtype="PCM_16")
    Path(path + ".json").write_text(json.dumps({"sentences": sentences, "spans": spans, "seconds": len(x) / RATE}))


def vm_hwm_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def transcribe_file(path, whole):
    import s2t_np
    from tests.support.long_audio import word_errors

    s2t_np.transcribe(EXAMPLE)  # load the model, warm up
    start = time.perf_counter()
    result = s2t_np.transcribe(path, return_segments=True, max_segment_s=None if whole else 20.0)
    seconds = time.perf_counter() - start
    errors, n = word_errors(" ".join(json.loads(Path(path + ".json").read_text())["sentences"]), result.text)
    report = {"seconds": seconds, "wer": errors / n, "segments": len(result.segments), "vm_hwm_mib": vm_hwm_mib()}
    print(json.dumps(report))


def one_by_one(path):
    import s2t_np
    from tests.support.long_audio import word_errors

    meta = json.loads(Path(path + ".json").read_text())
    wave = s2t_np.load_audio(path)
    texts = s2t_np.transcribe([wave[a:b] for a, b in meta["spans"]], sampling_rate=16000)
    errors, n = word_errors(" ".join(meta["sentences"]), " ".join(texts))
    print(json.dumps({"wer": errors / n, "clips": len(texts)}))


def run_child(*args):
    """-> (the child's JSON report or None, its peak RSS in MiB from os.wait4)."""
    proc = subprocess.Popen([sys.executable, __file__, *map(str, args)], stdout=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed (exit status {proc.returncode})")
    return (json.loads(out) if out.strip() else None), usage.ru_maxrss / 1024  # ru_maxrss: KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 2.5, 5, 10, 20])
    parser.add_argument("--whole-up-to", type=float, default=5, help="also transcribe whole files up to M minutes")
    parser.add_argument("--repeats", type=int, default=3, help="children per length and mode (fastest time)")
    parser.add_argument("--file-rate", type=int, default=16000, help="sampling rate of the written files")
    parser.add_argument("--noise", type=float, default=0.0, help="RMS of white noise added to the files")
    parser.add_argument("--make", nargs=2, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--whole", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one-by-one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the repository root, for tests.support
    if args.make:
        return make(args.make[0], float(args.make[1]), args.noise, args.file_rate)
    if args.child:
        return transcribe_file(args.child, args.whole)
    if args.one_by_one:
        return one_by_one(args.one_by_one)

    columns = ("minutes", "mode", "segments", "peak RSS MiB", "(VmHWM)", "time s", "s / audio min", "WER")
    widths = (7, 8, 8, 12, 8, 7, 13, 6)
    print(" ".join(f"{c:>{w}}" for c, w in zip(columns, widths)), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for asked in args.minutes:
            path = str(Path(tmp) / f"long_{asked:g}min.wav")
            run_child("--make", path, asked, "--noise", args.noise, "--file-rate", args.file_rate)
            minutes = json.loads(Path(path + ".json").read_text())["seconds"] / 60  # whole sentences: a bit longer
            for mode in ["segments"] + (["whole"] if asked <= args.whole_up_to else []):
                flags = ["--whole"] if mode == "whole" else []
                runs = [run_child("--child", path, *flags) for _ in range(args.repeats)]
                report = min((r for r, _ in runs), key=lambda r: r["seconds"])
                rss, hwm = max(m for _, m in runs), max(r["vm_hwm_mib"] for r, _ in runs)
                values = (f"{minutes:.2f}", mode, report["segments"], f"{rss:.0f}", f"{hwm:.0f}")
                values += (f"{report['seconds']:.2f}", f"{report['seconds'] / minutes:.3f}", f"{report['wer']:.1%}")
                print(" ".join(f"{v:>{w}}" for v, w in zip(values, widths)), flush=True)
        report, _ = run_child("--one-by-one", path)
        print(f"one by one, the {report['clips']} clips of the {minutes:.2f}-minute file: WER {report['wer']:.1%}")


if __name__ == "__main__":
    main()
