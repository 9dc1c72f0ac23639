"""Every deterministic number Lecture 24 prints, written once, and how to check one.

The lecture's printed values live here and nowhere else in the repository. A content
page computes its numbers and calls :func:`check`, which

1. compares this build's value with the lecture's, by the rule that fits how the
   lecture printed it (all digits of a float, a fixed number of decimals, significant
   figures, or an exact printed text),
2. raises :class:`LectureMismatch` (an ``AssertionError``) naming the number when they
   disagree, so the build fails the day a number drifts,
3. glues this build's value, the difference and a status under ``lec-<key>-ours``,
   ``lec-<key>-diff`` and ``lec-<key>-status``, which the page
   ``lecture_numbers`` shows in one table (MyST-NB's cross-document glue).

>>> a = check("lm_loss", 10105.859508383426, glue_values=False)
>>> a.status, a.digits
('agrees', 17)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = ("float", "decimals", "significant", "text", "random")


@dataclass(frozen=True)
class Printed:
    """One number (or a vector or a printed text) the lecture shows.

    ``kind`` says how the lecture printed it, and so how this build is compared:

    * ``"float"``: a Python float's full ``repr``; agreement within relative ``rtol``.
    * ``"decimals"``: rounded to ``places`` decimals; agreement within half a unit of
      the last printed decimal, element by element.
    * ``"significant"``: ``places`` significant figures (``3.00966e+00``); agreement
      within half a unit of the last printed figure.
    * ``"text"``: a printed text (a tensor or state ``repr``); identical text, spaces
      and line breaks aside.
    * ``"random"``: an unseeded random draw: no build can reproduce it; shown, not
      compared.
    """

    key: str
    part: str  # "Optax" or "PyTorch"
    what: str  # what the number is, in words
    page: str  # the page that computes and checks it
    kind: str
    value: object
    places: int | None = None
    rtol: float = 1e-8
    note: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


def _p(key, part, what, page, kind, value, places=None, rtol=1e-8, note=""):
    return Printed(key, part, what, page, kind, value, places, rtol, note)


_FIRST_UPDATE = (
    7.1983, 1.8515, 1.1396, 1.7858, -2.8407, -0.1266, 0.1514, -0.4875, -0.2072,
    25.7022, 90.4929, 7.5036, 0.2313, 123.5414, 1.3136, 2.567, -0.4262, -1.2996,
    0.5124, -0.2265, 2.3771,
)  # fmt: skip
_GD_PARAMS = (
    3.0097, 0.0169, 0.0046, 0.0117, -0.008, 0.0029, 0.0275, -0.0024, -0.0021,
    12.268, 44.443, 3.6387, 0.0175, 61.3183, 0.0043, 0.0054, 0.0125, -0.0145,
    -0.0015, 0.0005, 0.0318,
)  # fmt: skip
_TORCH_PARAMS = (
    3.00966e00, 1.68516e-02, 4.60588e-03, 1.17352e-02, -8.00591e-03, 2.92673e-03,
    2.75073e-02, -2.41682e-03, -2.09060e-03, 1.22680e01, 4.44430e01, 3.63872e00,
    1.75074e-02, 6.13183e01, 4.31299e-03, 5.35222e-03, 1.24837e-02, -1.45383e-02,
    -1.50216e-03, 5.14881e-04, 3.18094e-02,
)  # fmt: skip
_JACOBIANS = {
    (0.0, 0.0): "(tensor([[3.]]), tensor([[0.]]))",
    (0.0, 1.0): "(tensor([[4.]]), tensor([[4.]]))",
    (1.0, 0.0): "(tensor([[3.]]), tensor([[1.]]))",
    (1.0, 1.0): "(tensor([[4.]]), tensor([[5.]]))",
}
_STEPS = {
    0: 59888326.6300, 5: 6266083.4579, 10: 669796.6821, 15: 80312.2264,
    20: 17645.4153, 25: 10922.7506, 30: 10195.1335,
}  # fmt: skip
_SGD_SAME_LR = {
    10: 10458.8010476452, 100: 10455.143628883325,
    1000: 10419.084076347228, 10000: 10195.133454434466,
}  # fmt: skip
_SGD_SCALED_LR = {
    10: 10963.709829142354, 100: 10365.713752947544,
    1000: 10116.327374495744, 10000: 10195.133454434466,
}  # fmt: skip
_ADAM_LR1 = {
    10: 24536.597439967307, 25: 12697.144058664155,
    50: 11484.064849550556, 100: 10385.231077560382,
}  # fmt: skip
_ADAM_LR01 = {
    10: 12462.56275387035, 25: 10545.409745819998,
    50: 10181.523600884477, 100: 217415.5995628308,
}  # fmt: skip
_ADAM_SCHED = {
    10: 11179.679407559443, 25: 11414.747137047098,
    50: 10754.985906532085, 100: 10341.367689453024,
}  # fmt: skip

_ENTRIES = [
    _p("optax_version", "Optax", "`optax.__version__`", "why_optax", "text", "'0.2.8'"),
    _p("lm_loss", "Optax", "`lm_loss`, the exact least-squares loss", "problem",
       "float", 10105.859508383426),
    _p("first_update", "Optax", "first SGD update (21 values; learning rate 1e-4)",
       "gradient_transformations", "decimals", _FIRST_UPDATE, 4),
    _p("sgd_state", "Optax", "`optax.sgd` state", "gradient_transformations", "text",
       "(EmptyState(), EmptyState())"),
    _p("gd_params", "Optax", "parameters after 30 steps of gradient descent (21 values)",
       "gradient_transformations", "decimals", _GD_PARAMS, 4),
    _p("gd_loss", "Optax", "`gd_loss`, loss at the 30th step", "gradient_transformations",
       "decimals", (10244.7649,), 4),
]


def _table(prefix, what, page, values, note=""):
    """One entry per batch size of a table the lecture printed as a dict."""
    return [_p(f"{prefix}_{b}", "Optax", what.format(b=b), page, "float", v, note=note)
            for b, v in values.items()]


_ENTRIES += _table("sgd_same_lr", "SGD, learning rate 1e-5, 30 epochs, batch size {b}",
                   "minibatch_sgd", _SGD_SAME_LR)
_ENTRIES += _table("sgd_scaled_lr", "SGD, the lecture's rate for batch size {b}",
                   "minibatch_sgd", _SGD_SCALED_LR)
_ENTRIES += _table("adam_lr1", "Adam, learning rate 1, batch size {b}", "adam_schedules",
                   _ADAM_LR1)
_ENTRIES += _table("adam_lr01", "Adam, learning rate 0.1, batch size {b}", "adam_schedules",
                   _ADAM_LR01)
_ENTRIES += _table("adam_sched", "Adam, exponential-decay schedule, batch size {b}",
                   "adam_schedules", _ADAM_SCHED, note="the schedule is computed in float32")
_ENTRIES += [
    _p("torch_eye", "PyTorch", "`torch.eye(3, dtype=torch.float64)`", "tensors", "text",
       "tensor([[1., 0., 0.], [0., 1., 0.], [0., 0., 1.]], dtype=torch.float64)"),
    _p("torch_tensor", "PyTorch", "a tensor from a list", "tensors", "text",
       "tensor([1, 2, 3])"),
    _p("torch_rand", "PyTorch", "`torch.rand(2, 3)` as a NumPy array", "tensors", "random",
       "array([[0.2837, 0.6567, 0.2388], [0.7313, 0.6012, 0.3043]], dtype=float32)"),
    _p("torch_numpy_ones", "PyTorch", "a tensor of ones as a NumPy array", "tensors",
       "text", "array([[1, 1], [1, 1]])"),
    _p("torch_inplace", "PyTorch", "in-place arithmetic on random tensors", "tensors",
       "random", "tensor([[1.29014, 1.87641], [2.62876, 2.09583]])"),
    _p("torch_grid", "PyTorch", "`linspace` grid with `requires_grad=True`", "autograd",
       "text",
       "tensor([2.00000, 1.90000, 1.80000, 1.70000, 1.60000, 1.50000, 1.40000, 1.30000, "
       "1.20000, 1.10000, 1.00000], requires_grad=True)"),
]
_ENTRIES += [
    _p(f"jacobian_{int(x)}{int(y)}", "PyTorch", f"Jacobian at x = {x}, y = {y}",
       "autograd", "text", text)
    for (x, y), text in _JACOBIANS.items()
]
_ENTRIES += [
    _p("hessian", "PyTorch", "Hessian (the same at every point)", "autograd", "text",
       "((tensor([[0.]]), tensor([[1.]])), (tensor([[1.]]), tensor([[4.]])))"),
]
_ENTRIES += [
    _p(f"by_hand_step_{s}", "PyTorch", f"gradient descent by hand, loss at step {s}",
       "regression_by_hand", "decimals", (v,), 4)
    for s, v in _STEPS.items()
]
_ENTRIES += [
    _p("torch_params", "PyTorch", "`nn.Parameter` after 30 steps of `optim.SGD` "
       "(21 values)", "modules_and_optim", "significant", _TORCH_PARAMS, 6),
    _p("torch_loss", "PyTorch", "`torch_loss` after 30 steps of `optim.SGD`",
       "modules_and_optim", "float", 10244.764879521514, rtol=1e-12),
]

PRINTED: dict[str, Printed] = {e.key: e for e in _ENTRIES}
"""Every number the lecture prints, by key, in the lecture's order."""

SGD_SAME_LR = {b: PRINTED[f"sgd_same_lr_{b}"].value for b in _SGD_SAME_LR}
SGD_SCALED_LR = {b: PRINTED[f"sgd_scaled_lr_{b}"].value for b in _SGD_SCALED_LR}
ADAM_LR1 = {b: PRINTED[f"adam_lr1_{b}"].value for b in _ADAM_LR1}
ADAM_LR01 = {b: PRINTED[f"adam_lr01_{b}"].value for b in _ADAM_LR01}
ADAM_SCHED = {b: PRINTED[f"adam_sched_{b}"].value for b in _ADAM_SCHED}
JACOBIANS = {p: PRINTED[f"jacobian_{int(p[0])}{int(p[1])}"].value for p in _JACOBIANS}
STEPS = {s: PRINTED[f"by_hand_step_{s}"].value[0] for s in _STEPS}


def value(key: str):
    """The lecture's printed value for ``key`` (a float, a tuple of floats or a text).

    >>> value("lm_loss")
    10105.859508383426
    """
    return _entry(key).value


class LectureMismatch(AssertionError):
    """This build's number does not agree with the lecture's printed one."""


@dataclass(frozen=True)
class Agreement:
    """How one number of this build compares with the lecture's."""

    key: str
    ours: object
    diff: float  # relative difference (float), max abs difference, or 0/1 for text
    ok: bool
    digits: int | None  # significant digits in common (kind "float" only)
    status: str


def _entry(key: str) -> Printed:
    try:
        return PRINTED[key]
    except KeyError:
        raise KeyError(f"the lecture prints no number called {key!r}") from None


def _normalise(text: str) -> str:
    return " ".join(str(text).split()).replace("[ ", "[").replace(" ]", "]")


def _as_floats(ours, n: int, key: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(ours, dtype=np.float64)).ravel()
    if arr.shape != (n,):
        raise ValueError(f"{key}: the lecture prints {n} value(s), got shape {arr.shape}")
    return arr


def common_digits(ours: float, printed: float) -> int:
    """Significant digits two floats share: 17 when they are the same float.

    >>> common_digits(1.0, 1.0), common_digits(1.0 + 3e-9, 1.0)
    (17, 8)
    """
    if ours == printed:
        return 17
    rel = abs(ours / printed - 1)
    return max(0, min(16, int(math.floor(-math.log10(rel)))))


def compare(key: str, ours) -> Agreement:
    """Compare this build's ``ours`` with the lecture's number ``key`` (no side effects)."""
    e = _entry(key)
    if e.kind == "random":
        return Agreement(key, ours, float("nan"), True, None, "not reproducible")
    if e.kind == "text":
        ok = _normalise(ours) == _normalise(e.value)
        return Agreement(key, str(ours), 0.0 if ok else 1.0, ok, None,
                         "identical text" if ok else "different text")
    printed = np.asarray(e.value, dtype=np.float64)
    arr = _as_floats(ours, printed.size, key)
    if e.kind == "float":
        diff = float(abs(arr[0] / printed.ravel()[0] - 1))
        ok = diff <= e.rtol
        digits = common_digits(float(arr[0]), float(printed.ravel()[0]))
        status = "agrees" if ok else "disagrees"
        return Agreement(key, float(arr[0]), diff, ok, digits, status)
    if e.kind == "decimals":
        half = 0.5 * 10.0 ** -e.places
    else:  # significant
        exponent = np.floor(np.log10(np.abs(printed)))
        half = 0.5 * 10.0 ** (exponent - (e.places - 1))
    err = np.abs(arr - printed.ravel())
    ok = bool(np.all(err <= half * (1 + 1e-9)))
    what = "decimals" if e.kind == "decimals" else "significant figures"
    status = f"agrees to the printed {e.places} {what}" if ok else "disagrees"
    ours_out = float(arr[0]) if arr.size == 1 else tuple(arr.tolist())
    return Agreement(key, ours_out, float(err.max()), ok, None, status)


def _format(e: Printed, v) -> str:
    if e.kind in ("text", "random"):
        return str(v)
    if e.kind == "float":
        return repr(float(v))
    vals = np.atleast_1d(np.asarray(v, dtype=np.float64))
    fmt = f"{{:.{e.places}f}}" if e.kind == "decimals" else f"{{:.{e.places - 1}e}}"
    shown = ", ".join(fmt.format(x) for x in vals[:3])
    return shown + (f", ... ({vals.size} values)" if vals.size > 3 else "")


def _format_diff(e: Printed, a: Agreement) -> str:
    if e.kind == "random":
        return "n/a"
    if e.kind == "text":
        return "none" if a.ok else "text differs"
    if e.kind == "float":
        return f"{a.diff:.1e} (relative)"
    return f"{a.diff:.1e} (largest absolute)"


def check(key: str, ours, *, glue_values: bool = True) -> Agreement:
    """Compare, fail loudly on disagreement, and glue the result for the numbers page.

    Raises :class:`LectureMismatch` naming the number, the lecture's value and ours.
    """
    e = _entry(key)
    a = compare(key, ours)
    if not a.ok:
        raise LectureMismatch(
            f"lecture number {key!r} ({e.what}): the lecture printed {_format(e, e.value)}, "
            f"this build gives {_format(e, a.ours)} ({_format_diff(e, a)}; allowed: "
            f"{_allowed(e)})"
        )
    if glue_values:
        from .gluing import glue

        glue(f"lec-{key}-ours", _format(e, a.ours), display=False)
        glue(f"lec-{key}-diff", _format_diff(e, a), display=False)
        glue(f"lec-{key}-status", a.status, display=False)
    return a


def check_all(values: dict, *, glue_values: bool = True) -> list[Agreement]:
    """:func:`check` for each ``{key: ours}``; returns the agreements in order."""
    return [check(k, v, glue_values=glue_values) for k, v in values.items()]


def _allowed(e: Printed) -> str:
    if e.kind == "float":
        return f"relative difference <= {e.rtol:g}"
    if e.kind == "decimals":
        return f"half a unit of decimal {e.places}"
    if e.kind == "significant":
        return f"half a unit of significant figure {e.places}"
    return "the same text"


def fewest_digits(agreements) -> int:
    """The fewest significant digits in common over float agreements (for prose).

    >>> fewest_digits([compare("lm_loss", 10105.859508383426)])
    17
    """
    digits = [a.digits for a in agreements if a.digits is not None]
    if not digits:
        raise ValueError("no float agreements given (digits exist for kind 'float' only)")
    return min(digits)


def entries(page: str | None = None) -> list[Printed]:
    """The lecture's numbers, in order; only those checked on ``page`` if given."""
    return [e for e in PRINTED.values() if page is None or e.page == page]


def numbers_table_markdown(part: str) -> str:
    """A MyST table of the lecture's numbers of one part (``"Optax"``/``"PyTorch"``).

    This build's value, the difference and the status are cross-document glue
    references to the page that computed them (``page.md::lec-<key>-ours``), so the
    table shows exactly what those pages computed in this build.
    """
    rows = [
        "| lecture number (computed on) | the lecture printed | this build | agreement |",
        "| --- | --- | --- | --- |",
    ]
    for e in entries():
        if e.part != part:
            continue
        printed = _format(e, e.value).replace("|", "\\|")
        if e.kind == "random":
            ours = "n/a"
            agreement = "not reproducible: an unseeded random draw"
        else:
            ref = f"{e.page}.md::lec-{e.key}"
            # ":s" is needed: MyST-NB splits the format spec at the last colon.
            ours = f"{{glue:text}}`{ref}-ours:s`"
            agreement = f"{{glue:text}}`{ref}-status:s`; {{glue:text}}`{ref}-diff:s`"
            if e.note:
                agreement += f" ({e.note})"
        rows.append(f"| {e.what} ({{doc}}`{e.page}`) | `{printed}` | {ours} | {agreement} |")
    return "\n".join(rows)
