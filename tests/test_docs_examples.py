"""The examples of the transformers Speech2Text documentation page, written with s2t_np.

transformers docs/source/en/model_doc/speech_to_text.md has two examples: ASR with
facebook/s2t-small-librispeech-asr and English -> French translation with
facebook/s2t-medium-mustc-multilingual-st (forced_bos_token_id = lang_code_to_id["fr"]). Here
they run with `from s2t_np import ...` and `return_tensors="np"` against local directories built
by the tests (random weights, trained tokenizers), laid out like those checkpoints (hub layout;
the multilingual one with pytorch_model.bin only, as published), and must give
exactly what the unchanged transformers code gives on the same directories and audio (a speech
clip instead of the datasets sample: no network).

The three examples in the docstrings of transformers' Speech2Text classes run the same way:
Speech2TextConfig (transformers/models/speech_to_text/configuration_speech_to_text.py: a default
config, a random-weight Speech2TextModel built from it, `model.config`), Speech2TextModel.forward
(AutoFeatureExtractor, `model(input_features, decoder_input_ids=...).last_hidden_state`) and
Speech2TextForConditionalGeneration.forward (`model.generate(inputs=input_features)`,
`batch_decode`) in transformers/models/speech_to_text/modeling_speech_to_text.py. With trained
weights they compare values with transformers; with random weights, the config and every
parameter's shape (transformers' init rule itself: tests/test_init_and_save.py).

The code blocks of docs/usage.md are executed too, with the checkpoint names they use mapped to
the fixture directories.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from tests.support.asserts import assert_close
from tests.support.reference_audio import reference_load_audio
from tests.support.text_fixtures import VARIED, build_full_dir, dropped_pieces, train_spm, write_published_layout
from tests.support.tolerances import DOCS_MODEL_LAST_HIDDEN

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


def test_config_docstring_example(transformers, torch):
    """Speech2TextConfig's docstring: a default (s2t_transformer_s) config, a random model, model.config."""
    from s2t_np import Speech2TextConfig, Speech2TextModel

    # Initializing a Speech2Text s2t_transformer_s style configuration
    configuration = Speech2TextConfig()
    # Initializing a model (with random weights) from the s2t_transformer_s style configuration
    model = Speech2TextModel(configuration)
    # Accessing the model configuration
    configuration = model.config

    ref_configuration = transformers.Speech2TextConfig()
    with torch.device("meta"):  # shapes only: no memory, no init
        ref_model = transformers.Speech2TextModel(ref_configuration)
    assert configuration is model.config
    for name in configuration.model_field_names():
        expected = getattr(ref_model.config, name)
        assert getattr(configuration, name) == (tuple(expected) if isinstance(expected, list) else expected), name
    from s2t_np.weights import checkpoint_tensors

    tensors = checkpoint_tensors(model.params, configuration, with_lm_head=False)  # keys "model.encoder..."
    ours = {k.removeprefix("model."): v.shape for k, v in tensors.items()}
    assert ours == {k: tuple(v.shape) for k, v in ref_model.named_parameters()}  # every parameter, same shape
    assert (configuration.d_model, configuration.encoder_layers, configuration.vocab_size) == (256, 12, 10000)


def test_model_forward_docstring_example(checkpoints, sample, transformers, torch):
    """Speech2TextModel.forward's docstring, with np in place of torch."""
    from s2t_np import AutoFeatureExtractor, Speech2TextModel

    model = Speech2TextModel.from_pretrained(checkpoints["asr"])
    feature_extractor = AutoFeatureExtractor.from_pretrained(checkpoints["asr"])
    inputs = feature_extractor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="np")
    input_features = inputs.input_features
    decoder_input_ids = np.array([[1, 1]]) * model.config.decoder_start_token_id
    last_hidden_state = model(input_features, decoder_input_ids=decoder_input_ids).last_hidden_state
    assert list(last_hidden_state.shape) == [1, 2, model.config.d_model]  # [1, 2, 256] for s2t-small

    ref_model = transformers.Speech2TextModel.from_pretrained(str(checkpoints["asr"]))
    ref_extractor = transformers.AutoFeatureExtractor.from_pretrained(str(checkpoints["asr"]))
    ref_inputs = ref_extractor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="pt")
    with torch.no_grad():
        ref = ref_model(ref_inputs.input_features, decoder_input_ids=torch.tensor([[1, 1]]) * 2).last_hidden_state
    assert model.config.decoder_start_token_id == ref_model.config.decoder_start_token_id == 2
    assert_close(last_hidden_state, ref.numpy(), DOCS_MODEL_LAST_HIDDEN, "last_hidden_state")


def test_generation_forward_docstring_example(checkpoints, sample, transformers, torch):
    """Speech2TextForConditionalGeneration.forward's docstring: generate(inputs=...), no attention mask."""
    from s2t_np import Speech2TextForConditionalGeneration, Speech2TextProcessor

    model = Speech2TextForConditionalGeneration.from_pretrained(checkpoints["asr"])
    processor = Speech2TextProcessor.from_pretrained(checkpoints["asr"])
    inputs = processor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="np")
    input_features = inputs.input_features
    generated_ids = model.generate(inputs=input_features)
    transcription = processor.batch_decode(generated_ids, skip_special_tokens=True)[0]

    ref_model = transformers.Speech2TextForConditionalGeneration.from_pretrained(str(checkpoints["asr"]))
    ref_processor = transformers.Speech2TextProcessor.from_pretrained(str(checkpoints["asr"]))
    ref_inputs = ref_processor(sample["array"], sampling_rate=sample["sampling_rate"], return_tensors="pt")
    with torch.no_grad():
        ref_ids = ref_model.generate(inputs=ref_inputs.input_features)
    np.testing.assert_array_equal(generated_ids, ref_ids.numpy())
    assert transcription == ref_processor.batch_decode(ref_ids, skip_special_tokens=True)[0]
    assert isinstance(transcription, str) and len(set(transcription)) >= 4


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
