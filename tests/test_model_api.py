"""The facades' transformers 5.23 forward API, compared with transformers on the same weights:
`return_dict=False` tuples, config defaults of return_dict / output_*, `cache_position`,
`decoder_inputs_embeds`, the keyword arguments transformers accepts, `get_decoder()`,
`get_input_embeddings()`, ModelOutput behaviour, and `generate(inputs=... | input_features=...)`.
"""

import numpy as np
import pytest

from tests.support.asserts import assert_close
from tests.support.model_cases import make_inputs
from tests.support.tolerances import MODEL_CACHE_F32, MODEL_F32


@pytest.fixture(scope="module")
def pair(tmp_path_factory, torch, transformers):
    """(our model, the transformers reference float32, our config) on one random-weight directory."""
    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path_factory.mktemp("api"), seed=3)
    return s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path), ref, path


@pytest.fixture(scope="module")
def inputs(pair):
    x, mask, ids, dec_mask, labels = make_inputs(pair[0].config, seed=1, n_tokens=6)
    return x, mask, ids, dec_mask, labels


def _t(torch, a):
    return None if a is None else torch.from_numpy(a)


def _reference_cache_layers(cache):
    """transformers' EncoderDecoderCache as [(self_k, self_v, cross_k, cross_v)] per layer."""
    self_cache, cross_cache = cache.self_attention_cache, cache.cross_attention_cache
    return [
        tuple(None if a is None else a.numpy() for a in (s.keys, s.values, c.keys, c.values))
        for s, c in zip(self_cache.layers, cross_cache.layers)
    ]


# output field -> its MODEL_F32 tolerance (the decoder facade's fields under the model's names)
FIELD_TOLERANCE = {
    "last_hidden_state": "decoder_hidden_states",
    "hidden_states": "decoder_hidden_states",
    "attentions": "decoder_attentions",
}


def _assert_element_equal(ours, ref, what, field):
    """One output element `field`: an array, a tuple of arrays, or the cache (module docstring of modeling.py)."""
    tol = MODEL_F32[FIELD_TOLERANCE.get(field, field)] if field != "past_key_values" else MODEL_CACHE_F32["cache"]
    what = f"{what} {field}"
    if isinstance(ours, list):  # the plain cache where transformers has EncoderDecoderCache
        for i, (layer, expected) in enumerate(zip(ours, _reference_cache_layers(ref), strict=True)):
            for name, value in zip(("self_k", "self_v", "cross_k", "cross_v"), expected):
                if value is None:  # no encoder: no cross-attention K/V in either cache
                    assert layer[name] is None, f"{what} layer {i} {name}"
                else:
                    assert_close(layer[name], value, tol, what=f"{what} layer {i} {name}")
    elif isinstance(ours, tuple):
        assert len(ours) == len(ref), what
        for i, (a, b) in enumerate(zip(ours, ref)):
            assert_close(a, b.numpy(), tol, what=f"{what}[{i}]")
    else:
        assert_close(ours, ref.numpy(), tol, what=what)


def _assert_tuples_equal(ours, expected, as_dict, what):
    """`return_dict=False` tuples, element by element; `as_dict` (our output object) names the elements."""
    assert isinstance(ours, tuple) and isinstance(expected, tuple)
    assert len(ours) == len(expected) == len(as_dict), what
    for a, b, field in zip(ours, expected, as_dict.keys()):
        _assert_element_equal(a, b, what, field)


@pytest.mark.parametrize("use_cache", [True, False])
@pytest.mark.parametrize("base", [False, True])
def test_return_dict_false_is_transformers_tuple(pair, inputs, torch, base, use_cache):
    model, ref, _ = pair
    x, mask, ids, dec_mask, labels = inputs
    kw = dict(attention_mask=mask, decoder_input_ids=ids, decoder_attention_mask=dec_mask, use_cache=use_cache)
    kw.update(output_attentions=True, output_hidden_states=True)
    if not base:
        kw["labels"] = labels
    ours = (model.model if base else model)(x, return_dict=False, **kw)
    with torch.no_grad():
        expected = (ref.model if base else ref)(
            _t(torch, x),
            return_dict=False,
            **{k: (_t(torch, v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()},
        )
    as_dict = (model.model if base else model)(x, **kw)  # the same elements, in the same order
    _assert_tuples_equal(ours, expected, as_dict, f"base={base} use_cache={use_cache}")
    assert ("past_key_values" in as_dict) == use_cache


def test_encoder_return_dict_false(pair, inputs, torch):
    model, ref, _ = pair
    x, mask = inputs[:2]
    ours = model.get_encoder()(x, mask, output_hidden_states=True, return_dict=False)
    with torch.no_grad():
        expected = ref.get_encoder()(_t(torch, x), _t(torch, mask), output_hidden_states=True, return_dict=False)
    assert len(ours) == len(expected) == 2
    assert_close(ours[0], expected[0].numpy(), MODEL_F32["encoder_last_hidden_state"], what="encoder output")
    for a, b in zip(ours[1], expected[1], strict=True):
        assert_close(a, b.numpy(), MODEL_F32["encoder_hidden_states"], what="encoder hidden states")


def test_none_means_the_config_value(pair, inputs):
    model, _, _ = pair
    x, mask, ids = inputs[:3]
    plain = model(x, mask, decoder_input_ids=ids, use_cache=False)
    assert plain.keys() == ["logits", "encoder_last_hidden_state"]  # config defaults: no attentions / hidden states
    explicit = model(x, mask, decoder_input_ids=ids, use_cache=False, output_attentions=None, return_dict=None)
    assert explicit.keys() == plain.keys()


def test_config_output_flags_match_transformers(tmp_path, inputs, torch):
    """config.json with output_attentions / output_hidden_states true: both libraries return every field
    when the call leaves them None; config.json with return_dict false gives tuples (transformers 5.23
    itself fails there: its encoder then returns a tuple that Speech2TextModel.forward reads as an output)."""
    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, ref = build_model_dir(tmp_path / "flags", seed=3, output_attentions=True, output_hidden_states=True)
    x, mask, ids = inputs[:3]
    for cls, ref_model in ((s2t_np.Speech2TextForConditionalGeneration, ref), (s2t_np.Speech2TextModel, ref.model)):
        ours = cls.from_pretrained(path)(x, mask, decoder_input_ids=ids, return_dict=False)
        with torch.no_grad():
            expected = ref_model(_t(torch, x), _t(torch, mask), decoder_input_ids=_t(torch, ids), return_dict=False)
        assert len(ours) == 8  # logits / hidden, cache, 3 decoder fields, 3 encoder fields
        as_dict = cls.from_pretrained(path)(x, mask, decoder_input_ids=ids)
        _assert_tuples_equal(ours, expected, as_dict, f"{cls.__name__} config defaults")
    tuples, _ = build_model_dir(tmp_path / "tuples", seed=3, return_dict=False, output_attentions=True)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(tuples)
    out = model(x, mask, decoder_input_ids=ids, use_cache=False)
    assert isinstance(out, tuple) and len(out) == 5  # logits, decoder and cross attentions, encoder last + attentions
    assert model(x, mask, decoder_input_ids=ids, return_dict=True).decoder_attentions is not None
    assert len(model.get_encoder()(x, mask)) == 2 and len(model.get_encoder()(x, mask, output_attentions=False)) == 1


def test_cache_position_is_checked(pair, inputs):
    import s2t_np

    model, _, _ = pair
    x, mask, ids = inputs[:3]
    first = model(x, mask, decoder_input_ids=ids[:, :4], use_cache=True, cache_position=np.arange(4))
    rest = model(
        attention_mask=mask,
        encoder_outputs=(first.encoder_last_hidden_state,),
        decoder_input_ids=ids[:, 4:],
        past_key_values=first.past_key_values,
        cache_position=np.arange(4, 6),
    )
    full = model(x, mask, decoder_input_ids=ids).logits
    assert_close(rest.logits, full[:, 4:], MODEL_CACHE_F32["step_vs_full"], what="after cache_position")
    for bad in (np.arange(2), np.arange(1, 5), np.arange(4.0)):
        with pytest.raises(s2t_np.InvalidInputError, match="cache_position"):
            model(x, mask, decoder_input_ids=ids[:, :4], cache_position=bad)


def test_decoder_inputs_embeds_replace_scaled_embeddings(pair, inputs, torch):
    """W[ids] * embed_scale as embeddings == the ids (no pad), with and without the cache, and == transformers."""
    import s2t_np

    model, ref, _ = pair
    x, mask, ids = inputs[:3]
    ids = ids[:, :5].copy()
    ids[ids == model.config.pad_token_id] = 5  # positions of embeddings are those of unpadded ids
    scale = np.float32(model.config.embed_scale)
    embeds = model.get_input_embeddings()(ids) * scale  # [B, L, D]
    assert model.get_input_embeddings().weight is model.params["decoder"]["embed_tokens"]["weight"]
    ref_embedding = ref.get_input_embeddings()
    ours_embedding = model.get_input_embeddings()
    assert (ours_embedding.num_embeddings, ours_embedding.embedding_dim, ours_embedding.padding_idx) == (
        ref_embedding.num_embeddings,
        ref_embedding.embedding_dim,
        ref_embedding.padding_idx,
    )
    by_ids = model(x, mask, decoder_input_ids=ids).logits
    by_embeds = model(x, mask, decoder_inputs_embeds=embeds).logits
    assert_close(by_embeds, by_ids, MODEL_CACHE_F32["step_vs_full"], what="embeds vs ids")
    with torch.no_grad():
        expected = ref(_t(torch, x), attention_mask=_t(torch, mask), decoder_input_ids=_t(torch, ids)).logits.numpy()
    assert_close(by_embeds, expected, MODEL_F32["logits"], what="embeds vs transformers with ids")
    first = model(x, mask, decoder_inputs_embeds=embeds[:, :3], use_cache=True)
    rest = model(
        attention_mask=mask,
        encoder_outputs=(first.encoder_last_hidden_state,),
        decoder_inputs_embeds=embeds[:, 3:],
        past_key_values=first.past_key_values,
    )
    assert_close(rest.logits, by_ids[:, 3:], MODEL_CACHE_F32["step_vs_full"], what="cached embeds vs ids")
    with pytest.raises(s2t_np.InvalidInputError, match="both decoder_input_ids and decoder_inputs_embeds"):
        model(x, mask, decoder_input_ids=ids, decoder_inputs_embeds=embeds)
    for bad in (embeds[..., :-1], embeds.astype(np.int64), embeds[0]):
        with pytest.raises(s2t_np.InvalidInputError, match="decoder_inputs_embeds"):
            model(x, mask, decoder_inputs_embeds=bad)
    labels = np.concatenate([ids[:, 1:], ids[:, :1]], axis=1)
    with_labels = model(x, mask, decoder_inputs_embeds=embeds, labels=labels)  # embeds win over shifted labels
    assert_close(with_labels.logits, by_ids, MODEL_CACHE_F32["step_vs_full"], what="labels with embeds")


def test_get_decoder_matches_transformers_decoder(pair, inputs, torch):
    model, ref, _ = pair
    x, mask, ids, dec_mask, _ = inputs
    enc, enc_mask = model.encode(x, mask)
    decoder = model.get_decoder()
    ours = decoder(
        input_ids=ids,
        attention_mask=dec_mask,
        encoder_hidden_states=enc,
        encoder_attention_mask=enc_mask,
        output_attentions=True,
        output_hidden_states=True,
    )
    with torch.no_grad():
        expected = ref.get_decoder()(
            input_ids=_t(torch, ids),
            attention_mask=_t(torch, dec_mask),
            encoder_hidden_states=_t(torch, enc),
            encoder_attention_mask=_t(torch, enc_mask),
            output_attentions=True,
            output_hidden_states=True,
        )
    assert type(ours).__name__ == type(expected).__name__ == "BaseModelOutputWithPastAndCrossAttentions"
    assert ours.keys() == list(expected.keys())
    for key in ours.keys():
        _assert_element_equal(ours[key], expected[key], "decoder", key)
    step = decoder(input_ids=ids[:, :1], encoder_hidden_states=enc, encoder_attention_mask=enc_mask)
    step = decoder(input_ids=ids[:, 1:2], encoder_attention_mask=enc_mask, past_key_values=step.past_key_values)
    full = decoder(input_ids=ids[:, :2], encoder_hidden_states=enc, encoder_attention_mask=enc_mask)
    assert_close(step[0][:, 0], full[0][:, 1], MODEL_CACHE_F32["step_vs_full"], what="decoder facade cache")


def test_keyword_arguments(pair, inputs):
    import s2t_np

    model, _, _ = pair
    x, mask, ids = inputs[:3]
    plain = model(x, mask, decoder_input_ids=ids).logits
    ignored = model(x, mask, decoder_input_ids=ids, head_mask=None, num_items_in_batch=3, is_causal=True).logits
    np.testing.assert_array_equal(ignored, plain)
    head_mask = np.ones((model.config.encoder_layers, model.config.encoder_attention_heads))
    for kwargs, fragment in (
        (dict(head_mask=head_mask), "head_mask"),
        (dict(decoder_position_ids=np.arange(ids.shape[1])), "decoder_position_ids"),
        (dict(is_causal=False), "is_causal"),
        (dict(output_hidden_states=[0, -1]), "layer index"),
        (dict(output_attention=True), "unexpected keyword argument 'output_attention'"),
    ):
        with pytest.raises(s2t_np.UnsupportedOptionError, match=fragment):
            model(x, mask, decoder_input_ids=ids, **kwargs)
    with pytest.raises(s2t_np.UnsupportedOptionError, match="cu_seq_lens_q"):
        model.get_encoder()(x, mask, cu_seq_lens_q=np.arange(3))


def test_outputs_behave_like_transformers_model_output(pair, inputs, torch, transformers):
    from transformers.modeling_outputs import Seq2SeqLMOutput as RefOutput

    model, _, _ = pair
    x, mask, ids = inputs[:3]
    ours = model(x, mask, decoder_input_ids=ids, use_cache=False, output_hidden_states=True)
    ref = RefOutput(**{k: torch.zeros(1) if k == "logits" else v for k, v in ours.items()})
    assert list(ours) == list(ref) == ours.keys() == list(ref.keys())
    assert len(ours) == len(ref) == 4
    assert ("logits" in ours) and ("loss" not in ours) and ("loss" not in ref)
    assert ours.loss is None and ref.loss is None
    with pytest.raises(KeyError):
        ours["loss"]
    with pytest.raises(KeyError):
        ref["loss"]
    assert ours[0] is ours["logits"] is ours.logits
    assert ours[1:] == ours.to_tuple()[1:] and len(ref[1:]) == len(ours[1:])
    assert [k for k, _ in ours.items()] == list(ours.keys()) and len(ours.values()) == 4
    assert ours.get("loss", "absent") == "absent"
    ours["loss"] = np.float32(1.0)  # setting a field adds the key, first in field order
    assert ours.keys()[0] == "loss" and ours[0] == 1.0
    with pytest.raises(TypeError):
        ours.pop("loss")
    with pytest.raises(TypeError):
        del ours["loss"]


def test_generate_input_spellings(pair, inputs, torch):
    import s2t_np

    model, ref, _ = pair
    x = inputs[0][:1]
    options = dict(max_new_tokens=6, num_beams=1)
    positional = model.generate(x, **options)
    np.testing.assert_array_equal(model.generate(inputs=x, **options), positional)
    np.testing.assert_array_equal(model.generate(input_features=x, **options), positional)
    config = s2t_np.GenerationConfig(max_new_tokens=6, num_beams=1)
    np.testing.assert_array_equal(model.generate(x, config), positional)  # transformers' positional order
    with torch.no_grad():
        expected = ref.generate(inputs=torch.from_numpy(x), **options).numpy()
    np.testing.assert_array_equal(positional, expected)
    with pytest.raises(s2t_np.GenerationError, match="input_features"):
        model.generate(x, input_features=x, **options)
    with pytest.raises(s2t_np.GenerationError, match="input_features"):
        model.generate(inputs=x, input_features=x, **options)


def test_decoder_facade_arguments_are_checked(pair, inputs):
    import s2t_np

    model, _, _ = pair
    x, mask, ids = inputs[:3]
    enc, enc_mask = model.encode(x, mask)
    decoder = model.get_decoder()
    embeds = decoder.embed_tokens(ids) * np.float32(model.config.embed_scale)
    for kwargs, fragment in (
        (dict(input_ids=ids, encoder_attention_mask=enc_mask), "without encoder_hidden_states"),
        (dict(input_ids=ids, encoder_hidden_states=enc, past_key_values=decoder(ids).past_key_values), "without"),
        (dict(input_ids=ids, inputs_embeds=embeds, encoder_hidden_states=enc), "both input_ids and inputs_embeds"),
        (dict(encoder_hidden_states=enc), "pass input_ids or inputs_embeds"),
        (dict(input_ids=ids[:1], encoder_hidden_states=enc), "batch"),
        (dict(input_ids=ids, encoder_hidden_states=enc[..., :-1]), "d_model"),
        (dict(input_ids=ids, encoder_hidden_states=enc, encoder_attention_mask=enc_mask[:, :-1]), "encoder frames"),
        (dict(input_ids=ids, encoder_hidden_states=enc, cache_position=np.arange(1, ids.shape[1] + 1)), "arange"),
        (dict(input_ids=ids, past_key_values=[{}]), "list of"),
    ):
        with pytest.raises(s2t_np.InvalidInputError, match=fragment):
            decoder(**kwargs)
    out = decoder(inputs_embeds=embeds[:, :2], encoder_hidden_states=enc, use_cache=True, return_dict=False)
    assert len(out) == 2 and len(out[1]) == model.config.decoder_layers  # (last_hidden_state, cache)


@pytest.mark.parametrize("tie", [True, False])
def test_num_parameters_and_main_input_name(tmp_path, tie, torch, transformers):
    import inspect

    import s2t_np
    from tests.support.reference_models import build_model_dir

    path, _ = build_model_dir(tmp_path, seed=3, tie_word_embeddings=tie)
    full = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path)
    ref_full = transformers.Speech2TextForConditionalGeneration.from_pretrained(str(path))
    base, ref_base = (
        s2t_np.Speech2TextModel.from_pretrained(path),
        transformers.Speech2TextModel.from_pretrained(str(path)),
    )
    for name, ours, ref in (
        ("generation", full, ref_full),
        ("base", base, ref_base),
        ("encoder", full.get_encoder(), ref_full.get_encoder()),
    ):
        for exclude in (False, True):
            expected = ref.num_parameters(exclude_embeddings=exclude)
            assert ours.num_parameters(exclude_embeddings=exclude) == expected, (name, exclude)
        assert ours.main_input_name == ref.main_input_name == "input_features"
        assert list(inspect.signature(type(ours).forward).parameters)[1] == ours.main_input_name
    assert full.get_decoder().forward.__func__ is s2t_np.Speech2TextDecoder.__call__


def test_loading_info_and_feature_lengths(pair, inputs, torch):
    import s2t_np

    model, ref, path = pair
    loaded, info = s2t_np.Speech2TextForConditionalGeneration.from_pretrained(path, output_loading_info=True)
    assert info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "error_msgs": []}
    assert loaded.generation_config is not None
    lengths = np.array([1, 2, 3, 40, 41, 1000])
    expected = ref._get_feat_extract_output_lengths(torch.from_numpy(lengths)).numpy()
    np.testing.assert_array_equal(model._get_feat_extract_output_lengths(lengths), expected)
    mask = inputs[1]
    frames = model.encode(inputs[0], mask)[0].shape[1]
    expected = ref.model.encoder._get_feature_vector_attention_mask(frames, torch.from_numpy(mask)).numpy()
    np.testing.assert_array_equal(model.get_encoder()._get_feature_vector_attention_mask(frames, mask), expected)


def test_decoder_without_encoder_matches_transformers(pair, inputs, torch):
    """get_decoder() without encoder_hidden_states skips cross-attention in both libraries; the cache continues it."""
    model, ref, _ = pair
    ids, dec_mask = inputs[2], inputs[3]
    decoder = model.get_decoder()
    ours = decoder(ids, attention_mask=dec_mask, output_attentions=True, output_hidden_states=True)
    with torch.no_grad():
        expected = ref.get_decoder()(
            _t(torch, ids), attention_mask=_t(torch, dec_mask), output_attentions=True, output_hidden_states=True
        )
    assert ours.keys() == list(expected.keys())
    for key in ours.keys():
        _assert_element_equal(ours[key], expected[key], "decoder without encoder", key)
    first = decoder(ids[:, :4], attention_mask=dec_mask[:, :4], use_cache=True)
    rest = decoder(ids[:, 4:], attention_mask=dec_mask, past_key_values=first.past_key_values)
    got = np.concatenate([first.last_hidden_state, rest.last_hidden_state], axis=1)
    assert_close(got, ours.last_hidden_state, MODEL_CACHE_F32["step_vs_full"], what="decoder without encoder, cached")
