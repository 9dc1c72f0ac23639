"""One timing helper: warm up, synchronise the device, repeat, report median and spread.

JAX and CUDA run asynchronously: a call returns before the device has finished. A
timer that does not wait (``block_until_ready()`` in JAX, ``torch.cuda.synchronize()``
in PyTorch) measures only the time to *queue* the work. The first call of a jitted
function also compiles it, so it is a warm-up, never a sample; compile time is
reported apart (see :meth:`optimlab.optax_fit.CompiledLoop.compile`).
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

import jax

from .validate import whole_number


@dataclass(frozen=True)
class Timing:
    """Seconds per call: every repeat, and their median and spread.

    ``spread`` is max minus min of the repeats; ``compile_s`` is the separate
    compile time of a jitted function, when there is one.
    """

    label: str
    device: str
    seconds: tuple
    compile_s: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> float:
        return max(self.seconds) - min(self.seconds)

    def __str__(self) -> str:
        s = f"{self.label}: median {self.median:.4g} s (spread {self.spread:.2g} s, {len(self.seconds)} runs, {self.device})"
        if self.compile_s is not None:
            s += f", compile {self.compile_s:.3g} s"
        return s


def synchronize(result):
    """Wait until ``result`` is computed: JAX arrays in any pytree, and CUDA work."""
    jax.block_until_ready(result)
    # Only a program that imported PyTorch can have CUDA work queued: a JAX-only page
    # does not pay for importing torch here.
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()
    return result


def time_call(
    fn,
    *,
    repeats: int = 5,
    warmup: int = 1,
    label: str = "",
    device: str = "cpu",
    compile_s: float | None = None,
) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` synchronised timings.

    >>> t = time_call(lambda: sum(range(1000)), repeats=3, label="sum")
    >>> len(t.seconds), t.median > 0
    (3, True)
    """
    if not callable(fn):
        kind = type(fn).__name__
        raise TypeError(f"fn must be callable (a function of no arguments), got {kind}")
    repeats = whole_number("repeats", repeats)
    warmup = whole_number("warmup", warmup, low=0)
    for _ in range(warmup):
        synchronize(fn())
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        synchronize(fn())
        seconds.append(time.perf_counter() - start)
    return Timing(label=label, device=device, seconds=tuple(seconds),
                  compile_s=compile_s)


# --- devices -----------------------------------------------------------------------
#
# Pages time every device that JAX and PyTorch can use here, by name.


def jax_devices() -> list[str]:
    """Platforms JAX can run on here, CPU first: ``['cpu']`` or ``['cpu', 'gpu']``."""
    platforms = ["cpu"]
    for backend in ("gpu", "tpu"):
        try:
            if jax.devices(backend):
                platforms.append(backend)
        except RuntimeError:
            pass
    return platforms


def jax_device(name: str):
    """The JAX device behind a name from :func:`jax_devices` (its first device).

    >>> jax_device("cpu").platform
    'cpu'
    """
    if name not in jax_devices():
        raise ValueError(f"JAX has no device {name!r} here; jax_devices() is {jax_devices()}")
    return jax.devices(name)[0]


def torch_devices() -> list[str]:
    """Devices PyTorch can run on here: ``['cpu']`` or ``['cpu', 'cuda']``."""
    import torch

    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def torch_device(name: str):
    """The ``torch.device`` behind a name from :func:`torch_devices`.

    >>> torch_device("cpu")
    device(type='cpu')
    """
    import torch

    if name not in torch_devices():
        raise ValueError(f"PyTorch has no device {name!r} here; torch_devices() is {torch_devices()}")
    return torch.device(name)
