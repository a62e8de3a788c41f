"""`tf.test`: gradient checking, TestCase, and what a test asks about the build (a CPU-only one)."""

from tapeflow.autodiff.gradient_checker import compute_gradient, max_error
from tapeflow.test_case import TestCase, main

__all__ = ["TestCase", "compute_gradient", "gpu_device_name", "is_built_with_cuda",
           "is_built_with_gpu_support", "is_built_with_rocm", "is_built_with_xla", "is_gpu_available", "main",
           "max_error"]


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
