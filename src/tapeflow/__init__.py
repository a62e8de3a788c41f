"""tapeflow: TensorFlow 2's automatic differentiation rebuilt on NumPy. Use as `import tapeflow as tf`.

This module is the public namespace, re-exports only; docs/architecture.md explains the layout.
"""

import warnings as _warnings

from tapeflow import autograph, bitwise, config, dtypes, linalg, math, nn, random, test, version
from tapeflow.autodiff.tape import GradientTape, UnconnectedGradients
from tapeflow.core import errors, nest
from tapeflow.core.convert import register_tensor_conversion_function
from tapeflow.core.convert import (
    convert_to_tensor, get_static_value, is_symbolic_tensor, is_tensor,
)
from tapeflow.core.dtypes import (
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half, int8, int16,
    int32, int64, string, uint8, uint16, uint32, uint64,
)
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.core.scopes import (
    control_dependencies, device, executing_eagerly, get_current_name_scope, group, init_scope,
    inside_function, name_scope, no_op,
)
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.variables import Variable
from tapeflow.tracing.function import TensorSpec, function
from tapeflow.ops import operators as _operators  # noqa: F401 - installs x + y, x[i], ...
from tapeflow.ops.array_ops import *  # noqa: F403
from tapeflow.ops.array_ops import tensor_tuple as tuple  # noqa: A004
from tapeflow.ops.gather_ops import boolean_mask, gather, repeat, roll
from tapeflow.ops.slicing_ops import slice, strided_slice
from tapeflow.ops.clip_ops import clip_by_global_norm, clip_by_norm
from tapeflow.ops.creation_ops import *  # noqa: F403
from tapeflow.ops.einsum_ops import einsum
from tapeflow.ops.linalg_ops import matmul, tensordot
from tapeflow.ops.norm_ops import norm
from tapeflow.ops.logging_ops import print_v2 as print  # noqa: A004
from tapeflow.ops.math_ops import (
    abs, acos, acosh, add, add_n, asin, asinh, atan, atan2, atanh, cast, clip_by_value, complex, cos, cosh,
    divide, equal, exp, floor, greater, greater_equal, less, less_equal, logical_and, logical_not,
    logical_or, maximum, minimum, multiply, negative, not_equal, pow, round, saturate_cast, sigmoid, sign,
    sin, sinh, sqrt, square, subtract, tan, tanh, truediv, truncatediv, where,
)
from tapeflow.ops.math_ops import truediv as realdiv
from tapeflow.ops.math_utility_ops import truncatemod
from tapeflow.ops.initializers import constant_initializer, ones_initializer, zeros_initializer
from tapeflow.random.initializers import random_normal_initializer, random_uniform_initializer
from tapeflow.ops.partition_ops import dynamic_partition, dynamic_stitch
from tapeflow.ops.scatter_ops import (
    gather_nd, scatter_nd, tensor_scatter_nd_add, tensor_scatter_nd_max, tensor_scatter_nd_min,
    tensor_scatter_nd_sub, tensor_scatter_nd_update,
)
from tapeflow.ops.sequence_ops import reverse_sequence, sequence_mask
from tapeflow.ops.sort_ops import argsort, searchsorted, sort, unique, unique_with_counts
from tapeflow.ops.reduce_ops import (
    argmax, argmin, cumsum, reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min,
    reduce_prod, reduce_sum,
)

# NumPy warns on 1/0 or log(0) where TensorFlow returns inf or nan silently: ignore NumPy's warnings
# raised from tapeflow's kernels only (a filter costs nothing until a warning is raised).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tapeflow\.")

newaxis = None
__version__ = version.VERSION


# Loaded on first use, keeping `import tapeflow` fast: public name -> (module, attribute).
_LAZY = {
    "keras": ("tapeflow.keras", None),
    "optimizers": ("tapeflow.keras.optimizers", None),
    "Module": ("tapeflow.module", "Module"),
    "cond": ("tapeflow.control_flow.cond", "cond"),
    "while_loop": ("tapeflow.control_flow.while_loop", "while_loop"),
    "switch_case": ("tapeflow.control_flow.case_ops", "switch_case"),
    "case": ("tapeflow.control_flow.case_ops", "case"),
    "py_function": ("tapeflow.control_flow.script_ops", "py_function"),
    "numpy_function": ("tapeflow.control_flow.script_ops", "numpy_function"),
    "custom_gradient": ("tapeflow.control_flow.custom_gradient", "custom_gradient"),
    "recompute_grad": ("tapeflow.control_flow.custom_gradient", "recompute_grad"),
    "grad_pass_through": ("tapeflow.control_flow.custom_gradient", "grad_pass_through"),
    "type_spec_from_value": ("tapeflow.tracing.signatures", "type_spec_from_value"),
    "scalar_mul": ("tapeflow.ops.math_utility_ops", "scalar_mul"),
    "TensorArray": ("tapeflow.control_flow.tensor_array", "TensorArray"),
    "data": ("tapeflow.data", None),
    "distribute": ("tapeflow.distribute", None),
    "strings": ("tapeflow.strings", None),
    "io": ("tapeflow.io", None),
    "experimental": ("tapeflow.experimental", None),
    "ragged": ("tapeflow.ragged", None),
    "sparse": ("tapeflow.sparse", None),
    "types": ("tapeflow.types", None),
    "initializers": ("tapeflow.keras.initializers", None),
    "losses": ("tapeflow.keras.losses", None),
    "metrics": ("tapeflow.keras.metrics", None),
    "SparseTensor": ("tapeflow.ops.sparse_tensor", "SparseTensor"),
    "SparseTensorSpec": ("tapeflow.ops.sparse_tensor", "SparseTensorSpec"),
    "RaggedTensor": ("tapeflow.ops.ragged_tensor", "RaggedTensor"),
    "RaggedTensorSpec": ("tapeflow.ops.ragged_spec", "RaggedTensorSpec"),
    "as_string": ("tapeflow.ops.string_ops", "as_string"),
    "gradients": ("tapeflow.autodiff.graph_gradients", "gradients"),
    "hessians": ("tapeflow.autodiff.graph_gradients", "hessians"),
    "debugging": ("tapeflow.debugging", None),
    "train": ("tapeflow.train", None),
    "summary": ("tapeflow.summary", None),
    "Assert": ("tapeflow.ops.check_ops", "Assert"),
    "assert_equal": ("tapeflow.ops.check_ops", "assert_equal"),
    "assert_greater": ("tapeflow.ops.check_ops", "assert_greater"),
    "assert_less": ("tapeflow.ops.check_ops", "assert_less"),
    "assert_rank": ("tapeflow.ops.check_ops", "assert_rank"),
    "ensure_shape": ("tapeflow.ops.check_ops", "ensure_shape"),
    "map_fn": ("tapeflow.control_flow.functional_ops", "map_fn"),
    "scan": ("tapeflow.control_flow.functional_ops", "scan"),
    "foldl": ("tapeflow.control_flow.functional_ops", "foldl"),
    "foldr": ("tapeflow.control_flow.functional_ops", "foldr"),
}


def get_logger():
    """`tf.get_logger`: the `tensorflow` logger of Python's logging, where TensorFlow logs."""
    import logging

    return logging.getLogger("tensorflow")


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'tapeflow' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted([*globals(), *_LAZY])
