"""Figures shared by the pages: loss curves and runtimes, in one house style.

Losses go on a log scale against the exact least-squares loss, drawn as a dashed
reference line. Titles are left to the page's caption; alt text is set by the page
(``mystnb: image: alt:`` in the cell options).

**House style.** Importing this module applies it (:func:`use_house_style`), so every
figure a page draws afterwards, with these functions or with ``plt.subplots``, gets it:

* **Sized for the content column.** Figures are :data:`WIDTH` inches wide (480 CSS px
  at full size) and their smallest text is :data:`MIN_FONT_PT` points, so that on a
  390-px phone, where a figure shrinks to the ~358-px column, no text is smaller than
  half the body text (8 px). Multi-panel figures from :func:`figure` keep that width
  and stack their panels in one column.
* **Sharp on every screen.** In a Jupyter kernel (the site build, JupyterLab) figures
  are sent as SVG (vector: sharp at any device-pixel ratio), with text kept as text and
  a fixed hash salt and no date, so two builds write the same file.
* **Not told apart by colour alone.** The line cycle (:func:`styles`) pairs the
  Okabe-Ito colour-blind-safe palette with a distinct line style *and* marker per
  line; markers are spaced along the curve (``markevery``), so dense curves stay light.
* **Legends beside the data, never on it.** :func:`place_legend` puts the legend above
  the axes (one or two columns), outside the area where curves run.
* **Dark mode.** Backgrounds are transparent and text, axes and the reference line are
  black; the site's stylesheet inverts figure images in dark mode (lightness only, the
  hue is rotated back), which turns black text white on the dark page at full contrast
  and keeps each line's colour family.
"""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

_PLOT_CEILING = 1e100

#: Figure width in inches: 480 CSS px at full size; text then stays legible on a phone.
WIDTH = 5.0
#: Height of one panel in inches.
PANEL_HEIGHT = 3.1
#: Smallest font size (points) of any text in a figure (ticks, legend).
MIN_FONT_PT = 11.5
#: Line colours: Okabe & Ito's colour-blind-safe blue, vermillion, bluish green and
#: reddish purple, then an ochre and a violet in place of their orange and sky blue,
#: which had 2.2:1 against white and, in dark mode, turned into a second vermillion and
#: a second blue. Every colour has at least 3:1 against the page in light mode (white)
#: and in dark mode (after the site's invert-and-rotate-hue filter, on #14181e), WCAG
#: 1.4.11; the plot tests compute both. Black is the reference line.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#806600", "#6A3D9A")
#: One line style per palette colour, so lines differ without colour too.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
#: One marker per palette colour.
MARKERS = ("o", "s", "^", "D", "v", "P")
#: Colour of text, axes, ticks and reference lines (inverted by the site in dark mode).
INK = "#000000"

HOUSE_RC = {
    "figure.figsize": (WIDTH, PANEL_HEIGHT),
    "figure.dpi": 100,
    "savefig.dpi": 200,  # raster fallbacks (PNG) at 2x
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "font.size": 12.5,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "axes.labelsize": 12.5,
    # 12 pt: even the exponents of log-axis labels (0.7 of it) stay >= 8 px on a phone
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "legend.framealpha": 0.0,
    "legend.edgecolor": INK,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": "#808080",
    "grid.alpha": 0.35,
    "lines.linewidth": 1.6,
    "lines.markersize": 5.0,
    "axes.prop_cycle": (
        cycler(color=list(PALETTE))
        + cycler(linestyle=list(LINESTYLES))
        + cycler(marker=list(MARKERS))
        + cycler(markevery=[0.1] * len(PALETTE))
    ),
    # SVG: text stays text (small files, selectable), same bytes on every build.
    "svg.fonttype": "none",
    "svg.hashsalt": "optimlab",
}


def styles():
    """Endless ``(color, linestyle, marker)`` triples of the house line cycle.

    For lines drawn outside the ``axes.prop_cycle`` (e.g. ``ax.plot(..., **kw)`` with
    explicit styles): every triple differs from the previous ones in all three until
    the palette wraps after ``len(PALETTE)`` lines.

    >>> first = next(styles())
    >>> first == (PALETTE[0], LINESTYLES[0], MARKERS[0])
    True
    """
    return itertools.cycle(zip(PALETTE, LINESTYLES, MARKERS))


def use_house_style() -> None:
    """Apply the house style to matplotlib (and, in IPython, SVG inline figures).

    Called on import; calling it again restores the style after a page changed
    ``rcParams``.
    """
    mpl.rcParams.update(HOUSE_RC)
    _inline_svg()


def _inline_svg() -> None:
    """In an IPython kernel, send figures as SVG instead of 100-dpi PNG."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is installed with the book
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib_inline.config import InlineBackend

    cfg = InlineBackend.instance(parent=shell)
    # "Date": None keeps the build time out of the file (reproducible builds).
    cfg.print_figure_kwargs = {"bbox_inches": "tight", "metadata": {"Date": None}}
    cfg.figure_formats = {"svg"}
    if getattr(cfg, "shell", None) is not None:
        cfg._update_figure_formatters()


def figure(nrows: int = 1, ncols: int = 1, *, height: float | None = None, **kwargs):
    """A new figure in the house style: ``fig, axes`` as from ``plt.subplots``.

    The figure is always :data:`WIDTH` inches wide, so its text stays legible on a
    phone, and its panels are **stacked in one column** in reading order (side-by-side
    panels would shrink below legibility on a 390-px phone). ``axes`` comes back in
    the shape asked for, as ``plt.subplots(nrows, ncols)`` would return it, so
    ``fig, (left, right) = figure(1, 2)`` works and puts ``right`` below ``left``.
    ``height`` (inches) defaults to :data:`PANEL_HEIGHT` per panel. Other keyword
    arguments go to ``plt.subplots`` (e.g. ``sharex=True``).

    >>> fig, (top, bottom) = figure(1, 2, sharex=True)
    >>> tuple(float(x) for x in fig.get_size_inches())
    (5.0, 6.2)
    >>> bool(top.get_position().y0 > bottom.get_position().y1)
    True
    """
    if not (isinstance(nrows, int) and isinstance(ncols, int)) or nrows < 1 or ncols < 1:
        raise ValueError(f"nrows and ncols must be positive integers, got {nrows!r}, {ncols!r}")
    if "figsize" in kwargs:
        raise ValueError("figure() sets the size itself: pass height=, not figsize=")
    panels = nrows * ncols
    if height is None:
        height = PANEL_HEIGHT * panels
    if not height > 0:
        raise ValueError(f"height must be positive, got {height!r}")
    squeeze = kwargs.pop("squeeze", True)
    fig, axes = plt.subplots(panels, 1, figsize=(WIDTH, height), squeeze=False, **kwargs)
    axes = axes.reshape(nrows, ncols)
    if squeeze:
        axes = axes[0, 0] if panels == 1 else axes.squeeze()
    return fig, axes


#: Curves longer than this are drawn through :func:`envelope` (keeps SVG files small).
MAX_POINTS = 1200


def envelope(x, y, buckets: int = MAX_POINTS // 2):
    """``x, y`` thinned for drawing: the first and last point, and per bucket of
    consecutive points its lowest and highest, in their order.

    At a figure's width each bucket is narrower than a pixel, so the drawn curve is the
    same as with every point (every local extreme is kept), while a 30,000-step loss
    trace costs 1,200 points in the SVG instead of 30,000. Short curves come back
    unchanged.

    >>> x = np.arange(10.0); y = np.array([5, 1, 4, 9, 2, 6, 0, 3, 8, 7.0])
    >>> [float(v) for v in envelope(x, y, buckets=2)[1]]
    [5.0, 1.0, 9.0, 0.0, 8.0, 7.0]
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-d of one length, got {x.shape} and {y.shape}")
    if buckets < 1:
        raise ValueError(f"buckets must be positive, got {buckets}")
    if len(x) <= 2 * buckets + 2:
        return x, y
    keep = {0, len(x) - 1}
    for idx in np.array_split(np.arange(len(x)), buckets):
        keep.add(int(idx[np.argmin(y[idx])]))
        keep.add(int(idx[np.argmax(y[idx])]))
    keep = np.array(sorted(keep))
    return x[keep], y[keep]


def place_legend(ax, **kwargs):
    """The axes' legend above the plotting area (outside it: no curve runs under it),
    in two columns when they fit the figure's width, else one (a wider legend would
    widen the figure, and shrink its text on a phone). Keyword arguments go to
    ``ax.legend``. Returns the ``Legend``, or None when no artist has a label.

    >>> fig, ax = figure()
    >>> _ = ax.plot([1, 2], [3, 4], label="run")
    >>> legend = place_legend(ax)
    >>> fig.canvas.draw()
    >>> bool(legend.get_window_extent().y0 >= ax.get_window_extent().y1)
    True
    """
    handles, labels = ax.get_legend_handles_labels()
    if not labels:
        return None
    options = {"loc": "lower center", "bbox_to_anchor": (0.5, 1.02), "borderaxespad": 0.0,
               "frameon": False, "ncols": 2 if len(labels) > 1 else 1}
    options.update(kwargs)
    legend = ax.legend(handles, labels, **options)
    if options["ncols"] > 1 and "ncols" not in kwargs:
        renderer = ax.figure.canvas.get_renderer()
        if legend.get_window_extent(renderer).width > 0.98 * ax.figure.bbox.width:
            legend = ax.legend(handles, labels, **{**options, "ncols": 1})
    return legend


def _marker_positions(x, count: int = 8, offset: int = 0) -> list[int]:
    """Indices of ``count`` points evenly spaced in ``x`` (shifted a little per line so
    that markers of overlapping curves do not sit on top of each other)."""
    if len(x) == 0:
        return []
    lo, hi = float(x[0]), float(x[-1])
    shift = (offset % len(PALETTE)) / (len(PALETTE) * count)
    targets = lo + (hi - lo) * (np.arange(count) + shift) / count
    return sorted({int(i) for i in np.searchsorted(x, targets).clip(0, len(x) - 1)})


def _new_axes(ax):
    if ax is None:
        _, ax = figure()
    return ax


def plot_losses(histories, reference_loss=None, *, ax=None, x="epoch"):
    """Full-data loss against epoch (or ``x='step'``) for each run, on a log scale.

    A diverged run is drawn up to its last finite loss (at most 1e100) and marked
    "(diverged)" in the legend, so a blow-up is visible rather than an empty curve.
    Each run gets its own colour, line style and marker. Returns the matplotlib
    ``Figure``.
    """
    if x not in ("epoch", "step"):
        raise ValueError(f"x must be 'epoch' or 'step', got {x!r}")
    ax = _new_axes(ax)
    # log scale first: set after the lines, it autoscales at once and warns when every
    # plotted loss is the same value (one point below the ceiling)
    ax.set_yscale("log")
    for i, (h, (color, ls, marker)) in enumerate(zip(histories, styles())):
        xs = h.epoch if x == "epoch" else np.arange(len(h.loss))
        # Losses beyond _PLOT_CEILING (a run far into divergence) are left out: near the
        # float64 maximum, matplotlib's log autoscaling overflows and draws nothing.
        finite = np.isfinite(h.loss) & (h.loss <= _PLOT_CEILING)
        label = h.label + (" (diverged)" if h.diverged else "")
        ex, ey = envelope(xs[finite], h.loss[finite])
        ax.plot(ex, ey, label=label, color=color, ls=ls, marker=marker,
                markevery=_marker_positions(ex, offset=i))
    if reference_loss is not None:
        ax.axhline(reference_loss, color=INK, ls="--", lw=1, label="least squares (lm_loss)")
    ax.set_xlabel("epoch" if x == "epoch" else "step")
    ax.set_ylabel("full-data loss (sum of squares)")
    place_legend(ax)
    ax.grid(True, which="major")
    ax.figure.tight_layout()
    return ax.figure


def plot_runtimes(table, *, ax=None, ylabel="seconds per epoch"):
    """Log-log plot of a runtime table: index = batch size, one line per column.

    ``table`` is a ``pandas.DataFrame`` of seconds (NaN cells are skipped).
    Returns the matplotlib ``Figure``.
    """
    ax = _new_axes(ax)
    for column, (color, ls, marker) in zip(table.columns, styles()):
        series = table[column].dropna()
        ax.plot(series.index, series.values, color=color, ls=ls, marker=marker,
                label=str(column))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel(ylabel)
    place_legend(ax)
    ax.grid(True, which="major")
    ax.figure.tight_layout()
    return ax.figure


def plot_paths(fn, paths, *, xlim=None, ylim=None, levels=14, markers=12):
    """Contours of a 2-D test function ``fn`` (``optimlab.problems``: ``fn.f``,
    ``fn.minimum``, ``fn.value``), one line per path (``{label: (steps+1, 2) array}``),
    each path's end marked larger and the minimum as a star; the limits default to the
    paths' extent with a margin.

    >>> from optimlab.problems import quadratic_2d
    >>> fig = plot_paths(quadratic_2d(4.0), {"a": np.array([[1.0, 1.0], [0.5, 0.2]])})
    >>> fig.axes[0].get_xlabel()
    'x'
    """
    _, ax = figure(height=4.6)
    points = np.concatenate([*paths.values(), np.asarray(fn.minimum)[None]])
    points = points[np.all(np.isfinite(points), axis=1)]
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.08 * (hi - lo) + 1e-9
    (x0, y0), (x1, y1) = lo - pad, hi + pad
    (x0, x1), (y0, y1) = xlim or (x0, x1), ylim or (y0, y1)
    gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    z = np.asarray(fn.f(np.stack([gx, gy]))) - fn.value
    top = max(float(z.max()), 1e-12)
    ax.contour(gx, gy, z, levels=np.geomspace(top * 1e-5, top, levels),
               colors="#9a9a9a", linewidths=0.6)
    for (label, path), (color, ls, marker) in zip(paths.items(), styles()):
        every = max(1, (len(path) - 1) // markers)
        ax.plot(path[:, 0], path[:, 1], color=color, ls=ls, marker=marker,
                markevery=every, lw=1.5, label=label)
        ax.plot(*path[-1], color=color, marker=marker, ms=10, mec="white", ls="",
                markevery=[0], zorder=4)  # where the path ends, larger
    ax.plot(*fn.minimum, marker="*", ms=14, color=INK, ls="", markevery=[0],
            label="minimum", zorder=5)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y")
    ax.figure.tight_layout()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return ax.figure


use_house_style()
