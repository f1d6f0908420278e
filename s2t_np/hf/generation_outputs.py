"""What `generate(..., return_dict_in_generate=True)` returns: transformers 5.23's
GenerateEncoderDecoderOutput (greedy and sampling) and GenerateBeamEncoderDecoderOutput (beam
search and beam sampling), same field names and order, with the `ModelOutput` access rules of
s2t_np/hf/outputs.py (a field left None is not a key).

Per-step fields are tuples with one entry per generation step (N = rows searched: batch * beams,
or batch * num_return_sequences when sampling):
  scores: float32 [N, V] processed scores (greedy / sample: processed logits; beam: processed
      log-softmax, before adding the running beam scores);
  logits: float32 [N, V] raw logits of the last position;
  decoder_attentions, cross_attentions: per step a tuple over layers of [N, H, t_new, t] and
      [N, H, t_new, T'] (t_new = 1 with the cache, the whole prefix without it);
  decoder_hidden_states: per step a tuple of layers + 1 arrays [N, t_new, D].
In beam search, the rows of a step are the running beams of that step (as transformers records
them: follow `beam_indices` to get one hypothesis' rows). encoder_attentions and
encoder_hidden_states are the encoder's own tuples over the batch [B, ...] (not repeated per beam).
past_key_values is the plain decoder cache (s2t_np/decoder.py) after the last step, where
transformers has its EncoderDecoderCache.
"""

from dataclasses import dataclass

import numpy as np

from .outputs import ModelOutput


@dataclass
class GenerateEncoderDecoderOutput(ModelOutput):
    sequences: np.ndarray = None
    scores: tuple | None = None
    logits: tuple | None = None
    encoder_attentions: tuple | None = None
    encoder_hidden_states: tuple | None = None
    decoder_attentions: tuple | None = None
    cross_attentions: tuple | None = None
    decoder_hidden_states: tuple | None = None
    past_key_values: list | None = None


@dataclass
class GenerateBeamEncoderDecoderOutput(ModelOutput):
    sequences: np.ndarray = None
    sequences_scores: np.ndarray | None = None
    scores: tuple | None = None
    logits: tuple | None = None
    beam_indices: np.ndarray | None = None
    encoder_attentions: tuple | None = None
    encoder_hidden_states: tuple | None = None
    decoder_attentions: tuple | None = None
    cross_attentions: tuple | None = None
    decoder_hidden_states: tuple | None = None
    past_key_values: list | None = None
