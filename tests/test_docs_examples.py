"""The examples of the transformers Speech2Text documentation page, written with s2t_np.

transformers docs/source/en/model_doc/speech_to_text.md has two examples: ASR with
facebook/s2t-small-librispeech-asr and English -> French translation with
facebook/s2t-medium-mustc-multilingual-st (forced_bos_token_id = lang_code_to_id["fr"]). Here
they run with `from s2t_np import ...` and `return_tensors="np"` against local directories built
by the tests (random weights, trained tokenizers), laid out like those checkpoints (hub layout;
the multilingual one with pytorch_model.bin only, as published), and must give
exactly what the unchanged transformers code gives on the same directories and audio (a speech
clip instead of the datasets sample: no network).

The code blocks of docs/usage.md are executed too, with the checkpoint names they use mapped to
the fixture directories.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from tests.support.reference_audio import reference_load_audio
from tests.support.text_fixtures import VARIED, build_full_dir, dropped_pieces, train_spm, write_published_layout

USAGE_MD = Path(__file__).resolve().parent.parent / "docs" / "usage.md"


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, transformers, torch):
    root = tmp_path_factory.mktemp("docs")
    asr_spm = train_spm(root / "spm", "unigram", False)
    asr_v5, _ = build_full_dir(
        root / "asr_v5",
        asr_spm,
        drop=dropped_pieces(asr_spm),
        seed=1,
        generation={"num_beams": 5, "max_length": 30},
        model_overrides=VARIED,
    )
    asr = write_published_layout(root / "s2t-small-librispeech-asr", asr_v5, do_lower_case=True)
    st_spm = train_spm(root / "spm", "bpe", True)
    st_v5, st_model = build_full_dir(
        root / "st_v5",
        st_spm,
        seed=3,
        lang_codes="mustc",
        tgt_lang="fr",
        generation={"num_beams": 5, "max_length": 30},
        model_overrides={**VARIED, "tie_word_embeddings": False},
    )
    # published like facebook/s2t-medium-mustc-multilingual-st: hub layout, pytorch_model.bin only
    st = write_published_layout(
        root / "s2t-medium-mustc-multilingual-st",
        st_v5,
        lang_codes="mustc",
        tgt_lang="fr",
        do_lower_case=False,
        additional_special_tokens=True,
        torch_model=st_model,
    )
    assert not (st / "model.safetensors").exists()
    return {"asr": asr, "st": st}


@pytest.fixture(scope="module")
def sample(data_dir):
    """Stands in for ds[0]["audio"] of hf-internal-testing/librispeech_asr_demo."""
    return {"array": reference_load_audio(data_dir / "speech_en_f3.wav"), "sampling_rate": 16000}


def test_asr_example(checkpoints, sample, transformers, torch):
    from s2t_np import Speech2TextForConditionalGeneration, Speech2TextProcessor

    model = Speech2TextForConditionalGeneration.from_pretrained(checkpoints["asr"])
    processor = Speech2TextProcessor.from_pretrained(checkpoints["asr"])
    inputs = processor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="np")
    generated_ids = model.generate(inputs["input_features"], attention_mask=inputs["attention_mask"])
    transcription = processor.batch_decode(generated_ids, skip_special_tokens=True)

    ref_model = transformers.Speech2TextForConditionalGeneration.from_pretrained(str(checkpoints["asr"]))
    ref_processor = transformers.Speech2TextProcessor.from_pretrained(str(checkpoints["asr"]))
    ref_inputs = ref_processor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="pt")
    with torch.no_grad():
        ref_ids = ref_model.generate(ref_inputs["input_features"], attention_mask=ref_inputs["attention_mask"])
    ref_transcription = ref_processor.batch_decode(ref_ids, skip_special_tokens=True)

    assert ref_model.generation_config.num_beams == 5  # the published config.json's generation keys apply
    np.testing.assert_array_equal(generated_ids, ref_ids.numpy())
    assert transcription == ref_transcription
    assert isinstance(transcription, list) and len(transcription) == 1 and len(set(transcription[0])) >= 4


def test_multilingual_translation_example(checkpoints, sample, transformers, torch):
    from s2t_np import Speech2TextForConditionalGeneration, Speech2TextProcessor

    model = Speech2TextForConditionalGeneration.from_pretrained(checkpoints["st"])
    processor = Speech2TextProcessor.from_pretrained(checkpoints["st"])
    inputs = processor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="np")
    generated_ids = model.generate(
        inputs["input_features"],
        attention_mask=inputs["attention_mask"],
        forced_bos_token_id=processor.tokenizer.lang_code_to_id["fr"],
    )
    translation = processor.batch_decode(generated_ids, skip_special_tokens=True)

    ref_model = transformers.Speech2TextForConditionalGeneration.from_pretrained(str(checkpoints["st"]))
    ref_processor = transformers.Speech2TextProcessor.from_pretrained(str(checkpoints["st"]))
    ref_inputs = ref_processor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="pt")
    with torch.no_grad():
        ref_ids = ref_model.generate(
            ref_inputs["input_features"],
            attention_mask=ref_inputs["attention_mask"],
            forced_bos_token_id=ref_processor.tokenizer.lang_code_to_id["fr"],
        )
    ref_translation = ref_processor.batch_decode(ref_ids, skip_special_tokens=True)

    np.testing.assert_array_equal(generated_ids, ref_ids.numpy())
    assert generated_ids[0, 1] == processor.tokenizer.lang_code_to_id["fr"]  # [eos, <lang:fr>, ...]
    assert translation == ref_translation
    assert len(set(translation[0])) >= 4


def _usage_blocks():
    text = USAGE_MD.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_usage_md_code_blocks_run(checkpoints, data_dir, tmp_path, monkeypatch, transformers):
    """Every ```python block of docs/usage.md runs (in order, one namespace) and its asserts hold."""
    blocks = _usage_blocks()
    assert len(blocks) >= 3, "docs/usage.md should show its examples in ```python blocks"
    names = {
        "facebook/s2t-small-librispeech-asr": checkpoints["asr"],
        "facebook/s2t-medium-mustc-multilingual-st": checkpoints["st"],
        "s2t-small-librispeech-asr": checkpoints["asr"],
        "s2t-medium-mustc-multilingual-st": checkpoints["st"],
    }
    for clip in ("speech.wav", "other.wav", "third.wav"):
        (tmp_path / clip).write_bytes((data_dir / "speech_en_us_m.wav").read_bytes())
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        for name in sorted(names, key=len, reverse=True):
            block = block.replace(f'"{name}"', f'r"{names[name]}"')
        exec(compile(block, str(USAGE_MD), "exec"), namespace)  # noqa: S102 - our own documentation
