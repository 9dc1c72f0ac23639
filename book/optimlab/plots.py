"""Figures shared by the pages: loss curves and runtimes, in one consistent style.

Losses go on a log scale against the exact least-squares loss, drawn as a dashed
reference line. Titles are left to the page's caption; alt text is set by the page
(``mystnb: image: alt:`` in the cell options).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

_PLOT_CEILING = 1e100


def plot_losses(histories, reference_loss=None, *, ax=None, x="epoch"):
    """Full-data loss against epoch (or ``x='step'``) for each run, on a log scale.

    A diverged run is drawn up to its last finite loss (at most 1e100) and marked
    "(diverged)" in the legend, so a blow-up is visible rather than an empty curve.
    Returns the matplotlib ``Figure``.
    """
    if x not in ("epoch", "step"):
        raise ValueError(f"x must be 'epoch' or 'step', got {x!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for h in histories:
        xs = h.epoch if x == "epoch" else np.arange(len(h.loss))
        # Losses beyond _PLOT_CEILING (a run far into divergence) are left out: near the
        # float64 maximum, matplotlib's log autoscaling overflows and draws nothing.
        finite = np.isfinite(h.loss) & (h.loss <= _PLOT_CEILING)
        label = h.label + (" (diverged)" if h.diverged else "")
        ax.plot(xs[finite], h.loss[finite], label=label, lw=1.4)
    if reference_loss is not None:
        ax.axhline(reference_loss, color="k", ls="--", lw=1, label="least squares (lm_loss)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch" if x == "epoch" else "step")
    ax.set_ylabel("full-data loss (sum of squares)")
    ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure


def plot_runtimes(table, *, ax=None, ylabel="seconds per epoch"):
    """Log-log plot of a runtime table: index = batch size, one line per column.

    ``table`` is a ``pandas.DataFrame`` of seconds (NaN cells are skipped).
    Returns the matplotlib ``Figure``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for column in table.columns:
        series = table[column].dropna()
        ax.plot(series.index, series.values, marker="o", label=str(column))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure


def plot_schedule(schedule, steps: int, *, ax=None):
    """A learning-rate schedule (a function of the step) over ``steps`` steps."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    t = np.arange(steps)
    ax.plot(t, [float(schedule(int(i))) for i in t])
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.grid(True, which="major", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure
