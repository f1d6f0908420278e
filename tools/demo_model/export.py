"""Step 4: export a checkpoint as the transformers-format directory shipped in s2t_np/demo/.

Layout as the released checkpoints are published: config.json, generation_config.json (beam
search defaults of the released checkpoints), model.safetensors (float32),
preprocessor_config.json, tokenizer_config.json, special_tokens_map.json,
sentencepiece.bpe.model, vocab.json. Checks that transformers loads it and that the tokenizer
round-trips the training sentences.
"""

import argparse
import json
import shutil
from pathlib import Path

import torch
from common import EXPORT_DIR, WORK, load_json
from train import build_model
from transformers import (
    GenerationConfig,
    Speech2TextFeatureExtractor,
    Speech2TextForConditionalGeneration,
    Speech2TextProcessor,
    Speech2TextTokenizer,
)

MAX_BYTES = 15 * 1024 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=str(WORK / "ckpt_best.pt"))
    ap.add_argument("--out", default=str(EXPORT_DIR))
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    vocab = load_json(WORK / "vocab.json")
    model = build_model(len(vocab))
    ck = torch.load(args.ckpt, weights_only=False)
    model.load_state_dict(ck["model"])
    model = model.float().eval()
    model.generation_config = GenerationConfig(
        decoder_start_token_id=2,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
        num_beams=5,
        max_length=200,
        early_stopping=True,
    )
    model.save_pretrained(out, safe_serialization=True)

    shutil.copy(WORK / "vocab.json", out / "vocab.json")
    shutil.copy(WORK / "spm.model", out / "sentencepiece.bpe.model")
    tok = Speech2TextTokenizer(
        vocab_file=str(out / "vocab.json"), spm_file=str(out / "sentencepiece.bpe.model"), do_lower_case=False
    )  # transformers 5 would not apply it on encoding anyway
    tok.save_pretrained(out)
    fe = Speech2TextFeatureExtractor(
        feature_size=80,
        num_mel_bins=80,
        sampling_rate=16000,
        padding_value=0.0,
        do_ceptral_normalize=True,
        normalize_means=True,
        normalize_vars=True,
        return_attention_mask=True,
    )
    fe.save_pretrained(out)  # preprocessor_config.json
    special = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
    for junk in ("processor_config.json", "chat_template.jinja"):
        (out / junk).unlink(missing_ok=True)

    # --- checks: loads in transformers, tokenizer round trip, size
    m2 = Speech2TextForConditionalGeneration.from_pretrained(out)
    for k, v in model.state_dict().items():
        assert torch.equal(v, m2.state_dict()[k]), k
    proc = Speech2TextProcessor.from_pretrained(out)
    sents = load_json(WORK / "sentences.json")
    for s in sents["train"][:2000] + sents["test"]:
        ids = proc.tokenizer(s).input_ids
        assert ids[-1] == 2 and 3 not in ids, (s, ids)
        assert proc.tokenizer.decode(ids, skip_special_tokens=True) == s, s
    total = sum(p.stat().st_size for p in out.iterdir())
    print(
        f"exported {args.ckpt} (step {ck.get('step')}) to {out}: "
        f"{sorted(p.name for p in out.iterdir())}, {total / 1e6:.2f} MB"
    )
    assert total <= MAX_BYTES, total


if __name__ == "__main__":
    main()
