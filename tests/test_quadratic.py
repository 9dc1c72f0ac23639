"""Tests for optimlab.quadratic: rate formulas against brute force, runs against fit_optax."""

import math
from functools import partial

import numpy as np
import optax
import pytest

from optimlab.data import least_squares, make_problem
from optimlab.history import History
from optimlab.optax_fit import fit_optax
from optimlab.problems import rescale_feature
from optimlab.quadratic import (
    condition_number,
    excess,
    full_batch_runs,
    gd_best,
    gd_rate,
    heavy_ball_best,
    hessian_eigenvalues,
    measured_rate,
    momentum_matrix,
    momentum_rate,
    steps_to_excess,
)


@pytest.fixture(scope="module")
def ill():
    return rescale_feature(make_problem(n_samples=400, n_features=6, n_informative=3), 2, 5.0)


def test_hessian_is_twice_the_gram_matrix_of_the_summed_loss(ill):
    lam = hessian_eigenvalues(ill.X)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(2 * ill.X.T @ ill.X))
    assert condition_number(lam) == pytest.approx(lam[-1] / lam[0])


def test_gd_best_minimises_gd_rate_over_a_grid():
    lam = np.array([1.0, 3.0, 40.0])
    lr, rate = gd_best(lam)
    grid = np.linspace(0.001, 0.05, 2001)
    assert min(gd_rate(a, lam) for a in grid) >= rate - 1e-12
    assert gd_rate(lr, lam) == pytest.approx(rate, rel=1e-12) == (40 - 1) / (40 + 1)


def test_heavy_ball_best_minimises_momentum_rate_over_a_grid():
    lam = np.array([1.0, 5.0, 25.0])
    lr, beta, rate = heavy_ball_best(lam)
    assert momentum_rate(lr, beta, lam) == pytest.approx(rate, rel=1e-6)
    assert rate == pytest.approx((5 - 1) / (5 + 1))
    grid = [(a, b) for a in np.linspace(0.05, 0.3, 41) for b in np.linspace(0.0, 0.95, 39)]
    assert min(momentum_rate(a, b, lam) for a, b in grid) >= rate - 1e-6


def test_momentum_matrix_is_one_step_of_the_optax_update():
    lam, lr, beta = 3.0, 0.1, 0.7
    for nesterov in (False, True):
        opt = optax.sgd(lr, momentum=beta, nesterov=nesterov)
        b = np.array([2.0])  # error = parameter (minimum at 0), loss lam/2 b^2
        state = opt.init(b)
        e, v = 2.0, 0.0
        for _ in range(5):
            updates, state = opt.update(lam * b, state)
            b = np.asarray(optax.apply_updates(b, updates))
            e, v = momentum_matrix(lr, beta, lam, nesterov) @ np.array([e, v])
            assert b[0] == pytest.approx(e, rel=1e-12)


def test_nesterov_rate_matches_the_known_optimum():
    # Lessard, Recht & Packard (2016): Nesterov's rate on quadratics with these params.
    m, L = 1.0, 100.0
    kappa = L / m
    lr = 4 / (3 * L + m)
    beta = (math.sqrt(3 * kappa + 1) - 2) / (math.sqrt(3 * kappa + 1) + 2)
    assert momentum_rate(lr, beta, [m, L], nesterov=True) == pytest.approx(
        1 - 2 / math.sqrt(3 * kappa + 1), rel=1e-7)  # a double root: ~sqrt(eps)


def test_full_batch_runs_equal_fit_optax(ill):
    runs = full_batch_runs(ill, optax.sgd, steps=40, learning_rate=[1e-4, 2e-4], momentum=0.5)
    for h, lr in zip(runs, (1e-4, 2e-4)):
        ref = fit_optax(ill, optax.sgd(lr, momentum=0.5), epochs=40, batch_size=ill.n)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10)
        np.testing.assert_allclose(h.params, ref.params, rtol=1e-9, atol=1e-9)
        assert (h.loop, h.batch_size, h.epochs) == ("full-batch", ill.n, 40)


def test_full_batch_runs_with_a_static_option_and_labels(ill):
    nesterov = partial(optax.sgd, nesterov=True)
    runs = full_batch_runs(ill, nesterov, steps=10, learning_rate=[1e-4, 2e-4, 3e-4],
                           momentum=[0.1, 0.2, 0.3], label="lr={learning_rate:g} b={momentum:g}")
    assert [h.label for h in runs] == ["lr=0.0001 b=0.1", "lr=0.0002 b=0.2", "lr=0.0003 b=0.3"]
    ref = fit_optax(ill, optax.sgd(3e-4, momentum=0.3, nesterov=True), epochs=10, batch_size=ill.n)
    np.testing.assert_allclose(runs[2].loss, ref.loss, rtol=1e-10)


def test_measured_rate_of_gd_approaches_the_theory(ill):
    lam = hessian_eigenvalues(ill.X)
    lr, rate = gd_best(lam)
    _, lm = least_squares(ill)
    (h,) = full_batch_runs(ill, optax.sgd, steps=400, learning_rate=lr)
    start, stop = steps_to_excess(h, lm, 1e-4), steps_to_excess(h, lm, 1e-11)
    assert start < stop < 400
    assert measured_rate(h, lm, start, stop) == pytest.approx(rate, abs=3e-3)
    assert measured_rate(h, lm, start, stop) <= rate + 1e-4


def test_excess_and_steps_to_excess():
    h = History("x", 1, 1, loss=[4.0, 2.0, 1.001], epoch=[0, 1, 2], params=[0.0])
    np.testing.assert_allclose(excess(h, 1.0), [3.0, 1.0, 0.001])
    assert steps_to_excess(h, 1.0, 1.0) == 1
    assert steps_to_excess(h, 1.0, 1e-6) == math.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda p: full_batch_runs(p, optax.sgd, steps=0, learning_rate=1e-4), "steps must be"),
        (lambda p: full_batch_runs(p, optax.sgd, steps=5), "at least one setting"),
        (lambda p: full_batch_runs(p, optax.sgd, steps=5, learning_rate=[1e-4, 2e-4],
                                   momentum=[0.1, 0.2, 0.3]), "same length"),
        (lambda p: full_batch_runs(p, optax.sgd, steps=5, params=np.zeros(3),
                                   learning_rate=1e-4), "params must have shape"),
        (lambda p: gd_rate(0.1, [0.0, 1.0]), "positive finite"),
        (lambda p: hessian_eigenvalues(np.ones(3)), "2-D matrix"),
        (lambda p: measured_rate(History("x", 1, 1, [2.0, 1.5], [0, 1], [0.0]), 1.0, 1, 1),
         "start < stop"),
    ],
)
def test_bad_input_raises_a_clear_error(ill, call, match):
    with pytest.raises(ValueError, match=match):
        call(ill)


def test_plot_excess_draws_one_line_per_run_and_the_bounds(ill):
    import matplotlib.pyplot as plt

    from optimlab.quadratic import plot_excess

    lam = hessian_eigenvalues(ill.X)
    lr, rate = gd_best(lam)
    _, lm = least_squares(ill)
    runs = full_batch_runs(ill, optax.sgd, steps=30, learning_rate=[lr, lr / 2])
    fig = plot_excess(runs, lm, bounds=[rate, None])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == [h.label for h in runs] and "theory" in labels[2]
    with pytest.raises(ValueError, match="one bound per history"):
        plot_excess(runs, lm, bounds=[rate])
    plt.close("all")
