"""Long synthetic recordings built from the committed espeak-ng sentence clips, and a word error rate.

The clips are the demo model's held-out sentences (tests/data/demo_heldout/, sentences.tsv) and
the README's example clips (s2t_np/examples/, transcripts.tsv): 8 sentences, 17 s of speech, all
words in the demo model's vocabulary. `long_recording` strings them together, in random order with
random gains and pauses, until the requested duration, optionally over a noise floor. It is built
with NumPy from the committed files (no espeak-ng needed), so tests and bench/ can make files of
any length.
"""

import csv

import numpy as np
import soundfile

from tests.support.paths import DATA_DIR, TESTS_DIR

EXAMPLES_DIR = TESTS_DIR.parent / "s2t_np" / "examples"
RATE = 16000


def sentence_clips():
    """[(float32 waveform [N] at 16 kHz, its sentence)] for the 8 committed clips."""
    pairs = []
    heldout = DATA_DIR / "demo_heldout"
    with open(heldout / "sentences.tsv", encoding="utf-8") as f:
        pairs += [(heldout / row["file"], row["sentence"]) for row in csv.DictReader(f, delimiter="\t")]
    with open(EXAMPLES_DIR / "transcripts.tsv", encoding="utf-8") as f:
        pairs += [(EXAMPLES_DIR / name, sentence) for name, sentence in (line.rstrip("\n").split("\t") for line in f)]
    clips = []
    for path, sentence in pairs:
        wave, rate = soundfile.read(str(path), dtype="float32")
        assert rate == RATE and wave.ndim == 1, f"{path}: expected 16 kHz mono"
        clips.append((wave, sentence))
    return clips


def long_recording(seconds, seed=0, pause=(0.6, 1.5), noise=0.0, clips=None):
    """-> (float32 waveform [N] at 16 kHz of at least `seconds`, [sentences in order], [(start, stop)
    sample range of each clip]).

    Sentence clips in random order (each clip once per round), gains 0.5-1.5, a pause of uniform
    random length in `pause` seconds after each; `noise`: the RMS of white noise added everywhere.
    """
    rng = np.random.default_rng(seed)
    clips = sentence_clips() if clips is None else clips
    parts, sentences, spans, n = [], [], [], 0
    while n < seconds * RATE:
        for i in rng.permutation(len(clips)):
            wave, sentence = clips[i]
            gap = np.zeros(int(rng.uniform(*pause) * RATE), dtype=np.float32)
            parts += [wave * np.float32(rng.uniform(0.5, 1.5)), gap]
            sentences.append(sentence)
            spans.append((n, n + wave.shape[0]))
            n += wave.shape[0] + gap.shape[0]
    x = np.concatenate(parts)
    if noise:
        x = x + (rng.standard_normal(x.shape[0]) * noise).astype(np.float32)
    return x, sentences, spans


def word_errors(reference, hypothesis):
    """(word-level Levenshtein distance, number of reference words)."""
    ref, hyp = reference.split(), hypothesis.split()
    row = np.arange(len(hyp) + 1)
    for i, word in enumerate(ref, 1):
        prev, row = row, np.empty_like(row)
        row[0] = i
        for j, other in enumerate(hyp, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (word != other))
    return int(row[-1]), len(ref)


def wer(reference, hypothesis):
    errors, n = word_errors(reference, hypothesis)
    return errors / max(n, 1)
