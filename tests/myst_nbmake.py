"""Execute the MyST pages for ``pytest --nbmake``: one pytest item per page.

nbmake itself only collects ``*.ipynb`` files; this plugin reads each MyST page with
jupytext (in memory: no temporary notebook beside it) and executes it with nbclient,
as nbmake does, in ``book/``, as the site build does.

Every page executes once, in the background, while the rest of the session goes on:

* **Side by side.** When collection ends, :class:`PagePool` starts executing all the
  session's pages, ``--page-workers`` at a time (default 2, the cores of the machine
  this book is built on), longest first (the durations of the last run, kept in
  ``_build/nbmake/durations.json``). The page items themselves only wait for their
  page's result, so unit tests run meanwhile. Each page runs in its own fresh kernel,
  as in the build, stopped at once after its last cell; the pages that time nothing
  share XLA's compiled programs with the build's (tools/execute_pages.py,
  ``JAX_CACHE``).
* **Quick timing.** The kernels get ``OPTIMLAB_QUICK_TIMING=1``: ``time_call`` caps
  its repeats (``optimlab.timing.QUICK_REPEATS``), since the site build, which unsets
  it, times everything in full. Set ``OPTIMLAB_QUICK_TIMING=0`` to run pages with
  full timings here too. Every hidden assert still runs, build-only ones included
  (``OPTIMLAB_BUILD_CHECKS=1``), except on the pages that time something, whose
  build-only checks are orderings of timings (``TIMING_PAGE_ENV``: the site build
  runs them, with each such page alone); ``FAKE_GPU_PAGES`` run on a fake
  accelerator (see there).
* **Kept.** Each executed notebook is written to ``_build/nbmake/<page>.ipynb`` (its
  glue outputs included), with ``_build/nbmake/run.json``: the seconds each page took,
  and a digest of the book's sources before and after. The reproducibility test
  compares these glued values with the site build's (``tests/test_reproducible.py``),
  instead of executing every page a third time.

A failing or hanging cell fails that page's test and names the page and the code cell.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbmake.nb_result import NotebookError, NotebookResult
from nbmake.pytest_items import NotebookFailedException, NotebookFile, NotebookItem

OUT_DIR = Path("_build") / "nbmake"  # under the session's rootdir
# Pages of the book (``book/<name>``) that the page tests execute on the FAKE
# accelerator (``optimlab.timing.fake_gpu``): their GPU branches run in this execution,
# and the site build runs them on the real machine, so no page executes a third time.
# The build-only checks are off in these two runs (they order the real machine's
# timings; the build runs them). tests/test_anywhere.py checks what the fake device
# adds; tests/test_reproducible.py compares all the rest with the build.
# Pages that time something (front matter ``optimlab: {run_alone: true}``) run without
# their build-only checks here: those are orderings of timings, which describe the
# machine only when the page runs alone and with full repeats, as in the site build
# (which runs them). Here the page runs beside the build at a low priority, with quick
# timing, and an ordering would describe that contention instead.
TIMING_PAGE_ENV = {"OPTIMLAB_BUILD_CHECKS": "0"}
FAKE_GPU_PAGES = ("build_report.md", "torch_timings.md")
FAKE_GPU_ENV = {
    "OPTIMLAB_FAKE_GPU": "1",
    "OPTIMLAB_BUILD_CHECKS": "0",
    "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
}
QUICK_TIMING_ENV = "OPTIMLAB_QUICK_TIMING"  # optimlab.timing.QUICK_TIMING_ENV
IPYTHON_CONFIG = Path("tools") / "ipython_kernel_config.py"  # as tools/build.sh installs it
# Each kernel stops at once after the last cell, as the build's do
# (tools/execute_pages.SHUTDOWN_KERNEL, which says what that saves; tests/test_repo.py).
SHUTDOWN_KERNEL = "immediate"


def code_cell_number(nb, cell_index: int) -> int:
    """1-based number of the code cell at ``cell_index`` among the page's code cells."""
    return sum(1 for c in nb.cells[: cell_index + 1] if c.cell_type == "code")


def source_digest(book: Path) -> str:
    """SHA-256 over the book's sources: ``_config.yml``, ``_toc.yml``, ``book/`` (pages and
    helper package, hidden files and caches left out) and ``tools/*.py``: the digest the
    build's cache is marked with (tools/execute_pages.py), with the build's tools too."""
    from tools.execute_pages import sources_digest

    book = Path(book)
    return sources_digest(book, also=sorted((book / "tools").glob("*.py")))


def failing_cell(nb) -> NotebookError | None:
    """The last code cell with an error output, as nbmake reports it."""
    for i, cell in reversed(list(enumerate(nb.cells))):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            tb = "\n".join(errors[0].get("traceback", []))
            trace = f"{'-' * 75}\n{cell.source}\n{tb}"
            return NotebookError(summary=tb.split("\n")[-1], trace=trace, failing_cell_index=i)
    return None


def unfinished_cell(nb) -> int:
    """Index of the first code cell without a reply (the one that timed out)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "shell.execute_reply" not in cell.metadata.get(
            "execution", {}
        ):
            return i
    return -1


@dataclass
class PageRun:
    """One execution of one page: the executed notebook, its error (if any), seconds."""

    source: Path
    nb: object = None
    error: NotebookError | None = None
    seconds: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)


class PagePool:
    """Execute pages ``workers`` at a time on a background thread (see module docstring)."""

    def __init__(
        self,
        pages: list[Path],
        *,
        rootdir: Path,
        workers: int = 2,
        timeout: int = 300,
        kernel: str | None = None,
    ):
        self.rootdir = Path(rootdir)
        self.out = self.rootdir / OUT_DIR
        self.workers = max(1, int(workers))
        self.timeout = timeout
        self.kernel = kernel
        self.runs = {Path(p).resolve(): PageRun(Path(p).resolve()) for p in pages}
        self.wall_s: float | None = None
        # set once the whole run is over and summed up (wall_s, run.json): every
        # page's ``done`` is set a moment earlier, before the summary is written
        self.finished = threading.Event()
        self.error: str | None = None  # what stopped the pool itself, if anything
        self.sources_before = self.sources_after = ""
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Future | None = None

    # --- where things go ----------------------------------------------------------

    def executed_path(self, source: Path) -> Path:
        """``_build/nbmake/<page relative to the rootdir>.ipynb``."""
        try:
            rel = source.relative_to(self.rootdir)
        except ValueError:
            rel = Path(source.name)
        return (self.out / rel).with_suffix(".ipynb")

    def kernel_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault(QUICK_TIMING_ENV, "1")
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        env.pop("MPLBACKEND", None)  # the inline backend, as in the build
        # A private IPython profile, as tools/build.sh gives the build's kernels.
        profile = self.out / ".ipython" / "profile_default"
        profile.mkdir(parents=True, exist_ok=True)
        config = self.rootdir / IPYTHON_CONFIG
        if config.is_file():
            (profile / config.name).write_bytes(config.read_bytes())
        env["IPYTHONDIR"] = str(profile.parent)
        return env

    def on_fake_gpu(self, source: Path) -> bool:
        """Whether this pool runs ``source`` on the fake accelerator (FAKE_GPU_PAGES)."""
        source = Path(source).resolve()
        return (self._is_book() and source.name in FAKE_GPU_PAGES
                and source.parent == (self.rootdir / "book").resolve())

    def times_something(self, source: Path) -> bool:
        """Whether ``source`` is a page of the book that times something (it says
        ``optimlab: {run_alone: true}``; tests/test_pages.py checks that it does)."""
        if not self._is_book():
            return False
        from optimlab.checks import runs_alone

        return runs_alone(source)

    def order(self) -> list[Path]:
        """Longest first: last run's seconds where known; else (a fresh clone) the pages
        that time something, which take longest here too, then the rest by size."""
        try:
            last = json.loads((self.out / "durations.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = {}

        def cost(path: Path) -> float:
            known = last.get(path.name)
            if known is not None:
                return float(known)
            return 1000.0 * self.times_something(path) + path.stat().st_size / 1000

        return sorted(self.runs, key=cost, reverse=True)

    # --- running ------------------------------------------------------------------

    def start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.sources_before = source_digest(self.rootdir) if self._is_book() else ""
        env = self.kernel_env()
        ready = threading.Event()

        def main():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._task = self._loop.create_task(self._run_all(env))
            ready.set()
            try:
                self._loop.run_until_complete(self._task)
            except asyncio.CancelledError:
                pass
            except Exception as err:  # the pool itself broke: say so where it is read
                self.error = f"{type(err).__name__}: {err}"
            finally:
                for run in self.runs.values():
                    if not run.done.is_set():
                        why = self.error or "the session ended first"
                        run.error = NotebookError(
                            summary=f"not executed: {why}",
                            trace=f"not executed: {why}",
                            failing_cell_index=0,
                        )
                        run.done.set()
                self._loop.close()
                self.finished.set()

        self._thread = threading.Thread(target=main, name="page-pool", daemon=True)
        self._thread.start()
        ready.wait()

    def _is_book(self) -> bool:
        return (self.rootdir / "_config.yml").is_file()

    async def _run_all(self, env) -> None:
        start = time.perf_counter()
        slots = asyncio.Semaphore(self.workers)

        async def one(path: Path):
            async with slots:
                await self._run_page(self.runs[path], env)

        await asyncio.gather(*(one(p) for p in self.order()), return_exceptions=True)
        self.wall_s = time.perf_counter() - start
        self.sources_after = source_digest(self.rootdir) if self._is_book() else ""
        durations = {run.source.name: round(run.seconds, 2) for run in self.runs.values()}
        summary = {
            "wall_s": self.wall_s,
            "workers": self.workers,
            "quick_timing": env.get(QUICK_TIMING_ENV) == "1",
            "sources_before": self.sources_before,
            "sources_after": self.sources_after,
            "pages": {
                run.source.name: {"seconds": run.seconds, "ok": run.error is None}
                for run in self.runs.values()
            },
        }
        (self.out / "run.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        (self.out / "durations.json").write_text(json.dumps(durations, indent=1), "utf-8")

    async def _run_page(self, run: PageRun, env) -> None:
        start = time.perf_counter()
        nb = None
        try:
            nb = jupytext.read(run.source)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = []
            extra = {"kernel_name": self.kernel} if self.kernel else {}
            client = NotebookClient(
                nb, timeout=self.timeout, allow_errors=False, record_timing=True,
                shutdown_kernel=SHUTDOWN_KERNEL, **extra
            )
            if self.times_something(run.source):
                env = {**env, **TIMING_PAGE_ENV}
            elif (self.rootdir / "tools" / "execute_pages.py").is_file():
                # this repository's book: compiled programs shared with the build's
                # kernels (tools/execute_pages.py, JAX_CACHE)
                from tools.execute_pages import jax_cache_env

                env = {**env, **jax_cache_env(self.rootdir)}
            if self.on_fake_gpu(run.source):
                env = {**env, **FAKE_GPU_ENV}
            await client.async_execute(cwd=str(run.source.parent), env=env)
        except CellExecutionError as err:
            run.error = failing_cell(nb) or NotebookError(
                summary=str(err).strip().split("\n")[-1], trace=str(err), failing_cell_index=-1
            )
        except CellTimeoutError as err:
            trace = err.args[0]
            run.error = NotebookError(
                summary=trace.split("\n")[0], trace=trace, failing_cell_index=unfinished_cell(nb)
            )
        except asyncio.CancelledError:
            run.error = NotebookError(
                summary="stopped: the session ended first",
                trace="stopped: the session ended first",
                failing_cell_index=-1,
            )
            raise
        except Exception as err:  # a page jupytext cannot read, a kernel that won't start
            run.error = NotebookError(
                summary=f"{type(err).__name__}: {err}", trace=repr(err), failing_cell_index=-1
            )
        finally:
            run.seconds = time.perf_counter() - start
            run.nb = nb
            if nb is not None:
                target = self.executed_path(run.source)
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, target)
            run.done.set()

    def result(self, source: Path, timeout: float | None = None) -> PageRun:
        run = self.runs[Path(source).resolve()]
        if not run.done.wait(timeout):
            raise TimeoutError(f"{source}: no result after {timeout} s")
        return run

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every page has run and the run is summed up (``wall_s`` set)."""
        return self.finished.wait(timeout)

    def close(self) -> None:
        """Stop what is still running (kernels shut down) and wait for the thread."""
        if self._loop is not None and self._task is not None and not self._task.done():
            self._loop.call_soon_threadsafe(self._task.cancel)
        if self._thread is not None:
            self._thread.join(timeout=60)


# The session's pool (conftest.py starts it when collection ends).
POOL: PagePool | None = None


def start_pool(session) -> PagePool | None:
    """Start executing every page item of ``session`` (none: no pool)."""
    global POOL
    pages = [Path(item.filename) for item in session.items if isinstance(item, MystNotebookItem)]
    if not pages:
        return None
    option = session.config.option
    POOL = PagePool(
        pages,
        rootdir=Path(str(session.config.rootpath)),
        workers=option.page_workers,
        timeout=option.nbmake_timeout,
        kernel=option.nbmake_kernel,
    )
    POOL.start()
    return POOL


def stop_pool() -> None:
    if POOL is not None:
        POOL.close()


class MystNotebookItem(NotebookItem):
    """The result of one MyST page's execution (run by the session's :class:`PagePool`)."""

    def runtest(self):
        source = Path(self.filename)
        if POOL is None:
            raise RuntimeError("the page pool did not start (conftest.py starts it)")
        run = POOL.result(source)
        self.user_properties.append(("execution_s", round(run.seconds, 2)))
        if run.error is not None:
            index = run.error.failing_cell_index
            n = code_cell_number(run.nb, index) if run.nb and index >= 0 else 0
            run.error.summary = f"{source.name}, code cell {n}: {run.error.summary}"
            run.error.trace = f"page {source}, code cell {n}\n{run.error.trace}"
            raise NotebookFailedException(NotebookResult(nb=run.nb, error=run.error))


class MystNotebookFile(NotebookFile):
    def collect(self):
        yield MystNotebookItem.from_parent(self, filename=str(self.path))
