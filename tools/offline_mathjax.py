"""Sphinx extension: serve MathJax from the site itself, so math renders offline.

Sphinx loads MathJax from a CDN by default. That breaks the book wherever there is no
network (this course's build machines, a laptop on a train, the browser tests) and
makes every page depend on a third party. This extension copies MathJax 3's combined
``tex-mml-chtml`` component, its fonts and the pieces it loads lazily (TeX extensions,
the menu, accessibility) from the pinned ``django-static-mathjax`` package (plain
MathJax files, no Django needed) into ``_static/mathjax/`` and points ``mathjax_path``
at it. Registered in ``_config.yml`` under ``sphinx: local_extensions``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

# What tex-mml-chtml.js needs beside itself, relative to MathJax's es5/ folder.
PARTS = ["tex-mml-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y", "sre"]


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
    config.mathjax_path = "mathjax/tex-mml-chtml.js"  # relative to _static/


def setup(app: Sphinx) -> dict:
    mathjax_es5()  # fail early, with the message above, if the files are not installed
    app.connect("config-inited", use_local_mathjax)
    app.connect("builder-inited", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
