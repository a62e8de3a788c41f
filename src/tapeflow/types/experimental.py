"""`tf.types.experimental`: TraceType and the tracing protocol; the function and tensor types."""

import numpy as np

from tapeflow.core.tensor import TensorLike as _Tensor
from tapeflow.ops.variables import Variable
from tapeflow.tracing.function import ConcreteFunction, Function
from tapeflow.tracing.trace_type import SupportsTracingProtocol, TraceType

PolymorphicFunction = GenericFunction = Function
# What ops accept where a tensor goes: tensors, variables, NumPy values and Python numbers and lists.
TensorLike = (_Tensor | Variable | np.ndarray | np.generic | int | float | bool | str | bytes | complex
              | tuple | list)

__all__ = ["ConcreteFunction", "GenericFunction", "PolymorphicFunction", "SupportsTracingProtocol",
           "TensorLike", "TraceType"]
