"""Tests for optimlab.timing: behaviour only (speed is measured in benchmarks)."""

import statistics

import jax.numpy as jnp
import numpy as np
import pytest

from optimlab.timing import Timing, jax_devices, synchronize, time_call, torch_devices


class Counter:
    """A callable that counts its calls and returns a JAX array."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return jnp.arange(3.0) * self.calls


@pytest.mark.parametrize("repeats, warmup", [(1, 0), (3, 1), (5, 2)])
def test_time_call_repeats_and_warms_up(repeats, warmup):
    fn = Counter()
    t = time_call(fn, repeats=repeats, warmup=warmup, label="count", device="cpu")
    assert isinstance(t, Timing)
    assert fn.calls == warmup + repeats
    assert len(t.seconds) == repeats
    assert all(isinstance(s, float) and s >= 0 for s in t.seconds)
    assert (t.label, t.device, t.compile_s) == ("count", "cpu", None)


def test_time_call_defaults_one_warmup_five_repeats():
    fn = Counter()
    t = time_call(fn)
    assert fn.calls == 6 and len(t.seconds) == 5


def test_median_and_spread_are_consistent_with_seconds():
    t = Timing(label="x", device="cpu", seconds=(0.3, 0.1, 0.2, 0.5))
    assert t.median == pytest.approx(0.25)
    assert t.spread == pytest.approx(0.4)
    measured = time_call(Counter(), repeats=4, warmup=0)
    assert measured.median == statistics.median(measured.seconds)
    assert measured.spread == max(measured.seconds) - min(measured.seconds)
    assert min(measured.seconds) <= measured.median <= max(measured.seconds)


def test_timing_str_names_the_device_runs_and_compile_time():
    t = Timing(label="optax compiled (cpu)", device="cpu", seconds=(0.01, 0.02, 0.03), compile_s=0.5)
    s = str(t)
    assert s.startswith("optax compiled (cpu): median 0.02 s")
    assert "3 runs" in s and "cpu" in s and "compile 0.5 s" in s
    assert "compile" not in str(Timing(label="x", device="cpu", seconds=(1.0,)))


def test_time_call_accepts_numpy_integers():
    fn = Counter()
    t = time_call(fn, repeats=np.int64(2), warmup=np.int32(1))
    assert len(t.seconds) == 2 and fn.calls == 3


def test_time_call_passes_compile_time_through():
    t = time_call(Counter(), repeats=1, compile_s=1.25)
    assert t.compile_s == 1.25


@pytest.mark.parametrize("repeats", [0, -1, 2.0, True])
def test_time_call_rejects_bad_repeats(repeats):
    with pytest.raises(ValueError, match=r"repeats must be a whole number >= 1"):
        time_call(Counter(), repeats=repeats)


@pytest.mark.parametrize("warmup", [-1, 0.5])
def test_time_call_rejects_bad_warmup(warmup):
    with pytest.raises(ValueError, match=r"warmup must be a whole number >= 0"):
        time_call(Counter(), warmup=warmup)


@pytest.mark.parametrize("fn", [None, 3.0, "f"])
def test_time_call_rejects_a_non_callable(fn):
    with pytest.raises(TypeError, match=r"fn must be callable .* got "):
        time_call(fn)


def test_bad_arguments_are_rejected_before_any_call():
    fn = Counter()
    with pytest.raises(ValueError):
        time_call(fn, repeats=0)
    assert fn.calls == 0


def test_synchronize_returns_its_argument():
    x = jnp.ones(4) * 2
    assert synchronize(x) is x
    tree = {"a": x, "b": (jnp.zeros(2), 3)}
    assert synchronize(tree) is tree
    arr = np.ones(2)
    assert synchronize(arr) is arr
    assert synchronize(None) is None


def test_synchronize_accepts_torch_tensors():
    import torch

    t = torch.ones(3)
    assert synchronize(t) is t


def test_device_lists_start_with_cpu():
    jd, td = jax_devices(), torch_devices()
    assert jd[0] == "cpu" and set(jd) <= {"cpu", "gpu", "tpu"}
    assert td[0] == "cpu" and set(td) <= {"cpu", "cuda"}
    assert len(set(jd)) == len(jd) and len(set(td)) == len(td)


# --- devices: the GPU branches, by monkeypatching CUDA and JAX's device list ---

from optimlab import timing  # noqa: E402


def test_device_names_resolve_to_devices():
    assert timing.jax_device("cpu").platform == "cpu"
    assert str(timing.torch_device("cpu")) == "cpu"


@pytest.mark.parametrize("name", ["gpu", "cuda:0", ""])
def test_jax_device_rejects_a_device_not_listed(name):
    if name in jax_devices():
        pytest.skip(f"this machine has {name}")
    with pytest.raises(ValueError, match=r"JAX has no device .* jax_devices\(\) is \['cpu'"):
        timing.jax_device(name)


def test_torch_device_rejects_a_device_not_listed():
    with pytest.raises(ValueError, match=r"PyTorch has no device 'xpu'"):
        timing.torch_device("xpu")


def test_cuda_branches_with_cuda_faked_by_monkeypatch(monkeypatch):
    """What a CUDA machine runs: torch lists 'cuda', and every timed call (warm-ups
    included) waits for torch.cuda.synchronize() before the clock stops."""
    import torch

    syncs = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: syncs.append(a))
    assert torch_devices() == ["cpu", "cuda"]
    assert timing.torch_device("cuda") == torch.device("cuda")
    time_call(Counter(), repeats=3, warmup=2)
    assert len(syncs) == 5


def test_jax_gpu_branches_with_a_gpu_faked_by_monkeypatch(monkeypatch):
    """What a machine with a JAX GPU runs: 'gpu' is listed after 'cpu' and resolves to
    JAX's first GPU device; machine.gpus() names it once."""
    import types

    import jax

    from optimlab import machine

    real = jax.devices
    gpu = types.SimpleNamespace(platform="gpu", device_kind="NVIDIA H200")

    def devices(backend=None):
        return [gpu] if backend == "gpu" else real(backend)

    monkeypatch.setattr(jax, "devices", devices)
    assert jax_devices() == ["cpu", "gpu"]
    assert timing.jax_device("gpu") is gpu
    assert machine.gpus() == ["NVIDIA H200"]
    assert machine.gpu_sentence() == "GPU present: NVIDIA H200."
