"""Repository-wide pytest set-up.

* Plain ``pytest``: the unit tests and the helper package's doctests.
* ``pytest --site``: also the tests of the built site (marked ``site`` or ``browser``):
  the build itself, its links, the failure drills, the notebooks and the browser tests.
  They read the site that ``make html`` (tools/build.sh) built last, in which every page
  was executed once, as a test of ``pytest --nbmake``; ``make test`` runs both.
"""

from __future__ import annotations

import os

import jax
import pytest

jax.config.update("jax_enable_x64", True)  # the pages' first cell does the same

os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def pytest_addoption(parser):
    parser.addoption(
        "--site",
        action="store_true",
        default=False,
        help="also run the tests of the built site (make html first; make test does)",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--site"):
        return
    skip = pytest.mark.skip(reason="reads the built site: run with --site (make test does)")
    for item in items:
        if "site" in item.keywords or "browser" in item.keywords:
            item.add_marker(skip)
