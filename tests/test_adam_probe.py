"""Tests for optimlab.adam_probe: the recorded internals are Adam's own, run as fit_optax runs."""

import matplotlib

matplotlib.use("Agg")

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from optimlab.adam_probe import adam_probe, per_step_rates, plot_adam_internals, windowed
from optimlab.data import make_problem
from optimlab.optax_fit import fit_optax


@pytest.fixture(scope="module")
def small():
    return make_problem(n_samples=200, n_features=5, n_informative=2)


@pytest.fixture(scope="module")
def trace(small):
    return adam_probe(small, 0.2, epochs=3, batch_size=20, b2=0.99)


def test_same_run_as_fit_optax(small, trace):
    h = fit_optax(small, optax.adam(0.2, b2=0.99), epochs=3, batch_size=20)
    assert np.allclose(trace.loss, h.loss, rtol=1e-11, atol=0)
    assert np.allclose(trace.params, h.params, rtol=1e-12, atol=1e-12)
    assert trace.steps == len(h.loss) - 1 and np.array_equal(trace.epoch, h.epoch)


def test_same_run_as_fit_optax_with_a_schedule(small):
    schedule = optax.exponential_decay(0.5, 10, 0.8)
    t = adam_probe(small, schedule, epochs=2, batch_size=50)
    rates = jnp.asarray(t.lr)
    h = fit_optax(small, optax.adam(lambda count: rates[count]), epochs=2, batch_size=50)
    assert np.allclose(t.loss, h.loss, rtol=1e-11, atol=0)
    assert np.array_equal(t.lr, per_step_rates(schedule, t.steps))


def test_internals_follow_adams_recursion(trace):
    b1, b2 = trace.b1, trace.b2
    m = v = np.zeros(trace.grad.shape[1])
    for i, g in enumerate(trace.grad):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        assert np.allclose(trace.m_hat[i], m / (1 - b1 ** (i + 1)), rtol=1e-10)
        assert np.allclose(trace.sqrt_v_hat[i], np.sqrt(v / (1 - b2 ** (i + 1))), rtol=1e-10)
    step = -trace.lr[:, None] * trace.m_hat / (trace.sqrt_v_hat + trace.eps)
    assert np.allclose(trace.step, step, rtol=1e-12, atol=0)


def test_first_step_is_the_learning_rate_in_every_coordinate(trace):
    assert np.allclose(np.abs(trace.step[0]), 0.2, rtol=1e-9)


def test_memory_share(trace):
    share = trace.memory_share(5, 1)
    assert np.allclose(share[:5], 1.0)
    assert np.all(np.diff(share[4:]) <= 1e-15) and 0 < share[-1] < 1
    t = trace.steps
    g2 = trace.grad[:, 1] ** 2
    w = trace.b2 ** (t - 1 - np.arange(t)) * g2
    assert np.isclose(share[-1], w[:5].sum() / w.sum(), rtol=1e-12)


def test_windowed_and_plot(trace):
    assert windowed(trace.step[:, 0], 10).shape == (3,)
    fig = plot_adam_internals([trace, trace], 1, windows_per_epoch=5)
    assert len(fig.axes) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 30}, "divide"),
        ({"b1": 1.0}, "b1"),
        ({"b2": -0.1}, "b2"),
        ({"eps": -1.0}, "eps"),
        ({"learning_rate": [0.1, 0.2]}, "one learning rate per step"),
        ({"learning_rate": -0.1}, "finite and >= 0"),
    ],
)
def test_bad_input_gets_a_clear_error(small, kwargs, match):
    args = {"learning_rate": 0.1, "epochs": 1, "batch_size": 20} | kwargs
    with pytest.raises(ValueError, match=match):
        adam_probe(small, **args)


def test_bad_arguments_of_the_helpers(trace):
    with pytest.raises(ValueError, match="first"):
        trace.memory_share(0, 1)
    with pytest.raises(ValueError, match="coordinate"):
        trace.memory_share(2, 99)
    with pytest.raises(ValueError, match="per_window"):
        windowed(np.ones(3), 0)
    with pytest.raises(ValueError, match="at least one"):
        plot_adam_internals([], 0)


def test_epoch_mean(trace):
    per_epoch = trace.steps // trace.epochs
    means = trace.epoch_mean(np.abs(trace.step))
    assert np.allclose(means[1], np.abs(trace.step[per_epoch:2 * per_epoch]).mean())
    assert trace.epoch_mean(trace.loss[1:]).shape == (trace.epochs,)
    with pytest.raises(ValueError, match="one row per step"):
        trace.epoch_mean(trace.loss)
