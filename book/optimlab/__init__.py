"""optimlab: the small helper package behind the Lecture 24 pages.

Pages teach; this package holds the machinery they share:

Bottom layer (no optimlab imports above them):

- :mod:`optimlab.data`       the regression problem, its loss and its exact answer
- :mod:`optimlab.problems`   variants with exact answers: rescaled, rotated, standardised,
                             and 2-D test functions (quadratic, Rosenbrock)
- :mod:`optimlab.validate`   the one check of whole numbers, and JAX in float64
- :mod:`optimlab.batching`   input checks and the shuffled mini-batch order
- :mod:`optimlab.history`    the result type of every training run, and tables of them
- :mod:`optimlab.gluing`     `glue` for the pages (array scalars become Python numbers)
- :mod:`optimlab.timing`     one timing helper (warm-up, device sync, repeats), devices
- :mod:`optimlab.machine`    what machine built the site
- :mod:`optimlab.plots`      the house figure style, loss curves and runtime plots

Training loops and experiments:

- :mod:`optimlab.optax_fit`  Optax training loops (the lecture's loop and a compiled one)
- :mod:`optimlab.torch_fit`  the same experiments in PyTorch
- :mod:`optimlab.quadratic`  rate theory for GD, heavy ball and Nesterov; vmapped
                             full-batch runs
- :mod:`optimlab.adam_probe` Adam's m-hat, sqrt(v-hat) and applied step over a run
- :mod:`optimlab.sweeps`     learning-rate sweeps (vmapped), steps to target
- :mod:`optimlab.crosscheck` Optax and PyTorch runs side by side
- :mod:`optimlab.runtime`    time per epoch of the loops, as tables
- :mod:`optimlab.compare`    relative differences between two sets of numbers

JAX must run in float64 for the lecture's numbers. Importing this package changes no
setting: every page switches float64 on in its first code cell, where a reader sees it,

    import jax
    jax.config.update("jax_enable_x64", True)

and the functions that train with JAX refuse to run in float32
(:func:`optimlab.validate.require_x64`). The modules import the heavy libraries they
need (JAX, PyTorch, pandas, Matplotlib) themselves, so a page pays only for what it uses.
"""

__version__ = "1.0.0"
