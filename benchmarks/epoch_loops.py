"""Benchmark: seconds per training epoch, fast loops against the lecture's loops.

Measures, side by side in one run and on every device present:

* Optax, for SGD and for Adam with the lecture's exponential-decay schedule: the
  lecture's Python loop (``optimlab.optax_fit.optax_optimize``) against the compiled
  loop (``optimlab.optax_fit.CompiledLoop``, compile time reported apart);
* PyTorch, for SGD: the ``DataLoader`` loop against the loop over pre-gathered batches
  (``optimlab.torch_fit.fit_torch`` with ``loader="dataloader"`` / ``"pregathered"``).

Every epoch, like the lecture's, records the full-data loss before each step. Timings go
through ``optimlab.timing.time_call`` (one warm-up, device synchronisation, median and
spread of ``--repeats`` epochs). Ratios are slow / fast: ``lecture / compiled`` and
``DataLoader / pre-gathered``. The target is a compiled loop at least 200 times faster
than the lecture's at batch size 10.

This is a benchmark, not a test: it asserts nothing about speed. Run it with::

    make bench                                     # the lecture's problem, batch sizes 10 and 100
    .venv/bin/python benchmarks/epoch_loops.py --repeats 3 --batch-sizes 10 100 1000 --json bench.json

``main()`` returns the results as a dict (the JSON file holds the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "book") not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT / "book"))

import optax  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from optimlab.data import make_problem  # noqa: E402
from optimlab.machine import machine_report  # noqa: E402
from optimlab.runtime import time_epoch_optax, time_epoch_torch  # noqa: E402
from optimlab.timing import Timing, jax_devices, torch_devices  # noqa: E402

# The lecture's SGD learning rate for each batch size (its timing cell's pairs).
SGD_LEARNING_RATES = {10: 5e-3, 100: 1e-3, 1000: 1e-4, 10000: 1e-5}
TARGET_BATCH_SIZE, TARGET_RATIO = 10, 200


def sgd_learning_rate(batch_size: int) -> float:
    """The lecture's SGD learning rate for ``batch_size``; ``0.05 / batch_size`` otherwise.

    >>> sgd_learning_rate(10), sgd_learning_rate(100), sgd_learning_rate(20)
    (0.005, 0.001, 0.0025)
    """
    return SGD_LEARNING_RATES.get(batch_size, 0.05 / batch_size)


def adam_with_decay() -> optax.GradientTransformation:
    """The lecture's Adam: ``exponential_decay(1, 100, 0.9)``, b1=0.9, b2=0.999, eps=1e-8."""
    schedule = optax.schedules.exponential_decay(init_value=1, transition_steps=100, decay_rate=0.9)
    return optax.adam(learning_rate=schedule, b1=0.9, b2=0.999, eps=1e-8)


OPTAX_OPTIMIZERS = {
    "sgd": lambda batch_size: optax.sgd(sgd_learning_rate(batch_size)),
    "adam + exponential decay": lambda batch_size: adam_with_decay(),
}


def timing_dict(timing: Timing) -> dict:
    """A :class:`~optimlab.timing.Timing` as plain JSON-ready numbers."""
    return {
        "label": timing.label,
        "device": timing.device,
        "median": timing.median,
        "spread": timing.spread,
        "seconds": list(timing.seconds),
        "compile_s": timing.compile_s,
    }


def bench_optax(problem, optimizer_name: str, batch_size: int, *, device: str = "cpu", repeats: int = 5) -> dict:
    """Time one epoch of the lecture's loop and of the compiled loop.

    Returns ``{"lecture": timing, "compiled": timing, "ratio": lecture / compiled}``
    with each timing as :func:`timing_dict`.
    """
    make = OPTAX_OPTIMIZERS[optimizer_name]
    lecture = time_epoch_optax(problem, make(batch_size), batch_size, loop="lecture", device=device, repeats=repeats)
    compiled = time_epoch_optax(problem, make(batch_size), batch_size, loop="compiled", device=device, repeats=repeats)
    return {
        "lecture": timing_dict(lecture),
        "compiled": timing_dict(compiled),
        "ratio": lecture.median / compiled.median,
    }


def bench_torch(problem, batch_size: int, *, device: str = "cpu", repeats: int = 5) -> dict:
    """Time one epoch of ``torch.optim.SGD`` with the ``DataLoader`` and pre-gathered loops.

    Returns ``{"dataloader": timing, "pregathered": timing, "ratio": dataloader /
    pregathered}``.
    """
    lr = sgd_learning_rate(batch_size)

    def make_optimizer(params):
        return torch.optim.SGD(params, lr=lr)

    timings = {
        loader: time_epoch_torch(problem, make_optimizer, batch_size, loader=loader, device=device, repeats=repeats)
        for loader in ("dataloader", "pregathered")
    }
    return {
        "dataloader": timing_dict(timings["dataloader"]),
        "pregathered": timing_dict(timings["pregathered"]),
        "ratio": timings["dataloader"].median / timings["pregathered"].median,
    }


def run(problem, batch_sizes=(10, 100), *, repeats: int = 5, optimizers=tuple(OPTAX_OPTIMIZERS), progress=None) -> dict:
    """Run every measurement on ``problem``; return the nested results dict.

    ``results["optax"][optimizer][batch_size][device]`` is a :func:`bench_optax` dict;
    ``results["torch"]["sgd"][batch_size][device]`` is a :func:`bench_torch` dict.
    ``progress``, if given, is called with a line of text after each measurement.
    """
    results = {"n_samples": problem.n, "batch_sizes": list(batch_sizes), "repeats": repeats, "optax": {}, "torch": {"sgd": {}}}
    for name in optimizers:
        results["optax"][name] = {}
        for bs in batch_sizes:
            results["optax"][name][bs] = {}
            for device in jax_devices():
                r = bench_optax(problem, name, bs, device=device, repeats=repeats)
                results["optax"][name][bs][device] = r
                if progress:
                    progress(f"optax {name}, batch size {bs}, {device}: lecture / compiled = {r['ratio']:.0f}x")
    for bs in batch_sizes:
        results["torch"]["sgd"][bs] = {}
        for device in torch_devices():
            r = bench_torch(problem, bs, device=device, repeats=repeats)
            results["torch"]["sgd"][bs][device] = r
            if progress:
                progress(f"torch sgd, batch size {bs}, {device}: DataLoader / pre-gathered = {r['ratio']:.1f}x")
    return results


def results_frame(results: dict) -> pd.DataFrame:
    """One row per optimizer, batch size and device; JAX and PyTorch side by side."""
    rows = []
    for name, by_bs in results["optax"].items():
        for bs, by_device in by_bs.items():
            for device, r in by_device.items():
                row = {
                    "optimizer": name,
                    "batch size": bs,
                    "device": device,
                    "lecture loop (s)": r["lecture"]["median"],
                    "compiled (s)": r["compiled"]["median"],
                    "compile (s)": r["compiled"]["compile_s"],
                    "lecture / compiled": r["ratio"],
                }
                torch_r = results["torch"].get(name, {}).get(bs, {}).get(device.replace("gpu", "cuda"))
                if torch_r is not None:
                    row.update(
                        {
                            "torch DataLoader (s)": torch_r["dataloader"]["median"],
                            "torch pre-gathered (s)": torch_r["pregathered"]["median"],
                            "DataLoader / pre-gathered": torch_r["ratio"],
                        }
                    )
                rows.append(row)
    return pd.DataFrame(rows).set_index(["optimizer", "batch size", "device"])


def format_machine(report: dict) -> str:
    """The machine lines printed at the top of the benchmark."""
    keys = ["CPU", "CPU cores usable by this process", "memory (GiB)", "GPU", "JAX devices", "torch sees CUDA",
            "jax version", "optax version", "torch version"]
    return "\n".join(f"{k}: {report[k]}" for k in keys if k in report)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per measurement (default 5)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100], metavar="B",
                        help="batch sizes to time (default: 10 100)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results to this JSON file")
    parser.add_argument("--n-samples", type=int, default=10_000,
                        help="rows of the regression problem (default: the lecture's 10000; smaller for a quick try)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    bad = [b for b in args.batch_sizes if not 1 <= b <= args.n_samples]
    if bad:
        parser.error(f"--batch-sizes must be between 1 and --n-samples ({args.n_samples}), got {bad}")
    return args


def main(argv=None) -> dict:
    """Print the machine, run the benchmark, print the table; return the results."""
    args = parse_args(argv)
    report = machine_report()
    print("Machine", format_machine(report), sep="\n", flush=True)
    problem = make_problem(n_samples=args.n_samples)
    print(f"\nProblem: {problem.n} rows x {problem.k} columns; {args.repeats} timed epochs per "
          "measurement (after one warm-up); medians in seconds per epoch.\n", flush=True)
    results = run(problem, args.batch_sizes, repeats=args.repeats, progress=lambda line: print(line, flush=True))
    results["machine"] = report
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
        print("\n" + results_frame(results).to_string())
    if TARGET_BATCH_SIZE in args.batch_sizes:
        for name, by_bs in results["optax"].items():
            for device, r in by_bs[TARGET_BATCH_SIZE].items():
                verdict = "met" if r["ratio"] >= TARGET_RATIO else "NOT met"
                print(f"target (compiled >= {TARGET_RATIO}x faster at batch size {TARGET_BATCH_SIZE}), "
                      f"{name}, {device}: {r['ratio']:.0f}x, {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"\nresults written to {args.json}")
    return results


if __name__ == "__main__":
    main()
