"""Notebooks that run anywhere (issue 12).

1. ``pip install`` of the repository gives ``optimlab`` with its one version.
2. The notebooks the site serves run outside the repository: each in an empty folder,
   in a fresh virtual environment that has the pinned requirements but no ``optimlab``
   and no path to the repository; their first cell installs ``optimlab`` (here from the
   locally built wheel, through ``OPTIMLAB_INSTALL_FROM``, offline) and says so. The
   build-only checks are off there, as in a reader's session.
3. Every page of the built site has an "Open in Colab" button naming a notebook that the
   deploy workflow's publish step (``tools/notebooks.py collect``) produces.

The fresh environment: ``python -m venv --without-pip`` of the same interpreter, whose
``site-packages`` gets one ``.pth`` line pointing at the repository virtual
environment's ``site-packages`` (the pinned requirements, and pip). Installing all the
requirements again into a new environment would take minutes and the network, and would
test pip rather than the notebooks. That ``.venv`` holds no ``optimlab`` and no path to
the repository: the tests check that ``import optimlab`` fails in it before the first
cell runs, with ``PYTHONPATH`` unset and an empty working folder.

Items 2 and 3 read the last site build (``--site``, as ``make test`` runs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from tools import notebooks

ROOT = Path(__file__).resolve().parent.parent

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
# The served notebook executed outside the repository, as a reader runs it: the one
# page that executes twice per `make test` (the build cannot test a reader's install).
# A cheap page that uses JAX, Optax and the helper package.
OUTSIDE = ["book/problem"]
NOTEBOOK_TIMEOUT_S = 300


def run(cmd, **kwargs):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    assert out.returncode == 0, f"{cmd}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


def clean_env(**extra) -> dict:
    """The environment of a reader's session: no path to the repository, no build checks."""
    drop = {"PYTHONPATH", "XLA_FLAGS",
            "VIRTUAL_ENV", "PYTHONHOME", "MPLBACKEND", notebooks.INSTALL_ENV}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel`` of a copy of the repository's package files (the tree stays clean)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    (src / "book").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "book" / "optimlab", src / "book" / "optimlab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp / "dist"), str(src)], env=clean_env())
    (found,) = (tmp / "dist").glob("optimlab-*.whl")
    return found


def fresh_venv(where: Path) -> Path:
    """A new virtual environment that sees the pinned requirements and nothing else."""
    run([sys.executable, "-m", "venv", "--without-pip", str(where)])
    python = where / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    pinned = sysconfig.get_paths()["purelib"]  # this (the repository's) environment's
    (Path(purelib.stdout.strip()) / "pinned_requirements.pth").write_text(pinned + "\n")
    return python


def optimlab_version_file(python: Path, cwd: Path) -> subprocess.CompletedProcess:
    code = "import optimlab, importlib.metadata as m; print(optimlab.__version__, m.version('optimlab'), optimlab.__file__)"
    return subprocess.run([str(python), "-c", code], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def test_pip_install_gives_optimlab_with_its_one_version(wheel, tmp_path):
    import optimlab

    assert wheel.name == f"optimlab-{optimlab.__version__}-py3-none-any.whl"
    python, empty = fresh_venv(tmp_path / "venv"), tmp_path / "empty"
    empty.mkdir()
    before = optimlab_version_file(python, empty)
    assert before.returncode != 0 and "No module named 'optimlab'" in before.stderr
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=empty, env=clean_env())
    version, dist_version, where = optimlab_version_file(python, empty).stdout.split()
    assert version == dist_version == optimlab.__version__
    assert Path(where).is_relative_to(tmp_path / "venv") and not Path(where).is_relative_to(ROOT)


def test_the_tests_and_the_build_use_the_repository_copy():
    import optimlab

    assert Path(optimlab.__file__).resolve().is_relative_to(ROOT / "book")


# --- the served notebooks: install cell, Colab buttons, publish step, runs outside -----


def test_install_cell_installs_from_the_one_repository_setting():
    repo = CONFIG["repository"]
    source = notebooks.install_source(repo["url"], repo.get("branch"))
    assert source == f"git+{repo['url']}@{repo['branch']}"
    note, cell = notebooks.bootstrap_cells(source)
    assert f'PIP_SOURCE = "{source}"' in cell["source"]
    assert "asserts a timing" in note["source"]  # a reader's run is not stopped by one
    assert max(len(line) for line in cell["source"].splitlines()) <= 88
    nb = {"cells": [{"cell_type": "code", "source": "1"}], "nbformat": 4, "nbformat_minor": 5}
    assert notebooks.add_bootstrap(nb, source) and not notebooks.add_bootstrap(nb, source)
    assert [c["id"] for c in nb["cells"][:2]] == ["optimlab-note", "optimlab-bootstrap"]
    text_only = {"cells": [{"cell_type": "markdown", "source": "# x"}]}
    assert not notebooks.add_bootstrap(text_only, source)


@pytest.mark.parametrize("url", ["https://gitlab.com/o/r", "https://github.com/o", "git@github.com:o/r"])
def test_colab_needs_a_github_repository(url):
    with pytest.raises(ValueError, match="GitHub repositories only"):
        notebooks.colab_url(url, "notebooks", "book/p.ipynb")


def test_deploy_workflow_publishes_what_the_buttons_open(capsys):
    """The job that runs `make test` publishes that build: the site artifact and the
    served notebooks, pushed to the branch, of the repository, that the buttons name."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/site.yml").read_text(encoding="utf-8"))
    test, publish = workflow["jobs"]["test"], workflow["jobs"]["notebooks"]
    runs = [step.get("run", "") for step in test["steps"]]
    tested = next(i for i, run in enumerate(runs) if run == "make test")
    assert not any("make html" in run for run in runs), "the published site is the tested one"
    pages = next(i for i, s in enumerate(test["steps"]) if "upload-pages" in s.get("uses", ""))
    assert pages > tested and test["steps"][pages]["with"]["path"] == "_build/html"
    assert "tools/notebooks.py collect _build/html _build/notebooks" in "\n".join(runs)
    assert "tools/notebooks.py settings >> \"$GITHUB_OUTPUT\"" in "\n".join(runs)
    assert workflow["jobs"]["deploy"]["needs"] == "test"
    assert publish["needs"] == "test" and publish["permissions"] == {"contents": "write"}
    push = publish["steps"][-1]
    assert push["env"]["BRANCH"] == "${{ needs.test.outputs.notebooks_branch }}"
    assert 'git push --force' in push["run"] and '"$BRANCH"' in push["run"]
    assert notebooks.main(["settings"]) == 0
    org_repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    branch = CONFIG["launch_buttons"]["notebooks_branch"]
    assert capsys.readouterr().out == f"repository={org_repo}\nbranch={branch}\n"


def colab_links(html: Path) -> list[str]:
    return re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html.read_text(encoding="utf-8"))


@pytest.mark.site
def test_every_page_opens_a_published_notebook_in_colab(built_site, tmp_path):
    from tests.test_site_build import toc_pages

    assert built_site.returncode == 0, built_site.log[-3000:]
    published = notebooks.collect(built_site.html, tmp_path / "published")
    org_repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    branch = CONFIG["launch_buttons"]["notebooks_branch"]
    prefix = f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/"
    for page in toc_pages():
        links = colab_links(built_site.html / f"{page}.html")
        assert links == [f"{prefix}{page}.ipynb"], (page, links)
        assert f"{page}.ipynb" in published, page
        nb = json.loads((tmp_path / "published" / f"{page}.ipynb").read_text(encoding="utf-8"))
        nbformat.validate(nbformat.from_dict(nb))
        served = built_site.html / "_sources" / f"{page}.ipynb"
        assert served.read_bytes() == (tmp_path / "published" / f"{page}.ipynb").read_bytes()
        has_code = any(c["cell_type"] == "code" for c in nb["cells"])
        assert notebooks.has_bootstrap(nb) == has_code, page


def execute(nb, *, cwd: Path, env: dict, km=None):
    """Execute ``nb`` (in place) with nbclient in ``cwd``; return the wall seconds."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT_S, km=km, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}},
                            shutdown_kernel="immediate")
    start = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - start


def fresh_kernel(python: Path, where: Path):
    """A kernel manager whose kernel is ``python`` (the fresh environment's)."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec = where / "kernels" / "fresh"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh", "language": "python",
    }))
    return KernelManager(kernel_name="fresh",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(where / "kernels")]))


def stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.site
@pytest.mark.parametrize("page", OUTSIDE)
def test_served_notebook_runs_outside_the_repository(page, built_site, wheel, tmp_path, report_time):
    assert built_site.returncode == 0, built_site.log[-3000:]
    served = built_site.html / "_sources" / f"{page}.ipynb"
    python = fresh_venv(tmp_path / "venv")
    folder = tmp_path / "download"
    folder.mkdir()
    shutil.copy(served, folder)
    assert optimlab_version_file(python, folder).returncode != 0  # not importable yet
    nb = nbformat.read(folder / served.name, as_version=4)
    assert notebooks.has_bootstrap(nb)
    env = clean_env(IPYTHONDIR=str(tmp_path / "ipython"))  # no ~/.ipython start-up files
    env[notebooks.INSTALL_ENV] = str(wheel)
    seconds = execute(nb, cwd=folder, env=env, km=fresh_kernel(python, tmp_path))
    said = stream_text(nb.cells[1])
    assert f"installing it with pip from {wheel}" in said, said
    assert re.search(rf"optimlab \S+ from {re.escape(str(tmp_path / 'venv'))}/", said), said
    report_time(f"outside the repository: {page}.ipynb ran in {seconds:.1f} s (install included)")
