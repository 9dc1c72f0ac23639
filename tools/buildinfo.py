"""Sphinx extension: every page says when and on what machine it was built.

Registered in ``_config.yml`` under ``sphinx: local_extensions``. It does two things
for every HTML page of the book:

* **Build footer.** When the builder starts, it reads the machine through
  ``optimlab.machine`` (the helper the build report page uses too) and the clock, and
  puts one line in the theme's footer (``extra_footer`` of sphinx-book-theme), e.g.::

      Built 2026-11-25 11:02 UTC on AMD EPYC 7B13 (2 cores, 23.5 GiB, no GPU) · build report

  where "build report" links, relatively from each page, to the build report page
  (config value ``buildinfo_report_doc``, default ``book/build_report``). Nothing is
  typed: rebuild on another machine and every footer changes. ``SOURCE_DATE_EPOCH``,
  when set (the reproducible-builds convention, also honoured by Sphinx), replaces the
  clock. Sphinx's "Last updated on" line (``html_last_updated_fmt``) shows the same
  moment, instead of reading the clock again when writing starts.

* **Notebook download.** sphinx-book-theme offers the executed notebook (``.ipynb``) of
  a MyST markdown page only when a launch button (Binder, Colab, ...) is configured,
  which this offline book does not do; its download menu then has the ``.md`` source and
  "print to PDF" only. This extension copies each page's executed notebook, written by
  MyST-NB to ``<outdir>/../jupyter_execute/<page>.ipynb``, to
  ``<outdir>/_sources/<page>.ipynb`` beside the ``.md`` source and tells the theme, so
  the menu offers ``.ipynb`` and ``.md``. A page without code cells, for which MyST-NB
  writes no notebook, gets its text as a notebook of markdown cells (via jupytext).

* **Small fixes a reader would notice**: a duplicated inline script that raised a
  JavaScript error on every page (see ``_drop_duplicate_scripts``), and a few CSS
  rules (``_static/buildinfo.css``) so that long identifiers wrap on a phone.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.i18n import format_date

LOGGER = logging.getLogger(__name__)
BOOK_DIR = Path(__file__).resolve().parent.parent / "book"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
CSS_FILE = "buildinfo.css"
# The footer line; and long unbreakable words (identifiers in headings, long inline
# code) wrap instead of making the whole page scroll sideways on a phone.
CSS = """\
.buildinfo { margin: 0; font-size: 0.85em; color: var(--pst-color-text-muted); }
.bd-article h1, .bd-article h2, .bd-article h3, .bd-article h4 { overflow-wrap: break-word; }
.bd-article code.literal { overflow-wrap: break-word; }
.bd-article code.literal span.pre { white-space: normal; }
"""


def build_time() -> dt.datetime:
    """The build's time in UTC: now, or ``SOURCE_DATE_EPOCH`` when that is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC)


def machine_summary() -> dict:
    """CPU name, usable cores, memory (GiB, 1 decimal) and GPUs of this machine."""
    if str(BOOK_DIR) not in sys.path:
        sys.path.insert(0, str(BOOK_DIR))
    import psutil

    from optimlab.machine import cpu_model, gpus

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu_model(),
        "cores": cores,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "gpus": gpus(),
    }


def footer_text(when: dt.datetime, machine: dict) -> str:
    """The plain-text build line, e.g. ``Built 2026-11-25 11:02 UTC on X (2 cores, ...)``."""
    gpu = "GPU: " + ", ".join(machine["gpus"]) if machine["gpus"] else "no GPU"
    return (
        f"Built {when:%Y-%m-%d %H:%M} UTC on {machine['cpu']} "
        f"({machine['cores']} cores, {machine['memory_gib']} GiB, {gpu})"
    )


def _on_builder_inited(app: Sphinx) -> None:
    when = build_time()
    machine = machine_summary()
    app.buildinfo_when = when  # type: ignore[attr-defined]
    app.buildinfo_text = footer_text(when, machine)  # type: ignore[attr-defined]
    app.buildinfo_iso = when.strftime("%Y-%m-%dT%H:%MZ")  # type: ignore[attr-defined]
    LOGGER.info("buildinfo: %s", app.buildinfo_text)


def _footer_html(app: Sphinx, pagename: str, context: dict) -> str:
    text = html.escape(app.buildinfo_text)
    line = f'<span class="buildinfo-text" data-built="{app.buildinfo_iso}">{text}</span>'
    report = app.config.buildinfo_report_doc
    if report and report in app.env.found_docs:
        if pagename == report:  # pathto() gives "#" there
            href = os.path.basename(app.builder.get_target_uri(report))
        else:
            href = context["pathto"](report)  # relative to the current page
        line += f' · <a class="buildinfo-report" href="{html.escape(href)}">build report</a>'
    return f'<p class="buildinfo">{line}</p>'


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    if not hasattr(app, "buildinfo_text"):
        return
    # Add to (never replace) an extra_footer set in _config.yml (html: extra_footer).
    configured = context.get("theme_extra_footer") or ""
    context["theme_extra_footer"] = configured + _footer_html(app, pagename, context)
    # Sphinx's own "Last updated on ..." (html_last_updated_fmt) reads the clock again
    # when writing starts, minutes later: show the same moment as the build line.
    if context.get("last_updated") and app.config.html_last_updated_fmt is not None:
        context["last_updated"] = format_date(
            app.config.html_last_updated_fmt or "%b %d, %Y",
            date=app.buildinfo_when,
            language=app.config.language,
        )

    if doctree is not None and context.get("sourcename"):
        _add_notebook_download(app, pagename, context)


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop the second copy of inline scripts that Sphinx 7.4 puts on every page.

    An inline script added after the builder starts (sphinx-thebe's
    ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) is registered once
    with the filename ``None`` and re-added with ``''`` when writing begins; the two do
    not compare equal, so each page declared ``const THEBE_JS_URL`` twice, a JavaScript
    error in the console of every page.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attributes = getattr(js, "attributes", {})
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def _write_css(app: Sphinx, exception) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        (static / CSS_FILE).write_text(CSS, encoding="utf-8")


def _fill_from_cache(app: Sphinx, executed: Path) -> None:
    """Give ``jupyter_execute/<page>.ipynb`` its outputs when they came from the cache.

    In cache mode (``execute_notebooks: cache``, which tools/build.sh fills for
    every build), MyST-NB 1.4 renders the page from the cached, executed notebook but
    writes the notebook it read, without outputs or execution counts, to
    ``jupyter_execute``. This puts the cached outputs in, so that the notebook a reader
    downloads (and the one the deploy workflow publishes for Colab) is the executed one.
    A page that is not in the cache (MyST-NB executed it itself) is left as it is.
    """
    if app.config.nb_execution_mode != "cache":
        return
    import nbformat
    from jupyter_cache import get_cache

    notebook = nbformat.read(executed, as_version=4)
    if any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"):
        return
    cache = get_cache(str(Path(app.outdir).parent / ".jupyter_cache"))
    try:
        _, notebook = cache.merge_match_into_notebook(notebook)
    except KeyError:
        return
    nbformat.write(notebook, executed)


def _add_notebook_download(app: Sphinx, pagename: str, context: dict) -> None:
    """Put ``_sources/<page>.ipynb`` beside the ``.md`` source and list it for the theme.

    A MyST notebook page gets the notebook MyST-NB executed during this build (outputs
    included). A markdown page without code (MyST-NB writes no notebook for it) gets
    its text as a notebook of markdown cells, converted with jupytext, so that every
    page can be downloaded both ways.
    """
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    source = Path(app.env.doc2path(pagename))
    if executed.is_file():
        _fill_from_cache(app, executed)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, target)
    elif source.suffix == ".md":
        import jupytext

        notebook = jupytext.read(source, fmt="md:myst")
        notebook.metadata = {"kernelspec": KERNELSPEC}
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target, fmt="ipynb")
    else:
        return
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict:
    app.add_config_value("buildinfo_report_doc", "book/build_report", "html", types=[str])
    app.add_css_file(CSS_FILE)
    app.connect("builder-inited", _on_builder_inited)
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", _on_html_page_context, priority=400)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("build-finished", _write_css)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
