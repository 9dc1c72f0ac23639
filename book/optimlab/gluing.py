"""``glue`` for the pages: MyST-NB's, with array scalars turned into Python numbers.

MyST-NB formats a glued value through its ``text/plain`` form. NumPy 2 prints a scalar
as ``np.float64(0.5)``, so ``{glue:text}`key:.2f``` fails on it (a warning, which the
strict build turns into an error). JAX, NumPy and PyTorch scalars are converted to
Python numbers here, once, instead of every page remembering a ``float(...)``.

Values that change from run to run by design (timings, dates, facts about the
machine) are glued with ``reproducible=False``. The glue output then carries a mark
(``metadata["optimlab"]["reproducible"] = False``, beside MyST-NB's own ``scrapbook``
entry) that travels with it into the executed notebook and MyST-NB's
``<page>.glue.json``. A reproducibility check that compares two independent executions
of a page can skip exactly the marked keys; every other glued value must come out the
same.
"""

from __future__ import annotations

import numpy as np
from IPython.core.formatters import format_display_data
from IPython.display import display as _display

# Where the mark goes in a glue output's metadata.
MARK = "optimlab"
# MyST-NB's prefix for a value glued without display (myst_nb.ext.glue.GLUE_PREFIX).
GLUE_PREFIX = "application/papermill.record/"


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


def glue(name: str, value, display: bool = True, *, reproducible: bool = True):
    """``myst_nb.glue(name, value, display)``, with :func:`plain` applied to ``value``.

    The same display output as MyST-NB's own ``glue`` (a mime bundle with a
    ``scrapbook`` entry in its metadata, which the build pastes into the prose), written
    here so that a reader's notebook needs IPython only, not MyST-NB and Sphinx.
    ``reproducible=False`` marks a value that differs between runs by design (a timing,
    a date, the machine); a comparison of two builds then leaves it out.
    """
    mimebundle, metadata = format_display_data(plain(value))
    mime_prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=mime_prefix)
    if not reproducible:
        metadata[MARK] = {"reproducible": False}
    _display({mime_prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
