"""Where s2t_np's time goes: each stage alone, against its FLOP count and the machine's limits.

    .venv/bin/python bench/profile_stages.py [--seconds 10] [--repeats 5]

Imports s2t_np only (no torch in this process). The model is random-weight s2t-small size
(d_model D = 256, 12 encoder layers, 4 heads, ffn F = 2048, conv 1024, 6 decoder layers, vocab
10000). Each stage's own function is timed alone on the shapes it sees in the encoder for
`--seconds` of audio (T = 100 frames per second, T' = T / 4 after the subsampler), its calls
repeated as often as one encoder forward makes them; the best of `--repeats`. Printed per stage:
time, FLOPs (multiply-adds count 2), GFLOP/s, bytes moved (one read of each input and one write
of each output, float32) and GB/s, against two measured limits:

    BLAS peak        float32 GEMM of 2048 x 2048 x 2048 through NumPy (OpenBLAS), all threads
    memory bandwidth a 64 MB copy (np.copyto), one thread, as NumPy's elementwise loops run

The last row is the whole encoder, and the search rows split beam-5 generate (60 tokens) into the
decoder step calls and everything else (search bookkeeping: log-softmax, top-k, beam arrays).
docs/performance.md discusses the result.
"""

import argparse
import time

import numpy as np

import s2t_np
from s2t_np import nn
from s2t_np.attention import split_heads
from s2t_np.config import ModelConfig
from s2t_np.subsampler import conv1d_stride2, glu
from s2t_np.weights import init_params

D, H, F, LAYERS, CONV, VOCAB = 256, 4, 2048, 12, 1024, 10000


def best(fn, repeats, calls=1):
    """Best time of `calls` back-to-back calls of fn over `repeats` tries, after a warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append(time.perf_counter() - start)
    return min(times)


def limits(repeats):
    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    gflops = 2 * n**3 / best(lambda: a @ a, repeats) / 1e9
    src = np.ones(16 * 2**20, np.float32)  # 64 MB
    dst = np.empty_like(src)
    gbs = 2 * src.nbytes / best(lambda: np.copyto(dst, src), repeats) / 1e9
    return gflops, gbs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cfg = ModelConfig(
        vocab_size=VOCAB, d_model=D, encoder_layers=LAYERS, decoder_layers=6, encoder_attention_heads=H,
        decoder_attention_heads=H, encoder_ffn_dim=F, decoder_ffn_dim=F, conv_channels=CONV,
        tie_word_embeddings=False, init_std=0.1,
    )  # fmt: skip
    params = init_params(cfg, seed=0)
    model = s2t_np.Speech2TextForConditionalGeneration(cfg, params=params)
    rng = np.random.default_rng(0)
    t = int(args.seconds * 100)
    features = rng.standard_normal((1, t, 80)).astype(np.float32)
    conv = params["encoder"]["conv"]["conv_layers"]
    layer = params["encoder"]["layers"][0]
    t1, t2 = (t - 1) // 2 + 1, ((t - 1) // 2) // 2 + 1  # frames after each conv layer
    x = rng.standard_normal((1, t2, D)).astype(np.float32)
    y1 = conv1d_stride2(features, **conv[0])
    q = split_heads(nn.linear(x, **layer["self_attn"]["q_proj"]), H)
    scores = rng.standard_normal((1, H, t2, t2)).astype(np.float32)
    fc1 = nn.linear(x, **layer["fc1"])
    f4 = 4  # bytes per float32

    # name: (fn, calls per encoder forward, FLOPs per call, bytes per call)
    sa = layer["self_attn"]
    stages = {
        "subsampler conv 1 (im2col GEMM)": (
            lambda: conv1d_stride2(features, **conv[0]),
            1,
            2 * t1 * 400 * CONV,
            f4 * (t1 * 400 + 400 * CONV + t1 * CONV),
        ),
        "subsampler conv 2 (im2col GEMM)": (
            lambda: conv1d_stride2(glu(y1), **conv[1]),
            1,
            2 * t2 * 2560 * 2 * D,
            f4 * (t2 * 2560 + 2560 * 2 * D + t2 * 2 * D),
        ),
        "subsampler GLU (2 layers)": (lambda: glu(y1), 2, 4 * t1 * CONV // 2, f4 * 3 * t1 * CONV // 2),
        "q/k/v/out projections": (
            lambda: nn.linear(x, **sa["q_proj"]),
            4 * LAYERS,
            2 * t2 * D * D,
            f4 * (2 * t2 * D + D * D),
        ),
        "attention matmuls (QK^T, AV)": (
            lambda: (q @ q.swapaxes(-1, -2)) @ q,
            LAYERS,
            2 * 2 * H * t2 * t2 * (D // H),
            f4 * (3 * t2 * D + 2 * H * t2 * t2),
        ),
        "softmax": (lambda: nn.softmax(scores.copy()), LAYERS, 4 * H * t2 * t2, f4 * 2 * H * t2 * t2),
        "LayerNorm": (
            lambda: nn.layer_norm(x, **layer["final_layer_norm"]),
            2 * LAYERS + 1,
            8 * t2 * D,
            f4 * 2 * t2 * D,
        ),
        "FFN (fc1, ReLU, fc2)": (
            lambda: nn.linear(nn.relu(nn.linear(x, **layer["fc1"])), **layer["fc2"]),
            LAYERS,
            4 * t2 * D * F,
            f4 * (2 * t2 * D + 2 * D * F + 2 * t2 * F),
        ),
        "ReLU alone": (lambda: nn.relu(fc1.copy()), LAYERS, t2 * F, f4 * 2 * t2 * F),
    }
    gflops_peak, gbs_peak = limits(args.repeats)
    print(f"encoder on {args.seconds:g} s (T = {t}, T' = {t2}); BLAS peak {gflops_peak:.0f} GFLOP/s, "
          f"memory copy {gbs_peak:.1f} GB/s (one thread)")  # fmt: skip
    print("| stage | calls | ms per forward | GFLOP | GFLOP/s | % of BLAS peak | GB/s | % of copy bandwidth |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    total = 0.0
    for name, (fn, calls, flops, nbytes) in stages.items():
        if name == "softmax" or name == "ReLU alone":
            # the copy that keeps the input intact is not the stage's: time it and take it off
            src = scores if name == "softmax" else fc1
            per_call = best(fn, args.repeats, calls) / calls - best(src.copy, args.repeats, calls) / calls
        else:
            per_call = best(fn, args.repeats, calls) / calls
        seconds = per_call * calls
        if name != "ReLU alone":  # inside the FFN row already
            total += seconds
        print(
            f"| {name} | {calls} | {seconds * 1e3:.1f} | {flops * calls / 1e9:.2f} | {flops / per_call / 1e9:.1f} | "
            f"{100 * flops / per_call / 1e9 / gflops_peak:.0f} | {nbytes / per_call / 1e9:.1f} | "
            f"{100 * nbytes / per_call / 1e9 / gbs_peak:.0f} |"
        )
    whole = best(lambda: model.encode(features), args.repeats)
    print(f"| sum of the stages | | {total * 1e3:.1f} | | | | | |")
    print(f"| whole encoder (model.encode) | 1 | {whole * 1e3:.1f} | | | | | |")

    # search bookkeeping: beam 5, 60 forced tokens, the step calls timed apart from the rest
    from s2t_np.hf import generation

    step_time = [0.0]
    original = generation.decoder_step_functions

    def timed_step_functions(*a, **k):
        step, reorder = original(*a, **k)

        def timed_step(tokens, cache):
            start = time.perf_counter()
            out = step(tokens, cache)
            step_time[0] += time.perf_counter() - start
            return out

        return timed_step, reorder

    generation.decoder_step_functions = timed_step_functions  # a profiler's hook, this process only
    feats = features[:, :300]
    runs = []
    for _ in range(args.repeats):
        step_time[0] = 0.0
        start = time.perf_counter()
        model.generate(feats, num_beams=5, early_stopping=True, max_new_tokens=60, min_new_tokens=60)
        runs.append((time.perf_counter() - start, step_time[0]))
    whole, steps = min(runs)
    encoder = best(lambda: model.encode(feats), args.repeats)
    print(f"\nbeam-5 generate, 3 s, 60 tokens: {whole * 1e3:.0f} ms = encoder {encoder * 1e3:.0f} + decoder steps "
          f"{steps * 1e3:.0f} + search bookkeeping {(whole - steps - encoder) * 1e3:.0f} ms "
          f"({100 * (whole - steps - encoder) / whole:.0f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
