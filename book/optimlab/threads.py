"""CPU threads, like for like: PyTorch and XLA each on one thread, or each on its pool.

PyTorch's thread count can be changed at any time (``torch.set_num_threads``). XLA's CPU
thread pool is fixed when JAX starts, by the ``XLA_FLAGS`` environment variable, so a
JAX timing on one thread needs a fresh Python process: :func:`time_compiled_subprocess`
starts one with the flags, times the compiled Optax epoch there and hands the timings
back. The subprocess imports JAX only (not PyTorch), to keep its start-up short.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .data import Problem
from .timing import Timing, quick_repeats

#: XLA flags for a CPU computation on a single thread (Eigen's matrix products included).
ONE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

_CHILD = r"""
import json, sys, time
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import optax
from optimlab.data import Problem
from optimlab.optax_fit import CompiledLoop, _initial_params
from optimlab.timing import refuse_compile_cache
refuse_compile_cache()  # compile times below

args = json.loads(sys.argv[1])
data = np.load(args["data"])
problem = Problem(X=data["X"], y=data["y"], coef=data["coef"])
out = {}
for bs, lr in args["pairs"]:
    opt = optax.sgd(lr)
    loop = CompiledLoop(problem, opt, batch_size=bs, seed=args["seed"])
    params = _initial_params(problem, None)
    state = opt.init(params)
    compile_s = loop.compile(params)
    jax.block_until_ready(loop.epoch(params, state))  # warm-up
    seconds = []
    for _ in range(args["repeats"]):
        start = time.perf_counter()
        jax.block_until_ready(loop.epoch(params, state))
        seconds.append(time.perf_counter() - start)
    out[str(bs)] = {"seconds": seconds, "compile_s": compile_s}
print(json.dumps(out))
"""


def time_compiled_subprocess(
    problem: Problem,
    pairs,
    *,
    xla_flags: str = ONE_THREAD_XLA_FLAGS,
    repeats: int = 5,
    seed: int = 1234,
    label: str = "optax compiled (cpu, 1 thread)",
    timeout: float = 600,
):
    """Seconds per compiled Optax SGD epoch, measured in a new process with ``xla_flags``.

    ``pairs`` is a list of ``(batch_size, learning_rate)``. Returns ``{batch_size:
    Timing}``: one warm-up epoch, then ``repeats`` timed epochs (each waited for with
    ``block_until_ready``), compile time apart. The epoch is the one
    :func:`optimlab.runtime.time_epoch_optax` times with ``loop="compiled"``.
    """
    pairs = [(int(bs), float(lr)) for bs, lr in pairs]
    if not pairs:
        raise ValueError("pairs must name at least one (batch_size, learning_rate)")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a whole number >= 1, got {repeats!r}")
    repeats = quick_repeats(repeats)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, XLA_FLAGS=xla_flags)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_parent, env.get("PYTHONPATH", "")) if p
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "problem.npz")
        np.savez(data, X=problem.X, y=problem.y, coef=problem.coef)
        args = json.dumps({"data": data, "pairs": pairs, "repeats": repeats, "seed": seed})
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, args],
            env=env, capture_output=True, text=True, timeout=timeout,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the timing subprocess failed:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        bs: Timing(label, "cpu", tuple(out[str(bs)]["seconds"]), out[str(bs)]["compile_s"])
        for bs, _ in pairs
    }

