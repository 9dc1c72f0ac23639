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


def test_device_lists_start_with_cpu(monkeypatch):
    monkeypatch.delenv("OPTIMLAB_FAKE_GPU", raising=False)
    jd, td = jax_devices(), torch_devices()
    assert jd[0] == "cpu" and set(jd) <= {"cpu", "gpu", "tpu"}
    assert td[0] == "cpu" and set(td) <= {"cpu", "cuda"}
    assert len(set(jd)) == len(jd) and len(set(td)) == len(td)


# --- devices: the real GPU branches, by monkeypatching CUDA; and the fake accelerator ---

from optimlab import timing  # noqa: E402


def test_device_names_resolve_to_devices():
    assert timing.jax_device("cpu").platform == "cpu"
    assert str(timing.torch_device("cpu")) == "cpu"
    assert timing.jax_counterpart("cpu") == "cpu"


@pytest.mark.parametrize("name", ["gpu", "fake-gpu", "cuda:0", ""])
def test_jax_device_rejects_a_device_not_listed(name, monkeypatch):
    monkeypatch.delenv(timing.FAKE_GPU_ENV, raising=False)
    if name in jax_devices():
        pytest.skip(f"this machine has {name}")
    with pytest.raises(ValueError, match=r"JAX has no device .* jax_devices\(\) is \['cpu'"):
        timing.jax_device(name)


def test_torch_device_rejects_a_device_not_listed(monkeypatch):
    monkeypatch.delenv(timing.FAKE_GPU_ENV, raising=False)
    with pytest.raises(ValueError, match=r"PyTorch has no device 'fake-cuda'"):
        timing.torch_device("fake-cuda")
    with pytest.raises(ValueError, match=r"unknown PyTorch device 'xpu'"):
        timing.jax_counterpart("xpu")


def test_cuda_branches_with_cuda_faked_by_monkeypatch(monkeypatch):
    """What a CUDA machine runs: torch lists 'cuda', and every timed call (warm-ups
    included) waits for torch.cuda.synchronize() before the clock stops."""
    import torch

    syncs = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: syncs.append(a))
    monkeypatch.delenv(timing.FAKE_GPU_ENV, raising=False)
    assert torch_devices() == ["cpu", "cuda"]
    assert timing.torch_device("cuda") == torch.device("cuda")
    assert timing.jax_counterpart("cuda") == ("gpu" if "gpu" in jax_devices() else None)
    time_call(Counter(), repeats=3, warmup=2)
    assert len(syncs) == 5


def test_fake_gpu_without_a_second_cpu_device_says_how_to_fix_it(monkeypatch):
    import jax

    if len(jax.devices("cpu")) > 1:
        pytest.skip("this process has several CPU devices")
    monkeypatch.setenv(timing.FAKE_GPU_ENV, "1")
    with pytest.raises(RuntimeError, match="XLA_FLAGS=--xla_force_host_platform_device_count=2"):
        jax_devices()


FAKE_RUN = r"""
import jax, jax.numpy as jnp, torch
from optimlab import machine, timing
assert timing.fake_gpu()
print(timing.jax_devices(), timing.torch_devices())
device = timing.jax_device("fake-gpu")
assert device == jax.devices("cpu")[1], device
with jax.default_device(device):
    x = jnp.arange(3.0) * 2
assert x.devices() == {device}, x.devices()
t = timing.time_call(lambda: x + 1, repeats=2, device="fake-gpu")
assert t.device == "fake-gpu" and len(t.seconds) == 2
assert timing.torch_device("fake-cuda") == torch.device("cpu")
assert timing.jax_counterpart("fake-cuda") == "fake-gpu"
assert machine.gpus() == [], machine.gpus()
print(machine.gpu_sentence())
print(machine.machine_report()["FAKE accelerator (test switch, not a GPU)"])
"""


def test_fake_gpu_adds_one_clearly_named_device_backed_by_the_cpu():
    import os
    import subprocess
    import sys
    from pathlib import Path

    book = Path(__file__).resolve().parent.parent / "book"
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "PYTHONPATH")}
    env.update(OPTIMLAB_FAKE_GPU="1", XLA_FLAGS=timing.FAKE_XLA_FLAGS, PYTHONPATH=str(book))
    out = subprocess.run(
        [sys.executable, "-c", FAKE_RUN], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "['cpu', 'fake-gpu'] ['cpu', 'fake-cuda']"
    assert lines[1].startswith("No GPU was present")
    assert "FAKE accelerator" in lines[1] and "not a GPU" in lines[1]
    assert lines[2] == "fake-gpu = JAX cpu:1, fake-cuda = PyTorch cpu (OPTIMLAB_FAKE_GPU=1)"


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
    monkeypatch.delenv(timing.FAKE_GPU_ENV, raising=False)
    assert jax_devices() == ["cpu", "gpu"]
    assert timing.jax_device("gpu") is gpu
    assert timing.jax_counterpart("cuda") == "gpu"
    assert machine.gpus() == ["NVIDIA H200"]
    assert machine.gpu_sentence() == "GPU present: NVIDIA H200."


def test_compile_cache_probe_counts_what_the_disk_cache_did(tmp_path):
    """Off in this process: nothing to count. On, in two processes sharing one folder
    (two pages of the build): the first process compiles (a miss) and then loads its
    own program back from disk (a hit); the second loads both times."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from optimlab.timing import compile_cache_probe

    assert compile_cache_probe() is None
    book = Path(__file__).resolve().parents[1] / "book"
    env = {**os.environ, "PYTHONPATH": str(book),
           "JAX_COMPILATION_CACHE_DIR": str(tmp_path),
           "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
           "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1"}
    code = ("import json, optimlab.timing as t; "
            "print(json.dumps(t.compile_cache_probe()))")
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                      capture_output=True, text=True).stdout)
            for _ in range(2)]
    hit, miss = {"hits": 1, "misses": 0}, {"hits": 0, "misses": 1}
    assert runs == [[miss, hit], [hit, hit]]
