"""Step 3a: sentencepiece model on the training sentences + fairseq-ordered vocab.json.

Ids: <s>=0, <pad>=1, </s>=2, <unk>=3, then the pieces in sentencepiece order, so vocab.json maps
each piece to its sentencepiece id (the layout transformers' Speech2TextTokenizer reads).
"""

import json

import sentencepiece as spm
from common import WORK, load_json

VOCAB_SIZE = 422  # every word of words.txt becomes one piece (+ letters for anything else)


def main():
    sentences = load_json(WORK / "sentences.json")["train"]
    text = WORK / "spm_train.txt"
    text.write_text("\n".join(sentences) + "\n")
    spm.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(WORK / "spm"),
        model_type="unigram",
        vocab_size=VOCAB_SIZE,
        character_coverage=1.0,
        bos_id=0,
        pad_id=1,
        eos_id=2,
        unk_id=3,
        bos_piece="<s>",
        pad_piece="<pad>",
        eos_piece="</s>",
        unk_piece="<unk>",
        num_threads=1,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(WORK / "spm.model"))
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    assert [vocab[t] for t in ("<s>", "<pad>", "</s>", "<unk>")] == [0, 1, 2, 3]
    (WORK / "vocab.json").write_text(json.dumps(vocab, indent=2, ensure_ascii=False))
    lens = [len(sp.encode(s)) for s in sentences]
    print(f"vocab {len(vocab)}; tokens per sentence: mean {sum(lens) / len(lens):.1f}, max {max(lens)}")


if __name__ == "__main__":
    main()
