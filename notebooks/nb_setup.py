"""What every notebook in this folder shares: the references, the shipped files, a parity check.

The notebooks teach s2t_np's stages and check each one against transformers (the reference). They
import this module from their own folder (Jupyter starts each kernel in the notebook's folder).

    torch, transformers = require_reference()      # a clear message when the extra is missing
    DEMO_DIR, EXAMPLES_DIR, EXAMPLES               # the shipped demo model and example clips
    reference_demo_model()                         # the demo model loaded by transformers
    tiny_model_pair(seed=0, **config)              # a tiny random transformers model and s2t_np's copy
    check_close("encoder output", ours, ref)       # prints max |diff|, asserts the tolerance
"""

import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

DEMO_DIR = Path(str(resources.files("s2t_np") / "demo"))
EXAMPLES_DIR = Path(str(resources.files("s2t_np") / "examples"))
# [(path, sentence)] of the shipped clips (s2t_np/examples/transcripts.tsv; MAKE.sh made them)
EXAMPLES = [
    (EXAMPLES_DIR / name, text)
    for name, text in (line.split("\t") for line in (EXAMPLES_DIR / "transcripts.tsv").read_text().splitlines())
]

# A small but complete Speech2Text configuration for random-weight models built in a notebook.
TINY_CONFIG = dict(
    vocab_size=97,
    d_model=32,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
    conv_channels=24,
    conv_kernel_sizes=[5, 5],
    input_feat_per_channel=80,
    max_source_positions=300,
    max_target_positions=64,
    dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
)


def require_reference():
    """Import torch and transformers, or stop with how to install them. Returns (torch, transformers)."""
    try:
        import torch
        import transformers
    except ModuleNotFoundError as missing:
        raise ModuleNotFoundError(
            f"{missing.name} is not installed. The notebooks check every stage against transformers; "
            "install the references with:  pip install -e '.[notebooks]'  (from the repository root)"
        ) from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return torch, transformers


def reference_demo_model():
    """transformers' Speech2TextForConditionalGeneration from the shipped demo directory, in eval mode."""
    _, transformers = require_reference()
    return transformers.Speech2TextForConditionalGeneration.from_pretrained(DEMO_DIR).eval()


def tiny_model_pair(seed=0, init_std=0.2, **overrides):
    """A seeded random-weight transformers model and the s2t_np model loaded from its save_pretrained.

    init_std 0.2 (not transformers' 0.02) keeps activations from collapsing, so differences show.
    Returns (reference, ours).
    """
    import s2t_np

    torch, transformers = require_reference()
    config = transformers.Speech2TextConfig(**{**TINY_CONFIG, "init_std": init_std, **overrides})
    torch.manual_seed(seed)
    reference = transformers.Speech2TextForConditionalGeneration(config).eval()
    with tempfile.TemporaryDirectory() as tmp:
        reference.save_pretrained(tmp)
        ours = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(tmp)
    return reference, ours


def to_numpy(x):
    """A torch tensor (or anything array-like) as a NumPy array."""
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def check_close(label, ours, reference, rtol=2e-5, atol=0.0):
    """Print max |ours - reference| and assert it is within atol + rtol * max |reference|.

    The default rtol is the oracle's float32 rule (s2t_np/oracle/comparison.py, docs/oracle.md).
    """
    ours, reference = to_numpy(ours), to_numpy(reference)
    assert ours.shape == reference.shape, f"{label}: shape {ours.shape} != reference {reference.shape}"
    diff = float(np.max(np.abs(ours.astype(np.float64) - reference.astype(np.float64)), initial=0.0))
    limit = atol + rtol * float(np.max(np.abs(reference), initial=0.0))
    print(f"{label}: max |diff| = {diff:.3g}  (tolerance {limit:.3g})")
    assert diff <= limit, f"{label}: max |diff| {diff:.3g} exceeds {limit:.3g}"
    return diff
