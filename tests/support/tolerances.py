"""Every numeric tolerance the parity tests use, in one table, each with its justification.

Values are (atol, rtol) pairs for np.testing.assert_allclose unless a comment says otherwise.
Each stage owner fills its section; a tolerance is set from a measured difference (quoted in the
comment), never loosened until a test passes.
"""

# ---- front end (issue 2) -----------------------------------------------------------------
# Log-mel values are natural logs of mel energies in the int16 waveform range (about -16..30).
# fbank default (float64 math, float32 output) vs transformers' NumPy path (float64 math, float32
# output): both round the same float64 value to float32, which differ by 1.2e-7 (next line), so
# at most 1 float32 ulp apart. Measured max 1.91e-6 = 1 ulp at |x| in [16, 32) on every clip.
FBANK_VS_HF = (2.5e-7, 1.2e-7)
# fbank(dtype=float64) vs transformers' spectrogram(dtype=float64): transformers stores each FFT
# in complex64 (rel. error 2**-24 per component, so <= 1.2e-7 on |X|**2 and on the log).
# Measured max 1.18e-7 (chirp), 1.13e-7 (speech clips).
FBANK64_VS_HF64 = (2.5e-7, 0.0)
# Mel filter bank vs transformers' mel_filter_bank(257 bins, kaldi scale, in mel space):
# the same float64 formula; measured max 0.0 (identical).
MEL_BANK_VS_HF = (1e-15, 0.0)
# fbank vs kaldi-native-fbank (float32 C++), every option pinned equal, log domain, on the speech
# clips and noise signals: measured max 2.6e-3 (speech_en_us_m, snip_edges=False, mel bin 0 where
# the float32 spectrum is least precise). Pure tones and chirps leave mel bins 100+ dB below the
# frame energy, where float32 rounding noise dominates (measured 1.7e-2 tones, 0.9 chirp), so those
# are compared by the next entry instead.
FBANK_VS_KNF_LOG = (5e-3, 0.0)
# Same comparison in the energy domain: |exp(a) - exp(b)| / (frame's total mel energy), all
# signals including tones and chirp, 8 and 16 kHz: measured max 1.9e-5 (chirp at 8 kHz).
FBANK_VS_KNF_ENERGY = 4e-5  # scalar bound on the ratio above
# Linear (use_log_fbank=False) and magnitude features vs knf: a relative difference in linear
# energy is the log-domain difference above, so the same bound applies as rtol. Measured max
# 2.45e-3 (speech_en_us_m, mel bin 1, power), 1.06e-3 on speech_en_f3.
FBANK_VS_KNF_LINEAR = (0.0, 5e-3)
# Vectorized fbank vs the loop-level definition oracle (both float64, same FFT; only summation
# order differs): measured max 3.6e-15 over the length sweep (values up to ~20). The bound leaves
# room for other BLAS summation orders yet is 1e6 times below any real framing/window mistake.
FBANK_VS_ORACLE = (1e-9, 1e-12)
# Feature extractor (fbank + CMVN) vs transformers' Speech2TextFeatureExtractor. CMVN is the same
# NumPy code on float32 input, but the fbank inputs differ by up to 1 ulp, which changes the
# rounding path of transformers' float32 frame-axis sums for mean and std (accumulating ~100-500
# values of size ~20: sum error ~1e-3, so mean error ~1e-6..1e-5), then divided by a bin's std
# (~0.26 for white noise). Measured max over every setting x call in test_feature_extraction.py:
# 1.5e-5 (speech_en_f3), 2.5e-5 (1.5 s white noise, mel bin 66).
EXTRACTOR_VS_HF = (5e-5, 0.0)
# utterance_cmvn vs transformers' utterance_cmvn on the same float32 input: the same NumPy
# operations in the same order; measured max 0.0 (bit-identical), compared exactly.

# ---- model forward (issue 3) -------------------------------------------------------------
# Measured with bench/model_diffs.py (max |diff| over the 4 variety configs, the long-input config
# and the s2t-small size; random weights, init_std 0.2 / 0.05 for the s2t-small size, perturbed
# LayerNorms and biases, batched with padding). Each tolerance is ~5x the worst measured
# difference; rtol is kept tiny so large activations do not loosen the check. Reference values
# reach |x| ~ 90 in encoder hidden states.
#
# float32 vs torch float32: BLAS summation order and float32 rounding in both implementations.
MODEL_F32 = {
    "subsampler": (5e-5, 1e-6),                  # measured 7.6e-6 (|ref| <= 15.6)
    "encoder_hidden_states": (2e-4, 1e-6),       # measured 4.4e-5 (|ref| <= 88.6, grows with depth)
    "encoder_attentions": (1e-5, 1e-6),          # measured 1.3e-6
    "encoder_last_hidden_state": (2e-5, 1e-6),   # measured 4.3e-6 (after the final LayerNorm)
    "decoder_hidden_states": (5e-5, 1e-6),       # measured 9.1e-6 (s2t-small size, |ref| <= 12.1)
    "decoder_attentions": (5e-6, 1e-6),          # measured 7.2e-7
    "cross_attentions": (5e-6, 1e-6),            # measured 9.5e-7
    "logits": (3e-5, 1e-6),                      # measured 4.2e-6
    "loss": (5e-6, 1e-6),                        # measured 4.8e-7 (9.5e-7 in an earlier seed set)
}
# float64 vs torch model.double() as is. The reference's position table is built in float32 with
# SLEEF exp/sin/cos and only then cast; s2t_np's float32 table is correctly rounded, so a few
# entries differ by 1 float32 ulp (positions.py). That (not the float64 arithmetic) bounds these.
MODEL_F64 = {
    "subsampler": (1e-13, 0),                    # measured 1.4e-14 (no positions involved yet)
    "encoder_hidden_states": (2e-6, 0),          # measured 4.9e-7 (s2t-small size, D = 256)
    "encoder_attentions": (1e-7, 0),             # measured 1.0e-8
    "encoder_last_hidden_state": (5e-7, 0),      # measured 3.7e-8 (2.0e-7 with init_std 0.02)
    "decoder_hidden_states": (2e-6, 0),          # measured 4.8e-7
    "decoder_attentions": (1e-7, 0),             # measured 1.7e-8
    "cross_attentions": (1e-7, 0),               # measured 1.1e-8
    "logits": (5e-7, 0),                         # measured 8.6e-8
    "loss": (5e-8, 0),                           # measured 5.9e-9
}
# float64 vs model.double() with the reference given s2t_np's position table: everything else in
# float64 agrees to within a few float64 ulps of the largest values.
MODEL_F64_TABLE_PATCHED = {
    "subsampler": (1e-13, 0),                    # measured 1.4e-14
    "encoder_hidden_states": (1e-12, 0),         # measured 2.3e-13 (s2t-small size, 12 layers, |ref| <= 63)
    "encoder_attentions": (1e-14, 0),            # measured 2.0e-15
    "encoder_last_hidden_state": (1e-13, 0),     # measured 1.6e-14
    "decoder_hidden_states": (2e-13, 0),         # measured 2.5e-14
    "decoder_attentions": (1e-14, 0),            # measured 1.9e-15
    "cross_attentions": (1e-14, 0),              # measured 1.5e-15
    "logits": (5e-14, 0),                        # measured 7.8e-15
    "loss": (1e-14, 0),                          # measured 8.9e-16
}
# Cached decoding, float32: step-by-step vs one full pass (different matmul shapes, so different
# BLAS blocking), vs the reference fed the same past_key_values, and our cache vs the reference's.
# Measured 1.7e-6, 1.7e-6, 1.9e-6 (facade round trip 1.5e-6).
MODEL_CACHE_F32 = {"step_vs_full": (1e-5, 1e-6), "step_vs_reference": (1e-5, 1e-6), "cache": (1e-5, 1e-6)}
# Single stages (tests/test_stages.py) vs torch on the same input. Measured max |diff|: activations
# float32 9.5e-7 (1 ulp at |x| = 12; relu exact), float64 1.8e-15; LayerNorm / softmax /
# log_softmax float32 9.5e-7, float64 3.6e-15; conv1d + GLU float64 (kernels 1-7) 2.0e-15.
MODEL_NN = {"act_float32": (2e-6, 1e-6), "act_float64": (5e-15, 1e-14),
            "norm_float32": (5e-6, 1e-6), "norm_float64": (2e-14, 1e-14),
            "conv_float64": (1e-14, 1e-14)}
# Sinusoid table vs torch's float32 table (positions.py): torch's SLEEF float32 exp/sin/cos vs our
# correctly rounded values. Row p differs by at most one float32 ulp of its largest argument p * inv:
# measured max |diff| / p = 1.2e-7 (D = 256, rows < 7000), 6.0e-8 at small p; ~5% of entries differ.
MODEL_POSITIONS = {"per_position": 2.5e-7, "floor": 1.2e-7, "min_exact_fraction": 0.9}

# ---- generation (issue 4) ----------------------------------------------------------------
# Sequences are compared exactly (token for token). Per-step `scores` (greedy: processed logits;
# beam: processed float32 log-softmax, values about -15..5) on the SMALL_CONFIG-size models
# (d_model 32, init_std 0.1): the float32 model difference (~1e-6) passed through log_softmax;
# measured max |diff| 1.43e-6 over every case of tests/test_generation.py.
GEN_SCORES = (5e-6, 0.0)
# The same on the s2t-small size (d_model 256, 12 + 6 layers, vocab 10000, init_std 0.1; logits
# up to about +-20, 12 + 6 layers of float32 rounding): measured max |diff| 1.43e-5.
GEN_SCORES_S2T_SMALL = (5e-5, 0.0)
# Beam `sequences_scores` = sum of log-probs / length ** length_penalty: errors scale with the
# sum (|score| up to ~150 with length_penalty -1), so mostly relative. Measured max relative
# |diff| 1.54e-7 (max abs 1.5e-5 at a score of ~-100, length_penalty -1).
GEN_SEQUENCES_SCORES = (1e-6, 1e-6)
# tests/test_search.py drives s2t_np's search with the reference model's own logits: only the
# float32 log_softmax differs (NumPy max-shift-exp-sum-log vs torch's kernel). Measured max
# |diff| 1.5e-5 on a sequences_score of magnitude ~30 (relative 5e-7); per-step log-probs
# within the atol.
SEARCH_LOG_SOFTMAX = (2e-6, 1e-6)

# ---- tokenizer / end to end (issue 5, 6) -------------------------------------------------
# Tokenizer (ids, tokens, decoded text, saved tokenizer_config.json), processor text/labels,
# transcribe(), the CLI and the documentation examples are compared EXACTLY (no tolerance):
# generated ids and texts are identical to transformers on every fixture. Processor audio
# features reuse EXTRACTOR_VS_HF above (same feature extractor underneath).
