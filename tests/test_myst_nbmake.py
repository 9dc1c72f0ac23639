"""The page tests' own machinery (tests/myst_nbmake.py), without running a kernel."""

from __future__ import annotations

import json

import pytest

from tests.myst_nbmake import PagePool


def test_page_pool_is_summed_up_when_wait_returns(tmp_path):
    """``PagePool.wait`` returns only after the run's totals exist. Each page's ``done``
    is set a moment before them (CI once read ``wall_s`` in that gap and failed); a page
    jupytext cannot read finishes at once, with no kernel, so the gap is at its widest."""
    missing = tmp_path / "book" / "missing.md"
    missing.mkdir(parents=True)  # a folder named like a page: jupytext cannot read it
    pool = PagePool([missing], rootdir=tmp_path, workers=1, timeout=5)
    pool.start()
    try:
        assert pool.wait(timeout=60), "the pool did not finish"
        assert pool.wall_s is not None
        summary = json.loads((tmp_path / "_build" / "nbmake" / "run.json").read_text())
        assert summary["pages"] == {"missing.md": {"seconds": pytest.approx(
            pool.runs[missing.resolve()].seconds), "ok": False}}
        assert "IsADirectoryError" in pool.result(missing).error.summary
    finally:
        pool.close()


def test_a_broken_pool_says_why_on_every_page(tmp_path):
    """A page gone before the pool orders its pages (it sorts them by size) stops the
    pool itself: every page, and the pool, then say what stopped it."""
    gone = tmp_path / "book" / "gone.md"
    pool = PagePool([gone], rootdir=tmp_path, workers=1, timeout=5)
    pool.start()
    assert pool.wait(timeout=60), "the pool did not finish"
    pool.close()
    assert pool.wall_s is None
    assert pool.error.startswith("FileNotFoundError")
    assert pool.result(gone).error.summary == f"not executed: {pool.error}"
