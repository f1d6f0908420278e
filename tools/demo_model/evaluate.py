"""Step 5: word error rate of an exported directory on the held-out wav sets.

  evaluate.py --backend transformers --set test     # held-out sentences, training voices
  evaluate.py --backend s2t_np --set unseen         # same sentences, unseen espeak-ng voice
  evaluate.py --compare work/hyps_transformers_test.json work/hyps_s2t_np_test.json

Both backends read the same directory, the same audio and the same batches (sorted by length),
and decode with the directory's generation defaults (beam 5) unless --num-beams is given.
Hypotheses go to work/hyps_<backend>_<set>.json.
"""

import argparse
import json
import time

import numpy as np
import soundfile as sf
from common import EXPORT_DIR, WORK, corpus_wer, load_json


def transcribe_transformers(model_dir, audios, num_beams, batch_size):
    import torch
    from transformers import Speech2TextForConditionalGeneration, Speech2TextProcessor

    torch.set_num_threads(1)
    model = Speech2TextForConditionalGeneration.from_pretrained(model_dir).eval()
    proc = Speech2TextProcessor.from_pretrained(model_dir)
    kw = {} if num_beams is None else {"num_beams": num_beams}
    out = []
    for s in range(0, len(audios), batch_size):
        inp = proc(audios[s : s + batch_size], sampling_rate=16000, return_tensors="pt", padding=True)
        with torch.no_grad():
            ids = model.generate(input_features=inp["input_features"], attention_mask=inp["attention_mask"], **kw)
        out += proc.batch_decode(ids, skip_special_tokens=True)
    return out


def transcribe_s2t_np(model_dir, audios, num_beams, batch_size):
    import s2t_np

    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(model_dir)
    proc = s2t_np.Speech2TextProcessor.from_pretrained(model_dir)
    kw = {} if num_beams is None else {"num_beams": num_beams}
    out = []
    for s in range(0, len(audios), batch_size):
        inp = proc(audio=audios[s : s + batch_size], sampling_rate=16000, return_tensors="np", padding=True)
        ids = model.generate(input_features=inp["input_features"], attention_mask=inp["attention_mask"], **kw)
        out += proc.batch_decode(ids, skip_special_tokens=True)
    return out


BACKENDS = {"transformers": transcribe_transformers, "s2t_np": transcribe_s2t_np}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=sorted(BACKENDS), default="transformers")
    ap.add_argument(
        "--set",
        default="test",
        help="test (training voices), unseen (held-out voice), test_variants, test_noisy, "
        "unseen_variants (make_data.py) or nonspeech (transcript empty: counts the words output)",
    )
    ap.add_argument("--model", default=str(EXPORT_DIR))
    ap.add_argument("--num-beams", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--compare", nargs=2, metavar="HYPS_JSON")
    args = ap.parse_args()
    if args.compare:
        a, b = (load_json(p) for p in args.compare)
        diff = [(x["ref"], x["hyp"], y["hyp"]) for x, y in zip(a["items"], b["items"]) if x["hyp"] != y["hyp"]]
        print(f"{len(a['items']) - len(diff)}/{len(a['items'])} identical hypotheses")
        for d in diff[:20]:
            print("  ref:", d[0], "\n   a :", d[1], "\n   b :", d[2])
        return

    index = load_json(WORK / f"{args.set}.json")
    if args.limit:
        index = index[: args.limit]
    order = sorted(range(len(index)), key=lambda i: index[i]["seconds"])
    audios = [sf.read(index[i]["path"], dtype="float32")[0] for i in order]
    t0 = time.time()
    hyps_sorted = BACKENDS[args.backend](args.model, audios, args.num_beams, args.batch_size)
    secs = time.time() - t0
    hyps = [None] * len(index)
    for k, i in enumerate(order):
        hyps[i] = hyps_sorted[k]
    refs = [u["text"] for u in index]
    wer = corpus_wer(refs, hyps)
    exact = float(np.mean([r == h for r, h in zip(refs, hyps)]))
    audio_s = sum(u["seconds"] for u in index)
    res = dict(
        backend=args.backend,
        set=args.set,
        model=args.model,
        num_beams=args.num_beams,
        n=len(index),
        wer=wer,
        sentence_accuracy=exact,
        decode_seconds=secs,
        audio_seconds=audio_s,
        items=[
            dict(ref=r, hyp=h, voice=u["voice"], variant=u["variant"], speed=u["speed"])
            for r, h, u in zip(refs, hyps, index)
        ],
    )
    (WORK / f"hyps_{args.backend}_{args.set}.json").write_text(json.dumps(res, indent=1))
    if not any(refs):  # non-speech: every output word is an error
        words = sum(len(h.split()) for h in hyps)
        print(f"{args.backend} {args.set}: n={len(index)} words output {words}, empty {100 * exact:.0f}%")
        return
    print(
        f"{args.backend} {args.set}: n={len(index)} WER {100 * wer:.2f}% sentence acc {100 * exact:.1f}% "
        f"({secs:.0f} s for {audio_s:.0f} s audio)"
    )


if __name__ == "__main__":
    main()
