"""Local stand-ins for the hub fixtures of transformers' tokenizer tests.

Upstream's SpeechToTextTokenizerTest builds its directory from tests/fixtures/test_sentencepiece.model
(a 1000-piece model not installed with transformers); here a SentencePiece model is trained locally
(tests/support/text_fixtures.train_spm) and the directory is built exactly as upstream's setUp does:
vocab = ["<s>", "<pad>", "</s>", "<unk>"] + the pieces, save_json, copy the model, then
from_pretrained + save_pretrained with the class under test. Values that upstream hard-codes for its
fixture (vocabulary size, last key, piece ids) are read from the SentencePiece model itself, never
from either implementation. SpeechToTextTokenizerMultilinguialTest loads "valhalla/s2t_mustc_multilinguial_medium";
its stand-in is a model with the MuST-C language tags as user-defined symbols, which gives the
checkpoint's tag ids (pt=4, fr=5, ru=6, it=9, es=10, de=11), so upstream's FR_CODE / ES_CODE apply.
"""

import json
import shutil
from pathlib import Path

from tests.support.text_fixtures import corpus, train_spm, write_tokenizer_files

SPIECE_UNDERLINE = "\u2581"
# pieces left out of vocab.json so that tokens map to <unk>, as "9" and "é" do in upstream's fixture
UNK_PIECES = ("9", "é")


def train_sample_vocab(directory, vocab_size=200):
    """A unigram model with test_sentencepiece.model's special pieces: <unk>=0, <s>=1, </s>=2, no <pad>."""
    import sentencepiece as sp

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = directory / "corpus.txt"
    text.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
    sp.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(directory / "sample"),
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        minloglevel=2,
        num_threads=1,
    )
    return directory / "sample.model"


def build_tokenizer_dir(directory, tokenizer_class, sample_vocab, drop=UNK_PIECES):
    """Upstream's setUp: returns (directory, sentencepiece processor, the vocab dict written)."""
    import sentencepiece as sp

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    spm_model = sp.SentencePieceProcessor()
    spm_model.Load(str(sample_vocab))
    vocab = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab += [spm_model.IdToPiece(id_) for id_ in range(len(spm_model)) if spm_model.IdToPiece(id_) not in drop]
    vocab_tokens = dict(zip(vocab, range(len(vocab))))
    (directory / "vocab.json").write_text(json.dumps(vocab_tokens, indent=2, ensure_ascii=False), encoding="utf-8")
    shutil.copyfile(sample_vocab, directory / "sentencepiece.bpe.model")
    tokenizer = tokenizer_class.from_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory, spm_model, vocab_tokens


def build_multilingual_dir(directory, tokenizer_class):
    """The MuST-C multilingual checkpoint's layout: vocab.json in SentencePiece id order, tags at 4..11."""
    directory = Path(directory)
    spm_file = train_spm(directory.parent / f"{directory.name}_spm", "unigram", True)
    write_tokenizer_files(directory, spm_file)
    return directory
