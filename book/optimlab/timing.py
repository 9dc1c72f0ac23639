"""One timing helper: warm up, synchronise the device, repeat, report median and spread.

JAX and CUDA run asynchronously: a call returns before the device has finished. A
timer that does not wait (``block_until_ready()`` in JAX, ``torch.cuda.synchronize()``
in PyTorch) measures only the time to *queue* the work. The first call of a jitted
function also compiles it, so it is a warm-up, never a sample; compile time is
reported apart (see :meth:`optimlab.optax_fit.CompiledLoop.compile`).
"""

from __future__ import annotations

import os
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
    """Wait until ``result`` is computed: JAX arrays in any pytree, and CUDA work.

    (The test switch's fake accelerator runs on the CPU, where PyTorch is synchronous:
    there is nothing more to wait for. See :func:`fake_gpu`.)
    """
    jax.block_until_ready(result)
    # Only a program that imported PyTorch can have CUDA work queued: a JAX-only page
    # does not pay for importing torch here.
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()
    return result


# Quick mode, for the test suite's own run of every page only (tests/myst_nbmake.py):
# OPTIMLAB_QUICK_TIMING=1 takes one timed repeat (after the warm-up), since the site
# build times everything in full anyway and the page tests check no ordering of timings
# (tests/myst_nbmake.py, TIMING_PAGE_ENV). tools/build.sh unsets it, so a published
# timing never comes from it.
QUICK_TIMING_ENV = "OPTIMLAB_QUICK_TIMING"
QUICK_REPEATS = 1


def quick_repeats(repeats: int, environ=None) -> int:
    """``repeats``, or at most ``QUICK_REPEATS`` when ``OPTIMLAB_QUICK_TIMING=1``.

    >>> quick_repeats(5, {}), quick_repeats(5, {QUICK_TIMING_ENV: "1"}), quick_repeats(1, {QUICK_TIMING_ENV: "1"})
    (5, 1, 1)
    """
    import os

    environ = os.environ if environ is None else environ
    return min(repeats, QUICK_REPEATS) if environ.get(QUICK_TIMING_ENV) == "1" else repeats


def refuse_compile_cache() -> None:
    """Raise if JAX's persistent compilation cache is on: a compile time measured with
    it would be the time to load a program compiled earlier, not to compile it.

    The build and the page tests share such a cache between the pages that time
    nothing (tools/execute_pages.py, ``jax_cache_env``); the pages that time something
    run without it, and every compile-time measurement calls this first.
    """
    import jax

    where = jax.config.jax_compilation_cache_dir
    if where:
        raise RuntimeError(
            f"compile times cannot be measured with JAX's persistent compilation cache "
            f"on (jax_compilation_cache_dir={where!r}): run without "
            f"JAX_COMPILATION_CACHE_DIR"
        )


_CACHE_EVENTS = {"hits": "/jax/compilation_cache/cache_hits",
                 "misses": "/jax/compilation_cache/cache_misses"}


def compile_cache_probe() -> list[dict[str, int]] | None:
    """JAX's persistent compilation cache at work in this process, or None when it is
    off (``jax_compilation_cache_dir`` unset, as in a reader's own session).

    Compiles one small program, drops JAX's in-memory copies (``jax.clear_caches``) and
    compiles it again, counting the disk cache's hits and misses with JAX's own
    monitoring events. Returns ``[first, second]``, each ``{"hits": h, "misses": m}``:
    the second compile is a hit when the cache works; the first is a miss unless
    another process (another page, another run) put the same program there already.
    """
    import jax.numpy as jnp
    from jax import monitoring

    if not jax.config.jax_compilation_cache_dir:
        return None
    counts = dict.fromkeys(_CACHE_EVENTS.values(), 0)

    def listen(event, **kwargs):
        if event in counts:
            counts[event] += 1

    program = jax.jit(lambda x: jnp.cumsum(jnp.sin(x)) @ x)
    x = jnp.linspace(0.0, 1.0, 7)
    compiles = []
    monitoring.register_event_listener(listen)
    try:
        for _ in range(2):
            before = dict(counts)
            program.lower(x).compile()
            compiles.append({name: counts[event] - before[event]
                             for name, event in _CACHE_EVENTS.items()})
            jax.clear_caches()
    finally:
        monitoring.unregister_event_listener(listen)
    return compiles


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
    repeats = quick_repeats(repeats)  # the test suite's quick mode; never in the build
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
# Pages time every device that JAX and PyTorch can use here, by name. For the tests,
# OPTIMLAB_FAKE_GPU=1 adds one *fake* accelerator to both lists, so that the pages' GPU
# branches (extra columns, ratios, plots, sentences) run on a machine without a GPU:
# "fake-gpu" is JAX's second CPU device (Python started with
# XLA_FLAGS=--xla_force_host_platform_device_count=2) and "fake-cuda" is PyTorch's CPU.
# The names say "fake" wherever they appear, and the site build refuses to run with the
# switch on (tools/notebooks.py), so a published page can never show one.

FAKE_GPU_ENV = "OPTIMLAB_FAKE_GPU"
FAKE_JAX_DEVICE = "fake-gpu"
FAKE_TORCH_DEVICE = "fake-cuda"
FAKE_XLA_FLAGS = "--xla_force_host_platform_device_count=2"


def fake_gpu(environ=None) -> bool:
    """True when the test switch ``OPTIMLAB_FAKE_GPU=1`` is on (``environ``: os.environ).

    >>> fake_gpu({FAKE_GPU_ENV: "1"}), fake_gpu({FAKE_GPU_ENV: "0"}), fake_gpu({})
    (True, False, False)
    """
    environ = os.environ if environ is None else environ
    return environ.get(FAKE_GPU_ENV, "") == "1"


def _fake_jax_device():
    cpus = jax.devices("cpu")
    if len(cpus) < 2:
        raise RuntimeError(
            f"{FAKE_GPU_ENV}=1 needs a second JAX CPU device to stand in for a GPU: "
            f"start Python with XLA_FLAGS={FAKE_XLA_FLAGS} (JAX reads it at start-up)"
        )
    return cpus[1]


def jax_devices() -> list[str]:
    """Platforms JAX can run on here, CPU first: ``['cpu']`` or ``['cpu', 'gpu']``.

    With the test switch on (:func:`fake_gpu`), ``'fake-gpu'`` comes last.
    """
    platforms = ["cpu"]
    for backend in ("gpu", "tpu"):
        try:
            if jax.devices(backend):
                platforms.append(backend)
        except RuntimeError:
            pass
    if fake_gpu():
        _fake_jax_device()  # fails here, saying how to fix it, without a second device
        platforms.append(FAKE_JAX_DEVICE)
    return platforms


def jax_device(name: str):
    """The JAX device behind a name from :func:`jax_devices` (its first device).

    >>> jax_device("cpu").platform
    'cpu'
    """
    if name not in jax_devices():
        raise ValueError(f"JAX has no device {name!r} here; jax_devices() is {jax_devices()}")
    return _fake_jax_device() if name == FAKE_JAX_DEVICE else jax.devices(name)[0]


def torch_devices() -> list[str]:
    """Devices PyTorch can run on here: ``['cpu']`` or ``['cpu', 'cuda']``.

    With the test switch on (:func:`fake_gpu`), ``'fake-cuda'`` comes last.
    """
    import torch

    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    if fake_gpu():
        devices.append(FAKE_TORCH_DEVICE)
    return devices


def torch_device(name: str):
    """The ``torch.device`` behind a name from :func:`torch_devices`.

    >>> torch_device("cpu")
    device(type='cpu')
    """
    import torch

    if name not in torch_devices():
        raise ValueError(f"PyTorch has no device {name!r} here; torch_devices() is {torch_devices()}")
    return torch.device("cpu" if name == FAKE_TORCH_DEVICE else name)


def jax_counterpart(torch_name: str) -> str | None:
    """The JAX device of the same kind as a PyTorch device, when JAX has it, else None.

    ``'cpu'`` pairs with ``'cpu'``, ``'cuda'`` with ``'gpu'``, ``'fake-cuda'`` with
    ``'fake-gpu'``.

    >>> jax_counterpart("cpu")
    'cpu'
    """
    kinds = {"cpu": "cpu", "cuda": "gpu", FAKE_TORCH_DEVICE: FAKE_JAX_DEVICE}
    if torch_name not in kinds:
        raise ValueError(f"unknown PyTorch device {torch_name!r}; expected one of {sorted(kinds)}")
    jax_name = kinds[torch_name]
    return jax_name if jax_name in jax_devices() else None
