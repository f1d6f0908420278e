"""Parity of the s2t_np model forward with transformers' Speech2Text (random-weight reference models).

Every stage is compared with the reference module it mirrors; tolerances live in tests/tolerances.py.
"""

import numpy as np
import pytest

from tolerances import MODEL_F32, MODEL_F64_TABLE_PATCHED


def _compare(name, ours, ref, tol):
    atol, rtol = tol
    np.testing.assert_allclose(ours, ref, atol=atol, rtol=rtol, err_msg=name)


@pytest.fixture(scope="module")
def small(tmp_path_factory, torch, transformers):
    from reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path_factory.mktemp("small"))
    return path, ref


def test_logits_match_reference_float32(small, torch):
    import s2t_np

    path, ref = small
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 37, 80)).astype(np.float32)
    mask = np.ones((2, 37), np.int32)
    mask[1, 30:] = 0
    ids = rng.integers(0, 97, (2, 6))
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, dtype=np.float32)
    out = model(x, mask, decoder_input_ids=ids)
    with torch.no_grad():
        expected = ref(input_features=torch.from_numpy(x), attention_mask=torch.from_numpy(mask),
                       decoder_input_ids=torch.from_numpy(ids)).logits.numpy()
    _compare("logits", out.logits, expected, MODEL_F32["logits"])
