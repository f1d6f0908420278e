"""Port of transformers' GenerationTesterMixin tests (tests/generation/test_utils.py) as Speech2TextModelTest
runs them (all_generative_model_classes = (Speech2TextForConditionalGeneration,), max_new_tokens = 3), and a
local equivalent of Speech2TextModelIntegrationTests. Same generate() calls (_greedy_generate,
_sample_generate, _beam_search_generate, _beam_sample_generate with _get_logits_processor_kwargs and
_get_beam_kwargs) and assertions; _check_generate_outputs keeps its score, logit and per-step / per-layer
count checks (docs/upstream_tests.md). Only the class source (`lib`) and the tensor type change.
"""

import pytest

from tests.upstream.model_support import Speech2TextModelTester, make_model, set_config

max_new_tokens = 3


def prepare_config_and_inputs_for_generate(lib, batch_size=2):
    config, inputs_dict = Speech2TextModelTester(lib).prepare_config_and_inputs_for_common()
    # We don't want a few model inputs in our model input dictionary for generation tests
    input_keys_to_ignore = [
        "head_mask",
        "decoder_head_mask",
        "cross_attn_head_mask",
        "decoder_input_ids",
        "decoder_attention_mask",
        "use_cache",
        "labels",
    ]
    filtered_inputs_dict = {
        k: v[:batch_size, ...] if lib.is_tensor(v) else v
        for k, v in inputs_dict.items()
        if k not in input_keys_to_ignore
    }
    # It is important set `eos_token_id` to `None` to avoid early stopping (would break for length-based checks)
    config = set_config(config, eos_token_id=None, forced_eos_token_id=None)
    return config, filtered_inputs_dict


def _get_logits_processor_kwargs(do_sample=False, config=None):
    logits_processor_kwargs = {"bad_words_ids": [[1, 0]], "repetition_penalty": 1.2, "remove_invalid_values": True}
    if do_sample:
        logits_processor_kwargs.update({"top_k": 10, "top_p": 0.7, "temperature": 0.7})
    return logits_processor_kwargs


def _get_beam_kwargs(num_return_sequences=1):
    return {
        "early_stopping": False,
        "length_penalty": 2.0,
        "num_beams": 2,
        "num_return_sequences": num_return_sequences,
    }


def _output_flags(output_scores, output_logits, output_attentions, output_hidden_states, return_dict_in_generate):
    return dict(
        output_attentions=output_attentions,
        output_hidden_states=output_hidden_states,
        output_scores=output_scores,
        output_logits=output_logits,
        return_dict_in_generate=return_dict_in_generate,
    )


def _greedy_generate(model, inputs_dict, use_cache=True, **flags):
    logits_processor_kwargs = _get_logits_processor_kwargs(do_sample=False, config=model.config)
    return model.generate(
        do_sample=False,
        num_beams=1,
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        use_cache=use_cache,
        **_output_flags(**flags),
        **logits_processor_kwargs,
        **inputs_dict,
    )


def _sample_generate(lib, model, inputs_dict, num_return_sequences, use_cache=True, **flags):
    if lib.is_torch:
        lib.torch.manual_seed(0)
    logits_processor_kwargs = _get_logits_processor_kwargs(do_sample=True, config=model.config)
    return model.generate(
        do_sample=True,
        num_beams=1,
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        num_return_sequences=num_return_sequences,
        use_cache=use_cache,
        **_output_flags(**flags),
        **logits_processor_kwargs,
        **inputs_dict,
    )


def _beam_generate(lib, model, inputs_dict, beam_kwargs, do_sample=False, use_cache=True, **flags):
    if do_sample and lib.is_torch:
        lib.torch.manual_seed(0)
    logits_processor_kwargs = _get_logits_processor_kwargs(do_sample=do_sample, config=model.config)
    return model.generate(
        do_sample=do_sample,
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        use_cache=use_cache,
        **beam_kwargs,
        **_output_flags(**flags),
        **logits_processor_kwargs,
        **inputs_dict,
    )


ALL_FLAGS = dict(
    output_scores=True,
    output_logits=True,
    output_attentions=True,
    output_hidden_states=True,
    return_dict_in_generate=True,
)
NO_FLAGS = dict(
    output_scores=False,
    output_logits=False,
    output_attentions=False,
    output_hidden_states=False,
    return_dict_in_generate=False,
)


def output_class(lib, name):
    if lib.is_torch:
        import transformers.generation as generation

        return getattr(generation, name)
    import importlib

    # s2t_np's public name if exported, else where it is defined
    for module in ("s2t_np", "s2t_np.hf.generation_outputs", "s2t_np.search"):
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            found = None
        if found is not None:
            return found
    return type(None)


def _check_generate_outputs(lib, output, config, use_cache=False, num_return_sequences=1, num_beams=1):
    input_batch_size = int(output.sequences.shape[0] / num_return_sequences)
    internal_batch_size = input_batch_size * num_beams if num_beams > 1 else input_batch_size * num_return_sequences
    prompt_length = 1  # the decoder starts from decoder_start_token_id
    generated_length = output.sequences.shape[1] - prompt_length
    # scores
    assert isinstance(output.scores, tuple)
    assert len(output.scores) == generated_length
    for iter_scores in output.scores:
        assert tuple(iter_scores.shape) == (internal_batch_size, config.vocab_size)
    # unprocessed logits
    assert isinstance(output.logits, tuple)
    assert all(logit.shape[0] == internal_batch_size for logit in output.logits)
    assert config.vocab_size - output.logits[0].shape[-1] in [0, 1]
    # attentions and hidden states: one entry per step, one per layer
    n_layers = config.decoder_layers
    assert isinstance(output.encoder_attentions, tuple) and len(output.encoder_attentions) == config.encoder_layers
    assert isinstance(output.decoder_attentions, tuple) and len(output.decoder_attentions) == generated_length
    assert all(len(step) == n_layers for step in output.decoder_attentions)
    assert isinstance(output.encoder_hidden_states, tuple)
    assert len(output.encoder_hidden_states) == config.encoder_layers + 1
    assert isinstance(output.decoder_hidden_states, tuple) and len(output.decoder_hidden_states) == generated_length
    assert all(len(step) == n_layers + 1 for step in output.decoder_hidden_states)
    if use_cache:
        assert output.past_key_values is not None


@pytest.fixture
def gen(lib):
    config, inputs_dict = prepare_config_and_inputs_for_generate(lib)
    return make_model(lib, lib.ForConditionalGeneration, config), config, inputs_dict


def test_greedy_generate(lib, gen):
    model, config, inputs_dict = gen
    output_generate = _greedy_generate(model, inputs_dict, **NO_FLAGS)
    assert output_generate.shape[1] == max_new_tokens + 1


@pytest.mark.parametrize("use_cache", [False, True], ids=["no_cache", "use_cache"])
def test_greedy_generate_dict_outputs(lib, gen, use_cache):
    # test_greedy_generate_dict_outputs and test_greedy_generate_dict_outputs_use_cache
    model, config, inputs_dict = gen
    output_generate = _greedy_generate(model, inputs_dict, use_cache=use_cache, **ALL_FLAGS)
    assert output_generate.sequences.shape[1] == max_new_tokens + 1
    assert isinstance(output_generate, output_class(lib, "GenerateEncoderDecoderOutput"))
    _check_generate_outputs(lib, output_generate, model.config, use_cache=use_cache)


def test_sample_generate(lib, gen):
    model, config, inputs_dict = gen
    output_generate = _sample_generate(lib, model, inputs_dict, num_return_sequences=1, **NO_FLAGS)
    assert output_generate.shape[1] == max_new_tokens + 1


def test_sample_generate_dict_output(lib, gen):
    model, config, inputs_dict = gen
    output_generate = _sample_generate(lib, model, inputs_dict, num_return_sequences=2, use_cache=False, **ALL_FLAGS)
    assert output_generate.sequences.shape[1] == max_new_tokens + 1
    assert isinstance(output_generate, output_class(lib, "GenerateEncoderDecoderOutput"))
    _check_generate_outputs(lib, output_generate, model.config, num_return_sequences=2)


def test_beam_search_generate(lib, gen):
    model, config, inputs_dict = gen
    beam_kwargs = _get_beam_kwargs()
    output_generate = _beam_generate(lib, model, inputs_dict, beam_kwargs, **NO_FLAGS)
    assert output_generate.shape[1] == max_new_tokens + 1


@pytest.mark.parametrize("use_cache", [False, True], ids=["no_cache", "use_cache"])
def test_beam_search_generate_dict_output(lib, gen, use_cache):
    # test_beam_search_generate_dict_output and test_beam_search_generate_dict_outputs_use_cache
    model, config, inputs_dict = gen
    beam_kwargs = _get_beam_kwargs()
    output_generate = _beam_generate(lib, model, inputs_dict, beam_kwargs, use_cache=use_cache, **ALL_FLAGS)
    assert output_generate.sequences.shape[1] == max_new_tokens + 1
    assert isinstance(output_generate, output_class(lib, "GenerateBeamEncoderDecoderOutput"))
    _check_generate_outputs(
        lib,
        output_generate,
        model.config,
        use_cache=use_cache,
        num_return_sequences=beam_kwargs["num_return_sequences"],
        num_beams=beam_kwargs["num_beams"],
    )


def test_beam_sample_generate(lib, gen):
    model, config, inputs_dict = gen
    beam_kwargs = _get_beam_kwargs()
    output_generate = _beam_generate(lib, model, inputs_dict, beam_kwargs, do_sample=True, **NO_FLAGS)
    assert output_generate.shape[1] == max_new_tokens + 1


def test_beam_sample_generate_dict_output(lib, gen):
    model, config, inputs_dict = gen
    beam_kwargs = _get_beam_kwargs()
    output_generate = _beam_generate(lib, model, inputs_dict, beam_kwargs, do_sample=True, use_cache=False, **ALL_FLAGS)
    assert output_generate.sequences.shape[1] == max_new_tokens + 1
    assert isinstance(output_generate, output_class(lib, "GenerateBeamEncoderDecoderOutput"))
    _check_generate_outputs(
        lib,
        output_generate,
        model.config,
        num_return_sequences=beam_kwargs["num_return_sequences"],
        num_beams=beam_kwargs["num_beams"],
    )


# ---- Speech2TextModelIntegrationTests (local equivalent) ---------------------------------------
# Upstream loads facebook/s2t-small-librispeech-asr and four LibriSpeech clips and compares with fixed
# transcripts. Here: a random-weight model and a processor built with transformers into a directory
# (tests/support/text_fixtures.build_full_dir), the shipped example clips, and transformers' transcripts
# of the same directory as the expected values.


@pytest.fixture(scope="module")
def integration(tmp_path_factory):
    from transformers import Speech2TextForConditionalGeneration, Speech2TextProcessor

    from s2t_np import load_audio
    from tests.support.paths import TESTS_DIR
    from tests.support.text_fixtures import VARIED, build_full_dir, train_spm

    root = tmp_path_factory.mktemp("integration")
    spm_model = train_spm(root / "spm", "unigram", False)
    directory, _ = build_full_dir(root / "model", spm_model, model_overrides=VARIED)
    clips = sorted((TESTS_DIR.parent / "s2t_np" / "examples").glob("*.wav"))
    dataset = [load_audio(clip, sampling_rate=16000) for clip in clips]
    model = Speech2TextForConditionalGeneration.from_pretrained(directory).eval()
    processor = Speech2TextProcessor.from_pretrained(directory)
    expected = []
    for batch in ([dataset[0]], dataset):
        inputs = processor(batch, sampling_rate=16000, return_tensors="pt", padding=True)
        ids = model.generate(inputs.input_features, attention_mask=inputs.attention_mask)
        expected.append(processor.batch_decode(ids, skip_special_tokens=True))
    return directory, dataset, expected


def test_generation_librispeech(lib, integration):
    directory, dataset, (expected, _) = integration
    model = make_model(lib, lib.ForConditionalGeneration.from_pretrained, directory)
    processor = lib.Processor.from_pretrained(directory)
    input_speech = [dataset[0]]
    input_features = processor(input_speech, sampling_rate=16000, return_tensors=lib.return_tensors).input_features
    generated_ids = model.generate(input_features)
    generated_transcript = processor.batch_decode(generated_ids, skip_special_tokens=True)
    assert generated_transcript == expected


def test_generation_librispeech_batched(lib, integration):
    directory, dataset, (_, expected) = integration
    model = make_model(lib, lib.ForConditionalGeneration.from_pretrained, directory)
    processor = lib.Processor.from_pretrained(directory)
    inputs = processor(dataset, sampling_rate=16000, return_tensors=lib.return_tensors, padding=True)
    generated_ids = model.generate(inputs.input_features, attention_mask=inputs.attention_mask)
    generated_transcripts = processor.batch_decode(generated_ids, skip_special_tokens=True)
    assert generated_transcripts == expected
