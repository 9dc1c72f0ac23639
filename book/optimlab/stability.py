"""How large a learning rate mini-batch SGD takes on the lecture's summed loss.

A step on a batch with rows ``X_b`` multiplies the error ``beta - beta_hat`` by
``I - 2 lr X_b' X_b`` (the Hessian of a sum of squares is ``2 X_b' X_b``) and adds a
constant. So:

* :func:`worst_curvature`: below ``2 / worst_curvature`` no single step can expand the
  error: a *sufficient* bound for stability.
* :func:`epoch_radius`: one epoch, in the lecture's fixed batch order, is an affine map
  whose linear part is the product of the steps' matrices; the runs settle exactly when
  its spectral radius is below 1. This is the exact edge.
* :func:`measured_edge`: the edge found by experiment, bisecting on the learning rate
  with short compiled runs (``optax.inject_hyperparams`` keeps the rate in the
  optimizer's state, so one compilation serves every trial).

>>> from optimlab.data import make_problem
>>> p = make_problem(200, 3, 2)
>>> bound = 2 / worst_curvature(p, 20)
>>> bool(epoch_radius(p, 0.99 * bound, 20) < 1)
True
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import optax

from .batching import check_fit_args, padded_batches, shuffled_batches, steps_per_epoch
from .data import Problem
from .optax_fit import CompiledLoop


def worst_curvature(problem: Problem, batch_size: int, seed: int = 1234) -> float:
    """Largest Hessian eigenvalue of a batch's summed loss, over one epoch's batches."""
    check_fit_args(problem.X, problem.y, batch_size=batch_size, epochs=1)
    index, weight = padded_batches(problem.n, batch_size, seed)
    Xb = problem.X[index] * weight[..., None]  # (batches, batch_size, k); padding -> 0
    return float(np.linalg.eigvalsh(2 * np.einsum("bik,bil->bkl", Xb, Xb))[:, -1].max())


def epoch_radius(problem: Problem, lr: float, batch_size: int, seed: int = 1234) -> float:
    """Spectral radius of the linear part of one epoch of SGD (below 1: stable)."""
    check_fit_args(problem.X, problem.y, batch_size=batch_size, epochs=1)
    M = np.eye(problem.k)
    for rows in shuffled_batches(problem.n, batch_size, seed):
        Xb = problem.X[rows]
        M = (np.eye(problem.k) - 2 * lr * Xb.T @ Xb) @ M
    return float(np.abs(np.linalg.eigvals(M)).max())


def measured_edge(problem, batch_size, lo, hi, *, iters=6, seed=1234):
    """Bisect on the learning rate between a stable ``lo`` and an unstable ``hi``."""
    if not 0 < lo < hi:
        raise ValueError(f"need 0 < lo < hi, got lo={lo!r}, hi={hi!r}")
    sgd = optax.inject_hyperparams(optax.sgd)(learning_rate=lo)  # lr in the state
    loop = CompiledLoop(problem, sgd, batch_size=batch_size, seed=seed)
    m = steps_per_epoch(problem.n, batch_size)
    for _ in range(iters):
        mid = np.sqrt(lo * hi)
        state = sgd.init(jnp.zeros(problem.k))
        state.hyperparams["learning_rate"] = jnp.asarray(mid)
        ends = loop.fit(max(5, 500 // m), opt_state=state).loss[::m]  # epoch ends
        # unstable: the last epoch ends higher than the one before (a settled run
        # ends every epoch at the same loss, up to rounding)
        growing = not np.isfinite(ends[-1]) or ends[-1] > ends[-2] * (1 + 1e-6)
        lo, hi = (lo, mid) if growing else (mid, hi)
    return float(lo)
