"""Adam's internals, step by step: what it averages, what it divides by, what it moves.

:func:`adam_probe` trains the lecture's regression with ``optax.adam`` exactly as
:func:`optimlab.optax_fit.fit_optax` does (same batch order, same compiled arithmetic)
and records, after every step and for every coordinate, the quantities Adam's update is
made of:

* ``grad``: the batch gradient ``g_t``;
* ``m_hat``: the bias-corrected running mean of the gradient,
  ``m_t / (1 - b1**t)``;
* ``sqrt_v_hat``: the square root of the bias-corrected running mean of its square,
  ``sqrt(v_t / (1 - b2**t))``;
* ``step``: the update applied to the parameters, ``-lr_t * m_hat / (sqrt_v_hat + eps)``.

``m_t`` and ``v_t`` are read from Optax's own ``ScaleByAdamState`` after each update, so
the record is of the optimizer that trains, not of a re-implementation.

The full-data loss after each step is computed from the exact identity for least
squares, ``loss(beta) = lm_loss + (beta - beta_hat)' X'X (beta - beta_hat)``, which
costs a 21 x 21 product per step instead of a pass over the data.

>>> from optimlab.data import make_problem
>>> t = adam_probe(make_problem(40, 3, 2), 0.1, epochs=2, batch_size=10)
>>> t.grad.shape, t.loss.shape, t.steps
((8, 4), (9,), 8)
>>> bool(abs(abs(t.step[0, 0]) - 0.1) < 1e-9)  # Adam's first step is the learning rate
True
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .batching import check_fit_args, epoch_axis, padded_batches
from .data import Problem, sum_of_squares
from .validate import require_x64


@dataclass(frozen=True)
class AdamTrace:
    """What :func:`adam_probe` records; arrays of shape ``(steps, k)`` unless noted.

    ``loss`` and ``epoch`` have ``steps + 1`` entries: the loss before the first step,
    then after every step (the convention of :class:`optimlab.history.History`).
    """

    batch_size: int
    epochs: int
    b1: float
    b2: float
    eps: float
    grad: np.ndarray
    m_hat: np.ndarray
    sqrt_v_hat: np.ndarray
    step: np.ndarray
    lr: np.ndarray  # shape (steps,): the learning rate used at each step
    loss: np.ndarray
    epoch: np.ndarray
    params: np.ndarray  # final parameters, shape (k,)

    @property
    def steps(self) -> int:
        """Number of optimizer steps recorded."""
        return self.grad.shape[0]

    @property
    def final_loss(self) -> float:
        """Full-data loss after the last step."""
        return float(self.loss[-1])

    def epoch_mean(self, values) -> np.ndarray:
        """Mean of ``values`` (one row per step, any shape) over each epoch's steps.

        Pass ``np.abs(trace.step)`` for the mean step size, ``trace.grad ** 2`` for the
        mean square gradient, ``trace.loss[1:]`` for the mean loss after each step.

        >>> from optimlab.data import make_problem
        >>> t = adam_probe(make_problem(40, 3, 2), 0.1, epochs=2, batch_size=10)
        >>> t.epoch_mean(np.abs(t.step)).shape
        (2,)
        """
        values = np.asarray(values, dtype=np.float64)
        if values.shape[:1] != (self.steps,):
            raise ValueError(
                f"values must have one row per step ({self.steps}), got shape {values.shape}"
            )
        return values.reshape(self.epochs, -1).mean(axis=1)

    def memory_share(self, first: int, coordinate: int) -> np.ndarray:
        """Share of ``v_hat`` at each step that comes from the first ``first`` steps.

        ``v_t`` is a weighted sum of the squared gradients so far, the one of step
        ``s`` (counted from 1) with weight ``(1 - b2) * b2**(t - s)``; this returns,
        for every ``t``, the part of that sum contributed by steps ``1..first``.
        Near 1: Adam's denominator still reflects the first steps; near 0: forgotten.

        >>> from optimlab.data import make_problem
        >>> t = adam_probe(make_problem(40, 3, 2), 0.1, epochs=1, batch_size=10)
        >>> share = t.memory_share(2, 0)
        >>> share.shape, float(share[1])
        ((4,), 1.0)
        """
        if not (isinstance(first, int) and 1 <= first <= self.steps):
            raise ValueError(f"first must be a step count in 1..{self.steps}, got {first!r}")
        if not (isinstance(coordinate, int) and 0 <= coordinate < self.grad.shape[1]):
            raise ValueError(
                f"coordinate must be in 0..{self.grad.shape[1] - 1}, got {coordinate!r}"
            )
        g2 = self.grad[:, coordinate] ** 2
        early, total = np.empty(self.steps), np.empty(self.steps)
        e = a = 0.0
        for t in range(self.steps):  # v_t's recursion, with and without the later steps
            e = self.b2 * e + (g2[t] if t < first else 0.0)
            a = self.b2 * a + g2[t]
            early[t], total[t] = e, a
        return early / total


def _check_adam_args(b1, b2, eps):
    for name, v in (("b1", b1), ("b2", b2)):
        if not 0 <= v < 1:
            raise ValueError(f"{name} must be in [0, 1), got {v!r}")
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")


def adam_probe(
    problem: Problem,
    learning_rate,
    *,
    epochs: int,
    batch_size: int,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    seed: int = 1234,
) -> AdamTrace:
    """Train with ``optax.adam(learning_rate, b1, b2, eps)`` from zero; record its internals.

    ``learning_rate`` is a number or an Optax schedule. The run is the one
    ``fit_optax(problem, optax.adam(...), epochs=..., batch_size=...)`` makes (the
    tests hold the two together); the batch size must divide the number of rows.
    """
    batch_size, epochs = check_fit_args(problem.X, problem.y, batch_size=batch_size,
                                        epochs=epochs)
    if problem.n % batch_size:
        raise ValueError(
            f"batch_size must divide the {problem.n} rows (no short last batch), "
            f"got {batch_size}"
        )
    _check_adam_args(b1, b2, eps)
    require_x64()
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    hessian = X.T @ X
    beta_hat = jnp.linalg.solve(hessian, X.T @ y)
    lm_loss = float(sum_of_squares(beta_hat, X, y))
    index, _ = padded_batches(problem.n, batch_size, seed)
    index = jnp.asarray(np.tile(index, (epochs, 1)))
    steps = index.shape[0]
    lr = per_step_rates(learning_rate, steps)
    hyper = jnp.array([b1, b2, eps], dtype=jnp.float64)
    params, (g, m_hat, sqrt_v_hat, step, excess) = _run(
        jnp.asarray(lr), hyper, X, y, index, beta_hat, hessian
    )
    start = float(beta_hat @ hessian @ beta_hat)  # the run starts from zero
    loss = lm_loss + np.concatenate([[start], np.asarray(excess)])
    return AdamTrace(
        batch_size=batch_size, epochs=epochs, b1=float(b1), b2=float(b2), eps=float(eps),
        grad=np.asarray(g), m_hat=np.asarray(m_hat), sqrt_v_hat=np.asarray(sqrt_v_hat),
        step=np.asarray(step), lr=lr, loss=loss,
        epoch=epoch_axis(problem.n, batch_size, epochs), params=np.asarray(params),
    )


def per_step_rates(learning_rate, steps: int) -> np.ndarray:
    """The learning rate of each of ``steps`` steps, as a float64 array.

    ``learning_rate`` is a number, an array of ``steps`` rates, or an Optax schedule,
    which is evaluated on the int32 step counter as Optax evaluates it (so a float32
    schedule gives float32 values, widened exactly to float64).

    >>> per_step_rates(0.1, 3).tolist()
    [0.1, 0.1, 0.1]
    >>> per_step_rates(optax.exponential_decay(1.0, 1, 0.5), 3).tolist()
    [1.0, 0.5, 0.25]
    """
    if callable(learning_rate):
        counts = jnp.arange(steps, dtype=jnp.int32)
        rates = np.array([learning_rate(c) for c in counts], dtype=np.float64)
    else:
        rates = np.asarray(learning_rate, dtype=np.float64)
        if rates.ndim == 0:
            rates = np.full(steps, float(rates))
    if rates.shape != (steps,):
        raise ValueError(f"need one learning rate per step ({steps}), got shape {rates.shape}")
    if not np.all(np.isfinite(rates) & (rates >= 0)):
        raise ValueError("learning rates must be finite and >= 0")
    return rates


@jax.jit
def _run(rates, hyper, X, y, index, beta_hat, hessian):
    b1, b2, eps = hyper[0], hyper[1], hyper[2]
    # The rates are traced: one compiled program serves every rate and schedule.
    optimizer = optax.adam(lambda count: rates[count], b1=b1, b2=b2, eps=eps)

    def one(carry, rows):
        p, state = carry
        g = jax.grad(sum_of_squares)(p, X[rows], y[rows])
        updates, state = optimizer.update(g, state, p)
        adam = state[0]  # optax.adam = chain(scale_by_adam, scale_by_learning_rate)
        t = adam.count.astype(jnp.float64)
        m_hat = adam.mu / (1 - b1**t)
        sqrt_v_hat = jnp.sqrt(adam.nu / (1 - b2**t))
        p = optax.apply_updates(p, updates)
        d = p - beta_hat
        return (p, state), (g, m_hat, sqrt_v_hat, updates, d @ hessian @ d)

    p0 = jnp.zeros(X.shape[1], dtype=X.dtype)
    (p, _), out = jax.lax.scan(one, (p0, optimizer.init(p0)), index)
    return p, out


def windowed(values: np.ndarray, per_window: int) -> np.ndarray:
    """Mean of ``|values|`` over consecutive windows of ``per_window`` steps.

    >>> windowed(np.array([1.0, -3.0, 2.0, 2.0]), 2).tolist()
    [2.0, 2.0]
    """
    values = np.abs(np.asarray(values, dtype=np.float64))
    if not (isinstance(per_window, int) and 1 <= per_window <= values.size):
        raise ValueError(f"per_window must be a step count in 1..{values.size}, got {per_window!r}")
    usable = values.size - values.size % per_window
    return values[:usable].reshape(-1, per_window).mean(axis=1)


def plot_adam_internals(traces, coordinate: int, *, windows_per_epoch: int = 20):
    """One panel per run of ``|g|``, ``|m_hat|`` and ``sqrt(v_hat)`` of one coordinate,
    then one panel of the applied step ``|step|`` of every run, against epoch.

    Each point is the mean over a window of ``1 / windows_per_epoch`` epoch (single
    steps are too noisy to read). Returns the matplotlib ``Figure``.
    """
    from .plots import INK, figure, styles

    traces = list(traces)
    if not traces:
        raise ValueError("give at least one AdamTrace")
    fig, axes = figure(len(traces) + 1, 1, sharex=True, height=2.6 * (len(traces) + 1),
                       squeeze=False)
    axes = axes[:, 0]
    for ax, t in zip(axes, traces):
        per = max(1, t.steps // (t.epochs * windows_per_epoch))
        x = np.arange(1, t.steps // per + 1) * per / (t.steps / t.epochs)
        for (name, values), (c, ls, m) in zip(
            (("|gradient|", t.grad), ("|m-hat|", t.m_hat), ("sqrt(v-hat)", t.sqrt_v_hat)),
            styles(),
        ):
            ax.plot(x, windowed(values[:, coordinate], per), color=c, ls=ls, marker=m,
                    markevery=0.1, label=name)
        ax.set_yscale("log")
        ax.set_ylabel(f"batch size {t.batch_size}")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=3, fontsize="small",
                  borderaxespad=0.2)
        ax.grid(True, which="major")
    for t, (c, ls, m) in zip(traces, styles()):
        per = max(1, t.steps // (t.epochs * windows_per_epoch))
        x = np.arange(1, t.steps // per + 1) * per / (t.steps / t.epochs)
        axes[-1].plot(x, windowed(t.step[:, coordinate], per), color=c, ls=ls, marker=m,
                      markevery=0.1, label=f"|step|, batch size {t.batch_size}")
    axes[-1].axhline(float(traces[0].lr.max()), color=INK, ls="--", lw=1,
                     label="learning rate")
    axes[-1].set_yscale("log")
    axes[-1].set_ylabel("applied step")
    axes[-1].set_xlabel("epoch")
    axes[-1].legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, fontsize="small",
                    borderaxespad=0.2)
    axes[-1].grid(True, which="major")
    fig.tight_layout()
    return fig
