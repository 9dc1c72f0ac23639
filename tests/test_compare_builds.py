"""tools/compare_builds.py: two builds glue the same values, marked timings excepted."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from compare_builds import differences  # noqa: E402


def out(text: str, reproducible: bool = True) -> dict:
    meta = {"scrapbook": {"name": "k", "mime_prefix": ""}}
    if not reproducible:
        meta["optimlab"] = {"reproducible": False}
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": meta}


def test_a_changed_value_is_reported():
    found = differences({"p": {"k": out("1.0")}}, {"p": {"k": out("1.5")}})
    assert found == ["p: k: '1.0' != '1.5'"]


def test_marked_values_and_equal_values_pass():
    first = {"p": {"k": out("1.0"), "t": out("0.3", reproducible=False)}}
    second = {"p": {"k": out("1.0"), "t": out("0.4", reproducible=False)}}
    assert differences(first, second) == []


def test_a_key_glued_by_one_build_only_is_reported():
    assert differences({"p": {"k": out("1")}}, {"p": {}}) == ["p: k is glued by one build only"]
