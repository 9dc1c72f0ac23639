"""The helper package is the teaching library only (issues 14 and 21).

* ``import optimlab`` is cheap: each page pays for what it imports, on every build.
* It changes no setting: float64 is switched on by the pages' first cell (and, for
  the tests, by the root ``conftest.py``), and the JAX training functions refuse to
  run in float32.
* It knows nothing of the build or the tests: no environment switch, no path into
  ``tools/`` or ``tests/``.

The import cases run in a fresh interpreter, since this test process has imported JAX
long ago.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
PACKAGE = BOOK / "optimlab"
HEAVY = ("jax", "torch", "sklearn", "scipy", "pandas", "matplotlib", "optax")
# What the teaching library must never contain (issue 21, item 3).
FORBIDDEN = ("OPTIMLAB_", "os.environ", "tools/", "tests/")


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=BOOK, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("module", ["optimlab", "optimlab.history", "optimlab.data",
                                    "optimlab.validate"])
def test_importing_imports_no_heavy_library_it_does_not_use(module):
    out = run(f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = set(eval(out))
    assert not loaded, f"import {module} imported {sorted(loaded)}"


def test_importing_the_package_leaves_jax_in_float32():
    out = run("import sys, optimlab, optimlab.optax_fit\nimport jax.numpy as jnp\n"
              "hooks = [f for f in sys.meta_path if 'optimlab' in type(f).__module__]\n"
              "print(jnp.ones(2).dtype, len(hooks))\n")
    assert out == "float32 0", f"importing optimlab changed JAX (dtype, import hooks): {out}"


def test_training_in_float32_is_refused_with_the_fix():
    out = run(
        "from optimlab.data import make_problem\n"
        "from optimlab.optax_fit import fit_optax\nimport optax\n"
        "try:\n"
        "    fit_optax(make_problem(40, 3, 2), optax.sgd(1e-3), epochs=1, batch_size=10)\n"
        "except RuntimeError as e:\n    print(e)\n"
    )
    assert "jax.config.update('jax_enable_x64', True)" in out


def test_the_package_names_no_switch_and_no_build_or_test_path():
    found = [
        f"{path.name}:{number}: {word}"
        for path in sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.yml"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for word in FORBIDDEN
        if word in line
    ]
    assert not found, "the teaching library names build or test support:\n" + "\n".join(found)
