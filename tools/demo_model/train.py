"""Step 3b: train transformers' Speech2TextForConditionalGeneration on the cached features (CPU).

Plain torch loop: AdamW, linear warmup + inverse-sqrt decay, label-smoothed cross entropy,
batches bucketed by length. An auxiliary CTC loss on the encoder output (a linear layer used only
in training, not exported; weight --ctc-weight) makes the attention converge in few steps.
Time-bounded (--max-minutes) and resumable (--resume): checkpoints go to work/ckpt_last.pt every
--eval-minutes together with a greedy dev WER; the best dev WER model is kept in work/ckpt_best.pt.
"""

import argparse
import math
import time
from pathlib import Path

import numpy as np
import sentencepiece as spm
import torch
from common import SEED, WORK, corpus_wer, load_json
from transformers import GenerationConfig, Speech2TextConfig, Speech2TextForConditionalGeneration

MODEL_CONFIG = dict(
    d_model=144,
    encoder_layers=6,
    decoder_layers=3,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=576,
    decoder_ffn_dim=576,
    conv_channels=256,
    conv_kernel_sizes=[5, 5],
    num_conv_layers=2,
    input_feat_per_channel=80,
    input_channels=1,
    dropout=0.1,
    attention_dropout=0.0,
    activation_dropout=0.0,
    encoder_layerdrop=0.0,
    decoder_layerdrop=0.0,
    activation_function="relu",
    scale_embedding=True,
    max_source_positions=6000,
    max_target_positions=1024,
    pad_token_id=1,
    bos_token_id=0,
    eos_token_id=2,
    decoder_start_token_id=2,
)


def build_model(vocab_size):
    torch.manual_seed(SEED)
    config = Speech2TextConfig(vocab_size=vocab_size, **MODEL_CONFIG)
    return Speech2TextForConditionalGeneration(config)


class Split:
    """Cached features + token ids of one split."""

    def __init__(self, name, sp):
        self.index = load_json(WORK / f"{name}.json")
        self.feats = np.load(WORK / f"{name}_feats.npy")
        self.labels = [sp.encode(u["text"]) + [2] for u in self.index]
        self.texts = [u["text"] for u in self.index]

    def batch(self, ids):
        frames = [self.index[i]["frames"] for i in ids]
        T, B = max(frames), len(ids)
        x = np.zeros((B, T, 80), np.float32)
        mask = np.zeros((B, T), np.int64)
        for b, (i, n) in enumerate(zip(ids, frames)):
            o = self.index[i]["offset"]
            x[b, :n] = self.feats[o : o + n]
            mask[b, :n] = 1
        L = max(len(self.labels[i]) for i in ids)
        labels = np.full((B, L), -100, np.int64)
        dec_in = np.full((B, L), 1, np.int64)
        for b, i in enumerate(ids):
            y = self.labels[i]
            labels[b, : len(y)] = y
            dec_in[b, 0] = 2  # decoder_start_token_id
            dec_in[b, 1 : len(y)] = y[:-1]
        return torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(dec_in), torch.from_numpy(labels)


def make_batches(split, max_frames, max_utts, max_words=None):
    order = sorted(range(len(split.index)), key=lambda i: split.index[i]["frames"])
    if max_words:
        order = [i for i in order if len(split.texts[i].split()) <= max_words]
    batches, cur = [], []
    for i in order:
        n = split.index[i]["frames"]
        if cur and (n * (len(cur) + 1) > max_frames or len(cur) >= max_utts):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


@torch.no_grad()
def greedy_dev_wer(model, dev, sp, batch_size=50):
    model.eval()
    hyps = []
    for s in range(0, len(dev.index), batch_size):
        ids = list(range(s, min(s + batch_size, len(dev.index))))
        x, mask, _, _ = dev.batch(ids)
        out = model.generate(input_features=x, attention_mask=mask, num_beams=1, max_length=80)
        hyps += [sp.decode([t for t in row.tolist() if t > 3]) for row in out]
    model.train()
    return corpus_wer(dev.texts, hyps), hyps


def load_init_weights(path, model):
    """State dict from a training checkpoint (.pt) or an exported transformers directory."""
    path = Path(path)
    if path.is_dir():
        from safetensors.torch import load_file

        state = load_file(path / "model.safetensors")
        # the exported file omits the tied output projection; take it from the embedding
        full = model.state_dict()
        missing = set(full) - set(state)
        for k in missing:
            if k == "lm_head.weight":
                state[k] = state["model.decoder.embed_tokens.weight"]
            else:
                state[k] = full[k]  # buffers such as the sinusoidal table
        return state
    return torch.load(path, weights_only=False)["model"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-minutes", type=float, default=60)
    ap.add_argument("--eval-minutes", type=float, default=6)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=400)
    ap.add_argument("--max-frames", type=int, default=10000)
    ap.add_argument("--max-utts", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctc-weight", type=float, default=0.3)
    ap.add_argument(
        "--token-noise",
        type=float,
        default=0.25,
        help="replace this fraction of decoder input tokens by random words: the training "
        "sentences are random word sequences, which the decoder otherwise memorizes "
        "(a 2-word prefix identifies a training sentence) instead of listening",
    )
    ap.add_argument(
        "--anneal-minutes",
        type=float,
        default=0,
        help="scale the learning rate linearly down to 5%% over the last minutes of the run",
    )
    ap.add_argument(
        "--anneal-steps",
        type=int,
        default=0,
        help="with --max-steps: the same anneal over the last steps (reproducible)",
    )
    ap.add_argument("--curriculum-minutes", type=float, default=0)
    ap.add_argument("--curriculum-steps", type=int, default=0, help="short utterances until this global step")
    ap.add_argument("--curriculum-max-words", type=int, default=6)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--stop-step", type=int, default=0, help="stop here; the schedule still ends at --max-steps")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--train-split", default="train")  # "dev" for a quick smoke test
    ap.add_argument("--dev-split", default="dev")
    ap.add_argument(
        "--init",
        default="",
        help="start from these weights (a checkpoint .pt or an exported directory) with a fresh "
        "optimizer, CTC head and step count; ignored when --resume finds a checkpoint",
    )
    ap.add_argument("--ckpt-prefix", default="ckpt", help="checkpoints are work/<prefix>_last.pt and _best.pt")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()

    sp = spm.SentencePieceProcessor(model_file=str(WORK / "spm.model"))
    vocab = load_json(WORK / "vocab.json")
    train, dev = Split(args.train_split, sp), Split(args.dev_split, sp)
    last_path, best_path = WORK / f"{args.ckpt_prefix}_last.pt", WORK / f"{args.ckpt_prefix}_best.pt"
    model = build_model(len(vocab))
    model.generation_config = GenerationConfig(decoder_start_token_id=2, bos_token_id=0, eos_token_id=2, pad_token_id=1)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params {n_params / 1e6:.2f} M, train utts {len(train.index)}", flush=True)
    ctc_head = torch.nn.Linear(model.config.d_model, len(vocab))  # blank = id 0 (<s>, never a label)
    params = list(model.parameters()) + list(ctc_head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.01)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    step, epoch, best = 0, 0, float("inf")
    if args.init and not (args.resume and last_path.exists()):
        model.load_state_dict(load_init_weights(args.init, model))
        print(f"initialized from {args.init}", flush=True)
    if args.resume and last_path.exists():
        ck = torch.load(last_path, weights_only=False)
        model.load_state_dict(ck["model"])
        ctc_head.load_state_dict(ck["ctc_head"])
        opt.load_state_dict(ck["opt"])
        step, epoch, best = ck["step"], ck["epoch"], ck["best"]
        print(f"resumed at step {step}, epoch {epoch}, best dev WER {best:.4f}", flush=True)

    def lr_at(s):
        s = max(s, 1)
        lr = args.lr * min(s / args.warmup, math.sqrt(args.warmup / s))
        if args.anneal_minutes > 0:
            left = args.max_minutes - (time.time() - t0) / 60
            lr *= min(1.0, max(0.05, left / args.anneal_minutes))
        if args.anneal_steps > 0 and args.max_steps:
            lr *= min(1.0, max(0.05, (args.max_steps - s) / args.anneal_steps))
        return lr

    def checkpoint(final=False):
        nonlocal best
        wer, hyps = greedy_dev_wer(model, dev, sp)
        ck = dict(
            model=model.state_dict(),
            ctc_head=ctc_head.state_dict(),
            opt=opt.state_dict(),
            step=step,
            epoch=epoch,
            best=min(best, wer),
            args=vars(args),
            model_config=MODEL_CONFIG,
        )
        tmp = last_path.with_suffix(".tmp")
        torch.save(ck, tmp)
        tmp.replace(last_path)
        if wer <= best:
            best = wer
            torch.save(dict(model=model.state_dict(), step=step, dev_wer=wer), best_path)
        print(
            f"[eval] step {step} epoch {epoch} greedy dev WER {wer:.4f} (best {best:.4f}) "
            f"elapsed {(time.time() - t0) / 60:.1f} min | ref: {dev.texts[0]} | hyp: {hyps[0]}",
            flush=True,
        )

    full = make_batches(train, args.max_frames, args.max_utts)
    short = make_batches(train, args.max_frames, args.max_utts, args.curriculum_max_words)
    print(f"{len(full)} batches per epoch ({len(short)} in the short-utterance curriculum)", flush=True)
    model.train()
    last_eval, done = time.time(), False
    tl, tn, tt = 0.0, 0, time.time()
    while not done:
        rng = np.random.default_rng(SEED + epoch)
        in_curriculum = (time.time() - t0) / 60 < args.curriculum_minutes or step < args.curriculum_steps
        batches = short if in_curriculum else full
        for bi in rng.permutation(len(batches)):
            x, mask, dec_in, labels = train.batch(batches[bi])
            if args.token_noise > 0:
                noise = torch.rand(dec_in.shape) < args.token_noise
                noise[:, 0] = False  # keep the start token
                noise &= dec_in > 3
                dec_in = torch.where(noise, torch.randint(4, len(vocab), dec_in.shape), dec_in)
            out = model(input_features=x, attention_mask=mask, decoder_input_ids=dec_in)
            logits = out.logits
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            if args.ctc_weight > 0:
                enc = out.encoder_last_hidden_state  # [B, T', D]
                in_lens = mask.sum(-1)
                for _ in range(model.config.num_conv_layers):
                    in_lens = (in_lens - 1) // 2 + 1
                tgt = labels[:, :-1].clone()  # without the eos
                tgt_lens = (labels != -100).sum(-1) - 1
                tgt[tgt < 0] = 0
                lp = torch.log_softmax(ctc_head(enc), dim=-1).transpose(0, 1)  # [T', B, V]
                ctc = torch.nn.functional.ctc_loss(
                    lp, tgt, in_lens.clamp(max=enc.shape[1]), tgt_lens, blank=0, zero_infinity=True
                )
                loss = (1 - args.ctc_weight) * loss + args.ctc_weight * ctc
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 2.0)
            step += 1
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.step()
            tl, tn = tl + loss.item(), tn + 1
            if step % args.log_every == 0:
                print(
                    f"step {step} epoch {epoch} loss {tl / tn:.3f} lr {lr_at(step):.2e} "
                    f"{(time.time() - tt) / tn:.2f} s/step elapsed {(time.time() - t0) / 60:.1f} min",
                    flush=True,
                )
                tl, tn, tt = 0.0, 0, time.time()
            stop = (args.max_steps and step >= args.max_steps) or (args.stop_step and step >= args.stop_step)
            if (time.time() - t0) / 60 >= args.max_minutes or stop:
                done = True
                break
            if time.time() - last_eval >= args.eval_minutes * 60:
                checkpoint()
                last_eval = time.time()
            if in_curriculum and (time.time() - t0) / 60 >= args.curriculum_minutes and step >= args.curriculum_steps:
                print(f"curriculum done at step {step}", flush=True)
                break
        else:
            epoch += 1
    checkpoint(final=True)
    print(f"done: step {step}, {(time.time() - t0) / 60:.1f} min, best greedy dev WER {best:.4f}", flush=True)


if __name__ == "__main__":
    main()
