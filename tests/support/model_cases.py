"""Model configurations, inputs and reference helpers shared by the model parity tests, the
oracle tests and the benchmarks that measure their tolerances."""

import numpy as np

from tests.support.asserts import assert_close

# Variety of configs (on top of reference_models.SMALL_CONFIG): heads 1..8, d_model not a power of
# two (and odd), 1-3 conv layers with different (also even) kernels, input_channels > 1, every
# activation, scale_embedding False, untied lm_head, pad_token_id 0 (transformers' encoder positions
# then read the padding indicator differently: encoder.embed_frames).
CONFIGS = {
    "small_relu": {},
    "d33_gelu_1conv_noscale": dict(
        d_model=33,
        encoder_attention_heads=3,
        decoder_attention_heads=1,
        activation_function="gelu",
        num_conv_layers=1,
        conv_kernel_sizes=[3],
        scale_embedding=False,
    ),
    "d40_gelu_new_3conv_2ch_untied": dict(
        d_model=40,
        encoder_attention_heads=8,
        decoder_attention_heads=5,
        activation_function="gelu_new",
        num_conv_layers=3,
        conv_kernel_sizes=[3, 5, 7],
        conv_channels=16,
        input_channels=2,
        input_feat_per_channel=13,
        tie_word_embeddings=False,
    ),
    "pad0": dict(pad_token_id=0, bos_token_id=1),
    "d30_silu_even_kernel": dict(
        d_model=30,
        encoder_attention_heads=2,
        decoder_attention_heads=6,
        activation_function="silu",
        conv_kernel_sizes=[4, 7],
        encoder_layers=3,
        decoder_layers=1,
    ),
}


def make_inputs(cfg, seed=0, lengths=(41, 33, 20), n_tokens=7):
    """Padded batch: features [B, T, C] (zeros after each length), frame mask, decoder ids with pads, labels."""
    rng = np.random.default_rng(seed)
    b, t = len(lengths), max(lengths)
    x = rng.standard_normal((b, t, cfg.input_feat_per_channel * cfg.input_channels)).astype(np.float32)
    mask = (np.arange(t)[None, :] < np.array(lengths)[:, None]).astype(np.int32)
    x *= mask[:, :, None]
    ids = rng.integers(4, cfg.vocab_size, (b, n_tokens))
    ids[:, 0] = cfg.decoder_start_token_id
    ids[-1, -2:] = cfg.pad_token_id  # a shorter target in the last row
    dec_mask = (ids != cfg.pad_token_id).astype(np.int32)
    labels = np.concatenate([ids[:, 1:], np.full((b, 1), cfg.eos_token_id)], axis=1)
    labels[-1, -3:] = -100
    return x, mask, ids, dec_mask, labels


def patch_position_tables(ref, torch):
    """Give the (float64) reference our position table: isolates everything but the table's last-ulp
    differences (positions.py docstring), which the unpatched float64 test measures."""
    from s2t_np.positions import sinusoidal_embedding

    for module in (ref.model.encoder.embed_positions, ref.model.decoder.embed_positions):
        n = module.weights.shape[0]
        table = sinusoidal_embedding(np.arange(n), module.embedding_dim, module.padding_idx)
        module.weights = torch.from_numpy(table.astype(np.float64))


def hook_trace(ref, torch, x, mask, ids):
    """{module path: output seen by a forward hook} in firing order (the root module excluded)."""
    entries, handles = {}, []

    def keep(name):
        def hook(module, inputs, output):
            first = output[0] if isinstance(output, tuple) or hasattr(output, "to_tuple") else output
            entries[name] = first.detach().numpy().copy()

        return hook

    for name, module in ref.named_modules():
        if name:
            handles.append(module.register_forward_hook(keep(name)))
    dtype = next(ref.parameters()).dtype
    try:
        with torch.no_grad():
            ref(
                input_features=torch.from_numpy(x).to(dtype),
                attention_mask=torch.from_numpy(mask),
                decoder_input_ids=torch.from_numpy(ids),
            )
    finally:
        for handle in handles:
            handle.remove()
    return entries


STAGES = (
    "subsampler",
    "encoder_hidden_states",
    "encoder_attentions",
    "encoder_last_hidden_state",
    "decoder_hidden_states",
    "decoder_attentions",
    "cross_attentions",
    "logits",
    "loss",
)


def reference_stages(ref, torch, x, mask, ids, dec_mask, labels):
    """Every compared stage from the transformers model (numpy arrays / tuples of arrays)."""
    dtype = next(ref.parameters()).dtype
    t = lambda a: None if a is None else torch.from_numpy(a)  # noqa: E731
    with torch.no_grad():
        sub = ref.model.encoder.conv(t(x).to(dtype)).numpy()
        o = ref(
            input_features=t(x).to(dtype),
            attention_mask=t(mask),
            decoder_input_ids=t(ids),
            decoder_attention_mask=t(dec_mask),
            labels=t(labels),
            output_hidden_states=True,
            output_attentions=True,
        )
    tup = lambda seq: tuple(s.numpy() for s in seq)  # noqa: E731
    return {
        "subsampler": sub,
        "encoder_hidden_states": tup(o.encoder_hidden_states),
        "encoder_attentions": tup(o.encoder_attentions),
        "encoder_last_hidden_state": o.encoder_last_hidden_state.numpy(),
        "decoder_hidden_states": tup(o.decoder_hidden_states),
        "decoder_attentions": tup(o.decoder_attentions),
        "cross_attentions": tup(o.cross_attentions),
        "logits": o.logits.numpy(),
        "loss": o.loss.numpy(),
    }


def our_stages(model, x, mask, ids, dec_mask, labels):
    from s2t_np.subsampler import subsample

    o = model(
        x,
        mask,
        decoder_input_ids=ids,
        decoder_attention_mask=dec_mask,
        labels=labels,
        output_hidden_states=True,
        output_attentions=True,
    )
    sub = subsample(x.astype(model.dtype), model.params["encoder"]["conv"]["conv_layers"])
    return {
        "subsampler": sub,
        "encoder_hidden_states": o.encoder_hidden_states,
        "encoder_attentions": o.encoder_attentions,
        "encoder_last_hidden_state": o.encoder_last_hidden_state,
        "decoder_hidden_states": o.decoder_hidden_states,
        "decoder_attentions": o.decoder_attentions,
        "cross_attentions": o.cross_attentions,
        "logits": o.logits,
        "loss": o.loss,
    }


def stage_diffs(ours, ref):
    """{stage: max |ours - ref|} over every array of the stage (shapes asserted equal)."""
    diffs = {}
    for stage in STAGES:
        a, b = ours[stage], ref[stage]
        pairs = list(zip(a, b)) if isinstance(b, tuple) else [(a, b)]
        assert not isinstance(b, tuple) or len(a) == len(b), f"{stage}: {len(a)} arrays vs reference {len(b)}"
        worst = 0.0
        for u, v in pairs:
            u, v = np.asarray(u), np.asarray(v)
            assert u.shape == v.shape, f"{stage}: shape {u.shape} vs reference {v.shape}"
            worst = max(worst, float(np.max(np.abs(u.astype(np.float64) - v.astype(np.float64)))))
        diffs[stage] = worst
    return diffs


def assert_stages(ours, ref, tolerances, label):
    for stage in STAGES:
        a, b = ours[stage], ref[stage]
        pairs = list(zip(a, b)) if isinstance(b, tuple) else [(a, b)]
        assert len(pairs) >= 1 and (not isinstance(b, tuple) or len(a) == len(b)), stage
        for i, (u, v) in enumerate(pairs):
            assert_close(u, v, tolerances[stage], f"[{label}] stage {stage}[{i}]")
