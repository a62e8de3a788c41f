"""`tf.test`: gradient checking, TestCase, and what a test asks about the build (a CPU-only one)."""

from typing import Any

from tapeflow.autodiff.gradient_checker import compute_gradient, max_error

__all__ = ["compute_gradient", "gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support",
           "is_built_with_rocm", "is_built_with_xla", "is_gpu_available", "max_error"]  # and, lazily, below:
# TestCase and main


def is_gpu_available(cuda_only: bool = False, min_cuda_compute_capability: tuple | None = None) -> bool:
    """False: tapeflow computes on the CPU."""
    return False


def gpu_device_name() -> str:
    """'' : there is no GPU device."""
    return ""


def is_built_with_cuda() -> bool:
    return False


def is_built_with_rocm() -> bool:
    return False


def is_built_with_gpu_support() -> bool:
    return False


def is_built_with_xla() -> bool:
    """False: `jit_compile` compiles through Numba, not XLA."""
    return False


def __dir__() -> list:
    return sorted([*globals(), "TestCase", "main"])


def __getattr__(name: str) -> Any:
    """`TestCase` and `main` load unittest on first use, not with `import tapeflow`."""
    if name in ("TestCase", "main"):
        from tapeflow import test_case

        return getattr(test_case, name)
    raise AttributeError(f"module 'tapeflow.test' has no attribute {name!r}")
