"""Fixtures for the site tests (marked ``site`` or ``browser``; run with ``--site``).

``built_site`` is the site that ``make html`` (tools/build.sh) built last, in
``_build/`` (or ``$SITE_OUTPUT/_build``): ``make test`` builds it, executing every page
once under ``pytest --nbmake``, and then runs these tests on it, so the site that is
tested is the site that CI publishes. ``build_book`` runs tools/build.sh on a book of a
test's own (the failure drills).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_SH = ROOT / "tools" / "build.sh"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class SiteBuild:
    """One run of ``tools/build.sh``: where it went and what it printed."""

    out: Path  # the OUTPUT_DIR given to tools/build.sh
    returncode: int
    log: str  # what the build printed, colour codes removed

    @property
    def build_dir(self) -> Path:
        return self.out / "_build"

    @property
    def html(self) -> Path:
        return self.build_dir / "html"

    @property
    def executed(self) -> Path:
        """Where MyST-NB writes the executed notebooks (``jupyter_execute``)."""
        return self.build_dir / "jupyter_execute"

    @property
    def log_path(self) -> Path:
        return self.build_dir / "build.log"


def run_build(book: Path, out: Path, *, timeout: float = 900) -> SiteBuild:
    """Run ``tools/build.sh BOOK OUT`` to the end (a test's own book)."""
    try:
        done = subprocess.run([str(BUILD_SH), str(book), str(out)], capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT)
        rc, log = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as err:
        rc, log = -9, f"{err.stdout or ''}{err.stderr or ''}\n[killed after {timeout} s]"
        log = log if isinstance(log, str) else log.decode(errors="replace")
    return SiteBuild(out=Path(out), returncode=rc, log=ANSI.sub("", log))


@pytest.fixture(scope="session")
def built_site() -> SiteBuild:
    """The last site build (see the module docstring); fails clearly if there is none."""
    out = Path(os.environ.get("SITE_OUTPUT") or ROOT).resolve()
    log = out / "_build" / "build.log"
    if not (log.is_file() and (out / "_build" / "html" / "index.html").is_file()):
        pytest.fail(f"no built site in {out / '_build'}: run `make html` first "
                    "(`make test` builds it, then runs these tests)", pytrace=False)
    text = ANSI.sub("", log.read_text(encoding="utf-8", errors="replace"))
    return SiteBuild(out=out, returncode=0 if "build succeeded" in text else 1, log=text)


@pytest.fixture(scope="session")
def build_book():
    """``run_build`` itself, for tests that build a book of their own (drills)."""
    return run_build


_REPORTED: list[str] = []


@pytest.fixture(scope="session")
def report_time():
    """``report_time(line)`` prints ``line`` and repeats it in pytest's terminal summary."""

    def report(line: str) -> None:
        print(line)
        _REPORTED.append(line)

    return report


def pytest_terminal_summary(terminalreporter):
    if _REPORTED:
        terminalreporter.section("measured")
        for line in _REPORTED:
            terminalreporter.write_line(line)
