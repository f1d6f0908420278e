"""Random-weight reference models built locally with transformers (tests have no network).

`build_model_dir(path, **config_overrides)` writes a transformers-format directory with
`save_pretrained`; both s2t_np and transformers load it from disk. Weights are drawn with a
seeded torch generator and a large `init_std` (default 0.2) so activations are not degenerate
and random-weight generation produces long, varied sequences (docs/numerics.md section 3).
"""

from pathlib import Path

# Small but complete: 2 conv layers, 2 + 2 layers, 4 heads. Tests override what they exercise.
SMALL_CONFIG = dict(
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
    num_conv_layers=2,
    input_feat_per_channel=80,
    input_channels=1,
    max_source_positions=300,
    max_target_positions=64,
    dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
    encoder_layerdrop=0.0,
    decoder_layerdrop=0.0,
)

# transformers' Speech2TextConfig defaults (the s2t-small size: d_model 256, 12 + 6 layers, 4 heads,
# ffn 2048, conv_channels 1024, vocab 10000), spelled out because SMALL_CONFIG is the base of every build.
S2T_SMALL_SIZE = dict(
    vocab_size=10000,
    d_model=256,
    encoder_layers=12,
    decoder_layers=6,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=2048,
    decoder_ffn_dim=2048,
    conv_channels=1024,
    conv_kernel_sizes=[5, 5],
    num_conv_layers=2,
    max_source_positions=6000,
    max_target_positions=1024,
)


def make_config(**overrides):
    from transformers import Speech2TextConfig

    kwargs = dict(SMALL_CONFIG)
    kwargs.update(overrides)
    return Speech2TextConfig(**kwargs)


def build_model(seed=0, init_std=0.2, perturb_layer_norms=True, **overrides):
    """A seeded random-weight `Speech2TextForConditionalGeneration` in eval mode."""
    import torch
    from transformers import Speech2TextForConditionalGeneration

    config = make_config(init_std=init_std, **overrides)
    torch.manual_seed(seed)
    model = Speech2TextForConditionalGeneration(config).eval()
    if perturb_layer_norms:
        # HF initialises LayerNorm to (1, 0) and biases to 0; random values make a dropped
        # bias or a swapped weight visible in the parity tests.
        g = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith("bias") or "layer_norm" in name:
                    p.add_(0.1 * torch.randn(p.shape, generator=g))
    return model


def build_model_dir(path, seed=0, init_std=0.2, **overrides):
    """Build a random model and `save_pretrained` it into `path`; returns (path, torch_model)."""
    path = Path(path)
    model = build_model(seed=seed, init_std=init_std, **overrides)
    model.save_pretrained(path)
    return path, model
