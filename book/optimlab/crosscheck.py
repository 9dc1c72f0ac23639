"""PyTorch runs beside the same Optax runs: one table and one figure for both pages.

The PyTorch experiment pages train the same model on the same batches in both
frameworks and show how closely the results agree. Both results are
:class:`~optimlab.history.History` objects, so nothing here branches on the framework.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compare import relative_difference
from .plots import PANEL_HEIGHT, figure, plot_losses, styles


def _pairs(torch_runs, optax_runs):
    torch_runs, optax_runs = list(torch_runs), list(optax_runs)
    if len(torch_runs) != len(optax_runs) or not torch_runs:
        raise ValueError(
            "need the same, non-zero number of PyTorch and Optax runs, got "
            f"{len(torch_runs)} and {len(optax_runs)}"
        )
    for t, o in zip(torch_runs, optax_runs):
        if t.batch_size != o.batch_size or len(t.loss) != len(o.loss):
            raise ValueError(
                f"runs do not pair up: batch size {t.batch_size} ({len(t.loss)} losses) "
                f"against {o.batch_size} ({len(o.loss)} losses)"
            )
    return list(zip(torch_runs, optax_runs))


def side_by_side(torch_runs, optax_runs) -> pd.DataFrame:
    """Final losses of paired runs and the largest relative difference of their traces.

    >>> from optimlab.history import History
    >>> h = History("a", 5, 1, [4.0, 2.0], [0.0, 1.0], np.zeros(1))
    >>> side_by_side([h], [h]).loc[5].tolist()
    [2.0, 2.0, 0.0]
    """
    rows = {
        t.batch_size: {
            "torch": t.final_loss,
            "optax": o.final_loss,
            "largest relative difference": relative_difference(t.loss, o.loss),
        }
        for t, o in _pairs(torch_runs, optax_runs)
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "batch size"
    return table


def worst_by_stretch(a, b, parts: int = 50):
    """Largest ``|a/b - 1|`` over each of ``parts`` stretches: (last index, value) pairs.

    An exact zero becomes NaN, so that a log-scale plot leaves the point out.

    >>> worst_by_stretch([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 8.0], parts=2)
    ([1, 3], [nan, 0.5])
    """
    d = np.abs(np.asarray(a, dtype=float) / np.asarray(b, dtype=float) - 1)
    if d.size == 0:
        raise ValueError("no losses to compare")
    stretches = np.array_split(np.arange(d.size), min(parts, d.size))
    ends = [int(i[-1]) for i in stretches]
    worst = [float(d[i].max()) or float("nan") for i in stretches]
    return ends, worst


def plot_agreement(torch_runs, optax_runs, reference_loss, tolerance, parts: int = 50):
    """Top: the PyTorch loss curves. Bottom: how far they are from Optax's, by stretch.

    The bottom panel shows, for each of ``parts`` stretches of each run, the largest
    relative difference of the two frameworks' losses, against the ``tolerance`` a
    page checks. Returns the figure.
    """
    pairs = _pairs(torch_runs, optax_runs)
    fig, (top, bottom) = figure(1, 2, sharex=True, height=2 * PANEL_HEIGHT + 1.2)
    plot_losses([t for t, _ in pairs], reference_loss, ax=top)
    for (t, o), (color, ls, marker) in zip(pairs, styles()):
        ends, worst = worst_by_stretch(t.loss, o.loss, parts)
        bottom.plot(np.asarray(t.epoch)[ends], worst, color=color, ls=ls, marker=marker,
                    label=f"mb={t.batch_size}")
    bottom.axhline(tolerance, color="k", ls=":", marker="", label="checked tolerance")
    bottom.set(yscale="log", xlabel="epoch", ylabel="|torch/optax - 1|")
    # below the panel: the differences of a run can lie anywhere in it
    bottom.legend(ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    return fig
