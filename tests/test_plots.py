"""Tests for optimlab.plots (matplotlib's Agg backend, set by conftest)."""

import itertools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from optimlab import plots
from optimlab.history import History
from optimlab.plots import envelope, figure, plot_losses, plot_paths, plot_runtimes, styles


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


@pytest.mark.filterwarnings("error")  # no warning either
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


def test_plot_paths_draws_each_path_and_the_minimum():
    from optimlab.problems import quadratic_2d

    quad = quadratic_2d(4.0)
    paths = {"a": np.array([[1.0, 1.0], [0.5, 0.2], [0.1, 0.0]]),
             "b": np.array([[-1.0, 0.5], [np.nan, np.nan]])}  # a diverged path
    ax = plot_paths(quad, paths).axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"a", "b", "minimum"} <= set(labels)
    x0, x1 = ax.get_xlim()
    assert x0 < -1.0 and x1 > 1.0  # the finite points, with a margin



# --- house style (issue 13) ---------------------------------------------------------


def test_styles_differ_in_colour_linestyle_and_marker():
    first = list(itertools.islice(styles(), len(plots.PALETTE)))
    for i, a in enumerate(first):
        for b in first[i + 1:]:
            assert a[0] != b[0] and a[1] != b[1] and a[2] != b[2]


def test_every_line_of_a_loss_plot_is_told_apart_without_colour():
    runs = [history([100.0 / (k + 1), 10.0], f"run {k}") for k in range(6)]
    ax = plot_losses(runs, 1.0).axes[0]
    drawn = [(line.get_linestyle(), line.get_marker()) for line in ax.get_lines()]
    assert len(set(drawn)) == len(drawn) == 7  # six runs and the reference line


def test_plain_subplots_get_the_house_cycle():
    _, ax = plt.subplots()
    a, b = ax.plot([1, 2]), ax.plot([2, 1])
    assert a[0].get_marker() != b[0].get_marker()
    assert a[0].get_linestyle() != b[0].get_linestyle()


def test_figures_are_transparent_and_column_wide():
    fig, ax = figure()
    assert fig.get_facecolor()[3] == 0 and ax.get_facecolor()[3] == 0
    assert tuple(fig.get_size_inches()) == (plots.WIDTH, plots.PANEL_HEIGHT)


def smallest_font_px_on_phone(fig, column_px=358):
    """Smallest text height (CSS px) when the saved SVG is shrunk to a phone column."""
    import io
    import re

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    svg = buffer.getvalue()
    width_pt = float(re.search(r'<svg[^>]*width="([0-9.]+)pt"', svg).group(1))
    # svg.fonttype "none": text stays <text>, its size in user units (= pt, the viewBox)
    sizes = [float(s) for s in re.findall(r"font-size:\s*([0-9.]+)px", svg)]
    assert sizes, "no text found in the SVG"
    width_px = width_pt * 4 / 3  # 1 pt = 4/3 CSS px
    scale = min(1.0, column_px / width_px)  # images shrink to the column, never grow
    return min(sizes) * 4 / 3 * scale


@pytest.mark.parametrize("panels", [1, 2])
def test_figure_text_is_at_least_half_the_body_text_on_a_phone(panels, runs):
    fig, axes = figure(1, panels)
    for ax in np.atleast_1d(axes):
        plot_losses(runs, 10.0, ax=ax)
    assert smallest_font_px_on_phone(fig) >= 8.0  # body text is 16 px


def test_figure_stacks_side_by_side_panels_and_keeps_the_shape():
    fig, axes = figure(2, 2)
    assert axes.shape == (2, 2)
    assert tuple(fig.get_size_inches()) == (plots.WIDTH, 4 * plots.PANEL_HEIGHT)
    x0 = {round(ax.get_position().x0, 6) for ax in axes.flat}
    assert len(x0) == 1  # one column
    fig, ax = figure(squeeze=False)
    assert ax.shape == (1, 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"nrows": 0}, "positive integers"), ({"ncols": 1.5}, "positive integers"),
     ({"height": -1.0}, "height must be positive"), ({"figsize": (3, 3)}, "height=")],
)
def test_figure_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        figure(**kwargs)


def test_svg_output_is_reproducible(runs):
    import io

    def svg():
        buffer = io.StringIO()
        plot_losses(runs, 10.0).savefig(buffer, format="svg", metadata={"Date": None})
        plt.close("all")
        return buffer.getvalue()

    assert svg() == svg()


def test_envelope_keeps_every_extreme_of_a_long_curve_and_leaves_short_ones_alone():
    rng = np.random.default_rng(0)
    x = np.arange(30_000.0)
    y = np.exp(-x / 5000) + rng.random(30_000)
    tx, ty = envelope(x, y)
    assert len(tx) <= plots.MAX_POINTS + 2 and np.all(np.diff(tx) > 0)
    assert ty.max() == y.max() and ty.min() == y.min()
    assert (tx[0], tx[-1]) == (x[0], x[-1])
    # every drawn point is a point of the curve
    np.testing.assert_array_equal(ty, y[tx.astype(int)])
    # within each of 100 stretches, the thinned curve spans the same range
    for part in np.array_split(np.arange(30_000), 100):
        inside = (tx >= part[0]) & (tx <= part[-1])
        assert ty[inside].max() == y[part].max() and ty[inside].min() == y[part].min()
    short = np.arange(5.0)
    assert envelope(short, short)[0] is short or np.array_equal(envelope(short, short)[0], short)


def test_envelope_rejects_bad_input():
    with pytest.raises(ValueError, match="one length"):
        envelope(np.arange(3), np.arange(4))
    with pytest.raises(ValueError, match="buckets"):
        envelope(np.arange(3), np.arange(3), buckets=0)


def test_a_long_loss_trace_makes_a_small_svg():
    import io

    rng = np.random.default_rng(1)
    runs = [history(1e3 * np.exp(-np.linspace(0, 5, 30_001)) + 10 + k * rng.random(30_001),
                    f"mb={k}") for k in (1, 10, 100, 1000)]
    buffer = io.StringIO()
    plot_losses(runs, 10.0).savefig(buffer, format="svg", bbox_inches="tight")
    assert len(buffer.getvalue()) < 400_000


# --- issue 22: line colours against the page, legends off the data ----------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
LIGHT_PAGE, DARK_PAGE = "#ffffff", "#14181e"  # pydata-sphinx-theme's --pst-color-background


def rgb(hex_colour):
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255


def luminance(colour):
    c = np.where(colour <= 0.04045, colour / 12.92, ((colour + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def contrast(a, b):
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def dark_mode(colour):
    """The colour as the site draws it in dark mode: CSS ``invert(1) hue-rotate(180deg)``
    (Filter Effects spec's matrices, in sRGB as browsers apply CSS filter functions)."""
    cos, sin = np.cos(np.pi), np.sin(np.pi)
    hue = np.array([
        [0.213 + cos * 0.787 - sin * 0.213, 0.715 - cos * 0.715 - sin * 0.715, 0.072 - cos * 0.072 + sin * 0.928],
        [0.213 - cos * 0.213 + sin * 0.143, 0.715 + cos * 0.285 + sin * 0.140, 0.072 - cos * 0.072 - sin * 0.283],
        [0.213 - cos * 0.213 - sin * 0.787, 0.715 - cos * 0.715 + sin * 0.715, 0.072 + cos * 0.928 + sin * 0.072],
    ])
    return np.clip(hue @ (1 - colour), 0, 1)


def test_the_site_filter_is_the_one_computed_here():
    css = (ROOT / "tools" / "theme" / "static" / "lightpages.css").read_text(encoding="utf-8")
    assert "filter: invert(1) hue-rotate(180deg);" in css


@pytest.mark.parametrize("colour", plots.PALETTE)
def test_every_line_colour_has_3_to_1_in_light_and_dark_mode(colour):
    """WCAG 1.4.11 (graphical objects): 3:1 against the page, in both modes."""
    assert contrast(rgb(colour), rgb(LIGHT_PAGE)) >= 3.0
    assert contrast(dark_mode(rgb(colour)), rgb(DARK_PAGE)) >= 3.0


def test_line_colours_keep_apart_in_dark_mode():
    """No two colours meet in dark mode (the old orange and sky blue became a second
    vermillion and a second blue): hues at least 20 degrees apart, or lightness 25%."""
    import colorsys

    dark = [colorsys.rgb_to_hls(*dark_mode(rgb(c))) for c in plots.PALETTE]
    for (i, (h1, l1, _)), (j, (h2, l2, _)) in itertools.combinations(enumerate(dark), 2):
        apart = min(abs(h1 - h2), 1 - abs(h1 - h2)) * 360
        assert apart >= 20 or abs(l1 - l2) >= 0.25, (plots.PALETTE[i], plots.PALETTE[j])


def overlaps(legend, ax) -> bool:
    ax.figure.canvas.draw()
    return legend.get_window_extent().overlaps(ax.get_window_extent())


def test_loss_and_runtime_legends_sit_off_the_data(runs):
    fig = plot_losses([*runs, history([1e4, 5e3, 2e3], "adam lr=0.1 (diverged)")], 1.0)
    ax = fig.axes[0]
    assert not overlaps(ax.get_legend(), ax)
    table = pd.DataFrame({"jax": [1.0, 0.5, 0.2], "torch": [2.0, 1.0, 0.4]}, index=[10, 100, 1000])
    ax = plot_runtimes(table).axes[0]
    assert not overlaps(ax.get_legend(), ax)


def test_place_legend_uses_one_column_when_two_would_widen_the_figure():
    fig, ax = figure()
    for label in ("a label long enough that two columns", "would not fit the figure width"):
        ax.plot([1, 2], [1, 2], label=label)
    legend = plots.place_legend(ax)
    fig.canvas.draw()
    assert legend._ncols == 1
    assert legend.get_window_extent().width <= fig.bbox.width
    fig2, ax2 = figure()
    ax2.plot([1, 2], [1, 2], label="a")
    ax2.plot([1, 2], [2, 1], label="b")
    assert plots.place_legend(ax2)._ncols == 2
    assert plots.place_legend(figure()[1]) is None  # nothing labelled
