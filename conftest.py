"""Repository-wide pytest set-up.

* ``--site`` turns on the slow tests that build the Jupyter Book (marked ``site``
  and ``browser``); without it they are skipped.
* With ``--nbmake``, every MyST markdown notebook in ``book/`` becomes one test that
  executes the page in ``book/``, exactly as the site build does. nbmake itself only
  collects ``*.ipynb`` files, so this plugin converts each page with jupytext into a
  hidden, temporary ``book/.nbmake_<page>.ipynb`` and hands it to nbmake's runner
  (which is why nbmake is pinned: this touches its internals).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


def pytest_collection_modifyitems(config, items):
    if config.getoption("--site"):
        return
    skip = pytest.mark.skip(reason="builds the site: run with --site (make test does)")
    for item in items:
        if "site" in item.keywords or "browser" in item.keywords:
            item.add_marker(skip)


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
