"""Shared helpers of the generation tests: reference model pairs, running both generates, comparing.

A "pair" is (s2t_np model, transformers model), both loaded from the same directory written by
`reference_models.build_model_dir`, so both sides also read the same generation_config.json.
"""

from dataclasses import dataclass

import numpy as np

from tests.support.reference_models import build_model

# Untied lm_head: with a tied head, random-weight decoders mostly repeat the input token (the
# hidden state stays close to the token's own embedding). Untied models give varied sequences.
# seed 3 / init_std 0.1 was chosen because its beams finish with eos at several lengths below
# max_length (so early stopping and hypothesis ranking are exercised); checked by the tests.
VARIED = dict(seed=3, init_std=0.1, tie_word_embeddings=False)
# Random decoders rarely emit eos. `eos_bias` shifts the final LayerNorm bias along lm_head's eos
# row so the eos logit grows by about that much: with seed 0 and bias 1.0, greedy rows and beam
# hypotheses finish at different lengths (2..18 of 29) and the three early_stopping modes return
# different hypotheses (checked in the tests).
EOS_PRONE = dict(seed=0, init_std=0.1, tie_word_embeddings=False, eos_bias=1.0)


@dataclass
class Pair:
    ours: object
    ref: object
    path: object


def make_pair(path, eos_bias=0.0, **build_kwargs):
    import torch
    import transformers

    import s2t_np

    model = build_model(**build_kwargs)
    if eos_bias:
        with torch.no_grad():
            w = model.lm_head.weight[model.config.eos_token_id].clone()
            model.model.decoder.layer_norm.bias += eos_bias * w / (w @ w)
    model.save_pretrained(path)
    ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    ref = transformers.Speech2TextForConditionalGeneration.from_pretrained(path).eval()
    return Pair(ours, ref, path)


def features(lengths, n_mels=80, seed=0):
    """Random features [B, max(lengths), n_mels] (padding rows zero) and their 0/1 mask [B, T]."""
    rng = np.random.default_rng(seed)
    t = max(lengths)
    feats = rng.standard_normal((len(lengths), t, n_mels)).astype(np.float32)
    mask = (np.arange(t)[None, :] < np.asarray(lengths)[:, None]).astype(np.int64)
    feats *= mask[:, :, None]
    return feats, mask


def run_both(pair, feats, mask, **kwargs):
    """generate on both sides with identical inputs; returns (ours, reference with numpy arrays)."""
    import torch

    ours = pair.ours.generate(feats, mask, **kwargs)
    with torch.no_grad():
        ref = pair.ref.generate(
            torch.from_numpy(feats), attention_mask=None if mask is None else torch.from_numpy(mask), **kwargs
        )
    return ours, ref


def as_numpy(x):
    return None if x is None else x.detach().numpy()


def divergence_report(ours_seq, ref_seq, ref_scores):
    """Where the sequences first differ and how close the reference's top-2 scores were there."""
    if ours_seq.shape != ref_seq.shape:
        common = min(ours_seq.shape[1], ref_seq.shape[1])
    else:
        common = ours_seq.shape[1]
    diff = np.argwhere(ours_seq[:, :common] != ref_seq[:, :common]) if ours_seq.shape[0] == ref_seq.shape[0] else []
    msg = f"sequences differ: ours {ours_seq.shape} vs transformers {ref_seq.shape}"
    if len(diff):
        row, pos = (int(v) for v in diff[0])
        msg += f"; first at row {row}, position {pos}: ours {ours_seq[row, pos]} vs ref {ref_seq[row, pos]}"
        if ref_scores is not None and pos - 1 < len(ref_scores):
            step = as_numpy(ref_scores[pos - 1])
            top2 = np.sort(step, axis=-1)[:, -2:]
            msg += f"; smallest reference top-2 gap at that step {np.min(top2[:, 1] - top2[:, 0]):.3g}"
    return msg + f"\nours:\n{ours_seq}\ntransformers:\n{ref_seq}"


def assert_same_generation(ours, ref, scores_tol, sequences_scores_tol=None):
    """Token-for-token equal sequences; per-step scores (and beam sequences_scores) within tolerance.

    Returns the measured max |diff| of the finite scores and of sequences_scores.
    """
    ref_seq = as_numpy(ref.sequences)
    assert ours.sequences.dtype == np.int64
    if ours.sequences.shape != ref_seq.shape or not np.array_equal(ours.sequences, ref_seq):
        raise AssertionError(divergence_report(ours.sequences, ref_seq, ref.scores))
    measured = {"scores": 0.0, "sequences_scores": 0.0}
    if ref.scores is not None:
        assert ours.scores is not None and len(ours.scores) == len(ref.scores), "number of score steps"
        for i, (a, b) in enumerate(zip(ours.scores, ref.scores)):
            b = as_numpy(b)
            assert a.shape == b.shape and a.dtype == np.float32, f"step {i}: {a.shape} {a.dtype} vs {b.shape}"
            np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b), err_msg=f"step {i}: -inf pattern")
            finite = np.isfinite(b)
            np.testing.assert_allclose(
                a[finite], b[finite], atol=scores_tol[0], rtol=scores_tol[1], err_msg=f"scores at step {i}"
            )
            measured["scores"] = max(measured["scores"], float(np.max(np.abs(a[finite] - b[finite]), initial=0.0)))
    else:
        assert ours.scores is None
    ref_ss = as_numpy(getattr(ref, "sequences_scores", None))
    if ref_ss is not None:
        assert ours.sequences_scores is not None and ours.sequences_scores.shape == ref_ss.shape
        atol, rtol = sequences_scores_tol
        np.testing.assert_allclose(ours.sequences_scores, ref_ss, atol=atol, rtol=rtol, err_msg="sequences_scores")
        measured["sequences_scores"] = float(np.max(np.abs(ours.sequences_scores - ref_ss)))
        np.testing.assert_array_equal(ours.beam_indices, as_numpy(ref.beam_indices), err_msg="beam_indices")
    else:
        assert getattr(ours, "sequences_scores", None) is None
    return measured


def assert_long_and_varied(sequences, *, pad_token_id, min_tokens=8, min_distinct=4):
    """The test inputs must produce real sequences, not an immediate eos or one repeated token."""
    for row in sequences:
        generated = row[1:][row[1:] != pad_token_id]
        assert generated.size >= min_tokens, f"degenerate test case: only {generated.size} tokens: {row}"
        assert np.unique(generated).size >= min_distinct, f"degenerate test case: repeats one token: {row}"


def finished_early(sequences, *, eos_token_id, max_length):
    """Rows that end with eos before max_length (hypotheses finished by the eos rule)."""
    rows = []
    for row in sequences:
        eos_at = np.flatnonzero(row[1:] == eos_token_id)
        rows.append(eos_at.size > 0 and eos_at[0] + 2 < max_length)
    return np.array(rows)
