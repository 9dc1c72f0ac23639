"""Tests for optimlab.crosscheck: PyTorch runs beside Optax runs."""

import math

import matplotlib
import numpy as np
import pytest

from optimlab.crosscheck import plot_agreement, side_by_side, worst_by_stretch
from optimlab.history import History

matplotlib.use("Agg")


def run(batch_size, loss, label="r"):
    loss = np.asarray(loss, dtype=float)
    return History(label, batch_size, 1, loss, np.linspace(0, 1, loss.size), np.zeros(2))


def test_side_by_side_has_final_losses_and_the_worst_trace_difference():
    t = [run(10, [4.0, 2.0, 1.0]), run(100, [4.0, 3.0])]
    o = [run(10, [4.0, 2.2, 1.0]), run(100, [4.0, 3.0])]
    table = side_by_side(t, o)
    assert list(table.index) == [10, 100] and table.index.name == "batch size"
    assert table.loc[10, "torch"] == 1.0 and table.loc[10, "optax"] == 1.0
    assert table.loc[10, "largest relative difference"] == pytest.approx(0.2 / 2.2)
    assert table.loc[100, "largest relative difference"] == 0.0


@pytest.mark.parametrize(
    "t, o, match",
    [
        ([], [], "same, non-zero number"),
        ([run(10, [1.0, 2.0])], [], "same, non-zero number"),
        ([run(10, [1.0, 2.0])], [run(20, [1.0, 2.0])], "do not pair up"),
        ([run(10, [1.0, 2.0])], [run(10, [1.0, 2.0, 3.0])], "do not pair up"),
    ],
)
def test_runs_that_do_not_pair_up_raise(t, o, match):
    with pytest.raises(ValueError, match=match):
        side_by_side(t, o)


def test_worst_by_stretch_takes_the_largest_per_stretch_and_drops_zeros():
    ends, worst = worst_by_stretch([1.0, 1.1, 1.0, 1.0], [1.0, 1.0, 1.0, 2.0], parts=2)
    assert ends == [1, 3]
    assert worst[0] == pytest.approx(0.1) and worst[1] == pytest.approx(0.5)
    ends, worst = worst_by_stretch([1.0, 1.0], [1.0, 1.0], parts=50)  # fewer points
    assert ends == [0, 1] and all(math.isnan(w) for w in worst)
    with pytest.raises(ValueError, match="no losses"):
        worst_by_stretch([], [])


def test_plot_agreement_draws_one_line_per_pair_and_the_tolerance():
    t = [run(10, [4.0, 2.0, 1.0]), run(100, [4.0, 3.0, 2.5])]
    o = [run(10, [4.0, 2.0 * (1 + 1e-12), 1.0]), run(100, [4.0, 3.0, 2.5 * (1 + 1e-13)])]
    fig = plot_agreement(t, o, 0.5, tolerance=1e-9)
    top, bottom = fig.axes
    assert len(bottom.get_lines()) == 3  # two pairs and the tolerance line
    assert bottom.get_yscale() == "log"
    styles = {(line.get_linestyle(), line.get_marker()) for line in bottom.get_lines()[:2]}
    assert len(styles) == 2  # told apart without colour
