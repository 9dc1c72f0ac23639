"""Smoke test of benchmarks/epoch_loops.py on a tiny problem (behaviour only, no timing)."""

from __future__ import annotations

import json

import pytest

from benchmarks import epoch_loops
from optimlab.data import make_problem
from optimlab.timing import jax_devices, torch_devices


@pytest.fixture(scope="module")
def results():
    problem = make_problem(n_samples=60, n_features=3, n_informative=2)
    return epoch_loops.run(problem, batch_sizes=[10, 30], repeats=1)


def _check_timing(t, device):
    assert t["device"] == device
    assert len(t["seconds"]) == 1
    assert t["median"] > 0 and t["spread"] >= 0


def test_optax_results_structure(results):
    assert set(results["optax"]) == set(epoch_loops.OPTAX_OPTIMIZERS)
    for by_bs in results["optax"].values():
        assert list(by_bs) == [10, 30]
        for by_device in by_bs.values():
            assert list(by_device) == jax_devices()
            for device, r in by_device.items():
                assert set(r) == {"lecture", "compiled", "ratio"}
                _check_timing(r["lecture"], device)
                _check_timing(r["compiled"], device)
                assert r["compiled"]["compile_s"] > 0 and r["lecture"]["compile_s"] is None
                assert r["ratio"] == pytest.approx(r["lecture"]["median"] / r["compiled"]["median"])


def test_torch_results_structure(results):
    by_bs = results["torch"]["sgd"]
    assert list(by_bs) == [10, 30]
    for by_device in by_bs.values():
        assert list(by_device) == torch_devices()
        for device, r in by_device.items():
            assert set(r) == {"dataloader", "pregathered", "ratio"}
            _check_timing(r["dataloader"], device)
            _check_timing(r["pregathered"], device)
            assert r["ratio"] == pytest.approx(r["dataloader"]["median"] / r["pregathered"]["median"])


def test_results_frame_puts_frameworks_side_by_side(results):
    frame = epoch_loops.results_frame(results)
    assert len(frame) == 2 * 2 * len(jax_devices())
    assert frame.loc[("sgd", 10, "cpu"), "DataLoader / pre-gathered"] > 0
    assert frame.loc[("sgd", 10, "cpu"), "lecture / compiled"] > 0


def test_learning_rates_follow_the_lecture():
    assert [epoch_loops.sgd_learning_rate(b) for b in (10, 100, 1000, 10000)] == [5e-3, 1e-3, 1e-4, 1e-5]


def test_main_prints_machine_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    results = epoch_loops.main(["--repeats", "1", "--batch-sizes", "10", "--n-samples", "40", "--json", str(out)])
    printed = capsys.readouterr().out
    assert printed.startswith("Machine\nCPU: ")
    assert "lecture / compiled" in printed and "target" in printed
    saved = json.loads(out.read_text())
    assert saved["repeats"] == 1 and saved["batch_sizes"] == [10] and saved["n_samples"] == 40
    assert saved["optax"]["sgd"]["10"]["cpu"]["ratio"] == pytest.approx(results["optax"]["sgd"][10]["cpu"]["ratio"])
    assert "CPU" in saved["machine"]


@pytest.mark.parametrize("argv", [["--repeats", "0"], ["--batch-sizes", "0"], ["--n-samples", "40", "--batch-sizes", "50"]])
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        epoch_loops.parse_args(argv)
