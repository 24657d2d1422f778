"""Wilson and Newcombe intervals against Newcombe's published examples (Stat Med 1998)."""

from __future__ import annotations

import numpy as np
import pytest

from cube.evaluation import stats


def test_wilson_matches_newcombe_1998_table_i() -> None:
    low, high = stats.wilson(np.array([81, 15, 0]), np.array([263, 148, 20]))
    assert np.round(low, 4).tolist() == [0.2553, 0.0624, 0.0]
    assert np.round(high, 4).tolist() == [0.3662, 0.1605, 0.1611]


def test_newcombe_hybrid_matches_newcombe_1998_table_ii() -> None:
    """Method 10 (hybrid score), examples (a)-(e)."""
    d, low, high = stats.newcombe(
        np.array([56, 9, 6, 5, 0]),
        np.array([70, 10, 7, 56, 10]),
        np.array([48, 3, 2, 0, 0]),
        np.array([80, 10, 7, 29, 20]),
    )
    assert np.round(d, 4).tolist() == [0.2, 0.6, 0.5714, 0.0893, 0.0]
    assert np.round(low, 4).tolist() == [0.0524, 0.1705, 0.0582, -0.0381, -0.1611]
    assert np.round(high, 4).tolist() == [0.3339, 0.8090, 0.8062, 0.1926, 0.2775]


def test_no_trials_gives_no_estimate_and_no_significance() -> None:
    d, low, high = stats.newcombe(np.array([0]), np.array([0]), np.array([3]), np.array([10]))
    assert np.isnan(d[0]) and np.isnan(low[0]) and np.isnan(high[0])
    assert stats.significant(low, high).tolist() == [False]


@pytest.mark.parametrize(("low", "high", "flag"), [(0.01, 0.2, True), (-0.2, -0.01, True),
                                                   (-0.1, 0.1, False)])  # fmt: skip
def test_significant_when_the_interval_excludes_zero(low: float, high: float, flag: bool) -> None:
    assert stats.significant(np.array([low]), np.array([high])).tolist() == [flag]
