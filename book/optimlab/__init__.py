"""optimlab: the small helper package behind the Lecture 24 pages.

Pages teach; this package holds the machinery they share:

Bottom layer (no optimlab imports above them):

- :mod:`optimlab.data`       the regression problem, its loss and its exact answer
- :mod:`optimlab.problems`   variants with exact answers: rescaled, rotated, standardised,
                             and 2-D test functions (quadratic, Rosenbrock)
- :mod:`optimlab.batching`   input checks and the shuffled mini-batch order
- :mod:`optimlab.history`    the result type of every training run, and tables of them
- :mod:`optimlab.lecture`    every number the lecture prints, written once, and its check
- :mod:`optimlab.checks`     which hidden checks run only on the build machine
- :mod:`optimlab.gluing`     `glue` for the pages (array scalars become Python numbers)
- :mod:`optimlab.timing`     one timing helper (warm-up, device sync, repeats), devices
- :mod:`optimlab.machine`    what machine built the site
- :mod:`optimlab.plots`      the house figure style, loss curves and runtime plots

Training loops and experiments:

- :mod:`optimlab.optax_fit`  Optax training loops (the lecture's loop and a compiled one)
- :mod:`optimlab.torch_fit`  the same experiments in PyTorch
- :mod:`optimlab.quadratic`  rate theory for GD, heavy ball and Nesterov; vmapped
                             full-batch runs
- :mod:`optimlab.paths`      2-D trajectories in both frameworks
- :mod:`optimlab.stability`  the stability bound and the measured edge of mini-batch SGD
- :mod:`optimlab.adam_probe` Adam's m-hat, sqrt(v-hat) and applied step over a run
- :mod:`optimlab.sweeps`     learning-rate sweeps (vmapped), steps to target, noise scale
- :mod:`optimlab.crosscheck` Optax and PyTorch runs side by side
- :mod:`optimlab.runtime`    time per epoch of the loops, as tables
- :mod:`optimlab.threads`    timing JAX with one XLA thread, in a child process
- :mod:`optimlab.compare`    relative differences between two sets of numbers

JAX must run in float64 for the lecture's numbers; importing this package switches
it on (the pages also do so in their first code cell, where a reader can see it).
Importing the package does not import JAX itself (about half a second that a page
using only PyTorch would pay for nothing): when JAX is already imported, float64 is
switched on at once; otherwise a one-shot import hook switches it on the moment JAX
is first imported, before any array exists. Its modules import the heavy libraries
they need (JAX, PyTorch, pandas, Matplotlib) themselves, so a page pays only for
what it uses.
"""

import sys

__version__ = "1.0.0"


def _enable_x64(jax) -> None:
    jax.config.update("jax_enable_x64", True)


class _X64OnJaxImport:
    """Meta-path finder that switches on float64 right after ``import jax`` finishes.

    It finds nothing itself: it asks the other finders for ``jax``, wraps the
    loader's ``exec_module``, and removes itself before JAX is loaded.
    """

    optimlab_x64_hook = True

    def find_spec(self, name, path=None, target=None):
        if name != "jax":
            return None
        _remove_hook()
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_enable(module):
            exec_module(module)
            _enable_x64(module)

        spec.loader.exec_module = exec_and_enable
        return spec


def _remove_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "optimlab_x64_hook", False)]


if "jax" in sys.modules:
    _enable_x64(sys.modules["jax"])
else:
    _remove_hook()
    sys.meta_path.insert(0, _X64OnJaxImport())
