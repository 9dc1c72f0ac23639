"""Fixtures for the site tests (marked ``site``; they run only with ``pytest --site``).

``built_site`` builds the whole site ONCE per test session with ``tools/build.sh``,
exactly as ``make html`` does, and hands the result to every test that asks for it
(build, links, drills, reproducibility, browser tests).

* When: as soon as the session starts (``conftest.py`` calls
  ``start_site_build_early``; stopped again after collection if no test reads it), in
  the background, so the build (which executes its pages two at a time, timing pages
  alone) runs beside the unit tests and the page tests instead of after them. The
  moment it succeeds, the browser tests' page visits start, in the background too
  (tests/test_browser.py, ``start_visits``). The
  test process and everything it starts afterwards (page kernels, drills) run at a
  lower CPU priority (``nice``, on their sessions' autogroups too: conftest.py,
  ``yield_to_build``), so the build comes first and its timings stay clean.

* Where: into the repository's own ``_build/`` (the real site: screenshots and the
  like land beside it), with stdout and stderr captured in ``_build/build.log``.
* Offline: where ``unshare -n`` is permitted (root, or user namespaces allowed), the
  build runs in a fresh network namespace that has only a loopback interface (the
  kernels talk to Jupyter Book over 127.0.0.1), so the one build also proves the site
  needs no network. ``SiteBuild.offline`` says whether it did.

Development switches (never set them in CI):

* ``SITE_OUTPUT=/some/dir``: build into ``/some/dir/_build`` instead of the
  repository's ``_build`` (several people can build at once without clobbering).
* ``SITE_REUSE=1``: if a finished build (``_build/build.log`` and
  ``_build/build.json``) is already in the output directory, use it instead of
  building again. The reused site may be stale: it shows whatever was built last.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.myst_nbmake import source_digest

ROOT = Path(__file__).resolve().parent.parent
BUILD_SH = ROOT / "tools" / "build.sh"
BUILD_TIMEOUT_S = 3600
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Run inside ``unshare -n``: bring up loopback (for the kernels), record which network
# interfaces exist (the log's first line), then become tools/build.sh.
OFFLINE_SCRIPT = (
    "ip link set lo up && "
    'echo "[offline build] network interfaces: '
    "$(ip -o link show | cut -d: -f2 | tr -d ' ' | tr '\\n' ' ')\" && "
    'exec "$@"'
)


@dataclass(frozen=True)
class SiteBuild:
    """One run of ``tools/build.sh``: where it went and how it ended."""

    out: Path  # the OUTPUT_DIR given to tools/build.sh
    returncode: int
    log: str  # stdout + stderr of the build, colour codes removed
    wall_s: float
    offline: bool  # built inside ``unshare -n`` (no network but loopback)
    offline_note: str  # why not offline, when it was not
    reused: bool = False  # SITE_REUSE=1 picked up an earlier build
    sources: str = ""  # source_digest() of the book when the build started
    sources_changed: bool = False  # the sources changed while it ran (someone edited)
    load: tuple = ()  # 1-minute load average when the build started and when it ended

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


@cache
def offline_prefix() -> tuple[tuple[str, ...], str]:
    """Command prefix that runs a command without network, or ``()`` and the reason."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return (), "unshare or ip (iproute2) is not installed"
    try:
        probe = subprocess.run(
            ["unshare", "-n", "sh", "-c", "ip link set lo up"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return (), f"unshare -n failed: {err}"
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return (), f"unshare -n is not permitted here ({why})"
    return ("unshare", "-n", "sh", "-c", OFFLINE_SCRIPT, "sh"), ""


def start_build(book: Path, out: Path, *, offline: bool = True, timeout: float = BUILD_TIMEOUT_S):
    """Start ``tools/build.sh BOOK OUT`` now; return ``finish()``, which waits for it,
    logs to ``OUT/_build/build.log`` and returns a SiteBuild.

    With ``offline=True`` the build runs under ``unshare -n`` where that is permitted.
    A summary (return code, wall time, offline, load) goes to ``OUT/_build/build.json``.
    """
    prefix, note = offline_prefix() if offline else ((), "offline not requested")
    build_dir = Path(out) / "_build"
    build_dir.mkdir(parents=True, exist_ok=True)
    log_path = build_dir / "build.log"
    cmd = [*prefix, str(BUILD_SH), str(book), str(out)]
    sources = source_digest(book)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed by finish)
    # A session of its own: its own autogroup, which the test process's lowered
    # priority does not touch (conftest.py, yield_to_build).
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            start_new_session=True)
    # When the build ended, whenever a test first asks for it (the wall time is the
    # build's own, not the time until then); then what is to start the moment a build
    # succeeds (``finish.when_built``: functions of the html folder).
    ended: list[float] = []
    on_success: list = []
    lock = threading.Lock()
    html = build_dir / "html"

    def succeeded() -> bool:
        return proc.returncode == 0 and (html / "index.html").is_file()

    def watch():
        proc.wait()
        with lock:
            ended.append(time.perf_counter())
            todo = list(on_success) if succeeded() else []
        for start_next in todo:
            start_next(html)

    def when_built(start_next) -> None:
        """Call ``start_next(html)`` the moment the build succeeds (now, if it has)."""
        with lock:
            if not ended:
                on_success.append(start_next)
                return
        if succeeded():
            start_next(html)

    threading.Thread(target=watch, daemon=True).start()

    def finish() -> SiteBuild:
        try:
            rc = proc.wait(timeout=max(1.0, timeout - (time.perf_counter() - start)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = -9
            log.write(f"\n[site tests] build killed after {timeout} s\n")
        wall = (ended[0] if ended else time.perf_counter()) - start
        log.close()
        text = ANSI.sub("", log_path.read_text(encoding="utf-8", errors="replace"))
        log_path.write_text(text, encoding="utf-8")
        result = SiteBuild(
            out=Path(out),
            returncode=rc,
            log=text,
            wall_s=wall,
            offline=bool(prefix),
            offline_note=note,
            sources=sources,
            sources_changed=source_digest(book) != sources,
            load=(load_before, os.getloadavg()[0]),
        )
        summary = {
            "returncode": rc,
            "wall_s": wall,
            "offline": result.offline,
            "note": note,
            "sources": sources,
            "sources_changed": result.sources_changed,
            "load": result.load,
        }
        (build_dir / "build.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        return result

    finish.proc = proc
    finish.when_built = when_built
    return finish


def run_build(book: Path, out: Path, *, offline: bool = True, timeout: float = BUILD_TIMEOUT_S):
    """Run ``tools/build.sh BOOK OUT`` to the end (see :func:`start_build`)."""
    return start_build(book, out, offline=offline, timeout=timeout)()


def load_build(out: Path) -> SiteBuild | None:
    """The finished build in ``OUT/_build`` (for SITE_REUSE=1), or None."""
    build_dir = Path(out) / "_build"
    log_path, summary_path = build_dir / "build.log", build_dir / "build.json"
    if not (log_path.is_file() and summary_path.is_file()):
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return SiteBuild(
        out=Path(out),
        returncode=summary["returncode"],
        log=log_path.read_text(encoding="utf-8", errors="replace"),
        wall_s=summary["wall_s"],
        offline=summary["offline"],
        offline_note=summary["note"],
        reused=True,
        sources=summary.get("sources", ""),
        sources_changed=summary.get("sources_changed", False),
        load=tuple(summary.get("load", ())),
    )


def site_output() -> Path:
    return Path(os.environ.get("SITE_OUTPUT") or ROOT).resolve()


# The session's full build, when start_site_build() started it early: {"finish": ...}.
_EARLY: dict = {}


def start_site_build_early(config) -> bool:
    """Start the session's full build before collection, in the background, when
    ``--site`` is on; True if it started.

    ``conftest.py`` calls this when the session starts: collecting the tests (importing
    JAX, PyTorch and the test modules) takes several seconds of one core, which the
    build's first pages use instead. Only for a run of the whole suite; otherwise the
    build starts after collection, if a collected test reads it.
    """
    if not config.getoption("--site") or config.option.collectonly:
        return False
    # Only for the whole suite (``make test``: no paths, no -k or -m), which always
    # reads the build: a run of a few tests would wipe the last site for nothing.
    whole = (config.args_source == pytest.Config.ArgsSource.TESTPATHS
             and not config.option.keyword and not config.option.markexpr)
    return whole and _start_session_build()


def _start_session_build() -> bool:
    """Start the session's full build into site_output(), unless SITE_REUSE=1 finds a
    finished one there; True if it started."""
    out = site_output()
    if os.environ.get("SITE_REUSE") == "1" and load_build(out) is not None:
        return False
    _EARLY["finish"] = start_build(ROOT, out)
    return True


def start_site_build(session) -> bool:
    """Once collection has ended: keep (or start) the session's full build if a
    collected test will read it (``built_site``) and ``--site`` is on; True if it runs.

    ``conftest.py`` calls this before the page tests start, so the build runs beside
    the unit and page tests, which yield the CPU to it (they run at a lower priority).
    The browser tests' page visits start the moment it succeeds, in the background
    (tests/test_browser.py, ``start_visits``).
    """
    needed = session.config.getoption("--site") and any(
        "built_site" in getattr(item, "fixturenames", ()) for item in session.items)
    if not needed:
        stop_site_build()  # started early for nothing
        _EARLY.clear()
        return False
    if "finish" not in _EARLY and not _start_session_build():
        return False
    browser = {item.module for item in session.items
               if "visits" in getattr(item, "fixturenames", ())
               and hasattr(getattr(item, "module", None), "start_visits")}
    for module in browser:
        _EARLY["finish"].when_built(module.start_visits)
    return True


def stop_site_build() -> None:
    """Kill the early build (its whole process group) if the session ends before any
    test read it; its kernels follow their parent out."""
    finish = _EARLY.get("finish")
    if finish is not None and finish.proc.poll() is None:
        try:
            os.killpg(finish.proc.pid, signal.SIGKILL)  # a session of its own: its group
        except OSError:
            finish.proc.kill()
        finish()


@pytest.fixture(scope="session")
def built_site() -> SiteBuild:
    """The whole site, built once per session (see the module docstring)."""
    if "finish" in _EARLY:
        return _EARLY["finish"]()
    out = site_output()
    if os.environ.get("SITE_REUSE") == "1":
        reused = load_build(out)
        if reused is not None:
            return reused
    return run_build(ROOT, out)


@pytest.fixture(scope="session")
def build_book():
    """``run_build`` itself, for tests that build a book of their own (drills, rebuilds)."""
    return run_build


# --- build times in the terminal summary -------------------------------------------

_TIMINGS: list[str] = []


@pytest.fixture(scope="session")
def report_time():
    """``report_time(line)`` prints ``line`` and repeats it in pytest's terminal summary."""

    def report(line: str) -> None:
        print(line)
        _TIMINGS.append(line)

    return report


def pytest_terminal_summary(terminalreporter):
    if _TIMINGS:
        terminalreporter.section("site build times")
        for line in _TIMINGS:
            terminalreporter.write_line(line)
