"""Tests for optimlab.machine: what machine built the site."""

import os
from importlib.metadata import version

import pytest

from optimlab import machine


@pytest.fixture(scope="module")
def report():
    return machine.machine_report()


def test_machine_report_has_the_keys_a_reader_needs(report):
    for key in [
        "built (UTC)",
        "operating system",
        "CPU",
        "CPU cores (logical)",
        "CPU cores usable by this process",
        "memory (GiB)",
        "GPU",
        "JAX backend",
        "JAX devices",
        "JAX float64 enabled",
        "torch sees CUDA",
        "python version",
        "jax version",
        "jaxlib version",
        "optax version",
        "torch version",
        "numpy version",
        "scikit-learn version",
    ]:
        assert key in report, key


def test_machine_report_values(report):
    assert report["CPU cores (logical)"] == os.cpu_count()
    assert 1 <= report["CPU cores usable by this process"] <= os.cpu_count()
    assert report["memory (GiB)"] > 0
    assert isinstance(report["CPU"], str) and report["CPU"]
    assert report["JAX float64 enabled"] is True
    assert report["jax version"] == version("jax")
    assert report["optax version"] == version("optax")
    assert report["torch version"] == version("torch")
    assert isinstance(report["torch sees CUDA"], bool)
    assert report["JAX backend"] in {"cpu", "gpu", "tpu", "cuda", "rocm"}


def test_package_versions_marks_missing_packages():
    out = machine.package_versions(("numpy", "no-such-package-optimlab"))
    assert out["python"].count(".") == 2
    assert out["numpy"] == version("numpy")
    assert out["no-such-package-optimlab"] == "not installed"


def test_gpus_is_a_list_of_names():
    found = machine.gpus()
    assert isinstance(found, list) and all(isinstance(g, str) for g in found)
    assert len(found) == len(set(found))


def test_gpu_sentence_without_gpu(monkeypatch):
    monkeypatch.setattr(machine, "gpus", lambda: [])
    sentence = machine.gpu_sentence()
    assert sentence.startswith("No GPU")
    assert "CPU" in sentence
    assert machine.machine_report()["GPU"] == "none"


def test_gpu_sentence_with_gpu(monkeypatch):
    monkeypatch.setattr(machine, "gpus", lambda: ["NVIDIA H100 80GB HBM3"])
    sentence = machine.gpu_sentence()
    assert "NVIDIA H100 80GB HBM3" in sentence
    assert "No GPU" not in sentence
    assert machine.machine_report()["GPU"] == "NVIDIA H100 80GB HBM3"


def test_gpu_sentence_agrees_with_gpus():
    if machine.gpus():
        assert machine.gpu_sentence().startswith("GPU present")
    else:
        assert machine.gpu_sentence().startswith("No GPU")


def test_gpus_with_cuda_faked_by_monkeypatch(monkeypatch):
    """The CUDA branch of gpus(): names come from torch.cuda, one per device."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: f"NVIDIA Fake {i}")
    assert machine.gpus()[:2] == ["NVIDIA Fake 0", "NVIDIA Fake 1"]
    assert machine.gpu_sentence().startswith("GPU present: NVIDIA Fake 0, NVIDIA Fake 1")
