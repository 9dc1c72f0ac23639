"""The Optax experiments again in PyTorch: same arguments, same batches, same result.

:func:`fit_torch` takes the arguments of :func:`optimlab.optax_fit.fit_optax` (an
optimizer *factory* instead of an Optax transformation, since a ``torch.optim``
optimizer is built around the parameters) and returns the same
:class:`~optimlab.history.History`, so tables and plots never branch on the framework.
"""

from __future__ import annotations

import math

import torch

from .batching import check_fit_args, epoch_axis, shuffled_batches
from .data import Problem
from .history import History


class LinearModel(torch.nn.Module):
    """``X @ beta`` with ``beta`` a trainable ``Parameter`` (zeros by default)."""

    def __init__(self, k: int, beta=None, dtype=torch.float64):
        super().__init__()
        if beta is None:
            beta = torch.zeros(k, dtype=dtype)
        beta = torch.as_tensor(beta, dtype=dtype).clone()
        if beta.shape != (k,):
            raise ValueError(f"beta must have shape ({k},), got {tuple(beta.shape)}")
        self.beta = torch.nn.Parameter(beta)

    def forward(self, X):
        return X @ self.beta


def exponential_decay(init_value: float, transition_steps: int, decay_rate: float):
    """A ``LambdaLR`` factor equal to ``optax.schedules.exponential_decay``'s rate.

    Optax's learning rate at step ``t`` is ``init_value * decay_rate ** (t /
    transition_steps)``; give the optimizer ``lr=init_value`` and this factor.

    >>> f = exponential_decay(1.0, 100, 0.9)
    >>> round(f(0), 6), round(f(100), 6), round(f(200), 6)
    (1.0, 0.9, 0.81)
    """
    if transition_steps < 1:
        raise ValueError(f"transition_steps must be >= 1, got {transition_steps}")
    return lambda step: decay_rate ** (step / transition_steps)


def _tensors(problem: Problem, device):
    X = torch.as_tensor(problem.X, dtype=torch.float64, device=device)
    y = torch.as_tensor(problem.y, dtype=torch.float64, device=device)
    return X, y


def _batches(problem, X, y, batch_size, seed, loader):
    """Yield ``(Xb, yb)`` for one epoch in the lecture's batch order."""
    order = shuffled_batches(problem.n, batch_size, seed)
    if loader == "dataloader":
        dataset = torch.utils.data.TensorDataset(X, y)
        return torch.utils.data.DataLoader(dataset, batch_sampler=[b.tolist() for b in order])
    if loader == "pregathered":
        return [(X[b], y[b]) for b in (torch.as_tensor(b, device=X.device) for b in order)]
    raise ValueError(f"loader must be 'dataloader' or 'pregathered', got {loader!r}")


# Up to this many residuals (rows x recorded steps), the losses of all steps come from one
# matrix product; beyond it, one matrix-vector product per step (measured here: faster
# than blocks of matrix products, which are limited by memory traffic, not arithmetic).
_ONE_PRODUCT_ELEMENTS = 2**26


@torch.no_grad()
def _full_data_losses(trace, X, y):
    """Full-data sum of squares for each row of ``trace`` (parameters by step)."""
    if X.shape[0] * trace.shape[0] <= _ONE_PRODUCT_ELEMENTS:
        return ((y[:, None] - X @ trace.T) ** 2).sum(dim=0)
    return torch.stack([((y - X @ b) ** 2).sum() for b in trace])


_LOSSES = {
    "sum": lambda pred, y: (pred - y).pow(2).sum(),  # the lecture's loss
    "mean": torch.nn.MSELoss(),  # reduction="mean", PyTorch's default
}


def fit_torch(
    problem: Problem,
    make_optimizer,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 1234,
    make_scheduler=None,
    params=None,
    device: str | torch.device = "cpu",
    loader: str = "dataloader",
    loss: str = "sum",
    label: str = "torch",
) -> History:
    """Mini-batch training of :class:`LinearModel` with a ``torch.optim`` optimizer.

    Args:
      problem: the data.
      make_optimizer: ``parameters -> torch.optim.Optimizer``, e.g.
        ``lambda p: torch.optim.SGD(p, lr=1e-5)``.
      epochs, batch_size, seed, params: as for ``fit_optax``.
      make_scheduler: optional ``optimizer -> LRScheduler``, stepped after every batch.
      device: ``"cpu"`` or ``"cuda"``.
      loader: ``"dataloader"`` (``TensorDataset`` + ``DataLoader``) or
        ``"pregathered"`` (batches gathered once up front; faster, same numbers).
      loss: what each step minimises: ``"sum"`` of squared residuals over the batch
        (the lecture's loss) or their ``"mean"`` (``nn.MSELoss``'s default), whose
        gradient is ``batch_size`` times smaller. The recorded full-data losses are
        sums of squares either way, so the two can be compared.

    >>> from optimlab.data import make_problem
    >>> h = fit_torch(make_problem(40, 3, 2), lambda p: torch.optim.SGD(p, lr=1e-3),
    ...               epochs=2, batch_size=10)
    >>> len(h.loss), h.framework
    (9, 'torch')
    """
    if not callable(make_optimizer):
        raise TypeError(
            "make_optimizer must be a function of the parameters, e.g. "
            f"lambda p: torch.optim.SGD(p, lr=1e-5); got {type(make_optimizer).__name__}"
        )
    if loss not in _LOSSES:
        raise ValueError(f"loss must be 'sum' or 'mean', got {loss!r}")
    batch_size, epochs = check_fit_args(problem.X, problem.y, batch_size=batch_size, epochs=epochs)
    loss_fn = _LOSSES[loss]
    X, y = _tensors(problem, device)
    model = LinearModel(problem.k, params).to(device)
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler is not None else None
    batches = _batches(problem, X, y, batch_size, seed, loader)
    steps = epochs * math.ceil(problem.n / batch_size)
    trace = torch.empty((steps + 1, problem.k), dtype=torch.float64, device=device)
    trace[0] = model.beta.detach()
    step = 0
    for _ in range(epochs):
        for Xb, yb in batches:
            loss_fn(model(Xb), yb).backward()
            optimizer.step()
            optimizer.zero_grad()
            if scheduler is not None:
                scheduler.step()
            step += 1
            trace[step] = model.beta.detach()
    losses = _full_data_losses(trace, X, y)
    return History(
        label=label,
        batch_size=batch_size,
        epochs=epochs,
        loss=losses.cpu().numpy(),
        epoch=epoch_axis(problem.n, batch_size, epochs),
        params=model.beta.detach().cpu().numpy(),
        framework="torch",
        loop=loader,
    )
