"""The notebooks' exercises (s2t_np/exercises.py) and the stage slots they use (trace(stages=)).

Every reference solution passes its check and every untouched stub fails with a report naming the
first divergence; a student's function that raises, returns the wrong shape or is not a function
gives a failing result with a message, never an exception.
"""

import numpy as np
import pytest

from s2t_np import exercises
from s2t_np.errors import InvalidInputError
from s2t_np.oracle import compare, trace, trace_features
from s2t_np.oracle.frontend import FRONTEND_STAGES
from s2t_np.oracle.model_trace import STAGES

# where each stub must first diverge: the first traced entry its stage produces
FIRST_DIVERGENCE = {
    "povey_window": "frontend.windowed",
    "glu": "model.encoder.conv.conv_layers.1",  # conv_layers.0's entry is before its GLU
    "attention_head": "model.encoder.layers.0.self_attn.out_proj",
    "causal_mask": "model.decoder.layers.0.self_attn.out_proj",
    "greedy_decode": "search.sequences",
    "utterance_cmvn": "frontend.cmvn",
    "layer_norm": "model.encoder.layers.0.self_attn_layer_norm",
}


def test_every_exercise_is_listed_here():
    assert set(exercises.EXERCISES) == set(FIRST_DIVERGENCE)


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_reference_solution_passes(name):
    result = exercises.check(name, exercises.EXERCISES[name].solution)
    assert result.passed, str(result)
    assert str(result).startswith(f"PASS: exercise {name!r}")


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_untouched_stub_fails_at_its_own_stage(name):
    result = exercises.check(name, exercises.EXERCISES[name].stub)
    assert not result.passed
    assert result.report.first_divergence == FIRST_DIVERGENCE[name]
    text = str(result)
    assert text.startswith(f"FAIL: exercise {name!r}: first divergence at {FIRST_DIVERGENCE[name]}")
    assert "task: " in text and "Traceback" not in text


def test_an_exception_in_the_students_function_is_reported():
    def glu(x):
        raise NotImplementedError("not written yet")

    result = exercises.check("glu", glu)
    assert not result.passed and result.report is None
    assert "your function raised NotImplementedError: not written yet" in str(result)
    assert 'raise NotImplementedError("not written yet")' in str(result)  # the student's own line


def test_a_wrong_shape_is_reported_as_what_the_function_returned():
    result = exercises.check("glu", lambda x: x)  # no halving: the next convolution cannot take it
    assert not result.passed
    assert "s2t_np failed on what your function returned" in str(result)
    assert "check the shape and dtype it returns" in str(result)


def test_nan_output_fails_at_its_stage():
    result = exercises.check("layer_norm", lambda x, weight, bias, eps=1e-5: np.full_like(x, np.nan))
    assert not result.passed
    assert result.report.first_divergence == FIRST_DIVERGENCE["layer_norm"]
    assert "NaN/inf pattern differs" in str(result)


def test_not_a_function_and_unknown_exercise():
    assert "expected a function, got int" in str(exercises.check("glu", 3))
    with pytest.raises(KeyError, match="the exercises are"):
        exercises.check("softmax", np.exp)


def test_a_slot_filled_with_the_stage_itself_changes_nothing():
    model, processor, waveform, features, ids = exercises.demo()
    plain = trace(model, features, decoder_input_ids=ids)
    same = trace(model, features, decoder_input_ids=ids, stages=dict(STAGES))
    assert list(plain) == list(same)
    assert all(np.array_equal(plain[n], same[n]) for n in plain)
    fe = processor.feature_extractor
    plain = trace_features(fe, waveform, 16000)
    same = trace_features(fe, waveform, 16000, stages=dict(FRONTEND_STAGES))
    assert all(np.array_equal(plain[n], same[n]) for n in plain)


def test_a_replaced_stage_is_recorded_and_changes_only_what_follows():
    model, _, _, features, ids = exercises.demo()

    def half_glu(x):
        return STAGES["glu"](x) * 0.5

    broken = trace(model, features, decoder_input_ids=ids, stages={"glu": half_glu})
    assert broken.metadata["replaced_stages"] == {"glu": half_glu.__qualname__}
    report = compare(trace(model, features, decoder_input_ids=ids), broken)
    assert report.first_divergence == "model.encoder.conv.conv_layers.1"


def test_unknown_or_uncallable_slots_are_refused():
    model, processor, waveform, features, ids = exercises.demo()
    with pytest.raises(InvalidInputError, match=r"unknown stage slot\(s\) \['softmax'\]; the slots are"):
        trace(model, features, stages={"softmax": np.exp})
    with pytest.raises(InvalidInputError, match="not callable: \\['glu'\\]"):
        trace(model, features, stages={"glu": 1.0})
    with pytest.raises(InvalidInputError, match="unknown front-end stage slot"):
        trace_features(processor.feature_extractor, waveform, 16000, stages={"glu": np.exp})


def test_compare_of_a_difference_at_an_exact_zero_warns_nothing(recwarn):
    report = compare({"relu": np.array([0.0, 1.0])}, {"relu": np.array([5.0, 1.0])})  # 5 / tiny overflows
    assert report.rows[0].max_rel == np.inf and not report.passed
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
