"""The suite's one numeric comparison: `assert_close(actual, desired, tol, what)`.

`tol` is an (atol, rtol) pair from tests/support/tolerances.py; an element passes when
|actual - desired| <= atol + rtol * |desired| (np.testing.assert_allclose's rule, which does the
comparing). On top of it, the shapes must be equal (no broadcasting), NaN passes only where the
reference has NaN too, and a failure names the largest absolute and relative differences, where
each occurs, and both shapes.
"""

import numpy as np


def assert_close(actual, desired, tol, what=""):
    """Fail unless `actual` equals the reference `desired` within tol = (atol, rtol)."""
    atol, rtol = tol
    actual, desired = np.asarray(actual), np.asarray(desired)
    label = f"{what}: " if what else ""
    if actual.shape != desired.shape:
        raise AssertionError(f"{label}shape {actual.shape} differs from the reference's {desired.shape}")
    try:
        np.testing.assert_allclose(actual, desired, atol=atol, rtol=rtol, equal_nan=True)
    except AssertionError:
        raise AssertionError(label + _report(actual, desired, atol, rtol)) from None


def _report(actual, desired, atol, rtol):
    """What differs: counts, NaN / inf mismatches, max |diff| and max relative diff with their indices."""
    a, d = actual.astype(np.float64), desired.astype(np.float64)
    lines = [
        f"not close (atol={atol:g}, rtol={rtol:g}); shapes {actual.shape} (actual) and {desired.shape} (reference)"
    ]
    nan_only_actual = np.isnan(a) & ~np.isnan(d)
    if nan_only_actual.any():
        where = _index(np.argmax(nan_only_actual), a.shape)
        lines.append(
            f"NaN where the reference has none: {int(nan_only_actual.sum())} elements, first at {where} "
            f"(reference {d[where]:.9g})"
        )
    nan_only_desired = np.isnan(d) & ~np.isnan(a)
    if nan_only_desired.any():
        where = _index(np.argmax(nan_only_desired), a.shape)
        lines.append(
            f"reference NaN where actual has a number: {int(nan_only_desired.sum())} elements, first at "
            f"{where} (actual {a[where]:.9g})"
        )
    same = (a == d) | (np.isnan(a) & np.isnan(d))  # equal infinities and shared NaNs count as equal
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(same, 0.0, np.abs(a - d))  # inf where one side is inf and the other is not
        rel = np.where(same, 0.0, diff / np.abs(d))
        bad = ~same & ~(diff <= atol + rtol * np.abs(d))
    lines.append(f"mismatched elements: {int(bad.sum())} / {a.size}")
    aside = " (NaN mismatches aside)" if (nan_only_actual | nan_only_desired).any() else ""
    for name, values in (("max |diff|", diff), ("max relative |diff|", rel)):
        if a.size:
            where = _index(np.argmax(np.where(np.isnan(values), -np.inf, values)), a.shape)
            lines.append(
                f"{name}{aside} {values[where]:.3g} at {where} (actual {a[where]:.9g}, reference {d[where]:.9g})"
            )
    return "\n".join(lines)


def _index(flat, shape):
    return tuple(int(i) for i in np.unravel_index(flat, shape))
