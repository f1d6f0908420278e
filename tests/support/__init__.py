"""Helpers shared by the tests and the benchmarks: reference model builders, fixtures, tolerances."""
