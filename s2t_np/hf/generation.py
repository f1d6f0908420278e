"""`generate`: transformers 5.23 `GenerationMixin.generate` for Speech2Text, in NumPy.

    generate(model, input_features [B, T, n_mels], attention_mask [B, T] = None, **options)
        -> int64 [B * num_return_sequences, L]            (or a GenerateOutput with return_dict_in_generate)

Steps (the numbered steps of transformers' `generate`):
  1. validate the inputs, then resolve and validate the options into a `GenerationPlan`
     (s2t_np/hf/generation_config.py: call arguments > `generation_config=` > the model's default
     generation config > library defaults; s2t_np/hf/generation_plan.py: checks, special tokens, lengths);
  2. run the encoder once and repeat its output and mask per beam (`repeat_interleave`);
  3. logits processors (s2t_np/logits_process.py) and the search (s2t_np/search.py: `greedy_search`
     for num_beams == 1, `beam_search` otherwise).
"""

import dataclasses

import numpy as np

from ..logits_process import build_logits_processor
from ..search import beam_search, greedy_search
from .generation_config import PROMPT_LENGTH, model_generation_config
from .generation_plan import plan_generation
from .modeling import check_features


def generate(model, input_features, attention_mask=None, generation_config=None, **kwargs):
    """Greedy or beam search with a Speech2TextForConditionalGeneration (transformers' `generate`).

    input_features: float [B, T, n_mels]; attention_mask: 0/1 [B, T] or None. `generation_config`
    (an s2t_np GenerationConfig) and keyword options override the model's defaults (module docstring).
    Returns int64 [B * num_return_sequences, L], or a GenerateOutput when return_dict_in_generate.
    """
    check_features(input_features, attention_mask, model.config)
    batch_size = input_features.shape[0]
    plan = plan_generation(
        model_generation_config(model),
        vocab_size=model.config.vocab_size,
        batch_size=batch_size,
        generation_config=generation_config,
        **kwargs,
    )
    encoder_hidden_states, encoder_mask = model.encode(input_features, attention_mask)  # [B, T', D], [B, T']
    step, reorder = decoder_step_functions(model, encoder_hidden_states, encoder_mask, plan.num_beams)
    return to_output(run_search(step, reorder, batch_size, plan), plan)


def decoder_step_functions(model, encoder_hidden_states, encoder_mask, num_beams):
    """`step` and `reorder` for search.py over the encoder output repeated `num_beams` times per utterance.

    The cross-attention K/V are projected once per utterance and then repeated per beam (the
    same rows transformers gets by projecting the repeated encoder output). With a cache, `step`
    feeds the new token column; without one (cache None) it starts a fresh cache and feeds every
    id so far, i.e. recomputes the whole decoder (use_cache=False).
    """
    rows = np.repeat(np.arange(encoder_hidden_states.shape[0]), num_beams)  # transformers' repeat_interleave
    mask = None if encoder_mask is None else encoder_mask[rows]  # [B * nb, T']

    def step(tokens, cache):
        if cache is None:
            cache = model.reorder_cache(model.init_cache(encoder_hidden_states), rows)  # [B * nb, H, T', dh]
        logits, cache = model.decode_step(tokens, mask, cache)  # [N, L, V]
        return logits[:, -1], cache  # [N, V]

    return step, model.reorder_cache


def run_search(step, reorder, batch_size, plan):
    """Step 3 of `generate`: decoder start ids, logits processors, greedy or beam search.

    `step` and `reorder` are the decoder functions described in s2t_np/search.py, over
    batch_size * num_beams rows (the encoder output already repeated per beam). Returns the
    search's GenerateOutput with every field it computed.
    """
    start = np.broadcast_to(np.asarray(plan.decoder_start_token_id, dtype=np.int64), (batch_size,))
    input_ids = np.repeat(start, plan.num_beams)[:, None]  # [B * nb, 1]
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
    )
    common = dict(
        process=process,
        max_length=plan.max_length,
        eos_token_ids=plan.eos_token_ids,
        pad_token_id=plan.pad_token_id,
        use_cache=plan.use_cache,
        output_scores=plan.return_dict_in_generate and plan.output_scores,
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


def to_output(result, plan):
    """What `generate` returns: the sequences, or a GenerateOutput (transformers' field rules)."""
    if not plan.return_dict_in_generate:
        return result.sequences
    if plan.num_beams > 1 and not plan.output_scores:
        return dataclasses.replace(result, sequences_scores=None)  # transformers sets it only with scores
    return result
