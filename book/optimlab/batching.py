"""Input checks and the mini-batch order shared by the JAX and PyTorch loops.

The lecture shuffles the row indices once, with ``numpy.random.default_rng(seed)``,
and walks through them in that same order every epoch. Both frameworks here use
exactly that order, so their results can be compared number for number.

When the batch size does not divide the number of rows, the lecture's
``reshape(-1, batch_size)`` fails. Here the last batch of each epoch is simply
smaller (PyTorch's ``DataLoader`` default, ``drop_last=False``): every row is used
once per epoch and an epoch has ``ceil(n / batch_size)`` steps.
"""

from __future__ import annotations

import math

import numpy as np

from .data import check_xy
from .validate import whole_number


def check_fit_args(X, y, *, batch_size, epochs) -> tuple[int, int]:
    """Validate a training call; return ``(batch_size, epochs)`` as ints.

    Raises ``ValueError`` naming the problem: mismatched ``X``/``y``, a batch size
    below 1 or above the number of rows, or fewer than one epoch.

    >>> check_fit_args(np.ones((10, 2)), np.ones(10), batch_size=5, epochs=2)
    (5, 2)
    """
    check_xy(X, y)
    n = np.shape(X)[0]
    batch_size = whole_number("batch_size", batch_size, 1, n,
                              high_text=f"the number of rows ({n})")
    return batch_size, whole_number("epochs", epochs)


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Number of optimizer steps in one pass over ``n`` rows (last batch may be short).

    >>> steps_per_epoch(10_000, 100), steps_per_epoch(10, 3)
    (100, 4)
    """
    return math.ceil(n / batch_size)


def shuffled_batches(n: int, batch_size: int, seed: int = 1234) -> list[np.ndarray]:
    """The lecture's batch order: one shuffle of ``range(n)``, cut into batches.

    >>> [b.tolist() for b in shuffled_batches(5, 2, seed=0)]
    [[2, 4], [3, 0], [1]]
    """
    order = np.arange(n)
    np.random.default_rng(seed).shuffle(order)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def padded_batches(n: int, batch_size: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """The same order as a rectangular ``(steps, batch_size)`` index matrix.

    A short last batch is padded with row 0 and a 0 weight, so compiled loops can scan
    over equal-sized batches. Returns ``(index, weight)``.

    >>> idx, w = padded_batches(5, 2, seed=0)
    >>> idx.tolist(), w.tolist()
    ([[2, 4], [3, 0], [1, 0]], [[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    """
    batches = shuffled_batches(n, batch_size, seed)
    index = np.zeros((len(batches), batch_size), dtype=np.int64)
    weight = np.zeros((len(batches), batch_size), dtype=np.float64)
    for i, b in enumerate(batches):
        index[i, : len(b)] = b
        weight[i, : len(b)] = 1.0
    return index, weight


def epoch_axis(n: int, batch_size: int, epochs: int) -> np.ndarray:
    """Epoch of each recorded loss: one before every step, one at the end.

    The lecture's ``np.linspace(0, steps, steps * n / batch_size + 1)``.

    >>> epoch_axis(4, 2, 2).tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    return np.arange(epochs * steps_per_epoch(n, batch_size) + 1) / steps_per_epoch(
        n, batch_size
    )
