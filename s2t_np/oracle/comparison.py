"""`compare`: two traces, name by name, with a per-stage tolerance table and the first divergence.

Both sides are any Mapping name -> array-like (an s2t_np `Trace`, `load_trace` of a file, a
port's own dict). For every name of the reference that the candidate also has, in the
reference's order, a row holds:

    max_abs = max |c - r|            max_rel = max |c - r| / max(|r|, tiny)
    nmse    = sum (c - r)^2 / sum r^2        (llama.cpp's check; 0 for identical arrays)
    cosine  = <c, r> / (|c| |r|)
    passed  = shapes equal, both finite where r is, and max_abs <= atol + rtol * max |r|

The tolerance of a name is looked up in a table of (pattern, atol, rtol) rules, first match wins:
DEFAULT_TOLERANCES["float64"] when both sides are float64, ["float32"] otherwise. `tolerances=`
replaces the table: a dict {"float32": rules, "float64": rules}, a list of rules for every dtype,
or one (atol, rtol) pair for every name.
The default values and the measurements behind them are in docs/oracle.md.
"""

import fnmatch
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError

# (pattern, atol, rtol): atol absolute, rtol relative to the largest |reference| value of the entry.
# The float64 rules apply when both sides are float64, the float32 rules otherwise. Measured with
# bench/oracle_diffs.py (s2t_np vs transformers forward hooks, random-weight models of five configs
# up to the s2t-small size, 20-41 frames); docs/oracle.md has the table:
# - float32 vs torch float32: worst entry 1.6e-6 x max|ref| (a decoder cross-attention output);
#   rtol 2e-5 leaves room for longer inputs (longer BLAS sums) and other BLAS builds.
# - positions: both sides build a float32 table; torch's SLEEF sin/cos differ from the correctly
#   rounded values by up to 1 float32 ulp of the argument, about 1.2e-7 x p at row p
#   (docs/numerics.md section 2). Measured 6.0e-8 at p <= 12; rtol 1e-4 covers rows up to ~800.
# - float64 vs model.double(), which keeps torch's float32 position table: that table is the whole
#   difference, measured 3.8e-8 x max|ref| on these inputs; rtol 2e-6 (50x). With the table shared,
#   float64 agrees to 1.8e-15 x max|ref| (tests/test_oracle_trace.py).
# On 25.7 s of speech with the demo model (T' = 644) every entry passes both tables: worst float32
# 6.1e-5 absolute on encoder layer outputs, float64 1.3e-6.
DEFAULT_TOLERANCES = {
    "float32": [
        ("frontend.*", 0.0, 2e-6),
        ("*embed_positions", 0.0, 1e-4),
        ("*", 0.0, 2e-5),
    ],
    "float64": [
        ("frontend.*", 0.0, 1e-12),
        ("*embed_positions", 0.0, 1e-4),
        ("*", 0.0, 2e-6),
    ],
}


@dataclass(frozen=True)
class Row:
    """One compared name. Statistics are None when the shapes differ."""

    name: str
    reference_shape: tuple
    candidate_shape: tuple
    max_abs: float | None
    max_rel: float | None
    nmse: float | None
    cosine: float | None
    atol: float
    rtol: float
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class Report:
    """What `compare` found: the rows in the reference's order and the names only one side has."""

    rows: tuple
    missing_in_candidate: tuple
    missing_in_reference: tuple

    @property
    def first_divergence(self):
        """The first failing name in the reference's order, or None when every shared name passes."""
        return next((row.name for row in self.rows if not row.passed), None)

    @property
    def passed(self):
        """True when at least one name was compared, every compared name agrees and the candidate
        has every name of the reference (restrict the reference first to check a partial port)."""
        return bool(self.rows) and self.first_divergence is None and not self.missing_in_candidate

    def __str__(self):
        header = f"{'name':58s} {'shape':>18s} {'max_abs':>10s} {'max_rel':>10s} {'nmse':>10s} {'cosine':>10s}  ok"
        lines = [header, "-" * len(header)]
        for row in self.rows:
            stats = [_fmt(row.max_abs), _fmt(row.max_rel), _fmt(row.nmse), _fmt(row.cosine, "%.8f")]
            shape = "x".join(map(str, row.reference_shape)) or "scalar"
            mark = "ok" if row.passed else "FAIL"
            lines.append(f"{row.name:58s} {shape:>18s} {' '.join(f'{s:>10s}' for s in stats)}  {mark} {row.note}")
        first = self.first_divergence
        lines.append("")
        if first:
            lines.append(f"FAIL: first divergence: {first}")
        elif not self.rows:
            lines.append("FAIL: the two traces share no name (different naming schemes?)")
        elif self.missing_in_candidate:
            lines.append(f"FAIL: all {len(self.rows)} shared names agree, but the candidate lacks some names")
        else:
            lines.append(f"ok: all {len(self.rows)} names agree")
        if first:
            row = next(r for r in self.rows if r.name == first)
            lines.append(f"  {row.note or 'outside tolerance'} (atol {row.atol:g}, rtol {row.rtol:g} x max|ref|)")
        for label, names in (("missing in candidate", self.missing_in_candidate),
                             ("missing in reference", self.missing_in_reference)):  # fmt: skip
            if names:
                lines.append(f"{label} ({len(names)}): {', '.join(names)}")
        return "\n".join(lines)


def compare(reference, candidate, tolerances=None):
    """Compare `candidate` with `reference` name by name (module docstring). Returns a Report."""
    tolerances = _checked_table(tolerances)
    rows = []
    for name in reference:
        if name not in candidate:
            continue
        rows.append(_compare_one(name, _as_array(reference[name]), _as_array(candidate[name]), tolerances))
    return Report(
        rows=tuple(rows),
        missing_in_candidate=tuple(n for n in reference if n not in candidate),
        missing_in_reference=tuple(n for n in candidate if n not in reference),
    )


def assert_trace_close(reference, candidate, tolerances=None, *, names=None):
    """For tests: raise AssertionError with the report unless every shared name agrees and the
    candidate has every reference name. `names` restricts the reference to those names (a port
    that computes only some modules passes `names=list(mine)`)."""
    if names is not None:
        unknown = [n for n in names if n not in reference]
        if unknown:
            raise AssertionError(f"names not in the reference trace: {unknown}")
        reference = {n: reference[n] for n in reference if n in set(names)}
    report = compare(reference, candidate, tolerances)
    if not report.passed:
        raise AssertionError("traces differ\n" + str(report))
    return report


def tolerance_for(name, dtype, tolerances=None):
    """(atol, rtol) of `name` for arrays of `dtype` (first matching rule of the table)."""
    table = _checked_table(tolerances)
    if isinstance(table, tuple):
        return table
    for pattern, atol, rtol in table["float64" if np.dtype(dtype) == np.float64 else "float32"]:
        if fnmatch.fnmatchcase(name, pattern):
            return atol, rtol
    raise InvalidInputError(f"no tolerance rule matches {name!r}; end the table with a ('*', atol, rtol) rule")


def _checked_table(tolerances):
    """The tolerance argument in one form: an (atol, rtol) pair of floats, or {dtype: [(pattern, atol, rtol)]}."""
    if tolerances is None:
        return DEFAULT_TOLERANCES
    if isinstance(tolerances, tuple) and len(tolerances) == 2 and all(_is_real(v) for v in tolerances):
        return float(tolerances[0]), float(tolerances[1])
    per_dtype = tolerances if isinstance(tolerances, dict) else {"float32": tolerances, "float64": tolerances}
    try:
        table = {key: [(str(p), float(a), float(r)) for p, a, r in per_dtype[key]] for key in ("float32", "float64")}
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError(
            "tolerances must be an (atol, rtol) pair, a list of (pattern, atol, rtol) rules, or a dict "
            f"{{'float32': rules, 'float64': rules}}; got {tolerances!r:.200}"
        ) from None
    return table


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_array(value):
    """An entry as an array; anything NumPy cannot read as one becomes an object array (a failing row)."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        return np.asarray(object())


def _compare_one(name, ref, cand, tolerances):
    both64 = ref.dtype == np.float64 and cand.dtype == np.float64
    atol, rtol = tolerance_for(name, np.float64 if both64 else np.float32, tolerances)
    if ref.shape != cand.shape:
        note = f"shape {cand.shape} != reference {ref.shape}"
        return Row(name, ref.shape, cand.shape, None, None, None, None, atol, rtol, False, note)
    for side, array in (("reference", ref), ("candidate", cand)):
        if array.dtype.kind not in "biuf":
            note = f"{side} is not a real-valued numeric array (dtype {array.dtype})"
            return Row(name, ref.shape, cand.shape, None, None, None, None, atol, rtol, False, note)
    r, c = ref.astype(np.float64), cand.astype(np.float64)
    finite = np.isfinite(r)
    if not np.array_equal(np.isfinite(c), finite) or not np.array_equal(c[~finite], r[~finite], equal_nan=True):
        return Row(name, ref.shape, cand.shape, None, None, None, None, atol, rtol, False, "NaN/inf pattern differs")
    diff = np.abs(c - r)[finite]
    scale = float(np.max(np.abs(r[finite]), initial=0.0))
    max_abs = float(np.max(diff, initial=0.0))
    with np.errstate(over="ignore"):  # a difference where the reference is exactly 0: max_rel is inf
        max_rel = float(np.max(diff / np.maximum(np.abs(r[finite]), np.finfo(np.float64).tiny), initial=0.0))
    energy = float(np.sum(r[finite] ** 2))
    nmse = float(np.sum(diff**2)) / energy if energy > 0 else (0.0 if max_abs == 0 else math.inf)
    norms = math.sqrt(energy) * math.sqrt(float(np.sum(c[finite] ** 2)))
    cosine = float(np.sum(c[finite] * r[finite])) / norms if norms > 0 else (1.0 if max_abs == 0 else 0.0)
    passed = max_abs <= atol + rtol * scale
    note = "" if passed else f"max_abs {max_abs:.3g} > {atol:g} + {rtol:g} x {scale:.3g}"
    return Row(name, ref.shape, cand.shape, max_abs, max_rel, nmse, cosine, atol, rtol, passed, note)


def _fmt(value, pattern="%.3e"):
    return "-" if value is None else pattern % value
