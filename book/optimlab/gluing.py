"""``glue`` for the pages: MyST-NB's, with array scalars turned into Python numbers.

MyST-NB formats a glued value through its ``text/plain`` form. NumPy 2 prints a scalar
as ``np.float64(0.5)``, so ``{glue:text}`key:.2f``` fails on it (a warning, which the
strict build turns into an error). JAX, NumPy and PyTorch scalars are converted to
Python numbers here, once, instead of every page remembering a ``float(...)``.
"""

from __future__ import annotations

import numpy as np
from myst_nb import glue as _myst_glue


def plain(value):
    """A NumPy, JAX or PyTorch scalar (0-d array) as a Python number; anything else as is.

    >>> plain(np.float64(0.5)), plain(np.int32(3)), plain("text")
    (0.5, 3, 'text')
    """
    if isinstance(value, np.generic):
        return value.item()
    shape = getattr(value, "shape", None)
    if shape == () and hasattr(value, "item"):
        return value.item()
    return value


def glue(name: str, value, display: bool = True):
    """``myst_nb.glue(name, value, display)`` with :func:`plain` applied to ``value``."""
    return _myst_glue(name, plain(value), display=display)
