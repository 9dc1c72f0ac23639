"""Tests for optimlab.plots (matplotlib's Agg backend, set by conftest)."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import optax
import pandas as pd
import pytest
from matplotlib.figure import Figure

from optimlab.history import History
from optimlab.plots import plot_losses, plot_runtimes, plot_schedule


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(loss, label):
    loss = np.asarray(loss, dtype=float)
    return History(label, 10, 1, loss, np.linspace(0, 1, len(loss)), np.zeros(2))


@pytest.fixture
def runs():
    good = history([100.0, 40.0, 20.0, 15.0, 12.0], "sgd (mb=10)")
    bad = history([100.0, 1e5, 1e150, np.inf, np.nan], "sgd (mb=100)")
    return good, bad


def test_backend_is_non_interactive():
    assert matplotlib.get_backend().lower() == "agg"


def test_plot_losses_figure_style(runs):
    fig = plot_losses(runs, 10.0)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_xlabel() == ax.get_xlabel().lower()
    assert ax.get_ylabel() == ax.get_ylabel().lower()
    assert ax.get_title() == ""


def test_plot_losses_draws_a_reference_line(runs):
    ax = plot_losses(runs, 10.0).axes[0]
    ref = [line for line in ax.get_lines() if "least squares" in line.get_label()]
    assert len(ref) == 1
    np.testing.assert_allclose(ref[0].get_ydata(), [10.0, 10.0])
    assert ref[0].get_linestyle() == "--"


def test_plot_losses_without_reference_has_no_line(runs):
    ax = plot_losses(runs).axes[0]
    assert len(ax.get_lines()) == 2
    assert not any("least squares" in line.get_label() for line in ax.get_lines())


def test_diverged_run_is_labelled_and_drawn_without_non_finite_points(runs):
    ax = plot_losses(runs, 10.0).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert "sgd (mb=10)" in lines
    assert "sgd (mb=100) (diverged)" in lines
    y = np.asarray(lines["sgd (mb=100) (diverged)"].get_ydata())
    x = np.asarray(lines["sgd (mb=100) (diverged)"].get_xdata())
    # 1e150 is finite but beyond the plot ceiling (log autoscaling overflows near the
    # float64 maximum), so only the first two points are drawn.
    np.testing.assert_array_equal(y, [100.0, 1e5])
    np.testing.assert_allclose(x, [0.0, 0.25])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "sgd (mb=100) (diverged)" in legend


def test_plot_of_a_run_near_float64_max_keeps_a_usable_axis():
    from optimlab.history import History

    h = History("blow-up", 10, 1, [1e4, 1e200, 6e307], [0.0, 0.5, 1.0], np.zeros(2))
    ax = plot_losses([h], 1e4).axes[0]
    low, high = ax.get_ylim()
    assert low < 1e4 < high and np.isfinite(high)


def test_plot_losses_rejects_unknown_x(runs):
    with pytest.raises(ValueError, match="x must be 'epoch' or 'step'"):
        plot_losses(runs, 10.0, x="time")


def test_plot_losses_by_step_on_a_given_axis(runs):
    fig, ax = plt.subplots()
    out = plot_losses(runs[:1], 10.0, ax=ax, x="step")
    assert out is fig
    assert ax.get_xlabel() == "step"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(5))


def test_plot_runtimes_log_log():
    table = pd.DataFrame(
        {"optax compiled (cpu)": [0.01, 0.002, 0.001], "optax lecture loop (cpu)": [4.0, 0.4, np.nan]},
        index=pd.Index([10, 100, 1000], name="batch size"),
    )
    fig = plot_runtimes(table)
    ax = fig.axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert ax.get_xlabel() == "batch size" and ax.get_ylabel() == "seconds per epoch"
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == set(table.columns)
    # NaN cells are skipped, not drawn.
    np.testing.assert_array_equal(lines["optax lecture loop (cpu)"].get_xdata(), [10, 100])
    np.testing.assert_array_equal(lines["optax compiled (cpu)"].get_ydata(), [0.01, 0.002, 0.001])


def test_plot_schedule():
    schedule = optax.schedules.exponential_decay(init_value=1.0, transition_steps=100, decay_rate=0.9)
    fig = plot_schedule(schedule, 300)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "learning rate")
    y = np.asarray(ax.get_lines()[0].get_ydata())
    assert len(y) == 300
    assert y[0] == pytest.approx(1.0) and y[100] == pytest.approx(0.9, rel=1e-6)
    assert np.all(np.diff(y) < 0)
