"""Which hidden checks a page runs: everywhere, or only where the site is built.

Most hidden asserts on a page hold on any machine (a loss agrees with the closed form,
two frameworks agree). A few only make sense on the machine that builds the site:
orderings of timings, and agreement with the lecture's printed floats to the last bit.
Pages wrap those in ``if build_checks():`` so that a reader who downloads a notebook
and runs it on other hardware is not stopped by a check about *our* hardware.

The site build (``tools/build.sh``) and the test suite's page runs set
``OPTIMLAB_BUILD_CHECKS=1``; a reader's Jupyter or Colab session does not.
"""

from __future__ import annotations

import os

ENV = "OPTIMLAB_BUILD_CHECKS"


def build_checks(environ=None) -> bool:
    """True where build-only checks run (``OPTIMLAB_BUILD_CHECKS=1``).

    ``environ`` defaults to ``os.environ``.

    >>> build_checks({ENV: "1"}), build_checks({ENV: "0"}), build_checks({})
    (True, False, False)
    """
    environ = os.environ if environ is None else environ
    return environ.get(ENV, "") == "1"


# How many pages the site build executes at once, besides those that run alone
# (tools/execute_pages.py; the build report says it).
BUILD_WORKERS = 2


def front_matter(page) -> dict:
    """A page's YAML front matter (``{}`` without one, or for a missing file)."""
    from pathlib import Path

    import yaml

    page = Path(page)
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    if not text.startswith("---"):
        return {}
    return yaml.safe_load(text[3:].split("\n---", 1)[0]) or {}


def runs_alone(page) -> bool:
    """True when a page's front matter says ``optimlab: {run_alone: true}``.

    Pages that time something say so; the site build then executes them with no other
    page beside it (``tools/execute_pages.py``), and the rest ``BUILD_WORKERS`` at a
    time.

    >>> import tempfile, pathlib
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "p.md"
    >>> _ = page.write_text("---\\noptimlab:\\n  run_alone: true\\n---\\n# A page\\n")
    >>> runs_alone(page), runs_alone(page.with_name("none.md"))
    (True, False)
    """
    return bool((front_matter(page).get("optimlab") or {}).get("run_alone"))
