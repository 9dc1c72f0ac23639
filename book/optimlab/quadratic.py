"""Gradient descent and momentum on a quadratic: rates in theory, and measured.

The lecture's loss ``L(b) = sum((y - X b)**2)`` is a quadratic with Hessian
``H = 2 X'X`` (a *sum* over the rows: with the mean loss every eigenvalue would be
``n`` times smaller and every learning rate ``n`` times larger). Near the minimum a
linear method multiplies the error along each eigenvector of ``H`` by a fixed matrix,
so its speed is known exactly from the eigenvalues:

* gradient descent with learning rate ``lr``: ``max |1 - lr * lam|`` per step;
* momentum in the Optax / PyTorch convention (``v = g + beta * v``, ``b -= lr * v``,
  Nesterov: ``b -= lr * (g + beta * v)``): the spectral radius of a 2x2 matrix per
  eigenvalue, :func:`momentum_rate`.

:func:`full_batch_runs` measures them: full-batch runs of one Optax optimizer at many
hyperparameter settings, all in one compiled, vmapped program, each returned as a
:class:`~optimlab.history.History`.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .data import Problem, least_squares
from .history import History
from .validate import require_x64, whole_number


def hessian_eigenvalues(X) -> np.ndarray:
    """Eigenvalues of the Hessian ``2 X'X`` of the summed loss, smallest first.

    >>> hessian_eigenvalues(np.array([[1.0, 0.0], [0.0, 3.0]])).tolist()
    [2.0, 18.0]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D matrix (rows x columns), got shape {X.shape}")
    return np.linalg.eigvalsh(2 * X.T @ X)


def _eigenvalues(eigenvalues) -> np.ndarray:
    lam = np.sort(np.atleast_1d(np.asarray(eigenvalues, dtype=np.float64)))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or lam[0] <= 0:
        raise ValueError(f"eigenvalues must be positive finite numbers, got {eigenvalues!r}")
    return lam


def condition_number(eigenvalues) -> float:
    """``kappa = lambda_max / lambda_min``.

    >>> condition_number([2.0, 5.0, 18.0])
    9.0
    """
    lam = _eigenvalues(eigenvalues)
    return float(lam[-1] / lam[0])


def gd_rate(learning_rate: float, eigenvalues) -> float:
    """Worst factor by which one gradient-descent step shrinks the error:
    ``max |1 - lr * lam|`` (above 1: the run diverges).

    >>> gd_rate(0.1, [2.0, 18.0])
    0.8
    """
    lam = _eigenvalues(eigenvalues)
    return float(np.max(np.abs(1 - learning_rate * lam)))


def gd_best(eigenvalues) -> tuple[float, float]:
    """The learning rate ``2 / (lam_max + lam_min)`` that minimises :func:`gd_rate`,
    and that rate, ``(kappa - 1) / (kappa + 1)``.

    >>> gd_best([2.0, 18.0])
    (0.1, 0.8)
    """
    lam = _eigenvalues(eigenvalues)
    kappa = lam[-1] / lam[0]
    return float(2 / (lam[-1] + lam[0])), float((kappa - 1) / (kappa + 1))


def momentum_matrix(learning_rate: float, momentum: float, lam: float, nesterov=False):
    """The 2x2 matrix taking ``(error, velocity)`` to the next step's, along an
    eigenvector with eigenvalue ``lam``, in the Optax ``trace`` / PyTorch ``SGD``
    convention (``v' = lam e + beta v``; ``e' = e - lr v'``, or with Nesterov
    ``e' = e - lr (lam e + beta v')``).

    >>> momentum_matrix(0.1, 0.5, 2.0).tolist()
    [[0.8, -0.05], [2.0, 0.5]]
    """
    a, b = learning_rate, momentum
    if nesterov:
        return np.array([[1 - a * lam * (1 + b), -a * b * b], [lam, b]])
    return np.array([[1 - a * lam, -a * b], [lam, b]])


def momentum_rate(learning_rate: float, momentum: float, eigenvalues, nesterov=False) -> float:
    """Asymptotic factor per step of momentum SGD on a quadratic: the largest spectral
    radius of :func:`momentum_matrix` over the eigenvalues.

    With ``momentum=0`` it is :func:`gd_rate`:

    >>> round(momentum_rate(0.1, 0.0, [2.0, 18.0]), 12)
    0.8
    """
    lam = _eigenvalues(eigenvalues)
    return float(max(
        np.max(np.abs(np.linalg.eigvals(momentum_matrix(learning_rate, momentum, lam_i, nesterov))))
        for lam_i in lam
    ))


def heavy_ball_best(eigenvalues) -> tuple[float, float, float]:
    """Polyak's optimal heavy ball for a quadratic: ``(lr, beta, rate)`` with
    ``lr = 4 / (sqrt(L) + sqrt(m))**2``, ``beta = rate**2`` and
    ``rate = (sqrt(kappa) - 1) / (sqrt(kappa) + 1)``.

    Optax's ``sgd(lr, momentum=beta)`` and PyTorch's ``SGD(lr=lr, momentum=beta)`` are
    this heavy ball exactly (``b' = b - lr g + beta (b - b_prev)``).

    >>> [round(v, 12) for v in heavy_ball_best([1.0, 9.0])]
    [0.25, 0.25, 0.5]
    """
    lam = _eigenvalues(eigenvalues)
    L, m = math.sqrt(lam[-1]), math.sqrt(lam[0])
    rate = (L - m) / (L + m)
    return 4 / (L + m) ** 2, rate**2, rate


def excess(history: History, lm_loss: float) -> np.ndarray:
    """Relative excess over least squares of every recorded loss: ``loss / lm_loss - 1``."""
    return history.loss / lm_loss - 1


def measured_rate(history: History, lm_loss: float, start: int, stop: int) -> float:
    """Per-step factor by which the *error* ``b - b_hat`` shrank between two steps.

    The excess loss is a squared error (``L(b) - L(b_hat) = (b - b_hat)' X'X (b -
    b_hat)``), so the error's factor is the square root of the loss's: fitted as the
    slope of ``log(excess)`` against the step over ``start..stop`` (a least-squares
    line, so an oscillating loss is averaged over its swings).

    >>> h = History("x", 1, 1, loss=1 + 0.25 ** np.arange(6), epoch=np.arange(6), params=[0.0])
    >>> round(measured_rate(h, 1.0, 0, 5), 12)
    0.5
    """
    if not 0 <= start < stop < len(history.loss):
        raise ValueError(
            f"need 0 <= start < stop < {len(history.loss)} (recorded losses), "
            f"got start={start}, stop={stop}"
        )
    e = excess(history, lm_loss)[start : stop + 1]
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ValueError("the excess loss must be positive and finite over the window")
    slope = np.polyfit(np.arange(start, stop + 1), np.log(e), 1)[0]
    return float(np.exp(slope / 2))


def steps_to_excess(history: History, lm_loss: float, tol: float) -> float:
    """First step whose loss is within ``tol`` (relative) of ``lm_loss``; ``inf`` if none.

    >>> h = History("x", 1, 1, loss=[5.0, 2.0, 1.5, 1.01], epoch=np.arange(4), params=[0.0])
    >>> steps_to_excess(h, 1.0, 0.6), steps_to_excess(h, 1.0, 1e-3)
    (2, inf)
    """
    hit = np.flatnonzero(excess(history, lm_loss) <= tol)
    return int(hit[0]) if hit.size else math.inf


@partial(jax.jit, static_argnames=("make_optimizer", "names", "steps"))
def _traces(values, beta0, gram, xty, beta_hat, lm_loss, *, make_optimizer, names, steps):
    """Losses of every run: vmap over hyperparameter settings of a scan over steps."""

    def one(vals):
        opt = make_optimizer(**dict(zip(names, vals)))

        def step(carry, _):
            beta, state = carry
            grad = 2 * (gram @ beta - xty)  # = -2 X'(y - X beta), in k x k work
            updates, state = opt.update(grad, state, beta)
            beta = optax.apply_updates(beta, updates)
            d = beta - beta_hat
            return (beta, state), lm_loss + d @ gram @ d

        (beta, _), losses = jax.lax.scan(step, (beta0, opt.init(beta0)), None, length=steps)
        return beta, losses

    return jax.vmap(one)(values)


def full_batch_runs(
    problem: Problem, make_optimizer, *, steps: int, params=None, label=None, **settings
) -> list[History]:
    """Full-batch runs of ``make_optimizer(**setting)`` for every setting, at once.

    Args:
      problem: the data; the loss is the lecture's sum of squares over all rows.
      make_optimizer: a *hashable* factory of Optax optimizers (``optax.sgd``, or a
        ``functools.partial`` kept in a variable), called with the settings'
        keywords; the compiled program is reused for the same factory and steps.
      steps: optimizer steps per run.
      params: the starting point (zeros by default).
      label: a format string for each run's label, filled with the setting (e.g.
        ``"lr={learning_rate:.2g}"``); by default ``name key=value ...``.
      settings: keyword -> one value per run (all the same length) or one number for
        all runs, e.g. ``learning_rate=[1e-5, 2e-5], momentum=0.9``.

    The full-data gradient is computed as ``2 (X'X b - X'y)`` from the ``k x k``
    matrix ``X'X``, the same number as ``jax.grad`` of the sum of squares up to
    rounding, at a cost that does not grow with ``n``. Every History's ``loss`` is the
    full-data sum of squares before each step and after the last (computed as ``lm_loss + (b - b_hat)' X'X (b - b_hat)``, exact
    down to the last digits of the excess), ``epoch`` counts steps (one step is one
    epoch), and ``loop`` is ``"full-batch"``.

    >>> from optimlab.data import make_problem
    >>> runs = full_batch_runs(make_problem(40, 3, 2), optax.sgd, steps=5,
    ...                        learning_rate=[1e-3, 2e-3])
    >>> [len(h.loss) for h in runs], runs[1].label
    ([6, 6], 'sgd learning_rate=0.002')
    """
    require_x64()
    steps = whole_number("steps", steps)
    if not settings:
        raise ValueError("give at least one setting, e.g. learning_rate=[1e-5, 1e-4]")
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in settings.items()}
    lengths = {a.size for a in arrays.values() if a.size != 1}
    if len(lengths) > 1 or any(a.ndim != 1 for a in arrays.values()):
        raise ValueError(
            "each setting must be one number or a list, all lists of the same length; got "
            + ", ".join(f"{k}: {a.size}" for k, a in arrays.items())
        )
    runs = lengths.pop() if lengths else 1
    names = tuple(arrays)
    # Pad the runs to a power of two (repeating settings), so that calls with
    # a few more or fewer runs reuse one compiled program.
    padded = 1 << (runs - 1).bit_length()
    values = tuple(
        jnp.asarray(np.resize(np.broadcast_to(arrays[k], (runs,)), padded)) for k in names
    )
    beta_hat, lm_loss = least_squares(problem)
    beta0 = np.zeros(problem.k) if params is None else np.asarray(params, dtype=np.float64)
    if beta0.shape != (problem.k,):
        raise ValueError(f"params must have shape ({problem.k},), got {beta0.shape}")
    gram = problem.X.T @ problem.X
    betas, losses = _traces(
        values, jnp.asarray(beta0), jnp.asarray(gram), jnp.asarray(problem.X.T @ problem.y),
        jnp.asarray(beta_hat), lm_loss,
        make_optimizer=make_optimizer, names=names, steps=int(steps),
    )
    d0 = beta0 - beta_hat
    start = lm_loss + d0 @ gram @ d0
    name = getattr(make_optimizer, "__name__", None) or getattr(
        getattr(make_optimizer, "func", None), "__name__", "optimizer")
    out = []
    for i in range(runs):
        setting = {k: float(np.broadcast_to(arrays[k], (runs,))[i]) for k in names}
        text = label.format(**setting) if label else name + " " + " ".join(
            f"{k}={v:g}" for k, v in setting.items())
        out.append(History(
            label=text, batch_size=problem.n, epochs=int(steps),
            loss=np.r_[start, np.asarray(losses[i])], epoch=np.arange(steps + 1),
            params=np.asarray(betas[i]), loop="full-batch",
        ))
    return out


# Excess losses below this are rounding noise (float64 on a loss of about 1e4).
_EXCESS_FLOOR = 1e-14


def plot_excess(histories, lm_loss: float, *, ax=None, bounds=None, ceiling=1e6):
    """Excess over least squares, ``loss / lm_loss - 1``, against the step (log scale).

    ``bounds``: optional per-step error factors, one per history (``None`` to skip);
    each is drawn as a thin black dotted line ``excess[0] * rate ** (2 t)``, the
    excess a run would have if its error shrank by exactly ``rate`` every step.
    Excess values below 1e-14 (rounding) or above ``ceiling`` are not drawn.
    Returns the matplotlib ``Figure``.
    """
    from .plots import INK, figure, styles

    if ax is None:
        _, ax = figure()
    bounds = [None] * len(histories) if bounds is None else list(bounds)
    if len(bounds) != len(histories):
        raise ValueError(f"give one bound per history: {len(bounds)} for {len(histories)}")
    for h, rate, (color, ls, marker) in zip(histories, bounds, styles()):
        e = excess(h, lm_loss)
        steps = np.arange(len(e))
        shown = np.isfinite(e) & (e > _EXCESS_FLOOR) & (e <= ceiling)
        every = max(1, int(shown.sum()) // 8)
        ax.plot(steps[shown], e[shown], color=color, ls=ls, marker=marker,
                markevery=every, label=h.label)
        if rate is not None:
            line = e[0] * rate ** (2.0 * steps)
            keep = line > _EXCESS_FLOOR
            ax.plot(steps[keep], line[keep], color=INK, ls=":", lw=1, marker="")
    if any(b is not None for b in bounds):
        ax.plot([], [], color=INK, ls=":", lw=1, marker="", label="theory: error x rate per step")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("excess over least squares")
    ax.grid(True, which="major")
    ax.figure.tight_layout()
    # Below the axes, after the layout (figures are saved with bbox_inches="tight",
    # which makes room for it): the curves fill the panel from corner to corner.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return ax.figure
