"""Tests for optimlab.data: the lecture's problem, its loss and its exact answer."""

from pathlib import Path

import numpy as np
import pytest

from optimlab.data import (
    Problem,
    check_xy,
    least_squares,
    make_problem,
    make_regression,
    sum_of_squares,
)
from tests.lecture_check import load

# The lecture prints lm_loss = lr_loss(lm.coef_, X, y).item() on its full problem.
LECTURE_LM_LOSS = load()["lm_loss"].value


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=200, n_features=5, n_informative=2)


def test_make_problem_shapes_dtype_and_intercept(small):
    assert isinstance(small, Problem)
    assert small.X.shape == (200, 6)
    assert small.y.shape == (200,)
    assert small.X.dtype == np.float64 and small.y.dtype == np.float64
    assert (small.n, small.k) == (200, 6)
    np.testing.assert_array_equal(small.X[:, 0], np.ones(200))
    # Only the intercept column is constant; the features are random.
    assert np.all(small.X[:, 1:].std(axis=0) > 0)
    assert small.coef.shape == (5,)
    assert np.count_nonzero(small.coef) == 2


def test_make_problem_defaults_are_the_lecture_problem():
    from sklearn.datasets import make_regression

    p = make_problem()
    X, y, coef = make_regression(
        n_samples=10000, n_features=20, n_informative=4,
        bias=3, noise=1, random_state=1234, coef=True,
    )
    assert p.X.shape == (10_000, 21)
    np.testing.assert_array_equal(p.X[:, 1:], X)
    np.testing.assert_array_equal(p.y, y)
    np.testing.assert_array_equal(p.coef, coef)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_samples=10_000, n_features=20, n_informative=4, bias=3.0, noise=1.0, seed=1234),
        dict(n_samples=7, n_features=5, n_informative=5, bias=-2.5, noise=0.0, seed=0),
        dict(n_samples=300, n_features=8, n_informative=1, bias=0.0, noise=3.5, seed=2**32 - 1),
        dict(n_samples=1, n_features=1, n_informative=1, bias=1.0, noise=0.5, seed=42),
    ],
    ids=["lecture", "no-noise", "seed-max", "one-row"],
)
def test_make_regression_draws_scikit_learns_numbers(kwargs):
    # optimlab.data does not import scikit-learn (two seconds a page); it must draw
    # exactly what scikit-learn would, bit for bit.
    from sklearn.datasets import make_regression as sk_make_regression

    seed = kwargs.pop("seed")
    X, y, coef = sk_make_regression(**kwargs, random_state=seed, coef=True)
    mine = make_regression(**kwargs, seed=seed)
    for ours, theirs in zip(mine, (X, y, coef), strict=True):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kwargs", [{}, dict(n_samples=200, n_features=5, n_informative=2)])
def test_least_squares_is_scikit_learns_linear_regression(kwargs):
    from sklearn.linear_model import LinearRegression

    p = make_problem(**kwargs)
    beta, loss = least_squares(p)
    lm = LinearRegression(fit_intercept=False).fit(p.X, p.y)
    np.testing.assert_array_equal(beta, lm.coef_)  # the same LAPACK call: same bits
    assert loss == float(sum_of_squares(lm.coef_, p.X, p.y))


def test_importing_data_leaves_scikit_learn_and_scipy_alone():
    import subprocess
    import sys

    code = (
        "import sys; import optimlab.data as d; d.make_problem(50, 3, 2); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'jax', 'torch', 'pandas') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[1] / "book",
    ).stdout.strip()
    assert out == "[]", f"import optimlab.data + make_problem imported {out}"


def test_make_problem_seed_is_reproducible():
    a = make_problem(n_samples=50, n_features=3, n_informative=2, seed=7)
    b = make_problem(n_samples=50, n_features=3, n_informative=2, seed=7)
    c = make_problem(n_samples=50, n_features=3, n_informative=2, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_sum_of_squares_known_values():
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    y = np.array([1.0, 3.0, 2.0])
    beta = np.array([1.0, 1.0])  # predictions 1, 2, 3: residuals 0, 1, -1
    assert float(sum_of_squares(beta, X, y)) == 2.0
    assert float(sum_of_squares(np.zeros(2), X, y)) == 14.0


def test_sum_of_squares_works_on_jax_and_differentiates():
    import jax
    import jax.numpy as jnp

    X = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    y = jnp.array([1.0, 1.0])
    beta = jnp.array([0.5, -0.5])
    grad = jax.grad(sum_of_squares)(beta, X, y)
    # d/dbeta sum((y - X beta)^2) = -2 X^T (y - X beta)
    expected = -2 * X.T @ (y - X @ beta)
    np.testing.assert_allclose(np.asarray(grad), np.asarray(expected), rtol=1e-14)


def test_least_squares_equals_normal_equations(small):
    beta, loss = least_squares(small)
    expected, *_ = np.linalg.lstsq(small.X, small.y, rcond=None)
    np.testing.assert_allclose(beta, expected, rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(float(np.sum((small.y - small.X @ expected) ** 2)), rel=1e-12)
    # It is the minimum: any perturbation of beta_hat increases the loss.
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert sum_of_squares(beta + 1e-3 * rng.standard_normal(beta.shape), small.X, small.y) > loss


def test_least_squares_recovers_the_true_coefficients(small):
    beta, _ = least_squares(small)
    # noise=1 on 200 rows: the estimate is within a few tenths of the truth.
    np.testing.assert_allclose(beta[0], 3.0, atol=0.5)  # bias
    np.testing.assert_allclose(beta[1:], small.coef, atol=0.5)


def test_lecture_lm_loss():
    _, loss = least_squares(make_problem())
    assert loss == pytest.approx(LECTURE_LM_LOSS, rel=1e-10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, r"n_samples must be a whole number >= 1, got 0"),
        ({"n_samples": -5}, r"n_samples .* got -5"),
        ({"n_samples": 10.5}, r"n_samples .* got 10\.5"),
        ({"n_features": 0}, r"n_features must be a whole number >= 1"),
        ({"n_informative": 0}, r"n_informative must be a whole number >= 1"),
        ({"n_features": 3, "n_informative": 5}, r"n_informative \(5\) cannot exceed n_features \(3\)"),
        ({"noise": -1.0}, r"noise must be >= 0 \(a standard deviation\), got -1\.0"),
        ({"noise": float("nan")}, r"noise must be finite, got nan"),
        ({"bias": "3"}, r"bias must be a real number, got '3'"),
        ({"seed": -1}, r"seed must be between 0 and 2\*\*32 - 1, got -1"),
        ({"seed": 1.5}, r"seed must be a whole number, got 1\.5"),
        ({"seed": None}, r"seed must be a whole number, got None"),
    ],
)
def test_make_problem_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_problem(**kwargs)


def test_check_xy_accepts_matching_shapes():
    assert check_xy(np.ones((4, 2)), np.ones(4)) is None


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((3, 2)), np.ones(4), r"same number of rows: X has 3, y has 4"),
        (np.ones(3), np.ones(3), r"X must be a 2-D matrix .* got shape \(3,\)"),
        (np.ones((3, 2, 1)), np.ones(3), r"X must be a 2-D matrix"),
        (np.ones((3, 2)), np.ones((3, 1)), r"y must be a 1-D vector, got shape \(3, 1\)"),
    ],
)
def test_check_xy_rejects_bad_shapes(X, y, match):
    with pytest.raises(ValueError, match=match):
        check_xy(X, y)


def test_least_squares_rejects_mismatched_problem():
    bad = Problem(X=np.ones((5, 2)), y=np.ones(4), coef=np.ones(1))
    with pytest.raises(ValueError, match="same number of rows"):
        least_squares(bad)
