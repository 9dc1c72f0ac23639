"""The lecture's regression problem, its loss and its exact least-squares answer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression


@dataclass(frozen=True)
class Problem:
    """A linear least-squares problem ``y ~ X @ beta`` in float64.

    Attributes:
      X: design matrix, shape ``(n, k)``; column 0 is the intercept column of ones.
      y: response, shape ``(n,)``.
      coef: the true coefficients of the informative features (without intercept).
    """

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows (observations)."""
        return self.X.shape[0]

    @property
    def k(self) -> int:
        """Number of columns (parameters), intercept included."""
        return self.X.shape[1]


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def check_xy(X, y) -> None:
    """Raise ``ValueError`` unless ``X`` is 2-D, ``y`` is 1-D and their rows match.

    >>> check_xy(np.ones((3, 2)), np.ones(3))
    >>> check_xy(np.ones((3, 2)), np.ones(4))
    Traceback (most recent call last):
    ...
    ValueError: X and y must have the same number of rows: X has 3, y has 4
    """
    xs, ys = np.shape(X), np.shape(y)
    if len(xs) != 2:
        raise ValueError(f"X must be a 2-D matrix (rows x columns), got shape {xs}")
    if len(ys) != 1:
        raise ValueError(f"y must be a 1-D vector, got shape {ys}")
    if xs[0] != ys[0]:
        raise ValueError(
            f"X and y must have the same number of rows: X has {xs[0]}, y has {ys[0]}"
        )


def make_problem(
    n_samples: int = 10_000,
    n_features: int = 20,
    n_informative: int = 4,
    bias: float = 3.0,
    noise: float = 1.0,
    seed: int = 1234,
) -> Problem:
    """The lecture's regression data, with an intercept column prepended.

    The defaults are the lecture's call to
    ``sklearn.datasets.make_regression(n_samples=10000, n_features=20,
    n_informative=4, bias=3, noise=1, random_state=1234, coef=True)``.

    >>> p = make_problem(n_samples=50, n_features=3, n_informative=2)
    >>> p.X.shape, p.y.shape, float(p.X[0, 0])
    ((50, 4), (50,), 1.0)
    """
    n_samples = _positive_int("n_samples", n_samples)
    n_features = _positive_int("n_features", n_features)
    n_informative = _positive_int("n_informative", n_informative)
    if n_informative > n_features:
        raise ValueError(
            f"n_informative ({n_informative}) cannot exceed n_features ({n_features})"
        )
    X, y, coef = make_regression(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        bias=bias,
        noise=noise,
        random_state=seed,
        coef=True,
    )
    X = np.c_[np.ones(n_samples), X].astype(np.float64)
    return Problem(X=X, y=np.asarray(y, dtype=np.float64), coef=np.asarray(coef))


def sum_of_squares(beta, X, y):
    """The lecture's loss ``sum((y - X @ beta) ** 2)``.

    Works on NumPy and JAX arrays alike (JAX can differentiate it).

    >>> float(sum_of_squares(np.zeros(2), np.ones((3, 2)), np.array([1.0, 2.0, 3.0])))
    14.0
    """
    return ((y - X @ beta) ** 2).sum()


def least_squares(problem: Problem) -> tuple[np.ndarray, float]:
    """The exact minimiser and its loss, from scikit-learn's ``LinearRegression``.

    The intercept is already a column of ``X``, hence ``fit_intercept=False``.
    Returns ``(beta_hat, loss)``; ``loss`` is the floor no optimizer can beat.
    """
    check_xy(problem.X, problem.y)
    lm = LinearRegression(fit_intercept=False).fit(problem.X, problem.y)
    beta = np.asarray(lm.coef_, dtype=np.float64)
    return beta, float(sum_of_squares(beta, problem.X, problem.y))
