"""Interval estimates for proportions and their differences, vectorised with numpy.

Conversion is a binomial proportion; the Wilson score interval keeps its coverage near
the nominal level for small counts and rates near 0, where the textbook Wald interval
fails (the usual case for marketing take-up). Uplift is a difference of two
independent proportions; Newcombe's hybrid score interval (method 10 of Newcombe
1998) combines the two Wilson intervals and inherits their good coverage.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

# Two-sided 95%: the 97.5th percentile of the standard normal.
Z95 = NormalDist().inv_cdf(0.975)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with NaN where den is 0 (no trials: no estimate)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def proportion(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """successes / trials; NaN without trials."""
    return _ratio(successes, trials)


def wilson(
    successes: np.ndarray, trials: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) of successes / trials; NaN without trials.

    centre = (p + z^2/2n) / (1 + z^2/n), half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n).
    """
    n = np.asarray(trials, dtype=np.float64)
    p = proportion(successes, trials)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    return low, high


def newcombe(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference p1 - p2 and its Newcombe hybrid score interval (low, high).

    With Wilson intervals (l1, u1) and (l2, u2):
    low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
    NaN where either arm has no trials.
    """
    p1, p2 = proportion(x1, n1), proportion(x2, n2)
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def significant(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The interval excludes 0 (False where there is no interval)."""
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (low > 0.0) | (high < 0.0)
