"""Step 1-2: corpus from words.txt and espeak-ng synthesis.

Writes under work/:
  sentences.json            {"train": [...], "dev": [...], "test": [...]} (pairwise disjoint)
  train_feats.npy / train.json   cached fbank features (float16, concatenated) + index
  dev_feats.npy / dev.json       same for the dev set (periodic greedy WER during training)
  test/*.wav, test.json          held-out sentences, training voices (16 kHz PCM16)
  unseen/*.wav, unseen.json      the same held-out sentences, unseen voice
"""

import json
import sys
from multiprocessing import Pool

import numpy as np
import soundfile as sf
from common import (
    MAX_WORDS,
    MIN_WORDS,
    N_DEV,
    N_TEST,
    N_TRAIN,
    PITCH_RANGE,
    SEED,
    SPEED_RANGE,
    TRAIN_VOICES,
    UNSEEN_VOICE,
    VARIANTS,
    WORK,
    fast_features,
    read_words,
    synthesize,
)


def make_sentences(words, n, rng, taken):
    out = []
    while len(out) < n:
        k = int(rng.integers(MIN_WORDS, MAX_WORDS + 1))
        s = " ".join(rng.choice(words, size=k))
        if s not in taken:
            taken.add(s)
            out.append(s)
    return out


def make_specs(sentences, voices, rng):
    return [
        dict(
            text=s,
            voice=str(rng.choice(voices)),
            variant=str(rng.choice(VARIANTS)),
            speed=int(rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1)),
            pitch=int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1)),
        )
        for s in sentences
    ]


def feat_job(spec):
    wav = synthesize(spec["text"], spec["voice"], spec["variant"], spec["speed"], spec["pitch"])
    return fast_features(wav).astype(np.float16)


def wav_job(args):
    spec, path = args
    wav = synthesize(spec["text"], spec["voice"], spec["variant"], spec["speed"], spec["pitch"])
    sf.write(path, wav, 16000, subtype="PCM_16")
    return len(wav) / 16000


def cache_features(pool, name, specs):
    feats = pool.map(feat_job, specs, chunksize=32)
    lengths = [len(f) for f in feats]
    np.save(WORK / f"{name}_feats.npy", np.concatenate(feats))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
    index = [dict(spec, offset=int(o), frames=int(n)) for spec, o, n in zip(specs, offsets, lengths)]
    (WORK / f"{name}.json").write_text(json.dumps(index))
    print(f"{name}: {len(specs)} utterances, {sum(lengths) / 100 / 3600:.2f} h", flush=True)


def write_wavs(pool, name, specs):
    (WORK / name).mkdir(parents=True, exist_ok=True)
    paths = [str(WORK / name / f"{i:04d}.wav") for i in range(len(specs))]
    durs = pool.map(wav_job, list(zip(specs, paths)), chunksize=8)
    index = [dict(spec, path=p, seconds=d) for spec, p, d in zip(specs, paths, durs)]
    (WORK / f"{name}.json").write_text(json.dumps(index, indent=0))
    print(f"{name}: {len(specs)} wavs, {sum(durs) / 3600:.2f} h", flush=True)


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    words = read_words()
    taken = set()
    # held-out first, so training sentences are drawn disjoint from them
    test = make_sentences(words, N_TEST, rng, taken)
    dev = make_sentences(words, N_DEV, rng, taken)
    train = make_sentences(words, N_TRAIN, rng, taken)
    assert not (set(train) & set(test)) and not (set(train) & set(dev)) and not (set(dev) & set(test))
    (WORK / "sentences.json").write_text(json.dumps(dict(train=train, dev=dev, test=test)))
    specs = dict(
        test=make_specs(test, TRAIN_VOICES, rng),
        unseen=make_specs(test, [UNSEEN_VOICE], rng),
        dev=make_specs(dev, TRAIN_VOICES, rng),
        train=make_specs(train, TRAIN_VOICES, rng),
    )
    only = sys.argv[1:] or list(specs)  # e.g. `make_data.py test unseen` redoes just those
    with Pool(2) as pool:
        for name in only:
            if name in ("test", "unseen"):
                write_wavs(pool, name, specs[name])
            else:
                cache_features(pool, name, specs[name])


if __name__ == "__main__":
    main()
