"""The fixed cost of a page: what every page pays before its own work (issue 14).

Executes small notebooks the way the site build does (a fresh IPython kernel each, with
nbclient, in ``book/``) and prints the median wall time of each, with the machine's
load average, so that the numbers say under what load they were taken, and the CPU
seconds the kernel process used (user + system, start-up included), which a busy
machine disturbs far less than the wall time:

* ``kernel``: a page with one empty cell (kernel start-up and shutdown);
* ``first cell``: the usual first cell (JAX in float64, ``glue``);
* ``+ problem``: plus the lecture's problem and its least-squares answer;
* ``+ torch`` and ``+ pyplot``: what a PyTorch page or a page with figures adds.

The kernel stops as in the build (``--shutdown immediate``, tools/execute_pages.py);
``--shutdown graceful`` (nbclient's and MyST-NB's default) shows what a graceful stop
adds to the wall time: the kernel tearing down torch, JAX and pyplot.

usage: .venv/bin/python tools/page_cost.py [--repeats N] [--shutdown HOW] [--book DIR ...]
(``--book`` points at another ``book/`` folder, e.g. one with an older ``optimlab``;
with several, the runs alternate between them, so that a changing load hits all alike.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
FIRST = (
    "import jax\n"
    'jax.config.update("jax_enable_x64", True)\n'
    "from optimlab.gluing import glue"
)
PROBLEM = (
    "from optimlab.data import least_squares, make_problem\n"
    "problem = make_problem()\n"
    "beta_hat, lm_loss = least_squares(problem)"
)
CASES = {
    "kernel": ["pass"],
    "first cell": [FIRST],
    "+ problem": [FIRST, PROBLEM],
    "+ problem + torch": [FIRST, PROBLEM, "import torch"],
    "+ problem + pyplot": [FIRST, PROBLEM, "import matplotlib.pyplot as plt"],
}


CPU_CELL = (
    "import resource as _r\n"
    "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
    "print(_u.ru_utime + _u.ru_stime)"
)


def run(cells: list[str], book: Path, shutdown: str = "immediate") -> tuple[float, float]:
    """(wall seconds, kernel CPU seconds) of one fresh-kernel execution of ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in [*cells, CPU_CELL]]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("MPLBACKEND", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, shutdown_kernel=shutdown).execute(cwd=str(book), env=env)
    wall = time.perf_counter() - start
    return wall, float(nb.cells[-1].outputs[0]["text"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--book", type=Path, action="append")
    parser.add_argument("--shutdown", choices=("immediate", "graceful"), default="immediate")
    args = parser.parse_args()
    books = args.book or [ROOT / "book"]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()}; "
          f"kernels stopped: {args.shutdown}")
    times = {(name, book): [] for name in CASES for book in books}
    for _ in range(args.repeats):
        for name, cells in CASES.items():
            for book in books:
                times[name, book].append(run(cells, book, args.shutdown))
    for book in books:
        print(f"book: {book}")
        for name in CASES:
            wall = [w for w, _ in times[name, book]]
            cpu = [c for _, c in times[name, book]]
            print(f"{name:>20}: wall median {statistics.median(wall):5.2f} s "
                  f"({', '.join(f'{x:.2f}' for x in wall)}); kernel CPU median "
                  f"{statistics.median(cpu):5.2f} s")
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
