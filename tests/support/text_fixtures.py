"""Tokenizer and end-to-end fixture directories built at test time (no network, no committed models).

* `train_spm(dir, model_type, mustc)` trains a small SentencePiece model on `CORPUS` the way
  fairseq's S2T data preparation does (``bos=0 pad=1 eos=2 unk=3``, and for the multilingual
  MuST-C models the ``<lang:xx>`` tags as user-defined symbols), so SentencePiece ids and
  vocab.json ids coincide like in the released checkpoints.
* `write_tokenizer_files(dir, spm_model, drop)` writes vocab.json (all pieces but `drop`, so some
  pieces are missing from the vocabulary) and sentencepiece.bpe.model.
* `build_processor_dir` / `build_full_dir` write a transformers 5 directory with transformers'
  own classes (tokenizer + feature extractor via Speech2TextProcessor.save_pretrained; a
  random-weight model from reference_models.build_model_dir).
* `write_published_layout(dir, ...)` writes the hub (transformers 4 era) layout by hand, from
  docs/numerics.md section 5: preprocessor_config.json, special_tokens_map.json, a tokenizer_config.json
  without added_tokens_decoder, generation keys inside config.json.
"""

import json
import random
import shutil
from pathlib import Path

# Random decoders tend to lock onto one repeated token; unscaled embeddings and a larger init let
# the positions and the audio steer the output, so the compared texts vary (measured: 5-15
# distinct tokens per utterance instead of 2-3).
VARIED = {"scale_embedding": False, "init_std": 0.5}
MUSTC_LANGS = ["pt", "fr", "ru", "nl", "ro", "it", "es", "de"]

_WORDS = (
    "the quick brown fox jumps over a lazy dog while speech models translate audio into text "
    "mister quilter is the apostle of middle classes and we are glad to welcome his gospel "
    "numpy reference tokenizer sentence piece unigram byte pair encoding language french german "
    "bonjour le monde merci beaucoup ciao grazie hola gracias danke schön obrigado"
).split()
_EXTRA_LINES = [
    "Café naïve résumé über straße déjà vu façade",
    'Hello, World! It\'s 3.14? Yes: no; maybe (perhaps) "quoted" - dash',
    "ÉCOLE ÜNÏCÖDÉ MAJUSCULES",
    "numbers 0 1 2 3 4 5 6 7 8 9 10 100 1000",
]


def corpus(n_lines=600, seed=0):
    rng = random.Random(seed)
    lines = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 14))) for _ in range(n_lines)]
    return lines + _EXTRA_LINES * 5


def train_spm(directory, model_type, mustc, vocab_size=90):
    """Train a SentencePiece model; returns the path of the .model file."""
    import sentencepiece as spm

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = directory / "corpus.txt"
    text.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
    prefix = directory / f"{model_type}{'_mustc' if mustc else ''}"
    options = dict(
        input=str(text),
        model_prefix=str(prefix),
        model_type=model_type,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        bos_id=0,
        pad_id=1,
        eos_id=2,
        unk_id=3,
        minloglevel=2,
        num_threads=1,
    )
    if mustc:
        options["user_defined_symbols"] = ",".join(f"<lang:{lang}>" for lang in MUSTC_LANGS)
    spm.SentencePieceTrainer.train(**options)
    return Path(f"{prefix}.model")


def dropped_pieces(spm_model, n=3):
    """A few ordinary pieces (not special, not language tags) to leave out of vocab.json."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(spm_model))
    ordinary = [
        sp.id_to_piece(i)
        for i in range(sp.get_piece_size())
        if not sp.is_control(i) and not sp.is_unknown(i) and not sp.id_to_piece(i).startswith("<lang:")
    ]
    return [p for p in ordinary if len(p) > 1][1 : 1 + n]  # multi-character pieces occur in ordinary text


def write_tokenizer_files(directory, spm_model, drop=()):
    """vocab.json in SentencePiece id order (minus `drop`) + sentencepiece.bpe.model; returns the vocab size."""
    import sentencepiece as spm

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sp = spm.SentencePieceProcessor(model_file=str(spm_model))
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size()) if sp.id_to_piece(i) not in set(drop)}
    (directory / "vocab.json").write_text(json.dumps(vocab, indent=2), encoding="utf-8")
    shutil.copyfile(spm_model, directory / "sentencepiece.bpe.model")
    return sp.get_piece_size()


def build_processor_dir(directory, spm_model, drop=(), **tokenizer_kwargs):
    """A transformers 5 processor directory written by transformers' Speech2TextProcessor."""
    from transformers import Speech2TextFeatureExtractor, Speech2TextProcessor, Speech2TextTokenizer

    directory = Path(directory)
    raw = directory.parent / f"{directory.name}_raw"
    n_pieces = write_tokenizer_files(raw, spm_model, drop)
    tokenizer = Speech2TextTokenizer(str(raw / "vocab.json"), str(raw / "sentencepiece.bpe.model"), **tokenizer_kwargs)
    Speech2TextProcessor(Speech2TextFeatureExtractor(), tokenizer).save_pretrained(directory)
    return directory, n_pieces


def build_full_dir(directory, spm_model, drop=(), seed=0, generation=None, model_overrides=None, **tokenizer_kwargs):
    """Processor files + a random-weight model + generation_config.json; returns (directory, torch model)."""
    from tests.support.reference_models import build_model_dir

    directory, n_pieces = build_processor_dir(directory, spm_model, drop, **tokenizer_kwargs)
    _, model = build_model_dir(directory, seed=seed, vocab_size=n_pieces, **(model_overrides or {}))
    settings = dict(num_beams=3, max_length=24, early_stopping=True)
    settings.update(generation or {})
    for key, value in settings.items():
        setattr(model.generation_config, key, value)
    model.generation_config.save_pretrained(directory)
    return directory, model


def write_published_layout(
    target,
    source,
    lang_codes=None,
    tgt_lang=None,
    do_lower_case=True,
    additional_special_tokens=False,
    torch_model=None,
):
    """Rewrite the transformers 5 directory `source` into the hub layout of the released checkpoints.

    With `torch_model`, the weights are written only as pytorch_model.bin (torch.save of the state
    dict), like the MuST-C multilingual and large checkpoints; otherwise model.safetensors is copied.
    """
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    names = ["sentencepiece.bpe.model", "vocab.json", "generation_config.json"]
    if torch_model is None:
        names.append("model.safetensors")
    else:
        import torch

        torch.save(torch_model.state_dict(), target / "pytorch_model.bin")
    for name in names:
        if (source / name).exists():
            shutil.copyfile(source / name, target / name)
    config = json.loads((source / "config.json").read_text())
    generation = (
        json.loads((source / "generation_config.json").read_text())
        if (source / "generation_config.json").exists()
        else {}
    )
    config.pop("dtype", None)
    config["torch_dtype"] = "float32"
    config["transformers_version"] = "4.10.0.dev0"
    for key in ("max_length", "num_beams", "early_stopping"):
        if key in generation:
            config[key] = generation[key]
    (target / "config.json").write_text(json.dumps(config, indent=2))
    (target / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "do_ceptral_normalize": True,
                "feature_extractor_type": "Speech2TextFeatureExtractor",
                "feature_size": 80,
                "normalize_means": True,
                "normalize_vars": True,
                "num_mel_bins": 80,
                "padding_side": "right",
                "padding_value": 0.0,
                "return_attention_mask": True,
                "sampling_rate": 16000,
            },
            indent=2,
        )
    )
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    if additional_special_tokens and lang_codes:
        special["additional_special_tokens"] = [f"<lang:{lang}>" for lang in MUSTC_LANGS]
    (target / "special_tokens_map.json").write_text(json.dumps(special))
    tokenizer_config = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "do_upper_case": False,
        "do_lower_case": do_lower_case,
        "tgt_lang": tgt_lang,
        "lang_codes": lang_codes,
        "model_max_length": 1024,
        "sp_model_kwargs": {},
        "special_tokens_map_file": "/home/user/s2t/special_tokens_map.json",
        "tokenizer_file": None,
        "name_or_path": "facebook/s2t-test",
        "tokenizer_class": "Speech2TextTokenizer",
    }
    (target / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    return target


def reference_transcribe(pair, waves, batch_size=8, **generate_kwargs):
    """transformers doing what s2t_np.transcribe documents: the same batches (reference_audio.reference_batches,
    written independently of s2t_np's batch_plan), processor + generate + batch_decode(skip_special_tokens=True).
    `waves` come from reference_audio.reference_load_audio, not from s2t_np.load_audio."""
    import torch

    from tests.support.reference_audio import reference_batches

    model, processor = pair
    texts = [None] * len(waves)
    for batch in reference_batches([len(w) for w in waves], batch_size):
        inputs = processor([waves[i] for i in batch], sampling_rate=16000, padding=True, return_tensors="pt")
        with torch.no_grad():
            ids = model.generate(inputs["input_features"], attention_mask=inputs["attention_mask"], **generate_kwargs)
        for i, text in zip(batch, processor.batch_decode(ids, skip_special_tokens=True)):
            texts[i] = text
    return texts
