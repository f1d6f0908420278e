"""Single stages against the torch / transformers functions they mirror: activations, LayerNorm,
softmax, sinusoid table, position ids, output lengths and the subsampled frame mask."""

import numpy as np
import pytest

from tests.support.tolerances import MODEL_NN, MODEL_POSITIONS


@pytest.mark.parametrize("name", ["relu", "gelu", "gelu_new", "silu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_match_transformers(name, dtype, torch, transformers):
    from transformers.activations import ACT2FN

    from s2t_np.nn import ACTIVATIONS

    x = np.linspace(-12, 12, 4001).astype(dtype)
    expected = ACT2FN[name](torch.from_numpy(x)).numpy()
    got = ACTIVATIONS[name](x)
    assert got.dtype == dtype
    atol, rtol = MODEL_NN[f"act_{np.dtype(dtype).name}"]
    np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_softmax_log_softmax(dtype, torch):
    from s2t_np.nn import layer_norm, log_softmax, softmax

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 5, 33)) * 7 + 2).astype(dtype)
    w, b = rng.standard_normal(33).astype(dtype), rng.standard_normal(33).astype(dtype)
    t = torch.from_numpy
    atol, rtol = MODEL_NN[f"norm_{np.dtype(dtype).name}"]
    ln = torch.nn.functional.layer_norm(t(x), (33,), t(w), t(b), eps=1e-5).numpy()
    np.testing.assert_allclose(layer_norm(x, w, b), ln, atol=atol, rtol=rtol)
    np.testing.assert_allclose(softmax(x), torch.softmax(t(x), -1).numpy(), atol=atol, rtol=rtol)
    np.testing.assert_allclose(log_softmax(x), torch.log_softmax(t(x), -1).numpy(), atol=atol, rtol=rtol)


@pytest.mark.parametrize("dim", [32, 33, 256, 1024])
def test_sinusoid_table_matches_reference(dim, transformers):
    """Equal to torch's float32 table up to one float32 ulp of the argument p * inv (positions.py)."""
    from transformers.models.speech_to_text.modeling_speech_to_text import (
        Speech2TextSinusoidalPositionalEmbedding as RefPositions,
    )

    from s2t_np.positions import sinusoidal_embedding

    n = 7000
    expected = RefPositions.get_embedding(n, dim, 1).numpy()
    got = sinusoidal_embedding(np.arange(n), dim, 1)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert not got[1].any() and (dim % 2 == 0 or not got[:, -1].any())
    bound = MODEL_POSITIONS["per_position"] * np.arange(n) + MODEL_POSITIONS["floor"]
    worst = np.abs(got - expected).max(axis=1)
    assert (worst <= bound).all(), f"row {np.argmax(worst - bound)}: |diff| {worst.max():.3g}"
    assert (got == expected).mean() > MODEL_POSITIONS["min_exact_fraction"]


def test_position_ids_match_reference(torch, transformers):
    from transformers.models.speech_to_text.modeling_speech_to_text import (
        Speech2TextSinusoidalPositionalEmbedding as RefPositions,
    )

    from s2t_np.positions import position_ids

    ids = np.array([[2, 5, 7, 1, 1], [2, 1, 9, 9, 1]])
    module = RefPositions(10, 8, 1)
    for past in (0, 3):
        expected = module.create_position_ids_from_input_ids(torch.from_numpy(ids), 1, past).numpy()
        np.testing.assert_array_equal(position_ids(ids != 1, 1, past), expected)


def test_output_lengths_and_subsampled_mask(torch, transformers):
    from s2t_np import conv_output_lengths
    from s2t_np.encoder import subsampled_mask
    from tests.support.reference_models import build_model

    ref = build_model(seed=0, num_conv_layers=3, conv_kernel_sizes=[3, 5, 7])
    lengths = np.arange(1, 200)
    expected = ref._get_feat_extract_output_lengths(torch.from_numpy(lengths)).numpy()
    np.testing.assert_array_equal(conv_output_lengths(lengths, 3), expected)
    assert conv_output_lengths(1000) == 250 and conv_output_lengths(3000) == 750
    with torch.no_grad():  # odd kernels: the formula is the convolution's real output length
        for t in (1, 2, 7, 8, 33):
            assert ref.model.encoder.conv(torch.zeros(1, t, 80)).shape[1] == conv_output_lengths(t, 3)
    mask = (np.arange(61)[None, :] < np.array([61, 40, 9, 1])[:, None]).astype(np.int64)
    t_sub = conv_output_lengths(61, 3)
    expected = ref._get_feature_vector_attention_mask(t_sub, torch.from_numpy(mask)).numpy()
    np.testing.assert_array_equal(subsampled_mask(mask, t_sub, 3), expected)


def test_conv1d_stride2_and_glu_match_torch(torch):
    """The im2col convolution equals torch's conv1d(stride 2, padding k // 2) for every small size."""
    from s2t_np.subsampler import conv1d_stride2, glu

    rng = np.random.default_rng(1)
    for k in range(1, 8):
        w = rng.standard_normal((6, 3, k))
        b = rng.standard_normal(6)
        for t in (1, 2, 3, 4, 8, 17):
            x = rng.standard_normal((2, t, 3))  # [B, T, C_in]
            expected = torch.nn.functional.conv1d(
                torch.from_numpy(x).transpose(1, 2), torch.from_numpy(w), torch.from_numpy(b), stride=2, padding=k // 2
            )
            expected = torch.nn.functional.glu(expected, dim=1).transpose(1, 2).numpy()  # [B, T_out, 3]
            got = glu(conv1d_stride2(x, w, b))
            atol, rtol = MODEL_NN["conv_float64"]
            np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg=f"k={k} T={t}")
