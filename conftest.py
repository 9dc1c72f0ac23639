"""Repository-wide pytest set-up.

* ``--site`` turns on the slow tests that build the Jupyter Book (marked ``site``
  and ``browser``); without it they are skipped.
* With ``--nbmake``, every MyST markdown notebook in ``book/`` becomes one test whose
  page is executed in ``book/``, as the site build does (``tests/myst_nbmake.py``).
  When collection ends, all pages start executing in the background,
  ``--page-workers`` at a time, while the other tests run.
* With ``--site``, the full site build starts when collection ends too, in the
  background (``tests/conftest.py``); this process, and the page kernels it starts,
  then lower their CPU priority (``yield_to_build``), so the build comes first.
* Order (``make test`` runs everything): unit and static tests first, then the site
  tests that build tiny books of their own (drills), then everything that reads the
  session's full site build (browser tests included), then the page results and the
  tests that compare them with the build.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import jax
import pytest

jax.config.update("jax_enable_x64", True)  # the pages' first cell does the same

os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# The page tests run the build-only checks too (optimlab/checks.py).
os.environ.setdefault("OPTIMLAB_BUILD_CHECKS", "1")

ROOT = Path(__file__).resolve().parent


def pytest_addoption(parser):
    parser.addoption(
        "--site",
        action="store_true",
        default=False,
        help="also build the site and run the build, drill and browser tests (slow)",
    )
    parser.addoption(
        "--page-workers",
        type=int,
        default=2,
        help="with --nbmake: how many pages execute at once (default 2)",
    )


def run_order(item) -> int:
    """0: unit and static tests, 1: site tests with books of their own (drills),
    2: tests of the session's full site build, 3: page executions and the tests that
    read them (marked ``page_results``). The site build ends long before the page tests
    (it comes first, conftest.py), so its tests, the browser's above all, run while the
    last pages are still executing, instead of after them."""
    if getattr(item, "nbmake", False) or "page_results" in item.keywords:
        return 3
    if "built_site" in getattr(item, "fixturenames", ()):
        return 2
    if "site" in item.keywords or "browser" in item.keywords:
        return 1
    return 0


def pytest_collection_modifyitems(config, items):
    items[:] = sorted(items, key=run_order)  # a stable sort: each group keeps its order
    if config.getoption("--site"):
        return
    skip = pytest.mark.skip(reason="builds the site: run with --site (make test does)")
    for item in items:
        if "site" in item.keywords or "browser" in item.keywords:
            item.add_marker(skip)


# How much lower the test process's CPU priority goes once the site build has started.
YIELD_TO_BUILD = 10
YIELDED: list = []  # [True] once yield_to_build has run


def yield_to_build() -> None:
    """Lower the CPU priority of this process and of everything it starts from now on
    (page kernels, drills, browsers), so that the site build's kernels come first.

    With autogroup scheduling (Linux's default on desktops and on this machine) nice
    values only rank processes within one session; each Jupyter kernel starts a session
    of its own. So this process's session (autogroup) gets the nice value too, and the
    kernels it starts set theirs at start-up (OPTIMLAB_KERNEL_NICE, read by
    tools/ipython_kernel_config.py). The build itself runs in a session of its own
    (tests/conftest.py), started before this. Once per session (``os.nice`` adds up)."""
    if YIELDED:
        return
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write(str(YIELD_TO_BUILD))
    except OSError:
        pass  # no autogroups here: plain nice is enough
    os.nice(YIELD_TO_BUILD)
    os.environ["OPTIMLAB_KERNEL_NICE"] = str(YIELD_TO_BUILD)
    YIELDED.append(True)


def pytest_collection_finish(session):
    """Start the session's full site build (tests/conftest.py), then execute the pages
    (tests/myst_nbmake.py), both in the background."""
    if session.config.option.collectonly:
        return
    site = sys.modules.get("tests.conftest")
    if site is not None and site.start_site_build(session):
        yield_to_build()
    if session.config.option.nbmake:
        from tests.myst_nbmake import start_pool

        start_pool(session)


def pytest_sessionfinish(session):
    if "tests.myst_nbmake" in sys.modules:
        sys.modules["tests.myst_nbmake"].stop_pool()
    if "tests.conftest" in sys.modules:
        sys.modules["tests.conftest"].stop_site_build()


# Wall seconds of the tests in each part of the run, and when the session started.
PARTS: dict[str, float] = {}
SESSION_START = [0.0]


def part(item) -> str:
    order = run_order(item)
    if order == 2:
        return "browser tests" if "browser" in item.keywords else "tests of the site build"
    return ["unit and static tests", "drills (tiny books)", "", "page results"][order]


def pytest_sessionstart(session):
    SESSION_START[0] = time.perf_counter()
    site = sys.modules.get("tests.conftest")
    if site is not None and site.start_site_build_early(session.config):
        yield_to_build()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    PARTS[part(item)] = PARTS.get(part(item), 0.0) + time.perf_counter() - start


def pytest_terminal_summary(terminalreporter):
    if PARTS:
        terminalreporter.section("where the time went (wall seconds)")
        total = time.perf_counter() - SESSION_START[0]
        terminalreporter.write_line(f"{total:7.1f} s  the whole session")
        for name, seconds in PARTS.items():
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
        browser = getattr(sys.modules.get("tests.test_browser"), "background_span", None)
        span = browser() if browser else None
        if span is not None:
            start, end = (t - SESSION_START[0] for t in span)
            terminalreporter.write_line(
                f"{end - start:7.1f} s  browser visits, in the background "
                f"({start:.0f} s to {end:.0f} s after the start)"
            )
        terminalreporter.write_line(
            "(the page executions, the site build and the browser visits run in the "
            "background meanwhile: the tests that read them are mostly waiting)"
        )
    pool = getattr(sys.modules.get("tests.myst_nbmake"), "POOL", None)
    if pool is None:
        return
    if pool.wall_s is None:
        terminalreporter.section("page executions (pytest --nbmake)")
        why = pool.error or "the session ended first"
        terminalreporter.write_line(f"the page executions did not finish: {why}")
        return
    runs = sorted(pool.runs.values(), key=lambda r: r.seconds, reverse=True)
    terminalreporter.section("page executions (pytest --nbmake)")
    quick = os.environ.get("OPTIMLAB_QUICK_TIMING", "1") == "1"
    terminalreporter.write_line(
        f"{len(runs)} pages, {pool.workers} at a time, quick timing {'on' if quick else 'off'}:"
        f" {pool.wall_s:.1f} s wall, {sum(r.seconds for r in runs):.1f} s summed"
    )
    for run in runs:
        status = "ok" if run.error is None else "FAILED"
        terminalreporter.write_line(f"{run.seconds:7.1f} s  {run.source.name}  {status}")


def is_myst_notebook(path: Path) -> bool:
    """True for a markdown file whose front matter declares jupytext's MyST format."""
    if path.suffix != ".md" or "_build" in path.parts or path.name.startswith("."):
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "format_name: myst" in head


def pytest_collect_file(file_path: Path, parent):
    if parent.config.option.nbmake and is_myst_notebook(file_path):
        from tests.myst_nbmake import MystNotebookFile

        return MystNotebookFile.from_parent(parent, path=file_path)
    return None
