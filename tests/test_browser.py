"""The built site, tested the way students meet it: in a real browser.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser
download does not work here) against the site built by the ``built_site`` fixture
(tests/conftest.py), served by ``python -m http.server`` on 127.0.0.1. Each page of
``_toc.yml`` is visited once per window width, when the first test asks, and what the
tests need is collected during that visit.

Offline: every request to anything but 127.0.0.1 is intercepted and answered with an
empty 200 response, never sent. Such requests are listed in the test output (a warning
per address, naming the pages) and must come from the allow-list ``EXPECTED_EXTERNAL``,
which is empty: the site serves everything itself, MathJax included
(tools/offline_mathjax.py), and ``test_math_is_typeset`` checks that math renders.

With ``SCREENSHOTS=1`` (``SCREENSHOTS=1 make test``), every visit also saves a
full-page screenshot (JPEG, 1280 and 375 px wide) in ``_build/screenshots/`` beside the
site, for review. No test reads them, and they cost about 15 CPU-s of a CPU-bound run,
so they are off by default; the folder is emptied either way, so a screenshot there is
always of this build.

One browser keeps one tab per width and loads page after page in it (:class:`Tab`): a
fresh document each time, for about half the CPU of a new tab per page.

Light, accessible pages (issue 13): axe-core, pinned in ``tools/axe/package-lock.json``
(installed with ``npm ci`` on first use, see ``tools/axe_site.py``), checks every page
against the WCAG 2.0/2.1 A and AA rules and its best-practice rules, in light and dark
mode; each page stays under ``MAX_PAGE_BYTES`` and loads MathJax, Font Awesome's script
and the search index only where it uses them; figures keep their text legible at 375 px.

Phones and first visits (issue 22): taps on the menu and contents buttons at 390 x 844
and 768 x 1024 (and the desktop collapse), nothing cut off out of reach at 375 px (and
390 px on the widest tables), a first visit drawn in the reader's colour scheme, search
snippets from the page's own text, and a deployed site of only what pages load.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import axe_site  # noqa: E402  (tools/axe_site.py: pinned axe-core and how to run it)
from page_weight import toc_pages  # noqa: E402  (docnames of _toc.yml, in order)

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Chromium at /usr/bin/chromium: run `apt-get install chromium` "
        "(.ci/run does when root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDE, NARROW = 1280, 375
NEXT_AND_PREVIOUS = {"next": "a.right-next", "previous": "a.left-prev"}
TIMEOUT_MS = 30_000
# Hosts a page may ask for although the test network cannot reach them (they are
# answered with an empty body). None: the site must work offline.
EXPECTED_EXTERNAL: set[str] = set()

pytestmark = pytest.mark.browser
# Issue 13: every page, everything it loads counted after decompression.
MAX_PAGE_BYTES = 1_500_000
# axe best-practice rules the site cannot fix, with the reason. (None at present.)
ALLOWED_BEST_PRACTICE: dict[str, str] = {}




PAGES = toc_pages()


def is_myst_notebook_with_code(source: Path) -> bool:
    text = source.read_text(encoding="utf-8") if source.is_file() else ""
    return "format_name: myst" in text[:2000] and "```{code-cell}" in text


# --- the site, served -----------------------------------------------------------------


@pytest.fixture(scope="module")
def site(built_site):
    """The built html directory."""
    html = Path(built_site.html)
    if not (html / "index.html").is_file():
        pytest.fail(f"the build made no site in {html} (return code {built_site.returncode})")
    return html


@pytest.fixture(scope="module")
def base_url(site):
    """The site, served on 127.0.0.1 by Python's own ``http.server`` in a process of
    its own; stopped after the module."""
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):  # until it answers (a second or so)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise RuntimeError(f"python -m http.server did not answer on port {port}")
    yield url
    server.terminate()
    server.wait(timeout=10)


def empty_screenshots(html: Path, wanted: bool | None = None) -> Path | None:
    """``_build/screenshots/`` beside ``_build/html``, emptied (no screenshot of an
    older build stays). Returns the folder when screenshots are wanted
    (``SCREENSHOTS=1``), else None."""
    wanted = os.environ.get("SCREENSHOTS") == "1" if wanted is None else wanted
    folder = Path(html).parent / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    if not wanted:
        return None
    folder.mkdir(parents=True)
    return folder


def test_the_screenshot_folder_never_keeps_an_older_build(tmp_path):
    """Off (the default) or on, ``_build/screenshots/`` holds no earlier build's image."""
    html, folder = tmp_path / "html", tmp_path / "screenshots"
    for wanted in (False, True):
        folder.mkdir(exist_ok=True)
        (folder / "old-1280.jpg").write_bytes(b"an earlier build")
        got = empty_screenshots(html, wanted=wanted)
        if wanted:
            assert got == folder and list(folder.iterdir()) == []
        else:
            assert got is None and not folder.exists()


@pytest.fixture(scope="module")
def screenshots(site):
    """``_build/screenshots/`` (None: screenshots off), emptied first."""
    return empty_screenshots(site)


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def external_requests():
    """Every intercepted request to a host other than 127.0.0.1, in order."""
    return []


def new_context(browser, external: list[str], width: int, javascript: bool = True):
    """A browser context of the given width whose requests never leave 127.0.0.1."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)

    def route(route):
        url = route.request.url
        if urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            external.append(url)
            route.fulfill(status=200, body="")

    context.route("**/*", route)
    return context


@pytest.fixture(scope="module")
def wide(chromium, external_requests):
    context = new_context(chromium, external_requests, WIDE)
    yield context
    context.close()


# --- one visit per page and width ------------------------------------------------------

WAIT_FOR_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null :
      new Promise((done) => { img.onload = img.onerror = done; })));
  await document.fonts.ready;
  return images.map((img) => ({src: img.currentSrc || img.src,
      alt: img.getAttribute("alt"), naturalWidth: img.naturalWidth}));
}"""

# Elements sticking out to the right of the window, outside any container that scrolls
# or clips horizontally: what makes a narrow window scroll sideways.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    if (getComputedStyle(el).position === "fixed") return true;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.position === "fixed") return true;
      if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !clipped(el))
    .slice(0, 8).map((el) => `${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


# Content cut off on a phone: an element sticking out of the nearest ancestor that clips
# it sideways (overflow hidden or clip), with no scrolling box in between, so no
# gesture brings it into view. Content in a box that scrolls sideways (wide tables,
# outputs, display math) is reachable; MathJax's assistive MathML (clipped on purpose,
# read by screen readers) is left out, and so are sub-pixel overhangs of glyphs.
UNREACHABLE = """() => {
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll("article *")) {
    if (el.closest("mjx-assistive-mml")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    let limit = width, by = "the window";
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll") { limit = null; break; }
      if (ox === "hidden" || ox === "clip") { limit = p.getBoundingClientRect().right; by = name(p); break; }
    }
    const parent = el.parentElement.getBoundingClientRect();
    if (limit !== null && r.right > limit + 2 && parent.right <= limit + 2)
      out.push(`${name(el)} (right edge ${Math.round(r.right)} px, cut at ${Math.round(limit)} px by ${by})`);
  }
  return out.slice(0, 8);
}"""


@dataclass
class Visit:
    """What one page showed in one window."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    local_failures: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    footer: str = ""
    footer_link: str | None = None
    downloads: dict[str, str] = field(default_factory=dict)  # menu text -> absolute url
    scroll_width: int = 0
    client_width: int = 0
    overflowing: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # cut off, no scrolling box (narrow)
    math_source: int = 0  # math elements Sphinx wrote into the page
    math_typeset: int = 0  # formulas MathJax rendered (mjx-container elements)
    loaded: list[tuple[str, int]] = field(default_factory=list)  # (url, bytes) per response
    description: str = ""  # <meta name="description">
    sizes: list[dict] = field(default_factory=list)  # content images' width/height attributes
    figure_text: list[dict] = field(default_factory=list)  # smallest SVG text per figure, px
    body_px: float = 0.0  # body text size, px
    empty_headers: list[str] = field(default_factory=list)  # <th> without text
    axe: dict[str, list[dict]] = field(default_factory=dict)  # "wcag light" -> violations
    dark_figures: list[dict] = field(default_factory=list)  # figure styles in dark mode
    code_scrolling: list[str] = field(default_factory=list)  # code cells wider than shown
    links: dict[str, str] = field(default_factory=dict)  # "next"/"previous" -> absolute url
    unclickable: dict[str, str] = field(default_factory=dict)  # such a link -> why not

    @property
    def page_bytes(self) -> int:
        return sum(n for _, n in self.loaded)


def _body_size(response) -> int:
    try:
        return len(response.body())
    except Exception:  # a redirect, or a body the browser did not keep
        return 0


# Content images (figures, not theme logos) and their width/height attributes.
IMAGE_SIZES = """() => [...document.querySelectorAll("article img")].map((img) => ({
  src: img.getAttribute("src"), width: img.getAttribute("width"),
  height: img.getAttribute("height")}))"""

EMPTY_HEADERS = """() => [...document.querySelectorAll("article th")]
  .filter((th) => !th.textContent.replace(/\u00a0/g, " ").trim())
  .map((th) => th.closest("table").querySelector("tr").textContent.trim().slice(0, 60))"""

# Per SVG figure: its smallest text as drawn (font size in the SVG's user units times the
# scale at which the image is shown), and the page's body text size.
FIGURE_TEXT = r"""async () => {
  const out = [];
  for (const img of document.querySelectorAll("article img")) {
    const src = img.currentSrc || img.src;
    if (!src.endsWith(".svg")) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(src)).text(),
                                                "image/svg+xml").documentElement;
    const box = (svg.getAttribute("viewBox") || "").split(/[ ,]+/).map(Number);
    const scale = img.getBoundingClientRect().width / box[2];
    const sizes = [...svg.querySelectorAll("text")].map((t) =>
        parseFloat((t.getAttribute("style") || "").match(/font-size:\s*([0-9.]+)/)?.[1]
                   || t.getAttribute("font-size") || "NaN")).filter((x) => x > 0);
    if (sizes.length) out.push({src: src.split("/").pop(), px: Math.min(...sizes) * scale});
  }
  const p = document.querySelector("article p") || document.body;
  return [out, parseFloat(getComputedStyle(p).fontSize)];
}"""

# Code the page shows (cell inputs, literalincludes; not outputs) whose text is wider
# than its block: it scrolls sideways.
CODE_SCROLLING = """() => [...document.querySelectorAll("article div.highlight pre")]
  .filter((pre) => !pre.closest(".cell_output, .output") && pre.offsetParent !== null
                   && pre.scrollWidth > pre.clientWidth + 1)
  .map((pre) => pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), ""))"""

FIGURE_STYLES = """() => [...document.querySelectorAll("article .cell_output img")].map((img) => {
  const style = getComputedStyle(img);
  return {src: img.getAttribute("src"), filter: style.filter, background: style.backgroundColor};
})"""


class Tab:
    """One browser tab that visits page after page: each visit is a fresh document,
    but the tab (and its renderer process) is reused, which costs a page load about
    half the CPU of a new tab each time. What the tab reports (console errors, failed
    requests, responses) goes to the visit under way."""

    def __init__(self, context):
        self.page = context.new_page()
        self.visit = Visit(url="")
        self.responses: list = []
        page = self.page
        page.on("console", lambda m: m.type == "error"
                and self.visit.console_errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.visit.console_errors.append(f"pageerror: {e}"))
        page.on("response", self._response)
        page.on("requestfailed", lambda r: urlparse(r.url).hostname == "127.0.0.1"
                and self.visit.local_failures.append(f"failed {r.url}: {r.failure}"))

    def _response(self, response) -> None:
        if response.status >= 400:
            self.visit.local_failures.append(f"HTTP {response.status} {response.url}")
        self.responses.append(response)

    def start(self, url: str) -> Visit:
        self.visit, self.responses = Visit(url=url), []
        return self.visit


def visit_page(tab: Tab, url: str, shot: Path | None, external: list[str],
               axe: str | None = None) -> Visit:
    """Load ``url`` in ``tab``; collect errors, images, footer, downloads and widths;
    with ``shot``, save a full-page screenshot there (JPEG, for review).

    With ``axe`` (the axe-core source), run it in light and dark mode (wide window);
    without, measure the figures' text (narrow window)."""
    page = tab.page
    result = tab.start(url)
    before = len(external)
    try:
        page.emulate_media(color_scheme="light")  # as a new tab starts, whatever came before
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        result.images = page.evaluate(WAIT_FOR_IMAGES)
        result.math_source = page.locator(".math").count()
        if result.math_source:
            # MathJax loads when math nears the window or on the reader's first
            # interaction (tools/theme/static/lightpages-math.js): a key press.
            page.keyboard.press("Shift")
            try:
                # attached, not visible: a heading with math puts the first formula
                # in the "On this page" list, which has no height here; waiting for it
                # to become visible cost two pages 30 s per visit
                page.wait_for_selector("mjx-container", state="attached", timeout=TIMEOUT_MS)
                page.wait_for_function(
                    "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                    " && MathJax.startup.promise.then(() => true)",
                    timeout=TIMEOUT_MS,
                )
            except sync_api.TimeoutError:
                pass  # test_math_is_typeset reports it
            result.math_typeset = page.locator("mjx-container").count()
        # before any clicking; JPEG: a PNG of a long page costs twice the CPU to encode
        if shot is not None:
            page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=80)
        result.loaded = [(r.url, _body_size(r)) for r in tab.responses]
        result.description = page.evaluate(
            "() => document.querySelector('meta[name=description]')?.content || ''"
        )
        result.sizes = page.evaluate(IMAGE_SIZES)
        result.empty_headers = page.evaluate(EMPTY_HEADERS)
        if axe is not None:
            for mode in ("light", "dark"):
                for kind, found in axe_site.run_axe_by_kind(page, axe, mode).items():
                    result.axe[f"{kind} {mode}"] = found
                if mode == "dark":
                    result.dark_figures = page.evaluate(FIGURE_STYLES)
            page.emulate_media(color_scheme="light")
            page.evaluate(axe_site.SET_MODE, "light")
        else:
            result.figure_text, result.body_px = page.evaluate(FIGURE_TEXT)
        footer = page.locator(".buildinfo")
        if footer.count():
            result.footer = " ".join(footer.first.inner_text().split())
            link = footer.first.locator("a")
            if link.count():
                result.footer_link = link.first.evaluate("a => a.href")
        toggle = page.locator(".dropdown-download-buttons button.dropdown-toggle")
        if toggle.count() and toggle.first.is_visible():
            toggle.first.click()
            items = page.locator(".dropdown-download-buttons .dropdown-menu a")
            items.first.wait_for(state="visible")
            for i in range(items.count()):
                item = items.nth(i)
                if item.is_visible():
                    text = " ".join(item.inner_text().split())
                    result.downloads[text] = item.evaluate("a => a.href")
            page.keyboard.press("Escape")
        result.code_scrolling = page.evaluate(CODE_SCROLLING)
        result.scroll_width, result.client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if result.scroll_width > result.client_width + 1:
            result.overflowing = page.evaluate(OVERFLOWING)
        if axe is None:  # narrow
            result.unreachable = page.evaluate(UNREACHABLE)
        if axe is not None:  # wide: where "next" and "previous" lead, and can they be clicked
            for name, selector in NEXT_AND_PREVIOUS.items():
                link = page.locator(selector)
                if link.count():
                    result.links[name] = link.first.evaluate("a => a.href")
                    try:  # Playwright's actionability checks, without the click
                        link.first.click(trial=True, timeout=5_000)
                    except sync_api.Error as err:
                        result.unclickable[name] = str(err).splitlines()[0]
    finally:
        result.external = external[before:]
        tab.visit = Visit(url="")  # whatever the tab reports from now on is not this visit's
    return result


@pytest.fixture(scope="module")
def axe_js():
    """The pinned axe-core script (tools/axe; `npm ci` there on first use)."""
    try:
        return axe_site.axe_source()
    except RuntimeError as err:
        pytest.fail(str(err))


def visit_all(jobs, base_url: str, screenshots: Path | None, axe: str) -> dict:
    """Visit every ``(page, width)`` of ``jobs`` in one Chromium, one tab per width.

    Returns ``{(page, width): Visit or the exception the visit raised}``."""
    done: dict = {}
    external: list[str] = []  # this browser's contexts: visits slice it
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tabs = {w: Tab(new_context(browser, external, w)) for w in (WIDE, NARROW)}
        for page, width in jobs:
            shot = (None if screenshots is None
                    else screenshots / f"{page.replace('/', '_')}-{width}.jpg")
            try:
                done[page, width] = visit_page(
                    tabs[width], base_url + page + ".html", shot, external,
                    axe if width == WIDE else None,
                )
            except Exception as err:  # reported by the tests that ask for it
                done[page, width] = err
                if tabs[width].page.is_closed():  # a crashed tab: the next in a new one
                    tabs[width] = Tab(new_context(browser, external, width))
        browser.close()
    return done


JOBS = [(page, width) for page in PAGES for width in (WIDE, NARROW)]


@pytest.fixture(scope="module")
def visits(request, base_url):
    """``visits(page, width)``: the Visit of a toc page at 1280 or 375 px. Every page is
    visited at both widths once, when the first test asks (:func:`visit_all`)."""
    cache = visit_all(JOBS, base_url, request.getfixturevalue("screenshots"),
                      request.getfixturevalue("axe_js"))

    def get(page: str, width: int = WIDE) -> Visit:
        result = cache[page, width]
        if isinstance(result, Exception):
            raise result
        return result

    yield get
    # Say which pages asked for what the closed network could not give them.
    asked: dict[str, set[str]] = {}
    for (page, _), v in cache.items():
        for url in getattr(v, "external", ()):
            asked.setdefault(url, set()).add(page)
    for url, pages in asked.items():
        warnings.warn(
            f"{len(pages)} pages asked for {url}; it was answered with an empty body "
            f"(no network here), so whatever it does is missing in these tests and "
            f"screenshots: {', '.join(sorted(pages))}",
            stacklevel=1,
        )


def show(lines) -> str:
    return "\n  ".join(["", *lines])


# --- the tests -------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_errors(visits, page):
    v = visits(page)
    assert not v.console_errors, f"{page}: errors in the browser console:{show(v.console_errors)}"
    assert not v.local_failures, f"{page}: resources that failed to load:{show(v.local_failures)}"


@pytest.mark.parametrize("page", PAGES)
def test_images_load_and_have_alt_text(visits, page):
    v = visits(page)
    broken = [img["src"] for img in v.images if not img["naturalWidth"]]
    no_alt = [img["src"] for img in v.images if not (img["alt"] or "").strip()]
    assert not broken, f"{page}: images that did not load:{show(broken)}"
    assert not no_alt, f"{page}: images without alt text:{show(no_alt)}"


@pytest.mark.parametrize("page", PAGES)
def test_no_unexpected_external_requests(visits, page):
    unexpected = [
        url
        for width in (WIDE, NARROW)
        for url in visits(page, width).external
        if urlparse(url).hostname not in EXPECTED_EXTERNAL
    ]
    assert not unexpected, f"{page}: requests to other hosts than 127.0.0.1:{show(unexpected)}"


def test_pages_with_math_exist(visits):
    with_math = [page for page in PAGES if visits(page).math_source]
    assert len(with_math) >= 5, f"expected math on most chapters, found it on {with_math}"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visits, page):
    v = visits(page)
    assert v.math_typeset >= v.math_source, (
        f"{page}: MathJax rendered {v.math_typeset} of {v.math_source} formulas"
    )


@pytest.mark.parametrize("page", PAGES)
def test_no_horizontal_scroll_at_375px(visits, page):
    v = visits(page, NARROW)
    assert v.scroll_width <= v.client_width + 1, (
        f"{page} scrolls sideways in a {NARROW} px window: content {v.scroll_width} px wide "
        f"for {v.client_width} px; sticking out:{show(v.overflowing)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_nothing_is_cut_off_on_a_phone(visits, page):
    """Wide tables, outputs and display equations scroll inside their own box (or fit):
    nothing sticks out of a box that clips it (see UNREACHABLE)."""
    v = visits(page, NARROW)
    assert not v.unreachable, (
        f"{page} at {NARROW} px: content cut off, out of reach:{show(v.unreachable)}")


@pytest.mark.parametrize("page", PAGES)
def test_footer_says_when_and_where_it_was_built(visits, base_url, page):
    from optimlab.machine import cpu_model

    v = visits(page)
    pattern = (
        r"Built \d{4}-\d\d-\d\d \d\d:\d\d UTC on (?P<cpu>.+) \((?P<cores>\d+) cores, "
        r"(?P<mem>[\d.]+) GiB, (?P<gpu>no GPU|GPU: .+)\)"
    )
    match = re.search(pattern, v.footer)
    assert match, f"{page}: no build line in the footer (found {v.footer!r})"
    assert match["cpu"] == cpu_model()
    assert v.footer.endswith("build report")
    assert v.footer_link == base_url + "book/build_report.html", (
        f"{page}: the footer's build report link goes to {v.footer_link}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_download_menu_offers_md_and_ipynb(visits, wide, built_site, site, page):
    v = visits(page)
    assert {".md", ".ipynb"} <= set(v.downloads), (
        f"{page}: the download menu offers {sorted(v.downloads)}"
    )
    md = wide.request.get(v.downloads[".md"])
    assert md.status == 200, f"{v.downloads['.md']}: HTTP {md.status}"
    source = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    assert md.text() == source, f"{page}.md is not the page's source (an older build?)"

    ipynb = wide.request.get(v.downloads[".ipynb"])
    assert ipynb.status == 200, f"{v.downloads['.ipynb']}: HTTP {ipynb.status}"
    notebook = json.loads(ipynb.body())
    assert notebook["nbformat"] == 4 and notebook["cells"]
    if is_myst_notebook_with_code(site / "_sources" / f"{page}.md"):
        # tools/notebooks.py puts an install cell (tagged optimlab-bootstrap) first, for
        # readers who open the notebook elsewhere, and shows literalinclude'd code in
        # cells tagged optimlab-included; neither runs in the build
        added = {"optimlab-bootstrap", "optimlab-included"}
        executed = [c for c in notebook["cells"] if c["cell_type"] == "code"
                    and not added & set(c.get("metadata", {}).get("tags", []))]
        assert executed and all(c.get("execution_count") for c in executed), (
            f"{page}.ipynb is not the executed notebook"
        )


def test_next_and_previous_follow_the_toc(visits, base_url):
    """Follow "next" from the first page to the last, then "previous" back to the first.

    The links are anchors (``a.right-next``, ``a.left-prev``) that no script of the
    site handles, so a click goes where the browser resolves their ``href``: each wide
    visit records that, and checks that the link can be clicked (Playwright's checks
    before a click: attached, visible, stable, enabled and not covered) without
    clicking it. Until 2026-11-30 this test clicked through the 48 links in a browser
    of its own, without JavaScript: 12 s and about 15 CPU-seconds more."""
    def walk(name: str, start: str) -> list[str]:
        seen = [start]
        while True:
            v = visits(seen[-1])
            assert name not in v.unclickable, (
                f"{seen[-1]}: the {name} link cannot be clicked: {v.unclickable[name]}")
            if name not in v.links:
                return seen
            target = v.links[name].removeprefix(base_url).split("#")[0].removesuffix(".html")
            assert target in PAGES, f"{seen[-1]}: the {name} link leads off the book: {target}"
            seen.append(target)
            assert len(seen) <= len(PAGES) + 1, f"{name} links loop: {seen}"

    forward = walk("next", PAGES[0])
    assert forward == PAGES
    assert walk("previous", forward[-1]) == PAGES[::-1]


def test_search_finds_adam(wide, base_url):
    page = wide.new_page()
    try:
        page.goto(base_url + "search.html?q=Adam")
        page.wait_for_function(
            """() => document.querySelector('#search-results ul.search li a') ||
                     /did not match|found 0 page/i.test(
                         document.querySelector('#search-results')?.innerText || '')"""
        )
        hits = page.locator("#search-results ul.search li a").evaluate_all(
            "links => links.map((a) => a.href)"
        )
    finally:
        page.close()
    assert any("book/adam_schedules.html" in hit for hit in hits), (
        f"searching 'Adam' did not find the Adam page; results:{show(hits)}"
    )


def test_search_snippets_begin_with_the_pages_own_text(wide, base_url):
    """Issue 22: a result's snippet is the page's text (title, prose), not the article
    toolbar ("Open in Colab", "Contents") nor TeX source (lightpages-search.js)."""
    page = wide.new_page()
    try:
        page.goto(base_url + "search.html?q=Adam")
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results ul.search li p.context').length >= 3")
        results = page.locator("#search-results ul.search li").evaluate_all(
            "items => items.map((li) => [li.querySelector('a').textContent,"
            " li.querySelector('p.context')?.textContent || ''])")
    finally:
        page.close()
    snippets = [(title, text) for title, text in results if text]
    assert len(snippets) >= 3, results
    toolbar = ("Open in Colab", "Contents", ".ipynb", "Download", "Toggle")
    bad = [(title, text[:80]) for title, text in snippets
           if any(word in text[:120] for word in toolbar)
           or re.search(r"\\[(\[]|\\(frac|mathrm|eta|beta)\b", text)
           or not (text.startswith(title) or text.startswith("..."))]
    assert not bad, f"snippets that do not begin with the page's text:{show(bad)}"


def test_the_site_holds_only_what_pages_load(visits, site):
    """Issue 22: no source maps, and every file under _static/ was loaded by a visit,
    or is loaded on demand: MathJax's components, TeX extensions and fonts (as a
    formula needs them), a stylesheet's font or image (when an element needs it), the
    search page's scripts, or the license text of a loaded script."""
    from urllib.parse import unquote

    loaded = {unquote(urlparse(url).path).lstrip("/")
              for page in PAGES for width in (WIDE, NARROW) for url, _ in visits(page, width).loaded}
    maps = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.map"))
    assert not maps, f"source maps in the deployed site: {maps}"
    search = (site / "search.html").read_text(encoding="utf-8")
    styles = " ".join((site / f).read_text(encoding="utf-8", errors="replace")
                      for f in loaded if f.endswith(".css") and (site / f).is_file())
    unloaded = []
    for path in sorted((site / "_static").rglob("*")):
        rel = path.relative_to(site).as_posix()
        if (not path.is_file() or rel in loaded or rel.startswith("_static/mathjax/")
                or path.name in search or (path.suffix != ".css" and path.name in styles)
                or (rel.endswith(".LICENSE.txt") and rel.removesuffix(".LICENSE.txt") in loaded)):
            continue
        unloaded.append(f"{rel} ({path.stat().st_size} bytes)")
    assert not unloaded, f"{len(unloaded)} files no page loads:{show(unloaded)}"
    for part in ("ui", "sre", "a11y/sre.js", "a11y/explorer.js"):
        assert not (site / "_static" / "mathjax" / part).exists(), f"MathJax {part} ships unused"


def test_build_report_shows_the_machine(wide, base_url):
    from optimlab.machine import cpu_model

    page = wide.new_page()
    try:
        page.goto(base_url + "book/build_report.html")
        article = " ".join(page.locator("article.bd-article").inner_text().split())
    finally:
        page.close()
    assert cpu_model() in article, f"the build report does not name the CPU {cpu_model()!r}"


# --- light, accessible pages (issue 13) ---------------------------------------------------


def axe_report(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; "
        + "; ".join(f"{n['target']}" for n in v["nodes"][:4])
        + (f" and {len(v['nodes']) - 4} more" if len(v["nodes"]) > 4 else "")
        for v in violations
    ]


def test_one_axe_run_finds_what_one_run_per_kind_finds(wide, axe_js):
    """The visits run axe once per mode over both kinds of rules
    (axe_site.run_axe_by_kind); on a page that breaks rules of both kinds, that finds
    exactly what a separate run per kind finds."""
    page = wide.new_page()
    try:
        page.set_content('<html><body><div><img src="x.png"><a href="#"></a>'
                         '<table><tr><th></th></tr></table></div></body></html>')
        together = axe_site.run_axe_by_kind(page, axe_js)
        apart = {kind: axe_site.run_axe(page, axe_js, tags)
                 for kind, tags in axe_site.KINDS.items()}
    finally:
        page.close()
    ids = {kind: sorted(v["id"] for v in found) for kind, found in together.items()}
    assert ids == {kind: sorted(v["id"] for v in found) for kind, found in apart.items()}
    assert "image-alt" in ids["wcag"] and "page-has-heading-one" in ids["best-practice"]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_wcag_violation(visits, page, mode):
    found = visits(page).axe[f"wcag {mode}"]
    assert not found, f"{page} ({mode} mode), axe WCAG 2.1 A/AA:{show(axe_report(found))}"


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_best_practice_violation(visits, page, mode):
    found = [v for v in visits(page).axe[f"best-practice {mode}"]
             if v["id"] not in ALLOWED_BEST_PRACTICE]
    assert not found, f"{page} ({mode} mode), axe best practice:{show(axe_report(found))}"


@pytest.mark.parametrize("page", PAGES)
def test_code_cells_do_not_scroll_sideways_on_a_desktop(visits, page):
    wide = visits(page).code_scrolling  # 1280 px window
    assert not wide, f"{page}: {len(wide)} code blocks scroll sideways; longest lines:{show(wide)}"


@pytest.mark.parametrize("page", PAGES)
def test_tables_have_no_empty_header_cells(visits, page):
    empty = visits(page).empty_headers
    assert not empty, f"{page}: {len(empty)} empty <th> in tables starting:{show(empty)}"


@pytest.mark.parametrize("page", PAGES)
def test_page_weight(visits, page):
    v = visits(page)
    biggest = sorted(v.loaded, key=lambda x: -x[1])[:5]
    assert v.page_bytes <= MAX_PAGE_BYTES, (
        f"{page} loads {v.page_bytes / 1e6:.2f} MB in {len(v.loaded)} requests "
        f"(limit {MAX_PAGE_BYTES / 1e6} MB); largest:"
        f"{show(f'{n / 1e3:.0f} kB {url}' for url, n in biggest)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_libraries_load_only_where_used(visits, page):
    v = visits(page)
    urls = [urlparse(url).path for url, _ in v.loaded]
    assert not [u for u in urls if u.endswith("fontawesome.js")], (
        f"{page} loads Font Awesome's script (the icons come from its web fonts)"
    )
    assert not [u for u in urls if u.endswith(("searchindex.js", "searchtools.js"))], (
        f"{page} loads the search index or tools (only search.html needs them)"
    )
    mathjax = [u for u in urls if "/mathjax/" in u]
    if not v.math_source:
        assert not mathjax, f"{page} has no math but loads MathJax:{show(mathjax)}"


@pytest.mark.parametrize("page", PAGES)
def test_meta_description(visits, page):
    v = visits(page)
    assert 40 <= len(v.description) <= 170, f"{page}: meta description {v.description!r}"


def test_meta_descriptions_differ(visits):
    texts = {page: visits(page).description for page in PAGES}
    repeated = {t for t in texts.values() if list(texts.values()).count(t) > 1}
    assert not repeated, f"pages share a description: {repeated}"


@pytest.mark.parametrize("page", PAGES)
def test_images_have_width_and_height(visits, page):
    missing = [i["src"] for i in visits(page).sizes if not (i["width"] and i["height"])]
    assert not missing, f"{page}: images without width/height (layout shift):{show(missing)}"


@pytest.mark.parametrize("page", PAGES)
def test_figure_text_is_legible_on_a_phone(visits, page):
    v = visits(page, NARROW)
    small = [f"{f['src']}: {f['px']:.1f} px" for f in v.figure_text if f["px"] < v.body_px / 2]
    assert not small, (
        f"{page} at {NARROW} px: figure text below half the body text "
        f"({v.body_px / 2:.1f} px):{show(small)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_figures_are_inverted_not_boxed_in_dark_mode(visits, page):
    boxed = [f for f in visits(page).dark_figures
             if "invert" not in f["filter"] or f["background"] not in ("rgba(0, 0, 0, 0)",
                                                                     "transparent")]
    assert not boxed, f"{page}: figures shown on a light card in dark mode:{show(boxed)}"


def test_root_page_works_without_javascript(chromium, base_url, external_requests):
    context = new_context(chromium, external_requests, WIDE, javascript=False)
    try:
        page = context.new_page()
        response = page.request.get(base_url)
        text = response.text()
        assert "<title>" in text and "</title>" in text and "<title></title>" not in text
        assert f'href="{PAGES[0]}.html"' in text, "the root page has no plain link to the book"
        page.goto(base_url)
        page.wait_for_url(f"**/{PAGES[0]}.html")
        assert page.locator("article.bd-article h1").count() == 1
    finally:
        context.close()


def test_favicon_is_served(wide, base_url):
    page = wide.new_page()
    try:
        page.goto(base_url + PAGES[0] + ".html")
        href = page.evaluate("() => document.querySelector('link[rel~=icon]')?.href")
        assert href, "no <link rel=icon>"
        assert wide.request.get(href).status == 200, f"favicon {href} does not load"
    finally:
        page.close()


# --- navigation on every width (issue 22) -----------------------------------------------
#
# Below 992 px the sidebars are drawers: the menu button (article header, left) opens the
# book's table of contents, the contents button (right) the page's sections. Until the
# theme fix in tools/lightpages.py (drop_header_toggles, pydata-sphinx-theme#2451), the
# theme's scripts bound hidden copies of both buttons and a tap showed only a tooltip.
# These tests tap, as a reader does (touch events, phone and tablet sizes); on a desktop
# the menu button collapses the sidebar and restores it. Playwright waits for each state
# (no timing is asserted).

TOUCH_SIZES = [(390, 844), (768, 1024)]
NAV_PAGE, NAV_TARGET = "book/momentum", "book/problem"
MENU = ".bd-header-article .primary-toggle"
CONTENTS = ".bd-header-article .secondary-toggle"


@pytest.fixture(params=TOUCH_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def touch_page(request, chromium, external_requests):
    width, height = request.param
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   has_touch=True, is_mobile=width < 600)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", lambda route: route.continue_()
                  if urlparse(route.request.url).hostname == "127.0.0.1"
                  else route.fulfill(status=200, body=""))
    page = context.new_page()
    yield page
    context.close()


def tap_open(page, base_url: str, button: str, dialog: str):
    """Load the navigation test page, tap ``button`` and return the ``dialog`` it opens
    (hidden before the tap, visible after)."""
    page.goto(f"{base_url}{NAV_PAGE}.html", wait_until="load")
    drawer = page.locator(f"dialog#{dialog}")
    sync_api.expect(drawer).to_be_hidden()
    page.locator(button).tap()
    sync_api.expect(drawer).to_be_visible()
    return drawer


def test_menu_opens_the_table_of_contents_and_a_link_leads_to_its_page(touch_page, base_url):
    expect = sync_api.expect
    page = touch_page
    drawer = tap_open(page, base_url, MENU, "pst-primary-sidebar-modal")
    assert drawer.evaluate("d => d.open"), "the menu drawer is not an open dialog"
    link = drawer.locator(f'a.reference.internal[href$="{NAV_TARGET.split("/")[-1]}.html"]')
    expect(link).to_be_visible()
    assert drawer.locator("a.reference.internal").count() >= len(PAGES) - 1
    link.tap()
    page.wait_for_url(f"**/{NAV_TARGET}.html")
    expect(page.locator("article h1")).to_be_visible()


def test_contents_button_opens_the_page_contents(touch_page, base_url):
    expect = sync_api.expect
    page = touch_page
    drawer = tap_open(page, base_url, CONTENTS, "pst-secondary-sidebar-modal")
    links = drawer.locator("nav a.nav-link")
    expect(links.first).to_be_visible()
    anchors = [href.split("#", 1)[1] for href in links.evaluate_all("a => a.map(x => x.getAttribute('href'))")]
    sections = page.evaluate("() => [...document.querySelectorAll('article section[id]')].map(s => s.id)")
    assert anchors and set(anchors) <= set(sections), (anchors, sections)
    links.first.tap()
    page.wait_for_url(f"**/{NAV_PAGE}.html#{anchors[0]}")


def test_menu_button_collapses_and_restores_the_sidebar_on_a_desktop(wide, base_url):
    expect = sync_api.expect
    page = wide.new_page()
    try:
        page.goto(f"{base_url}{NAV_PAGE}.html", wait_until="load")
        sidebar = page.locator("#pst-primary-sidebar")
        expect(sidebar).to_be_visible()
        page.locator(MENU).click()
        expect(sidebar).to_be_hidden()
        expect(page.locator("dialog#pst-primary-sidebar-modal")).to_be_hidden()
        page.locator(MENU).click()
        expect(sidebar).to_be_visible()
    finally:
        page.close()


@pytest.mark.parametrize("page_name", ["book/torch_adam", "book/why_optax"])
def test_nothing_is_cut_off_or_scrolls_sideways_at_390px(chromium, base_url, page_name):
    """The phone of issue 22 (390 x 844): the widest tables (torch_adam) scroll in
    their own box, and the page itself does not scroll sideways."""
    context = chromium.new_context(viewport={"width": 390, "height": 844},
                                   has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{base_url}{page_name}.html", wait_until="load")
        assert page.evaluate(UNREACHABLE) == []
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client + 1, f"{page_name} scrolls sideways: {scroll} px for {client}"
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_first_visit_is_drawn_in_the_readers_theme(chromium, base_url, scheme):
    """Issue 22: a first visit (nothing in localStorage) is drawn in the reader's
    colour scheme from the start, not after the theme's deferred script has run: with
    that script blocked, the page is already in the right theme (tools/theme/templates/
    layout.html resolves the theme's "auto" in the head)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    context.route("**/*", lambda route: route.abort()
                  if "pydata-sphinx-theme.js" in route.request.url
                  or urlparse(route.request.url).hostname != "127.0.0.1" else route.continue_())
    try:
        page = context.new_page()
        page.goto(f"{base_url}book/why_optax.html", wait_until="load")
        theme, background = page.evaluate(
            "() => [document.documentElement.dataset.theme,"
            " getComputedStyle(document.body).backgroundColor]")
        assert theme == scheme
        rgb = [int(x) for x in re.findall(r"\d+", background)[:3]]
        assert (sum(rgb) < 200) == (scheme == "dark"), f"{scheme} page drawn on {background}"
    finally:
        context.close()


# Layout shifts of a first visit, as the Layout Instability API reports them (Lighthouse's
# CLS adds these up in session windows; any sum below the bound is a pass there too).
LAYOUT_SHIFTS = """window.__shifts = []; new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push(e.value);
}).observe({type: "layout-shift", buffered: true});"""
MAX_LAYOUT_SHIFT = 0.1  # Lighthouse's "good"


@pytest.mark.parametrize("page_name", ["book/why_optax", "book/clipping", "book/weight_decay",
                                       "book/choosing_an_optimizer", "book/momentum"])
def test_first_visit_on_a_phone_barely_shifts(chromium, base_url, page_name):
    """Issue 22: a first visit at 412 x 823 (Lighthouse's phone) shifts its layout by
    less than 0.1 in all, MathJax included: text with math stays invisible, in place,
    until typeset (lightpages.css, lightpages-math.js), where the narrower typeset
    formulas reflowed the first screen (0.12-0.25 on these pages)."""
    context = chromium.new_context(viewport={"width": 412, "height": 823}, is_mobile=True,
                                   has_touch=True)
    try:
        page = context.new_page()
        page.add_init_script(LAYOUT_SHIFTS)
        page.goto(f"{base_url}{page_name}.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        # MathJax loads when a formula nears the window: wait until it has typeset
        page.wait_for_function(
            "() => document.documentElement.classList.contains('lightpages-math-done')"
            " || !(window.MathJax && window.MathJax.startup)")
        shifts = page.evaluate("() => window.__shifts")
        assert sum(shifts) < MAX_LAYOUT_SHIFT, f"{page_name}: layout shifts {shifts}"
    finally:
        context.close()
