"""Failure drills: every way the site can go wrong fails loudly, and a changed helper
always reaches the rebuilt page.

Drills (a)-(c) build a TINY book in a temporary folder with the real ``tools/build.sh``
(pages executed under ``pytest --nbmake``, then jupyter-book) and a copy of the real
``_config.yml``; (d) reads the last full site build (``built_site``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
pytestmark = pytest.mark.site

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def code_cell(source: str) -> str:
    return f"```{{code-cell}} ipython3\n{source.strip()}\n```\n"


def page(title: str, *blocks: str) -> str:
    """A MyST notebook page: the jupytext header, an H1, then markdown/code blocks."""
    return HEADER + f"\n# {title}\n\n" + "\n".join(blocks)


def tiny_book(where: Path, pages: dict[str, str], *, timeout: int | None = None) -> Path:
    """A book in ``where`` with the repository's ``_config.yml`` and ``pages``.

    ``pages`` maps a stem to its source; the first is the root of the table of contents.
    ``timeout`` replaces the per-cell timeout of ``_config.yml``. Local Sphinx extensions
    that ``_config.yml`` loads from the repository (``tools/``) are linked in.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    if timeout is not None:
        config["execute"]["timeout"] = timeout
    (where / "book").mkdir(parents=True, exist_ok=True)
    (where / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for path in (config.get("sphinx", {}).get("local_extensions") or {}).values():
        top = Path(os.path.normpath(path)).parts[0]
        if top != "book" and not (where / top).exists():
            (where / top).symlink_to(ROOT / top, target_is_directory=True)
    stems = list(pages)
    toc = {"format": "jb-book", "root": f"book/{stems[0]}"}
    if stems[1:]:
        toc["chapters"] = [{"file": f"book/{stem}"} for stem in stems[1:]]
    (where / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    for stem, source in pages.items():
        (where / "book" / f"{stem}.md").write_text(source, encoding="utf-8")
    return where


def html_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text(" ").split())


def excerpt(log: str, lines: int = 60) -> str:
    return "\n".join(log.splitlines()[-lines:])


# --- (a) a failing cell fails the build ---------------------------------------------

FAILING_CELL = 'raise ValueError("drill: this cell fails on purpose")'


def test_failing_cell_fails_the_build(tmp_path, build_book):
    book = tiny_book(tmp_path, {
        "index": page("Drill", "A book with one broken page."),
        "broken": page("Broken page", code_cell("x = 1"), code_cell(FAILING_CELL)),
    })
    result = build_book(book, book)
    log = result.log
    assert result.returncode != 0, "a failing cell did not fail the build:\n" + excerpt(log)
    assert "broken.ipynb" in log, "the message does not name the page"
    assert "drill: this cell fails on purpose" in log, "the message does not show the error"
    assert not (book / "_build" / "html" / "book" / "broken.html").exists()


# --- (b) a hanging cell fails the build ---------------------------------------------

HANGING_CELL = "import time\n\ntime.sleep(60)  # drill: hangs past the 5 s timeout"


def test_hanging_cell_fails_the_build(tmp_path, build_book):
    book = tiny_book(tmp_path, {
        "index": page("Drill", "A book with one page that hangs."),
        "hangs": page("Hanging page", code_cell("x = 1"), code_cell(HANGING_CELL)),
    }, timeout=5)
    result = build_book(book, book)
    log = result.log
    assert result.returncode != 0, "a hanging cell did not fail the build:\n" + excerpt(log)
    assert "hangs.ipynb" in log, "the message does not name the page"
    assert re.search(r"timed out|Timeout", log), "the message does not say the cell timed out"
    assert "time.sleep(60)" in log, "the message does not show the hanging cell"


# --- (c) a changed helper reaches the rebuilt page ----------------------------------

FRESH_PAGE = page(
    "Fresh page",
    code_cell(
        """
from myst_nb import glue
from drill_helper import VALUE

glue("drill_value", VALUE, display=False)
"""
    ),
    "The helper says {glue:text}`drill_value`.\n",
)


def test_changed_helper_reaches_the_rebuilt_page(tmp_path, build_book):
    """Two builds with only a helper module changed between them: the page's source
    stays byte for byte as it was, and the second build shows the new value."""
    book = tiny_book(tmp_path, {"fresh": FRESH_PAGE})
    helper = book / "book" / "drill_helper.py"
    source = book / "book" / "fresh.md"
    html = book / "_build" / "html" / "book" / "fresh.html"
    helper.write_text('VALUE = "first build"\n', encoding="utf-8")
    first = build_book(book, book)
    assert first.returncode == 0, excerpt(first.log)
    assert "The helper says first build ." in html_text(html)

    stamp = source.stat().st_mtime_ns
    # (Values of different lengths, so Python's bytecode cache, keyed on source size
    # and mtime in seconds, cannot serve the old module.)
    helper.write_text('VALUE = "second build, after the helper changed"\n', encoding="utf-8")
    second = build_book(book, book)
    assert second.returncode == 0, excerpt(second.log)
    assert source.stat().st_mtime_ns == stamp
    text = html_text(html)
    assert "The helper says second build, after the helper changed ." in text, text
    assert "first build" not in text


# --- (d) with no GPU, the timing pages say so ----------------------------------------

TIMING_PAGES = ("batch_size_runtime", "torch_timings")


@pytest.mark.parametrize("stem", TIMING_PAGES)
def test_timing_pages_say_when_there_is_no_gpu(built_site, stem):
    from optimlab.machine import gpu_sentence, gpus

    if gpus():
        pytest.skip(f"this machine has a GPU ({', '.join(gpus())})")
    html = built_site.html / "book" / f"{stem}.html"
    assert html.is_file(), f"{stem} was not built"
    sentence = " ".join(gpu_sentence().split())
    assert sentence in html_text(html), f"{stem} does not say that no GPU was present"
