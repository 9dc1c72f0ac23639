"""Tests for optimlab.history: the result type of every run, and tables of runs."""

import numpy as np
import pandas as pd
import pytest

from optimlab.history import DivergedError, History, final_losses, results_table


def make_history(loss, label="run", batch_size=10):
    loss = np.asarray(loss, dtype=float)
    return History(
        label=label,
        batch_size=batch_size,
        epochs=1,
        loss=loss,
        epoch=np.linspace(0, 1, len(loss)),
        params=np.zeros(3),
    )


@pytest.fixture
def converging():
    return make_history([100.0, 50.0, 20.0, 12.0, 10.5], label="sgd (mb=10)")


@pytest.fixture
def growing():
    return make_history([100.0, 80.0, 300.0, 5000.0, 1e6], label="sgd (mb=100)", batch_size=100)


@pytest.fixture
def nan_trace():
    return make_history([100.0, 1e200, np.inf, np.nan, np.nan], label="adam (mb=25)", batch_size=25)


def test_converging_run(converging):
    assert converging.final_loss == 10.5
    assert not converging.diverged
    assert converging.diverged_at is None
    assert converging.status == "ok"
    assert converging.check() is converging


def test_growing_run_is_diverged_at_the_end(growing):
    assert growing.final_loss == 1e6
    assert growing.diverged
    assert growing.diverged_at == 1.0
    assert growing.status.startswith("diverged")
    assert "100" in growing.status and "1e+06" in growing.status


def test_nan_run_is_diverged_where_the_loss_stops_being_finite(nan_trace):
    assert nan_trace.final_loss == float("inf")
    assert nan_trace.diverged
    assert nan_trace.diverged_at == pytest.approx(0.5)  # the inf at index 2 of 5
    assert nan_trace.status == "diverged: loss not finite from epoch 0.5"


def test_a_run_that_dips_then_settles_above_its_start_is_diverged():
    h = make_history([10.0, 1.0, 11.0])
    assert h.diverged and h.diverged_at == 1.0


def test_a_run_ending_where_it_started_is_not_diverged():
    h = make_history([10.0, 12.0, 10.0])
    assert not h.diverged


def test_check_raises_a_plain_diverged_error(nan_trace, growing):
    with pytest.raises(DivergedError, match=r"adam \(mb=25\) \(batch size 25\) diverged: loss not finite") as info:
        nan_trace.check()
    assert "smaller learning rate" in str(info.value)
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(DivergedError, match=r"batch size 100\) diverged: loss grew"):
        growing.check()


def test_history_converts_to_float_arrays():
    h = History("x", 1, 1, [3, 2, 1], [0, 0.5, 1], [1, 2])
    assert h.loss.dtype == np.float64 and h.epoch.dtype == np.float64
    assert isinstance(h.params, np.ndarray)
    assert (h.framework, h.loop) == ("optax", "compiled")


def test_mismatched_loss_and_epoch_lengths_raise():
    with pytest.raises(ValueError, match=r"loss and epoch must have the same length.*\(3,\).*\(4,\)"):
        History("x", 1, 1, loss=[3.0, 2.0, 1.0], epoch=[0, 1, 2, 3], params=[0.0])


def test_final_losses_is_the_lecture_dict(converging, growing, nan_trace):
    out = final_losses([converging, growing, nan_trace], 10.0)
    assert list(out) == ["lm_loss", "sgd (mb=10)", "sgd (mb=100)", "adam (mb=25)"]
    assert out == {
        "lm_loss": 10.0,
        "sgd (mb=10)": 10.5,
        "sgd (mb=100)": 1e6,
        "adam (mb=25)": float("inf"),
    }
    assert all(isinstance(v, float) for v in out.values())
    assert final_losses([converging]) == {"sgd (mb=10)": 10.5}


def test_results_table_columns_and_values(converging, growing, nan_trace):
    table = results_table([converging, growing, nan_trace], 10.0)
    assert isinstance(table, pd.DataFrame)
    assert table.index.name == "run"
    assert list(table.index) == ["sgd (mb=10)", "sgd (mb=100)", "adam (mb=25)"]
    assert list(table.columns) == [
        "batch size", "epochs", "final loss", "excess over least squares", "status",
    ]
    assert table.loc["sgd (mb=10)", "excess over least squares"] == pytest.approx(0.05)
    assert table.loc["sgd (mb=100)", "batch size"] == 100
    assert table.loc["sgd (mb=10)", "status"] == "ok"
    assert table.loc["adam (mb=25)", "status"].startswith("diverged")
    assert table.loc["adam (mb=25)", "final loss"] == float("inf")


def test_results_table_without_reference(converging):
    table = results_table([converging])
    assert "excess over least squares" not in table.columns
    assert list(table.columns) == ["batch size", "epochs", "final loss", "status"]
