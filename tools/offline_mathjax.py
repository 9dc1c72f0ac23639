"""Sphinx extension: serve MathJax from the site itself, so math renders offline.

Sphinx loads MathJax from a CDN by default. That breaks the book wherever there is no
network (this course's build machines, a laptop on a train, the browser tests) and
makes every page depend on a third party. This extension copies MathJax 3's
loader (``startup.js``) and the components the book needs, their fonts and the pieces
they load lazily (TeX extensions, fonts) from the pinned
``django-static-mathjax`` package (plain MathJax files, no Django needed) into
``_static/mathjax/`` and points ``mathjax_path`` at it. Registered in ``_config.yml``
under ``sphinx: local_extensions``.

**Which components** (issue 13, page weight): TeX input (with its common packages; any
other extension it autoloads from ``input/tex/extensions``), CommonHTML output and
assistive MathML (the hidden MathML that screen readers read), loaded by
``startup.js`` as listed in ``LOAD``: 0.76 MB instead of the 1.17 MB of the combined
``tex-mml-chtml.js``, which adds MathML input (the book writes TeX only) and the
right-click menu (zoom, renderer choice, "show math as"): 0.41 MB less on every page
with math.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

# The loader, the components and what they load lazily, relative to MathJax's es5/ folder.
# Only what LOAD can pull in: TeX extensions (autoloaded by macros) and the fonts (by
# glyph) load on demand; without the menu (ui/) nothing loads the explorer, semantic
# enrichment or the speech rule engine (a11y/*, sre/: 4.5 MB no page could load).
PARTS = [
    "startup.js", "core.js", "input/tex.js", "output/chtml.js", "output/chtml/fonts/tex.js",
    "output/chtml/fonts/woff-v2", "input/tex/extensions", "a11y/assistive-mml.js",
]
# The components startup.js loads (see the module docstring).
LOAD = ["core", "input/tex", "output/chtml", "a11y/assistive-mml"]


def mathjax_es5() -> Path:
    """The es5/ folder of the installed MathJax files; a clear error if missing."""
    try:
        import mathjax
    except ImportError as err:
        raise RuntimeError(
            "offline_mathjax: the MathJax files are missing; install requirements.txt "
            "(package django-static-mathjax)"
        ) from err
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def copy_mathjax(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    source = mathjax_es5()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def use_local_mathjax(app: Sphinx, config) -> None:
    config.mathjax_path = "mathjax/startup.js"  # relative to _static/
    settings = dict(config.mathjax3_config or {})
    loader = dict(settings.get("loader") or {})
    loader.setdefault("load", list(LOAD))
    settings["loader"] = loader
    config.mathjax3_config = settings


def setup(app: Sphinx) -> dict:
    mathjax_es5()  # fail early, with the message above, if the files are not installed
    app.connect("config-inited", use_local_mathjax)
    app.connect("builder-inited", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
