"""Input checks the modules share: whole numbers in a range, and JAX in float64.

One helper, so that every count (epochs, steps, repeats, a batch size, a seed) is
refused with the same clear message: ``True`` is not a count, ``2.0`` is not one
either, and NumPy integers (``np.int64(3)``) are accepted.
"""

from __future__ import annotations

import numbers


def whole_number(name: str, value, low: int = 1, high: int | None = None,
                 *, high_text: str | None = None) -> int:
    """``value`` as an ``int``, once it is a whole number from ``low`` (to ``high``).

    ``high_text`` says the upper bound in words in the error message (``"the number
    of rows (10)"``). Raises ``ValueError`` naming ``name`` and ``value``.

    >>> import numpy as np
    >>> whole_number("epochs", np.int64(3)), whole_number("warmup", 0, low=0)
    (3, 0)
    >>> whole_number("epochs", True)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a whole number >= 1, got True
    >>> whole_number("feature", 5, 0, 4)
    Traceback (most recent call last):
    ...
    ValueError: feature must be between 0 and 4, got 5
    """
    at_least = f" >= {low}" if high is None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number{at_least}, got {value!r}")
    value = int(value)
    if value < low:
        if high is None:
            raise ValueError(f"{name} must be a whole number >= {low}, got {value}")
    elif high is None or value <= high:
        return value
    raise ValueError(f"{name} must be between {low} and {high_text or high}, got {value}")


def require_x64() -> None:
    """Raise unless JAX computes in float64 (``jax_enable_x64``).

    Without it JAX turns the float64 data into float32 without a word, and no number
    would match the lecture's. Every page switches it on in its first code cell::

        import jax
        jax.config.update("jax_enable_x64", True)
    """
    import jax

    if not jax.config.jax_enable_x64:
        raise RuntimeError(
            "JAX is in float32: run jax.config.update('jax_enable_x64', True) right "
            "after importing JAX, as every page's first code cell does"
        )
