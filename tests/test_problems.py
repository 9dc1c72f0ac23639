"""Tests for optimlab.problems: variants keep the exact answer they promise."""

import jax.numpy as jnp
import numpy as np
import pytest
import torch

from optimlab.data import least_squares, make_problem
from optimlab.problems import (
    quadratic_2d,
    random_rotation,
    rescale_feature,
    rosenbrock,
    rotate_features,
    standardize,
)


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=300, n_features=5, n_informative=3)


def test_rescaled_feature_keeps_the_loss_and_divides_the_coefficient(small):
    beta, lm = least_squares(small)
    q = rescale_feature(small, 2, 10.0)
    beta_q, lm_q = least_squares(q)
    assert lm_q == pytest.approx(lm, rel=1e-10)
    expected = beta.copy()
    expected[3] /= 10.0
    np.testing.assert_allclose(beta_q, expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(q.coef[2], small.coef[2] / 10.0)
    np.testing.assert_array_equal(small.X[:, 3], make_problem(300, 5, 3).X[:, 3])  # input untouched


def test_rescaling_one_feature_makes_one_eigenvalue_about_factor_squared_larger(small):
    before = np.linalg.eigvalsh(small.X.T @ small.X)
    after = np.linalg.eigvalsh(rescale_feature(small, 0, 10.0).X.T @ rescale_feature(small, 0, 10.0).X)
    assert 50 < after[-1] / before[-1] < 150
    assert after[-1] / after[0] > 50 * before[-1] / before[0]


def test_rotation_keeps_the_spectrum_the_loss_and_turns_the_answer(small):
    q = rotate_features(small, seed=3)
    Q = random_rotation(small.k - 1, seed=3)
    np.testing.assert_allclose(
        np.linalg.eigvalsh(q.X.T @ q.X), np.linalg.eigvalsh(small.X.T @ small.X), rtol=1e-10
    )
    beta, lm = least_squares(small)
    beta_q, lm_q = least_squares(q)
    assert lm_q == pytest.approx(lm, rel=1e-10)
    np.testing.assert_allclose(beta_q[1:], Q.T @ beta[1:], rtol=1e-7, atol=1e-9)
    assert beta_q[0] == pytest.approx(beta[0], rel=1e-9)
    np.testing.assert_allclose(q.coef, Q.T @ small.coef)


def test_random_rotation_is_orthogonal_and_seeded():
    Q = random_rotation(6, seed=5)
    np.testing.assert_allclose(Q @ Q.T, np.eye(6), atol=1e-12)
    np.testing.assert_array_equal(Q, random_rotation(6, seed=5))
    assert not np.allclose(Q, random_rotation(6, seed=6))


def test_standardize_keeps_the_loss_and_scales_the_coefficients(small):
    s = standardize(rescale_feature(small, 1, 30.0))
    _, lm = least_squares(small)
    assert least_squares(s)[1] == pytest.approx(lm, rel=1e-10)
    np.testing.assert_allclose(s.X[:, 1:].std(axis=0), 1.0)
    np.testing.assert_allclose(s.X[:, 1:].mean(axis=0), 0.0, atol=1e-12)
    assert np.linalg.cond(s.X.T @ s.X) < 1.5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda p: rescale_feature(p, 5, 2.0), "feature must be between 0 and 4"),
        (lambda p: rescale_feature(p, -1, 2.0), "feature must be between"),
        (lambda p: rescale_feature(p, 1.0, 2.0), "whole number"),
        (lambda p: rescale_feature(p, 1, 0.0), "non-zero"),
        (lambda p: random_rotation(0), "dim must be"),
        (lambda p: quadratic_2d(0.5), "kappa must be"),
        (lambda p: rosenbrock(b=-1.0), "b must be"),
    ],
)
def test_bad_input_raises_a_clear_error(small, call, match):
    with pytest.raises(ValueError, match=match):
        call(small)


def test_standardize_rejects_a_constant_feature():
    p = make_problem(50, 3, 2)
    X = p.X.copy()
    X[:, 2] = 4.0
    with pytest.raises(ValueError, match="constant feature"):
        standardize(type(p)(X=X, y=p.y, coef=p.coef))


@pytest.mark.parametrize("fn", [quadratic_2d(25.0, angle=0.7), rosenbrock()])
def test_test_functions_agree_in_numpy_jax_and_torch(fn):
    pts = np.array([[0.3, -1.2], [1.5, 2.0], fn.minimum])
    for p in pts:
        expected = float(fn(p))
        assert float(fn(jnp.asarray(p))) == pytest.approx(expected, rel=1e-14)
        assert float(fn(torch.tensor(p, dtype=torch.float64))) == pytest.approx(expected, rel=1e-14)
    assert float(fn(fn.minimum)) == fn.value == 0.0


@pytest.mark.parametrize("fn", [quadratic_2d(25.0, angle=0.7), rosenbrock(b=50.0)])
def test_hessian_at_the_minimum_matches_jax(fn):
    import jax

    H = jax.hessian(lambda p: fn(p))(jnp.asarray(fn.minimum, dtype=jnp.float64))
    np.testing.assert_allclose(np.asarray(H), fn.hessian, rtol=1e-12, atol=1e-12)


def test_quadratic_2d_angle_turns_the_eigenvectors():
    axis = np.linalg.eigh(quadratic_2d(10.0, 0.0).hessian)[1]
    turned = np.linalg.eigh(quadratic_2d(10.0, np.pi / 4).hessian)[1]
    assert np.allclose(np.abs(axis), np.eye(2))
    np.testing.assert_allclose(np.abs(turned), np.sqrt(0.5), rtol=1e-12)
