"""Hand MyST markdown notebooks to nbmake: one pytest item per page."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
from nbmake.nb_run import NotebookRun
from nbmake.pytest_items import NotebookFailedException, NotebookFile, NotebookItem


def code_cell_number(nb, cell_index: int) -> int:
    """1-based number of the code cell at ``cell_index`` among the page's code cells."""
    return sum(1 for c in nb.cells[: cell_index + 1] if c.cell_type == "code")


class MystNotebookItem(NotebookItem):
    """Execute one MyST page (converted to a temporary notebook beside it)."""

    def runtest(self):
        option = self.config.option
        source = Path(self.filename)
        nb = jupytext.read(source)
        temp = source.with_name(f".nbmake_{source.stem}.ipynb")
        nbformat.write(nb, temp)
        try:
            res = NotebookRun(
                temp,
                option.nbmake_timeout,
                verbose=bool(option.verbose),
                kernel=option.nbmake_kernel,
            ).execute()
        finally:
            temp.unlink(missing_ok=True)
        if res.error is not None:
            n = code_cell_number(res.nb, res.error.failing_cell_index)
            res.error.summary = f"{source.name}, code cell {n}: {res.error.summary}"
            res.error.trace = f"page {source}, code cell {n}\n{res.error.trace}"
            raise NotebookFailedException(res)


class MystNotebookFile(NotebookFile):
    def collect(self):
        yield MystNotebookItem.from_parent(self, filename=str(self.path))
