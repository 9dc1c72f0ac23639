"""Variants of the lecture's problem with known exact answers, and 2-D test functions.

The lecture's design matrix is almost perfectly conditioned, so every optimizer looks
alike on it. The variants here change the conditioning and nothing else that matters:

* :func:`rescale_feature` multiplies one feature column by a factor (a feature recorded
  in other units). The fitted values, and so the least-squares loss, are unchanged; the
  feature's coefficient is divided by the factor.
* :func:`rotate_features` turns the feature columns by an orthogonal matrix. The
  Hessian keeps its eigenvalues, but its eigenvectors no longer point along the axes.
* :func:`standardize` centres every feature and scales it to standard deviation 1.

Each returns a :class:`~optimlab.data.Problem`, so :func:`~optimlab.data.least_squares`
gives its exact answer; ``coef`` holds the true coefficients in the new coordinates.

The 2-D test functions (:func:`quadratic_2d`, :func:`rosenbrock`) are written with
``+ - * **`` and indexing only, so one definition works on JAX arrays and on torch
tensors alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .data import Problem, check_xy
from .validate import whole_number


def _feature_column(problem: Problem, feature) -> int:
    n_features = problem.k - 1
    return whole_number("feature", feature, 0, n_features - 1) + 1  # column 0 is the intercept


def rescale_feature(problem: Problem, feature: int, factor: float) -> Problem:
    """The same data with feature ``feature`` (0-based, intercept not counted) times
    ``factor``.

    The column space of ``X`` is unchanged, so the least-squares loss is the same and
    the feature's least-squares (and true) coefficient is divided by ``factor``.

    >>> from optimlab.data import make_problem
    >>> p = make_problem(50, 3, 2)
    >>> q = rescale_feature(p, 1, 10.0)
    >>> bool(np.allclose(q.X[:, 2], 10 * p.X[:, 2])), bool(np.allclose(q.X[:, 1], p.X[:, 1]))
    (True, True)
    """
    column = _feature_column(problem, feature)
    factor = float(factor)
    if not math.isfinite(factor) or factor == 0:
        raise ValueError(f"factor must be a finite non-zero number, got {factor!r}")
    X = problem.X.copy()
    X[:, column] *= factor
    coef = problem.coef.astype(np.float64).copy()
    coef[column - 1] /= factor
    return Problem(X=X, y=problem.y.copy(), coef=coef)


def random_rotation(dim: int, seed: int = 0) -> np.ndarray:
    """A random ``dim x dim`` orthogonal matrix (Haar-distributed), from ``seed``.

    >>> Q = random_rotation(4, seed=1)
    >>> bool(np.allclose(Q.T @ Q, np.eye(4)))
    True
    """
    dim = whole_number("dim", dim)
    A = np.random.default_rng(seed).standard_normal((dim, dim))
    Q, R = np.linalg.qr(A)
    return Q * np.sign(np.diag(R))  # fix the signs: uniform over rotations


def rotate_features(problem: Problem, seed: int = 0) -> Problem:
    """The same data with the feature columns turned: ``X[:, 1:] @ Q``.

    ``Q = random_rotation(k - 1, seed)``; the intercept column is kept. Since
    ``X @ diag(1, Q)`` is ``X`` times an orthogonal matrix, ``X'X`` keeps its
    eigenvalues, the least-squares loss is unchanged, and every coefficient vector is
    turned by ``Q'`` (``coef`` becomes ``Q' coef``).

    >>> from optimlab.data import make_problem
    >>> p = make_problem(50, 3, 2)
    >>> q = rotate_features(p, seed=0)
    >>> ev = lambda X: np.linalg.eigvalsh(X.T @ X)
    >>> bool(np.allclose(ev(q.X), ev(p.X))), bool((q.X[:, 0] == 1).all())
    (True, True)
    """
    check_xy(problem.X, problem.y)
    Q = random_rotation(problem.k - 1, seed)
    X = np.c_[problem.X[:, :1], problem.X[:, 1:] @ Q]
    return Problem(X=X, y=problem.y.copy(), coef=Q.T @ problem.coef)


def standardize(problem: Problem) -> Problem:
    """Every feature centred and scaled to standard deviation 1; intercept kept.

    The new columns span the same space, so the least-squares loss is unchanged;
    ``coef`` becomes ``coef * sd`` (the intercept absorbs the centring).

    >>> from optimlab.data import make_problem
    >>> s = standardize(make_problem(50, 3, 2))
    >>> bool(np.allclose(s.X[:, 1:].mean(0), 0)), bool(np.allclose(s.X[:, 1:].std(0), 1))
    (True, True)
    """
    check_xy(problem.X, problem.y)
    features = problem.X[:, 1:]
    mean, sd = features.mean(axis=0), features.std(axis=0)
    if np.any(sd == 0):
        raise ValueError("cannot standardize a constant feature (standard deviation 0)")
    X = np.c_[problem.X[:, :1], (features - mean) / sd]
    return Problem(X=X, y=problem.y.copy(), coef=problem.coef * sd)


@dataclass(frozen=True)
class TestFunction:
    """A 2-D function to minimise, with its minimiser and its Hessian there.

    ``f(p)`` takes a length-2 JAX array or torch tensor and returns a scalar of the
    same kind; ``minimum`` is where it is smallest and ``value`` the value there.
    """

    __test__ = False  # not a pytest test class

    name: str
    f: Callable
    minimum: np.ndarray
    value: float
    hessian: np.ndarray

    def __call__(self, p):
        return self.f(p)


def quadratic_2d(kappa: float = 20.0, angle: float = 0.0) -> TestFunction:
    """``f(p) = (u1**2 + kappa * u2**2) / 2``, with ``u`` = ``p`` turned by ``angle``.

    The Hessian has eigenvalues 1 and ``kappa``; ``angle`` (radians) turns its
    eigenvectors away from the axes. Minimum 0 at the origin.

    >>> q = quadratic_2d(10.0)
    >>> float(q(np.array([1.0, 1.0]))), np.linalg.eigvalsh(q.hessian).tolist()
    (5.5, [1.0, 10.0])
    """
    kappa = float(kappa)
    if not math.isfinite(kappa) or kappa < 1:
        raise ValueError(f"kappa must be a finite number >= 1, got {kappa!r}")
    c, s = math.cos(angle), math.sin(angle)

    def f(p):
        u1 = c * p[0] + s * p[1]
        u2 = -s * p[0] + c * p[1]
        return (u1**2 + kappa * u2**2) / 2

    R = np.array([[c, s], [-s, c]])
    hessian = R.T @ np.diag([1.0, kappa]) @ R
    return TestFunction(f"quadratic (kappa={kappa:g})", f, np.zeros(2), 0.0, hessian)


def rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    """Rosenbrock's banana ``(a - x)**2 + b * (y - x**2)**2``; minimum 0 at ``(a, a**2)``.

    >>> r = rosenbrock()
    >>> float(r(np.array([1.0, 1.0]))), float(r(np.array([0.0, 0.0])))
    (0.0, 1.0)
    """
    a, b = float(a), float(b)
    if b <= 0:
        raise ValueError(f"b must be > 0, got {b!r}")

    def f(p):
        return (a - p[0]) ** 2 + b * (p[1] - p[0] ** 2) ** 2

    hessian = np.array([[2 + 8 * b * a**2, -4 * b * a], [-4 * b * a, 2 * b]])
    return TestFunction(f"Rosenbrock (b={b:g})", f, np.array([a, a**2]), 0.0, hessian)
