"""`generate`: transformers 5.23 `GenerationMixin.generate` for Speech2Text, in NumPy.

    generate(model, input_features [B, T, n_mels], attention_mask [B, T] = None, *, generator=None, **options)
        -> int64 [B * num_return_sequences, L]   (or a Generate*EncoderDecoderOutput with return_dict_in_generate)

Steps (the numbered steps of transformers' `generate`):
  1. validate the inputs, then resolve and validate the options into a `GenerationPlan`
     (s2t_np/hf/generation_config.py: call arguments > `generation_config=` > the model's default
     generation config > library defaults; s2t_np/hf/generation_plan.py: checks, special tokens, lengths);
  2. run the encoder once and repeat its output and mask per row (`repeat_interleave` by
     max(num_beams, num_return_sequences));
  3. logits processors (s2t_np/logits_process.py), with do_sample the warpers (s2t_np/sampling.py),
     and the search (s2t_np/search.py: `greedy_search` for num_beams == 1, `beam_search` otherwise).

Sampling randomness: `generator=` (s2t_np's own argument; transformers uses torch's global RNG) is a
numpy.random.Generator, an integer seed, or None for fresh entropy. The same seed gives the same tokens.
"""

import numpy as np

from ..decoder import decoder_forward, init_cache, lm_logits, reorder_cache
from ..encoder import encode
from ..logits_process import build_logits_processor
from ..sampling import as_generator, build_warpers
from ..search import beam_search, greedy_search
from .generation_config import PROMPT_LENGTH, model_generation_config
from .generation_outputs import GenerateBeamEncoderDecoderOutput, GenerateEncoderDecoderOutput
from .generation_plan import plan_generation
from .modeling import check_features


def generate(model, input_features, attention_mask=None, generation_config=None, *, generator=None, **kwargs):
    """Greedy search, sampling, beam search or beam sampling with a Speech2TextForConditionalGeneration.

    input_features: float [B, T, n_mels]; attention_mask: 0/1 [B, T] or None. `generation_config`
    (an s2t_np GenerationConfig) and keyword options override the model's defaults (module docstring);
    `generator` seeds sampling. Returns int64 [B * num_return_sequences, L], or the output dataclass
    of s2t_np/hf/generation_outputs.py when return_dict_in_generate.
    """
    attention_mask = check_features(input_features, attention_mask, model.config)
    batch_size = input_features.shape[0]
    plan = plan_generation(
        model_generation_config(model),
        vocab_size=model.config.vocab_size,
        batch_size=batch_size,
        generation_config=generation_config,
        **kwargs,
    )
    rng = as_generator(generator) if plan.do_sample else None
    record = plan.return_dict_in_generate
    enc = encode(
        input_features.astype(model.dtype, copy=False),
        attention_mask,
        **model.params["encoder"],
        cfg=model.config,
        output_attentions=record and plan.output_attentions,
        output_hidden_states=record and plan.output_hidden_states,
    )
    rows = max(plan.num_beams, plan.num_return_sequences)
    recorder = StepRecorder(plan)
    step, reorder = decoder_step_functions(model, enc["last_hidden_state"], enc["attention_mask"], rows, recorder)
    result = run_search(step, reorder, batch_size, plan, rng, rows)
    if not record:
        return result.sequences
    fields = dict(
        sequences=result.sequences,
        scores=result.scores,
        logits=recorder.tuple("logits"),
        encoder_attentions=enc["attentions"],
        encoder_hidden_states=enc["hidden_states"],
        decoder_attentions=recorder.tuple("decoder_attentions"),
        cross_attentions=recorder.tuple("cross_attentions"),
        decoder_hidden_states=recorder.tuple("decoder_hidden_states"),
        past_key_values=recorder.cache,
    )
    if plan.num_beams == 1:
        return GenerateEncoderDecoderOutput(**fields)
    # transformers sets sequences_scores only with output_scores
    scores = result.sequences_scores if plan.output_scores else None
    return GenerateBeamEncoderDecoderOutput(**fields, sequences_scores=scores, beam_indices=result.beam_indices)


class StepRecorder:
    """The per-step outputs `generate` returns with return_dict_in_generate (output_logits / _attentions /
    _hidden_states), collected by the decoder step, and the last cache (past_key_values)."""

    def __init__(self, plan):
        on = plan.return_dict_in_generate
        self.logits = [] if on and plan.output_logits else None
        attn = on and plan.output_attentions
        self.decoder_attentions = [] if attn else None
        self.cross_attentions = [] if attn else None
        self.decoder_hidden_states = [] if on and plan.output_hidden_states else None
        self.cache = None
        self.use_cache = plan.use_cache

    def add(self, logits, dec):
        if self.logits is not None:
            self.logits.append(logits.astype(np.float32))
        if self.decoder_attentions is not None:
            self.decoder_attentions.append(dec.attentions)
            self.cross_attentions.append(dec.cross_attentions)
        if self.decoder_hidden_states is not None:
            self.decoder_hidden_states.append(dec.hidden_states)
        self.cache = dec.cache if self.use_cache else None

    def tuple(self, name):
        values = getattr(self, name)
        return None if values is None else tuple(values)


def decoder_step_functions(model, encoder_hidden_states, encoder_mask, num_rows, recorder=None):
    """`step` and `reorder` for search.py over the encoder output repeated `num_rows` times per utterance.

    The cross-attention K/V are projected once per utterance and then repeated per row (the
    same rows transformers gets by projecting the repeated encoder output). With a cache, `step`
    feeds the new token column; without one (cache None) it starts a fresh cache and feeds every
    id so far, i.e. recomputes the whole decoder (use_cache=False). A `StepRecorder` receives
    each step's logits, attentions and hidden states.
    """
    rows = np.repeat(np.arange(encoder_hidden_states.shape[0]), num_rows)  # transformers' repeat_interleave
    mask = None if encoder_mask is None else encoder_mask[rows]  # [B * n, T']
    cfg, params = model.config, model.params
    wants = recorder is not None and recorder.decoder_attentions is not None
    hidden = recorder is not None and recorder.decoder_hidden_states is not None

    def step(tokens, cache):
        if cache is None:
            heads = cfg.decoder_attention_heads
            cache = reorder_cache(init_cache(encoder_hidden_states, params["decoder"]["layers"], n_heads=heads), rows)
        dec = decoder_forward(
            tokens,
            None,
            mask,
            cache,
            **params["decoder"],
            cfg=cfg,
            output_attentions=wants,
            output_hidden_states=hidden,
        )
        logits = lm_logits(dec.last_hidden_state[:, -1:], **params["lm_head"])[:, 0]  # [N, V]
        if recorder is not None:
            recorder.add(logits, dec)
        return logits, dec.cache

    def reorder(cache, beam_idx):
        cache = reorder_cache(cache, beam_idx)
        if recorder is not None and recorder.use_cache:
            recorder.cache = cache
        return cache

    return step, reorder


def run_search(step, reorder, batch_size, plan, rng=None, rows=None):
    """Step 3 of `generate`: decoder start ids, logits processors (+ warpers), greedy or beam search.

    `step` and `reorder` are the decoder functions described in s2t_np/search.py, over
    batch_size * rows rows (the encoder output already repeated; rows = max(num_beams,
    num_return_sequences)). `rng` is the numpy Generator when sampling. Returns the search's GenerateOutput.
    """
    rows = rows or plan.num_beams
    start = np.broadcast_to(np.asarray(plan.decoder_start_token_id, dtype=np.int64), (batch_size,))
    input_ids = np.repeat(start, rows)[:, None]  # [B * rows, 1]
    process = build_logits_processor(
        prompt_length=PROMPT_LENGTH,
        max_length=plan.max_length,
        min_length=plan.min_length,
        min_new_tokens=plan.min_new_tokens,
        eos_token_ids=plan.eos_token_ids,
        repetition_penalty=plan.repetition_penalty,
        no_repeat_ngram_size=plan.no_repeat_ngram_size,
        bad_words_ids=plan.bad_words_ids,
        forced_bos_token_id=plan.forced_bos_token_id,
        forced_eos_token_id=plan.forced_eos_token_id,
        remove_invalid_values=plan.remove_invalid_values,
        warpers=build_warpers(**plan.warpers) if plan.do_sample else (),
        renormalize_logits=plan.renormalize_logits,
    )
    common = dict(
        process=process,
        max_length=plan.max_length,
        eos_token_ids=plan.eos_token_ids,
        pad_token_id=plan.pad_token_id,
        use_cache=plan.use_cache,
        output_scores=plan.return_dict_in_generate and plan.output_scores,
        rng=rng,
    )
    if plan.num_beams == 1:
        return greedy_search(step, input_ids, **common)
    return beam_search(
        step,
        reorder,
        input_ids,
        num_beams=plan.num_beams,
        length_penalty=plan.length_penalty,
        early_stopping=plan.early_stopping,
        num_return_sequences=plan.num_return_sequences,
        **common,
    )
