import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
import torch

from optimlab.gluing import plain

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from compare_builds import reproducible  # noqa: E402  (what reads the mark)


def test_array_scalars_become_python_numbers():
    for value, expected in [
        (np.float64(0.25), 0.25),
        (np.int64(7), 7),
        (jnp.asarray(1.5), 1.5),
        (torch.tensor(2.5, dtype=torch.float64), 2.5),
        (np.array(3.0), 3.0),
    ]:
        out = plain(value)
        assert type(out) in (int, float) and out == expected, (value, out)
        assert f"{out:.2f}" == f"{expected:.2f}"


def test_everything_else_is_left_alone():
    arr = np.arange(3)
    assert plain(arr) is arr
    assert plain("No GPU") == "No GPU"
    assert plain(4) == 4


def capture(monkeypatch):
    """Record what both glue paths hand to IPython's display, instead of displaying."""
    import myst_nb.ext.glue

    from optimlab import gluing

    calls = []

    def fake_display(bundle, raw, metadata):
        calls.append((bundle, raw, metadata))

    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", fake_display)
    monkeypatch.setattr(gluing, "_display", fake_display)
    return calls


@pytest.mark.parametrize("display", [False, True])
def test_glue_writes_what_myst_nbs_own_glue_writes(monkeypatch, display):
    import myst_nb

    from optimlab.gluing import glue

    calls = capture(monkeypatch)
    myst_nb.glue("k", 0.125, display=display)
    glue("k", np.float64(0.125), display=display)
    assert calls[0] == calls[1]


@pytest.mark.parametrize("display", [False, True])
def test_not_reproducible_glue_is_myst_nbs_output_plus_the_mark(monkeypatch, display):
    from optimlab.gluing import MARK, glue

    calls = capture(monkeypatch)
    glue("t_plain", np.float64(0.125), display=display)
    glue("t_marked", np.float64(0.125), display=display, reproducible=False)
    (bundle, raw, meta), (bundle2, raw2, meta2) = calls
    assert bundle == bundle2 and raw is raw2 is True
    prefix = "" if display else "application/papermill.record/"
    assert bundle == {prefix + "text/plain": "0.125"}
    assert meta["scrapbook"] == {"name": "t_plain", "mime_prefix": prefix}
    assert meta2["scrapbook"] == {"name": "t_marked", "mime_prefix": prefix}
    assert MARK not in meta and meta2[MARK] == {"reproducible": False}
    assert reproducible({"metadata": meta}) and not reproducible({"metadata": meta2})


def test_the_mark_survives_myst_nbs_glue_extraction():
    # MyST-NB moves glue outputs into <page>.glue.json with their metadata: the mark
    # must reach what tools/compare_builds.py reads.
    import nbformat
    from myst_nb.ext.glue import extract_glue_data

    output = nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": "1.5"},
        metadata={"scrapbook": {"name": "k", "mime_prefix": "application/papermill.record/"},
                  "optimlab": {"reproducible": False}},
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    data = extract_glue_data(nb, [0], logger=None)
    assert data["k"]["data"] == {"text/plain": "1.5"}
    assert not reproducible(data["k"])
