"""Step 6 data: copy a handful of held-out clips into tests/data/demo_heldout/ for the test suite,
and regenerate the package's example clips (s2t_np/examples/MAKE.sh).

The held-out clips are chosen by rule, not by outcome: the first 5 utterances of the held-out
set (training voices) with at most 6 words, and the first such utterance of the unseen voice.
"""

import shutil
import subprocess

from common import REPO, WORK, load_json

OUT = REPO / "tests" / "data" / "demo_heldout"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.wav"):
        old.unlink()
    picks = [("seen", u) for u in load_json(WORK / "test.json") if len(u["text"].split()) <= 6][:5]
    picks += [("unseen", u) for u in load_json(WORK / "unseen.json") if len(u["text"].split()) <= 6][:1]
    rows = ["file\tset\tvoice\tvariant\tspeed\tpitch\tsentence"]
    for k, (kind, u) in enumerate(picks):
        name = f"{kind}_{k}.wav"
        shutil.copy(u["path"], OUT / name)
        rows.append(f"{name}\t{kind}\t{u['voice']}\t{u['variant']}\t{u['speed']}\t{u['pitch']}\t{u['text']}")
    (OUT / "sentences.tsv").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    subprocess.run(["bash", str(REPO / "s2t_np" / "examples" / "MAKE.sh")], check=True)


if __name__ == "__main__":
    main()
