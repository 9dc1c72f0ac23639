"""The result type of every training run, in either framework, and tables of runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a table is made (a page may need none)
    import pandas as pd


class DivergedError(RuntimeError):
    """A training run whose loss blew up (see :attr:`History.diverged`)."""


@dataclass
class History:
    """What a training loop returns: the full-data loss trace and the final parameters.

    ``loss[i]`` is the full-data loss *before* step ``i``; the last entry is the loss
    after the final step, so ``len(loss) == steps + 1`` (the lecture's convention).
    ``epoch[i]`` is where in training ``loss[i]`` was recorded.

    A run has *diverged* when a recorded loss is not finite, or when it ends with a
    larger loss than it started with.
    """

    label: str
    batch_size: int
    epochs: int
    loss: np.ndarray
    epoch: np.ndarray
    params: np.ndarray
    framework: str = "optax"
    loop: str = "compiled"

    def __post_init__(self):
        self.loss = np.asarray(self.loss, dtype=np.float64)
        self.epoch = np.asarray(self.epoch, dtype=np.float64)
        self.params = np.asarray(self.params)
        if self.loss.shape != self.epoch.shape:
            raise ValueError(
                f"loss and epoch must have the same length, got {self.loss.shape} "
                f"and {self.epoch.shape}"
            )

    @property
    def final_loss(self) -> float:
        """Full-data loss after the last step (``inf`` if it overflowed or is nan)."""
        last = float(self.loss[-1])
        return last if np.isfinite(last) else float("inf")

    @property
    def diverged(self) -> bool:
        """True when a loss is not finite or the run ends above where it started."""
        return self.diverged_at is not None

    @property
    def diverged_at(self) -> float | None:
        """Epoch of the first non-finite loss, or the end if the run ended above its
        start; ``None`` for a run that did not diverge."""
        bad = ~np.isfinite(self.loss)
        if bad.any():
            return float(self.epoch[np.argmax(bad)])
        if self.loss[-1] > self.loss[0]:
            return float(self.epoch[-1])
        return None

    @property
    def status(self) -> str:
        """``'ok'`` or a plain sentence saying where the run diverged."""
        if not self.diverged:
            return "ok"
        if np.isfinite(self.loss).all():
            return f"diverged: loss grew from {self.loss[0]:.4g} to {self.loss[-1]:.4g}"
        return f"diverged: loss not finite from epoch {self.diverged_at:.3g}"

    def check(self) -> History:
        """Return ``self``, or raise :class:`DivergedError` saying what went wrong."""
        if self.diverged:
            raise DivergedError(
                f"{self.label} (batch size {self.batch_size}) {self.status}; "
                "try a smaller learning rate"
            )
        return self


def final_losses(histories, reference_loss: float | None = None) -> dict:
    """The lecture's summary dict: ``{'lm_loss': ..., label: final loss, ...}``.

    A diverged run's entry is its final loss (``inf`` when it overflowed).
    """
    out = {} if reference_loss is None else {"lm_loss": float(reference_loss)}
    out.update({h.label: h.final_loss for h in histories})
    return out


def results_table(histories, reference_loss: float | None = None) -> pd.DataFrame:
    """One row per run: batch size, epochs, final loss, excess over the optimum, status."""
    import pandas as pd

    rows = []
    for h in histories:
        row = {
            "run": h.label,
            "batch size": h.batch_size,
            "epochs": h.epochs,
            "final loss": h.final_loss,
        }
        if reference_loss is not None:
            row["excess over least squares"] = h.final_loss / reference_loss - 1
        row["status"] = h.status
        rows.append(row)
    columns = ["run", "batch size", "epochs", "final loss"]
    if reference_loss is not None:
        columns.append("excess over least squares")
    return pd.DataFrame(rows, columns=columns + ["status"]).set_index("run")
