"""Bad inputs to the model facades give clear InvalidInputError messages (never garbage output)."""

import numpy as np
import pytest

import s2t_np
from s2t_np import InvalidInputError
from tests.support.asserts import assert_close
from tests.support.tolerances import MODEL_LOSS_VS_FORMULA


@pytest.fixture(scope="module")
def model(tmp_path_factory, torch, transformers):
    from tests.support.reference_models import build_model_dir

    path, _ = build_model_dir(tmp_path_factory.mktemp("inputs"), seed=21)
    return s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)


X = np.zeros((2, 20, 80), np.float32)
IDS = np.array([[2, 5, 6], [2, 7, 8]])


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(input_features=np.zeros((2, 20, 40), np.float32)), "has 40 features per frame"),
        (dict(input_features=np.zeros((20, 80), np.float32)), "must have rank 3"),
        (dict(input_features=np.zeros((1, 2, 20, 80), np.float32)), "must have rank 3"),
        (dict(input_features=X.tolist()), "must be a NumPy array"),
        (dict(input_features=np.zeros((2, 20, 80), np.int16)), "must be floating point"),
        (dict(input_features=np.zeros((2, 0, 80), np.float32)), "is empty"),
        (dict(attention_mask=np.ones((2, 19), np.int32)), "attention_mask shape"),
        (dict(attention_mask=np.array([[1] * 20, [0] * 20], np.int32)), "without any valid frame"),
        (dict(decoder_input_ids=np.array([[2, 5, 97], [2, 7, 8]])), "id 97 at (0, 2), outside the vocabulary [0, 97)"),
        (dict(decoder_input_ids=np.array([[2, -1, 4], [2, 7, 8]])), "id -1 at (0, 1)"),
        (dict(decoder_input_ids=np.array([2, 5, 6])), "must have shape [batch, tokens]"),
        (dict(decoder_input_ids=np.array([[2.0, 5.0]])), "integer ids"),
        (dict(decoder_input_ids=None), "pass decoder_input_ids"),
        (dict(decoder_attention_mask=np.ones((2, 4), np.int32)), "decoder_attention_mask must have shape"),
        (dict(input_features=None), "pass input_features or encoder_outputs"),
        (dict(labels=np.array([[5, 6, 200], [1, 2, 3]])), "labels must be"),
        (dict(decoder_input_ids=np.array([[2, 5, 6]])), "decoder_input_ids has batch 1"),
        (dict(input_features=None, encoder_outputs=(np.zeros((2, 5, 31), np.float32),)), "encoder_outputs[0] must be"),
        (dict(past_key_values=[{}]), "past_key_values must be the s2t_np cache"),
    ],
)
def test_bad_input_is_a_clear_error(model, kwargs, fragment):
    args = dict(input_features=X, decoder_input_ids=IDS)
    args.update(kwargs)
    with pytest.raises(InvalidInputError) as err:
        model(**args)
    assert fragment in str(err.value)
    assert isinstance(err.value, ValueError)


def test_encoder_facade_checks_features(model):
    enc = s2t_np.Speech2TextEncoder(model.config, model.params)
    with pytest.raises(InvalidInputError, match="features per frame"):
        enc(np.zeros((1, 10, 81), np.float32))


def test_labels_give_shifted_decoder_inputs_and_ignore_minus_100(model, torch):
    """labels alone: decoder inputs = shift right with decoder_start_token_id, -100 -> pad; loss skips -100."""
    from transformers.models.speech_to_text.modeling_speech_to_text import shift_tokens_right as ref_shift

    from s2t_np.decoder import shift_tokens_right

    labels = np.array([[5, 6, 7, 2], [8, 2, -100, -100]])
    shifted = shift_tokens_right(labels, 1, 2)
    np.testing.assert_array_equal(shifted, ref_shift(torch.from_numpy(labels), 1, 2).numpy())
    x = np.random.default_rng(0).standard_normal((2, 20, 80)).astype(np.float32)
    out = model(x, labels=labels)
    explicit = model(x, decoder_input_ids=shifted).logits
    np.testing.assert_array_equal(out.logits, explicit)
    logp = explicit - np.log(np.exp(explicit.astype(np.float64)).sum(-1, keepdims=True))
    keep = labels != -100
    expected = -np.mean([logp[b, t, labels[b, t]] for b, t in zip(*np.nonzero(keep))])  # 6 of 8 positions
    assert_close(out.loss, expected, MODEL_LOSS_VS_FORMULA, "loss vs the mean of -log p(label)")


def test_labels_and_mask_are_checked_against_the_other_inputs(tmp_path, torch, transformers):
    """Shape mismatches between labels / decoder ids / mask and the batch are typed errors, not NumPy ones."""
    from tests.support.reference_models import build_model_dir

    path, _ = build_model_dir(tmp_path, seed=3)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    x = np.zeros((1, 40, 80), np.float32)
    with pytest.raises(s2t_np.InvalidInputError, match="same shape"):
        model(x, decoder_input_ids=np.array([[2, 5]]), labels=np.array([[5, 6, 7]]))
    with pytest.raises(s2t_np.InvalidInputError, match="integer array"):
        model(x, labels=np.array([[5.0, 6.0]]))
    enc = model.model.encoder(x).last_hidden_state
    with pytest.raises(s2t_np.InvalidInputError, match="attention_mask"):
        model(encoder_outputs=(enc,), attention_mask=np.ones((3, 40)), decoder_input_ids=np.array([[2, 5]]))
    with pytest.raises(s2t_np.GenerationError, match="max_new_tokens.*integer"):
        model.generate(x, max_new_tokens="3")
