"""transformers' Speech2TextModelTester (tests/models/speech_to_text/test_modeling_speech_to_text.py) and
the tensor helpers of tests/test_modeling_common.py, for either implementation (`lib`).

Adapter choices (docs/upstream_tests.md): `floats_tensor` / `ids_tensor` draw with Python's `random`
like upstream and hand the result to `lib.tensor`; `.to(torch_device)` is dropped; `.eval()` is
called on torch models only (s2t_np has no dropout); upstream mutates configs in place
(`config.eos_token_id = None`), which `set_config` does, returning a new config where the class
is a frozen dataclass (s2t_np).
"""

import dataclasses
import random

import numpy as np

global_rng = random.Random()


def ids_tensor(lib, shape, vocab_size, rng=None):
    """Creates a random int64 tensor of the shape within the vocab size"""
    if rng is None:
        rng = global_rng
    total_dims = int(np.prod(shape))
    values = [rng.randint(0, vocab_size - 1) for _ in range(total_dims)]
    return lib.tensor(np.asarray(values, dtype=np.int64).reshape(shape))


def floats_tensor(lib, shape, scale=1.0, rng=None):
    """Creates a random float32 tensor"""
    if rng is None:
        rng = global_rng
    total_dims = int(np.prod(shape))
    values = [rng.random() * scale for _ in range(total_dims)]
    return lib.tensor(np.asarray(values, dtype=np.float32).reshape(shape))


def set_config(config, **changes):
    """Upstream's `config.<name> = value`; a new config where the class is a frozen dataclass."""
    if dataclasses.is_dataclass(config) and type(config).__dataclass_params__.frozen:
        fields = {f.name for f in dataclasses.fields(config)}
        # unsetting a key the class does not have (forced_eos_token_id) already holds
        changes = {k: v for k, v in changes.items() if k in fields or v is not None or getattr(config, k, None)}
        return dataclasses.replace(config, **changes)
    for name, value in changes.items():
        setattr(config, name, value)
    return config


def make_model(lib, model_class, config):
    """`model_class(config).to(torch_device).eval()`."""
    model = model_class(config)
    return model.eval() if lib.is_torch else model


def prepare_speech_to_text_inputs_dict(
    lib, config, input_features, decoder_input_ids, attention_mask=None, decoder_attention_mask=None
):
    if attention_mask is None:
        attention_mask = input_features != 0
    if decoder_attention_mask is None:
        decoder_attention_mask = decoder_input_ids != config.pad_token_id
    return {
        "input_features": input_features,
        "decoder_input_ids": decoder_input_ids,
        "attention_mask": attention_mask,
        "decoder_attention_mask": attention_mask,  # sic: upstream passes attention_mask here
    }


class Speech2TextModelTester:
    def __init__(
        self,
        lib,
        batch_size=13,
        seq_length=7,
        is_training=True,
        use_labels=False,
        vocab_size=99,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=4,
        num_conv_layers=2,
        conv_kernel_sizes=(5, 5),
        conv_channels=32,
        input_feat_per_channel=24,
        input_channels=1,
        hidden_act="relu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=20,
        max_source_positions=20,
        max_target_positions=20,
        eos_token_id=2,
        pad_token_id=1,
        bos_token_id=0,
    ):
        self.lib = lib
        self.batch_size = batch_size
        self.seq_length = seq_length
        self.is_training = is_training
        self.use_labels = use_labels
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.num_conv_layers = num_conv_layers
        self.conv_kernel_sizes = conv_kernel_sizes
        self.conv_channels = conv_channels
        self.input_feat_per_channel = input_feat_per_channel
        self.input_channels = input_channels
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.max_source_positions = max_source_positions
        self.max_target_positions = max_target_positions
        self.eos_token_id = eos_token_id
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id

    def prepare_config_and_inputs(self):
        lib = self.lib
        input_features = floats_tensor(
            lib, [self.batch_size, self.seq_length, self.input_feat_per_channel], self.vocab_size
        )
        attention_mask = lib.tensor(np.ones([self.batch_size, self.seq_length], dtype=np.int64))
        decoder_input_ids = lib.tensor(
            np.clip(lib.numpy(ids_tensor(lib, [self.batch_size, self.seq_length], self.vocab_size)), 2, None)
        )
        config = self.get_config()
        inputs_dict = prepare_speech_to_text_inputs_dict(
            lib,
            config,
            input_features=input_features,
            decoder_input_ids=decoder_input_ids,
            attention_mask=attention_mask,
        )
        return config, inputs_dict

    def get_config(self):
        return self.lib.Config(
            vocab_size=self.vocab_size,
            d_model=self.hidden_size,
            encoder_layers=self.num_hidden_layers,
            decoder_layers=self.num_hidden_layers,
            encoder_attention_heads=self.num_attention_heads,
            decoder_attention_heads=self.num_attention_heads,
            encoder_ffn_dim=self.intermediate_size,
            decoder_ffn_dim=self.intermediate_size,
            num_conv_layers=self.num_conv_layers,
            conv_kernel_sizes=self.conv_kernel_sizes,
            conv_channels=self.conv_channels,
            input_feat_per_channel=self.input_feat_per_channel,
            input_channels=self.input_channels,
            dropout=self.hidden_dropout_prob,
            attention_dropout=self.attention_probs_dropout_prob,
            max_position_embeddings=self.max_position_embeddings,
            max_source_positions=self.max_source_positions,
            max_target_positions=self.max_target_positions,
            eos_token_id=self.eos_token_id,
            bos_token_id=self.bos_token_id,
            pad_token_id=self.pad_token_id,
        )

    def prepare_config_and_inputs_for_common(self):
        return self.prepare_config_and_inputs()

    def get_subsampled_output_lengths(self, input_lengths):
        """Computes the output length of the convolutional layers"""
        for _ in range(self.num_conv_layers):
            input_lengths = (input_lengths - 1) // 2 + 1
        return input_lengths


def all_model_classes(lib):
    return (lib.Model, lib.ForConditionalGeneration)


def nan_to_zero_array(lib, tensor):
    """check_save_load / test_determinism: NaNs -> 0 and -inf dropped, as a NumPy array."""
    out = np.array(lib.numpy(tensor), dtype=np.float64)
    out[np.isnan(out)] = 0
    return out[~np.isneginf(out)]
