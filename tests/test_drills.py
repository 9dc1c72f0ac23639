"""Failure drills (issue 2 "Must show", issue 5 item 6): every way the site can go wrong
fails loudly, and a changed helper always reaches the rebuilt page.

Drills (a)-(c) build a TINY book in a temporary folder with the real ``tools/build.sh``
and a copy of the real ``_config.yml`` (a few seconds each), and (c2) checks that a
plain ``jupyter-book build`` refuses the notebook cache after a change; drills (d) and
(d2) run ``pytest --nbmake`` in a subprocess on a temporary copy of the repository's page
plugin (a failing cell, a hanging cell);
drill (e) reads the session's full site build (``built_site``).

Drills (a)-(d2) all run at once, in threads, when the first of their tests asks (the
``drills`` fixture); each test then checks what its drill produced.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
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


def drill_failing_cell(tmp_path, build_book):
    book = tiny_book(
        tmp_path,
        {
            "index": page("Drill", "A book with one broken page."),
            "broken": page("Broken page", code_cell("x = 1"), code_cell(FAILING_CELL)),
        },
    )
    return book, build_book(book, book, offline=False)


def test_failing_cell_fails_the_build(drills, report_time):
    book, result = drills("failing cell")
    report_time(f"drill (a) failing cell: {result.wall_s:.1f} s")
    log = result.log
    assert result.returncode != 0, "a failing cell did not fail the build:\n" + excerpt(log)
    assert str(book / "book" / "broken.md") in log, "the message does not name the page"
    assert FAILING_CELL in log, "the message does not show the failing cell"
    assert "ValueError: drill: this cell fails on purpose" in log, "no traceback in the log"


# --- (b) a cell that hangs past the timeout fails the build -------------------------

HANGING_CELL = "import time\n\ntime.sleep(60)  # drill: hangs past the 5 s timeout"


def drill_hanging_cell(tmp_path, build_book):
    book = tiny_book(
        tmp_path,
        {
            "index": page("Drill", "A book with one page that hangs."),
            "hangs": page("Hanging page", code_cell("x = 1"), code_cell(HANGING_CELL)),
        },
        timeout=5,
    )
    return book, build_book(book, book, offline=False)


def test_hanging_cell_fails_the_build(drills, report_time):
    book, result = drills("hanging cell")
    report_time(f"drill (b) hanging cell (5 s timeout): {result.wall_s:.1f} s")
    log = result.log
    assert result.returncode != 0, "a hanging cell did not fail the build:\n" + excerpt(log)
    assert str(book / "book" / "hangs.md") in log, "the message does not name the page"
    assert re.search(r"timed out", log), "the message does not say the cell timed out"
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


def drill_changed_helper(tmp_path, build_book) -> dict:
    """Two builds with a helper change between them, then a third change and a plain
    ``jupyter-book build``; what each step showed, for the test to check."""
    book = tiny_book(tmp_path, {"fresh": FRESH_PAGE})
    helper = book / "book" / "drill_helper.py"
    source = book / "book" / "fresh.md"
    html = book / "_build" / "html" / "book" / "fresh.html"
    seen: dict = {}

    helper.write_text('VALUE = "first build"\n', encoding="utf-8")
    seen["first"] = build_book(book, book, offline=False)
    if seen["first"].returncode != 0:
        return seen
    seen["first text"] = html_text(html)

    # Change the helper module only: the page's source stays byte for byte (and its
    # modification time) as it was. (Values of different lengths, so Python's bytecode
    # cache, keyed on source size and mtime in seconds, cannot serve the old module.)
    stamp = source.stat().st_mtime_ns
    helper.write_text('VALUE = "second build, after the helper changed"\n', encoding="utf-8")
    seen["second"] = build_book(book, book, offline=False)
    seen["source unchanged"] = source.stat().st_mtime_ns == stamp
    if seen["second"].returncode != 0:
        return seen
    seen["second text"] = html_text(html)

    # (c2) Only tools/build.sh fills the notebook cache (tools/execute_pages.py). After
    # another helper change, a plain `jupyter-book build` (no wipe, no execution) would
    # serve the cached outputs of the old helper: it stops before reading a page instead.
    helper.write_text('VALUE = "third"\n', encoding="utf-8")
    jb = os.environ.get("JUPYTER_BOOK") or str(ROOT / ".venv" / "bin" / "jupyter-book")
    seen["plain"] = subprocess.run([jb, "build", str(book), "--all"], capture_output=True,
                                   text=True, timeout=300, cwd=book)
    seen["after plain"] = html_text(html)
    return seen


def test_changed_helper_reaches_the_rebuilt_page(drills, report_time):
    seen = drills("changed helper")
    first = seen["first"]
    assert first.returncode == 0, excerpt(first.log)
    assert "The helper says first build ." in seen["first text"]
    second = seen["second"]
    report_time(
        f"drill (c) helper change: {first.wall_s:.1f} s + {second.wall_s:.1f} s (two builds)"
    )
    assert second.returncode == 0, excerpt(second.log)
    assert seen["source unchanged"]
    text = seen["second text"]
    assert "The helper says second build, after the helper changed ." in text, text
    assert "first build" not in text

    plain = seen["plain"]
    said = ANSI.sub("", plain.stdout + plain.stderr)
    assert plain.returncode != 0, excerpt(said)
    assert "was filled before the book's sources last changed" in said, excerpt(said)
    assert "make html" in said
    assert "The helper says second build" in seen["after plain"]  # the page was not rewritten


# --- (d) pytest --nbmake fails a page with a failing cell ---------------------------

NBMAKE_INI = """[pytest]
pythonpath = book .
"""
REAL_PAGE = "build_report"  # a real page that executes in a few seconds
PASSING_PAGE = page(
    "Passing page",
    code_cell(
        """
from optimlab.data import make_problem

problem = make_problem()
assert problem.n == 10_000
"""
    ),
)


def plugin_repository(where: Path) -> None:
    """A throwaway repository in ``where`` with the page plugin only: conftest.py,
    tests/myst_nbmake.py and a pytest.ini."""
    shutil.copy(ROOT / "conftest.py", where / "conftest.py")
    (where / "tests").mkdir()
    for name in ("__init__.py", "myst_nbmake.py"):
        shutil.copy(ROOT / "tests" / name, where / "tests" / name)
    (where / "pytest.ini").write_text(NBMAKE_INI, encoding="utf-8")


def drill_nbmake_failing_cell(tmp_path, build_book):
    # A throwaway repository: the page plugin (conftest.py + tests/myst_nbmake.py), the
    # helper package, a copy of a real page with a failing cell appended, a passing page.
    plugin_repository(tmp_path)
    shutil.copytree(
        ROOT / "book" / "optimlab",
        tmp_path / "book" / "optimlab",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    real = (ROOT / "book" / f"{REAL_PAGE}.md").read_text(encoding="utf-8")
    broken = tmp_path / "book" / f"{REAL_PAGE}_broken.md"
    broken.write_text(real.rstrip() + "\n\n" + code_cell(FAILING_CELL), encoding="utf-8")
    (tmp_path / "book" / "passing.md").write_text(PASSING_PAGE, encoding="utf-8")
    n_cells = sum(c.cell_type == "code" for c in jupytext.read(broken).cells)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "book", "-p", "no:cacheprovider",
         "-c", "pytest.ini", "--rootdir", ".", "-q"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return tmp_path, n_cells, run, time.perf_counter() - start


def test_nbmake_fails_a_page_with_a_failing_cell(drills, report_time):
    tmp_path, n_cells, run, wall = drills("nbmake failing cell")
    report_time(f"drill (d) pytest --nbmake, 2 pages: {wall:.1f} s")
    out = ANSI.sub("", run.stdout + run.stderr)  # IPython colours its tracebacks
    assert run.returncode == 1, f"pytest exited {run.returncode}:\n{out}"
    assert re.search(r"\b1 failed, 1 passed\b", out), out
    assert f"FAILED book/{REAL_PAGE}_broken.md" in out, out
    assert f"{REAL_PAGE}_broken.md, code cell {n_cells}" in out, "no page and cell:\n" + out
    assert FAILING_CELL in out, "the failing cell is not shown:\n" + out
    assert "ValueError: drill: this cell fails on purpose" in out, "no traceback:\n" + out
    leftovers = list((tmp_path / "book").glob(".nbmake_*"))
    assert not leftovers, f"temporary notebooks left behind: {leftovers}"
    kept = tmp_path / "_build" / "nbmake" / "book" / "passing.ipynb"
    assert kept.is_file(), "the executed notebook was not kept for the reproducibility test"


# --- (d2) pytest --nbmake fails a page with a hanging cell ----------------------------


def drill_nbmake_hanging_cell(tmp_path, build_book):
    plugin_repository(tmp_path)
    (tmp_path / "book").mkdir()
    hangs = tmp_path / "book" / "hangs.md"
    hangs.write_text(page("Hanging page", code_cell("x = 1"), code_cell(HANGING_CELL)), "utf-8")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "--nbmake-timeout=5", "book",
         "-p", "no:cacheprovider", "-c", "pytest.ini", "--rootdir", ".", "-q"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return run, time.perf_counter() - start


def test_nbmake_fails_a_page_with_a_hanging_cell(drills, report_time):
    run, wall = drills("nbmake hanging cell")
    report_time(f"drill (d2) pytest --nbmake, hanging cell (5 s timeout): {wall:.1f} s")
    out = ANSI.sub("", run.stdout + run.stderr)
    assert run.returncode == 1, f"pytest exited {run.returncode}:\n{out}"
    assert re.search(r"\b1 failed\b", out), out
    assert "FAILED book/hangs.md" in out, out
    assert "hangs.md, code cell 2" in out, "no page and cell:\n" + out
    assert re.search(r"timed out", out), "the message does not say the cell timed out:\n" + out
    assert wall < 60, f"the hanging page was not stopped at its timeout ({wall:.0f} s)"


# --- all drills at once -----------------------------------------------------------------

DRILLS = {
    "changed helper": drill_changed_helper,  # the longest first: three builds in a row
    "failing cell": drill_failing_cell,
    "hanging cell": drill_hanging_cell,
    "nbmake failing cell": drill_nbmake_failing_cell,
    "nbmake hanging cell": drill_nbmake_hanging_cell,
}


@pytest.fixture(scope="module")
def drills(tmp_path_factory, build_book):
    """``drills(name)``: what the drill ``name`` of :data:`DRILLS` produced (or the
    exception it raised, raised again here).

    All of them run at once when the first drill test asks, each in its own folder:
    they are subprocesses that mostly wait (Sphinx starting, the 5 s timeouts), so
    side by side they take about the time of the longest instead of the sum."""
    with ThreadPoolExecutor(len(DRILLS)) as pool:
        futures = {
            name: pool.submit(run, tmp_path_factory.mktemp(name.replace(" ", "-")), build_book)
            for name, run in DRILLS.items()
        }
        done = {name: future.exception() or future.result() for name, future in futures.items()}

    def get(name: str):
        if isinstance(done[name], BaseException):
            raise done[name]
        return done[name]

    return get


# --- (e) with no GPU, the timing pages say so ----------------------------------------

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
