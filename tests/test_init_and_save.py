"""Random initialisation by transformers' rule, and save_pretrained that transformers reads back.

init_params (s2t_np/weights.py) against a transformers model built from the same config: the same
keys and shapes, and per parameter kind the same distribution (normal(0, init_std) for Linear,
Conv1d and Embedding weights, zeros for biases, ones for LayerNorm weights, a zero padding row).
save_pretrained (config.json, model.safetensors, generation_config.json) against what
transformers writes and reads: no missing or unexpected keys, identical tensors, matching logits.
"""

import dataclasses
import json

import numpy as np
import pytest
from safetensors.numpy import load_file

import s2t_np
from s2t_np.errors import ConfigError, InvalidInputError, WeightsError
from s2t_np.weights import checkpoint_tensors, expected_shapes, init_params
from tests.support.asserts import assert_close
from tests.support.tolerances import MODEL_F32

# Big enough for the statistics below (smallest normal tensor: 48 x 48 = 2304 draws), small
# enough to build in milliseconds. init_std is not transformers' default, so a test can tell
# that it is the std actually used.
STATS_CONFIG = dict(
    vocab_size=300,
    d_model=48,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=96,
    decoder_ffn_dim=96,
    conv_channels=64,
    input_feat_per_channel=40,
    init_std=0.05,
)
# For the transformers round trips: a larger init_std so activations are not nearly zero.
SMALL_CONFIG = dict(STATS_CONFIG, vocab_size=97, d_model=32, encoder_ffn_dim=64, decoder_ffn_dim=64, init_std=0.2)
CLASSES = ("Speech2TextForConditionalGeneration", "Speech2TextModel", "Speech2TextEncoder")


def config(tie=True, **overrides):
    return s2t_np.Speech2TextConfig(**{**STATS_CONFIG, "tie_word_embeddings": tie, **overrides})


def leaves(params, prefix=""):
    """{dotted path: array} of a params tree (lists indexed by position)."""
    items = params.items() if isinstance(params, dict) else enumerate(params)
    out = {}
    for key, value in items:
        path = f"{prefix}{key}"
        out.update(leaves(value, path + ".") if isinstance(value, (dict, list)) else {path: value})
    return out


def kind(key):
    """transformers' init rule for a checkpoint key: 'zeros', 'ones' or 'normal'."""
    if key.endswith(".bias"):
        return "zeros"
    return "ones" if "layer_norm" in key else "normal"


# ---- init statistics against transformers' rule ------------------------------------------------
@pytest.mark.parametrize("tie", [True, False], ids=["tied", "untied"])
def test_init_matches_transformers_rule(tie, torch, transformers):
    cfg = config(tie)
    ours = checkpoint_tensors(init_params(cfg, seed=0), cfg)
    torch.manual_seed(0)
    ref_model = transformers.Speech2TextForConditionalGeneration(transformers.Speech2TextConfig(**cfg.to_dict()))
    ref = {k: v.numpy() for k, v in ref_model.state_dict().items()}
    if tie:  # transformers' state_dict lists the tied head; save_pretrained drops it, as ours does
        assert ref_model.lm_head.weight is ref_model.model.decoder.embed_tokens.weight
        del ref["lm_head.weight"]
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in ref.items()}
    std = cfg.init_std
    for key, array in ours.items():
        assert array.dtype == np.float32, key
        if kind(key) != "normal":
            value = 0.0 if kind(key) == "zeros" else 1.0
            assert (array == value).all() and (ref[key] == value).all(), f"{key} should be all {value}"
            continue
        x, r = array.astype(np.float64), ref[key].astype(np.float64)
        if key == "model.decoder.embed_tokens.weight":  # nn.Embedding(padding_idx=pad_token_id)
            pad = cfg.pad_token_id
            assert (x[pad] == 0).all() and (r[pad] == 0).all(), "the padding row must be zero"
            x, r = np.delete(x, pad, axis=0), np.delete(r, pad, axis=0)
        if key == "lm_head.weight":  # untied head: a plain Linear, no zero row (transformers' too)
            assert (np.abs(x).max(axis=1) > 0).all() and (np.abs(r).max(axis=1) > 0).all()
        x, r = x.ravel(), r.ravel()
        n = x.size
        # For n iid N(0, std^2) draws the sample mean has standard error std / sqrt(n) and the
        # sample std a relative standard error 1 / sqrt(2 n) (1.5% at the smallest n = 2304).
        # 6 standard errors: a false alarm has probability ~1e-9 per check, while a wrong rule
        # (torch's kaiming-uniform default: std 0.03..0.14 here; transformers' default 0.02 instead of init_std)
        # is off by 40% or more. The draws are seeded, so the outcome is the same on every run.
        for sample, who in ((x, "s2t_np"), (r, "transformers")):
            assert abs(sample.mean()) <= 6 * std / np.sqrt(n), f"{key} ({who}): mean {sample.mean():.3g}"
            assert abs(sample.std() / std - 1) <= 6 / np.sqrt(2 * n), f"{key} ({who}): std {sample.std():.4g}"
        # Normal shape, not only the first two moments: 4th moment E x^4 = 3 std^4 (a uniform init with
        # the right std gives 1.8 std^4); the sample kurtosis has standard error sqrt(24 / n) (0.1 at n = 2304).
        for sample, who in ((x, "s2t_np"), (r, "transformers")):
            kurtosis = np.mean(sample**4) / np.mean(sample**2) ** 2
            assert abs(kurtosis - 3) <= 6 * np.sqrt(24 / n), f"{key} ({who}): kurtosis {kurtosis:.3f}"


def test_tied_head_is_the_embedding():
    cfg = config(tie=True)
    params = init_params(cfg, seed=1)
    assert params["lm_head"]["weight"] is params["decoder"]["embed_tokens"]["weight"]
    untied = init_params(config(tie=False), seed=1)
    assert untied["lm_head"]["weight"] is not untied["decoder"]["embed_tokens"]["weight"]
    assert "lm_head" not in init_params(cfg, seed=1, with_lm_head=False)


def test_init_builds_the_tree_build_params_builds():
    cfg = config()
    params = init_params(cfg, seed=2)
    assert set(leaves(params)) - {"lm_head.weight"} == {k.removeprefix("model.") for k in expected_shapes(cfg)}
    rebuilt = s2t_np.weights.build_params(checkpoint_tensors(params, cfg), cfg)
    for key, value in leaves(params).items():
        np.testing.assert_array_equal(leaves(rebuilt)[key], value, err_msg=key)


# ---- seeding and dtype --------------------------------------------------------------------------
def test_seeding_is_reproducible_and_seeds_differ():
    cfg = config()
    a, b = leaves(init_params(cfg, seed=5)), leaves(init_params(cfg, seed=5))
    generator = leaves(init_params(cfg, seed=np.random.default_rng(5)))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        np.testing.assert_array_equal(a[key], generator[key], err_msg=key)
    for other in (leaves(init_params(cfg, seed=6)), leaves(init_params(cfg))):
        for key in a:
            if kind(key) == "normal":
                assert not np.array_equal(a[key], other[key]), f"{key} is the same under another seed"


def test_encoder_only_init_is_the_encoder_of_a_full_init():
    cfg = config()
    full, encoder = init_params(cfg, seed=3), init_params(cfg, seed=3, encoder_only=True)
    assert set(encoder) == {"encoder"}
    for key, value in leaves(encoder).items():
        np.testing.assert_array_equal(value, leaves(full)[key], err_msg=key)


def test_float64_holds_the_float32_values():
    cfg = config()
    f32, f64 = leaves(init_params(cfg, seed=4)), leaves(init_params(cfg, seed=4, dtype=np.float64))
    for key, value in f64.items():
        assert value.dtype == np.float64, key
        np.testing.assert_array_equal(value, f32[key].astype(np.float64), err_msg=key)
    with pytest.raises(ConfigError, match="float32 or float64"):
        init_params(cfg, dtype=np.float16)


def test_facades_build_random_weights():
    cfg = config()
    reference = leaves(init_params(cfg, seed=7))
    for name in CLASSES:
        model = getattr(s2t_np, name)(cfg, seed=7)
        got = leaves(model.params)
        expected = {k: v for k, v in reference.items() if name != "Speech2TextEncoder" or k.startswith("encoder.")}
        if name != "Speech2TextForConditionalGeneration":
            expected.pop("lm_head.weight", None)
        assert set(got) == set(expected), name
        for key in got:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=f"{name} {key}")
    with pytest.raises(InvalidInputError, match="seed"):
        s2t_np.Speech2TextModel(cfg, init_params(cfg), seed=1)
    params = init_params(cfg, seed=8)
    model = s2t_np.Speech2TextForConditionalGeneration(cfg, params, np.float32, "somewhere")  # the old signature
    assert model.params is params and model.name_or_path == "somewhere"


# ---- save / load in s2t_np ---------------------------------------------------------------------
@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip(name, dtype, tmp_path):
    cls = getattr(s2t_np, name)
    model = cls(config(tie=False), seed=9, dtype=dtype)
    model.save_pretrained(tmp_path / "a")
    loaded = cls.from_pretrained(tmp_path / "a", dtype=dtype)
    # the file adds what transformers writes besides the fields (model_type, architectures, dtype)
    assert dataclasses.replace(loaded.config, extra={}) == model.config
    assert loaded.config.extra == {
        "model_type": "speech_to_text",
        "architectures": [name],
        "dtype": np.dtype(dtype).name,
    }
    saved, got = leaves(model.params), leaves(loaded.params)
    assert set(got) == set(saved)
    for key in saved:
        assert got[key].dtype == dtype, key
        np.testing.assert_array_equal(got[key], saved[key], err_msg=key)
    loaded.save_pretrained(tmp_path / "b")  # a second round trip changes nothing, byte for byte
    for file in ("config.json", "model.safetensors"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    assert not (tmp_path / "a" / "generation_config.json").exists()


def test_encoder_checkpoints_load_only_as_encoders(tmp_path):
    cfg = config()
    s2t_np.Speech2TextEncoder(cfg, seed=1).save_pretrained(tmp_path / "enc")
    assert set(load_file(tmp_path / "enc" / "model.safetensors")) == {
        k.removeprefix("model.encoder.") for k in expected_shapes(cfg, encoder_only=True)
    }
    with pytest.raises(WeightsError, match="encoder checkpoint"):
        s2t_np.Speech2TextModel.from_pretrained(tmp_path / "enc")
    s2t_np.Speech2TextForConditionalGeneration(cfg, seed=1).save_pretrained(tmp_path / "full")
    encoder = s2t_np.Speech2TextEncoder.from_pretrained(tmp_path / "full")  # the decoder keys are ignored
    assert set(encoder.params) == {"encoder"}


def test_generation_config_is_saved_when_set(tmp_path, transformers):
    model = s2t_np.Speech2TextForConditionalGeneration(config(), seed=1)
    model.generation_config = s2t_np.GenerationConfig(num_beams=3, max_length=30, no_repeat_ngram_size=2)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "generation_config.json").read_text()) == {
        "num_beams": 3,
        "max_length": 30,
        "no_repeat_ngram_size": 2,
    }
    assert s2t_np.Speech2TextForConditionalGeneration.from_pretrained(tmp_path).generation_config == (
        model.generation_config
    )
    theirs = transformers.GenerationConfig.from_pretrained(tmp_path)
    assert (theirs.num_beams, theirs.max_length, theirs.no_repeat_ngram_size) == (3, 30, 2)


# ---- transformers reads what s2t_np writes ------------------------------------------------------
def features_and_ids(cfg, rng):
    features = rng.standard_normal((2, 50, cfg.input_dim)).astype(np.float32)
    mask = np.ones((2, 50), np.int64)
    mask[1, 37:] = 0
    ids = rng.integers(3, cfg.vocab_size, size=(2, 6))
    ids[:, 0] = cfg.decoder_start_token_id
    return features, mask, ids


@pytest.mark.parametrize("tie", [True, False], ids=["tied", "untied"])
def test_transformers_loads_our_model(tie, tmp_path, torch, transformers):
    cfg = s2t_np.Speech2TextConfig(**SMALL_CONFIG, tie_word_embeddings=tie)
    model = s2t_np.Speech2TextForConditionalGeneration(cfg, seed=11)
    model.save_pretrained(tmp_path)
    ref, info = transformers.Speech2TextForConditionalGeneration.from_pretrained(tmp_path, output_loading_info=True)
    assert not any(info.values()), f"transformers' loading report: {info}"
    assert ref.config.tie_word_embeddings == tie
    assert (ref.lm_head.weight is ref.model.decoder.embed_tokens.weight) == tie
    ours = {k: v for k, v in leaves(model.params).items()}
    state = ref.state_dict()
    assert set(state) == {"model." + k if k != "lm_head.weight" else k for k in ours}
    for key, value in state.items():
        np.testing.assert_array_equal(value.numpy(), ours[key.removeprefix("model.")], err_msg=key)

    features, mask, ids = features_and_ids(cfg, np.random.default_rng(0))
    logits = model(features, attention_mask=mask, decoder_input_ids=ids).logits
    with torch.no_grad():
        expected = ref.eval()(
            input_features=torch.from_numpy(features),
            attention_mask=torch.from_numpy(mask),
            decoder_input_ids=torch.from_numpy(ids),
        ).logits.numpy()
    assert_close(logits, expected, MODEL_F32["logits"], "logits, s2t_np vs transformers loading s2t_np's save")


@pytest.mark.parametrize("name", ["Speech2TextModel", "Speech2TextEncoder"])
def test_transformers_loads_our_base_and_encoder(name, tmp_path, torch, transformers):
    from transformers.models.speech_to_text import modeling_speech_to_text

    cfg = s2t_np.Speech2TextConfig(**SMALL_CONFIG)
    model = getattr(s2t_np, name)(cfg, seed=12)
    model.save_pretrained(tmp_path)
    ref, info = getattr(modeling_speech_to_text, name).from_pretrained(tmp_path, output_loading_info=True)
    assert not any(info.values()), f"transformers' loading report: {info}"
    ours = leaves(model.params)
    prefix = "encoder." if name == "Speech2TextEncoder" else ""
    for key, value in ref.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), ours[prefix + key], err_msg=key)
    features, mask, ids = features_and_ids(cfg, np.random.default_rng(1))
    with torch.no_grad():
        args = dict(input_features=torch.from_numpy(features), attention_mask=torch.from_numpy(mask))
        if name == "Speech2TextModel":
            args["decoder_input_ids"] = torch.from_numpy(ids)
        expected = ref.eval()(**args).last_hidden_state.numpy()
    if name == "Speech2TextModel":
        got = model(features, attention_mask=mask, decoder_input_ids=ids).last_hidden_state
        assert_close(got, expected, MODEL_F32["decoder_hidden_states"], "Speech2TextModel last_hidden_state")
    else:
        got = model(features, attention_mask=mask).last_hidden_state
        assert_close(got, expected, MODEL_F32["encoder_last_hidden_state"], "encoder output, padded frames included")


# ---- config.json both ways ---------------------------------------------------------------------
NON_DEFAULT = dict(
    vocab_size=123,
    d_model=40,
    encoder_layers=3,
    decoder_layers=1,
    encoder_attention_heads=5,
    decoder_attention_heads=2,
    conv_kernel_sizes=(3, 5, 7),
    num_conv_layers=3,
    conv_channels=50,
    activation_function="gelu",
    scale_embedding=False,
    tie_word_embeddings=False,
    init_std=0.1,
    pad_token_id=0,
    bos_token_id=1,
    eos_token_id=[2, 3],
    decoder_start_token_id=3,
    input_feat_per_channel=20,
    input_channels=2,
)


def test_config_round_trip_through_transformers(tmp_path, transformers):
    ours = s2t_np.Speech2TextConfig(**NON_DEFAULT)
    ours.save_pretrained(tmp_path / "ours")
    theirs = transformers.Speech2TextConfig.from_pretrained(tmp_path / "ours")
    for name in ours.model_field_names():
        expected = getattr(ours, name)
        got = getattr(theirs, name)
        assert (tuple(got) if name == "conv_kernel_sizes" else got) == expected, name
    # ... and back: transformers' file read by s2t_np gives the same fields, and s2t_np writes it unchanged
    theirs.save_pretrained(tmp_path / "theirs")
    back = s2t_np.Speech2TextConfig.from_pretrained(tmp_path / "theirs")
    assert dataclasses.replace(back, extra={}) == ours
    back.save_pretrained(tmp_path / "again")
    assert json.loads((tmp_path / "again" / "config.json").read_text()) == json.loads(
        (tmp_path / "theirs" / "config.json").read_text()
    )


def test_config_file_has_transformers_layout(tmp_path, transformers):
    """Keys, values and formatting as transformers writes a fresh config (less its version stamp)."""
    s2t_np.Speech2TextConfig(**NON_DEFAULT).save_pretrained(tmp_path / "ours")
    transformers.Speech2TextConfig(**NON_DEFAULT).save_pretrained(tmp_path / "theirs")
    ours = (tmp_path / "ours" / "config.json").read_text()
    theirs = json.loads((tmp_path / "theirs" / "config.json").read_text())
    theirs.pop("transformers_version")
    assert ours == json.dumps(theirs, indent=2, sort_keys=True) + "\n"
