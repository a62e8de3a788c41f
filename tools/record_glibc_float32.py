"""Record the table that makes tapeflow's float32 normals equal TensorFlow's bit for bit.

TensorFlow's float32 Box-Muller calls glibc's `logf`, `sinf` and `cosf`, which are not correctly
rounded; tapeflow computes the float64 function with NumPy and rounds it to float32, which differs
in about 1 % of inputs by one unit in the last place. Box-Muller only ever evaluates
logf(max(i * 2**-23, 1e-7f)) and sinf/cosf((float)(2π * i * 2**-23)) for the 2**23 indices
i = word & 0x7FFFFF, so this script evaluates both ways over all of them (calling glibc through
ctypes) and stores, per function, the indices that differ and the difference of the float32 bit
patterns (int8) in src/tapeflow/random/glibc_float32.npz.

Run on x86-64 Linux with glibc (the table was recorded with glibc 2.36):
    python tools/record_glibc_float32.py
"""

from __future__ import annotations

import ctypes
import ctypes.util
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "src" / "tapeflow" / "random" / "glibc_float32.npz"


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
    i = np.arange(2**23, dtype=np.float64)
    u1 = np.maximum(i * 2.0**-23, np.float64(np.float32(1e-7)))
    v = (2 * np.pi * (i * 2.0**-23)).astype(np.float32)
    tables = {}
    for name, x32, rounded in (
            ("logf", u1.astype(np.float32), np.log(u1).astype(np.float32)),
            ("sinf", v, np.sin(v.astype(np.float64)).astype(np.float32)),
            ("cosf", v, np.cos(v.astype(np.float64)).astype(np.float32))):
        index, diff = corrections(name, x32, rounded)
        # indices as gaps (small numbers compress well)
        tables[f"{name}_gaps"] = np.diff(index, prepend=np.uint32(0)).astype(np.uint32)
        tables[f"{name}_diff"] = diff
    np.savez_compressed(OUT, **tables)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
