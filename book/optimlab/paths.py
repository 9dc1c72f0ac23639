"""Paths of optimizers on a 2-D test function, in Optax and in PyTorch, and their plot.

:func:`optax_path` and :func:`torch_path` take the same test function (from
:mod:`optimlab.problems`, written once for both frameworks), the same start and the
same number of steps, and return the same thing: the ``(steps + 1, 2)`` array of
points visited, start included. :func:`plot_paths` draws paths over the function's
contours, each with its own colour, line style and marker.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

from .problems import TestFunction
from .validate import require_x64, whole_number


def _start(start) -> np.ndarray:
    start = np.asarray(start, dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {start.shape}")
    return start


@partial(jax.jit, static_argnames=("f", "optimizer", "steps"))
def _optax_path(start, *, f, optimizer, steps):
    grad = jax.grad(f)

    def step(carry, _):
        p, state = carry
        updates, state = optimizer.update(grad(p), state, p)
        p = optax.apply_updates(p, updates)
        return (p, state), p

    _, path = jax.lax.scan(step, (start, optimizer.init(start)), None, length=steps)
    return jnp.concatenate([start[None], path])


def optax_path(fn: TestFunction, optimizer, start, steps: int) -> np.ndarray:
    """Points visited by ``steps`` Optax steps on ``fn`` from ``start``, start included.

    >>> from optimlab.problems import quadratic_2d
    >>> path = optax_path(quadratic_2d(4.0), optax.sgd(0.1), [1.0, 1.0], steps=2)
    >>> path.round(4).tolist()
    [[1.0, 1.0], [0.9, 0.6], [0.81, 0.36]]
    """
    require_x64()
    start, steps = _start(start), whole_number("steps", steps)
    path = _optax_path(jnp.asarray(start), f=fn.f, optimizer=optimizer, steps=steps)
    return np.asarray(path)


def torch_path(fn: TestFunction, make_optimizer, start, steps: int) -> np.ndarray:
    """The same with a ``torch.optim`` optimizer: ``make_optimizer(params)`` builds it.

    >>> from optimlab.problems import quadratic_2d
    >>> path = torch_path(quadratic_2d(4.0), lambda p: torch.optim.SGD(p, lr=0.1),
    ...                   [1.0, 1.0], steps=2)
    >>> path.round(4).tolist()
    [[1.0, 1.0], [0.9, 0.6], [0.81, 0.36]]
    """
    if not callable(make_optimizer):
        raise TypeError("make_optimizer must be a function of the parameters, e.g. "
                        "lambda p: torch.optim.SGD(p, lr=0.1)")
    start, steps = _start(start), whole_number("steps", steps)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p])
    path = np.empty((steps + 1, 2))
    path[0] = start
    for i in range(1, steps + 1):
        optimizer.zero_grad()
        fn.f(p).backward()
        optimizer.step()
        path[i] = p.detach().numpy()
    return path


def plot_paths(fn: TestFunction, paths: dict, *, ax=None, xlim=None, ylim=None,
               levels: int = 14, markers: int = 12):
    """Contours of ``fn`` (log-spaced levels) and one line per path, with the minimum
    marked by a star. ``paths`` maps a label to a ``(steps + 1, 2)`` array. Each path
    gets a colour, a line style and about ``markers`` markers; its start is shared.
    ``xlim``/``ylim`` default to the paths' extent with a margin. Returns the Figure.
    """
    from .plots import INK, figure, styles

    if not paths:
        raise ValueError("give at least one path to draw")
    if ax is None:
        _, ax = figure(height=4.6)
    points = np.concatenate([np.asarray(p) for p in paths.values()] + [fn.minimum[None]])
    points = points[np.all(np.isfinite(points), axis=1)]
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.08 * (hi - lo) + 1e-9
    xlim = xlim or (lo[0] - pad[0], hi[0] + pad[0])
    ylim = ylim or (lo[1] - pad[1], hi[1] + pad[1])
    gx, gy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    z = np.asarray(fn.f(np.stack([gx, gy]))) - fn.value
    top = max(float(z.max()), 1e-12)
    ax.contour(gx, gy, z, levels=np.geomspace(top * 1e-5, top, levels),
               colors="#9a9a9a", linewidths=0.6)
    for (label, path), (color, ls, marker) in zip(paths.items(), styles()):
        path = np.asarray(path)
        every = max(1, (len(path) - 1) // markers)
        ax.plot(path[:, 0], path[:, 1], color=color, ls=ls, marker=marker,
                markevery=every, lw=1.5, label=label)
        # Where the path ends: its marker, larger, with a white rim.
        # markevery=[0]: the house style's fractional markevery (from the property
        # cycle; a None here would be ignored) draws no marker on a one-point line.
        ax.plot(*path[-1], color=color, marker=marker, ms=10, mec="white", ls="",
                markevery=[0], zorder=4)
    ax.plot(*fn.minimum, marker="*", ms=14, color=INK, ls="", markevery=[0],
            label="minimum", zorder=5)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.figure.tight_layout()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return ax.figure
