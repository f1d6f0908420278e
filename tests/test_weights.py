"""Checkpoint loading: every tensor equals the reference's, shards, fp16/bf16, and the audited key map."""

import json

import numpy as np
import pytest

import s2t_np
from s2t_np import ModelNotFoundError, Speech2TextConfig, WeightsError, load_params
from tests.support.asserts import assert_close
from tests.support.tolerances import WEIGHTS_HALF_LOGITS


@pytest.fixture(scope="module")
def saved(tmp_path_factory, torch, transformers):
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path_factory.mktemp("w"), seed=11)
    return path, ref


def _lookup(params, key):
    node = params
    for part in key.removeprefix("model.").split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


def _copy_dir(src, dst, tensors=None):
    """dst gets src's config.json and `tensors` (default: src's tensors) as model.safetensors."""
    from safetensors.numpy import load_file, save_file

    dst.mkdir(parents=True, exist_ok=True)
    (dst / "config.json").write_text((src / "config.json").read_text())
    save_file(load_file(src / "model.safetensors") if tensors is None else tensors, dst / "model.safetensors")
    return dst


def _tensors(path):
    from safetensors.numpy import load_file

    return load_file(path / "model.safetensors")


def test_every_tensor_equals_the_reference_state_dict(saved):
    path, ref = saved
    cfg = Speech2TextConfig.from_pretrained(path)
    params = load_params(path, cfg)
    n = 0
    for key, value in ref.state_dict().items():
        if "embed_positions" in key:
            continue
        np.testing.assert_array_equal(_lookup(params, key), value.numpy(), err_msg=key)
        assert _lookup(params, key).dtype == np.float32
        n += 1
    assert n == len(s2t_np.weights.expected_shapes(cfg)) + 1  # + the tied lm_head.weight
    assert params["lm_head"]["weight"] is params["decoder"]["embed_tokens"]["weight"]  # tied: the same array


def test_float64_compute_dtype(saved):
    path, ref = saved
    params = load_params(path, Speech2TextConfig.from_pretrained(path), np.float64)
    w = params["encoder"]["layers"][1]["fc2"]["weight"]
    assert w.dtype == np.float64
    np.testing.assert_array_equal(w, ref.model.encoder.layers[1].fc2.weight.detach().double().numpy())


def test_untied_lm_head_is_its_own_tensor(tmp_path, torch, transformers):
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path, seed=12, tie_word_embeddings=False)
    assert "lm_head.weight" in _tensors(path)
    params = load_params(path, Speech2TextConfig.from_pretrained(path))
    np.testing.assert_array_equal(params["lm_head"]["weight"], ref.lm_head.weight.detach().numpy())
    assert not np.array_equal(params["lm_head"]["weight"], params["decoder"]["embed_tokens"]["weight"])
    # an untied config whose checkpoint lacks lm_head.weight names the key
    tensors = _tensors(path)
    del tensors["lm_head.weight"]
    bad = _copy_dir(path, tmp_path / "no_head", tensors)
    with pytest.raises(WeightsError, match=r"missing keys \(1\): lm_head\.weight"):
        load_params(bad, Speech2TextConfig.from_pretrained(bad))


def test_sharded_checkpoint(tmp_path, saved):
    path, ref = saved
    ref.save_pretrained(tmp_path, max_shard_size="60KB")
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) > 1 and not (tmp_path / "model.safetensors").exists()
    cfg = Speech2TextConfig.from_pretrained(tmp_path)
    single, sharded = load_params(path, cfg), load_params(tmp_path, cfg)
    for key in s2t_np.weights.expected_shapes(cfg):
        np.testing.assert_array_equal(_lookup(sharded, key), _lookup(single, key), err_msg=key)
    # an index that lists a key its shards do not hold
    index["weight_map"]["model.decoder.layers.9.fc1.weight"] = next(iter(index["weight_map"].values()))
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(WeightsError, match="model.decoder.layers.9.fc1.weight"):
        load_params(tmp_path, cfg)


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_precision_checkpoints_are_widened(tmp_path, saved, torch, transformers, half):
    """fp16 / bf16 files -> compute dtype, bit-exact with torch's widening; the forward matches
    transformers loading the same file in float32."""
    path, ref = saved
    torch_half = getattr(torch, half)
    import copy

    copy.deepcopy(ref).to(torch_half).save_pretrained(tmp_path)
    with open(tmp_path / "model.safetensors", "rb") as fh:
        header = json.loads(fh.read(int.from_bytes(fh.read(8), "little")))
    assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} == {"F16" if half == "float16" else "BF16"}
    cfg = Speech2TextConfig.from_pretrained(tmp_path)
    for dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        params = load_params(tmp_path, cfg, dtype)
        for key, value in ref.state_dict().items():
            if "embed_positions" in key:
                continue
            expected = value.to(torch_half).to(torch_dtype).numpy()
            got = _lookup(params, key)
            assert got.dtype == dtype, key
            np.testing.assert_array_equal(got, expected, err_msg=key)
    ref_half = transformers.Speech2TextForConditionalGeneration.from_pretrained(tmp_path, dtype=torch.float32).eval()
    ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(tmp_path)
    x = np.random.default_rng(0).standard_normal((1, 23, 80)).astype(np.float32)
    ids = np.array([[2, 5, 9, 40]])
    with torch.no_grad():
        expected = ref_half(input_features=torch.from_numpy(x), decoder_input_ids=torch.from_numpy(ids)).logits.numpy()
    assert_close(ours(x, decoder_input_ids=ids).logits, expected, WEIGHTS_HALF_LOGITS, f"{half} checkpoint logits")


def test_missing_unexpected_and_wrong_shape_keys_are_named(tmp_path, saved):
    path, _ = saved
    tensors = _tensors(path)
    del tensors["model.encoder.layers.1.fc1.bias"]
    tensors["model.encoder.extra.weight"] = np.zeros(3, np.float32)
    tensors["model.decoder.layers.0.encoder_attn.k_proj.weight"] = np.zeros((32, 31), np.float32)
    bad = _copy_dir(path, tmp_path / "bad", tensors)
    with pytest.raises(WeightsError) as err:
        load_params(bad, Speech2TextConfig.from_pretrained(bad))
    msg = str(err.value)
    assert "missing keys (1): model.encoder.layers.1.fc1.bias" in msg
    assert "unexpected keys (1): model.encoder.extra.weight" in msg
    assert "model.decoder.layers.0.encoder_attn.k_proj.weight: checkpoint (32, 31), config implies (32, 32)" in msg


def test_config_that_disagrees_with_the_weights(tmp_path, saved):
    path, _ = saved
    bad = _copy_dir(path, tmp_path / "cfg")
    d = json.loads((bad / "config.json").read_text())
    d["encoder_ffn_dim"] = 48
    d["decoder_layers"] = 3
    (bad / "config.json").write_text(json.dumps(d))
    with pytest.raises(WeightsError) as err:
        s2t_np.Speech2TextForConditionalGeneration.from_pretrained(bad)
    msg = str(err.value)
    assert "model.encoder.layers.0.fc1.weight: checkpoint (64, 32), config implies (48, 32)" in msg
    assert "model.decoder.layers.2.fc1.weight" in msg  # missing third decoder layer


def test_ignore_list(tmp_path, saved):
    """Stored sinusoid tables and a stored copy of a tied lm_head are ignored; nothing else is."""
    path, ref = saved
    tensors = _tensors(path)
    tensors["model.encoder.embed_positions.weights"] = np.ones((302, 32), np.float32)
    tensors["model.decoder.embed_positions.weights"] = np.ones((66, 32), np.float32)
    tensors["lm_head.weight"] = np.ones((97, 32), np.float32)
    extra = _copy_dir(path, tmp_path / "extra", tensors)
    params = load_params(extra, Speech2TextConfig.from_pretrained(extra))
    assert params["lm_head"]["weight"] is params["decoder"]["embed_tokens"]["weight"]
    assert "embed_positions" not in params["encoder"] and "embed_positions" not in params["decoder"]


def test_base_model_checkpoint(tmp_path, saved):
    """A Speech2TextModel checkpoint (keys without "model.") loads; the tied head is the embedding."""
    path, ref = saved
    ref.model.save_pretrained(tmp_path)
    assert not any(k.startswith("model.") for k in _tensors(tmp_path))
    params = load_params(tmp_path, Speech2TextConfig.from_pretrained(tmp_path))
    np.testing.assert_array_equal(
        params["decoder"]["layers"][1]["fc2"]["bias"], ref.model.decoder.layers[1].fc2.bias.detach().numpy()
    )
    assert params["lm_head"]["weight"] is params["decoder"]["embed_tokens"]["weight"]


def test_directory_errors(tmp_path, saved):
    path, _ = saved
    cfg = Speech2TextConfig.from_pretrained(path)
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        load_params(tmp_path / "absent", cfg)
    with pytest.raises(ModelNotFoundError, match="no model.safetensors"):
        load_params(tmp_path, cfg)
    (tmp_path / "pytorch_model.bin").write_bytes(b"not a zip archive")
    with pytest.raises(WeightsError, match="not a zip-format torch checkpoint"):
        load_params(tmp_path, cfg)


@pytest.mark.parametrize("torch_dtype", ["float32", "float16", "bfloat16"])
def test_pytorch_model_bin_read_without_torch(tmp_path, saved, torch, torch_dtype):
    """A directory with only pytorch_model.bin (as the MuST-C checkpoints are published) loads the
    same tensors as torch.load, for every stored dtype, including non-contiguous (transposed) ones."""
    path, ref = saved
    (tmp_path / "config.json").write_text((path / "config.json").read_text())
    state = {k: v.to(getattr(torch, torch_dtype)) for k, v in ref.state_dict().items()}
    key = "model.decoder.layers.0.fc1.weight"
    state[key] = state[key].t().contiguous().t()  # same values, column-major storage
    assert not state[key].is_contiguous()
    torch.save(state, tmp_path / "pytorch_model.bin")
    cfg = Speech2TextConfig.from_pretrained(tmp_path)
    params = load_params(tmp_path, cfg)
    for k, v in state.items():
        if "embed_positions" in k or (k == "lm_head.weight" and cfg.tie_word_embeddings):
            continue
        np.testing.assert_array_equal(_lookup(params, k), v.float().numpy(), err_msg=k)


def test_pytorch_model_bin_refuses_arbitrary_globals(tmp_path, saved, torch):
    """The restricted unpickler loads tensors only; any other global in the pickle is refused."""
    path, _ = saved
    (tmp_path / "config.json").write_text((path / "config.json").read_text())
    torch.save({"model.encoder.layer_norm.weight": torch.zeros(32), "evil": print}, tmp_path / "pytorch_model.bin")
    with pytest.raises(WeightsError, match=r"refers to __builtin__\.print.*refusing"):
        load_params(tmp_path, Speech2TextConfig.from_pretrained(tmp_path))


def test_non_float_tensor_is_rejected(tmp_path, saved):
    path, _ = saved
    tensors = _tensors(path)
    tensors["model.encoder.layer_norm.bias"] = np.zeros(32, np.int32)
    bad = _copy_dir(path, tmp_path / "int", tensors)
    with pytest.raises(WeightsError, match="model.encoder.layer_norm.bias.*I32"):
        load_params(bad, Speech2TextConfig.from_pretrained(bad))
