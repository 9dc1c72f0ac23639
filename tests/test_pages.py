"""Static checks of the MyST pages: format, toc, float64, glue keys, no installs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def is_myst_notebook(path: Path) -> bool:
    """True for a markdown file whose front matter declares jupytext's MyST format."""
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "format_name: myst" in head


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    files += [c["file"] for c in toc.get("chapters", [])]
    return files


PAGES = sorted(p for p in BOOK.glob("*.md") if is_myst_notebook(p))
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.M | re.S)


def test_toc_and_pages_agree():
    listed = {f + ".md" for f in toc_files()}
    present = {f"book/{p.name}" for p in BOOK.glob("*.md")}
    assert listed == present, f"in toc only: {listed - present}; on disk only: {present - listed}"


def test_every_content_page_is_a_myst_notebook():
    assert PAGES, "no MyST notebook pages found"
    for page in BOOK.glob("*.md"):
        if page.name != "index.md":
            assert is_myst_notebook(page), f"{page.name} lacks the jupytext MyST header"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_first_code_cell_imports_and_enables_float64(page):
    cells = CODE_CELL.findall(page.read_text())
    assert cells, f"{page.name} has no code cells"
    uses_jax = any(re.search(r"^\s*(import jax|from jax)", c, re.M) for c in cells)
    if uses_jax:
        assert 'jax.config.update("jax_enable_x64", True)' in cells[0], (
            f"{page.name}: switch on float64 in the first code cell"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_install_nothing(page):
    text = page.read_text()
    assert not re.search(r"pip install|%pip|!pip|conda install", text), (
        f"{page.name}: dependencies belong in requirements.txt, not in pages"
    )


def test_glue_keys_are_unique_across_pages():
    seen = {}
    for page in PAGES:
        for key in set(re.findall(r"""glue\(\s*["']([^"']+)["']""", page.read_text())):
            assert key not in seen, f"glue key {key!r} used on {seen[key]} and {page.name}"
            seen[key] = page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_glued_reference_is_defined_on_its_page(page):
    text = page.read_text()
    defined = set(re.findall(r"""glue\(\s*(?:f?)["']([^"'{}]+)["']""", text))
    used = set(re.findall(r"\{glue:[a-z]+\}`([^`:]+)", text))
    dynamic = re.search(r"""glue\(\s*f["']""", text) is not None
    missing = used - defined
    assert dynamic or not missing, f"{page.name}: glued in prose but never glued: {missing}"


# --- visible code fits a phone and a printed page (issue 9 item 6) -----------------

MAX_VISIBLE_LINE = 88
HIDDEN_TAGS = {"remove-cell", "remove-input"}
FENCE = re.compile(r"^(`{3,})\{code-cell\}")


def code_cells(page: Path):
    """``(tags, [(line number, line), ...])`` for every code cell of a MyST page.

    Cell options come either as ``:key: value`` lines or as a ``---`` YAML block right
    after the opening fence; the line numbers are the page source's.
    """
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        i += 1
        if not fence:
            continue
        options = []
        if i < len(lines) and lines[i].strip() == "---":
            i += 1
            while i < len(lines) and lines[i].strip() != "---":
                options.append(lines[i])
                i += 1
            i += 1
        else:
            while i < len(lines) and lines[i].startswith(":"):
                options.append(lines[i][1:])
                i += 1
        meta = yaml.safe_load("\n".join(options)) if options else None
        tags = set((meta or {}).get("tags") or [])
        body = []
        while i < len(lines) and lines[i].rstrip() != fence.group(1):
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        yield tags, body


def test_code_cells_are_parsed_with_their_tags(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "```{code-cell} ipython3\nx = 1\n```\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell]\n\nassert x == 1\n```\n"
        "```{code-cell} ipython3\n---\ntags: [hide-input]\nmystnb:\n  image:\n    alt: a\n---\ny\n```\n",
        encoding="utf-8",
    )
    cells = list(code_cells(page))
    assert [tags for tags, _ in cells] == [set(), {"remove-cell"}, {"hide-input"}]
    assert cells[0][1] == [(2, "x = 1")]
    assert cells[1][1] == [(7, ""), (8, "assert x == 1")]
    assert cells[2][1] == [(17, "y")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_visible_code_lines_fit_88_characters(page):
    long = [
        f"{page.name}:{number}: {len(line)} characters: {line.strip()[:70]}"
        for tags, body in code_cells(page)
        if not tags & HIDDEN_TAGS
        for number, line in body
        if len(line) > MAX_VISIBLE_LINE
    ]
    assert not long, (
        f"{page.name}: {len(long)} visible code lines longer than {MAX_VISIBLE_LINE} "
        "characters (break them, or move the detail into optimlab):\n" + "\n".join(long)
    )


LITERALINCLUDE = re.compile(r"^```\{literalinclude\} (\S+)\n(?:.*\n)*?:pyobject: (\S+)", re.M)


def test_literalincluded_code_fits_88_characters():
    """Code shown with literalinclude (:pyobject:) is visible code too."""
    import ast

    shown = 0
    too_long = []
    for page in PAGES:
        for rel, name in LITERALINCLUDE.findall(page.read_text()):
            source = (page.parent / rel).read_text()
            node = next(
                n for n in ast.walk(ast.parse(source))
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name
            )
            lines = source.splitlines()[node.lineno - 1 - len(node.decorator_list):node.end_lineno]
            shown += 1
            too_long += [f"{page.name}: {rel}:{name}: {len(x)} chars" for x in lines if len(x) > 88]
    assert shown >= 3, "expected the pages to show helper code with literalinclude"
    assert not too_long, "\n".join(too_long)


# Calls that time something (optimlab.timing, optimlab.runtime,
# optimlab.sweeps.seconds_per_step, the pages' own timing functions) or read a clock.
TIMES_SOMETHING = re.compile(
    r"\b(time_call|time_epoch_\w+|seconds_per_step|profile_lecture_epoch|"
    r"time_one_xla_thread|perf_counter|timeit)\s*\("
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_timing_pages_and_only_they_run_alone_in_the_build(page):
    """tools/build.sh runs pages two at a time, except pages whose front matter says
    ``optimlab: {run_alone: true}``: a page that times something must say so, or its
    timings would describe a machine shared with another page."""
    from tools.pages import read_page

    runs_alone = bool(read_page(page)[1].get("optimlab", {}).get("run_alone"))
    code = "\n".join(CODE_CELL.findall(page.read_text()))
    times = bool(TIMES_SOMETHING.search(code))
    assert runs_alone == times, (
        f"{page.name}: {'times something' if times else 'times nothing'} but "
        f"run_alone is {runs_alone} in its front matter"
    )
