"""What machine built the site: date, CPU, memory, GPU, library versions, devices."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version

import jax
import psutil

from .timing import FAKE_GPU_ENV, FAKE_JAX_DEVICE, FAKE_TORCH_DEVICE, fake_gpu, jax_device

PACKAGES = ("jax", "jaxlib", "optax", "torch", "numpy", "scikit-learn", "matplotlib", "jupyter-book")


def cpu_model() -> str:
    """The CPU's marketing name, as the operating system reports it."""
    system = platform.system()
    try:
        if system == "Linux":
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip()
        elif system == "Darwin":
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True
            )
            if out.stdout.strip():
                return out.stdout.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def package_versions(names=PACKAGES) -> dict:
    """Installed version of each package (``'not installed'`` when missing)."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def gpus() -> list[str]:
    """Names of the GPUs that JAX or PyTorch can use (empty list: no GPU)."""
    import torch

    names = []
    if torch.cuda.is_available():
        names += [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    try:
        names += [d.device_kind for d in jax.devices("gpu") if d.device_kind not in names]
    except RuntimeError:
        pass
    return names


def fake_gpu_sentence() -> str:
    """The plain warning a page shows while the test switch ``OPTIMLAB_FAKE_GPU=1`` is on
    (empty when it is off): the fake accelerator is named, and is not a GPU."""
    if not fake_gpu():
        return ""
    return (
        f"Test switch {FAKE_GPU_ENV}=1 is on: the devices named {FAKE_JAX_DEVICE} (JAX) "
        f"and {FAKE_TORCH_DEVICE} (PyTorch) are a FAKE accelerator, a second CPU device "
        "standing in for a GPU so that the GPU code paths run; they are not a GPU, and "
        "their timings are CPU timings."
    )


def gpu_sentence() -> str:
    """One plain sentence on the GPU situation of this build, for pages to show (plus
    :func:`fake_gpu_sentence` while the test switch is on)."""
    found = gpus()
    if not found:
        sentence = (
            "No GPU was present when this page was built: JAX ran on the CPU and "
            "torch.cuda.is_available() was False, so every timing here is a CPU timing."
        )
    else:
        sentence = f"GPU present: {', '.join(found)}."
    fake = fake_gpu_sentence()
    return f"{sentence} {fake}" if fake else sentence


def machine_report() -> dict:
    """Everything a reader needs to interpret timings, as a flat ``dict``."""
    import torch

    mem = psutil.virtual_memory().total
    report = {
        "built (UTC)": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "operating system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "CPU": cpu_model(),
        "CPU cores (logical)": os.cpu_count(),
        "CPU cores usable by this process": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory (GiB)": round(mem / 2**30, 1),
        "GPU": ", ".join(gpus()) or "none",
        "JAX backend": jax.default_backend(),
        "JAX devices": ", ".join(str(d) for d in jax.devices()),
        "JAX float64 enabled": bool(jax.config.jax_enable_x64),
        "torch sees CUDA": torch.cuda.is_available(),
        "torch threads": torch.get_num_threads(),
    }
    if fake_gpu():
        report["FAKE accelerator (test switch, not a GPU)"] = (
            f"{FAKE_JAX_DEVICE} = JAX {jax_device(FAKE_JAX_DEVICE)}, "
            f"{FAKE_TORCH_DEVICE} = PyTorch cpu ({FAKE_GPU_ENV}=1)"
        )
    report.update({f"{k} version": v for k, v in package_versions().items()})
    return report
