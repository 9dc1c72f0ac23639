"""Zero broken internal links and anchors in the built site (issue 5 item 7).

Every ``href`` and ``src`` of every HTML page under the site is resolved relative to its
page; external schemes (http, https, mailto, javascript, data, ...) are ignored. The
target file must exist, and a ``#fragment`` must name an element (``id``, or ``name``
for old-style anchors) of the target page."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

LINK_ATTRIBUTES = ("href", "src")
# Theme template sources that Sphinx copies verbatim into _static (Jinja macros such as
# ``{{ pathto(...) }}``, never served as pages): not checked as pages, but links *into*
# _static from the pages are.
NOT_PAGES = ("_static",)


@cache
def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")


@cache
def anchors(path: Path) -> frozenset[str]:
    """Every id (and old-style ``name``) that a page defines."""
    soup = parse(path)
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    ids |= {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
    return frozenset(ids)


def internal_links(page: Path):
    """(attribute, raw link) for every relative link or source in one page."""
    for tag in parse(page).find_all(True):
        for attribute in LINK_ATTRIBUTES:
            link = tag.get(attribute)
            if not link or not isinstance(link, str):
                continue
            parts = urlsplit(link.strip())
            if parts.scheme or parts.netloc:  # http(s), mailto, javascript, data, //host
                continue
            yield attribute, link


def broken_links(html_dir: Path) -> list[str]:
    html_dir = html_dir.resolve()
    broken = []
    for page in sorted(html_dir.rglob("*.html")):
        if page.relative_to(html_dir).parts[0] in NOT_PAGES:
            continue
        for attribute, link in internal_links(page):
            parts = urlsplit(link.strip())
            path = unquote(parts.path)
            if path:
                target = (
                    (html_dir / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
                )
                target = target.resolve()
            else:
                target = page
            where = f"{page.relative_to(html_dir)}: {attribute}={link!r}"
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{where} -> missing file")
                continue
            try:
                target.relative_to(html_dir)
            except ValueError:
                broken.append(f"{where} -> points outside the site")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in anchors(target):
                broken.append(f"{where} -> no element with id {fragment!r}")
    return broken


@pytest.mark.site
def test_no_broken_internal_links(built_site):
    pages = list(built_site.html.rglob("*.html"))
    assert pages, f"no html pages under {built_site.html}"
    broken = broken_links(built_site.html)
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken)


def test_checker_finds_broken_links(tmp_path):
    """The checker itself (fast, no build): it reports missing files and anchors only."""
    (tmp_path / "book").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.css").write_text("")
    (tmp_path / "book" / "a.html").write_text(
        '<h1 id="top">A</h1><a href="b.html#here">ok</a> <a href="b.html#gone">bad anchor</a>'
        '<a href="c.html">bad file</a> <a href="#top">ok</a> <a href="#nowhere">bad</a>'
        '<link href="../_static/x.css?v=1"> <img src="../_images/none.png">'
        '<a href="https://example.org/missing.html">external</a> <a href="mailto:x@y">m</a>'
    )
    (tmp_path / "book" / "b.html").write_text('<p id="here">B</p><a name="old">old</a>')
    found = broken_links(tmp_path)
    assert len(found) == 4, found
    assert any("'b.html#gone'" in f and "no element" in f for f in found)
    assert any("'c.html'" in f and "missing file" in f for f in found)
    assert any("'#nowhere'" in f for f in found)
    assert any("none.png" in f for f in found)
