"""Sphinx extension: light, accessible pages (issue 13).

Registered in ``_config.yml`` under ``sphinx: local_extensions``. What it changes, and
why each change is made here rather than elsewhere:

* **Tables without empty header cells.** pandas writes a DataFrame whose index has a
  name with two header rows: the column names above blank cells, and the index name
  above another row of blank cells. Readers see a stray row; screen readers meet empty
  ``<th>`` cells (axe ``empty-table-header``). :func:`fix_table_headers` moves the
  index names up into the blank corner cells of the row above and drops the stray row;
  any header cell still blank (the corner of an unnamed index) becomes a ``<td>``.
  Done on the doctree (``doctree-resolved``), so every table on every page is fixed
  in one place, glued tables included, and no number is touched: only the header's
  blank cells change.
* **Only what a page uses.** MathJax (1.2 MB) only on pages with math of their own
  (Sphinx also counts math on pages that a page's toctree includes); Sphinx's search
  tools and search index only on the search page (the theme loads them everywhere
  for a search-as-you-type feature this book leaves off: its search box opens the
  search page); Font Awesome once, as the theme's web fonts, not a second time as a
  1.5 MB script that redraws the same ten icons as SVG (template filter below).
* **Small things.** A meta description per page (front matter ``description``, or the
  page's first paragraph), ``width``/``height`` on figure images (no layout shift), a
  favicon, and a root ``index.html`` with a title and a plain link that works without
  JavaScript.
* **Navigation on every width, a first visit in the reader's theme, search snippets**
  (issue 22): the theme header's hidden copies of the menu and contents buttons are
  dropped (:func:`drop_header_toggles`, pydata-sphinx-theme#2451), so the theme scripts
  bind the visible ones; ``tools/theme/templates/layout.html`` resolves the theme's
  "auto" mode in the head (no flash, no re-layout); ``lightpages-search.js`` (search page
  only) builds result snippets from the page's own text, without toolbar or TeX.
* **A site of what its pages load** (issue 22): :func:`prune_unloaded` deletes source
  maps and every ``_static`` file no page or stylesheet names, at the end of the build.
* **Figures in dark mode and contrast fixes** in ``tools/theme/static/lightpages.css``:
  figures (SVG with transparent background and black ink, see ``optimlab.plots``) are
  inverted in dark mode with the hue turned back, so text and axes are white on the
  dark page.
"""

from __future__ import annotations

import html
import re
import struct
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
THEME = Path(__file__).resolve().parent / "theme"
CSS_FILE = "lightpages.css"
DESCRIPTION_CHARS = 160
SEARCH_SCRIPTS = ("_static/searchtools.js", "_static/language_data.js", "searchindex.js")


# --- tables -----------------------------------------------------------------------------


def _blank(cell) -> bool:
    return not cell.get_text().replace("\xa0", " ").strip()


def fix_table_headers(markup: str) -> str:
    """``markup`` with every table's header free of empty header cells (see module doc).

    >>> t = ('<table><thead><tr><th></th><th>loss</th></tr>'
    ...      '<tr><th>run</th><th></th></tr></thead>'
    ...      '<tbody><tr><th>a</th><td>1.5</td></tr></tbody></table>')
    >>> fix_table_headers(t)
    '<table><thead><tr><th>run</th><th>loss</th></tr></thead><tbody><tr><th>a</th><td>1.5</td></tr></tbody></table>'
    >>> fix_table_headers('<table><thead><tr><th></th><th>x</th></tr></thead></table>')
    '<table><thead><tr><td></td><th>x</th></tr></thead></table>'
    """
    if "<table" not in markup or "<th" not in markup:
        return markup
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    changed = False
    for thead in soup.find_all("thead"):
        rows = thead.find_all("tr", recursive=False)
        if len(rows) >= 2:
            changed |= _merge_index_names(rows[-2], rows[-1])
    for th in soup.find_all("th"):
        if _blank(th):
            th.name = "td"
            changed = True
    return str(soup) if changed else markup


def _merge_index_names(above, names) -> bool:
    """Move the index names (``names``: name cells, then blanks) into ``above``'s blank
    leading cells and drop the ``names`` row; False (nothing done) when it is not such
    a row or the cells above are not blank."""
    cells = names.find_all(["th", "td"], recursive=False)
    k = 0
    while k < len(cells) and not _blank(cells[k]):
        k += 1
    if k == 0 or any(not _blank(c) for c in cells[k:]):
        return False
    top = above.find_all(["th", "td"], recursive=False)
    if len(top) < k or any(not _blank(c) or c.get("colspan") for c in top[:k]):
        return False
    for target, name in zip(top[:k], cells[:k]):
        target.clear()
        for child in list(name.children):
            target.append(child.extract())
        target.name = "th"
        for attr in ("class",):
            if name.get(attr):
                target[attr] = name[attr]
    names.decompose()
    return True


def _on_doctree_resolved(app: Sphinx, doctree, docname: str) -> None:
    for raw in doctree.findall(nodes.raw):
        if "html" not in raw.get("format", "").split():
            continue
        text = raw.astext()
        fixed = fix_table_headers(text)
        if fixed != text:
            raw.children = [nodes.Text(fixed)]


# --- per-page assets, description, image sizes --------------------------------------------


def _has_own_math(doctree) -> bool:
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))


def _script(filename: str, **attributes: str):
    from sphinx.builders.html._assets import _JavaScript

    return _JavaScript(filename, **attributes)


def _lighter_scripts(app, pagename, templatename, context, doctree) -> None:
    """MathJax only on pages with math, and there on demand; scripts deferred.

    * A page without math of its own loses MathJax and its configuration.
    * A page with math gets ``lightpages-math.js`` instead, which loads MathJax when a
      formula nears the window or the reader interacts (see that file).
    * sphinx-design's and sphinx-thebe's files only on pages that use them (design
      classes in the page; thebe switched on in ``launch_buttons``).
    * Every other external script in the head is deferred (run after parsing, in
      order), so none blocks the first paint; ``documentation_options.js`` stays as it
      is, because an inline script right after it uses what it defines.
    """
    scripts = context.get("script_files")
    if scripts is None:
        return
    math = _has_own_math(doctree)
    design = bool(re.search(r'class="[^"]*\bsd-', context.get("body") or ""))
    launch = (app.config.html_theme_options or {}).get("launch_buttons") or {}
    thebe = bool(launch.get("thebe"))
    kept = []
    for js in scripts:
        filename = str(getattr(js, "filename", "") or "")
        attributes = dict(getattr(js, "attributes", {}) or {})
        body = attributes.get("body", "")
        if filename == app.config.mathjax_path or "mathjax" in filename.lower():
            if math:  # MathJax's own path is relative to _static/, like the loader
                kept.append(_script("_static/lightpages-math.js", priority=js.priority,
                                    defer="defer",
                                    **{"data-mathjax": filename.removeprefix("_static/")}))
            continue
        if not math and body.startswith("window.MathJax"):
            continue
        if not design and "design-tabs" in filename:
            continue
        if not thebe and ("thebe" in filename or "THEBE" in body
                          or attributes.get("type") == "text/x-thebe-config"):
            continue
        if (pagename != "search"  # searchtools.js there needs doctools.js first
                and filename and "://" not in filename and "async" not in attributes
                and "defer" not in attributes
                and not filename.endswith("documentation_options.js")):
            js = _script(filename, priority=js.priority, **attributes, defer="defer")
        kept.append(js)
    if pagename == "search":  # snippets from the page's own text (lightpages-search.js)
        kept.append(_script("_static/lightpages-search.js", defer="defer"))
    scripts[:] = kept
    styles = context.get("css_files")
    if styles is not None:
        styles[:] = [
            css for css in styles
            if not (not design and "sphinx-design" in str(getattr(css, "filename", "")))
            and not (not thebe and "thebe" in str(getattr(css, "filename", "")))
        ]


def first_paragraph(doctree) -> str:
    """The text of the page's first paragraph of prose, whitespace collapsed."""
    skip = (nodes.Admonition, nodes.sidebar, nodes.topic, nodes.table, nodes.raw,
            nodes.literal_block, nodes.container)
    for para in doctree.findall(nodes.paragraph):
        parent, inside = para.parent, False
        while parent is not None:
            if isinstance(parent, skip):
                inside = True
                break
            parent = parent.parent
        text = " ".join(para.astext().split())
        if not inside and len(text) > 40:
            return text
    return ""


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with "…").

    >>> shorten("one two three", 9)
    'one two…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _description(app, pagename, doctree) -> str:
    meta = app.env.metadata.get(pagename, {}) if pagename in app.env.all_docs else {}
    text = meta.get("description") or (first_paragraph(doctree) if doctree else "")
    return shorten(text)


def _add_meta_description(app, pagename, templatename, context, doctree) -> None:
    if doctree is None:
        return
    text = _description(app, pagename, doctree)
    if pagename == app.config.root_doc:
        app.lightpages_root_description = text  # type: ignore[attr-defined]
    if text:
        tag = f'<meta name="description" content="{html.escape(text, quote=True)}" />\n'
        context["metatags"] = context.get("metatags", "") + tag


IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height in CSS px of an SVG (from its ``width``/``height``) or a PNG."""
    try:
        data = path.read_bytes()[:4096]
    except OSError:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if path.suffix.lower() == ".svg":
        head = data.decode("utf-8", "replace")
        tag = re.search(r"<svg\b[^>]*>", head)
        if not tag:
            return None
        to_px = {"pt": 4 / 3, "px": 1.0, "": 1.0, "in": 96.0}
        dims = []
        for attr in ("width", "height"):
            m = re.search(rf'\b{attr}="([0-9.]+)(pt|px|in)?"', tag.group(0))
            if not m:
                return None
            dims.append(round(float(m.group(1)) * to_px[m.group(2) or ""]))
        return dims[0], dims[1]
    return None


EMPTY_HEAD = re.compile(r'<th class="head([^"]*)"([^>]*)>\s*(?:<p>\s*</p>)?\s*</th>')


def _fix_markdown_table_heads(app, pagename, templatename, context, doctree) -> None:
    """A markdown table with an empty header cell (the corner above row labels) gets a
    ``<td>`` there, like pandas tables (see :func:`fix_table_headers`)."""
    body = context.get("body")
    if body and '<th class="head' in body:
        context["body"] = EMPTY_HEAD.sub(r'<td class="head\1"\2></td>', body)


# MyST-NB 1.4 labels the toggle of a folded cell (hide-input) "Toggle hidden content"
# while it shows "Show code cell source": axe's label-content-name-mismatch (WCAG 2.5.3).
# Without the label, the visible text is the toggle's name.
FOLD_LABEL = '<summary aria-label="Toggle hidden content">'


def _name_fold_toggles_by_their_text(app, pagename, templatename, context, doctree) -> None:
    """Drop the aria-label of folded cells' toggles (see ``FOLD_LABEL``)."""
    body = context.get("body")
    if body and FOLD_LABEL in body:
        context["body"] = body.replace(FOLD_LABEL, "<summary>")


def _add_image_sizes(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if not body or "<img" not in body:
        return
    srcdir = Path(app.srcdir)
    by_name = {dest: srcdir / src for src, dest in getattr(app.builder, "images", {}).items()}

    def sized(match: re.Match) -> str:
        tag = match.group(0)
        if " width=" in tag or " height=" in tag:
            return tag
        src = SRC.search(tag)
        if not src:
            return tag
        source = by_name.get(Path(src.group(1)).name)
        size = image_size(source) if source else None
        if not size:
            return tag
        return tag[:4] + f' width="{size[0]}" height="{size[1]}"' + tag[4:]

    context["body"] = IMG.sub(sized, body)


# --- theme: template filter, static files, favicon, root page ----------------------------


def drop_scripts(markup: str, *names: str) -> str:
    """``markup`` without the ``<script src=...>`` elements whose source contains a name.

    >>> str(drop_scripts('<a/><script defer src="x/fontawesome.js?d=1"></script>', "fontawesome.js"))
    '<a/>'
    """
    from markupsafe import Markup

    def keep(match: re.Match) -> str:
        src = match.group(1)
        return "" if any(name in src for name in names) else match.group(0)

    pattern = r'<script\b[^>]*\bsrc="([^"]*)"[^>]*>\s*</script>'
    return Markup(re.sub(pattern, keep, str(markup)))


# pydata-sphinx-theme 0.17's header has sidebar toggles of its own (hidden under
# sphinx-book-theme, whose visible toggles sit in the article header). Both themes' scripts
# bind document.querySelector(".primary-toggle") and (".secondary-toggle"): the hidden
# header buttons, so the visible menu and contents buttons did nothing but show their
# tooltip, on a phone and on a desktop. Upstream: pydata/pydata-sphinx-theme#2451 and
# executablebooks/sphinx-book-theme#988; the fixed sphinx-book-theme (1.4) needs Sphinx 8.2,
# which Jupyter Book 1.x does not allow. Dropping the header's copies leaves one of each,
# the visible one, for both scripts to bind. Remove when the pinned themes are fixed.
HEADER_TOGGLE = re.compile(
    r'<button class="pst-navbar-icon sidebar-toggle (?:primary|secondary)-toggle"[^>]*>.*?</button>',
    re.S)


def drop_header_toggles(markup: str) -> str:
    """``markup`` (the theme's header) without its two sidebar toggle buttons.

    >>> str(drop_header_toggles('<div><button class="pst-navbar-icon sidebar-toggle '
    ...     'primary-toggle" aria-label="x">\\n<span></span></button><b>s</b></div>'))
    '<div><b>s</b></div>'
    """
    from markupsafe import Markup

    return Markup(HEADER_TOGGLE.sub("", str(markup)))


def _on_config_inited(app: Sphinx, config) -> None:
    # First, so that its components override the theme's (which the theme itself
    # puts on templates_path).
    config.templates_path = [str(THEME / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(THEME / "static")]
    if not config.html_favicon:
        config.html_favicon = str(THEME / "favicon.svg")


def _on_builder_inited(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["drop_scripts"] = drop_scripts
        templates.environment.filters["drop_header_toggles"] = drop_header_toggles


ROOT_PAGE = """\
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title}</title>
<meta name="description" content="{description}" />
<link rel="canonical" href="{target}" />
<link rel="icon" href="{favicon}" />
<meta http-equiv="refresh" content="0; url={target}" />
</head>
<body>
<main>
<h1>{title}</h1>
<p>The book starts at <a href="{target}">{start}</a>.</p>
</main>
</body>
</html>
"""


def _write_root_page(app: Sphinx, exception) -> None:
    """A root ``index.html`` that works without JavaScript (before sphinx-external-toc
    writes its bare redirect, which it skips when the file exists)."""
    if exception is not None or app.builder.format != "html":
        return
    root = app.config.root_doc
    index = Path(app.outdir) / "index.html"
    if root == "index":
        return
    target = app.builder.get_target_uri(root)
    title = app.config.html_title or app.config.project
    start = app.env.titles[root].astext() if root in app.env.titles else target
    description = getattr(app, "lightpages_root_description", "") or title
    favicon = "_static/" + Path(app.config.html_favicon or "favicon.svg").name
    index.write_text(
        ROOT_PAGE.format(
            lang=app.config.language or "en",
            title=html.escape(title),
            description=html.escape(description, quote=True),
            target=html.escape(target, quote=True),
            start=html.escape(start),
            favicon=favicon,
        ),
        encoding="utf-8",
    )


# --- Font Awesome: only the icons the site shows ---------------------------------------

FA_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"([^"]*)"\}')
FA_FACE = re.compile(r"@font-face\{[^}]*?url\(\.\./vendor/fontawesome/webfonts/(fa-[a-z0-9-]+)\.woff2\)[^}]*\}")
PUA_ESCAPE = re.compile(r"\\(f[0-9a-f]{3}|e[0-9a-f]{3})\b", re.IGNORECASE)


def _css_codepoints(text: str) -> set[int]:
    """Private-use code points written as CSS escapes (``"\\f09b"``) in ``text``."""
    return {int(m.group(1), 16) for m in PUA_ESCAPE.finditer(text)}


def slim_font_awesome(outdir: Path) -> dict:
    """Keep only the Font Awesome icons the site uses (see module docstring).

    The theme's stylesheet carries a rule for each of Font Awesome's ~1,900 icons
    (86 kB) and the pages load its three web fonts (300 kB) for about ten icons.
    Rules of icons no page names (``class="fa-..."`` in any HTML file) are dropped;
    the fonts are cut down to the code points still named anywhere in the site's CSS
    (the kept rules, the theme's ``--pst-icon-*`` variables for admonitions and
    links) and served as WOFF beside the originals. Returns what it did.
    """
    css_path = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    fonts = outdir / "_static" / "vendor" / "fontawesome" / "webfonts"
    if not css_path.is_file() or not fonts.is_dir():
        return {}
    used = set()
    for page in outdir.rglob("*.html"):
        used |= set(re.findall(r"\bfa-[a-z0-9-]+", page.read_text(encoding="utf-8", errors="replace")))
    css = css_path.read_text(encoding="utf-8")

    def keep(match: re.Match) -> str:
        names = {n.removesuffix(":before").lstrip(".") for n in match.group(1).split(",") if n}
        return match.group(0) if names & used else ""

    slim = FA_RULE.sub(keep, css)
    others = "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (outdir / "_static").rglob("*.css") if p != css_path
    )
    codepoints = _css_codepoints(slim) | _css_codepoints(others)
    # ... and as literal characters (the theme's --pst-icon-* variables)
    codepoints |= {ord(c) for c in slim + others if 0xE000 <= ord(c) <= 0xF8FF}
    from fontTools import subset

    done = {}
    for face in set(FA_FACE.findall(slim)):
        source = fonts / f"{face}.ttf"  # fontTools reads WOFF2 only with brotli
        target = fonts / f"{face}-subset.woff"
        if not source.is_file():
            continue
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        font = subset.load_font(str(source), options)
        cmap = set(font.getBestCmap())
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(codepoints & cmap) or [0x20])
        subsetter.subset(font)
        subset.save_font(font, str(target), options)
        done[face] = (source.stat().st_size, target.stat().st_size)

    def face_src(match: re.Match) -> str:
        face = match.group(1)
        if face not in done:
            return match.group(0)
        return re.sub(r"src:[^;}]*", f'src:url(../vendor/fontawesome/webfonts/{face}-subset.woff) format("woff")',
                      match.group(0))

    slim = FA_FACE.sub(face_src, slim)
    css_path.write_text(slim, encoding="utf-8")
    return {"css": (len(css), len(slim)), "fonts": done, "icons": len(codepoints)}


ICON = re.compile(r'<i\b(?=[^>]*\bclass="[^"]*\bfa-)(?![^>]*\baria-hidden=)')


def hide_icons(outdir: Path) -> int:
    """``aria-hidden="true"`` on every Font Awesome ``<i>`` icon of every page.

    Font Awesome's script, left out (see above), replaced each ``<i class="fa-...">``
    by an SVG hidden from assistive technology; drawn by the web font instead, the
    icon's private-use character would be announced. Every icon sits in a control
    that is named by its label or text. Returns the number of icons changed.

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.html").write_text('<i class="fa-solid fa-sun"></i><i class="x"></i>')
    >>> hide_icons(d), (d / "a.html").read_text()
    (1, '<i aria-hidden="true" class="fa-solid fa-sun"></i><i class="x"></i>')
    """
    changed = 0
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] == "_static":  # theme sources, not pages
            continue
        text = page.read_text(encoding="utf-8")
        new, n = ICON.subn('<i aria-hidden="true"', text)
        if n:
            page.write_text(new, encoding="utf-8")
            changed += n
    return changed


# --- stylesheets: only rules that can match --------------------------------------------

# Classes that scripts build at run time from pieces (Bootstrap's `bs-${name}-auto`,
# state classes): rules naming them are always kept.
SAFE_CLASS = re.compile(
    r"^(bs-|tooltip|popover|dropdown|show|fade|collaps|offcanvas|modal|active|disabled|"
    r"was-validated|is-|pst-|focus|hover)"
)
PURGED_CSS = ("styles/pydata-sphinx-theme.css",)
WORD = re.compile(r"[A-Za-z0-9_-]+")


def _blocks(text: str):
    """Top-level ``(prelude, body)`` pairs of a (minified) stylesheet."""
    i, n = 0, len(text)
    while i < n:
        j = text.find("{", i)
        if j < 0:
            return
        depth, k = 1, j + 1
        while depth and k < n:
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            k += 1
        yield text[i:j], text[j + 1 : k - 1]
        i = k


def _selector_can_match(selector: str, words: set[str]) -> bool:
    plain = re.sub(r"\[[^\]]*\]|\([^)]*\)", "", selector)  # attributes, :not(...) args
    names = re.findall(r"[.#]([A-Za-z0-9_-]+)", plain)
    return all(name in words or SAFE_CLASS.match(name) for name in names)


def purge_css(text: str, words: set[str]) -> str:
    """``text`` without the rules none of whose selectors can match.

    A selector can match when every class and id it names occurs as a word in the
    site's pages or scripts (or is a class scripts build at run time, ``SAFE_CLASS``).
    ``@media``/``@supports`` blocks are purged inside and dropped when empty; other
    at-rules (``@font-face``, ``@keyframes``, ``@charset``...) are kept.

    >>> purge_css(".a{x:1}.b,.c{y:2}@media (min-width:1px){.d{z:3}}.e .a{w:4}", {"a", "c"})
    '.a{x:1}.b,.c{y:2}'
    """
    out = []
    if not text.count("{"):
        return text
    for prelude, body in _blocks(text):
        head = prelude.strip()
        if head.startswith(("@media", "@supports", "@layer", "@container")):
            inner = purge_css(body, words)
            if inner.strip():
                out.append(f"{prelude}{{{inner}}}")
        elif head.startswith("@") or not head:
            out.append(f"{prelude}{{{body}}}")
        elif any(_selector_can_match(sel, words) for sel in head.split(",")):
            out.append(f"{prelude}{{{body}}}")
    return "".join(out)


def purge_stylesheets(outdir: Path) -> dict[str, tuple[int, int]]:
    """:func:`purge_css` on the theme's big stylesheet, with the words of every page
    and every script of the site (MathJax's aside: it brings its own styles)."""
    words: set[str] = set()
    static = outdir / "_static"
    for path in [*outdir.rglob("*.html"), *static.rglob("*.js")]:
        if "mathjax" in path.relative_to(outdir).parts:
            continue
        words |= set(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    done = {}
    for name in PURGED_CSS:
        path = static / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            slim = purge_css(text, words)
            path.write_text(slim, encoding="utf-8")
            done[name] = (len(text), len(slim))
    return done


LONG_DECIMAL = re.compile(r"(\d\.\d\d)\d+")
SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
INDENT = re.compile(r"[ \t]*\n[ \t]*")


def lighten_svg(text: str) -> str:
    """A matplotlib SVG with coordinates cut to two decimals and no metadata block.

    matplotlib writes six decimals of a point (1/72 inch); two are a hundredth of a
    point, far below a pixel even on a 3x screen. Truncating (not rounding) keeps
    every number within 0.01 of itself; indentation goes too.

    >>> lighten_svg('<svg><metadata>x</metadata><path d="M 1.234567 20.5 \\n L 3.14159 2"/></svg>')
    '<svg><path d="M 1.23 20.5\\nL 3.14 2"/></svg>'
    """
    text = LONG_DECIMAL.sub(r"\1", SVG_METADATA.sub("", text, count=1))
    # indentation and trailing blanks: whitespace between tags and inside path data,
    # where one newline separates as well (text elements sit on one line)
    return INDENT.sub("\n", text)


def lighten_figures(outdir: Path) -> tuple[int, int]:
    """:func:`lighten_svg` on every matplotlib SVG in ``_images``: (bytes before, after)."""
    before = after = 0
    for path in (outdir / "_images").glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        if "Matplotlib" not in text[:2000] and "matplotlib" not in text[:4000]:
            continue
        light = lighten_svg(text)
        before, after = before + len(text), after + len(light)
        path.write_text(light, encoding="utf-8")
    return before, after


# --- the deployed site holds what its pages load ---------------------------------------

ATTR_URL = re.compile(r'\b(?:src|href)="([^"#?]+)')
CSS_URL = re.compile(r'(?:url\(\s*["\']?|@import\s+["\'])([^"\')#?]+)')
# Loaded by a script of its own, not named by a page: MathJax's loader fetches its
# components, TeX extensions and fonts as a formula needs them (offline_mathjax.py
# copies only those it can load), and the search page fetches the index.
LOADED_BY_SCRIPTS = ("_static/mathjax/", "searchindex.js")


def referenced_files(outdir: Path) -> set[Path]:
    """Every file the site's pages name (``src``/``href``), and what their stylesheets
    name in turn (``url(...)``), resolved to paths under ``outdir``."""
    outdir = Path(outdir).resolve()
    found: set[Path] = set()
    todo = [p.resolve() for p in outdir.rglob("*.html")]
    while todo:
        page = todo.pop()
        text = page.read_text(encoding="utf-8", errors="replace")
        pattern = CSS_URL if page.suffix == ".css" else ATTR_URL
        for ref in pattern.findall(text):
            if "://" in ref or ref.startswith(("data:", "mailto:", "javascript:")):
                continue
            target = (page.parent / ref).resolve()
            if target.is_file() and target.is_relative_to(outdir) and target not in found:
                found.add(target)
                if target.suffix == ".css":
                    todo.append(target)
    return found


def prune_unloaded(outdir: Path) -> tuple[int, int]:
    """Delete what no page loads: every source map, Sphinx's incremental-build marker
    (``.buildinfo``), and each file under ``_static/`` that no page or stylesheet names
    (the theme's copies of libraries it does not use here, its translations, Font
    Awesome's script and full fonts after :func:`slim_font_awesome`, template
    fragments), except what scripts load themselves (``LOADED_BY_SCRIPTS``). A license
    text next to a kept script stays. Returns (files deleted, bytes deleted)."""
    outdir = Path(outdir).resolve()
    keep = referenced_files(outdir)
    doomed = [p for p in outdir.rglob("*.map") if p.is_file()]
    doomed += [p for p in [outdir / ".buildinfo"] if p.is_file()]
    for path in (outdir / "_static").rglob("*"):
        rel = path.relative_to(outdir).as_posix()
        if not path.is_file() or path in keep or rel.startswith(LOADED_BY_SCRIPTS):
            continue
        if path.name.endswith(".LICENSE.txt") and path.with_name(
                path.name.removesuffix(".LICENSE.txt")) in keep:
            continue
        doomed.append(path)
    size = 0
    for path in set(doomed):
        size += path.stat().st_size
        path.unlink()
    for folder in sorted((outdir / "_static").rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return len(set(doomed)), size


def _on_build_finished(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    hide_icons(Path(app.outdir))
    LOGGER.info("lightpages: stylesheets purged %s", purge_stylesheets(Path(app.outdir)))
    before, after = lighten_figures(Path(app.outdir))
    if before:
        LOGGER.info("lightpages: figures %d kB -> %d kB", before // 1000, after // 1000)
    report = slim_font_awesome(Path(app.outdir))
    if report:
        LOGGER.info("lightpages: Font Awesome cut to %s icons: %s", report["icons"], report)


def _prune(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    files, size = prune_unloaded(Path(app.outdir))
    total = sum(p.stat().st_size for p in Path(app.outdir).rglob("*") if p.is_file())
    LOGGER.info("lightpages: %d files no page loads removed (%.1f MB); the site is %.1f MB",
                files, size / 1e6, total / 1e6)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("doctree-resolved", _on_doctree_resolved)
    # After Sphinx's MathJax (500) and buildinfo's duplicate-script filter (900).
    app.connect("html-page-context", _lighter_scripts, priority=950)
    app.connect("html-page-context", _add_meta_description)
    app.connect("html-page-context", _add_image_sizes, priority=950)
    app.connect("html-page-context", _fix_markdown_table_heads, priority=950)
    app.connect("html-page-context", _name_fold_toggles_by_their_text, priority=950)
    # Before sphinx-external-toc's redirect writer (priority 500).
    app.connect("build-finished", _write_root_page, priority=400)
    app.connect("build-finished", _on_build_finished)
    # Last: after every extension has written its files (buildinfo.css, the root page).
    app.connect("build-finished", _prune, priority=990)
    app.add_css_file(CSS_FILE)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
