"""Notebooks that run anywhere: a Sphinx extension, and the deploy workflow's publish step.

Registered in ``_config.yml`` under ``sphinx: local_extensions``. For every page whose
executed notebook the site serves (``_sources/<page>.ipynb``, put there by
``tools/buildinfo.py``), it

* **puts two cells at the top of that notebook**: a note for the reader, and a code cell
  that makes the helper package ``optimlab`` importable when it is not, by installing it
  with pip from the one repository setting of ``_config.yml`` (``repository: url`` and
  ``branch``), and says plainly what it did. Nothing is added to the page sources; the
  HTML pages do not show the cells. ``OPTIMLAB_INSTALL_FROM`` (an environment variable
  of the reader's session) replaces the pip source: the tests install a locally built
  wheel that way. The cell never sets ``OPTIMLAB_BUILD_CHECKS``, so the build-only
  checks (``optimlab.checks.build_checks``) stay off in a reader's session.

* **adds an "Open in Colab" button** to every page. Colab opens ``.ipynb`` files only;
  sphinx-book-theme's own Colab button (``launch_buttons: colab_url``) would point at the
  page's ``.md`` source, so that setting stays empty and this extension links instead to
  the same notebook on the branch the deploy workflow publishes
  (``launch_buttons: notebooks_branch``), as QuantEcon does with its notebooks
  repository. The URL is ``<colab_notebooks_url>/github/<org>/<repo>/blob/<branch>/<page>.ipynb``.

* **refuses to build with the fake accelerator on** (``OPTIMLAB_FAKE_GPU``, see
  ``optimlab.timing.fake_gpu``): a published page must never show a fake GPU.

Run as a script, it is the publish step (``.github/workflows/site.yml``)::

    python tools/notebooks.py collect _build/html DEST

copies every served notebook (``_build/html/_sources/**/*.ipynb``) to ``DEST`` under the
path the Colab buttons name (``book/<page>.ipynb``), with a README; the workflow pushes
``DEST`` to the notebooks branch.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

TAG = "optimlab-bootstrap"
FAKE_GPU_ENV = "OPTIMLAB_FAKE_GPU"  # optimlab.timing.FAKE_GPU_ENV (tools/ does not import book/)
INSTALL_ENV = "OPTIMLAB_INSTALL_FROM"
DEFAULT_COLAB = "https://colab.research.google.com"
DEFAULT_BRANCH = "notebooks"

NOTE = """\
**Running this notebook yourself.** This is the notebook of one page of the course notes
*Optimizers in JAX/Optax and PyTorch*, with the outputs of the site's build. The next cell
makes the course's small helper package `optimlab` importable: where it is missing (Colab,
a fresh Jupyter) it installs it with pip from `{source}` and says so. Then run the cells
from the top. Your numbers, timings above all, will differ from the saved outputs. The
hidden checks that only hold on the site's build machine (timing orderings, agreement with
the lecture's printed numbers to the last bit) are skipped outside the site build: they
run only where `OPTIMLAB_BUILD_CHECKS=1`. On a GPU runtime the timing pages add GPU columns
by themselves."""

BOOTSTRAP = '''\
# Make the course's helper package, optimlab, importable: install it only if missing.
import importlib
import importlib.util
import os
import subprocess
import sys

PIP_SOURCE = "{source}"

if importlib.util.find_spec("optimlab") is None:
    source = os.environ.get("{install_env}", PIP_SOURCE)
    print(f"optimlab is not installed here: installing it with pip from {{source}}")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)
    importlib.invalidate_caches()
    if importlib.util.find_spec("optimlab") is None:  # pip chose a new --user folder
        import site

        site.addsitedir(site.getusersitepackages())
import optimlab

print(f"optimlab {{optimlab.__version__}} from {{os.path.dirname(optimlab.__file__)}}")'''


# --- what goes into the notebooks, and where the buttons point (pure functions) ------


def install_source(repository_url: str, branch: str | None) -> str:
    """pip's requirement for the repository: ``git+<url>`` (``@<branch>`` if given).

    >>> install_source("https://github.com/o/r", "main")
    'git+https://github.com/o/r@main'
    """
    if not repository_url or not repository_url.startswith("https://"):
        raise ValueError(f"repository url must be an https:// URL, got {repository_url!r}")
    url = repository_url.rstrip("/")
    return f"git+{url}@{branch}" if branch else f"git+{url}"


def bootstrap_cells(source: str) -> list[dict]:
    """The note and the install cell put at the top of every served notebook."""
    meta = {"tags": [TAG]}
    return [
        {"cell_type": "markdown", "metadata": copy.deepcopy(meta), "source": NOTE.format(source=source)},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": copy.deepcopy(meta),
            "outputs": [],
            "source": BOOTSTRAP.format(source=source, install_env=INSTALL_ENV),
        },
    ]


def has_bootstrap(notebook: dict) -> bool:
    cells = notebook.get("cells", [])
    return bool(cells) and TAG in cells[0].get("metadata", {}).get("tags", [])


def add_bootstrap(notebook: dict, source: str) -> bool:
    """Put :func:`bootstrap_cells` first in ``notebook`` (a dict, changed in place).

    Only notebooks with code need it; a notebook that has it already is left alone.
    Returns whether the notebook changed.
    """
    cells = notebook.get("cells", [])
    if has_bootstrap(notebook) or not any(c.get("cell_type") == "code" for c in cells):
        return False
    new = bootstrap_cells(source)
    if (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) >= (4, 5):
        for cell, name in zip(new, ("optimlab-note", "optimlab-bootstrap"), strict=True):
            cell["id"] = name  # nbformat 4.5 gives every cell an id
    cells[:0] = new
    notebook["cells"] = cells
    return True


def colab_url(repository_url: str, branch: str, notebook_path: str, colab: str = DEFAULT_COLAB) -> str:
    """Colab's URL for a notebook on a GitHub branch.

    >>> colab_url("https://github.com/o/r", "notebooks", "book/p.ipynb")
    'https://colab.research.google.com/github/o/r/blob/notebooks/book/p.ipynb'
    """
    parsed = urlparse(repository_url)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc != "github.com" or len(parts) != 2:
        raise ValueError(f"Colab opens GitHub repositories only: need https://github.com/ORG/REPO, got {repository_url!r}")
    if not notebook_path.endswith(".ipynb"):
        raise ValueError(f"Colab opens .ipynb files only, got {notebook_path!r}")
    org, repo = parts
    return f"{colab.rstrip('/')}/github/{org}/{repo.removesuffix('.git')}/blob/{branch}/{notebook_path}"


def collect(html_dir: Path, dest: Path) -> list[str]:
    """The publish step: copy every served notebook to ``dest`` (relative paths kept).

    Returns the notebooks' paths relative to ``dest`` (what the Colab buttons name).
    """
    sources = Path(html_dir) / "_sources"
    notebooks = sorted(p.relative_to(sources).as_posix() for p in sources.rglob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"no notebooks under {sources}: build the site first (make html)")
    dest = Path(dest)
    for rel in notebooks:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources / rel, dest / rel)
    (dest / "README.md").write_text(
        "# Notebooks of the course site\n\n"
        "Generated by the site's deploy workflow from the executed pages (do not edit: "
        "every deploy replaces this branch). Each page's *Open in Colab* button opens "
        "one of these. The sources are the MyST pages on the main branch.\n\n"
        + "".join(f"- `{rel}`\n" for rel in notebooks),
        encoding="utf-8",
    )
    return notebooks


# --- the Sphinx extension -------------------------------------------------------------


def _settings(app) -> dict:
    theme = app.config.html_theme_options or {}
    launch = theme.get("launch_buttons") or {}
    return {
        "repository_url": theme.get("repository_url", ""),
        "branch": theme.get("repository_branch") or None,
        "colab": launch.get("colab_notebooks_url", DEFAULT_COLAB),
        "notebooks_branch": launch.get("notebooks_branch", DEFAULT_BRANCH),
    }


def _refuse_fake_gpu(app, config) -> None:
    from sphinx.errors import ConfigError

    value = os.environ.get(FAKE_GPU_ENV, "")
    if value:
        raise ConfigError(
            f"{FAKE_GPU_ENV}={value} is set: that switch gives the pages a FAKE accelerator "
            "for tests, and a published page must never show one. Unset it and build again."
        )


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    served = context.get("ipynb_source")
    if doctree is None or not served:
        return
    settings = _settings(app)
    path = Path(app.outdir) / "_sources" / served
    notebook = json.loads(path.read_text(encoding="utf-8"))
    source = install_source(settings["repository_url"], settings["branch"])
    if add_bootstrap(notebook, source):
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    url = colab_url(settings["repository_url"], settings["notebooks_branch"], served, settings["colab"])
    buttons.append(
        {
            "type": "group",
            "tooltip": "Run this page's notebook",
            "icon": "fas fa-rocket",
            "label": "launch-buttons",
            "buttons": [
                {
                    "type": "link",
                    "text": "Open in Colab",
                    "tooltip": "Open this page's notebook in Colab",
                    "icon": "_static/images/logo_colab.png",
                    "url": url,
                    "label": "colab-button",
                }
            ],
        }
    )


def setup(app) -> dict:
    app.connect("config-inited", _refuse_fake_gpu)
    # After tools/buildinfo.py (400) has put the notebook into _sources/, and after
    # sphinx-book-theme (501) has made the header buttons.
    app.connect("html-page-context", _on_html_page_context, priority=510)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def settings(config_file: Path) -> dict:
    """What the publish step needs from ``_config.yml``: ``repository`` (``ORG/REPO``, whose
    notebooks branch the Colab buttons open) and ``branch`` (that branch's name)."""
    import yaml

    config = yaml.safe_load(Path(config_file).read_text(encoding="utf-8"))
    url = config["repository"]["url"]
    launch = config.get("launch_buttons") or {}
    colab = colab_url(url, "b", "x.ipynb")  # checks that it is a GitHub repository
    return {
        "repository": colab.split("/github/", 1)[1].split("/blob/", 1)[0],
        "branch": launch.get("notebooks_branch", DEFAULT_BRANCH),
    }


USAGE = """usage: python tools/notebooks.py collect HTML_DIR DEST
       python tools/notebooks.py settings [CONFIG]   (repository=ORG/REPO, branch=NAME)"""


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "collect":
        notebooks = collect(Path(argv[1]), Path(argv[2]))
        print(f"{len(notebooks)} notebooks -> {argv[2]}")
        return 0
    if len(argv) in (1, 2) and argv[0] == "settings":
        config = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent.parent / "_config.yml"
        for key, value in settings(config).items():
            print(f"{key}={value}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
