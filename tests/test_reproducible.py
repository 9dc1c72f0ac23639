"""Two independent executions of every page glue the same numbers, timings and dates
excepted (issue 5 item 5; issue 14 item 1).

The two executions are the ones ``make test`` makes anyway: the page tests
(``pytest --nbmake``, which keep each executed notebook in ``_build/nbmake``, see
``tests/myst_nbmake.py``) and the session's site build (``built_site``; MyST-NB keeps a
page's glue outputs in ``<page>.glue.json`` beside the executed notebook in
``_build/jupyter_execute``). No page executes a third time. Page by page, every glued
value must have exactly the same ``text/plain`` representation in both, except:

* keys a page declares itself: ``glue(key, value, reproducible=False)`` from
  ``optimlab.gluing`` marks the glue output, and the mark travels with it into both
  executions. This is the only way to exclude a value: timings (and ratios of
  timings) and dates. The marks must agree between the two executions. Facts about
  the machine (cores, devices) are the same in both executions and are compared.

Two pages run on a fake accelerator in the page tests (``FAKE_GPU_PAGES`` in
tests/myst_nbmake.py) and on the real machine in the build. There the values that name
the devices (``FAKE_GPU_KEYS``) differ by design and are checked by
tests/test_anywhere.py instead, and the fake device's own timings, glued with
``reproducible=False``, exist only in the page test; everything else is compared.

The page tests run with quick timing (fewer repeats, ``OPTIMLAB_QUICK_TIMING=1``) and
the site build with full timing: a value that depends on the number of repeats is a
timing, and must be marked.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from optimlab.gluing import is_reproducible
from tests.conftest import source_digest

ROOT = Path(__file__).resolve().parent.parent


# What the fake accelerator changes (see the module docstring): the device lists and
# GPU sentences name the fake devices, and the build report says its build-only checks
# were off.
FAKE_GPU_KEYS = {
    "build_gpu_sentence", "build_jax_devices", "build_torch_devices", "build_checks_state",
    "ttim_gpu_sentence", "ttim_jax_devices", "ttim_torch_devices",
}

CHANGED = (
    "the book's sources (pages, helper package, config) changed during or between the page "
    "tests and the site build (or SITE_REUSE=1 picked up an older build), so their numbers "
    "cannot be compared: rerun when nobody is editing"
)


def plain_text(output: dict) -> str:
    """The ``text/plain`` representation of one glue output (any mime prefix)."""
    plain = [v for k, v in output.get("data", {}).items() if k.endswith("text/plain")]
    if not plain:
        return "<no text/plain>"
    return "".join(plain[0]) if isinstance(plain[0], list) else plain[0]


def glue_outputs(notebook: Path) -> dict[str, dict]:
    """``{key: glue output}`` of one executed notebook.

    Glue outputs still in the notebook (display_data whose metadata has a
    ``scrapbook`` entry) are read, and, for MyST-NB's executed notebooks (which drop
    ``remove-cell`` cells), the ``<page>.glue.json`` beside it.
    """
    outputs = []
    store = notebook.with_suffix(".glue.json")
    if store.is_file():
        outputs += json.loads(store.read_text(encoding="utf-8")).values()
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    outputs += [o for cell in nb.get("cells", []) for o in cell.get("outputs", [])]
    return {
        o["metadata"]["scrapbook"]["name"]: o
        for o in outputs
        if o.get("output_type") == "display_data" and o.get("metadata", {}).get("scrapbook")
    }


def executed_pages(executed: Path) -> dict[str, Path]:
    """``{'book/<page>': executed notebook}`` under a build's ``jupyter_execute``."""
    return {
        nb.relative_to(executed).with_suffix("").as_posix(): nb
        for nb in sorted(executed.rglob("*.ipynb"))
    }


def page_runs():
    """The session's page executions (``tests/myst_nbmake.py``), or skip."""
    pool = getattr(sys.modules.get("tests.myst_nbmake"), "POOL", None)
    if pool is None:
        pytest.skip("compares the page tests' executions with the build's: run with --nbmake")
    pool.wait()
    if pool.wall_s is None:
        why = pool.error or "the session ended first"
        pytest.fail(f"the page executions did not finish: {why}")
    return pool


@dataclass
class Comparison:
    compared: list = field(default_factory=list)  # keys compared
    marked: list = field(default_factory=list)  # keys glued with reproducible=False
    differ: list = field(default_factory=list)  # "page: key: a != b"
    problems: list = field(default_factory=list)  # different keys or marks
    fake: list = field(default_factory=list)  # keys the fake accelerator changes


def compare(first: dict[str, dict], second: dict[str, dict], fake=()) -> Comparison:
    """Compare ``{page: {key: glue output}}`` of two executions of the same pages.

    ``fake``: pages whose first execution ran on the fake accelerator: their
    ``FAKE_GPU_KEYS`` are not compared, and keys glued with ``reproducible=False`` may
    exist in the first execution only (the fake device's timings)."""
    result = Comparison()
    for page in sorted(first):
        mine, theirs = first[page], second[page]
        if page in fake:
            mine = {key: out for key, out in mine.items()
                    if key in theirs or is_reproducible(out)}
            result.fake += sorted(set(mine) & set(theirs) & FAKE_GPU_KEYS)
            mine = {key: out for key, out in mine.items() if key not in FAKE_GPU_KEYS}
            theirs = {key: out for key, out in theirs.items() if key not in FAKE_GPU_KEYS}
        if set(mine) != set(theirs):
            result.problems.append(
                f"{page}: different glue keys: only in the page test "
                f"{sorted(set(mine) - set(theirs))}, only in the build "
                f"{sorted(set(theirs) - set(mine))}"
            )
        for key in sorted(set(mine) & set(theirs)):
            flags = (is_reproducible(mine[key]), is_reproducible(theirs[key]))
            if flags[0] != flags[1]:
                result.problems.append(
                    f"{page}: {key} is marked reproducible={flags[0]} in the page test and "
                    f"{flags[1]} in the build"
                )
            if not (flags[0] and flags[1]):
                result.marked.append(key)
            else:
                result.compared.append(key)
                a, b = plain_text(mine[key]), plain_text(theirs[key])
                if a != b:
                    result.differ.append(f"{page}: {key}: page test {a!r} != build {b!r}")
    return result


def glue_output(key: str, text: str, reproducible: bool = True) -> dict:
    meta = {"scrapbook": {"name": key, "mime_prefix": ""}}
    if not reproducible:
        meta["optimlab"] = {"reproducible": False}
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": meta}


def test_compare_finds_a_changed_value_and_skips_only_marked_keys():
    first = {"book/p": {
        "p_loss": glue_output("p_loss", "1.5"),
        "p_epoch_s": glue_output("p_epoch_s", "0.25", reproducible=False),
        "build_date": glue_output("build_date", "2026-01-01", reproducible=False),
    }}
    second = {"book/p": {
        "p_loss": glue_output("p_loss", "1.5000001"),
        "p_epoch_s": glue_output("p_epoch_s", "0.5", reproducible=False),
        "build_date": glue_output("build_date", "2026-01-02", reproducible=False),
    }}
    result = compare(first, second)
    assert result.compared == ["p_loss"] and result.marked == ["build_date", "p_epoch_s"]
    assert not result.problems
    assert result.differ == ["book/p: p_loss: page test '1.5' != build '1.5000001'"]
    second["book/p"]["p_loss"] = glue_output("p_loss", "1.5")
    assert not compare(first, second).differ


def test_compare_on_a_fake_gpu_page_skips_only_the_device_keys_and_fake_timings():
    first = {"book/p": {
        "build_jax_devices": glue_output("build_jax_devices", "'cpu, fake-gpu'"),
        "p_loss": glue_output("p_loss", "1.5"),
        "p_fake_gpu_s": glue_output("p_fake_gpu_s", "0.1", reproducible=False),
    }}
    second = {"book/p": {
        "build_jax_devices": glue_output("build_jax_devices", "'cpu'"),
        "p_loss": glue_output("p_loss", "1.25"),
    }}
    result = compare(first, second, fake={"book/p"})
    assert result.fake == ["build_jax_devices"] and result.compared == ["p_loss"]
    assert result.differ == ["book/p: p_loss: page test '1.5' != build '1.25'"]
    assert not result.problems
    # a reproducible key only in the fake run is still a problem; so is any device key
    # on a page that did not run on the fake accelerator
    first["book/p"]["p_extra"] = glue_output("p_extra", "2")
    assert compare(first, second, fake={"book/p"}).problems
    assert compare(first, second).differ[0].startswith("book/p: build_jax_devices")


def test_compare_reports_different_keys_and_marks():
    first = {"book/p": {"a": glue_output("a", "1"), "b": glue_output("b", "2")}}
    second = {"book/p": {"a": glue_output("a", "1", reproducible=False)}}
    problems = compare(first, second).problems
    assert problems == [
        "book/p: different glue keys: only in the page test ['b'], only in the build []",
        "book/p: a is marked reproducible=True in the page test and False in the build",
    ]


@pytest.mark.site
@pytest.mark.page_results
def test_page_tests_and_site_build_glue_the_same_numbers(built_site, report_time):
    pool = page_runs()
    # A build that failed on warnings alone (--keep-going) still executed every page, so
    # its glued values are compared all the same; test_site_build reports the failure.
    build = executed_pages(built_site.executed)
    assert build, f"the site build executed no notebooks; see {built_site.log_path}"
    now = source_digest(ROOT)
    digests = {pool.sources_before, pool.sources_after, built_site.sources, now}
    if built_site.sources_changed or len(digests) != 1:
        pytest.fail(CHANGED)

    tested, fake = {}, set()
    for run in pool.runs.values():
        page = run.source.relative_to(ROOT).with_suffix("").as_posix()
        if run.error is None:
            tested[page] = pool.executed_path(run.source)
        if pool.on_fake_gpu(run.source):
            fake.add(page)
    failed = sorted(run.source.name for run in pool.runs.values() if run.error is not None)
    missing = sorted(set(tested) - set(build))
    assert not missing, (
        f"pages executed by the page tests but not by the site build: {missing} "
        f"(see {built_site.log_path})"
    )
    result = compare(
        {page: glue_outputs(nb) for page, nb in tested.items()},
        {page: glue_outputs(build[page]) for page in tested},
        fake=fake,
    )
    print(f"compared ({len(result.compared)}): {', '.join(result.compared)}")
    print(f"marked reproducible=False ({len(result.marked)}): {', '.join(result.marked)}")
    print(f"fake accelerator in the page test ({len(result.fake)}): {', '.join(result.fake)}")
    report_time(
        f"reproducibility (page tests vs site build): {len(result.compared)} glued values "
        f"compared on {len(tested)} pages; {len(result.marked)} marked reproducible=False; "
        f"{len(result.fake)} name the devices on the {len(fake)} pages run on the fake "
        "accelerator"
        + (f"; not compared, page test failed: {', '.join(failed)}" if failed else "")
    )
    assert not result.problems, "\n".join(result.problems)
    assert result.compared, "no glued values found to compare"
    assert not result.differ, (
        f"{len(result.differ)} glued values differ between the page tests and the site build "
        "(a timing, a date or a machine fact? glue it with reproducible=False; otherwise the "
        "page is not reproducible):\n" + "\n".join(result.differ)
    )
