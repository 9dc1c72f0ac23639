"""Execute a book's pages before Sphinx reads them: two at a time, timing pages alone.

usage: python tools/execute_pages.py BOOK_DIR OUTPUT_DIR   (tools/build.sh runs it)

MyST-NB executes a book's pages one after the other while Sphinx reads them. Most of
this book's pages keep one core busy, not two (run two at a time, each takes about as
long as when it runs alone: compare the seconds this script prints for a page with its
time in a build of that page alone), so this script executes them first,
``BUILD_WORKERS`` (``optimlab.checks``) at a time, into the build's jupyter-cache
(``OUTPUT_DIR/_build/.jupyter_cache``, which tools/build.sh has just deleted: every
build starts from an empty cache, so nothing in it is older than this build). MyST-NB
then reads each page's outputs from that cache (``execute_notebooks: cache`` in
``_config.yml``) instead of executing the page again.

* **Timing pages run alone.** A page whose front matter says ``optimlab: {run_alone:
  true}`` (every page that times something; tests/test_pages.py checks) executes with
  no other page beside it, first, so its timings describe the machine and not a
  neighbour. The other pages follow, largest source first.
* **Exactly as MyST-NB would.** Each page is read by MyST-NB's own reader
  (jupyter-cache's ``myst_nb_md`` plugin) and run by jupyter-cache's
  ``single_nb_execution`` with ``_config.yml``'s timeout, in the page's folder, with
  this process's environment (tools/build.sh sets it): the same call MyST-NB makes in
  cache mode. The cache matches pages by their code, so Sphinx uses these outputs.
* **Failures are MyST-NB's to report.** A page that fails or times out here is left
  out of the cache; MyST-NB then executes it again itself and fails the build with its
  usual message, naming the page, the cell and the error.

* **Only this script fills the cache.** It ends by writing a digest of the book's
  sources into the cache (``MARK``). Loaded as a Sphinx extension (``_config.yml``), this
  module stops any build whose cache lacks that mark or whose sources have changed
  since: a plain ``jupyter-book build`` would otherwise take the outputs of an older
  helper package from a cache that matches pages by their code alone.

Prints one line per page (seconds, alone or not, ok or not) and the wall time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

READER = {"type": "plugin", "name": "myst_nb_md"}  # MyST-NB's read_fmt for .md pages
CACHE = Path("_build") / ".jupyter_cache"  # under OUTPUT_DIR, as _config.yml says
MARK = "filled-by-execute-pages.json"  # in the cache: the sources it was filled from
# Stop each page's kernel at once when its last cell has run: its outputs are all in by
# then, and a graceful shutdown only lets a kernel with torch, JAX and pyplot loaded
# tear itself down, 0.6-2.5 s of wall and about 1.4 CPU-seconds per page here
# (tools/page_cost.py measures it). nbclient's option; MyST-NB's default is "graceful".
SHUTDOWN_KERNEL = "immediate"
# XLA's compiled programs, kept on disk and shared by the pages that time nothing (the
# build's, and the page tests', tests/myst_nbmake.py): a page that compiles a program
# another page (or the other run of that page) compiled already loads it instead. An
# entry is keyed by the program itself, the JAX and XLA versions and the flags, so it
# cannot go stale. The pages that time something never use it (they run before it is
# switched on), and every compile-time measurement refuses it
# (optimlab.timing.refuse_compile_cache).
JAX_CACHE = Path("_build") / ".jax_cache"  # under OUTPUT_DIR


def jax_cache_env(out: Path) -> dict[str, str]:
    """The environment that shares compiled programs in ``out/_build/.jax_cache``:
    every program, however quick its compile and small its entry."""
    return {
        "JAX_COMPILATION_CACHE_DIR": str(Path(out).resolve() / JAX_CACHE),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
    }


def sources_digest(book: Path, also=()) -> str:
    """SHA-256 over what the pages' outputs depend on: ``_config.yml``, ``_toc.yml`` and
    every file under ``book/`` (the pages and the helper package; hidden files and
    ``__pycache__`` left out), then the files ``also`` names (under ``book``)."""
    book = Path(book)
    files = [book / "_config.yml", book / "_toc.yml"]
    files += sorted(p for p in (book / "book").rglob("*") if p.is_file()
                    and "__pycache__" not in p.parts
                    and not any(part.startswith(".") for part in p.relative_to(book).parts))
    files += list(also)
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(book).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def toc_files(book: Path) -> list[Path]:
    """The source file of every page in ``BOOK/_toc.yml``, in reading order."""
    from page_weight import toc_pages

    files = []
    for name in toc_pages(book / "_toc.yml"):
        for suffix in (".md", ".ipynb"):
            if (book / f"{name}{suffix}").is_file():
                files.append(book / f"{name}{suffix}")
                break
    return files


def is_notebook(path: Path) -> bool:
    """A MyST markdown notebook with code (jupytext's ``myst`` format)."""
    from optimlab.checks import front_matter

    meta = front_matter(path).get("jupytext", {}).get("text_representation", {})
    return (path.suffix == ".md" and meta.get("format_name") == "myst"
            and "```{code-cell}" in path.read_text(encoding="utf-8"))


@dataclass
class Result:
    path: Path
    seconds: float
    ok: bool


def main(book: Path, out: Path) -> int:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    from optimlab.checks import BUILD_WORKERS as WORKERS
    from optimlab.checks import runs_alone

    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    execute = config.get("execute", {})
    if execute.get("execute_notebooks") != "cache":
        print("execute_pages: _config.yml does not ask for cache mode; nothing to do")
        return 0
    timeout = execute.get("timeout", 30)
    allow_errors = bool(execute.get("allow_errors", False))
    cache = get_cache(str(out / CACHE))
    pages = [p for p in toc_files(book) if is_notebook(p)]
    # Read every page first, in this thread: the cache's database is not shared
    # between threads, only the notebooks are.
    notebooks = {}
    for path in pages:
        record = cache.add_nb_to_project(str(path), read_data=READER)
        notebooks[path] = (record.uri, cache.get_project_notebook(record.pk).nb)
    alone = [p for p in pages if runs_alone(p)]
    beside = sorted((p for p in pages if p not in alone),
                    key=lambda p: p.stat().st_size, reverse=True)

    def run(path: Path) -> tuple[Result, object]:
        _, nb = notebooks[path]
        start = time.perf_counter()
        result = single_nb_execution(nb, cwd=str(path.parent), timeout=timeout,
                                     allow_errors=allow_errors,
                                     shutdown_kernel=SHUTDOWN_KERNEL)
        return Result(path, time.perf_counter() - start, result.err is None), result

    start = time.perf_counter()
    results = []
    for path in alone:
        results.append(run(path))
    os.environ.update(jax_cache_env(out))  # for the kernels of the pages that time nothing
    with ThreadPoolExecutor(WORKERS) as pool:
        results += list(pool.map(run, beside))
    wall = time.perf_counter() - start
    for summary, result in results:
        uri, nb = notebooks[summary.path]
        if summary.ok:
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, uri, data={"execution_seconds": result.time}),
                check_validity=False, overwrite=True,
            )
        state = "ok" if summary.ok else "FAILED (MyST-NB runs it again and reports it)"
        where = "alone" if summary.path in alone else f"{WORKERS} at a time"
        print(f"execute_pages: {summary.seconds:6.1f} s  {summary.path.relative_to(book)}"
              f"  ({where}) {state}", flush=True)
    print(f"execute_pages: {len(results)} pages in {wall:.1f} s wall "
          f"({len(alone)} alone, then {WORKERS} at a time)", flush=True)
    (out / CACHE / MARK).write_text(json.dumps({"sources": sources_digest(book)}),
                                    encoding="utf-8")
    return 0


def _refuse_a_cache_it_did_not_fill(app, config) -> None:
    """Stop a build whose cache this script did not fill from the current sources."""
    from sphinx.errors import ConfigError

    if config.nb_execution_mode != "cache":
        return
    mark = Path(app.outdir).parent / ".jupyter_cache" / MARK
    try:
        filled_from = json.loads(mark.read_text(encoding="utf-8")).get("sources")
    except (OSError, ValueError):
        filled_from = None
    if filled_from != sources_digest(Path(app.srcdir)):
        why = ("was not filled by tools/execute_pages.py" if filled_from is None else
               "was filled before the book's sources last changed")
        raise ConfigError(
            f"this build's notebook cache ({mark.parent}) {why}, so it may hold outputs "
            "of older code. Build with `make html` (tools/build.sh), which empties the "
            "cache and executes every page again."
        )


def setup(app) -> dict:
    app.connect("config-inited", _refuse_a_cache_it_did_not_fill)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    # The repository's helper package (which pages run alone, how many at once) and
    # its tools (the table of contents), wherever the book is.
    sys.path[:0] = [str(Path(__file__).resolve().parent.parent / "book"),
                    str(Path(__file__).resolve().parent)]
    sys.exit(main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()))
