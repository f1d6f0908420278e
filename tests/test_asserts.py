"""tests/support/asserts.py: assert_close passes what assert_allclose passes, fails on shape and NaN
mismatches, and says where the largest differences are."""

import numpy as np
import pytest

from tests.support.asserts import assert_close


def test_within_tolerance_passes():
    ref = np.array([[1.0, -2.0], [30.0, 0.0]])
    assert_close(ref + np.array([[1e-6, -1e-6], [2e-5, 0.0]]), ref, (2e-6, 1e-6))  # 2e-5 <= 2e-6 + 1e-6 * 30
    assert_close(np.float32(0.5), np.float64(0.5), (0.0, 0.0))
    assert_close(np.array([np.nan, np.inf, -np.inf]), np.array([np.nan, np.inf, -np.inf]), (0.0, 0.0))


def test_failure_reports_max_abs_and_rel_difference_and_where():
    ref = np.array([[1.0, 100.0, 0.5], [2.0, 3.0, 4.0]])
    got = ref.copy()
    got[0, 1] += 0.02  # largest absolute difference
    got[0, 2] += 0.01  # largest relative difference (2%)
    with pytest.raises(AssertionError) as info:
        assert_close(got, ref, (1e-3, 0.0), what="stage x")
    msg = str(info.value)
    assert msg.startswith("stage x: ")
    assert "max |diff| 0.02 at (0, 1)" in msg and "max relative |diff| 0.02 at (0, 2)" in msg
    assert "mismatched elements: 2 / 6" in msg and "(2, 3)" in msg


def test_rtol_is_relative_to_the_reference():
    assert_close(np.array([99.0]), np.array([100.0]), (0.0, 0.0101))  # 1 <= 0.0101 * 100
    with pytest.raises(AssertionError):
        assert_close(np.array([100.0]), np.array([99.0]), (0.0, 0.0101))  # 1 > 0.0101 * 99


@pytest.mark.parametrize("actual_shape, desired_shape", [((3,), (1, 3)), ((2, 3), (3,)), ((), (1,)), ((4,), (5,))])
def test_shape_mismatch_fails_even_when_broadcastable(actual_shape, desired_shape):
    with pytest.raises(AssertionError, match=r"shape .* differs from the reference's"):
        assert_close(np.zeros(actual_shape), np.zeros(desired_shape), (1.0, 1.0))


def test_nan_where_the_reference_has_none_fails():
    ref = np.array([1.0, 2.0, 3.0])
    got = np.array([1.0, np.nan, 3.0])
    with pytest.raises(AssertionError, match=r"NaN where the reference has none: 1 elements, first at \(1,\)"):
        assert_close(got, ref, (np.inf, 0.0))  # not even an infinite tolerance excuses a NaN
    with pytest.raises(AssertionError, match="reference NaN where actual has a number"):
        assert_close(ref, got, (np.inf, 0.0))


def test_infinity_mismatch_fails():
    with pytest.raises(AssertionError, match=r"max \|diff\| inf at \(0,\)"):
        assert_close(np.array([np.inf, 1.0]), np.array([1.0, 1.0]), (1e3, 0.0))
    with pytest.raises(AssertionError):
        assert_close(np.array([-np.inf]), np.array([np.inf]), (0.0, 0.0))
