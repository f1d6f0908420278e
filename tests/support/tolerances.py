"""Every numeric tolerance the parity tests use, in one table, each with its justification.

Values are (atol, rtol) pairs for np.testing.assert_allclose unless a comment says otherwise.
Each stage owner fills its section; a tolerance is set from a measured difference (quoted in the
comment), never loosened until a test passes.
"""

# ---- front end --------------------------------------------------------------------------
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
# fbank vs knf on noise with a large impulse at every frame's first sample (the pre-emphasis edge
# test in tests/test_fbank_oracle.py; 23 bins, every window): each mel bin carries the impulses'
# broadband energy, so float32 is precise there. Measured max 5.2e-6 (povey, coefficient 1.0).
FBANK_VS_KNF_IMPULSES = (2e-5, 0.0)
# Vectorized fbank vs the loop-level definition oracle (both float64, same FFT per frame; only the
# summation order differs), tests/test_fbank_oracle.py. Measured max |diff| in the log domain:
# 5.3e-15 over the length sweep (values up to 18), 5.3e-14 over 3000 random option sets, 3.2e-13
# on the Speech2Text settings (400-sample frames, 80 bins, values up to 23); linear features
# (use_log_fbank=False, values up to ~1e7): max relative |diff| 8.2e-15. Identical with OpenBLAS
# forced to Haswell / SandyBridge / Nehalem / SkylakeX kernels. atol is 3x the log-domain worst,
# rtol 3x the linear worst (4.9x at |x| = 23 with both terms).
FBANK_VS_ORACLE = (1e-12, 2.5e-14)
# The front-end trace's intermediate stages (s2t_np.oracle.trace_features, float64) vs a per-frame,
# per-sample loop over the same samples (tests/test_oracle_frontend.py: Kaldi's frame loop, with
# the window and the mel energies of tests/test_fbank_oracle.py). Scalars bound
# max |diff| / max |reference| within each frame; frames themselves are compared exactly. Measured
# over every frame of every signal in tests/support/frontend_signals.py (the tests check a few
# frames per signal and every frame of speech_en_us_m): DC removal 2.2e-16 (np.mean's pairwise sum
# vs a running sum), pre-emphasis 2.8e-16, windowed 2.1e-14 (speech_en_us_m frame 114: np.hanning
# ** 0.85 vs Kaldi's 0.5 - 0.5 cos differ by up to 2.1e-14 relative near the window's edges),
# power spectrum 1.3e-14, mel energies 1.6e-14 (speech_en_gb frame 55); the same with OpenBLAS
# forced to Haswell / SandyBridge / Nehalem / SkylakeX kernels. Bounds 2.4-3x those.
FRONTEND_TRACE_VS_LOOP = {
    "frontend.dc_removed": 6e-16,
    "frontend.preemphasized": 8e-16,
    "frontend.windowed": 5e-14,
    "frontend.power_spectrum": 4e-14,
    "frontend.mel_energies": 4e-14,
}
# Feature extractor (fbank + CMVN) vs transformers' Speech2TextFeatureExtractor. CMVN is the same
# NumPy code on float32 input, but the fbank inputs differ by up to 1 ulp, which changes the
# rounding path of transformers' float32 frame-axis sums for mean and std (accumulating ~100-500
# values of size ~20: sum error ~1e-3, so mean error ~1e-6..1e-5), then divided by a bin's std
# (~0.26 for white noise). Measured max over every setting x call in test_feature_extraction.py:
# 1.5e-5 (speech_en_f3), 2.5e-5 (1.5 s white noise, mel bin 66).
EXTRACTOR_VS_HF = (5e-5, 0.0)
# utterance_cmvn vs transformers' utterance_cmvn on the same float32 input: the same NumPy
# operations in the same order; measured max 0.0 (bit-identical), compared exactly.
# utterance_cmvn's own output (tests/test_cmvn.py): over the valid frames each bin has mean 0 and
# std 1 up to the float32 rounding of the statistics (20 frames, values within about +-3).
# Measured max |mean| 3.3e-7, max |std - 1| 1.8e-7.
CMVN_STATS = {"mean": (1e-6, 0.0), "std": (5e-7, 0.0)}
# Dither (tests/test_fbank.py), seeded: one int16 step of Gaussian dither moves the log-mel
# features of speech by a median |change| of 6.3e-3 (5.9e-3..6.3e-3 over seeds 0-4 and 7): bound
# 0.02. On digital silence it lifts every value above the log floor log(float32 eps) = -15.9:
# measured minimum 10.8 above it; the test asks for more than 5 (a lower bound, 2.2x below).
FBANK_DITHER = {"speech_median_shift": 0.02, "silence_lift": 5.0}

# ---- audio loading (tests/test_audio.py) ---------------------------------------------------
# Scalars are bounds on max |diff| over the compared samples (waveforms in [-1, 1)).
# Down-mixing (the uneven 2-4 channel files of test_audio.py, int16 and float, |mean| < 0.6):
# load_audio's float32 mean of the channels vs the float64 mean of the stored samples: float32
# rounding of the sum and the division. Measured max 2.0e-8 (3 float channels; the same over 150
# seeds of the signals); 2 and 4 channels are exact. Stereo 8 kHz -> 16 kHz vs
# reference_audio.reference_load_audio (float64 mean, resample_poly): measured 0.0 (100 seeds).
AUDIO_DOWNMIX = (6e-8, 0.0)
# A float64 sine stored as a FLOAT (float32) WAV and read back at its own rate: the float32
# rounding of the file, at most half an ulp (1.49e-8 for |x| < 0.5). Measured 1.49e-8 at 8, 22.05
# and 44.1 kHz.
AUDIO_FLOAT_WAV = 5e-8
# A 440 Hz sine resampled to 16 kHz (resample_poly, Kaiser beta 5 FIR), 200 samples away from the
# zero-padded edges, vs the same sine computed at 16 kHz: measured 7.3e-4 (from 8 kHz), 4.2e-4
# (22.05 kHz), 4.1e-4 (44.1 kHz).
AUDIO_RESAMPLED_SINE = 2e-3
# A 1 s sine through OGG Vorbis (lossy; libsndfile 1.2.2 at its default quality), 1000 samples away
# from the edges: measured 1.5e-2. Other libvorbis builds may encode differently: 3.3x.
AUDIO_VORBIS_SINE = 5e-2

# ---- model forward ----------------------------------------------------------------------
# Measured with bench/model_diffs.py: max |diff| over the 4 variety configs, the long-input config
# and the s2t-small size (random weights, init_std 0.2 / 0.05 for the s2t-small size, perturbed
# LayerNorms and biases, batched with padding). Each comment gives the measurement with this
# machine's default kernels (OpenBLAS and MKL on AVX-512, ATen avx512, torch 1 thread), then in
# parentheses the worst over 10 other builds emulated with
# OPENBLAS_CORETYPE=Haswell/Sandybridge/Nehalem, MKL_ENABLE_INSTRUCTIONS=AVX2/SSE4_2,
# ATEN_CPU_CAPABILITY=default/avx2, 2 torch threads, and combinations. Each bound is at least 2.5x
# the worst; where it is more than ~5x, it was set from a larger earlier measurement and may be
# tightened. rtol is kept tiny so large activations do not loosen the check; reference values reach
# |x| ~ 90 in encoder hidden states.
#
# float32 vs torch float32: BLAS summation order and float32 rounding in both implementations.
MODEL_F32 = {
    "subsampler": (5e-5, 1e-6),  # measured 9.1e-6 (1.4e-5, ATen default; |ref| <= 15.6)
    "encoder_hidden_states": (2e-4, 1e-6),  # measured 5.3e-5 (8.0e-5, ATen default; |ref| <= 88.6)
    "encoder_attentions": (1e-5, 1e-6),  # measured 1.5e-6 (1.5e-6)
    "encoder_last_hidden_state": (2e-5, 1e-6),  # measured 4.5e-6 (6.3e-6); after the final LayerNorm
    "decoder_hidden_states": (5e-5, 1e-6),  # measured 9.5e-6 (9.8e-6; s2t-small size, |ref| <= 12.1)
    "decoder_attentions": (5e-6, 1e-6),  # measured 7.8e-7 (1.3e-6, OpenBLAS Sandybridge)
    "cross_attentions": (5e-6, 1e-6),  # measured 1.2e-6 (1.5e-6, MKL AVX2)
    "logits": (3e-5, 1e-6),  # measured 3.1e-6 (5.9e-6, OpenBLAS Sandybridge)
    "loss": (5e-6, 1e-6),  # measured 4.8e-7 (4.8e-7)
}
# Speech2TextModel's docstring example (tests/test_docs_examples.py): decoder last_hidden_state of the
# docs fixture (init_std 0.5, no embedding scale, a speech clip) vs transformers float32; measured 1.6e-5
# (|ref| <= 2.4), the larger weights giving more rounding than MODEL_F32's decoder cases.
DOCS_MODEL_LAST_HIDDEN = (5e-5, 1e-6)
# float64 vs torch model.double() as is. The reference's position table is built in float32 with
# SLEEF exp/sin/cos and only then cast; s2t_np's float32 table is correctly rounded, so a few
# entries differ by 1 float32 ulp (positions.py). That (not the float64 arithmetic) bounds these.
MODEL_F64 = {
    "subsampler": (1e-13, 0),  # measured 3.6e-15 (8.0e-15); no positions involved yet
    "encoder_hidden_states": (2e-6, 0),  # measured 9.6e-8 (4.9e-7, MKL SSE4_2)
    "encoder_attentions": (1e-7, 0),  # measured 1.0e-8 (1.0e-8)
    "encoder_last_hidden_state": (5e-7, 0),  # measured 3.7e-8 (3.8e-8); 1.1e-7 with init_std 0.02
    "decoder_hidden_states": (2e-6, 0),  # measured 1.7e-7 (4.8e-7, MKL SSE4_2)
    "decoder_attentions": (1e-7, 0),  # measured 1.7e-8 (1.7e-8)
    "cross_attentions": (1e-7, 0),  # measured 1.1e-8 (1.1e-8)
    "logits": (5e-7, 0),  # measured 7.9e-8 (8.6e-8)
    "loss": (5e-8, 0),  # measured 7.5e-9 (8.4e-9)
}
# float64 vs model.double() with the reference given s2t_np's position table: everything else in
# float64 agrees to within a few float64 ulps of the largest values.
MODEL_F64_TABLE_PATCHED = {
    "subsampler": (1e-13, 0),  # measured 3.6e-15 (8.0e-15)
    "encoder_hidden_states": (1e-12, 0),  # measured 3.6e-14 (7.1e-14; |ref| <= 88.6)
    "encoder_attentions": (1e-14, 0),  # measured 1.2e-15 (1.4e-15)
    "encoder_last_hidden_state": (1e-13, 0),  # measured 3.2e-15 (7.1e-15)
    "decoder_hidden_states": (2e-13, 0),  # measured 1.3e-14 (1.8e-14)
    "decoder_attentions": (1e-14, 0),  # measured 1.3e-15 (1.7e-15)
    "cross_attentions": (1e-14, 0),  # measured 1.4e-15 (2.0e-15)
    "logits": (5e-14, 0),  # measured 5.3e-15 (6.0e-15)
    "loss": (1e-14, 0),  # measured 8.9e-16 (3.6e-15, OpenBLAS Haswell)
}
# Cached decoding, float32 (tests/test_model_parity.py): step-by-step vs one full pass (different
# matmul shapes, so different BLAS blocking), vs the reference fed the same past_key_values, and
# our cache vs the reference's. Measured 1.4e-6, 1.7e-6, 1.5e-6 (worst over the variants above
# 1.9e-6, 1.8e-6, 1.6e-6); facade round trip 9.5e-7 (1.5e-6).
MODEL_CACHE_F32 = {"step_vs_full": (1e-5, 1e-6), "step_vs_reference": (1e-5, 1e-6), "cache": (1e-5, 1e-6)}
# Single stages (tests/test_stages.py) vs torch on the same input. Measured max |diff|: activations
# float32 9.5e-7 (1 ulp at |x| = 12; relu exact), float64 1.8e-15; LayerNorm / softmax float32
# 4.8e-7 / 1.2e-7, log_softmax float32 9.5e-7 (1.9e-6 with OpenBLAS Sandybridge, ATen default),
# float64 3.6e-15; conv1d + GLU float64 (kernels 1-7) 1.8e-15 (3.6e-15).
MODEL_NN = {
    "act_float32": (2e-6, 1e-6),
    "act_float64": (5e-15, 1e-14),
    "norm_float32": (5e-6, 1e-6),
    "norm_float64": (2e-14, 1e-14),
    "conv_float64": (1e-14, 1e-14),
}
# Sinusoid table vs torch's float32 table (positions.py): torch's SLEEF float32 exp/sin/cos vs our
# correctly rounded values. Row p differs by at most one float32 ulp of its largest argument p * inv:
# measured max |diff| / p = 1.16e-7 (D = 1024; 3.0e-8 at D = 256, rows < 7000), 6.0e-8 at small p;
# 4.8-6.7% of entries differ (exact fraction 0.933 at D = 256). The same with ATEN_CPU_CAPABILITY
# default / avx2.
MODEL_POSITIONS = {"per_position": 2.5e-7, "floor": 1.2e-7, "min_exact_fraction": 0.9}
# The loss (tests/test_model_inputs.py) vs the mean of -log_softmax at the labels computed in float64
# from the same float32 logits: float32 log_softmax and mean. Measured relative 5.7e-8 (abs 2.9e-7
# at 4.98).
MODEL_LOSS_VS_FORMULA = (0.0, 2e-7)
# A decoder query whose every key is masked gets transformers' uniform attention row 1 / T
# (tests/test_model_parity.py, T = 6): float32(1/6) is 3.0e-8 (relative) from 1/6; measured 3.0e-8.
MODEL_UNIFORM_ROW = (0.0, 1e-7)
# fp16 / bf16 checkpoints widened to float32, forward vs transformers loading the same file in
# float32 (tests/test_weights.py, SMALL_CONFIG, |logits| <= 3.7): float32 model differences only.
# Measured 1.5e-6 (fp16), 1.8e-6 (bf16); 2.0e-6 worst over the variants above.
WEIGHTS_HALF_LOGITS = (6e-6, 0.0)

# ---- generation -------------------------------------------------------------------------
# Sequences are compared exactly (token for token). Per-step `scores` (greedy: processed logits;
# beam: processed float32 log-softmax, values about -15..5) on the SMALL_CONFIG-size models
# (d_model 32, init_std 0.1): the float32 model difference (~1e-6) passed through log_softmax;
# measured max |diff| 1.43e-6 over every case of tests/test_generation.py (9.5e-7 in
# tests/test_generation_config.py), the same with the BLAS / kernel variants of the model section.
GEN_SCORES = (5e-6, 0.0)
# The same on the s2t-small size (d_model 256, 12 + 6 layers, vocab 10000, init_std 0.1; logits
# up to about +-20, 12 + 6 layers of float32 rounding): measured max |diff| 1.43e-5 (1.34e-5 and
# 1.38e-5 with the variants).
GEN_SCORES_S2T_SMALL = (5e-5, 0.0)
# Beam `sequences_scores` = sum of log-probs / length ** length_penalty: errors scale with the
# sum (|score| up to ~570 with length_penalty -1), so mostly relative. Measured max relative
# |diff| 1.54e-7 (max abs 1.5e-5); with OpenBLAS Sandybridge / MKL SSE4_2 / ATen default the
# largest |diff| / (atol + rtol * |score|) is 0.28, 3.6x below the bound.
GEN_SEQUENCES_SCORES = (1e-6, 1e-6)
# tests/test_search.py drives s2t_np's search with the reference model's own logits: only the
# float32 log_softmax differs (NumPy max-shift-exp-sum-log vs torch's kernel). Measured: per-step
# log-probs max |diff| 9.5e-7 (|values| <= 10); sequences_scores max relative |diff| 1.6e-7 (abs
# 6.1e-5 at |score| ~ 390). Largest |diff| / (atol + rtol * |ref|) 0.16 (0.23 with the variants).
SEARCH_LOG_SOFTMAX = (2e-6, 1e-6)
# Sampling warpers (s2t_np/sampling.py) vs transformers' warper classes on the same float32 scores:
# the kept / removed masks are compared exactly; kept values are the input (exact) or s / T (one
# float32 division, exact too). Measured max |diff| 0.0 over tests/test_sampling.py; renormalized
# log-softmax values differ by float32 rounding only: measured 0.0 on the test's rows (|x| <= 6.8,
# 40 tokens); 3.8e-6 (a few ulp of values near -40) on 200 rows of 500 tokens with std 5.
WARPER_SCORES = 1e-6
# generate(return_dict_in_generate=True) per-step attentions and hidden states vs transformers on the
# same tiny model (tests/test_generate_outputs.py, greedy and beam 3, with and without the cache).
# Measured max |diff|: encoder_hidden_states 1.05e-5 (the encoder's float32 accumulation, cf. the
# encoder bounds above), decoder_hidden_states 9.5e-7, encoder / decoder / cross attentions <= 1.9e-7.
GEN_STEP_OUTPUTS = 1e-4
# Seeded draws vs the distribution drawn from (tests/test_sampling.py, fixed seeds, so derandomized):
# total-variation distance of the frequencies divided by the distance sampling noise alone gives,
# 0.5 * sum_i sqrt(2 p_i (1 - p_i) / (pi n)). Measured ratios over seeds 0..3: 0.88-1.23 (single
# draws), 0.56-1.07 (pairs without replacement), 0.89-1.19 (generate, 6000 rows); the wrong
# distributions the tests also check (no temperature, draws with replacement) give 4.2-46.
SAMPLING_TV_RATIO = 1.6

# ---- tokenizer / end to end ---------------------------------------------------------------
# Tokenizer (ids, tokens, decoded text, saved tokenizer_config.json), processor text/labels,
# transcribe(), the CLI and the documentation examples are compared EXACTLY (no tolerance):
# generated ids and texts are identical to transformers on every fixture. Processor audio
# features reuse EXTRACTOR_VS_HF above (same feature extractor underneath).


# ---- parity oracle ------------------------------------------------------------------------------
# s2t_np.oracle.trace in float64 vs torch forward hooks on model.double() with s2t_np's position
# table patched in (tests/test_oracle_trace.py), as an (atol, rtol x max|reference|) pair for
# oracle.compare: measured max 1.8e-15 x max|ref| (s2t-small size, decoder layer 5 v_proj) over the
# variety configs; the bound is 5.6x that.
ORACLE_F64_TABLE_SHARED = (0.0, 1e-14)
# transformers' debugger JSON prints statistics with 5 significant digits, so two printings of the
# same number differ by up to half a unit in the last digit each: 1e-4 x |value| (a derived bound,
# not a measurement). On top, the values: an s2t_np float32 trace agrees with transformers' to
# rtol 2e-5 of max|reference| per entry (oracle DEFAULT_TOLERANCES, measured 1.6e-6); mean, min and
# max move by at most the largest elementwise difference, std by sqrt(n / (n - 1)) times it (<= 1.5).
ORACLE_DEBUG_STATS = {"print_rtol": 1e-4, "value_rtol": 1.5 * 2e-5}
