"""Notebooks that run anywhere: a Sphinx extension, and the deploy workflow's publish step.

Registered in ``_config.yml`` under ``sphinx: local_extensions``. For every page whose
executed notebook the site serves (``_sources/<page>.ipynb``, put there by
``tools/buildinfo.py``), it

* **writes the notebook's markdown as plain CommonMark** (:func:`plain_notebook`), since
  Jupyter and Colab render no MyST: glued values as this build computed them, ``{doc}``
  and ``{ref}`` as links to the published pages (``html: baseurl``, or the repository's
  GitHub Pages address), exercises and solutions as headings (the solution's code stays
  ordinary cells), ``literalinclude`` as a code cell holding the included code (shown,
  not run: ``%%script false``), admonitions as quotes, the execution table as a table.
  A role or directive it does not know stops the build.

* **puts two cells at the top of that notebook**: a note for the reader, and a code cell
  that makes the helper package ``optimlab`` importable when it is not, by installing it
  with pip from the repository (``repository: url`` of ``_config.yml``) **at the commit
  that built the notebook** (``git rev-parse HEAD`` at build time, or
  ``OPTIMLAB_BUILD_COMMIT``; outside a git checkout, the configured branch, and the
  build log says so), so a notebook never meets a helper it was not written for.
  Nothing is added to the page sources; the
  HTML pages do not show the cells. ``OPTIMLAB_INSTALL_FROM`` (an environment variable
  of the reader's session) replaces the pip source: the tests install a locally built
  wheel that way.

* **adds an "Open in Colab" button** to every page. Colab opens ``.ipynb`` files only;
  sphinx-book-theme's own Colab button (``launch_buttons: colab_url``) would point at the
  page's ``.md`` source, so that setting stays empty and this extension links instead to
  the same notebook on the branch the deploy workflow publishes
  (``launch_buttons: notebooks_branch``), as QuantEcon does with its notebooks
  repository. The URL is ``<colab_notebooks_url>/github/<org>/<repo>/blob/<branch>/<page>.ipynb``.

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
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

TAG = "optimlab-bootstrap"
INSTALL_ENV = "OPTIMLAB_INSTALL_FROM"
# The commit the notebooks' install cell pins, where the build cannot ask git (a source
# archive); by default ``git rev-parse HEAD`` of the book.
COMMIT_ENV = "OPTIMLAB_BUILD_COMMIT"
DEFAULT_COLAB = "https://colab.research.google.com"
DEFAULT_BRANCH = "notebooks"

NOTE = """\
**Running this notebook yourself.** This is the notebook of one page of the course notes
*Optimizers in JAX/Optax and PyTorch*, with the outputs of the site's build. The next cell
makes the course's small helper package `optimlab` importable: where it is missing (Colab,
a fresh Jupyter) it installs it with pip from `{source}` and says so. Then run the cells
from the top. Your numbers, timings above all, will differ from the saved outputs; the
notebook's checks are written to hold on any machine, and nothing in it asserts a timing.
On a GPU runtime, batch_size_runtime times JAX on the GPU."""

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


# --- plain Jupyter notebooks: MyST markdown written out as CommonMark --------------------
#
# The served notebook's markdown cells are the page's MyST source. Jupyter and Colab
# render CommonMark (with tables and $math$): a role such as {glue:text}`key` or a
# directive fence such as ```{note} shows as raw text there. plain_cells() rewrites one
# markdown cell with what the build knows (a Resolver): glued values as the build
# computed them, {doc}/{ref} as links to the published pages, exercises and solutions as
# headings, literalinclude as a code cell, admonitions as quotes, MyST targets dropped.
# Anything else MyST-only stops the build (MystLeftover), so none reaches a reader.

INCLUDED_TAG = "optimlab-included"  # code cells made from literalinclude (never executed)
# A role: {name}`content`; or an inline code span, which is left as it is.
ROLE_OR_CODE = re.compile(r"\{(?P<name>[A-Za-z][\w:+-]*)\}`(?P<content>[^`]*)`|(?P<code>(`+).*?(?<!`)\4(?!`))")
TARGET = re.compile(r"^\s*\(([^()\s]+)\)=\s*$")
EXPLICIT = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
HEADING = re.compile(r"^(#{1,6})\s")
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention",
               "danger", "error", "seealso", "admonition"}
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~#])")


class MystLeftover(ValueError):
    """A MyST role or directive the notebook conversion does not know."""


@dataclass(frozen=True)
class Resolver:
    """What the build knows, for :func:`plain_cells` (each a function; see extension)."""

    glue: Callable[[str, str], str]  # (key, format spec) -> text as the page shows it
    doc: Callable[[str], tuple[str, str]]  # target -> (title, absolute url)
    ref: Callable[[str], tuple[str, str]]  # label -> (title, absolute url)
    include: Callable[[str, dict], str]  # (file argument, options) -> included code
    exec_table: Callable[[], str]  # the {nb-exec-table}, as a markdown table


def escape_markdown(text: str) -> str:
    r"""``text`` with CommonMark's special characters backslash-escaped (shown as is).

    >>> escape_markdown("a_b *c* $5 [x]")
    'a\\_b \\*c\\* \\$5 \\[x\\]'
    """
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _link(title: str, url: str) -> str:
    return f"[{escape_markdown(title)}]({url})"


def _role(name: str, content: str, resolve: Resolver) -> str:
    if name in ("glue:text", "glue", "glue:"):
        key, _, spec = content.rpartition(":") if ":" in content else (content, "", "")
        if "::" in content:
            raise MystLeftover(f"{{{name}}}`{content}`: glue from another page is not supported")
        return escape_markdown(resolve.glue(key, spec))
    if name in ("doc", "ref"):
        found = EXPLICIT.match(content)
        target = found["target"] if found else content
        title, url = (resolve.doc if name == "doc" else resolve.ref)(target.strip())
        return _link(found["title"] if found else title, url)
    raise MystLeftover(f"{{{name}}}`{content}`: no plain-Markdown form for the role {name!r}")


def plain_inline(text: str, resolve: Resolver) -> str:
    """``text`` (Markdown outside code blocks) with its roles written out and its MyST
    targets (``(label)=`` lines) dropped; inline code spans are left as they are.

    >>> r = Resolver(glue=lambda k, s: format(0.12345, s or "") if k == "x" else k,
    ...              doc=lambda t: ("Momentum", "https://e.org/book/momentum.html"),
    ...              ref=None, include=None, exec_table=None)
    >>> plain_inline("x is {glue:text}`x:.2f`, see {doc}`momentum`; `{doc}` is a role", r)
    'x is 0.12, see [Momentum](https://e.org/book/momentum.html); `{doc}` is a role'
    """
    def one(match):
        if match["code"]:
            return match["code"]
        return _role(match["name"], match["content"], resolve)

    lines = [line for line in text.split("\n") if not TARGET.match(line)]
    return ROLE_OR_CODE.sub(one, "\n".join(lines))


def _directive(info: str, body: str) -> tuple[str, str, dict, str]:
    """(name, argument, options, content) of a MyST directive fence."""
    name, _, argument = info.strip()[1:].partition("}")
    options, lines = {}, body.split("\n")
    while lines and (opt := re.match(r"^:([\w-]+):\s*(.*)$", lines[0])):
        options[opt[1]] = opt[2].strip()
        lines.pop(0)
    return name.strip(), argument.strip(), options, "\n".join(lines).strip("\n")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def _markdown_cell(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code_cell(code: str, note: str) -> dict:
    # %%script false: the cell shows the helper's code and does not run it, so that
    # "Run all" keeps the package's own definition (running the copy here would
    # redefine the name in the notebook, without the module's imports and helpers).
    return {"cell_type": "code", "execution_count": None, "metadata": {"tags": [INCLUDED_TAG]},
            "outputs": [], "source": f"%%script false --no-raise-error\n# {note}\n{code.rstrip()}"}


def plain_cells(source: str, resolve: Resolver, *, level: int = 2,
                exercises: dict[str, str] | None = None) -> tuple[list[dict], int]:
    """One MyST markdown cell as plain notebook cells, and the last heading level.

    ``level`` is the last heading level before this cell (exercise and solution
    headings go one below it); ``exercises`` maps exercise labels to titles (solutions
    name their exercise). A ``literalinclude`` splits the cell: markdown, code, markdown.
    """
    from markdown_it import MarkdownIt

    exercises = {} if exercises is None else exercises
    lines = source.split("\n")
    cells: list[dict] = []
    out: list[str] = []
    done = 0

    def text(chunk: list[str]) -> None:
        nonlocal level
        for line in chunk:
            if head := HEADING.match(line):
                level = len(head[1])
        out.append(plain_inline("\n".join(chunk), resolve))

    def flush() -> None:
        markdown = "\n".join(out).strip("\n")
        out.clear()
        if markdown.strip():
            cells.append(_markdown_cell(re.sub(r"\n{3,}", "\n\n", markdown)))

    for token in MarkdownIt("commonmark").parse(source):
        if token.type != "fence" or not token.info.strip().startswith("{") or token.map is None:
            continue
        start, end = token.map
        text(lines[done:start])
        done = end
        name, argument, options, content = _directive(token.info, token.content)
        sub = level + 1 if level < 6 else 6
        if name == "exercise":
            exercises[options.get("label", "")] = argument
            body, _ = plain_cells(content, resolve, level=sub, exercises=exercises)
            out.append(f"\n{'#' * sub} Exercise: {plain_inline(argument, resolve)}\n")
            out.append("\n\n".join(c["source"] for c in body) + "\n")
        elif name in ("solution-start", "solution"):
            title = exercises.get(argument, argument)
            out.append(f"\n{'#' * sub} Solution: {plain_inline(title, resolve)}\n")
            if content and name == "solution":
                out.append("\n\n".join(c["source"] for c in plain_cells(
                    content, resolve, level=sub, exercises=exercises)[0]) + "\n")
        elif name == "solution-end":
            pass
        elif name in ADMONITIONS:
            title = argument if name == "admonition" else (argument or name.capitalize())
            if name == "seealso" and not argument:
                title = "See also"
            body = "\n\n".join(c["source"] for c in plain_cells(content, resolve, level=sub,
                                                                exercises=exercises)[0])
            out.append("\n" + _quote(f"**{plain_inline(title, resolve)}**\n\n{body}") + "\n")
        elif name == "literalinclude":
            flush()
            what = f"{argument}: {options['pyobject']}" if "pyobject" in options else argument
            cells.append(_code_cell(resolve.include(argument, options),
                                    f"{what}, shown here (it runs inside the optimlab package)"))
        elif name == "nb-exec-table":
            out.append("\n" + resolve.exec_table() + "\n")
        else:
            raise MystLeftover(f"```{{{name}}} {argument}: no plain-Markdown form for "
                               f"the directive {name!r}")
    text(lines[done:])
    flush()
    return cells, level


def plain_notebook(notebook: dict, resolve: Resolver) -> dict:
    """``notebook`` (changed in place, and returned) with every markdown cell written
    as plain CommonMark (:func:`plain_cells`); code cells are kept as they are."""
    cells, level, exercises = [], 1, {}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            cells.append(cell)
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        new, level = plain_cells(source, resolve, level=level, exercises=exercises)
        if new:
            new[0]["metadata"] = cell.get("metadata", {})
            if "id" in cell:
                new[0]["id"] = cell["id"]
                for i, extra in enumerate(new[1:], start=1):
                    extra["id"] = f"{cell['id']}-{i}"
        cells.extend(new)
    notebook["cells"] = cells
    return notebook


def notebook_glue(notebook: dict) -> dict[str, dict]:
    """The values the notebook glued (MyST-NB's own extraction), by key."""
    import nbformat
    from myst_nb.ext.glue import extract_glue_data_cell

    data = {}
    for cell in nbformat.from_dict(copy.deepcopy(notebook)).cells:
        if cell.cell_type == "code":
            data.update(dict(extract_glue_data_cell(cell)))
    return data


def glued_text(glue: dict[str, dict], key: str, spec: str, page: str = "") -> str:
    """What ``{glue:text}`key:spec``` shows: MyST-NB's own formatting of the value."""
    from myst_nb.core.variables import format_plain_text

    if key not in glue:
        raise MystLeftover(f"{page}: no glued value {key!r} in the executed notebook")
    data = glue[key].get("data", {})
    if "text/plain" not in data:
        raise MystLeftover(f"{page}: the glued value {key!r} has no text/plain form")
    return format_plain_text(data["text/plain"], spec or "")


def site_url(repository_url: str, baseurl: str = "") -> str:
    """Where the site is published: ``baseurl`` (``html: baseurl``), or else the GitHub
    Pages address of the repository.

    >>> site_url("https://github.com/sta663/lecture24-optimizers")
    'https://sta663.github.io/lecture24-optimizers/'
    """
    if baseurl:
        return baseurl.rstrip("/") + "/"
    parsed = urlparse(repository_url or "")
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc != "github.com" or len(parts) != 2:
        raise ValueError("the notebooks link to the published pages: set html: baseurl in "
                         f"_config.yml, or a https://github.com/ORG/REPO repository url, got {repository_url!r}")
    return f"https://{parts[0].lower()}.github.io/{parts[1].removesuffix('.git')}/"


def build_commit(where: Path) -> str | None:
    """The git commit checked out at ``where`` (``git rev-parse HEAD``), or None outside
    a git checkout (or without git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit) else None


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


def _resolver(app, pagename: str, notebook: dict) -> Resolver:
    """The build's answers for :func:`plain_notebook` on one page."""
    from sphinx.directives.code import LiteralIncludeReader

    env, builder = app.env, app.builder
    base = app.notebooks_site_url
    glue = notebook_glue(notebook)
    source_dir = Path(env.doc2path(pagename)).parent

    def url(docname: str, anchor: str = "") -> str:
        return base + builder.get_target_uri(docname) + (f"#{anchor}" if anchor else "")

    def doc(target: str) -> tuple[str, str]:
        from sphinx.util import docname_join

        docname = docname_join(pagename, target.removesuffix(".md"))
        if docname not in env.titles:
            raise MystLeftover(f"{pagename}: {{doc}}`{target}` names no page of the book")
        return env.titles[docname].astext(), url(docname)

    def ref(label: str) -> tuple[str, str]:
        labels = env.domaindata["std"]["labels"]
        if label not in labels:
            raise MystLeftover(f"{pagename}: {{ref}}`{label}` names no label of the book")
        docname, anchor, title = labels[label]
        return title, url(docname, anchor)

    def include(argument: str, options: dict) -> str:
        filename = (source_dir / argument).resolve()
        options = {k: v for k, v in options.items() if k in ("pyobject", "lines", "start-after",
                   "end-before", "start-at", "end-at", "dedent")}
        text, _ = LiteralIncludeReader(str(filename), options, app.config).read()
        return text

    def exec_table() -> str:
        from myst_nb.ext.execution_tables import _key2header, _key2transform
        from myst_nb.sphinx_ import NbMetadataCollector

        metadata = NbMetadataCollector.get_doc_data(env)
        rows = ["| Document | " + " | ".join(_key2header.values()) + " |",
                "| --- " * (len(_key2header) + 1) + "|"]
        for docname in sorted(metadata):
            data = metadata[docname].get("exec_data")
            if data:
                cells = [_key2transform[k](data[k]) for k in _key2header]
                rows.append(f"| [{docname}]({url(docname)}) | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    return Resolver(glue=lambda key, spec: glued_text(glue, key, spec, pagename),
                    doc=doc, ref=ref, include=include, exec_table=exec_table)


def _on_builder_inited(app) -> None:
    settings = _settings(app)
    app.notebooks_site_url = site_url(settings["repository_url"], app.config.html_baseurl)
    commit = os.environ.get(COMMIT_ENV) or build_commit(Path(app.srcdir))
    if commit:
        source, why = install_source(settings["repository_url"], commit), f"commit {commit}"
    else:
        source = install_source(settings["repository_url"], settings["branch"])
        why = (f"not a git checkout and no {COMMIT_ENV}: the notebooks install the "
               f"helper from the branch {settings['branch']!r}")
    app.notebooks_install_source = source
    from sphinx.util import logging

    logging.getLogger(__name__).info("notebooks: install cell pins %s", why)


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    served = context.get("ipynb_source")
    if doctree is None or not served:
        return
    settings = _settings(app)
    path = Path(app.outdir) / "_sources" / served
    notebook = json.loads(path.read_text(encoding="utf-8"))
    if not has_bootstrap(notebook):
        try:
            plain_notebook(notebook, _resolver(app, pagename, notebook))
        except MystLeftover as err:
            from sphinx.errors import ExtensionError

            raise ExtensionError(f"{pagename}.ipynb: {err}") from err
        add_bootstrap(notebook, app.notebooks_install_source)
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
    app.connect("builder-inited", _on_builder_inited)
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
