"""Tests for optimlab.sweeps: vmapped sweeps against the site's loop, known answers."""

import math

import numpy as np
import optax
import pytest

from optimlab.data import least_squares, make_problem, sum_of_squares
from optimlab.history import History
from optimlab.optax_fit import fit_optax
from optimlab.sweeps import (
    batch_moments,
    best_steps,
    exact_loss,
    noise_scale,
    path,
    seconds_per_step,
    steps_to_target,
    sweep,
)


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=200, n_features=5, n_informative=2)


def test_sum_sweep_equals_the_compiled_loop(small):
    # 30 does not divide 200: the short last batch is handled like fit_optax does.
    runs = sweep(small, [1e-3, 2e-3], batch_size=30, steps=14, loss="sum")
    for lr, h in zip([1e-3, 2e-3], runs):
        ref = fit_optax(small, optax.sgd(lr), epochs=2, batch_size=30)
        assert isinstance(h, History) and h.loop == "sweep"
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10)
        np.testing.assert_allclose(h.params, ref.params, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(h.epoch, ref.epoch)


def test_mean_loss_is_the_sum_at_lr_over_batch(small):
    # Batch size 20 divides 200, so every batch has 20 rows: mean at lr == sum at lr/20.
    mean = sweep(small, [0.02], batch_size=20, steps=25, loss="mean")[0]
    total = sweep(small, [0.001], batch_size=20, steps=25, loss="sum")[0]
    np.testing.assert_allclose(mean.loss, total.loss, rtol=1e-12)


def test_mean_loss_divides_a_short_batch_by_its_own_rows(small):
    A, c, m = batch_moments(small, 30)
    assert m.tolist() == [30.0] * 6 + [20.0]
    rows = np.random.default_rng(1234).permutation(200)[180:]
    np.testing.assert_allclose(A[-1], small.X[rows].T @ small.X[rows], rtol=1e-12)
    np.testing.assert_allclose(c[-1], small.X[rows].T @ small.y[rows], rtol=1e-12)


def test_exact_loss_is_the_sum_of_squares(small):
    beta_hat, lm_loss = least_squares(small)
    beta = np.linspace(-1, 1, small.k)
    got = float(exact_loss(beta, beta_hat, small.X.T @ small.X, lm_loss))
    assert got == pytest.approx(float(sum_of_squares(beta, small.X, small.y)), rel=1e-12)


def test_a_blown_up_run_reads_inf_not_a_lucky_loss(small):
    h = sweep(small, [50.0], batch_size=1, steps=3000, loss="mean")[0]
    assert h.diverged and np.isinf(h.loss[-1])
    _, lm_loss = least_squares(small)
    assert steps_to_target(h, 1.01 * lm_loss) == math.inf


def test_path_ends_where_the_sweep_ends(small):
    betas = path(small, 0.05, batch_size=20, steps=30)
    run = sweep(small, [0.05], batch_size=20, steps=30)[0]
    np.testing.assert_allclose(betas[-1], run.params, rtol=1e-12)
    np.testing.assert_array_equal(betas[0], np.zeros(small.k))


def test_steps_to_target_counts_steps_before_the_first_hit():
    h = History("x", 1, 1, loss=[9.0, 5.0, 3.0, 4.0], epoch=[0, 1, 2, 3], params=[0.0])
    assert steps_to_target(h, 3.0) == 2 and steps_to_target(h, 9.0) == 0
    assert steps_to_target(h, 1.0) == math.inf


def test_best_steps_full_batch_matches_gradient_descent_theory(small):
    _, lm_loss = least_squares(small)
    table = best_steps(small, [200], [0.05, 0.1, 0.2], target=1.5 * lm_loss, steps=200)
    assert list(table.columns[:3]) == ["steps", "best lr", "examples"]
    row = table.loc[200]
    assert row["examples"] == 200 * row["steps"] and row["best lr"] == 0.2


def test_noise_scale_by_brute_force(small):
    beta = np.full(small.k, 0.3)
    g = 2 * small.X * (small.X @ beta - small.y)[:, None]
    G = g.mean(axis=0)
    sigma = np.cov(g.T, bias=True)
    ns = noise_scale(small, beta)
    assert ns.grad_sq == pytest.approx(G @ G, rel=1e-12)
    assert ns.b_simple == pytest.approx(np.trace(sigma) / (G @ G), rel=1e-10)
    H = 2 * small.X.T @ small.X / small.n
    assert ns.b_noise == pytest.approx(np.trace(H @ sigma) / (G @ H @ G), rel=1e-10)


def test_seconds_per_step_is_positive(small):
    per_step, timing = seconds_per_step(small, 20, steps=10, repeats=2)
    assert per_step > 0 and len(timing.seconds) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(learning_rates=[], batch_size=10, steps=5), "learning_rates"),
        (dict(learning_rates=[-1.0], batch_size=10, steps=5), "finite and > 0"),
        (dict(learning_rates=[0.1], batch_size=0, steps=5), "batch_size"),
        (dict(learning_rates=[0.1], batch_size=10, steps=0), "steps"),
        (dict(learning_rates=[0.1], batch_size=10, steps=5, loss="avg"), "'sum' or 'mean'"),
        (dict(learning_rates=[0.1], batch_size=10, steps=5, params=[0.0]), "params"),
    ],
)
def test_bad_input_is_refused(small, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sweep(small, **kwargs)


def test_noise_scale_refuses_a_wrong_shape(small):
    with pytest.raises(ValueError, match="beta must have shape"):
        noise_scale(small, np.zeros(3))


def test_a_learning_rate_table_runs_each_row_as_a_schedule(small):
    schedule = optax.cosine_decay_schedule(2e-3, decay_steps=14)
    row = np.array([float(schedule(t)) for t in range(14)])
    runs = sweep(small, np.stack([row, np.full(14, 1e-3)]), batch_size=30, steps=14,
                 loss="sum", labels=["cosine", "constant"])
    assert [h.label for h in runs] == ["cosine", "constant"]
    ref = fit_optax(small, optax.sgd(schedule), epochs=2, batch_size=30)
    np.testing.assert_allclose(runs[0].loss, ref.loss, rtol=1e-10)
    const = sweep(small, [1e-3], batch_size=30, steps=14, loss="sum")[0]
    np.testing.assert_allclose(runs[1].loss, const.loss, rtol=1e-12)


def test_a_bad_learning_rate_table_is_refused(small):
    with pytest.raises(ValueError, match="14 columns"):
        sweep(small, np.ones((2, 13)), batch_size=30, steps=14)
    with pytest.raises(ValueError, match=">= 0"):
        sweep(small, -np.ones((2, 14)), batch_size=30, steps=14)
    with pytest.raises(ValueError, match="labels"):
        sweep(small, [0.1, 0.2], batch_size=30, steps=14, labels=["one"])
