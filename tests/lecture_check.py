"""The lecture's printed numbers (``book/optimlab/lecture_values.yml``) and how to compare one.

Each entry says how the lecture printed its number, and so how a build's value is
compared with it (``kind``):

* ``float``: a Python float's full ``repr``; agreement within relative ``rtol``.
* ``decimals``: rounded to ``places`` decimals; agreement within half a unit of the
  last printed decimal, element by element.
* ``significant``: ``places`` significant figures (``3.00966e+00``); agreement within
  half a unit of the last printed figure.
* ``text``: a printed text (a tensor or state ``repr``); identical text, spaces and
  line breaks aside.
* ``random``: an unseeded random draw: no build can reproduce it; never compared.

Pages glue this build's value as ``lec-<key>`` (``tests/test_lecture_numbers.py``
reads them from the site build's executed notebooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

VALUES = Path(__file__).resolve().parents[1] / "book" / "optimlab" / "lecture_values.yml"
KINDS = ("float", "decimals", "significant", "text", "random")
FIELDS = ("key", "part", "what", "page", "kind", "value", "places", "rtol", "note")


@dataclass(frozen=True)
class Printed:
    """One number (or a vector or a printed text) the lecture shows."""

    key: str
    part: str  # "Optax" or "PyTorch"
    what: str  # what the number is, in words
    page: str  # the page that recomputes it and glues lec-<key>
    kind: str
    value: object
    places: int | None = None
    rtol: float = 1e-8
    note: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind in ("decimals", "significant") and not self.places:
            raise ValueError(f"{self.key}: kind {self.kind!r} needs places")

    @property
    def glue_key(self) -> str:
        return f"lec-{self.key}"


def load(path: Path = VALUES) -> dict[str, Printed]:
    """Every entry of the data file, by key, in the lecture's order."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for entry in entries:
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise ValueError(f"{entry.get('key')}: unknown fields {sorted(unknown)}")
        printed = Printed(**entry)
        if printed.key in out:
            raise ValueError(f"{printed.key}: listed twice")
        out[printed.key] = printed
    return out


def normalise(text) -> str:
    """A printed text without the differences that printing makes (spaces, breaks)."""
    return " ".join(str(text).split()).replace("[ ", "[").replace(" ]", "]")


def _floats(value) -> np.ndarray:
    return np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()


def allowed(e: Printed) -> str:
    """The tolerance of an entry, in words."""
    return {
        "float": f"relative difference <= {e.rtol:g}",
        "decimals": f"half a unit of decimal {e.places}",
        "significant": f"half a unit of significant figure {e.places}",
    }.get(e.kind, "the same text")


def disagreement(e: Printed, ours) -> str | None:
    """None when this build's ``ours`` agrees with the lecture's number, else why not.

    ``random`` entries always agree (they are never compared).
    """
    if e.kind == "random":
        return None
    if e.kind == "text":
        if normalise(ours) == normalise(e.value):
            return None
        return "the texts differ"
    printed = _floats(e.value)
    try:
        arr = _floats(ours)
    except (TypeError, ValueError):
        return f"not a number or a list of numbers: {ours!r}"
    if arr.shape != printed.shape:
        return f"the lecture prints {printed.size} value(s), the build has {arr.size}"
    if e.kind == "float":
        diff = float(abs(arr[0] / printed[0] - 1))
        return None if diff <= e.rtol else f"relative difference {diff:.1e}"
    if e.kind == "decimals":
        half = np.full(printed.shape, 0.5 * 10.0 ** -e.places)
    else:  # significant
        exponent = np.floor(np.log10(np.abs(np.where(printed == 0, 1.0, printed))))
        half = 0.5 * 10.0 ** (exponent - (e.places - 1))
    err = np.abs(arr - printed)
    bad = np.flatnonzero(~(err <= half * (1 + 1e-9)))
    if not bad.size:
        return None
    i = int(bad[0])
    return (f"{bad.size} of {arr.size} value(s) differ, the first at index {i}: "
            f"{arr[i]!r} against {printed[i]!r}")


def mismatch_message(e: Printed, ours) -> str | None:
    """A message naming key, page, lecture value and build value, or None if they agree."""
    why = disagreement(e, ours)
    if why is None:
        return None
    return (f"lecture number {e.key!r} ({e.what}, page {e.page}): the lecture printed "
            f"{e.value!r}, this build glued {ours!r}: {why} (allowed: {allowed(e)})")
