"""Saving and restoring 100 MiB of variables: 25 float32 variables of 4 MiB each, in and out of files.

Each leg writes (``checkpoint_save``) or reads back (``checkpoint_restore``) the same 25 arrays in its
framework's own format, in a temporary directory (so mostly the page cache, as a training job that
checkpoints often sees): tapeflow and TensorFlow ``tf.train.Checkpoint.write``/``read`` (TensorFlow's
checkpoint format, a CRC32C over every tensor on both ways), ``torch.save``/``torch.load`` of a dict of
tensors, and for the NumPy reference ``np.savez``/``np.load``. ``tapeflow numpy-crc`` is tapeflow with
its vectorised NumPy CRC32C instead of ``google-crc32c``. The MiB/s column is 100 MiB over the median
time; a restore's checked value is the sum of the values read back.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from benchmarks.harness import REFERENCE, SUBJECT, Step, Workload, load

__all__ = ["RESTORE", "SAVE"]

COUNT, ELEMENTS = 25, (4 << 20) // 4
_SCRATCH = tempfile.TemporaryDirectory(prefix="checkpoint_io_")


@lru_cache(maxsize=1)
def arrays() -> dict[str, np.ndarray]:
    """The 25 arrays, made once and shared by the legs (which only read them)."""
    rng = np.random.default_rng(0)
    return {f"v{i:02d}": rng.standard_normal(ELEMENTS, dtype=np.float32) for i in range(COUNT)}


def _path(leg: str) -> str:
    directory = Path(_SCRATCH.name) / leg.replace(" ", "_")
    directory.mkdir(exist_ok=True)
    return str(directory / "ckpt")


def numpy_leg(restore: bool) -> Step:
    values, path = arrays(), _path("numpy") + ".npz"
    if not restore:
        return lambda: np.savez(path, **values)
    np.savez(path, **values)

    def step() -> object:
        with np.load(path) as f:
            return [f[k] for k in f.files]

    return step


def tf_api_leg(module: str, restore: bool, numpy_crc: bool = False) -> Step:
    tf = load(module)
    variables = {k: tf.Variable(v) for k, v in arrays().items()}
    checkpoint = tf.train.Checkpoint(**variables)
    path = _path(module + ("_numpy_crc" if numpy_crc else ""))
    if restore:
        with _numpy_crc(numpy_crc):
            checkpoint.write(path)

    def step() -> object:
        with _numpy_crc(numpy_crc):
            if not restore:
                return checkpoint.write(path) and None
            checkpoint.read(path)
        return list(variables.values())

    return step


@contextlib.contextmanager
def _numpy_crc(enabled: bool):
    """tapeflow's CRC32C switched to its NumPy implementation while the block runs."""
    if not enabled:
        yield
        return
    from tapeflow.train import crc32c

    fast, crc32c._extend = crc32c._extend, crc32c._extend_numpy
    try:
        yield
    finally:
        crc32c._extend = fast


def torch_leg(restore: bool) -> Step:
    torch = load("torch")
    values = {k: torch.from_numpy(v) for k, v in arrays().items()}
    path = _path("torch") + ".pt"
    if not restore:
        return lambda: torch.save(values, path)
    torch.save(values, path)
    return lambda: list(torch.load(path).values())


def _legs(restore: bool) -> dict[str, Callable[[], Step]]:
    return {
        REFERENCE: partial(numpy_leg, restore),
        SUBJECT: partial(tf_api_leg, SUBJECT, restore),
        f"{SUBJECT} numpy-crc": partial(tf_api_leg, SUBJECT, restore, True),
        "tensorflow": partial(tf_api_leg, "tensorflow", restore),
        "torch": partial(torch_leg, restore),
    }


def _workload(name: str, verb: str, restore: bool) -> Workload:
    return Workload(name=name, title=f"{verb} {COUNT} float32 variables of 4 MiB (100 MiB)", unit="ms",
                    scale=1e3, rate="MiB/s", rate_scale=COUNT * ELEMENTS * 4 / (1 << 20), legs=_legs(restore),
                    number=1)  # one call (100 MiB) per repeat


SAVE = _workload("checkpoint_save", "save", restore=False)
RESTORE = _workload("checkpoint_restore", "restore", restore=True)
