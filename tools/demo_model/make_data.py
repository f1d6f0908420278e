"""Step 1-2: corpus from words.txt and espeak-ng synthesis.

Writes under work/:
  sentences.json            {"train": [...], "dev": [...], "test": [...]} (pairwise disjoint)
  train_feats.npy / train.json   cached fbank features (float16, concatenated) + index
  dev_feats.npy / dev.json       same for the dev set (periodic greedy WER during training)
  test/*.wav, test.json          held-out sentences, training voices (16 kHz PCM16)
  unseen/*.wav, unseen.json      the same held-out sentences, unseen voice

and the sets of the second training stage (E), from their own generator (SEED_V2):
  train2_feats.npy / train2.json  the training sentences again, every training voice and variant,
                                  augmented (augment.py), plus non-speech clips with transcript ""
  dev2_feats.npy / dev2.json      the same for the dev sentences (checkpoint selection of stage E)
  test_variants/                  held-out sentences, training voices, any training variant, clean
  test_noisy/                     the test_variants clips augmented: level, noise, silence, speed
  unseen_variants/                held-out sentences, training voices, held-out variants
  nonspeech/                      5 s of digital silence and of white / pink / brown noise
"""

import json
import sys
from multiprocessing import Pool

import numpy as np
import soundfile as sf
from augment import augment, draw_augmentation, draw_nonspeech, nonspeech
from common import (
    MAX_WORDS,
    MIN_WORDS,
    N_DEV,
    N_NONSPEECH_DEV,
    N_NONSPEECH_TRAIN,
    N_TEST,
    N_TRAIN,
    PITCH_RANGE,
    PITCH_RANGE_V2,
    SEED,
    SEED_V2,
    SPEED_RANGE,
    SPEED_RANGE_V2,
    TRAIN_VARIANTS_V2,
    TRAIN_VOICES,
    UNSEEN_VARIANTS,
    UNSEEN_VOICE,
    VARIANTS,
    WORK,
    fast_features,
    read_words,
    synthesize,
)

# evaluation sets, written as WAVs (the others are cached features for training)
WAV_SETS = ("test", "unseen", "test_variants", "test_noisy", "unseen_variants", "nonspeech")


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


def make_specs_v2(sentences, voices, variants, rng, augmented, p_variant=0.85):
    """Stage E's specs: wider speed and pitch ranges, a variant on p_variant of the clips."""
    specs = []
    for s in sentences:
        spec = dict(
            text=s,
            voice=str(rng.choice(voices)),
            variant=str(rng.choice(variants)) if rng.random() < p_variant else "",
            speed=int(rng.integers(SPEED_RANGE_V2[0], SPEED_RANGE_V2[1] + 1)),
            pitch=int(rng.integers(PITCH_RANGE_V2[0], PITCH_RANGE_V2[1] + 1)),
        )
        if augmented:
            spec["aug"] = draw_augmentation(rng)
        specs.append(spec)
    return specs


def nonspeech_spec(settings):
    """A clip of augment.nonspeech: no text, no voice."""
    return dict(text="", voice="", variant="", speed=0, pitch=0, nonspeech=settings)


def nonspeech_specs(n, rng):
    return [nonspeech_spec(draw_nonspeech(rng)) for _ in range(n)]


def render(spec):
    if "nonspeech" in spec:
        return nonspeech(spec["nonspeech"])
    wav = synthesize(spec["text"], spec["voice"], spec["variant"], spec["speed"], spec["pitch"])
    return augment(wav, spec["aug"]) if "aug" in spec else wav


def feat_job(spec):
    return fast_features(render(spec)).astype(np.float16)


def wav_job(args):
    spec, path = args
    wav = render(spec)
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
    rng2 = np.random.default_rng(SEED_V2)
    specs["train2"] = make_specs_v2(train, TRAIN_VOICES, TRAIN_VARIANTS_V2, rng2, augmented=True)
    specs["train2"] += nonspeech_specs(N_NONSPEECH_TRAIN, rng2)
    specs["dev2"] = make_specs_v2(dev, TRAIN_VOICES, TRAIN_VARIANTS_V2, rng2, augmented=True)
    specs["dev2"] += nonspeech_specs(N_NONSPEECH_DEV, rng2)
    specs["test_variants"] = make_specs_v2(test, TRAIN_VOICES, TRAIN_VARIANTS_V2, rng2, augmented=False)
    specs["test_noisy"] = [dict(spec, aug=draw_augmentation(rng2)) for spec in specs["test_variants"]]
    specs["unseen_variants"] = make_specs_v2(test, TRAIN_VOICES, UNSEEN_VARIANTS, rng2, augmented=False, p_variant=1.0)
    quiet_to_loud = [("silence", 0.0)] + [(n, db) for n in ("white", "pink", "brown") for db in (-50.0, -30.0, -15.0)]
    specs["nonspeech"] = [
        nonspeech_spec(dict(seconds=5.0, noise=n, level_dbfs=db, noise_seed=k))
        for k, (n, db) in enumerate(quiet_to_loud)
    ]
    only = sys.argv[1:] or list(specs)  # e.g. `make_data.py test unseen` redoes just those
    with Pool(2) as pool:
        for name in only:
            if name in WAV_SETS:
                write_wavs(pool, name, specs[name])
            else:
                cache_features(pool, name, specs[name])


if __name__ == "__main__":
    main()
