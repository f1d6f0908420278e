"""transformers' own Speech2Text tests, run against transformers and s2t_np (docs/upstream_tests.md)."""
