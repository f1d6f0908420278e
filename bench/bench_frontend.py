"""Time s2t_np's front end against transformers' NumPy extractor and kaldi-native-fbank.

Run: .venv/bin/python bench/bench_frontend.py [--repeats N]

Like is compared with like, on the same 10 s and 60 s clips (the committed espeak-ng clips
concatenated and repeated), in one process, interleaved, best of N wall-clock runs (best-of
filters out the noise of a shared machine), BLAS limited to one thread for every candidate:

- "fbank only" (no CMVN): s2t_np.fbank(x * 2**15, 80 bins) vs transformers'
  Speech2TextFeatureExtractor._extract_fbank_features (its NumPy path, no torchaudio) vs
  kaldi_native_fbank.OnlineFbank called from Python (accept_waveform + get_frame per frame,
  the way Python users call it; dither pinned to 0, 80 bins);
- "extractor" (fbank + utterance CMVN + mask): s2t_np.Speech2TextFeatureExtractor()(x) vs
  transformers.Speech2TextFeatureExtractor()(x), both with return_tensors="np".
  kaldi-native-fbank has no CMVN, so it appears only in the first comparison.

Targets: >= 2x faster than transformers' NumPy path; not slower than knf.
"""

import argparse
import os
import sys

# single-threaded BLAS for every candidate (knf is single-threaded C++); set before NumPy loads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import s2t_np  # noqa: E402


def clip(seconds):
    parts = [s2t_np.load_audio(p) for p in sorted((ROOT / "tests" / "data").glob("speech_*.wav"))]
    speech = np.concatenate(parts)
    reps = int(np.ceil(seconds * 16000 / len(speech)))
    return np.tile(speech, reps)[: int(seconds * 16000)].astype(np.float32)


def knf_fbank(knf, waveform):
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.samp_freq = 16000
    opts.frame_opts.snip_edges = True
    opts.mel_opts.num_bins = 80
    opts.mel_opts.low_freq = 20.0
    opts.mel_opts.high_freq = 0.0
    online = knf.OnlineFbank(opts)
    online.accept_waveform(16000, waveform)
    online.input_finished()
    return np.array([online.get_frame(i) for i in range(online.num_frames_ready)])


def best_times(fns, repeats):
    """Interleave the candidates (fairer on a shared machine); best wall time of each."""
    best = {name: float("inf") for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    import kaldi_native_fbank as knf
    import transformers
    from transformers.utils import is_speech_available

    transformers.logging.set_verbosity_error()
    assert not is_speech_available(), "torchaudio present: transformers would not use its NumPy path"
    hf = transformers.Speech2TextFeatureExtractor()
    ours = s2t_np.Speech2TextFeatureExtractor()
    print(
        f"numpy {np.__version__}, transformers {transformers.__version__}, cpus {os.cpu_count()}, "
        f"load {os.getloadavg()[0]:.2f}, best of {args.repeats}"
    )
    for seconds in (10, 60):
        x = clip(seconds)
        x_kaldi = x * np.float32(2**15)
        fb = best_times(
            {
                "s2t_np.fbank": lambda x_kaldi=x_kaldi: s2t_np.fbank(x_kaldi, num_mel_bins=80, dither=0.0),
                "transformers": lambda x=x: hf._extract_fbank_features(x),
                "knf": lambda x_kaldi=x_kaldi: knf_fbank(knf, x_kaldi),
            },
            args.repeats,
        )
        ex = best_times(
            {
                "s2t_np": lambda x=x: ours(x, sampling_rate=16000, return_tensors="np"),
                "transformers": lambda x=x: hf(x, sampling_rate=16000, return_tensors="np"),
            },
            args.repeats,
        )
        print(f"\n{seconds} s clip ({len(x)} samples, {1 + (len(x) - 400) // 160} frames)")
        print(
            f"  fbank only, no CMVN : s2t_np {fb['s2t_np.fbank'] * 1e3:7.1f} ms | transformers "
            f"{fb['transformers'] * 1e3:7.1f} ms | knf {fb['knf'] * 1e3:7.1f} ms"
        )
        print(
            f"      speed-up        : vs transformers {fb['transformers'] / fb['s2t_np.fbank']:5.2f}x "
            f"(target >= 2) | vs knf {fb['knf'] / fb['s2t_np.fbank']:5.2f}x (target >= 1)"
        )
        print(
            f"  extractor with CMVN : s2t_np {ex['s2t_np'] * 1e3:7.1f} ms"
            f" | transformers {ex['transformers'] * 1e3:7.1f} ms"
            f" | speed-up {ex['transformers'] / ex['s2t_np']:5.2f}x (target >= 2)"
        )


if __name__ == "__main__":
    main()
