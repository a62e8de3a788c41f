"""`tf.config`: the devices tapeflow offers (one CPU), soft placement, thread counts, and running
compiled functions eagerly (for debugging).

tapeflow computes with NumPy on the CPU, so the device lists hold one CPU, as TensorFlow's do on a
machine without accelerators, and code that asks for GPUs finds none. The intra-op thread count
sets the threads of the BLAS behind NumPy's matrix products (through threadpoolctl; 0 restores the
library's own choice, TensorFlow's default); tapeflow runs one op at a time, so the inter-op count
is recorded and reported only.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NamedTuple

from tapeflow.core.scopes import SOFT_PLACEMENT
from tapeflow.tracing.function import functions_run_eagerly, get_jit, run_functions_eagerly, set_jit

# TensorFlow's older names, still in its API.
experimental_run_functions_eagerly = run_functions_eagerly
experimental_functions_run_eagerly = functions_run_eagerly

__all__ = [
    "LogicalDevice", "PhysicalDevice", "experimental", "experimental_functions_run_eagerly",
    "experimental_run_functions_eagerly", "functions_run_eagerly", "get_soft_device_placement",
    "get_visible_devices", "list_logical_devices", "list_physical_devices", "run_functions_eagerly",
    "set_soft_device_placement", "set_visible_devices", "threading",
]


class PhysicalDevice(NamedTuple):
    """A device of this machine, as `tf.config.list_physical_devices` reports it."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """A device ops can be placed on, as `tf.config.list_logical_devices` reports it."""

    name: str
    device_type: str


_PHYSICAL = (PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU"),)
_LOGICAL = (LogicalDevice(name="/device:CPU:0", device_type="CPU"),)
_THREADS = {"intra_op": 0, "inter_op": 0}


def _of_type(devices: tuple, device_type: str | None) -> list:
    return [d for d in devices if device_type is None or d.device_type == device_type]


def list_physical_devices(device_type: str | None = None) -> list:
    """The machine's devices, of `device_type` ('CPU', 'GPU', ...: TensorFlow's spelling) or all: one CPU."""
    return _of_type(_PHYSICAL, device_type)


def list_logical_devices(device_type: str | None = None) -> list:
    """The devices ops can be placed on: one CPU."""
    return _of_type(_LOGICAL, device_type)


def get_visible_devices(device_type: str | None = None) -> list:
    """The physical devices in use: one CPU."""
    return _of_type(_PHYSICAL, device_type)


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """Accepted for the devices that exist (the CPU stays in use, as in TensorFlow)."""
    for d in [devices] if isinstance(devices, PhysicalDevice) else list(devices):
        if d not in _PHYSICAL:
            raise ValueError(f"Unrecognized device: {d!r}")


def set_memory_growth(device: Any, enable: bool) -> None:
    """Only accelerators have memory growth, and tapeflow has none."""
    raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")


def get_memory_growth(device: Any) -> bool:
    raise ValueError("Cannot get memory growth on non-GPU and non-Pluggable devices")


def set_soft_device_placement(enabled: bool) -> None:
    """With soft placement (the default), a `tf.device` this machine lacks runs on the CPU instead;
    without it, entering such a scope raises InvalidArgumentError."""
    if not isinstance(enabled, bool | int):
        raise TypeError(f"set_soft_device_placement expects a bool, got {enabled!r}")
    SOFT_PLACEMENT[0] = bool(enabled)


def get_soft_device_placement() -> bool:
    return SOFT_PLACEMENT[0]


def _thread_setter(key: str):
    def set_threads(num_threads: int) -> None:
        _THREADS[key] = int(num_threads)
        if key == "intra_op":
            _limit_blas_threads(int(num_threads))

    set_threads.__name__ = f"set_{key}_parallelism_threads"
    set_threads.__doc__ = f"Record the number of {key.replace('_', ' ')} threads (0: the system chooses)."
    return set_threads


_BLAS_LIMITS: list = []  # the threadpoolctl limiter in force, if any


def _limit_blas_threads(num_threads: int) -> None:
    """Limit the BLAS thread pools to `num_threads` (0: undo the limit)."""
    from threadpoolctl import threadpool_limits  # imported here: only a caller of this setter pays for it

    while _BLAS_LIMITS:
        _BLAS_LIMITS.pop().restore_original_limits()
    if num_threads > 0:
        _BLAS_LIMITS.append(threadpool_limits(limits=num_threads, user_api="blas"))


def _thread_getter(key: str):
    def get_threads() -> int:
        return _THREADS[key]

    get_threads.__name__ = f"get_{key}_parallelism_threads"
    return get_threads


threading = SimpleNamespace(
    set_intra_op_parallelism_threads=_thread_setter("intra_op"),
    get_intra_op_parallelism_threads=_thread_getter("intra_op"),
    set_inter_op_parallelism_threads=_thread_setter("inter_op"),
    get_inter_op_parallelism_threads=_thread_getter("inter_op"),
)

optimizer = SimpleNamespace(set_jit=set_jit, get_jit=get_jit)  # jit_compile for every tf.function

experimental = SimpleNamespace(
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices,
    set_visible_devices=set_visible_devices,
    set_memory_growth=set_memory_growth,
    get_memory_growth=get_memory_growth,
)
