"""`tf.sparse`: sparse tensors (ops/sparse_tensor.py) and their operations (ops/sparse_ops.py)."""

from tapeflow.ops.sparse_ops import from_dense, map_values, sparse_dense_matmul
from tapeflow.ops.sparse_ops import sparse_add as add
from tapeflow.ops.sparse_ops import sparse_reduce_sum as reduce_sum
from tapeflow.ops.sparse_ops import sparse_reorder as reorder
from tapeflow.ops.sparse_ops import sparse_reshape as reshape
from tapeflow.ops.sparse_ops import sparse_retain as retain
from tapeflow.ops.sparse_ops import sparse_slice as slice  # noqa: A004
from tapeflow.ops.sparse_ops import sparse_softmax as softmax
from tapeflow.ops.sparse_ops import sparse_to_dense as to_dense
from tapeflow.ops.sparse_ops import sparse_transpose as transpose
from tapeflow.ops.sparse_tensor import SparseTensor

__all__ = ["SparseTensor", "add", "from_dense", "map_values", "reduce_sum", "reorder", "reshape", "retain",
           "slice", "softmax", "sparse_dense_matmul", "to_dense", "transpose"]
