"""Example counts for the property-based (Hypothesis) tests.

Each property test states how many examples it needs for a CI run, `@settings(max_examples=examples(40))`.
The profile loaded in tests/conftest.py decides the rest: under "ci" and "dev" the count is the
test's own; the "thorough" profile (HYPOTHESIS_PROFILE=thorough) raises every count to its
max_examples (1000), which a literal max_examples in a decorator would otherwise override.
"""

from hypothesis import settings


def examples(n):
    """`n`, or the loaded profile's max_examples when that profile asks for more than the default."""
    profile_max = settings.default.max_examples
    return max(n, profile_max) if profile_max > settings.get_profile("default").max_examples else n
