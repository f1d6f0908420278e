"""One benchmark measurement of one implementation, in this fresh process: bench/run.py starts it.

    python bench/worker.py CASE IMPL --dir DIR [--seconds S] [--beams B] [--frames F] [--repeats K]

IMPL is `s2t_np` or `torch` (transformers 5.23 with torch 2.13, the reference). Only that side is
imported: two threaded runtimes in one process disturb each other (OpenBLAS and OpenMP worker
threads keep spinning after a call), so each side is timed alone. One JSON object is printed on
the last line of stdout. Cases (DIR is prepared by `build`):

    build       writes DIR/model (random s2t-small-size weights, save_pretrained) and DIR/speech_60s.wav
    import      seconds to import the package and its Speech2Text model and processor classes
    features    feature extraction of the first S seconds of DIR/speech_60s.wav (S2T processor call)
    encoder     the encoder on S seconds of random features (S * 100 frames, batch 1)
    generate    ms per decoded token: generate with B beams on F random feature frames (default 300,
                3 s), the difference
                of 60 and 10 forced new tokens (min_new_tokens = max_new_tokens) over 50, so the
                encoder and other fixed costs cancel; the tokens' checksum lets run.py compare sides
    transcribe  one 60 s file -> text: s2t_np.transcribe(path, DIR/model, max_segment_s=None)
                against the transformers recipe (soundfile, processor, generate), both on the whole
                file; greedy, at most 100 tokens; peak resident memory (VmHWM: this process alone,
                from its exec on)

Each timing is the minimum of K repeats after one warm-up run (generate: the long run warms up,
then short and long runs alternate).
"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHORT, LONG = 10, 60


def best_of(fn, repeats):
    """(minimum seconds over `repeats` calls of fn after one warm-up call, the warm-up's result)."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_rss_mb():
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def build(directory):
    sys.path.insert(0, str(ROOT))
    import soundfile

    from tests.support.long_audio import long_recording
    from tests.support.reference_models import S2T_SMALL_SIZE, build_model_dir

    # init_std 0.1 and an untied lm_head: random outputs are varied, as in tests/test_generation.py
    path, _ = build_model_dir(directory / "model", seed=1, init_std=0.1, tie_word_embeddings=False, **S2T_SMALL_SIZE)
    # the demo's processor files, its vocabulary padded to the 10000 ids (the filler pieces decode as
    # unknown pieces: the texts are random anyway)
    demo = ROOT / "s2t_np" / "demo"
    for name in (
        "preprocessor_config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
        "sentencepiece.bpe.model",
    ):
        shutil.copy(demo / name, path / name)
    vocab = json.loads((demo / "vocab.json").read_text())
    vocab.update({f"<filler_{i}>": i for i in range(len(vocab), S2T_SMALL_SIZE["vocab_size"])})
    (path / "vocab.json").write_text(json.dumps(vocab))
    waveform = long_recording(60.0, seed=0)[0][: 60 * 16000]  # espeak-ng sentences with pauses
    soundfile.write(directory / "speech_60s.wav", waveform, 16000, subtype="PCM_16")
    return {}


class S2TNP:
    """The s2t_np side of every case."""

    def __init__(self, directory):
        import numpy as np

        import s2t_np

        self.np, self.s2t_np, self.dir = np, s2t_np, directory

    def model(self):
        return self.s2t_np.Speech2TextForConditionalGeneration.from_pretrained(self.dir / "model")

    def processor(self):
        return self.s2t_np.Speech2TextProcessor.from_pretrained(self.dir / "model")

    def features(self, waveform):
        extractor = self.processor().feature_extractor
        return lambda: extractor(waveform, sampling_rate=16000, return_tensors="np")

    def encoder(self, features):
        model = self.model()
        return lambda: model.encode(features)

    def generate(self, features, **kwargs):
        model = self.model()
        return lambda: model.generate(features, **kwargs)

    def transcribe(self, path):
        # max_segment_s=None: the whole file through the model at once, the same work as the
        # transformers recipe (transcribe's default cuts long files at pauses, which needs less memory)
        model = str(self.dir / "model")
        return self.s2t_np.transcribe(str(path), model, num_beams=1, max_length=101, max_segment_s=None)


class Torch:
    """The transformers side of every case (torch under inference_mode)."""

    def __init__(self, directory):
        import numpy as np
        import torch
        import transformers

        transformers.logging.set_verbosity_error()
        self.np, self.torch, self.transformers, self.dir = np, torch, transformers, directory

    def model(self):
        return self.transformers.Speech2TextForConditionalGeneration.from_pretrained(self.dir / "model").eval()

    def processor(self):
        return self.transformers.Speech2TextProcessor.from_pretrained(self.dir / "model")

    def features(self, waveform):
        extractor = self.processor().feature_extractor
        return lambda: extractor(waveform, sampling_rate=16000, return_tensors="np")

    def encoder(self, features):
        model, x = self.model(), self.torch.from_numpy(features)

        def run():
            with self.torch.inference_mode():
                return model.model.encoder(x).last_hidden_state

        return run

    def generate(self, features, **kwargs):
        model, x = self.model(), self.torch.from_numpy(features)

        def run():
            with self.torch.inference_mode():
                return model.generate(x, **kwargs).numpy()

        return run

    def transcribe(self, path):
        import soundfile

        model, processor = self.model(), self.processor()
        waveform, rate = soundfile.read(str(path), dtype="float32")
        inputs = processor(waveform, sampling_rate=rate, return_tensors="pt")
        with self.torch.inference_mode():
            ids = model.generate(
                inputs["input_features"], attention_mask=inputs["attention_mask"], num_beams=1, max_length=101
            )
        return processor.batch_decode(ids, skip_special_tokens=True)[0]


def measure(case, impl, args):
    start = time.perf_counter()
    side = (S2TNP if impl == "s2t_np" else Torch)(args.dir)
    if case == "import":
        side.model, side.processor  # noqa: B018 - the classes are part of what a user imports
        return {"seconds": time.perf_counter() - start}
    np = side.np
    rng = np.random.default_rng(0)
    if case == "features":
        import soundfile

        waveform, _ = soundfile.read(str(args.dir / "speech_60s.wav"), dtype="float32")
        seconds, _ = best_of(side.features(waveform[: int(args.seconds * 16000)]), args.repeats)
        return {"seconds": seconds}
    if case == "encoder":
        features = rng.standard_normal((1, int(args.seconds * 100), 80)).astype(np.float32)
        seconds, _ = best_of(side.encoder(features), args.repeats)
        return {"seconds": seconds}
    if case == "generate":
        features = rng.standard_normal((1, args.frames, 80)).astype(np.float32)
        kwargs = dict(num_beams=args.beams, early_stopping=True) if args.beams > 1 else dict(num_beams=1)
        short = side.generate(features, max_new_tokens=SHORT, min_new_tokens=SHORT, **kwargs)
        long = side.generate(features, max_new_tokens=LONG, min_new_tokens=LONG, **kwargs)
        # warm-up with the long run (it has every shape the short one has), then short and long
        # alternate: torch's first calls can be seconds slow, which must not land on one side only
        ids = long()
        times = {short: [], long: []}
        for _ in range(args.repeats):
            for fn in (short, long):
                start = time.perf_counter()
                fn()
                times[fn].append(time.perf_counter() - start)
        t_short, t_long = min(times[short]), min(times[long])
        per_token = (t_long - t_short) / (LONG - SHORT)
        return {"seconds": per_token, "short_s": t_short, "long_s": t_long, "tokens": np.asarray(ids).tolist()}
    if case == "transcribe":
        begin = time.perf_counter()
        text = side.transcribe(args.dir / "speech_60s.wav")
        return {"seconds": time.perf_counter() - begin, "peak_rss_mb": peak_rss_mb(), "words": len(text.split())}
    raise SystemExit(f"unknown case {case!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", choices=["build", "import", "features", "encoder", "generate", "transcribe"])
    parser.add_argument("impl", nargs="?", choices=["s2t_np", "torch"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--beams", type=int, default=1)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result = build(args.dir) if args.case == "build" else measure(args.case, args.impl, args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
