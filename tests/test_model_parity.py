"""Parity of the s2t_np model forward with transformers' Speech2Text (random-weight reference models).

Each stage is compared with the reference module it mirrors (subsampler, every encoder layer,
encoder output, every decoder layer, self- and cross-attention weights, logits, loss), batched
with padding against the batched reference, in float32 against torch float32 and in float64
against `model.double()`. Tolerances and their measured justification live in tests/support/tolerances.py.
"""

import copy

import numpy as np
import pytest

from tests.support.asserts import assert_close
from tests.support.model_cases import (
    CONFIGS,
    assert_stages,
    make_inputs,
    our_stages,
    patch_position_tables,
    reference_stages,
)
from tests.support.tolerances import MODEL_CACHE_F32, MODEL_F32, MODEL_F64, MODEL_F64_TABLE_PATCHED, MODEL_UNIFORM_ROW


# ---- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=list(CONFIGS))
def case(request, tmp_path_factory, torch, transformers):
    """(config name, model dir, torch reference float32, our config) for each variety config."""
    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path_factory.mktemp(request.param), seed=3, **CONFIGS[request.param])
    return request.param, path, ref, s2t_np.Speech2TextConfig.from_pretrained(path)


# ---- tests ------------------------------------------------------------------------------------
def test_every_stage_float32(case, torch):
    import s2t_np

    name, path, ref, cfg = case
    inputs = make_inputs(cfg)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.float32)
    ours = our_stages(model, *inputs)
    assert ours["logits"].dtype == np.float32
    assert_stages(ours, reference_stages(ref, torch, *inputs), MODEL_F32, name)


def test_every_stage_float64_with_reference_table(case, torch):
    """float64 vs model.double() with the position table shared: all other arithmetic agrees to ~1e-13."""
    import s2t_np

    name, path, ref, cfg = case
    inputs = make_inputs(cfg)
    ref64 = copy.deepcopy(ref).double()
    patch_position_tables(ref64, torch)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.float64)
    ours = our_stages(model, *inputs)
    assert ours["logits"].dtype == np.float64
    assert_stages(ours, reference_stages(ref64, torch, *inputs), MODEL_F64_TABLE_PATCHED, name)


def test_every_stage_float64(case, torch):
    """float64 vs model.double() as is: the float32 position tables differ in the last ulp."""
    import s2t_np

    name, path, ref, cfg = case
    inputs = make_inputs(cfg)
    ref64 = copy.deepcopy(ref).double()
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.float64)
    assert_stages(our_stages(model, *inputs), reference_stages(ref64, torch, *inputs), MODEL_F64, name)


def test_unbatched_without_masks(case, torch):
    """B = 1, no attention_mask, no decoder_attention_mask (the reference skips its masks)."""
    import s2t_np

    name, path, ref, cfg = case
    x, _, ids, _, _ = make_inputs(cfg, seed=1, lengths=(29,), n_tokens=5)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    ours = model(x, decoder_input_ids=ids).logits
    with torch.no_grad():
        expected = ref(input_features=torch.from_numpy(x), decoder_input_ids=torch.from_numpy(ids)).logits.numpy()
    assert_close(ours, expected, MODEL_F32["logits"], what=name)


def _to_reference_cache(cache, torch):
    from transformers import EncoderDecoderCache

    t = torch.from_numpy
    return EncoderDecoderCache([(t(c["self_k"]), t(c["self_v"]), t(c["cross_k"]), t(c["cross_v"])) for c in cache])


def test_cached_decoding_matches_full_and_reference(case, torch):
    """Step-by-step decoding with the cache == one full pass == the reference fed the same cache."""
    import s2t_np

    name, path, ref, cfg = case
    x, mask, ids, _, _ = make_inputs(cfg, seed=2, n_tokens=6)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    full = model(x, mask, decoder_input_ids=ids).logits  # [B, L, V]
    enc, enc_mask = model.encode(x, mask)
    cache = model.init_cache(enc)
    enc_t, mask_t = torch.from_numpy(enc), torch.from_numpy(mask)
    for step in range(ids.shape[1]):
        new = ids[:, step : step + 1]
        with torch.no_grad():
            ref_out = ref(
                encoder_outputs=(enc_t,),
                attention_mask=mask_t,
                decoder_input_ids=torch.from_numpy(new),
                past_key_values=_to_reference_cache(cache, torch) if step else None,
                use_cache=True,
            )
        logits, cache = model.decode_step(new, enc_mask, cache)
        assert_close(
            logits[:, 0],
            full[:, step],
            MODEL_CACHE_F32["step_vs_full"],
            what=f"[{name}] cached step {step} vs full pass",
        )
        assert_close(
            logits,
            ref_out.logits.numpy(),
            MODEL_CACHE_F32["step_vs_reference"],
            what=f"[{name}] cached step {step} vs reference with the same cache",
        )
        ref_layers = list(ref_out.past_key_values)
        for i, layer in enumerate(cache):
            assert_close(
                layer["self_k"],
                ref_layers[i][0].numpy(),
                MODEL_CACHE_F32["cache"],
                what=f"[{name}] self_k layer {i} step {step}",
            )
            assert_close(
                layer["cross_v"],
                ref_layers[i][4].numpy(),
                MODEL_CACHE_F32["cache"],
                what=f"[{name}] cross_v layer {i} step {step}",
            )
    assert cache[0]["self_k"].shape[2] == ids.shape[1]


def test_facade_past_key_values_round_trip(case, torch):
    """__call__ with use_cache returns the cache; feeding it back with the next ids continues the sequence."""
    import s2t_np

    name, path, _, cfg = case
    x, mask, ids, _, _ = make_inputs(cfg, seed=4, n_tokens=5)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    full = model(x, mask, decoder_input_ids=ids).logits
    first = model(x, mask, decoder_input_ids=ids[:, :3], use_cache=True)
    rest = model(
        attention_mask=mask,
        encoder_outputs=(first.encoder_last_hidden_state,),
        decoder_input_ids=ids[:, 3:],
        past_key_values=first.past_key_values,
    )
    assert_close(np.concatenate([first.logits, rest.logits], axis=1), full, MODEL_CACHE_F32["step_vs_full"], what=name)
    assert model(x, mask, decoder_input_ids=ids, use_cache=False).past_key_values is None


def test_reorder_cache_selects_rows(case):
    import s2t_np

    name, path, _, cfg = case
    x, mask, ids, _, _ = make_inputs(cfg, seed=5, n_tokens=4)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    _, cache = model.decode_step(ids, model.encode(x, mask)[1], model.init_cache(model.encode(x, mask)[0]))
    beam_idx = np.array([2, 0, 0])
    reordered = model.reorder_cache(cache, beam_idx)
    for layer, new in zip(cache, reordered):
        for key in ("self_k", "self_v", "cross_k", "cross_v"):
            np.testing.assert_array_equal(new[key], layer[key][beam_idx])


def test_positions_grow_past_max_positions(tmp_path, torch, transformers):
    """max_source_positions / max_target_positions are initial table sizes, not limits (as in torch)."""
    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path, seed=5, max_source_positions=8, max_target_positions=4)
    cfg = s2t_np.Speech2TextConfig.from_pretrained(path)
    x, mask, ids, dec_mask, labels = make_inputs(cfg, seed=6, lengths=(120, 90), n_tokens=12)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    ours = our_stages(model, x, mask, ids, dec_mask, labels)
    assert ours["encoder_last_hidden_state"].shape[1] == 30 > cfg.max_source_positions
    assert_stages(ours, reference_stages(ref, torch, x, mask, ids, dec_mask, labels), MODEL_F32, "long")
    # Cached decoding past max_target_positions: transformers' cached path raises IndexError there
    # (its table grows with the new tokens' count only, docs/model.md); ours equals the full pass,
    # which matches the reference's full pass above.
    enc, enc_mask = model.encode(x, mask)
    cache = model.init_cache(enc)
    steps = []
    for i in range(ids.shape[1]):
        logits, cache = model.decode_step(ids[:, i : i + 1], enc_mask, cache)
        steps.append(logits)
    full = model(x, mask, decoder_input_ids=ids).logits
    assert_close(np.concatenate(steps, axis=1), full, MODEL_CACHE_F32["step_vs_full"], "long cached")


def test_default_s2t_small_size(tmp_path, torch, transformers):
    """The default (s2t-small size) config once, with a short input: every stage in float32, and in
    float64 against model.double() with the position table shared. init_std 0.05 keeps the 12-layer
    activations lively (attention maxima ~0.8) without blowing up."""
    import s2t_np
    from tests.support.reference_models import S2T_SMALL_SIZE, build_model_dir

    path, ref = build_model_dir(tmp_path, seed=7, init_std=0.05, **S2T_SMALL_SIZE)
    cfg = s2t_np.Speech2TextConfig.from_pretrained(path)
    assert (cfg.d_model, cfg.encoder_layers, cfg.decoder_layers, cfg.vocab_size) == (256, 12, 6, 10000)
    inputs = make_inputs(cfg, seed=8, lengths=(36, 24), n_tokens=5)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    assert_stages(our_stages(model, *inputs), reference_stages(ref, torch, *inputs), MODEL_F32, "s2t-small size")
    ref64 = ref.double()  # this test owns ref
    patch_position_tables(ref64, torch)
    model64 = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.float64)
    assert_stages(
        our_stages(model64, *inputs),
        reference_stages(ref64, torch, *inputs),
        MODEL_F64_TABLE_PATCHED,
        "s2t-small size float64",
    )


def test_base_model_and_encoder_facades(case, torch):
    """Speech2TextModel.last_hidden_state and Speech2TextEncoder against their transformers counterparts."""
    import s2t_np

    name, path, ref, cfg = case
    x, mask, ids, dec_mask, _ = make_inputs(cfg, seed=9)
    base = s2t_np.Speech2TextModel.from_pretrained(path)
    enc = s2t_np.Speech2TextEncoder.from_pretrained(path)
    t = torch.from_numpy
    with torch.no_grad():
        ref_base = ref.model(
            input_features=t(x), attention_mask=t(mask), decoder_input_ids=t(ids), decoder_attention_mask=t(dec_mask)
        )
        ref_enc = ref.model.encoder(t(x), attention_mask=t(mask), output_hidden_states=True)
    out = base(x, mask, decoder_input_ids=ids, decoder_attention_mask=dec_mask)
    assert_close(
        out.last_hidden_state, ref_base.last_hidden_state.numpy(), MODEL_F32["decoder_hidden_states"], what=name
    )
    e = enc(x, mask, output_hidden_states=True)
    assert_close(
        e.last_hidden_state, ref_enc.last_hidden_state.numpy(), MODEL_F32["encoder_last_hidden_state"], what=name
    )
    assert len(e.hidden_states) == len(ref_enc.hidden_states) == cfg.encoder_layers + 1
    assert out["last_hidden_state"] is out.last_hidden_state and out[0] is out.last_hidden_state


def test_left_padded_targets_with_fully_masked_rows(case, torch):
    """Left-padded decoder inputs: a pad query whose every key is masked gets transformers' uniform row."""
    import s2t_np

    name, path, ref, cfg = case
    x, mask, ids, _, _ = make_inputs(cfg, seed=10, n_tokens=6)
    ids[1, :2] = cfg.pad_token_id  # left padding in row 1
    dec_mask = (ids != cfg.pad_token_id).astype(np.int32)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    out = model(x, mask, decoder_input_ids=ids, decoder_attention_mask=dec_mask, output_attentions=True)
    t = torch.from_numpy
    with torch.no_grad():
        expected = ref(
            input_features=t(x),
            attention_mask=t(mask),
            decoder_input_ids=t(ids),
            decoder_attention_mask=t(dec_mask),
            output_attentions=True,
        )
    assert_close(out.logits, expected.logits.numpy(), MODEL_F32["logits"], name)
    assert_close(
        out.decoder_attentions[0], expected.decoder_attentions[0].numpy(), MODEL_F32["decoder_attentions"], name
    )
    row = out.decoder_attentions[0][1, :, 0]  # [H, T]: query 0 of the left-padded row sees only masked keys
    assert_close(row, np.full(row.shape, 1 / ids.shape[1]), MODEL_UNIFORM_ROW, f"{name} uniform row")
