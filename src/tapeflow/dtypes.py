"""`tf.dtypes`: the dtypes, `DType`, `as_dtype`, and the casts (tapeflow.core.dtypes, ops.math_ops)."""

from tapeflow.core.dtypes import (
    DType,
    as_dtype,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from tapeflow.ops.math_ops import cast, complex, saturate_cast

__all__ = ["DType", "as_dtype", "bool", "cast", "complex", "complex64", "complex128", "double", "float16",
           "float32", "float64", "half", "int8", "int16", "int32", "int64", "saturate_cast", "string",
           "uint8", "uint16", "uint32", "uint64"]
