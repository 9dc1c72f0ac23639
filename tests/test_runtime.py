"""Tests for optimlab.runtime: behaviour only, on tiny problems with one repeat."""

import numpy as np
import optax
import pandas as pd
import pytest
import torch

from optimlab.data import make_problem
from optimlab.runtime import compile_table, runtime_table, time_epoch_optax, time_epoch_torch
from optimlab.timing import Timing


@pytest.fixture(scope="module")
def tiny():
    return make_problem(n_samples=40, n_features=3, n_informative=2)


def sgd(params):
    return torch.optim.SGD(params, lr=1e-3)


@pytest.fixture(scope="module")
def timings(tiny):
    out = {}
    for bs in (10, 40):
        out[bs] = [
            time_epoch_optax(tiny, optax.sgd(1e-3), bs, loop="compiled", repeats=1),
            time_epoch_optax(tiny, optax.sgd(1e-3), bs, loop="lecture", repeats=1),
            time_epoch_torch(tiny, sgd, bs, loader="dataloader", repeats=1),
            time_epoch_torch(tiny, sgd, bs, loader="pregathered", repeats=1),
        ]
    return out


def test_time_epoch_labels_and_compile_time(timings):
    compiled, lecture, dataloader, pregathered = timings[10]
    assert all(isinstance(t, Timing) and len(t.seconds) == 1 for t in timings[10])
    assert compiled.label == "optax compiled (cpu)"
    assert lecture.label == "optax lecture loop (cpu)"
    assert dataloader.label == "torch DataLoader (cpu)"
    assert pregathered.label == "torch pre-gathered (cpu)"
    assert compiled.compile_s is not None and compiled.compile_s > 0
    assert lecture.compile_s is None and dataloader.compile_s is None
    assert {t.device for t in timings[10]} == {"cpu"}


def test_runtime_table_shape_and_labels(timings):
    table = runtime_table(timings)
    assert isinstance(table, pd.DataFrame)
    assert table.index.name == "batch size"
    assert list(table.index) == [10, 40]
    assert list(table.columns) == [
        "optax compiled (cpu)", "optax lecture loop (cpu)", "torch DataLoader (cpu)", "torch pre-gathered (cpu)",
    ]
    assert table.loc[10, "torch DataLoader (cpu)"] == timings[10][2].median
    assert (table.to_numpy() > 0).all()


def test_runtime_table_sorts_rows_and_leaves_missing_cells_nan():
    t = {
        100: [Timing("a (cpu)", "cpu", (2.0,))],
        10: [Timing("a (cpu)", "cpu", (1.0, 3.0)), Timing("b (cpu)", "cpu", (5.0,))],
    }
    table = runtime_table(t)
    assert list(table.index) == [10, 100]
    assert table.loc[10, "a (cpu)"] == 2.0  # the median
    assert np.isnan(table.loc[100, "b (cpu)"])


def test_compile_table_keeps_only_compiled_timings(timings):
    table = compile_table(timings)
    assert table.index.name == "batch size"
    assert list(table.index) == [10, 40]
    assert list(table.columns) == ["optax compiled (cpu)"]
    assert table.loc[40, "optax compiled (cpu)"] == timings[40][0].compile_s


def test_time_epoch_optax_rejects_a_bad_loop(tiny):
    with pytest.raises(ValueError, match=r"loop must be one of \['compiled', 'lecture'\], got 'fast'"):
        time_epoch_optax(tiny, optax.sgd(1e-3), 10, loop="fast", repeats=1)


def test_time_epoch_torch_rejects_a_bad_loader(tiny):
    with pytest.raises(ValueError, match=r"loader must be one of \['dataloader', 'pregathered'\], got 'lazy'"):
        time_epoch_torch(tiny, sgd, 10, loader="lazy", repeats=1)


def test_time_epoch_rejects_bad_batch_size_and_repeats(tiny):
    with pytest.raises(ValueError, match=r"batch_size must be between 1 and the number of rows \(40\)"):
        time_epoch_optax(tiny, optax.sgd(1e-3), 41, repeats=1)
    with pytest.raises(ValueError, match=r"batch_size must be between 1"):
        time_epoch_torch(tiny, sgd, 0, repeats=1)
    with pytest.raises(ValueError, match=r"repeats must be a whole number >= 1"):
        time_epoch_optax(tiny, optax.sgd(1e-3), 10, repeats=0)
