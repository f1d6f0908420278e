"""pytest fixtures for checking a Speech2Text port against s2t_np, in any project that installs s2t_np.

Registered as the pytest plugin `s2t_np` (entry point `pytest11`), so the fixtures are there as
soon as s2t_np is installed; `-p no:s2t_np` switches them off. This module imports pytest alone
at its top; the model code is imported by the fixtures, when a test asks for them, and torch
never. (Its package's `s2t_np/oracle/__init__.py` imports the oracle eagerly, which brings in
numpy, scipy and safetensors, about 0.25 s, at pytest start-up.)

Fixtures (all session-scoped, so a fixture of any scope may use them):

    s2t_np_tiny_model_dir      pathlib.Path of a tiny random-weight model directory in transformers'
                               format (config.json, model.safetensors), built with NumPy alone:
                               `init_params` (transformers' init rule) + `save_pretrained`. The same
                               bytes on every run (TINY_CONFIG, TINY_SEED). transformers loads it too.
    s2t_np_tiny_model          that directory loaded: s2t_np.Speech2TextForConditionalGeneration, float32.
    s2t_np_trace               s2t_np_trace(input_features, attention_mask=None, decoder_input_ids=None,
                               model=None) -> s2t_np.oracle.Trace: every module output of the
                               teacher-forced forward under transformers' module names (model=None:
                               the tiny model; decoder_input_ids=None: one decoder start token).
    s2t_np_assert_trace_close  s2t_np_assert_trace_close(reference, candidate, tolerances=None, *,
                               names=None): s2t_np.oracle.assert_trace_close; fails with the report
                               (max abs / rel diff per name and the first divergence). `names`
                               restricts the reference to those names, for a port built stage by stage.

A port's test, e.g.:

    def test_logits(s2t_np_tiny_model_dir, s2t_np_trace, s2t_np_assert_trace_close):
        features = np.random.default_rng(0).standard_normal((1, 40, 80)).astype(np.float32)
        reference = s2t_np_trace(features)
        mine = my_port.load(s2t_np_tiny_model_dir).trace(features)    # {module name: array}
        s2t_np_assert_trace_close(reference, mine, names=list(mine))

The tiny model's biases and LayerNorm parameters are moved off transformers' init values (0 and
1) by 0.1 N(0, 1) draws, and init_std is 0.2 instead of 0.02: with the plain init a port that
dropped a bias or a LayerNorm weight would still match, and activations would be nearly zero.
"""

import pytest

TINY_SEED = 0
# Small enough to build and run in milliseconds; 80 mel bins, so real fbank features fit.
TINY_CONFIG = dict(
    vocab_size=64,
    d_model=16,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=32,
    decoder_ffn_dim=32,
    conv_channels=32,
    conv_kernel_sizes=(5, 5),
    num_conv_layers=2,
    input_feat_per_channel=80,
    input_channels=1,
    max_source_positions=512,
    max_target_positions=64,
    dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
    init_std=0.2,
)


def build_tiny_model_dir(directory, seed=TINY_SEED):
    """Write the tiny model (TINY_CONFIG, `seed`) into `directory` (created if needed); returns its Path."""
    from pathlib import Path

    import numpy as np

    from s2t_np.hf.configuration import Speech2TextConfig
    from s2t_np.hf.modeling import Speech2TextForConditionalGeneration
    from s2t_np.weights import init_params

    config = Speech2TextConfig(**TINY_CONFIG)
    rng = np.random.default_rng(seed)
    params = init_params(config, rng)
    _perturb_biases_and_norms(params, rng)
    path = Path(directory)
    Speech2TextForConditionalGeneration(config, params).save_pretrained(path)
    return path


def _perturb_biases_and_norms(node, rng, in_norm=False):
    """Add 0.1 N(0, 1) in place to every bias and every LayerNorm weight (tree order, so seeded runs agree)."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(value, (dict, list)):
            _perturb_biases_and_norms(value, rng, str(key).endswith("layer_norm"))
        elif key == "bias" or in_norm:
            value += (0.1 * rng.standard_normal(value.shape)).astype(value.dtype)


@pytest.fixture(scope="session")
def s2t_np_tiny_model_dir(tmp_path_factory):
    """A tiny random-weight Speech2Text model directory (transformers format), the same on every run."""
    return build_tiny_model_dir(tmp_path_factory.mktemp("s2t_np_tiny_model"))


@pytest.fixture(scope="session")
def s2t_np_tiny_model(s2t_np_tiny_model_dir):
    """The tiny model, loaded: s2t_np.Speech2TextForConditionalGeneration (float32)."""
    from s2t_np.hf.modeling import Speech2TextForConditionalGeneration

    return Speech2TextForConditionalGeneration.from_pretrained(s2t_np_tiny_model_dir)


@pytest.fixture(scope="session")
def s2t_np_trace(s2t_np_tiny_model):
    """A function (input_features, attention_mask=None, decoder_input_ids=None, model=None) -> Trace."""
    from s2t_np.oracle import trace

    def run(input_features, attention_mask=None, decoder_input_ids=None, model=None):
        return trace(s2t_np_tiny_model if model is None else model, input_features, attention_mask, decoder_input_ids)

    return run


@pytest.fixture(scope="session")
def s2t_np_assert_trace_close():
    """A function (reference, candidate, tolerances=None, *, names=None) that fails with the oracle's report."""
    from s2t_np.oracle import assert_trace_close

    def check(reference, candidate, tolerances=None, *, names=None):
        __tracebackhide__ = True  # pytest shows the caller's line, not this wrapper
        return assert_trace_close(reference, candidate, tolerances, names=names)

    return check
