"""optimlab: the small helper package behind the Lecture 24 pages.

Pages teach; this package holds the machinery they share:

- :mod:`optimlab.data`       the regression problem, its loss and its exact answer
- :mod:`optimlab.batching`   input checks and the shuffled mini-batch order
- :mod:`optimlab.history`    the result type of every training run, and tables of them
- :mod:`optimlab.optax_fit`  Optax training loops (the lecture's loop and a compiled one)
- :mod:`optimlab.torch_fit`  the same experiments in PyTorch
- :mod:`optimlab.compare`    this build's numbers beside the lecture's printed ones
- :mod:`optimlab.gluing`     `glue` for the pages (array scalars become Python numbers)
- :mod:`optimlab.timing`     one timing helper (warm-up, device sync, repeats)
- :mod:`optimlab.runtime`    time per epoch of the loops, as tables
- :mod:`optimlab.machine`    what machine built the site
- :mod:`optimlab.plots`      loss curves and runtime plots

JAX must run in float64 for the lecture's numbers; importing this package switches
it on (the pages also do so in their first code cell, where a reader can see it).
"""

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "1.0.0"
