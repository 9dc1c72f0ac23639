"""Numbers of this build side by side with the numbers the lecture printed."""

from __future__ import annotations

import numpy as np
import pandas as pd


def relative_difference(a, b) -> float:
    """Largest ``|a / b - 1|`` over the elements of ``a`` and ``b`` (same shape).

    >>> relative_difference([2.0, 4.0], [2.0, 8.0])
    0.5
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a / b - 1)))


def against_lecture(ours: dict, lecture: dict, *, index_name: str | None = None) -> pd.DataFrame:
    """One row per key: the lecture's printed value, this build's, and their relative
    difference (absolute value). Both dicts must have the same keys.

    >>> t = against_lecture({"lm_loss": 10.0}, {"lm_loss": 10.0})
    >>> t.loc["lm_loss"].tolist()
    [10.0, 10.0, 0.0]
    """
    if set(ours) != set(lecture):
        raise ValueError(
            f"keys differ: only in ours {sorted(set(ours) - set(lecture), key=str)}, "
            f"only in the lecture's {sorted(set(lecture) - set(ours), key=str)}"
        )
    keys = list(lecture)
    table = pd.DataFrame(
        {
            "lecture": [float(lecture[key]) for key in keys],
            "this build": [float(ours[key]) for key in keys],
        },
        index=pd.Index(keys, name=index_name),
    )
    table["relative difference"] = (table["this build"] / table["lecture"] - 1).abs()
    return table


def styled(table: pd.DataFrame, digits: int = 15):
    """The comparison table formatted for a page: values to ``digits`` significant
    digits, relative differences in scientific notation."""
    fmt = {c: f"{{:.{digits}g}}" for c in table.columns if c != "relative difference"}
    fmt["relative difference"] = "{:.1e}"
    return table.style.format(fmt).set_table_attributes('class="dataframe"')
