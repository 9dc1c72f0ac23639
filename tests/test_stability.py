"""Tests for optimlab.stability: the sufficient bound, the exact edge, the measured edge."""

import numpy as np
import optax
import pytest

from optimlab.data import make_problem
from optimlab.optax_fit import fit_optax
from optimlab.stability import epoch_radius, measured_edge, worst_curvature


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=200, n_features=5, n_informative=2)


def exact_edge(problem, batch_size, lo, hi):
    for _ in range(40):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if epoch_radius(problem, mid, batch_size) < 1 else (lo, mid)
    return lo


def test_full_batch_bound_is_the_gradient_descent_threshold(small):
    lam_max = np.linalg.eigvalsh(2 * small.X.T @ small.X)[-1]
    assert worst_curvature(small, small.n) == pytest.approx(lam_max, rel=1e-12)
    bound = 2 / lam_max
    assert epoch_radius(small, 0.99 * bound, small.n) < 1 < epoch_radius(small, 1.01 * bound, small.n)


@pytest.mark.parametrize("batch_size", [10, 30])  # 30: a short last batch
def test_bound_is_sufficient_and_the_measured_edge_is_the_exact_one(small, batch_size):
    bound = 2 / worst_curvature(small, batch_size)
    assert epoch_radius(small, bound, batch_size) <= 1 + 1e-12  # sufficient
    exact = exact_edge(small, batch_size, bound, 8 * bound)
    assert exact >= bound
    edge = measured_edge(small, batch_size, bound, 8 * bound, iters=8)
    assert edge == pytest.approx(exact, rel=0.05)
    below = fit_optax(small, optax.sgd(0.9 * exact), epochs=100, batch_size=batch_size)
    above = fit_optax(small, optax.sgd(1.2 * exact), epochs=100, batch_size=batch_size)
    assert not below.diverged and above.diverged


def test_measured_edge_refuses_a_bad_bracket(small):
    with pytest.raises(ValueError, match="need 0 < lo < hi"):
        measured_edge(small, 10, 1e-2, 1e-3)
    with pytest.raises(ValueError, match="batch_size must be between 1"):
        worst_curvature(small, 0)
