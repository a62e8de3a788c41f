"""Record the table that makes tapeflow's float32 normals equal TensorFlow's bit for bit.

TensorFlow's float32 Box-Muller calls glibc's `logf`, `sinf` and `cosf`, which are not correctly
rounded. tapeflow computes them in float64 and rounds to float32 (src/tapeflow/random/glibc_float32.py),
which differs for about 1 % of inputs by one unit in the last place. Box-Muller only ever evaluates
logf(max(i * 2**-23, 1e-7f)) and sinf/cosf((float)(2π * j * 2**-23)) for the 2**23 indices
i, j = word & 0x7FFFFF, so this script evaluates both ways over all of them (calling glibc through
ctypes) and stores, per function, the indices that differ (as gaps) and the difference of the float32
bit patterns (int8), with the sine/cosine grid tapeflow's computation uses, in
src/tapeflow/random/glibc_float32.npz.

Run on x86-64 Linux with glibc (the table was recorded with glibc 2.36), from the repository root:
    PYTHONPATH=src python tools/record_glibc_float32.py
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import numpy as np

from tapeflow.random import glibc_float32


def glibc(name: str):
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    function = getattr(libm, name)
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    return np.frompyfunc(function, 1, 1)


def corrections(name: str, x32: np.ndarray, rounded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    exact = glibc(name)(x32).astype(np.float32)
    diff = exact.view(np.int32).astype(np.int64) - rounded.view(np.int32).astype(np.int64)
    index = np.flatnonzero(diff).astype(np.uint32)
    assert np.abs(diff).max() < 128, name  # fits int8 (no sign crossings)
    print(f"{name}: {index.size} of {x32.size} inputs differ, max {np.abs(diff).max()} ulp")
    return index, diff[index].astype(np.int8)


def main() -> None:
    i = np.arange(2**23, dtype=np.uint32)
    u1 = np.maximum(i * 2.0**-23, np.float64(np.float32(1e-7))).astype(np.float32)
    v = (2 * np.pi * (i * 2.0**-23)).astype(np.float32)
    angles = np.arange(glibc_float32.GRID + 1) * glibc_float32._STEP
    grid = np.stack([np.sin(angles), np.cos(angles)])
    sin, cos = glibc_float32.rounded_sincos(i, grid)
    tables = {"grid": grid}
    log = glibc_float32.rounded_log(i)
    for name, x32, rounded in (("logf", u1, log), ("sinf", v, sin), ("cosf", v, cos)):
        index, diff = corrections(name, x32, rounded)
        tables[f"{name}_gaps"] = np.diff(index, prepend=np.uint32(0)).astype(np.uint32)  # compress well
        tables[f"{name}_diff"] = diff
    np.savez_compressed(glibc_float32._TABLE, **tables)
    print(f"wrote {glibc_float32._TABLE} ({os.path.getsize(glibc_float32._TABLE)} bytes)")


if __name__ == "__main__":
    main()
