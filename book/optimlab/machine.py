"""What machine built the site: date, CPU, memory, GPU, library versions, devices."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version

import jax
import psutil

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


def gpu_sentence() -> str:
    """One plain sentence on the GPU situation of this build, for pages to show."""
    found = gpus()
    if not found:
        return (
            "No GPU was present when this page was built: JAX ran on the CPU and "
            "torch.cuda.is_available() was False, so every timing here is a CPU timing."
        )
    return f"GPU present: {', '.join(found)}."


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
    report.update({f"{k} version": v for k, v in package_versions().items()})
    return report
