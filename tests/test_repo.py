"""The repository keeps its promises: strict, pinned, always-fresh, two README commands."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load_yaml(name):
    return yaml.safe_load((ROOT / name).read_text())


def test_required_top_level_layout():
    for name in ["book", "_config.yml", "_toc.yml", "requirements.txt", "tests", "README.md"]:
        assert (ROOT / name).exists(), f"missing required top-level entry: {name}"


def test_config_is_strict_and_always_fresh():
    config = load_yaml("_config.yml")
    assert config["only_build_toc_files"] is True, "README and hidden folders would be built as pages"
    assert ".*" in config["exclude_patterns"], "hidden folders such as .pytest_cache must be excluded"
    execute = config["execute"]
    # "cache": tools/build.sh empties _build, then fills the cache from nbmake's runs
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False
    assert execute["timeout"] > 0
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    build = (ROOT / "tools/build.sh").read_text()
    assert 'rm -rf "$out/_build"' in build, "the previous build (cache included) is not wiped"
    assert "--all" in build and "--warningiserror" in build and "--nbmake" in build
    assert "--nitpick" in build and "--keep-going" in build


def test_config_has_no_duplicate_keys():
    class Strict(yaml.SafeLoader):
        pass

    def construct(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        dupes = {k for k in keys if keys.count(k) > 1}
        assert not dupes, f"duplicate keys in YAML: {dupes}"
        return loader.construct_mapping(node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    for name in ["_config.yml", "_toc.yml"]:
        yaml.load((ROOT / name).read_text(), Loader=Strict)


def test_requirements_are_exact_pins():
    for name in ["requirements.txt", "constraints.txt", "requirements-lab.txt"]:
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if not line or line.startswith("-c "):
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", line), (
                f"{name}: '{line}' is not an exact pin (name==version)"
            )


def test_ci_runs_the_readme_test_command():
    lines = [
        line.strip()
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert lines[-1] == "make test", f".ci/run must end with the README's test command, not {lines[-1]!r}"
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make html" in readme


def test_no_build_output_or_notebooks_tracked():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    junk = [f for f in files if re.search(r"(^|/)(_build|\.venv|__pycache__|\.ipynb_checkpoints)(/|$)", f)]
    assert not junk, f"build output or caches are tracked: {junk}"
    assert not [f for f in files if f.endswith(".ipynb")], "no .ipynb copies may be committed"


def test_make_test_builds_the_site_then_tests_it():
    # README: `make test` is everything (CI runs it): the build executes every page
    # under pytest --nbmake, then the site tests read that build.
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("tools/build.sh") < recipe.index("pytest --site"), recipe
