"""Tests for optimlab.paths: both frameworks walk the same path; the plot draws them."""

import math

import matplotlib.pyplot as plt
import numpy as np
import optax
import pytest
import torch

from optimlab.paths import optax_path, plot_paths, torch_path
from optimlab.problems import quadratic_2d, rosenbrock


@pytest.mark.parametrize(
    "optimizer, make",
    [
        (optax.sgd(0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
        (optax.sgd(0.02, momentum=0.9, nesterov=True),
         lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True)),
        (optax.adam(0.1), lambda p: torch.optim.Adam(p, lr=0.1)),
        (optax.rmsprop(0.05, decay=0.99, eps=1e-8, eps_in_sqrt=False),
         lambda p: torch.optim.RMSprop(p, lr=0.05)),
    ],
    ids=["sgd", "nesterov", "adam", "rmsprop"],
)
def test_optax_and_torch_paths_agree(optimizer, make):
    fn = quadratic_2d(10.0, angle=0.4)
    a = optax_path(fn, optimizer, [2.0, -1.0], 30)
    b = torch_path(fn, make, [2.0, -1.0], 30)
    assert a.shape == b.shape == (31, 2)
    np.testing.assert_array_equal(a[0], [2.0, -1.0])
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_gradient_descent_path_on_a_quadratic_is_known_exactly():
    # Axis-aligned: each coordinate is multiplied by (1 - lr * eigenvalue) per step.
    path = optax_path(quadratic_2d(5.0), optax.sgd(0.1), [1.0, 1.0], 6)
    t = np.arange(7)
    np.testing.assert_allclose(path[:, 0], 0.9**t, rtol=1e-12)
    np.testing.assert_allclose(path[:, 1], 0.5**t, rtol=1e-12)


def test_momentum_reaches_rosenbrocks_minimum():
    fn = rosenbrock()
    path = optax_path(fn, optax.sgd(1e-3, momentum=0.9), [-1.5, 2.0], 3000)
    np.testing.assert_allclose(path[-1], fn.minimum, atol=1e-3)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: optax_path(quadratic_2d(), optax.sgd(0.1), [1.0, 2.0, 3.0], 5),
         ValueError, "start must be a point"),
        (lambda: optax_path(quadratic_2d(), optax.sgd(0.1), [1.0, 2.0], 0),
         ValueError, "steps must be"),
        (lambda: torch_path(quadratic_2d(), optax.sgd(0.1), [1.0, 2.0], 3),
         TypeError, "make_optimizer must be a function"),
        (lambda: plot_paths(quadratic_2d(), {}), ValueError, "at least one path"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_plot_paths_draws_every_path_with_its_own_style_and_the_minimum():
    fn = quadratic_2d(20.0, angle=math.pi / 6)
    paths = {name: optax_path(fn, opt, [-4.0, 2.0], 20)
             for name, opt in [("sgd", optax.sgd(0.08)), ("adam", optax.adam(0.5))]}
    fig = plot_paths(fn, paths)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert {"sgd", "adam", "minimum"} <= set(lines)
    assert (lines["sgd"].get_linestyle(), lines["sgd"].get_marker()) != (
        lines["adam"].get_linestyle(), lines["adam"].get_marker())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam", "minimum"]
    plt.close(fig)
