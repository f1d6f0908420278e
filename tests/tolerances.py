"""Every numeric tolerance the parity tests use, in one table, each with its justification.

Values are (atol, rtol) pairs for np.testing.assert_allclose unless a comment says otherwise.
Each stage owner fills its section; a tolerance is set from a measured difference (quoted in the
comment), never loosened until a test passes.
"""

# ---- front end (issue 2) -----------------------------------------------------------------

# ---- model forward (issue 3) -------------------------------------------------------------
# Provisional: being measured (see docs/model.md); values set from the smoke run (float32 logits
# max |diff| 3.2e-6 on the SMALL_CONFIG reference, init_std 0.2).
MODEL_F32 = {"logits": (1e-4, 1e-4)}
MODEL_F64_TABLE_PATCHED = {"logits": (1e-10, 1e-10)}

# ---- generation (issue 4) ----------------------------------------------------------------

# ---- tokenizer / end to end (issue 5, 6) -------------------------------------------------
