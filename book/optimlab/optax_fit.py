"""Mini-batch training with Optax: the lecture's loop and a compiled equivalent.

:func:`optax_optimize` is the lecture's loop, kept as the reference: it evaluates the
full-data loss and one gradient per step from Python. :class:`CompiledLoop` runs the
same algorithm as one XLA program per epoch (``jax.jit`` over ``lax.scan``), records
the parameters after every step, and evaluates all the step losses with one matrix
product. Both return a :class:`~optimlab.history.History` with the same loss trace
(the tests hold them together to 1e-12).

The lecture's batch loss is the *sum* of squares over the batch. The compiled loop can
also use their *mean* (``loss="mean"``): the gradient is then divided by the batch's
row count, so ``sgd(lr)`` on the mean takes the same steps as ``sgd(lr / b)`` on the
sum. The recorded full-data loss is the sum of squares either way.

>>> from optimlab.data import make_problem
>>> h = optax_optimize(make_problem(40, 3, 2), optax.sgd(1e-3), epochs=2, batch_size=10)
>>> len(h.loss), float(h.epoch[-1])
(9, 2.0)
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .batching import check_fit_args, epoch_axis, padded_batches, shuffled_batches
from .data import Problem, sum_of_squares
from .history import History
from .validate import require_x64

#: Batch losses the compiled loop offers: the lecture's sum of squares, or their mean.
LOSSES = ("sum", "mean")

# Largest number of loss values evaluated by one matrix product (n rows x this many
# parameter vectors), so batch size 1 on big data does not ask for gigabytes at once.
_LOSS_BLOCK_ELEMENTS = 2**24


def _initial_params(problem: Problem, params):
    if params is None:
        return jnp.zeros(problem.k, dtype=jnp.float64)
    params = jnp.asarray(params, dtype=jnp.float64)
    if params.shape != (problem.k,):
        raise ValueError(
            f"params must have shape ({problem.k},) to match X's columns, got {params.shape}"
        )
    return params


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be 'sum' or 'mean', got {loss!r}")
    return loss


def _history(problem, batch_size, epochs, losses, params, label, loop) -> History:
    return History(
        label=label,
        batch_size=batch_size,
        epochs=epochs,
        loss=np.asarray(losses, dtype=np.float64),
        epoch=epoch_axis(problem.n, batch_size, epochs),
        params=np.asarray(params),
        framework="optax",
        loop=loop,
    )


def optax_optimize(problem, optimizer, *, epochs=1, batch_size=1, seed=1234,
                   params=None, loss_fn=sum_of_squares, label="optax"):
    """The lecture's mini-batch loop, step by step from Python (the reference)."""
    batch_size, epochs = check_fit_args(problem.X, problem.y, batch_size=batch_size,
                                        epochs=epochs)
    require_x64()
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    params = _initial_params(problem, params)  # zeros unless given
    opt_state = optimizer.init(params)
    grad_fn = jax.grad(loss_fn)
    losses = []
    for _ in range(epochs):
        # one shuffle of the rows (seeded), the same batch order in every epoch
        for batch in shuffled_batches(problem.n, batch_size, seed):
            losses.append(loss_fn(params, X, y).item())  # full-data loss, each step
            grad = grad_fn(params, X[batch, :], y[batch])
            updates, opt_state = optimizer.update(grad, opt_state, params)
            params = optax.apply_updates(params, updates)
    losses.append(loss_fn(params, X, y).item())
    return _history(problem, batch_size, epochs, losses, params, label, "lecture")


class CompiledLoop:
    """One compiled epoch of mini-batch training, reusable across epochs and timings.

    Args:
      problem: the data (``X``, ``y``).
      optimizer: any Optax ``GradientTransformation``.
      batch_size: rows per step; a short last batch is padded with zero-weight rows.
      seed: seed of the one shuffle of the rows (the lecture's batch order).
      loss: the batch loss differentiated at each step: ``"sum"`` of squares (the
        lecture's) or their ``"mean"`` over the batch's rows.

    ``compile()`` builds the XLA program ahead of time and returns the seconds it
    took, so compile time can be reported apart from run time. ``epoch(params,
    state)`` returns ``(params, state, losses_after_each_step)``.

    >>> from optimlab.data import make_problem
    >>> loop = CompiledLoop(make_problem(40, 3, 2), optax.sgd(1e-3), batch_size=10)
    >>> h = loop.fit(epochs=2)
    >>> len(h.loss), h.loop
    (9, 'compiled')
    """

    def __init__(
        self, problem: Problem, optimizer, *, batch_size: int, seed: int = 1234, loss="sum"
    ):
        self.batch_size, _ = check_fit_args(
            problem.X, problem.y, batch_size=batch_size, epochs=1
        )
        require_x64()
        self.problem = problem
        self.optimizer = optimizer
        self.seed = seed
        self.loss = _check_loss(loss)
        index, weight = padded_batches(problem.n, self.batch_size, seed)
        self._index, self._weight = jnp.asarray(index), jnp.asarray(weight)
        self._X, self._y = jnp.asarray(problem.X), jnp.asarray(problem.y)
        self._compiled = None

    def _epoch(self, params, opt_state, X, y, index, weight):
        grad_fn = jax.grad(sum_of_squares)
        mean = self.loss == "mean"

        def step(carry, batch):
            p, s = carry
            rows, w = batch
            # Zero-weight (padding) rows become zero rows: no effect on a sum of squares.
            g = grad_fn(p, X[rows] * w[:, None], y[rows] * w)
            if mean:  # the mean over the batch's real rows
                g = g / jnp.sum(w)
            updates, s = self.optimizer.update(g, s, p)
            p = optax.apply_updates(p, updates)
            return (p, s), p

        (params, opt_state), trace = jax.lax.scan(step, (params, opt_state), (index, weight))
        return params, opt_state, _losses_of(trace, X, y)

    def _args(self, params, opt_state):
        return params, opt_state, self._X, self._y, self._index, self._weight

    def compile(self, params=None) -> float:
        """Compile the epoch ahead of time; return the compile time in seconds."""
        params = _initial_params(self.problem, params)
        start = time.perf_counter()
        lowered = jax.jit(self._epoch).lower(*self._args(params, self.optimizer.init(params)))
        self._compiled = lowered.compile()
        return time.perf_counter() - start

    def epoch(self, params, opt_state):
        """Run one epoch; returns ``(params, opt_state, losses after each step)``."""
        if self._compiled is None:
            self.compile(params)
        return self._compiled(*self._args(params, opt_state))

    def fit(self, epochs: int, *, params=None, label: str = "optax", opt_state=None) -> History:
        """Train for ``epochs`` epochs from ``params`` (zeros by default).

        ``opt_state`` defaults to ``optimizer.init(params)``; pass one to start from
        another state (e.g. another learning rate of an ``optax.inject_hyperparams``
        optimizer, without compiling again).
        """
        _, epochs = check_fit_args(
            self.problem.X, self.problem.y, batch_size=self.batch_size, epochs=epochs
        )
        params = _initial_params(self.problem, params)
        state = self.optimizer.init(params) if opt_state is None else opt_state
        losses = [np.atleast_1d(np.asarray(sum_of_squares(params, self._X, self._y)))]
        for _ in range(epochs):
            params, state, step_losses = self.epoch(params, state)
            losses.append(np.asarray(step_losses))
        return _history(
            self.problem, self.batch_size, epochs, np.concatenate(losses), params, label,
            "compiled",
        )


def _losses_of(trace, X, y):
    """Full-data sum of squares for each row of ``trace`` (parameters by step)."""
    steps, n = trace.shape[0], X.shape[0]
    block = max(1, min(steps, _LOSS_BLOCK_ELEMENTS // n))
    pad = (-steps) % block
    blocks = jnp.pad(trace, ((0, pad), (0, 0))).reshape(-1, block, trace.shape[1])
    per_block = jax.lax.map(lambda P: jnp.sum((y[:, None] - X @ P.T) ** 2, axis=0), blocks)
    return per_block.reshape(-1)[:steps]


def fit_optax(
    problem: Problem,
    optimizer: optax.GradientTransformation,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 1234,
    params=None,
    label: str = "optax",
    loss: str = "sum",
) -> History:
    """Mini-batch training with Optax, compiled; same trace as :func:`optax_optimize`.

    ``loss="mean"`` differentiates the mean of squares over each batch instead of the
    lecture's sum (see :class:`CompiledLoop`).

    >>> from optimlab.data import make_problem
    >>> h = fit_optax(make_problem(40, 3, 2), optax.sgd(1e-3), epochs=3, batch_size=40)
    >>> h.loss.shape, bool(h.loss[-1] < h.loss[0])
    ((4,), True)
    """
    loop = CompiledLoop(problem, optimizer, batch_size=batch_size, seed=seed, loss=loss)
    return loop.fit(epochs, params=params, label=label)
