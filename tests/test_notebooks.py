"""Published notebooks are plain Jupyter notebooks (issue 22, tools/notebooks.py).

Unit tests of the conversion (``plain_cells``: roles, directives, targets) with a
resolver of our own, then, on the session's site build (``--site``), every notebook the
site serves (``_build/html/_sources/**/*.ipynb``, what the download menu offers and the
deploy workflow publishes for Colab):

* no MyST role, directive fence, colon fence or target is left in a markdown cell;
* each markdown cell, rendered by markdown-it-py with CommonMark and tables (what
  Jupyter and Colab draw), shows no such syntax either, and every link it makes to the
  published site names a page the build wrote (and the anchor, where it has one);
* the install cell pins the commit that built the notebook.
"""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tools import notebooks
from tools.notebooks import MystLeftover, Resolver, plain_cells, plain_notebook

ROOT = Path(__file__).resolve().parent.parent
SITE = notebooks.site_url("https://github.com/o/r")
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
# Where the book is published, as the notebooks' links name it.
SITE_OF_BOOK = notebooks.site_url(CONFIG["repository"]["url"],
                                  (CONFIG.get("html") or {}).get("baseurl", ""))

# Leftovers a Jupyter reader would see as raw MyST (in a markdown cell's source).
LEFTOVER = re.compile(
    r"\{[A-Za-z][\w:+-]*\}`"  # a role
    r"|^\s*(`{3,}|~{3,})\s*\{"  # a directive fence
    r"|^\s*:{3,}\s*\{?\w"  # a colon fence
    r"|^\s*\([^()\s]+\)=\s*$",  # a target
    re.M,
)
# MyST that a published page shows raw too (a role inside an inline code span, which
# MyST does not read) would be a fix of the page, not of the notebooks; none is left.
KNOWN_IN_PAGES: dict[str, list[str]] = {}  # page: MyST the published page shows too


def resolver(**over) -> Resolver:
    base = {
        "glue": lambda key, spec: format({"x": 0.123456, "name": "a_b*c"}[key], spec or ""),
        "doc": lambda target: (f"Title of {target}", f"{SITE}book/{target}.html"),
        "ref": lambda label: (f"Section {label}", f"{SITE}book/p.html#{label}"),
        "include": lambda argument, options: f"def {options.get('pyobject', 'f')}():\n    pass\n",
        "exec_table": lambda: "| Document | Run Time (s) |\n| --- | --- |\n| [p](u) | 1.0 |",
    }
    base.update(over)
    return Resolver(**base)


def sources(cells) -> list[str]:
    return [c["source"] for c in cells]


def test_glue_doc_ref_and_targets():
    text = ("(my-target)=\n## Head\n\nThe loss is {glue:text}`x:.3f`, named {glue:text}`name`; "
            "see {doc}`momentum`, {doc}`that page <momentum>` and {ref}`sec-a`.\n")
    (cell,), level = plain_cells(text, resolver())
    assert level == 2
    assert cell["cell_type"] == "markdown"
    assert cell["source"] == (
        "## Head\n\nThe loss is 0.123, named a\\_b\\*c; see "
        f"[Title of momentum]({SITE}book/momentum.html), [that page]({SITE}book/momentum.html)"
        f" and [Section sec-a]({SITE}book/p.html#sec-a).")


def test_roles_inside_code_are_left_alone():
    (cell,), _ = plain_cells("Write `{doc}` as ``{doc}`page` ``.", resolver())
    assert cell["source"] == "Write `{doc}` as ``{doc}`page` ``."


def test_exercise_and_solution_become_headings_and_cells():
    text = ("## Exercises\n\n```{exercise} Less momentum\n:label: ex-a\n\n"
            "Try $\\mu = 0.5$ ({glue:text}`x:.1f`).\n```\n\n"
            "```{solution-start} ex-a\n:class: dropdown\n```\n\nThe runs:\n")
    (cell,), level = plain_cells(text, resolver())
    assert cell["source"] == ("## Exercises\n\n### Exercise: Less momentum\n\n"
                              "Try $\\mu = 0.5$ (0.1).\n\n### Solution: Less momentum\n\nThe runs:")
    assert level == 2
    cells, _ = plain_cells("```{solution-end}\n```\n\nAfter.", resolver())
    assert sources(cells) == ["After."]


def test_admonition_becomes_a_quote():
    text = "```{note}\nMeasured on {glue:text}`name`.\n\nSee {doc}`b`.\n```\n"
    (cell,), _ = plain_cells(text, resolver())
    assert cell["source"] == (f"> **Note**\n>\n> Measured on a\\_b\\*c.\n>\n"
                              f"> See [Title of b]({SITE}book/b.html).")


def test_literalinclude_becomes_a_code_cell_that_shows_the_code():
    text = ("The loop:\n\n```{literalinclude} optimlab/optax_fit.py\n:pyobject: loop\n"
            ":language: python\n```\n\nIt shuffles.\n")
    before, code, after = plain_cells(text, resolver())[0]
    assert sources([before, after]) == ["The loop:", "It shuffles."]
    assert code["cell_type"] == "code" and code["outputs"] == []
    assert notebooks.INCLUDED_TAG in code["metadata"]["tags"]
    assert code["source"].splitlines()[0] == "%%script false --no-raise-error"
    assert "def loop():\n    pass" in code["source"]


def test_the_execution_table_is_written_out():
    (cell,), _ = plain_cells("Times:\n\n```{nb-exec-table}\n```\n", resolver())
    assert cell["source"].startswith("Times:\n\n| Document | Run Time (s) |")


@pytest.mark.parametrize("text", ["{numref}`fig-a`", "```{figure} a.png\n```\n"])
def test_unknown_myst_stops_the_conversion(text):
    with pytest.raises(MystLeftover, match="numref|figure"):
        plain_cells(text, resolver())


def test_plain_notebook_keeps_code_cells_and_ids():
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# Page\n\n(t)=\nA"},
        {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": "x = 1"},
        {"cell_type": "markdown", "id": "m2", "metadata": {},
         "source": ["Code:\n", "```{literalinclude} f.py\n", "```\n", "Done."]},
    ]}
    plain_notebook(nb, resolver())
    assert [c.get("id") for c in nb["cells"]] == ["m1", "c1", "m2", "m2-1", "m2-2"]
    assert nb["cells"][0]["source"] == "# Page\n\nA"
    assert nb["cells"][3]["cell_type"] == "code"
    import nbformat

    nbformat.validate(nbformat.from_dict(nb))


def test_glued_text_formats_as_myst_nb_does():
    glue = {"a": {"data": {"text/plain": "0.123456"}}, "s": {"data": {"text/plain": "'cpu'"}}}
    assert notebooks.glued_text(glue, "a", ".2f") == "0.12"
    assert notebooks.glued_text(glue, "s", "") == "cpu"
    with pytest.raises(MystLeftover, match="no glued value 'b'"):
        notebooks.glued_text(glue, "b", "", page="p")


def test_site_url_and_build_commit(tmp_path):
    assert notebooks.site_url("", "https://example.org/notes") == "https://example.org/notes/"
    with pytest.raises(ValueError, match="html: baseurl"):
        notebooks.site_url("https://gitlab.com/o/r")
    assert notebooks.build_commit(tmp_path) is None  # not a git checkout
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    assert notebooks.build_commit(ROOT) == (head or None)


def test_install_source_pins_a_commit():
    commit = "0123456789abcdef0123456789abcdef01234567"
    assert (notebooks.install_source("https://github.com/o/r", commit)
            == f"git+https://github.com/o/r@{commit}")


# --- every published notebook ----------------------------------------------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


@pytest.fixture(scope="module")
def published(built_site):
    assert built_site.returncode == 0, built_site.log[-3000:]
    found = sorted((built_site.html / "_sources").rglob("*.ipynb"))
    assert found, f"no notebooks under {built_site.html / '_sources'}"
    return {p.relative_to(built_site.html / "_sources").with_suffix("").as_posix(): p
            for p in found}


@pytest.mark.site
def test_published_notebooks_hold_no_myst(published):
    left = []
    for page, path in published.items():
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            source = "".join(cell["source"])
            known = [k for k in KNOWN_IN_PAGES.get(page, []) if k in source]
            for k in known:
                source = source.replace(k, "`")
            for match in LEFTOVER.finditer(source):
                left.append(f"{page} cell {i}: ...{source[max(0, match.start() - 30):match.end() + 30]!r}")
            html = rendered(source)
            for match in re.finditer(r"\{[A-Za-z][\w:+-]*\}<code>|language-\{", html):
                left.append(f"{page} cell {i} renders MyST: {html[match.start():match.end() + 40]!r}")
    assert not left, f"{len(left)} MyST leftovers:\n" + "\n".join(left[:30])


@pytest.mark.site
def test_known_page_leftovers_are_still_there(published):
    """KNOWN_IN_PAGES must shrink when a page is fixed."""
    for page, known in KNOWN_IN_PAGES.items():
        text = published[page].read_text(encoding="utf-8")
        for k in known:
            assert json.dumps(k)[1:-1] in text, f"{page} no longer has {k!r}: drop it from KNOWN_IN_PAGES"


@pytest.mark.site
def test_links_to_the_site_name_built_pages(published, built_site):
    html_dir, bad, count = built_site.html, [], 0
    for page, path in published.items():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            parser = Links()
            parser.feed(rendered("".join(cell["source"])))
            for href in parser.hrefs:
                if not href.startswith(SITE_OF_BOOK):
                    continue
                count += 1
                target, _, anchor = href.removeprefix(SITE_OF_BOOK).partition("#")
                file = html_dir / target
                if not file.is_file():
                    bad.append(f"{page}: {href} (no {target})")
                elif anchor and f'id="{anchor}"' not in file.read_text(encoding="utf-8"):
                    bad.append(f"{page}: {href} (no #{anchor})")
    assert count > 100, f"only {count} links to the published pages"
    assert not bad, "\n".join(bad)


@pytest.mark.site
def test_install_cell_pins_the_building_commit(published, built_site):
    commit = re.search(r"notebooks: install cell pins commit ([0-9a-f]{40})", built_site.log)
    assert commit, "the build log does not say which commit the install cells pin"
    for page, path in published.items():
        nb = json.loads(path.read_text(encoding="utf-8"))
        if notebooks.has_bootstrap(nb):
            assert f"@{commit[1]}\"" in "".join(nb["cells"][1]["source"]), page
