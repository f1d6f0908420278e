"""Every numeric tolerance the parity tests use, in one table, each with its justification.

Values are (atol, rtol) pairs for np.testing.assert_allclose unless a comment says otherwise.
Each stage owner fills its section; a tolerance is set from a measured difference (quoted in the
comment), never loosened until a test passes.
"""

# ---- front end (issue 2) -----------------------------------------------------------------

# ---- model forward (issue 3) -------------------------------------------------------------

# ---- generation (issue 4) ----------------------------------------------------------------

# ---- tokenizer / end to end (issue 5, 6) -------------------------------------------------
