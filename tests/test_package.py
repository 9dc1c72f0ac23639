"""``import optimlab`` is cheap and still switches JAX to float64 (issue 14 item 3).

Each page pays for what it imports, on every build. The package itself imports no
heavy library; float64 is switched on whether JAX is imported before or after it.
Each case runs in a fresh interpreter, since this test process has imported JAX long ago.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
HEAVY = ("jax", "torch", "sklearn", "scipy", "pandas", "matplotlib", "optax")


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=BOOK, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("module", ["optimlab", "optimlab.checks", "optimlab.history", "optimlab.data"])
def test_importing_imports_no_heavy_library_it_does_not_use(module):
    allowed: set[str] = set()
    out = run(f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = set(eval(out))
    assert loaded <= allowed, f"import {module} imported {sorted(loaded - allowed)}"


@pytest.mark.parametrize(
    "code",
    [
        "import optimlab\nimport jax.numpy as jnp",
        "import jax.numpy as jnp\nimport optimlab",
        "import optimlab\nfrom jax import numpy as jnp",
        "import optimlab, importlib\nimportlib.reload(optimlab)\nimport jax.numpy as jnp",
    ],
    ids=["optimlab-first", "jax-first", "from-import", "reloaded"],
)
def test_float64_is_on_whichever_comes_first(code):
    out = run(
        code + "\nimport sys\n"
        "hooks = [f for f in sys.meta_path if getattr(f, 'optimlab_x64_hook', False)]\n"
        "print(jnp.ones(2).dtype, len(hooks))"
    )
    assert out == "float64 0", f"{code!r}: dtype and hooks left: {out}"


def test_the_hook_leaves_other_imports_alone():
    out = run("import optimlab, sys, json\nprint(len([f for f in sys.meta_path "
              "if getattr(f, 'optimlab_x64_hook', False)]), 'jax' in sys.modules)")
    assert out == "1 False"
