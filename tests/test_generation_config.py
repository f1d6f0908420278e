"""How generate() resolves its settings and rejects bad ones, against transformers 5.23.

Resolution: call arguments > generation_config= > generation_config.json (alone, when present) >
the generation keys of a legacy config.json (only when generation_config.json is missing) >
library defaults. Errors: the same kind transformers raises (ValueError), as s2t_np's typed
GenerationError / UnsupportedOptionError.
"""

import json

import numpy as np
import pytest

from s2t_np import GenerationConfig, GenerationError, UnsupportedOptionError
from s2t_np.hf.generation_config import model_generation_config
from s2t_np.hf.generation_plan import plan_generation
from tests.support.generation_helpers import (
    EOS_PRONE,
    VARIED,
    Pair,
    assert_same_generation,
    features,
    make_pair,
    run_both,
)
from tests.support.tolerances import GEN_SCORES, GEN_SEQUENCES_SCORES

OUT = dict(return_dict_in_generate=True, output_scores=True)
RELEASED = {"num_beams": 5, "max_length": 200, "early_stopping": True}  # config.json of facebook/s2t-*


def edit_json(path, **changes):
    values = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    path.write_text(json.dumps(values))


def reload(pair):
    """Reload both sides from the (edited) directory."""
    return Pair(type(pair.ours).from_pretrained(pair.path), type(pair.ref).from_pretrained(pair.path).eval(), pair.path)


@pytest.fixture
def fresh(tmp_path, torch, transformers):
    return make_pair(tmp_path / "model", **EOS_PRONE)


@pytest.fixture(scope="module")
def varied(tmp_path_factory, torch, transformers):
    return make_pair(tmp_path_factory.mktemp("varied"), **VARIED)


@pytest.fixture(scope="module")
def utterance():
    return features([80], seed=2)


def resolved(pair, **kwargs):
    return plan_generation(
        model_generation_config(pair.ours), vocab_size=pair.ours.config.vocab_size, batch_size=1, **kwargs
    )


# ---- where the defaults come from --------------------------------------------------------------
def test_legacy_config_json_keys_are_used_without_generation_config_json(fresh, utterance):
    (fresh.path / "generation_config.json").unlink()
    edit_json(fresh.path / "config.json", **RELEASED)
    pair = reload(fresh)
    for key, value in RELEASED.items():
        assert getattr(pair.ref.generation_config, key) == value  # transformers read them from config.json
    plan = resolved(pair)
    assert (plan.num_beams, plan.max_length, plan.early_stopping) == (5, 200, True)
    ours, ref = run_both(pair, *utterance, **OUT)  # plain generate(): beam search with the legacy keys
    assert_same_generation(ours, ref, GEN_SCORES, GEN_SEQUENCES_SCORES)
    assert ours.sequences_scores is not None and ours.sequences.shape[1] > 5


def test_generation_config_json_wins_alone_when_files_disagree(fresh, utterance):
    """transformers reads generation_config.json alone: config.json's keys are ignored, even the
    ones generation_config.json does not set (those fall back to the library defaults)."""
    edit_json(fresh.path / "config.json", **RELEASED, length_penalty=0.5, no_repeat_ngram_size=3)
    edit_json(fresh.path / "generation_config.json", num_beams=3, max_length=30)
    pair = reload(fresh)
    g = pair.ref.generation_config
    assert (g.num_beams, g.max_length, g.early_stopping, g.length_penalty, g.no_repeat_ngram_size) == (
        3,
        30,
        None,
        None,
        None,
    )
    plan = resolved(pair)
    assert (plan.num_beams, plan.max_length, plan.early_stopping, plan.length_penalty, plan.no_repeat_ngram_size) == (
        3,
        30,
        False,
        1.0,
        0,
    )
    ours, ref = run_both(pair, *utterance, **OUT)
    assert_same_generation(ours, ref, GEN_SCORES, GEN_SEQUENCES_SCORES)


def test_call_arguments_beat_both_files(fresh, utterance):
    edit_json(fresh.path / "config.json", **RELEASED)
    edit_json(fresh.path / "generation_config.json", num_beams=3, max_length=30, length_penalty=2.0)
    pair = reload(fresh)
    plan = resolved(pair, num_beams=2, max_new_tokens=12, length_penalty=0.5)
    assert (plan.num_beams, plan.max_length, plan.length_penalty) == (2, 13, 0.5)
    ours, ref = run_both(pair, *utterance, num_beams=2, max_new_tokens=12, length_penalty=0.5, **OUT)
    assert_same_generation(ours, ref, GEN_SCORES, GEN_SEQUENCES_SCORES)


def test_generation_config_object(varied, utterance, transformers):
    """generation_config= sits between the call arguments and the model's defaults."""
    import torch

    ours = varied.ours.generate(
        *utterance, generation_config=GenerationConfig(num_beams=3, max_length=20), length_penalty=0.5
    )
    with torch.no_grad():
        ref = varied.ref.generate(
            torch.from_numpy(utterance[0]),
            attention_mask=torch.from_numpy(utterance[1]),
            generation_config=transformers.GenerationConfig(num_beams=3, max_length=20),
            length_penalty=0.5,
        ).numpy()
    np.testing.assert_array_equal(ours, ref)
    assert ours.shape == (1, 20)


def test_pad_token_falls_back_to_eos(fresh, utterance):
    """Without pad_token_id, finished greedy rows are filled with eos_token_id (transformers)."""
    edit_json(fresh.path / "generation_config.json", pad_token_id=None)
    pair = reload(fresh)
    assert resolved(pair, max_length=30).pad_token_id == 2
    feats, mask = features([120, 90, 60])
    ours, ref = run_both(pair, feats, mask, max_length=30, **OUT)
    assert_same_generation(ours, ref, GEN_SCORES, GEN_SEQUENCES_SCORES)
    assert (ours.sequences[:, -1] == 2).any() and not (ours.sequences == 1).any()


@pytest.mark.parametrize("num_beams", [1, 3])
def test_pad_token_zero(varied, num_beams):
    """Beam search fills with `pad_token_id or eos_token_id[0]`: pad 0 is replaced by eos there."""
    feats, mask = features([120, 90, 60])
    ours, ref = run_both(
        varied, feats, mask, num_beams=num_beams, max_length=30, pad_token_id=0, eos_token_id=[2, 95], **OUT
    )
    assert_same_generation(ours, ref, GEN_SCORES, GEN_SEQUENCES_SCORES)
    fill = 0 if num_beams == 1 else 2
    finished = [row for row in ours.sequences if (row[1:-1] == 95).any()]
    assert finished, "the second eos id must end some rows for the fill value to show"
    for row in finished:
        end = np.flatnonzero(row[1:] == 95)[0] + 1
        assert (row[end + 1 :] == fill).all() and row.size > end + 1, row


@pytest.mark.parametrize("num_beams", [1, 3])
@pytest.mark.parametrize("start", [0, [0, 2, 5]])
def test_decoder_start_token(varied, num_beams, start):
    """An override of decoder_start_token_id: one id, or one per utterance (transformers accepts both)."""
    feats, mask = features([120, 90, 60])
    ours, ref = run_both(varied, feats, mask, num_beams=num_beams, max_length=20, decoder_start_token_id=start, **OUT)
    assert_same_generation(ours, ref, GEN_SCORES, GEN_SEQUENCES_SCORES)
    np.testing.assert_array_equal(ours.sequences[:: ours.sequences.shape[0] // 3, 0], np.broadcast_to(start, 3))


def test_unsupported_options_in_files_are_errors(fresh, utterance):
    edit_json(fresh.path / "generation_config.json", do_sample=False, output_attentions=False, temperature=1.0)
    pair = reload(fresh)
    pair.ours.generate(*utterance, max_new_tokens=3)  # neutral values are accepted
    edit_json(fresh.path / "generation_config.json", num_beam_groups=2, diversity_penalty=0.5)
    with pytest.raises(UnsupportedOptionError, match="num_beam_groups=2"):
        reload(fresh).ours.generate(*utterance, max_new_tokens=3)


# ---- bad arguments -----------------------------------------------------------------------------
BAD = [
    (dict(num_beams=3, num_return_sequences=4), "has to be smaller or equal to `num_beams`"),
    (dict(num_return_sequences=2), "without beam search do not support"),
    (dict(max_length=1), "`max_length` is set to 1"),
    (dict(max_new_tokens=0), "`max_new_tokens` must be greater than 0"),
    (dict(early_stopping="sometimes"), "`early_stopping` must be a boolean or 'never'"),
    (dict(num_beam=3), r"not used by the model: \['num_beam'\]"),
    (dict(repetition_penalty=0.0), "strictly positive float"),
    (dict(no_repeat_ngram_size=1.5), "strictly positive integer"),
    (dict(bad_words_ids=[]), "non-empty list"),
    (dict(bad_words_ids=[[5, 500]]), "vocabulary size is 97"),
    (dict(min_length=2.5), "non-negative integer"),
]


@pytest.mark.parametrize("kwargs, message", BAD, ids=[next(iter(k)) + "-" + str(i) for i, (k, _) in enumerate(BAD)])
def test_bad_arguments_raise_like_transformers(varied, utterance, kwargs, message):
    import torch

    kwargs = (
        dict(max_new_tokens=5, **kwargs) if "max_length" not in kwargs and "max_new_tokens" not in kwargs else kwargs
    )
    with pytest.raises(GenerationError, match=message) as ours:
        varied.ours.generate(*utterance, **kwargs)
    assert isinstance(ours.value, ValueError)
    with pytest.raises(ValueError):
        with torch.no_grad():
            varied.ref.generate(torch.from_numpy(utterance[0]), attention_mask=torch.from_numpy(utterance[1]), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [dict(suppress_tokens=[3]), dict(encoder_repetition_penalty=1.5), dict(num_beam_groups=2), dict(penalty_alpha=0.6)],
)
def test_unsupported_arguments_are_errors(varied, utterance, kwargs):
    """transformers would sample / warn; s2t_np does not implement these and says so."""
    with pytest.raises(UnsupportedOptionError, match=next(iter(kwargs))):
        varied.ours.generate(*utterance, max_new_tokens=5, **kwargs)


def test_neutral_unsupported_arguments_are_accepted(varied, utterance):
    a = varied.ours.generate(*utterance, max_new_tokens=5, do_sample=False, output_attentions=False, top_k=50)
    np.testing.assert_array_equal(a, varied.ours.generate(*utterance, max_new_tokens=5))


def test_bad_input_features(varied):
    from s2t_np import InvalidInputError

    with pytest.raises(InvalidInputError):
        varied.ours.generate(np.zeros((2, 50), np.float32), max_new_tokens=3)


def test_in_memory_model_uses_config_generation_keys(fresh, utterance):
    """A model built from config + params (no directory) takes config.json's legacy generation keys
    (Speech2TextConfig.generation_defaults), like transformers' GenerationConfig.from_model_config."""
    (fresh.path / "generation_config.json").unlink()
    edit_json(fresh.path / "config.json", num_beams=3, max_length=25, early_stopping=True)
    loaded = reload(fresh).ours
    built = type(loaded)(loaded.config, loaded.params)
    assert built.generation_config is None
    np.testing.assert_array_equal(built.generate(*utterance), loaded.generate(*utterance))
    assert model_generation_config(built).num_beams == 3


@pytest.mark.parametrize("num_beams", [1, 3])
@pytest.mark.parametrize("output_scores", [False, True])
def test_output_fields_like_transformers(varied, utterance, num_beams, output_scores):
    """Which GenerateOutput fields are set follows transformers (e.g. sequences_scores only with
    output_scores); without return_dict_in_generate the result is the bare int64 array."""
    kwargs = dict(num_beams=num_beams, max_new_tokens=6, output_scores=output_scores)
    ours, ref = run_both(varied, *utterance, return_dict_in_generate=True, **kwargs)
    for name in ("scores", "sequences_scores", "beam_indices"):
        assert (getattr(ours, name, None) is None) == (getattr(ref, name, None) is None), name
    plain = varied.ours.generate(*utterance, **kwargs)
    assert isinstance(plain, np.ndarray) and plain.dtype == np.int64
    np.testing.assert_array_equal(plain, ours.sequences)


def test_in_memory_model_sees_unsupported_config_keys_like_a_loaded_one(fresh, utterance):
    """Both routes to the model's defaults read config.json the same way: an unsupported sampling key
    in config.json is an error whether the model was loaded from the directory or built in memory."""
    (fresh.path / "generation_config.json").unlink()
    edit_json(fresh.path / "config.json", encoder_no_repeat_ngram_size=2)
    loaded = reload(fresh).ours
    built = type(loaded)(loaded.config, loaded.params)
    for model in (loaded, built):
        with pytest.raises(UnsupportedOptionError, match="encoder_no_repeat_ngram_size"):
            model.generate(*utterance, max_new_tokens=3)


# Values transformers only fails on later (a raw TypeError / ValueError deep in generate, or a
# silent int("2")): s2t_np names the option instead.
BAD_TYPES = [
    dict(decoder_start_token_id=2.0),
    dict(decoder_start_token_id="2"),
    dict(forced_bos_token_id=2.0),
    dict(forced_bos_token_id="x"),
    dict(pad_token_id="x"),
    dict(early_stopping=[1]),
    dict(eos_token_id=[2, "x"]),
]


@pytest.mark.parametrize("kwargs", BAD_TYPES, ids=[f"{k}={v!r}" for d in BAD_TYPES for k, v in d.items()])
def test_options_of_the_wrong_type_are_generation_errors(varied, utterance, kwargs):
    name = next(iter(kwargs))
    with pytest.raises(GenerationError, match=name):
        varied.ours.generate(*utterance, max_new_tokens=3, **kwargs)


def test_numpy_scalars_are_numbers(varied, utterance):
    a = varied.ours.generate(*utterance, max_new_tokens=4, num_beams=2, length_penalty=np.float32(0.5))
    np.testing.assert_array_equal(
        a, varied.ours.generate(*utterance, max_new_tokens=4, num_beams=2, length_penalty=0.5)
    )
