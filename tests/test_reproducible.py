"""Two builds give identical numbers everywhere but timings and dates (issue 5 item 5).

The session's site build (``built_site``) is compared with a second full build into a
temporary folder: page by page, every glued value (the outputs of ``myst_nb.glue``, which
MyST-NB stores beside the executed notebooks in ``_build/jupyter_execute``) must have
exactly the same ``text/plain`` representation, except the keys matched by
``NOT_REPRODUCIBLE`` below.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import source_digest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.site

# Glue keys whose values are timings, dates or facts about the machine: they change from
# build to build (or machine to machine) by design and are not compared. Every other
# glued value must be identical. Keys whose names say what they are (date, time,
# seconds, cpu, cores, threads, memory, devices, gpu..., speedup) are matched by name;
# the rest are timings (or ratios of timings) whose names do not say so, page by page.
NOT_REPRODUCIBLE = re.compile(
    r"""
      (?:^|_)(?:date|time|times|seconds|secs?|cpu|cores?|threads|memory|mem|devices?
                |gpu\w*|speedup)(?:_|$)
    | ^bsr_(?:lecture|compiled?)_       # batch_size_runtime: s/epoch, compile s, their ratios
    | ^bsr_step_ratio$                  #   and the ratio of two times per step
    | ^ttim_(?!steps_)                  # torch_timings: all but step counts are timings
    | ^ads_adam_\d+$                    # adam_schedules: Adam s/epoch at a batch size
    """,
    re.VERBOSE,
)


CHANGED = (
    "the book's sources (pages, helper package, config) changed during or between the two "
    "builds (or SITE_REUSE=1 picked up an older build), so their numbers cannot be compared: "
    "rerun when nobody is editing"
)


def plain_text(output: dict) -> str:
    """The ``text/plain`` representation of one glue output (any mime prefix)."""
    plain = [v for k, v in output.get("data", {}).items() if k.endswith("text/plain")]
    if not plain:
        return "<no text/plain>"
    return "".join(plain[0]) if isinstance(plain[0], list) else plain[0]


def glued_values(executed: Path) -> dict[str, dict[str, str]]:
    """``{page: {key: text/plain}}`` for every glued value of every executed page.

    MyST-NB keeps a page's glue outputs in ``<page>.glue.json`` beside the executed
    ``<page>.ipynb`` (from which it drops ``remove-cell`` cells); glue outputs still in
    the notebook (display_data whose metadata has a ``scrapbook`` entry) are read too.
    """
    pages = {}
    for notebook in sorted(executed.rglob("*.ipynb")):
        page = notebook.relative_to(executed).with_suffix("").as_posix()
        outputs = []
        store = notebook.with_suffix(".glue.json")
        if store.is_file():
            outputs += json.loads(store.read_text(encoding="utf-8")).values()
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        outputs += [o for cell in nb.get("cells", []) for o in cell.get("outputs", [])]
        values = {}
        for output in outputs:
            scrap = output.get("metadata", {}).get("scrapbook")
            if output.get("output_type") == "display_data" and scrap:
                values[scrap["name"]] = plain_text(output)
        pages[page] = values
    return pages


def test_two_builds_glue_the_same_numbers(built_site, build_book, tmp_path_factory, report_time):
    # A build that failed on warnings alone (--keep-going) still executed every page, so
    # its glued values are compared all the same; test_site_build reports the failure.
    first_values = glued_values(built_site.executed)
    assert first_values, f"the site build executed no notebooks; see {built_site.log_path}"
    if built_site.sources_changed or built_site.sources != source_digest(ROOT):
        pytest.fail(CHANGED)
    second = build_book(ROOT, tmp_path_factory.mktemp("second-build"))
    report_time(
        f"second full build (reproducibility): {second.wall_s:.1f} s, exit {second.returncode}"
    )
    if second.sources != built_site.sources or second.sources_changed:
        pytest.fail(CHANGED)
    second_values = glued_values(second.executed)
    assert set(first_values) == set(second_values), (
        f"the two builds executed different pages (exit codes {built_site.returncode} and "
        f"{second.returncode}; logs {built_site.log_path} and {second.log_path})"
    )

    compared, excluded, differ = [], [], []
    for page, values in first_values.items():
        other = second_values[page]
        assert set(values) == set(other), f"{page}: different glue keys in the two builds"
        for key, text in sorted(values.items()):
            if NOT_REPRODUCIBLE.search(key):
                excluded.append(key)
                continue
            compared.append(key)
            if text != other[key]:
                differ.append(f"{page}: {key}: {text!r} != {other[key]!r}")

    print(f"compared ({len(compared)}): {', '.join(compared)}")
    print(f"excluded as timings, dates or machine facts ({len(excluded)}): {', '.join(excluded)}")
    report_time(
        f"reproducibility: {len(compared)} glued values compared on {len(first_values)} pages;"
        f" {len(excluded)} excluded: {', '.join(excluded)}"
    )
    assert compared, "no glued values found to compare"
    assert not differ, (
        f"{len(differ)} glued values differ between two builds (a timing or a date? add its "
        "key to NOT_REPRODUCIBLE; otherwise the page is not reproducible):\n" + "\n".join(differ)
    )
