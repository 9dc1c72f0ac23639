"""optimlab.lecture: the lecture's printed numbers, written once, and their checks."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from optimlab import lecture
from tests.test_pages import toc_files

ROOT = Path(__file__).resolve().parents[1]


def test_every_number_names_a_page_of_the_book():
    pages = {Path(f).name for f in toc_files()}
    for e in lecture.entries():
        assert e.page in pages, f"{e.key}: page {e.page!r} is not in _toc.yml"


def test_keys_are_unique_and_in_lecture_order():
    keys = [e.key for e in lecture.entries()]
    assert len(keys) == len(set(keys))
    assert keys[:2] == ["optax_version", "lm_loss"]
    assert [e.part for e in lecture.entries()] == sorted(
        (e.part for e in lecture.entries()), key=["Optax", "PyTorch"].index
    )


LM = lecture.value("lm_loss")
GD = lecture.value("gd_loss")[0]  # printed to 4 decimals


@pytest.mark.parametrize(
    "key, ours, ok",
    [
        ("lm_loss", LM, True),
        ("lm_loss", LM * (1 + 2e-8), False),
        ("gd_loss", GD - 0.00004, True),  # within half a unit of the 4th decimal
        ("gd_loss", GD + 0.0001, False),
        ("sgd_state", "(EmptyState(),\n EmptyState())", True),  # line breaks aside
        ("sgd_state", "(EmptyState(),)", False),
        ("torch_rand", "anything", True),  # random: shown, never compared
    ],
)
def test_compare_follows_how_the_lecture_printed(key, ours, ok):
    assert lecture.compare(key, ours).ok is ok


def test_significant_figures_are_judged_per_element():
    ours = list(lecture.value("torch_params"))
    assert lecture.compare("torch_params", ours).ok
    ours[1] += 0.6e-7  # 1.68516e-02: last printed figure is 1e-7
    assert not lecture.compare("torch_params", ours).ok


def test_check_fails_loudly_naming_the_number():
    printed = lecture.value("sgd_same_lr_10")
    with pytest.raises(lecture.LectureMismatch, match=f"sgd_same_lr_10.*{printed!r}"):
        lecture.check("sgd_same_lr_10", printed + 0.1, glue_values=False)


def test_bad_input_gets_a_clear_error():
    with pytest.raises(KeyError, match="prints no number called 'nope'"):
        lecture.check("nope", 1.0, glue_values=False)
    with pytest.raises(ValueError, match="prints 21 value"):
        lecture.compare("first_update", [1.0, 2.0])
    with pytest.raises(ValueError, match="kind must be one of"):
        lecture.Printed("k", "Optax", "w", "problem", "exact", 1.0)


def test_fewest_digits_counts_float_agreement_only():
    a = lecture.compare("lm_loss", LM * (1 + 3e-12))
    text = lecture.compare("sgd_state", "(EmptyState(), EmptyState())")
    assert lecture.fewest_digits([a, text]) == 11
    with pytest.raises(ValueError, match="no float agreements"):
        lecture.fewest_digits([])


def test_numbers_table_pastes_from_the_computing_pages():
    table = lecture.numbers_table_markdown("Optax")
    assert "{glue:text}`minibatch_sgd.md::lec-sgd_same_lr_10-ours:s`" in table
    rows = [r for r in table.splitlines()[2:]]
    assert len(rows) == len([e for e in lecture.entries() if e.part == "Optax"])


def _distinctive_literals():
    """The lecture's floats printed with 9 or more significant digits, as written."""
    out = set()
    for e in lecture.entries():
        vals = e.value if isinstance(e.value, tuple) else (e.value,)
        for v in vals:
            if isinstance(v, float) and len(re.sub(r"[^0-9]", "", repr(v))) >= 9:
                out.add(repr(v))
    return out


def test_no_lecture_value_is_typed_twice_in_the_repository():
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    literals = _distinctive_literals()
    assert len(literals) > 20
    typed = []
    for name in files:
        path = ROOT / name
        if name == "book/optimlab/lecture.py" or path.suffix not in {".py", ".md", ".yml"}:
            continue
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        typed += [f"{name}: {lit}" for lit in literals if lit in text]
    assert not typed, "lecture values typed outside optimlab/lecture.py:\n" + "\n".join(typed)
