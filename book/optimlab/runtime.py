"""Time per epoch of the training loops, in one table form for both frameworks.

Each timing is one epoch that, like the lecture's loop, also records the full-data
loss before every step. Rows of a runtime table are batch sizes; columns name the
loop and the device, e.g. ``"optax compiled (cpu)"`` or ``"torch DataLoader (cuda)"``.
"""

from __future__ import annotations

import jax
import pandas as pd

from .data import Problem
from .optax_fit import CompiledLoop, _initial_params, optax_optimize
from .timing import Timing, jax_device, time_call, torch_device

OPTAX_LOOPS = {"lecture": "optax lecture loop", "compiled": "optax compiled"}
TORCH_LOOPS = {"dataloader": "torch DataLoader", "pregathered": "torch pre-gathered"}


def time_epoch_optax(
    problem: Problem,
    optimizer,
    batch_size: int,
    *,
    loop: str = "compiled",
    device: str = "cpu",
    repeats: int = 5,
    seed: int = 1234,
) -> Timing:
    """Seconds per epoch of :func:`optax_optimize` (``loop="lecture"``) or of
    :class:`CompiledLoop` (``loop="compiled"``, compile time reported apart)."""
    if loop not in OPTAX_LOOPS:
        raise ValueError(f"loop must be one of {sorted(OPTAX_LOOPS)}, got {loop!r}")
    label = f"{OPTAX_LOOPS[loop]} ({device})"
    with jax.default_device(jax_device(device)):
        if loop == "lecture":
            return time_call(
                lambda: optax_optimize(
                    problem, optimizer, epochs=1, batch_size=batch_size, seed=seed
                ),
                repeats=repeats,
                warmup=1,
                label=label,
                device=device,
            )
        compiled = CompiledLoop(problem, optimizer, batch_size=batch_size, seed=seed)
        params = _initial_params(problem, None)
        state = optimizer.init(params)
        compile_s = compiled.compile(params)
        return time_call(
            lambda: compiled.epoch(params, state),
            repeats=repeats,
            warmup=1,
            label=label,
            device=device,
            compile_s=compile_s,
        )


def time_epoch_torch(
    problem: Problem,
    make_optimizer,
    batch_size: int,
    *,
    loader: str = "dataloader",
    device: str = "cpu",
    repeats: int = 5,
    seed: int = 1234,
    make_scheduler=None,
) -> Timing:
    """Seconds per epoch of :func:`fit_torch` with the given loader and device."""
    if loader not in TORCH_LOOPS:
        raise ValueError(f"loader must be one of {sorted(TORCH_LOOPS)}, got {loader!r}")
    from .torch_fit import fit_torch  # here, so that JAX-only pages never import torch

    torch_dev = torch_device(device)
    return time_call(
        lambda: fit_torch(
            problem,
            make_optimizer,
            epochs=1,
            batch_size=batch_size,
            seed=seed,
            make_scheduler=make_scheduler,
            device=torch_dev,
            loader=loader,
        ),
        repeats=repeats,
        warmup=1,
        label=f"{TORCH_LOOPS[loader]} ({device})",
        device=device,
    )


def runtime_table(timings: dict) -> pd.DataFrame:
    """Median seconds per epoch: ``{batch_size: [Timing, ...]}`` -> DataFrame.

    Rows are batch sizes, columns the timings' labels; a missing cell is NaN.
    """
    rows = {bs: {t.label: t.median for t in ts} for bs, ts in timings.items()}
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    table.index.name = "batch size"
    return table


def compile_table(timings: dict) -> pd.DataFrame:
    """Compile seconds of the jitted timings in ``{batch_size: [Timing, ...]}``."""
    rows = {
        bs: {t.label: t.compile_s for t in ts if t.compile_s is not None}
        for bs, ts in timings.items()
    }
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    table.index.name = "batch size"
    return table
