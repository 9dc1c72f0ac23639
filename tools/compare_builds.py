"""Compare the glued values of two site builds: the same sources must glue the same
numbers, timings and dates excepted.

usage: python tools/compare_builds.py FIRST_OUTPUT_DIR SECOND_OUTPUT_DIR

Each OUTPUT_DIR is one that tools/build.sh built into (its ``_build/jupyter_execute``
holds MyST-NB's executed notebooks and their ``<page>.glue.json``). Page by page, every
glued value must have the same ``text/plain`` form in both, except those a page glued
with ``glue(key, value, reproducible=False)`` (``optimlab.gluing``): timings, dates, the
machine. The scheduled CI job (.github/workflows/site.yml) builds twice and runs this.
Exits 1 and lists what differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def plain_text(output: dict) -> str:
    """The ``text/plain`` form of one glue output (any mime prefix)."""
    plain = [v for k, v in output.get("data", {}).items() if k.endswith("text/plain")]
    if not plain:
        return "<no text/plain>"
    return "".join(plain[0]) if isinstance(plain[0], list) else plain[0]


def reproducible(output: dict) -> bool:
    return output.get("metadata", {}).get("optimlab", {}).get("reproducible", True) is not False


def glue_outputs(notebook: Path) -> dict[str, dict]:
    """``{key: glue output}`` of one executed notebook of a build: its
    ``<page>.glue.json`` (MyST-NB drops ``remove-cell`` cells from the notebook)
    and the glue outputs still in the notebook."""
    outputs = []
    store = notebook.with_suffix(".glue.json")
    if store.is_file():
        outputs += json.loads(store.read_text(encoding="utf-8")).values()
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    outputs += [o for cell in nb.get("cells", []) for o in cell.get("outputs", [])]
    return {o["metadata"]["scrapbook"]["name"]: o for o in outputs
            if o.get("output_type") == "display_data" and o.get("metadata", {}).get("scrapbook")}


def build_glue(out: Path) -> dict[str, dict[str, dict]]:
    """``{'book/<page>': {key: glue output}}`` of the build in ``out/_build``."""
    executed = Path(out) / "_build" / "jupyter_execute"
    if not executed.is_dir():
        raise SystemExit(f"compare_builds: no executed notebooks in {executed}")
    return {nb.relative_to(executed).with_suffix("").as_posix(): glue_outputs(nb)
            for nb in sorted(executed.rglob("*.ipynb"))}


def differences(first: dict, second: dict) -> list[str]:
    """What differs between two ``build_glue`` results, one line each."""
    lines = []
    for page in sorted(set(first) | set(second)):
        mine, theirs = first.get(page, {}), second.get(page, {})
        for key in sorted(set(mine) ^ set(theirs)):
            lines.append(f"{page}: {key} is glued by one build only")
        for key in sorted(set(mine) & set(theirs)):
            a, b = mine[key], theirs[key]
            if reproducible(a) and reproducible(b) and plain_text(a) != plain_text(b):
                lines.append(f"{page}: {key}: {plain_text(a)!r} != {plain_text(b)!r}")
    return lines


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    found = differences(build_glue(Path(sys.argv[1])), build_glue(Path(sys.argv[2])))
    print("\n".join(found) or "compare_builds: every reproducible glued value agrees")
    sys.exit(1 if found else 0)
