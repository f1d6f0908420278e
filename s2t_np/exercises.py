"""Notebook exercises: write one stage yourself, and the parity oracle checks it in its place.

Each notebook in notebooks/ ends with an exercise. The student fills in a stub (the `stub`
function of the exercise below, copied into the notebook), then a check cell runs

    result = s2t_np.exercises.check("glu", glu)
    print(result)

`check` replays the shipped demo model on the first shipped example clip twice: once with
s2t_np's own stage, once with the student's function in that stage's slot (the `stages=` of
`oracle.trace` / `oracle.trace_features`), and compares the two traces with `oracle.compare`. The
result names the first module where the student's version diverges and by how much, or says that
every traced module agrees. It never raises for the student's mistakes: an exception inside their
function, a wrong shape or NaN becomes a failing result with a readable message.

The reference solutions are kept here (`EXERCISES[name].solution`); the test suite checks that
each solution passes and each untouched stub fails (tests/test_exercises.py, tests/test_notebooks.py).

Application layer: it uses the oracle, the facades and the stages, and nothing imports it.
"""

import functools
import traceback
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .search import greedy_search


@dataclass(frozen=True)
class Exercise:
    """One exercise: what to write, the stub the notebook starts from, the reference solution,
    and `run(fn) -> (reference, candidate)`, the two mappings `compare` receives."""

    name: str
    notebook: str
    task: str
    stub: object
    solution: object
    run: object


@dataclass(frozen=True)
class ExerciseResult:
    """What `check` found. `report` is the oracle's `Report` (None when the function raised)."""

    exercise: str
    passed: bool
    report: object
    error: str | None = None

    def __str__(self):
        ex = EXERCISES[self.exercise]
        if self.error is not None:
            return f"FAIL: exercise {ex.name!r}: {self.error}\n  task: {ex.task}"
        rows = self.report.rows
        if self.passed:
            worst = max(rows, key=lambda r: r.max_abs)
            return f"PASS: exercise {ex.name!r}: all {len(rows)} traced entries agree with s2t_np's stage " + (
                f"(largest max_abs: {worst.max_abs:.3g}, at {worst.name})" if worst.max_abs else "(bit-identical)"
            )
        first = self.report.first_divergence
        lines = [f"FAIL: exercise {ex.name!r}: first divergence at {first}"]
        if first is not None:
            i = next(i for i, r in enumerate(rows) if r.name == first)
            row = rows[i]
            if row.max_abs is None:
                lines.append(f"  {row.note}")
            else:
                lines.append(
                    f"  max_abs {row.max_abs:.3g}, max_rel {row.max_rel:.3g}, cosine {row.cosine:.6f} "
                    f"(allowed: {row.atol:g} + {row.rtol:g} x max|ref|)"
                )
            agree = [r.name for r in rows[:i]]
            lines.append(f"  {len(agree)} entries before it agree" + (f" (last: {agree[-1]})" if agree else ""))
            if i + 1 < len(rows):
                later = sum(not r.passed for r in rows[i + 1 :])
                lines.append(f"  {later} of the {len(rows) - i - 1} entries after it differ too")
        elif self.report.missing_in_candidate:
            lines.append(f"  missing entries: {', '.join(self.report.missing_in_candidate)}")
        lines.append(f"  task: {ex.task}")
        return "\n".join(lines)

    __repr__ = __str__


def check(name, fn):
    """Run exercise `name` with the student's function `fn` -> `ExerciseResult` (module docstring)."""
    from .oracle import compare

    if name not in EXERCISES:
        raise KeyError(f"no exercise {name!r}; the exercises are {sorted(EXERCISES)}")
    if not callable(fn):
        return ExerciseResult(name, False, None, f"expected a function, got {type(fn).__name__}")
    with np.errstate(all="ignore"):  # a wrong formula may overflow: the report says where it differs
        try:
            reference, candidate = EXERCISES[name].run(fn)
        except Exception as error:  # the student's mistake, whatever it is, becomes a readable result
            return ExerciseResult(name, False, None, _describe(error))
        report = compare(reference, candidate)
    return ExerciseResult(name, report.passed, report)


def _describe(error):
    """One line on an exception raised while running the student's function: where, and what."""
    package = str(resources.files("s2t_np"))
    frames = traceback.extract_tb(error.__traceback__)
    theirs = [f for f in frames if not f.filename.startswith(package)]
    what = f"{type(error).__name__}: {error}"
    if not theirs:
        return f"s2t_np failed on what your function returned ({what}); check the shape and dtype it returns"
    line = f" at line {theirs[-1].lineno}: {theirs[-1].line}" if theirs[-1].line else ""
    return f"your function raised {what}{line}"


# --- the shared inputs: the demo model on the first example clip -------------------------------


@functools.cache
def demo():
    """(model, processor, waveform, features, decoder ids) of the demo model on example.wav."""
    from .audio import load_audio
    from .hf.modeling import Speech2TextForConditionalGeneration
    from .hf.processor import Speech2TextProcessor

    model = Speech2TextForConditionalGeneration.from_pretrained("demo")
    processor = Speech2TextProcessor.from_pretrained("demo")
    examples = resources.files("s2t_np") / "examples"
    waveform = load_audio(str(examples / "example.wav"), sampling_rate=16000)
    features = processor(waveform, sampling_rate=16000, return_tensors="np")["input_features"]
    text = (examples / "transcripts.tsv").read_text().splitlines()[0].split("\t")[1]
    labels = processor.tokenizer(text)["input_ids"]
    ids = np.array([[model.config.decoder_start_token_id, *labels[:-1]]])  # teacher forcing, eos dropped
    return model, processor, waveform, features, ids


def _model_run(slot, adapt):
    def run(fn):
        from .oracle import trace

        model, _, _, features, ids = demo()
        return trace(model, features, decoder_input_ids=ids), trace(
            model, features, decoder_input_ids=ids, stages={slot: adapt(fn)}
        )

    return run


def _frontend_run(slot, adapt):
    def run(fn):
        from .oracle import trace_features

        _, processor, waveform, _, _ = demo()
        fe = processor.feature_extractor
        return trace_features(fe, waveform, 16000), trace_features(fe, waveform, 16000, stages={slot: adapt(fn)})

    return run


# --- 01: the povey window ---------------------------------------------------------------------


def povey_window_solution(n):
    """Kaldi's povey window: (0.5 - 0.5 cos(2 pi j / (n - 1))) ** 0.85, j = 0 .. n-1."""
    j = np.arange(n)
    return (0.5 - 0.5 * np.cos(2 * np.pi * j / (n - 1))) ** 0.85


def povey_window_stub(n):
    return np.ones(n)  # TODO: a rectangular window; write the povey window


# --- 02: the gated linear unit ----------------------------------------------------------------


def glu_solution(x):
    """GLU over the last axis: the first half times the sigmoid of the second half."""
    a, b = np.split(x, 2, axis=-1)
    return a / (1 + np.exp(-b))


def glu_stub(x):
    a, b = np.split(x, 2, axis=-1)
    return a  # TODO: gate a with sigmoid(b)


# --- 03: one attention head -------------------------------------------------------------------


def attention_head_solution(q, k, v, mask):
    """softmax(q k^T / sqrt(dh) + mask) v over the last two axes (any leading batch / head axes)."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])  # [..., T_q, T_k]
    if mask is not None:
        scores = scores + mask
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v  # [..., T_q, dh]


def attention_head_stub(q, k, v, mask):
    weights = np.full(q.shape[:-1] + k.shape[-2:-1], 1.0 / k.shape[-2])  # TODO: softmax of scaled scores + mask
    return weights @ v


# --- 04: the decoder's causal mask ------------------------------------------------------------


def causal_mask_solution(length, dtype):
    """Additive [L, L] mask: 0 where key j <= query i, the most negative finite value where j > i."""
    future = np.triu(np.ones((length, length), dtype=bool), k=1)
    return np.where(future, np.finfo(dtype).min, 0).astype(dtype)


def causal_mask_stub(length, dtype):
    return np.zeros((length, length), dtype)  # TODO: block the keys after each query


def _adapt_causal_mask(fn):
    def self_attention_mask(batch, length, past_len, decoder_attention_mask, dtype):
        if length == 1:  # one position attends only to itself: transformers passes no mask
            return None
        return np.broadcast_to(np.asarray(fn(length, dtype)), (batch, 1, length, length))

    return self_attention_mask


# --- 05: greedy search ------------------------------------------------------------------------


def greedy_decode_solution(step, start_id, eos_id, max_length):
    """Greedy decoding with a KV cache: feed the newest token, take the argmax, stop at eos or max_length.

    step(tokens [1, 1] int64, cache) -> (logits [1, V], cache); cache None at the first call.
    Returns the ids [L], start id first.
    """
    ids, cache = [start_id], None
    while len(ids) < max_length:
        logits, cache = step(np.array([[ids[-1]]]), cache)
        ids.append(int(np.argmax(logits[0])))
        if ids[-1] == eos_id:
            break
    return np.array(ids)


def greedy_decode_stub(step, start_id, eos_id, max_length):
    ids = [start_id]
    logits, cache = step(np.array([[start_id]]), None)
    ids.append(int(np.argmax(logits[0])))  # TODO: go on until eos or max_length
    return np.array(ids)


def _greedy_run(fn):
    from .hf.generation import decoder_step_functions

    model, _, _, features, _ = demo()
    cfg = model.config
    enc = model.get_encoder()(features, return_dict=True)
    max_length = 60

    def fresh_step():
        step, _ = decoder_step_functions(model, enc["last_hidden_state"], None, 1)
        return step

    start = np.array([[cfg.decoder_start_token_id]])
    ref = greedy_search(
        fresh_step(),
        start,
        process=lambda ids, logits: logits,
        max_length=max_length,
        eos_token_ids=np.array([cfg.eos_token_id]),
        pad_token_id=cfg.pad_token_id,
    ).sequences[0]
    mine = np.asarray(fn(fresh_step(), cfg.decoder_start_token_id, cfg.eos_token_id, max_length))
    return {"search.sequences": ref}, {"search.sequences": mine}


# --- 06: utterance CMVN -----------------------------------------------------------------------


def utterance_cmvn_solution(x):
    """Per mel bin over the frames of one utterance: (x - mean) / std (population std, float32 out)."""
    mean = x.mean(axis=0)
    std = np.sqrt(((x - mean) ** 2).mean(axis=0))
    return ((x - mean) / std).astype(np.float32)


def utterance_cmvn_stub(x):
    return x - x.mean(axis=0)  # TODO: divide by the standard deviation


def _adapt_cmvn(fn):
    def utterance_cmvn(x, input_length, normalize_means=True, normalize_vars=True, padding_value=0.0):
        return np.asarray(fn(x[:input_length]))

    return utterance_cmvn


# --- 07: LayerNorm ----------------------------------------------------------------------------


def layer_norm_solution(x, weight, bias, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last axis (biased variance)."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def layer_norm_stub(x, weight, bias, eps=1e-5):
    return x * weight + bias  # TODO: normalize x first


EXERCISES = {
    ex.name: ex
    for ex in (
        Exercise(
            "povey_window",
            "01_audio_and_fbank",
            "write povey_window(n): the [n] float64 window (0.5 - 0.5 cos(2 pi j / (n - 1))) ** 0.85",
            povey_window_stub,
            povey_window_solution,
            _frontend_run("feature_window", lambda fn: lambda window_type, size: np.asarray(fn(size))),
        ),
        Exercise(
            "glu",
            "02_subsampler_and_positions",
            "write glu(x): the first half of the last axis times sigmoid(the second half)",
            glu_stub,
            glu_solution,
            _model_run("glu", lambda fn: fn),
        ),
        Exercise(
            "attention_head",
            "03_attention_and_encoder",
            "write attention_head(q, k, v, mask): softmax(q k^T / sqrt(dh) + mask) v",
            attention_head_stub,
            attention_head_solution,
            _model_run("attend", lambda fn: lambda q, k, v, mask=None: (np.asarray(fn(q, k, v, mask)), None)),
        ),
        Exercise(
            "causal_mask",
            "04_decoder_and_cache",
            "write causal_mask(length, dtype): [L, L], 0 on and below the diagonal, finfo(dtype).min above",
            causal_mask_stub,
            causal_mask_solution,
            _model_run("self_attention_mask", _adapt_causal_mask),
        ),
        Exercise(
            "greedy_decode",
            "05_search",
            "write greedy_decode(step, start_id, eos_id, max_length): argmax token by token until eos",
            greedy_decode_stub,
            greedy_decode_solution,
            _greedy_run,
        ),
        Exercise(
            "utterance_cmvn",
            "06_end_to_end",
            "write utterance_cmvn(x): per mel bin, (x - mean over frames) / std over frames",
            utterance_cmvn_stub,
            utterance_cmvn_solution,
            _frontend_run("utterance_cmvn", _adapt_cmvn),
        ),
        Exercise(
            "layer_norm",
            "07_parity_oracle",
            "write layer_norm(x, weight, bias, eps=1e-5): normalize the last axis, then scale and shift",
            layer_norm_stub,
            layer_norm_solution,
            _model_run("layer_norm", lambda fn: fn),
        ),
    )
}
