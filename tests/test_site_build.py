"""The site build: it succeeds, warns about nothing, runs offline, executes every page
once, builds every page of the table of contents and nothing else, and its build report
names this machine. Reads the last build (``built_site``, tests/conftest.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import page_weight  # noqa: E402  (tools/page_weight.py: the docnames of _toc.yml)

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.site

# Pages Sphinx adds to every HTML build besides the table of contents.
SPHINX_PAGES = {"index.html", "genindex.html", "search.html"}
# Folders of assets and sources, not pages.
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads"}


def toc_pages() -> list[str]:
    """Every page named in ``_toc.yml`` (root first), e.g. ``['book/index', ...]``."""
    return page_weight.toc_pages(ROOT / "_toc.yml")


def has_code_cells(page: str) -> bool:
    source = ROOT / f"{page}.md"
    return source.is_file() and "```{code-cell}" in source.read_text(encoding="utf-8")


def page_text(html: Path) -> str:
    """The visible text of one built page, whitespace collapsed."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text(" ").split())


def test_build_succeeded(built_site):
    tail = "\n".join(built_site.log.splitlines()[-40:])
    assert built_site.returncode == 0, f"build failed; see {built_site.log_path}:\n{tail}"
    assert (built_site.html / "index.html").is_file()


def test_build_ran_offline(built_site):
    first = built_site.log.splitlines()[0]
    if "loopback" not in first:
        pytest.skip(f"this build could not be run without network: {first}")
    assert first == "[build] network: loopback", first


def test_log_has_no_warnings(built_site):
    bad = [line for line in built_site.log.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line)]
    assert not bad, f"{len(bad)} warning lines in {built_site.log_path}:\n" + "\n".join(bad)


def test_every_toc_page_is_built(built_site):
    missing = [p for p in toc_pages() if not (built_site.html / f"{p}.html").is_file()]
    assert not missing, f"pages in _toc.yml without an html file: {missing}"


def test_no_stray_pages(built_site):
    html = built_site.html
    built = {
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if not ASSET_DIRS.intersection(p.relative_to(html).parts)
    }
    expected = {f"{p}.html" for p in toc_pages()} | SPHINX_PAGES
    stray = sorted(built - expected)
    assert not stray, f"pages built that are not in _toc.yml: {stray}"
    for name in ("README", "tests", ".pytest_cache", "_build", ".venv"):
        hits = [p for p in built if p.split("/")[0].startswith(name)]
        hits += [p.as_posix() for p in html.joinpath("_sources").glob(f"{name}*")]
        assert not hits, f"{name} was read as a document: {hits}"


def test_root_index_redirects_to_first_page(built_site):
    text = (built_site.html / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    refresh = soup.find("meta", attrs={"http-equiv": re.compile("refresh", re.I)})
    assert refresh is not None, "root index.html is not a redirect"
    target = refresh["content"].split("url=", 1)[-1].strip()
    first = toc_pages()[0]
    assert target == f"{first}.html", f"root index.html redirects to {target!r}"
    assert (built_site.html / target).is_file()


def test_build_report_names_this_machine(built_site):
    from optimlab.machine import cpu_model, gpus

    text = page_text(built_site.html / "book" / "build_report.html")
    cpu = cpu_model()
    assert cpu in text, f"build report does not name this machine's CPU {cpu!r}"
    if not gpus():
        assert "No GPU" in text, "build report does not say plainly that no GPU was present"
    for package in ("jax", "optax", "torch", "numpy"):
        assert f"{package} version" in text, f"build report does not list the {package} version"


def test_exec_table_lists_every_executed_page(built_site):
    soup = BeautifulSoup(
        (built_site.html / "book" / "build_report.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    tables = [t for t in soup.find_all("table") if "Run Time" in t.get_text()]
    assert len(tables) == 1, "no (or several) nb-exec-table on the build report"
    rows = tables[0].find("tbody").find_all("tr")
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]
    listed = {row[0] for row in cells}
    executed = {p for p in toc_pages() if has_code_cells(p)}
    missing = sorted(p for p in executed if not any(p in name for name in listed))
    assert not missing, f"executed pages missing from the exec table: {missing} (table: {listed})"
    failed = [row for row in cells if "✅" not in " ".join(row)]
    assert not failed, f"pages whose execution did not succeed: {failed}"


def test_every_page_executes_once_timing_pages_alone(built_site):
    """tools/build.sh executes every page once under pytest --nbmake, the timing pages
    first and alone; MyST-NB then finds every page in the cache and executes none again
    (it would if the cache missed a page: a second execution)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from pages import read_page

    pages = {p for p in toc_pages() if has_code_cells(p)}
    listed = dict(re.findall(r"^\[build\] (alone|two at a time): (.*)$", built_site.log, re.M))
    ran = {how: {f"book/{name.removesuffix('.ipynb')}" for name in names.split()}
           for how, names in listed.items()}
    assert set().union(*ran.values()) == pages, ran
    alone = {p for p in pages if read_page(ROOT / f"{p}.md")[1].get("optimlab", {}).get("run_alone")}
    assert ran.get("alone", set()) == alone and alone, ran
    again = re.findall(r"(\S+\.md): Executing notebook", built_site.log)
    assert not again, f"MyST-NB executed these pages again (not found in the cache): {again}"
    cached = set(re.findall(r"(\S+)\.md: Using cached notebook", built_site.log))
    assert {str(built_site.out / p) for p in pages} == cached
