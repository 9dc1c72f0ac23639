"""Tests for tools/lightpages.py (the Sphinx extension for light, accessible pages).

Fast, no build: the table fix on pandas' own HTML, image sizes, descriptions, the
template filter, the icon and font slimming on a copy of the theme's files. The built
site is checked in the browser (tests/test_browser.py).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lightpages  # noqa: E402


def header_rows(markup: str) -> list[list[tuple[str, str]]]:
    from bs4 import BeautifulSoup

    thead = BeautifulSoup(markup, "html.parser").find("thead")
    return [[(c.name, c.get_text().strip()) for c in tr.find_all(["th", "td"])]
            for tr in thead.find_all("tr")]


def cells(markup: str) -> list[str]:
    """Every cell's text in the table body, in order (the numbers)."""
    from bs4 import BeautifulSoup

    return [c.get_text() for c in BeautifulSoup(markup, "html.parser").find("tbody")
            .find_all(["th", "td"])]


@pytest.fixture
def frame():
    return pd.DataFrame({"loss": [1.25, 2.5e-7], "epochs": [3, 30]},
                        index=pd.Index([10, 100], name="batch size"))


@pytest.mark.parametrize("render", ["to_html", "styler"])
def test_named_index_row_is_merged_and_no_header_is_empty(frame, render):
    markup = frame.to_html() if render == "to_html" else frame.style.format(precision=3).to_html()
    assert len(header_rows(markup)) == 2  # pandas: column names, then the index name
    fixed = lightpages.fix_table_headers(markup)
    rows = header_rows(fixed)
    assert len(rows) == 1
    assert [text for _, text in rows[0]] == ["batch size", "loss", "epochs"]
    assert all(tag == "th" and text for tag, text in rows[0])
    assert cells(fixed) == cells(markup)  # no number changes


def test_unnamed_index_corner_becomes_a_data_cell():
    markup = pd.DataFrame({"a": [1.5]}).to_html()
    fixed = lightpages.fix_table_headers(markup)
    assert header_rows(fixed) == [[("td", ""), ("th", "a")]]
    assert cells(fixed) == cells(markup)


def test_multiindex_columns_keep_their_rows_and_lose_empty_headers():
    columns = pd.MultiIndex.from_product([["sgd", "adam"], ["loss", "time"]])
    frame = pd.DataFrame(np.arange(8.0).reshape(2, 4), columns=columns,
                         index=pd.Index(["a", "b"], name="run"))
    markup = frame.to_html()
    fixed = lightpages.fix_table_headers(markup)
    rows = header_rows(fixed)
    assert not [cell for row in rows for cell in row if cell[0] == "th" and not cell[1]]
    assert "run" in [text for row in rows for _, text in row]
    assert cells(fixed) == cells(markup)


def test_markup_without_tables_is_returned_untouched():
    text = "<p>no table, <b>th</b>ere</p>"
    assert lightpages.fix_table_headers(text) is text


def test_doctree_tables_are_fixed(frame):
    document = new_document("test", get_default_settings(Parser))
    raw = nodes.raw("", frame.to_html(), format="html")
    document += raw
    lightpages._on_doctree_resolved(None, document, "page")
    assert len(header_rows(raw.astext())) == 1


def test_image_size_of_svg_and_png(tmp_path):
    svg = tmp_path / "f.svg"
    svg.write_text('<?xml version="1.0"?>\n<svg width="360pt" height="216pt" '
                   'viewBox="0 0 360 216" xmlns="http://www.w3.org/2000/svg"></svg>')
    assert lightpages.image_size(svg) == (480, 288)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1), dpi=50)
    png = tmp_path / "f.png"
    fig.savefig(png, dpi=50)
    plt.close(fig)
    assert lightpages.image_size(png) == (100, 50)
    assert lightpages.image_size(tmp_path / "missing.svg") is None


def test_first_paragraph_skips_admonitions_and_short_lines():
    document = new_document("test", get_default_settings(Parser))
    note = nodes.note()
    note += nodes.paragraph(text="A note that is long enough to count, but inside a box.")
    document += nodes.paragraph(text="Short.")
    document += note
    document += nodes.paragraph(text="What you will do: train a model with Optax and PyTorch.")
    assert lightpages.first_paragraph(document).startswith("What you will do")


def test_shorten_cuts_at_a_word():
    text = "word " * 60
    short = lightpages.shorten(text)
    assert len(short) <= lightpages.DESCRIPTION_CHARS and short.endswith("word…")


def test_drop_scripts_keeps_other_scripts():
    head = ('<script src="a/searchtools.js"></script>\n<script src="keep.js"></script>\n'
            '<script defer src="x/fontawesome.js?digest=1"></script>')
    out = str(lightpages.drop_scripts(head, "searchtools.js", "fontawesome.js"))
    assert "keep.js" in out and "searchtools" not in out and "fontawesome" not in out


def theme_copy(tmp_path: Path) -> Path:
    """A tiny site: the installed theme's stylesheet and Font Awesome fonts, one page."""
    import pydata_sphinx_theme

    static = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
    site = tmp_path / "html"
    (site / "_static" / "styles").mkdir(parents=True)
    shutil.copy(static / "styles" / "pydata-sphinx-theme.css", site / "_static" / "styles")
    shutil.copytree(static / "vendor" / "fontawesome" / "webfonts",
                    site / "_static" / "vendor" / "fontawesome" / "webfonts")
    (site / "page.html").write_text(
        '<button><i class="fa-solid fa-sun"></i></button><a><i class="fab fa-github"></i></a>'
    )
    return site


def test_font_awesome_is_cut_to_the_icons_in_use(tmp_path):
    site = theme_copy(tmp_path)
    report = lightpages.slim_font_awesome(site)
    css = (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text()
    assert ".fa-sun:before" in css and ".fa-github:before" in css
    assert ".fa-fill-drip:before" not in css  # an icon no page uses
    assert report["css"][1] < report["css"][0] - 50_000
    for face, (before, after) in report["fonts"].items():
        assert after < before / 20, face
        assert f"{face}-subset.woff" in css
    from fontTools.ttLib import TTFont

    solid = TTFont(site / "_static/vendor/fontawesome/webfonts/fa-solid-900-subset.woff")
    sun = int(re.search(r'\.fa-sun:before\{content:"\\(f[0-9a-f]{3})"', css).group(1), 16)
    assert sun in solid.getBestCmap()
    # the admonition icons the theme draws from CSS variables stay in the font
    info = ord(re.search(r'--pst-icon-info-circle:"(.)"', css).group(1))
    assert info in solid.getBestCmap()


def test_icons_are_hidden_from_screen_readers(tmp_path):
    site = theme_copy(tmp_path)
    assert lightpages.hide_icons(site) == 2
    assert (site / "page.html").read_text().count('aria-hidden="true"') == 2
    assert lightpages.hide_icons(site) == 0  # once only


def test_purge_keeps_what_pages_and_scripts_name(tmp_path):
    site = theme_copy(tmp_path)
    (site / "_static" / "x.js").write_text('el.classList.add("navbar-nav")')
    css_path = site / "_static" / "styles" / "pydata-sphinx-theme.css"
    before = css_path.read_text()
    report = lightpages.purge_stylesheets(site)
    after = css_path.read_text()
    assert report["styles/pydata-sphinx-theme.css"] == (len(before), len(after))
    assert len(after) < len(before) / 2
    assert after.count("{") == after.count("}")
    assert after.count("@font-face") == before.count("@font-face")
    assert ".fa-sun:before" in after  # named by the page
    assert ".navbar-nav" in after  # named by a script only
    assert ".fa-fill-drip:before" not in after and ".carousel-item" not in after
    assert "--pst-color-primary" in after  # custom properties (html rules) stay


def test_lighten_svg_keeps_every_number_within_a_hundredth(tmp_path):
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 1, 50) ** 2, marker="o")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    light = lightpages.lighten_svg(svg)
    assert len(light) < 0.85 * len(svg)
    number = re.compile(r"-?\d+\.\d+|-?\d+")
    body = svg[svg.index("</metadata>"):]
    a = [float(x) for x in number.findall(body)]
    b = [float(x) for x in number.findall(light[light.index("<defs>") - 1:])]
    assert len(a) == len(b) and max(abs(x - y) for x, y in zip(a, b)) < 0.01


# --- issue 22: the header's toggles, and a site of only what pages load ------------------


def test_header_toggles_are_dropped_and_nothing_else():
    header = ('<div class="bd-header__inner"><button class="pst-navbar-icon sidebar-toggle '
              'primary-toggle" aria-label="Site navigation">\n<span class="fa-solid fa-bars">'
              '</span>\n</button><div class="navbar-item"><button class="btn search">S</button>'
              '</div><button class="pst-navbar-icon sidebar-toggle secondary-toggle" '
              'aria-label="On this page"><span></span></button></div>')
    out = str(lightpages.drop_header_toggles(header))
    assert "primary-toggle" not in out and "secondary-toggle" not in out
    assert '<button class="btn search">S</button>' in out
    visible = '<button class="sidebar-toggle primary-toggle btn btn-sm" title="T"></button>'
    assert str(lightpages.drop_header_toggles(visible)) == visible


def test_prune_keeps_what_pages_and_stylesheets_name(tmp_path):
    site = tmp_path / "html"
    static = site / "_static"
    for rel, text in {
        "_static/styles/theme.css": '@import "../basic.css";',
        "_static/basic.css": "a { background: url(file.png); }",
        "_static/file.png": "png",
        "_static/unused.png": "png",
        "_static/scripts/app.js": "js",
        "_static/scripts/app.js.LICENSE.txt": "MIT",
        "_static/scripts/app.js.map": "{}",
        "_static/scripts/big.js": "never loaded",
        "_static/scripts/big.js.LICENSE.txt": "MIT",
        "_static/locales/fr/LC_MESSAGES/sphinx.mo": "mo",
        "_static/mathjax/input/tex/extensions/cancel.js": "on demand",
        "_images/fig.svg": "<svg/>",
        ".buildinfo": "x",
        "book/page.html": ('<link href="../_static/styles/theme.css?digest=1" rel="stylesheet">'
                           '<script src="../_static/scripts/app.js"></script>'
                           '<img src="../_images/fig.svg"><a href="https://example.org/x.js">'),
    }.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    files, size = lightpages.prune_unloaded(site)
    left = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert left == ["_images/fig.svg", "_static/basic.css", "_static/file.png",
                    "_static/mathjax/input/tex/extensions/cancel.js",
                    "_static/scripts/app.js", "_static/scripts/app.js.LICENSE.txt",
                    "_static/styles/theme.css", "book/page.html"]
    assert files == 6 and size == len("png{}never loadedMITmox")
    assert not (static / "locales").exists()  # empty folders go too


def test_fold_toggles_are_named_by_their_visible_text():
    from lightpages import FOLD_LABEL, _name_fold_toggles_by_their_text

    context = {"body": f'<details>{FOLD_LABEL}<p class="collapsed">Show code</p></summary>'}
    _name_fold_toggles_by_their_text(None, "p", "page.html", context, None)
    assert context["body"] == '<details><summary><p class="collapsed">Show code</p></summary>'
