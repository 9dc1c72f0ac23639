"""Hand a book's pages to nbmake, and nbmake's executions to the site build.

usage: python tools/pages.py notebooks BOOK_DIR PAGES_DIR
       python tools/pages.py cache BOOK_DIR PAGES_DIR OUTPUT_DIR

``notebooks`` writes every page of ``BOOK_DIR/_toc.yml`` that has code as a Jupyter
notebook, ``PAGES_DIR/<page>.ipynb``, read by MyST-NB's own reader (so
its code cells are exactly the ones the build will look up), and two lists for
``pytest --nbmake``: ``alone.txt`` (pages whose front matter says ``optimlab:
{run_alone: true}``: they time something and run with nothing beside them) and
``beside.txt`` (the rest).

``PAGES_DIR`` must not lie under a folder named ``_build`` (nbmake skips those).
``cache`` puts the notebooks nbmake executed (``pytest --nbmake --overwrite``) into the
build's jupyter-cache, ``OUTPUT_DIR/_build/.jupyter_cache``, where MyST-NB
(``execute_notebooks: cache``) takes each page's outputs instead of executing it
again. tools/build.sh runs both around the page tests.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import nbformat
import yaml

CACHE = Path("_build") / ".jupyter_cache"


def toc_pages(book: Path) -> list[Path]:
    """The ``.md`` source of every page in ``book/_toc.yml``, in reading order."""
    from page_weight import toc_pages as docnames  # tools/page_weight.py

    return [book / f"{name}.md" for name in docnames(book / "_toc.yml")
            if (book / f"{name}.md").is_file()]


def read_page(path: Path):
    """A MyST page as MyST-NB reads it (a notebook node), and its front matter."""
    from myst_nb.core.read import read_myst_markdown_notebook

    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text[3:].split("\n---", 1)[0]) if text.startswith("---") else {}
    return read_myst_markdown_notebook(text, path=str(path)), front or {}


def notebooks(book: Path, target: Path) -> None:
    lists = {"alone.txt": [], "beside.txt": []}
    for path in toc_pages(book):
        nb, front = read_page(path)
        if not any(cell.cell_type == "code" for cell in nb.cells):
            continue
        ipynb = target / path.relative_to(book).with_suffix(".ipynb")
        ipynb.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, ipynb)
        alone = bool((front.get("optimlab") or {}).get("run_alone"))
        lists["alone.txt" if alone else "beside.txt"].append(str(ipynb))
    for name, paths in lists.items():
        (target / name).write_text("".join(p + "\n" for p in paths), encoding="utf-8")


def seconds(nb) -> float | None:
    """Wall time of an executed notebook, from nbclient's per-cell timestamps."""
    stamps = [cell.metadata.get("execution", {}) for cell in nb.cells if cell.cell_type == "code"]
    try:
        start = datetime.fromisoformat(stamps[0]["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(stamps[-1]["shell.execute_reply"].replace("Z", "+00:00"))
    except (IndexError, KeyError, ValueError):
        return None
    return (end - start).total_seconds()


def cache(book: Path, pages: Path, out: Path) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    store = get_cache(str(out / CACHE))
    for path in toc_pages(book):
        ipynb = pages / path.relative_to(book).with_suffix(".ipynb")
        if not ipynb.is_file():
            continue
        page, _ = read_page(path)
        ran = nbformat.read(ipynb, as_version=4)
        code = [c for c in page.cells if c.cell_type == "code"]
        ran_code = [c for c in ran.cells if c.cell_type == "code"]
        if [c.source for c in code] != [c.source for c in ran_code]:
            raise SystemExit(f"pages.py: {path} changed since nbmake executed it; "
                             "run tools/build.sh again")
        for cell, done in zip(code, ran_code, strict=True):
            cell.outputs, cell.execution_count = done.outputs, done.execution_count
        took = seconds(ran)
        store.cache_notebook_bundle(
            CacheBundleIn(page, str(path), data={"execution_seconds": took}),
            check_validity=False, overwrite=True)
        print(f"pages.py: cached {path.relative_to(book)} ({took or 0:.1f} s)")


if __name__ == "__main__":
    commands = {"notebooks": (notebooks, 4), "cache": (cache, 5)}
    if sys.argv[1:2] and sys.argv[1] in commands and len(sys.argv) == commands[sys.argv[1]][1]:
        commands[sys.argv[1]][0](*(Path(arg).resolve() for arg in sys.argv[2:]))
    else:
        raise SystemExit(__doc__.split("\n\n")[1])
