"""Learning-rate sweeps: many runs in one compiled program, steps to a target, noise scale.

:func:`sweep` trains the lecture's regression with one Optax optimizer at several
learning rates at once (``jax.vmap`` over the rates inside one ``jax.jit``-compiled
``lax.scan``), in the lecture's batch order (:func:`optimlab.batching.padded_batches`,
reused every epoch). The batch loss is either the lecture's *sum* of squares or their
*mean* over the batch (``loss="sum"|"mean"``); only the gradient's scale differs, by the
batch size. Every run comes back as a :class:`~optimlab.history.History` whose ``loss``
is, as everywhere on the site, the full-data *sum* of squares.

The full-data loss of every step is computed exactly and cheaply from the least-squares
answer: ``sum((y - X b)**2) = lm_loss + (b - beta_hat)' X'X (b - beta_hat)``, a
``k x k`` quadratic form instead of a pass over the ``n`` rows.

:func:`noise_scale` computes the gradient noise scale of McCandlish et al. (2018) from
the per-row gradients of the mean loss; :func:`seconds_per_step` times a real step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd

from .batching import check_fit_args, padded_batches, steps_per_epoch
from .data import Problem, least_squares
from .history import History
from .timing import time_call
from .validate import require_x64, whole_number

LOSSES = ("sum", "mean")


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be 'sum' or 'mean', got {loss!r}")
    return loss


def _check_rates(learning_rates) -> np.ndarray:
    rates = np.atleast_1d(np.asarray(learning_rates, dtype=np.float64))
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError(f"learning_rates must be a non-empty 1-D list of numbers, got {learning_rates!r}")
    if not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        raise ValueError(f"learning rates must be finite and > 0, got {rates.tolist()}")
    return rates


def _check_table(table, steps: int) -> np.ndarray:
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] != steps:
        raise ValueError(
            f"a learning-rate table must have one row per run and {steps} columns "
            f"(one per step), got shape {table.shape}"
        )
    if not np.all(np.isfinite(table)) or np.any(table < 0):
        raise ValueError("a learning-rate table must hold finite numbers >= 0")
    return table


def batch_gradient(beta, Xb, yb, w, loss: str):
    """Gradient of the batch loss: ``sum(w * r**2)`` or that divided by ``sum(w)``.

    ``w`` is 1 for a real row and 0 for a padding row (a short last batch).

    >>> X = jnp.array([[1.0, 0.0], [0.0, 1.0]]); y = jnp.array([1.0, 1.0])
    >>> batch_gradient(jnp.zeros(2), X, y, jnp.ones(2), "sum").tolist()
    [-2.0, -2.0]
    >>> batch_gradient(jnp.zeros(2), X, y, jnp.ones(2), "mean").tolist()
    [-1.0, -1.0]
    """
    r = Xb @ beta - yb
    g = 2 * Xb.T @ (w * r)
    return g / jnp.sum(w) if loss == "mean" else g


@dataclass(frozen=True)
class _Exact:
    """What the exact full-data loss of any ``beta`` needs: beta_hat, X'X, lm_loss."""

    beta_hat: np.ndarray
    gram: np.ndarray
    lm_loss: float

    @classmethod
    def of(cls, problem: Problem) -> _Exact:
        """Computed once per problem object (a sweep over batch sizes reuses it)."""
        cached = _EXACT.get(id(problem))
        if cached is None or cached[0] is not problem:
            beta_hat, lm_loss = least_squares(problem)
            cached = (problem, cls(beta_hat, problem.X.T @ problem.X, lm_loss))
            _EXACT.clear()  # keep one problem only
            _EXACT[id(problem)] = cached
        return cached[1]


_EXACT: dict = {}


def exact_loss(beta, beta_hat, gram, lm_loss):
    """Full-data sum of squares from the least-squares answer (``beta`` may be stacked).

    ``lm_loss + (beta - beta_hat)' gram (beta - beta_hat)`` with ``gram = X'X``; a
    run that overflowed reads ``inf``.

    >>> float(exact_loss(jnp.array([1.0]), jnp.array([0.0]), jnp.array([[2.0]]), 3.0))
    5.0
    """
    d = beta - beta_hat
    excess = jnp.einsum("...i,ij,...j->...", d, gram, d)
    # A blown-up run (inf or nan parameters) reads inf; rounding never goes below 0.
    return jnp.where(jnp.isfinite(excess), lm_loss + jnp.maximum(excess, 0.0), jnp.inf)


def batch_moments(problem: Problem, batch_size: int, seed: int = 1234):
    """Each batch's ``X_b'X_b``, ``X_b'y_b`` and row count, in the lecture's order.

    The gradient of a batch's sum of squares is ``2 (X_b'X_b beta - X_b'y_b)``, so these
    three arrays (computed once, ``k x k`` per batch) are all a step needs; a step then
    costs ``k^2`` operations whatever the batch size.

    >>> from optimlab.data import make_problem
    >>> A, c, m = batch_moments(make_problem(50, 3, 2), 20)
    >>> A.shape, c.shape, m.tolist()
    ((3, 4, 4), (3, 4), [20.0, 20.0, 10.0])
    """
    index, weight = padded_batches(problem.n, batch_size, seed)
    Xb = problem.X[index] * weight[..., None]  # padding rows become zero rows
    yb = problem.y[index] * weight
    A = np.matmul(Xb.transpose(0, 2, 1), Xb)
    c = np.matmul(Xb.transpose(0, 2, 1), yb[..., None])[..., 0]
    return A, c, weight.sum(axis=1)


def moment_gradient(beta, A, c, m, loss: str):
    """Gradient of a batch's loss from its moments: ``2 (A beta - c)``, over ``m`` if mean.

    >>> A, c = jnp.eye(2), jnp.ones(2)
    >>> moment_gradient(jnp.zeros(2), A, c, 2.0, "sum").tolist()
    [-2.0, -2.0]
    >>> moment_gradient(jnp.zeros(2), A, c, 2.0, "mean").tolist()
    [-1.0, -1.0]
    """
    g = 2 * (A @ beta - c)
    return g / m if loss == "mean" else g


def _padded_to(n, A, c, m):
    """Pad the batch axis to ``n`` (batch size 1's length) with unused batches, so that
    every batch size gives arrays of one shape and shares one compiled program."""
    pad = n - A.shape[0]
    return (np.pad(A, ((0, pad), (0, 0), (0, 0))), np.pad(c, ((0, pad), (0, 0))),
            np.pad(m, (0, pad), constant_values=1.0))


@partial(jax.jit, static_argnames=("make_optimizer", "loss", "record"))
def _runs(rates, beta0, A, c, m, order, beta_hat, gram, lm_loss, *, make_optimizer,
          loss, record="loss"):
    """All runs at once: vmap over learning rates of one scan over the steps."""

    def one_run(lr):
        # A row of a table is a schedule: the learning rate of every step, looked up by
        # the optimizer's own step count.
        opt = make_optimizer(lr if lr.ndim == 0 else (lambda count: lr[count]))

        def step(carry, t):
            beta, state = carry
            g = moment_gradient(beta, A[t], c[t], m[t], loss)
            updates, state = opt.update(g, state, beta)
            beta = optax.apply_updates(beta, updates)
            if record == "loss":
                return (beta, state), exact_loss(beta, beta_hat, gram, lm_loss)
            return (beta, state), (beta if record == "params" else None)

        (beta, _), losses = jax.lax.scan(step, (beta0, opt.init(beta0)), order)
        return beta, losses

    return jax.vmap(one_run)(rates)


def sweep(
    problem: Problem,
    learning_rates,
    *,
    batch_size: int,
    steps: int,
    loss: str = "mean",
    make_optimizer=optax.sgd,
    seed: int = 1234,
    params=None,
    labels=None,
) -> list[History]:
    """Train at every learning rate at once; one :class:`History` per rate.

    Args:
      problem: the data.
      learning_rates: the rates to try (any positive numbers), or a table with one
        row per run and one column per step: a schedule's learning rate at every step
        (computed in float64 beforehand; the optimizer looks it up by its step count).
      batch_size: rows per step, in the lecture's batch order (short last batch kept).
      steps: optimizer steps per run (the batch order repeats every epoch).
      loss: ``"sum"`` (the lecture's sum of squares over the batch) or ``"mean"``
        (that sum divided by the rows in the batch).
      make_optimizer: ``learning_rate -> optax.GradientTransformation``, hashable
        (a module-level function such as ``optax.sgd``), so the program is reused.
      seed, params: the shuffle's seed and the starting point (zeros by default).
      labels: one label per run (default: optimizer name and learning rate).

    ``History.loss`` is the full-data *sum* of squares before every step and after
    the last one, whatever ``loss`` is; ``History.epoch`` counts epochs.

    >>> from optimlab.data import make_problem
    >>> runs = sweep(make_problem(40, 3, 2), [0.01, 0.1], batch_size=10, steps=8)
    >>> [len(h.loss) for h in runs], runs[0].label
    ([9, 9], 'sgd lr=0.01 (mb=10, mean)')
    """
    batch_size, _ = check_fit_args(problem.X, problem.y, batch_size=batch_size, epochs=1)
    require_x64()
    loss, steps = _check_loss(loss), whole_number("steps", steps)
    if np.ndim(learning_rates) == 2:
        rates = _check_table(learning_rates, steps)
    else:
        rates = _check_rates(learning_rates)
    if labels is not None and len(labels) != len(rates):
        raise ValueError(f"labels must name every run: {len(rates)} runs, {len(labels)} labels")
    exact = _Exact.of(problem)
    beta0 = np.zeros(problem.k) if params is None else np.asarray(params, dtype=np.float64)
    if beta0.shape != (problem.k,):
        raise ValueError(f"params must have shape ({problem.k},), got {beta0.shape}")
    A, c, m = _padded_to(problem.n, *batch_moments(problem, batch_size, seed))
    order = np.arange(steps) % steps_per_epoch(problem.n, batch_size)  # epoch after epoch
    betas, losses = _runs(
        jnp.asarray(rates), jnp.asarray(beta0), jnp.asarray(A), jnp.asarray(c), jnp.asarray(m),
        jnp.asarray(order), jnp.asarray(exact.beta_hat), jnp.asarray(exact.gram), exact.lm_loss,
        make_optimizer=make_optimizer, loss=loss,
    )
    start = float(exact_loss(beta0, exact.beta_hat, exact.gram, exact.lm_loss))
    losses, betas = np.asarray(losses), np.asarray(betas)
    name = getattr(make_optimizer, "__name__", "optimizer")
    per_epoch = steps_per_epoch(problem.n, batch_size)
    if labels is None:
        labels = [f"{name} lr={lr:g} (mb={batch_size}, {loss})" if np.ndim(lr) == 0
                  else f"{name} schedule {i} (mb={batch_size}, {loss})"
                  for i, lr in enumerate(rates)]
    return [
        History(
            label=labels[i],
            batch_size=batch_size,
            epochs=math.ceil(steps / per_epoch),
            loss=np.r_[start, losses[i]],
            epoch=np.arange(steps + 1) / per_epoch,
            params=betas[i],
            loop="sweep",
        )
        for i in range(len(rates))
    ]


def path(
    problem: Problem,
    learning_rate: float,
    *,
    batch_size: int,
    steps: int,
    loss: str = "mean",
    make_optimizer=optax.sgd,
    seed: int = 1234,
) -> np.ndarray:
    """The parameters before every step and after the last: shape ``(steps + 1, k)``.

    The same run as :func:`sweep` at one learning rate (same batches, same program).

    >>> from optimlab.data import make_problem
    >>> path(make_problem(40, 3, 2), 0.1, batch_size=10, steps=8).shape
    (9, 4)
    """
    batch_size, _ = check_fit_args(problem.X, problem.y, batch_size=batch_size, epochs=1)
    require_x64()
    loss, steps = _check_loss(loss), whole_number("steps", steps)
    A, c, m = _padded_to(problem.n, *batch_moments(problem, batch_size, seed))
    order = np.arange(steps) % steps_per_epoch(problem.n, batch_size)
    beta0 = jnp.zeros(problem.k)
    _, betas = _runs(
        jnp.asarray(_check_rates(learning_rate)), beta0, jnp.asarray(A), jnp.asarray(c),
        jnp.asarray(m), jnp.asarray(order), None, None, None,
        make_optimizer=make_optimizer, loss=loss, record="params",
    )
    return np.r_[np.zeros((1, problem.k)), np.asarray(betas)[0]]


def steps_to_target(history: History, target: float) -> float:
    """Steps taken before the full-data loss is first at or below ``target``.

    ``inf`` when the run never gets there (or diverges first).

    >>> h = History("x", 1, 1, loss=[9.0, 4.0, 1.0, 2.0], epoch=[0, 1, 2, 3], params=[0.0])
    >>> steps_to_target(h, 4.0), steps_to_target(h, 0.5)
    (1, inf)
    """
    hit = np.flatnonzero(history.loss <= target)
    return int(hit[0]) if hit.size else math.inf


def best_steps(
    problem: Problem,
    batch_sizes,
    learning_rates,
    *,
    target: float,
    steps,
    loss: str = "mean",
    make_optimizer=optax.sgd,
    seed: int = 1234,
) -> pd.DataFrame:
    """The Playbook's measurement: for each batch size, tune the learning rate.

    ``steps`` is the step budget, a number or a function of the batch size. Returns
    one row per batch size: the fewest steps to ``target`` over ``learning_rates``, the
    rate that achieved it, the examples seen (batch size x steps), and how many of the
    rates reached the target at all.
    """
    rows = []
    for b in batch_sizes:
        budget = steps(b) if callable(steps) else steps
        runs = sweep(problem, learning_rates, batch_size=b, steps=budget, loss=loss,
                     make_optimizer=make_optimizer, seed=seed)
        counts = np.array([steps_to_target(h, target) for h in runs], dtype=float)
        best = int(np.argmin(counts))
        rows.append({
            "batch size": b,
            "steps": counts[best],
            "best lr": float(_check_rates(learning_rates)[best]),
            "examples": b * counts[best],
            "rates that reach it": int(np.isfinite(counts).sum()),
            "step budget": budget,
        })
    return pd.DataFrame(rows).set_index("batch size")


@dataclass(frozen=True)
class NoiseScale:
    """Gradient noise of the mean loss at one point ``beta`` (McCandlish et al. 2018).

    ``grad_sq`` is ``|G|^2`` for the full-data gradient ``G``; ``trace_sigma`` is the
    trace of the covariance ``Sigma`` of the per-row gradients (a one-row batch's
    gradient has covariance ``Sigma``, a batch of ``B`` rows about ``Sigma / B``);
    ``b_simple = tr(Sigma) / |G|^2`` and ``b_noise = tr(H Sigma) / (G' H G)`` with ``H``
    the Hessian of the mean loss.
    """

    grad_sq: float
    trace_sigma: float
    b_simple: float
    b_noise: float


def noise_scale(problem: Problem, beta) -> NoiseScale:
    """The gradient noise scale at ``beta``, exactly, from all ``n`` per-row gradients.

    >>> from optimlab.data import make_problem
    >>> p = make_problem(400, 3, 2)
    >>> ns = noise_scale(p, np.zeros(p.k))
    >>> ns.b_simple > 0, ns.grad_sq > 0
    (True, True)
    """
    beta = np.asarray(beta, dtype=np.float64)
    if beta.shape != (problem.k,):
        raise ValueError(f"beta must have shape ({problem.k},), got {beta.shape}")
    X, y = problem.X, problem.y
    per_row = 2 * X * (X @ beta - y)[:, None]  # gradient of each row's squared residual
    G = per_row.mean(axis=0)
    centred = per_row - G
    sigma = centred.T @ centred / problem.n
    H = 2 * X.T @ X / problem.n
    grad_sq = float(G @ G)
    return NoiseScale(
        grad_sq=grad_sq,
        trace_sigma=float(np.trace(sigma)),
        b_simple=float(np.trace(sigma) / grad_sq),
        b_noise=float(np.trace(H @ sigma) / (G @ H @ G)),
    )


@partial(jax.jit, static_argnames=("make_optimizer", "loss"))
def _row_steps(lr, beta0, X, y, index, weight, *, make_optimizer, loss):
    """Steps as a real training loop takes them: gather the batch's rows, differentiate."""
    opt = make_optimizer(lr)

    def step(carry, batch):
        beta, state = carry
        rows, w = batch
        g = batch_gradient(beta, X[rows], y[rows], w, loss)
        updates, state = opt.update(g, state, beta)
        return (optax.apply_updates(beta, updates), state), None

    (beta, _), _ = jax.lax.scan(step, (beta0, opt.init(beta0)), (index, weight))
    return beta


def seconds_per_step(
    problem: Problem,
    batch_size: int,
    *,
    steps: int = 200,
    learning_rate: float = 1e-3,
    loss: str = "mean",
    make_optimizer=optax.sgd,
    repeats: int = 5,
    seed: int = 1234,
):
    """Median seconds per optimizer step of a compiled loop over the batch's rows.

    Unlike :func:`sweep`, each step gathers its ``batch_size`` rows and computes the
    gradient from them, as any training loop must (no loss is recorded). Times
    ``steps`` steps as one compiled call, after a warm-up call that compiles it, and
    divides by ``steps``. Returns ``(seconds_per_step, timing)``.
    """
    batch_size, _ = check_fit_args(problem.X, problem.y, batch_size=batch_size, epochs=1)
    require_x64()
    steps, loss = whole_number("steps", steps), _check_loss(loss)
    index, weight = padded_batches(problem.n, batch_size, seed)
    order = np.arange(steps) % len(index)
    args = (jnp.asarray(learning_rate), jnp.zeros(problem.k), jnp.asarray(problem.X),
            jnp.asarray(problem.y), jnp.asarray(index[order]), jnp.asarray(weight[order]))
    timing = time_call(
        lambda: _row_steps(*args, make_optimizer=make_optimizer, loss=loss),
        repeats=repeats, label=f"{steps} steps (mb={batch_size})",
    )
    return timing.median / steps, timing
