"""Every number the lecture prints against this build's (``book/optimlab/lecture_values.yml``).

The pages recompute each number and glue it as ``lec-<key>`` (``display=False``); the
site build's executed notebooks hold those glue outputs. The site test compares every
non-random entry of the data file with its page's glued value, by the precision the
lecture printed (``tests/lecture_check.py``). The pages themselves assert nothing about
the lecture's digits: on other hardware (a laptop, a Colab GPU) a notebook runs to the
end. The unit tests below check the comparison rules and the data file, without a build.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tests.lecture_check import Printed, disagreement, load, mismatch_message

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
ENTRIES = load()


# --- the data file -------------------------------------------------------------------


def test_every_entry_names_a_page_that_glues_it():
    for e in ENTRIES.values():
        page = BOOK / f"{e.page}.md"
        assert page.is_file(), f"{e.key}: no page {page.name}"
        if e.kind == "random":
            continue
        text = page.read_text(encoding="utf-8")
        prefixes = re.findall(r'f"(lec-[A-Za-z0-9_]*)\{', text)  # glue(f"lec-x_{b}", ...)
        glued = f'"{e.glue_key}"' in text or any(e.glue_key.startswith(p) for p in prefixes)
        assert glued, f"{e.key}: {page.name} does not glue {e.glue_key}"


def test_keys_are_in_lecture_order_optax_first():
    keys = list(ENTRIES)
    assert keys[:2] == ["optax_version", "lm_loss"] and len(keys) == 46
    parts = [e.part for e in ENTRIES.values()]
    assert parts == sorted(parts, key=["Optax", "PyTorch"].index)


def test_the_data_file_refuses_what_it_cannot_compare(tmp_path):
    bad = tmp_path / "values.yml"
    bad.write_text("- {key: k, part: Optax, what: w, page: p, kind: exact, value: 1.0}\n")
    with pytest.raises(ValueError, match="kind must be one of"):
        load(bad)
    bad.write_text("- {key: k, part: Optax, what: w, page: p, kind: decimals, value: 1.0}\n")
    with pytest.raises(ValueError, match="needs places"):
        load(bad)
    bad.write_text("- {key: k, part: Optax, what: w, page: p, kind: float, value: 1.0,"
                   " digits: 3}\n")
    with pytest.raises(ValueError, match=r"unknown fields \['digits'\]"):
        load(bad)


def _distinctive_literals():
    """The lecture's floats printed with 9 or more significant digits."""
    out = set()
    for e in ENTRIES.values():
        values = e.value if isinstance(e.value, list) else [e.value]
        for v in values:
            if isinstance(v, float) and len(re.sub(r"[^0-9]", "", repr(v))) >= 9:
                out.add(repr(v))
    return out


def test_no_lecture_value_is_typed_outside_the_data_file():
    """A page may use a lecture value as data, written where it is used, on a line whose
    comment says it is the lecture's; nowhere else is one typed."""
    literals = _distinctive_literals()
    assert len(literals) > 20
    typed = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for folder in ("book", "tests", "tools", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".md", ".yml"} and path.name != "lecture_values.yml"
        and "_build" not in path.parts
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if any(lit in line for lit in literals)
        and "the lecture" not in line.partition("#")[2]
    ]
    assert not typed, "lecture values typed outside lecture_values.yml:\n" + "\n".join(typed)


# --- the comparison rules ------------------------------------------------------------

LM = ENTRIES["lm_loss"].value
GD = ENTRIES["gd_loss"].value  # printed to 4 decimals


@pytest.mark.parametrize(
    "key, ours, ok",
    [
        ("lm_loss", LM, True),
        ("lm_loss", LM * (1 + 0.5e-12), True),
        ("lm_loss", LM * (1 + 2e-12), False),
        ("gd_loss", GD - 0.00004, True),  # within half a unit of the 4th decimal
        ("gd_loss", [GD + 0.00004], True),  # a one-element list is that number
        ("gd_loss", GD + 0.0001, False),
        ("sgd_state", "(EmptyState(),\n EmptyState())", True),  # line breaks aside
        ("sgd_state", "(EmptyState(),)", False),
        ("torch_grid", "tensor([ 2.00000, 1.90000, 1.80000, 1.70000, 1.60000, 1.50000,"
         " 1.40000, 1.30000, 1.20000, 1.10000, 1.00000],\n requires_grad=True)", True),
        ("torch_rand", "anything", True),  # random: shown, never compared
        ("lm_loss", "not a number", False),
        ("first_update", [1.0, 2.0], False),  # the lecture prints 21 values
    ],
)
def test_comparison_follows_how_the_lecture_printed(key, ours, ok):
    assert (disagreement(ENTRIES[key], ours) is None) is ok


def test_significant_figures_are_judged_per_element():
    ours = list(ENTRIES["torch_params"].value)
    assert disagreement(ENTRIES["torch_params"], ours) is None
    ours[1] += 0.4e-7  # 1.68516e-02: the last printed figure is 1e-7; half of it is fine
    assert disagreement(ENTRIES["torch_params"], ours) is None
    ours[1] += 0.2e-7
    assert "the first at index 1" in disagreement(ENTRIES["torch_params"], ours)


def test_decimals_name_the_first_value_that_differs():
    ours = list(ENTRIES["first_update"].value)
    ours[3] += 1e-3
    assert disagreement(ENTRIES["first_update"], ours).startswith(
        "1 of 21 value(s) differ, the first at index 3")


def test_a_mismatch_names_key_page_lecture_value_and_build_value():
    e = ENTRIES["sgd_same_lr_10"]
    message = mismatch_message(e, e.value + 0.1)
    assert "'sgd_same_lr_10'" in message and "page minibatch_sgd" in message
    assert repr(e.value) in message and repr(e.value + 0.1) in message
    assert "relative difference" in message and "allowed" in message
    assert mismatch_message(e, e.value) is None


def test_printed_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        Printed("k", "Optax", "w", "problem", "exact", 1.0)


# --- this build against the lecture -----------------------------------------------------


def glued_values(notebook: Path) -> dict:
    """``{key: value}`` of every glue output of an executed notebook.

    MyST-NB's glue writes a ``display_data`` output whose metadata names the key
    (``metadata["scrapbook"]["name"]``) and whose data holds the value's ``repr`` under
    ``text/plain`` (``application/papermill.record/text/plain`` with ``display=False``).
    MyST-NB's executed notebooks leave out ``remove-cell`` cells and keep their glue
    outputs in ``<page>.glue.json`` beside the notebook; both are read.
    """
    outputs = []
    store = notebook.with_suffix(".glue.json")
    if store.is_file():
        outputs += json.loads(store.read_text(encoding="utf-8")).values()
    if notebook.is_file():
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        outputs += [o for cell in cells for o in cell.get("outputs", [])]
    values = {}
    for o in outputs:
        name = o.get("metadata", {}).get("scrapbook", {}).get("name")
        plain = [v for k, v in o.get("data", {}).items() if k.endswith("text/plain")]
        if name and plain:
            text = "".join(plain[0]) if isinstance(plain[0], list) else plain[0]
            try:
                values[name] = ast.literal_eval(text)
            except (SyntaxError, ValueError):
                values[name] = text
    return values


@pytest.mark.site
def test_every_lecture_number_agrees_with_this_build(built_site):
    executed = Path(built_site.executed)
    by_page: dict[str, dict] = {}
    problems = []
    for e in ENTRIES.values():
        if e.kind == "random":
            continue
        if e.page not in by_page:
            by_page[e.page] = glued_values(executed / "book" / f"{e.page}.ipynb")
        glued = by_page[e.page]
        if e.glue_key not in glued:
            problems.append(f"lecture number {e.key!r}: page {e.page} glued no {e.glue_key}")
            continue
        message = mismatch_message(e, glued[e.glue_key])
        if message:
            problems.append(message)
    assert not problems, "\n".join(problems)

