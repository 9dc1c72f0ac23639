"""Relative differences between two sets of numbers (two loops, two frameworks)."""

from __future__ import annotations

import numpy as np


def relative_difference(a, b) -> float:
    """Largest ``|a / b - 1|`` over the elements of ``a`` and ``b`` (same shape).

    >>> relative_difference([2.0, 4.0], [2.0, 8.0])
    0.5
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a / b - 1)))
