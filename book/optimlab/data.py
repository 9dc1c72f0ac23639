"""The lecture's regression problem, its loss and its exact least-squares answer.

The lecture draws its data with scikit-learn's ``make_regression`` and solves it with
``LinearRegression``. Importing scikit-learn pulls in SciPy's statistics and pandas,
on every page that needs the data, for a few lines of NumPy. So this module repeats
those few lines: :func:`make_regression` draws exactly
scikit-learn's numbers from the same random stream, and :func:`least_squares` makes
the same LAPACK call as ``LinearRegression``. The test suite checks both against
scikit-learn itself, bit for bit.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .validate import whole_number

# LinearRegression's default ``tol``, which scikit-learn passes to lstsq as ``cond``.
LSTSQ_COND = 1e-6


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


def make_regression(
    n_samples: int,
    n_features: int,
    n_informative: int,
    bias: float,
    noise: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sklearn.datasets.make_regression(..., random_state=seed, coef=True)``, in NumPy.

    scikit-learn 1.x draws, from one ``np.random.RandomState(seed)``: standard normal
    features; ``100 * uniform`` coefficients for the first ``n_informative`` features
    (zero for the rest); ``y = X @ coef + bias`` plus normal noise; then it shuffles
    the rows and the columns. This function makes the same draws in the same order
    (one target, ``shuffle=True``, ``effective_rank=None``: the lecture's call) and
    returns ``(X, y, coef)`` as scikit-learn does.

    >>> X, y, coef = make_regression(5, 3, 1, bias=0.0, noise=0.0, seed=0)
    >>> X.shape, y.shape, int(np.count_nonzero(coef))
    ((5, 3), (5,), 1)
    >>> bool(np.allclose(y, X @ coef))
    True
    """
    rng = np.random.RandomState(seed)
    X = rng.standard_normal(size=(n_samples, n_features))
    coef = np.zeros((n_features, 1))
    coef[:n_informative, :] = 100 * rng.uniform(size=(n_informative, 1))
    y = np.dot(X, coef) + bias
    if noise > 0.0:
        y += rng.normal(scale=noise, size=y.shape)
    rows = np.arange(n_samples)  # sklearn.utils.shuffle: resample without replacement
    rng.shuffle(rows)
    X, y = X[rows], y[rows]
    columns = np.arange(n_features)
    rng.shuffle(columns)
    X[:, :] = X[:, columns]
    coef = coef[columns]
    return X, np.squeeze(y), np.squeeze(coef)


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
    n_informative=4, bias=3, noise=1, random_state=1234, coef=True)``, whose numbers
    :func:`make_regression` draws without importing scikit-learn.

    >>> p = make_problem(n_samples=50, n_features=3, n_informative=2)
    >>> p.X.shape, p.y.shape, float(p.X[0, 0])
    ((50, 4), (50,), 1.0)
    """
    n_samples = whole_number("n_samples", n_samples)
    n_features = whole_number("n_features", n_features)
    n_informative = whole_number("n_informative", n_informative)
    if n_informative > n_features:
        raise ValueError(
            f"n_informative ({n_informative}) cannot exceed n_features ({n_features})"
        )
    for name, value in (("bias", bias), ("noise", noise)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a real number, got {value!r}")
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0 (a standard deviation), got {noise!r}")
    seed = whole_number("seed", seed, 0, 2**32 - 1, high_text="2**32 - 1")
    X, y, coef = make_regression(
        n_samples, n_features, n_informative, float(bias), float(noise), int(seed)
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
    """The exact minimiser and its loss, as scikit-learn's ``LinearRegression`` finds it.

    The intercept is already a column of ``X``, hence the lecture's
    ``LinearRegression(fit_intercept=False)``; with that setting scikit-learn 1.x
    calls ``scipy.linalg.lstsq(X, y, cond=1e-6)`` (its default ``tol``), and so does
    this function. Returns ``(beta_hat, loss)``; ``loss`` is the floor no optimizer
    can beat.

    >>> p = make_problem(n_samples=30, n_features=2, n_informative=1, noise=0.0)
    >>> beta, loss = least_squares(p)
    >>> bool(loss < 1e-20), bool(np.allclose(beta[0], 3.0))
    (True, True)
    """
    from scipy.linalg import lstsq

    check_xy(problem.X, problem.y)
    beta = np.asarray(lstsq(problem.X, problem.y, cond=LSTSQ_COND)[0], dtype=np.float64)
    return beta, float(sum_of_squares(beta, problem.X, problem.y))
