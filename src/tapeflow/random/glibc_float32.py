"""glibc's float32 `logf`, `sinf` and `cosf` on the inputs TensorFlow's Box-Muller gives them.

TensorFlow's float32 normals call glibc's float32 functions, which are not correctly rounded; NumPy's
float64 functions rounded to float32 differ from them by one unit in the last place for about 1 % of
inputs. Box-Muller evaluates them only at 2**23 points each (indexed by the low 23 bits of a
Philox word), so a recorded table of the differences (tools/record_glibc_float32.py, stored sparse
and compressed in glibc_float32.npz) makes the results exact. It is loaded on the first float32
normal and kept as three dense int8 arrays of 2**23 entries (24 MB), where a lookup is one gather.
"""

from __future__ import annotations

import pathlib

import numpy as np

_TABLE = pathlib.Path(__file__).with_name("glibc_float32.npz")
_DENSE: dict[str, np.ndarray] = {}


def _corrections(name: str) -> np.ndarray:
    """The int8 difference glibc - rounded float64 of the float32 bit patterns, for every index."""
    table = _DENSE.get(name)
    if table is None:
        with np.load(_TABLE) as data:
            for function in ("logf", "sinf", "cosf"):
                dense = np.zeros(2**23, np.int8)
                dense[np.cumsum(data[f"{function}_gaps"], dtype=np.int64)] = data[f"{function}_diff"]
                _DENSE[function] = dense
        table = _DENSE[name]
    return table


def _corrected(name: str, rounded: np.ndarray, index: np.ndarray) -> np.ndarray:
    bits = rounded.view(np.int32)
    bits += _corrections(name)[index]
    return rounded


def logf(rounded: np.ndarray, index: np.ndarray) -> np.ndarray:
    """glibc logf(max(index * 2**-23, 1e-7f)), given that log computed in float64 and `rounded` to
    float32 (corrected in place)."""
    return _corrected("logf", rounded, index)


def sinf(rounded: np.ndarray, index: np.ndarray) -> np.ndarray:
    """glibc sinf((float)(2π index 2**-23)), from the float64 sine `rounded` (corrected in place)."""
    return _corrected("sinf", rounded, index)


def cosf(rounded: np.ndarray, index: np.ndarray) -> np.ndarray:
    """glibc cosf((float)(2π index 2**-23)), from the float64 cosine `rounded` (corrected in place)."""
    return _corrected("cosf", rounded, index)
