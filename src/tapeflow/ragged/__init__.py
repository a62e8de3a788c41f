"""`tf.ragged`: ragged tensors (ragged_tensor.py)."""

from tapeflow.ops.ragged_tensor import RaggedTensor, constant, is_ragged, map_flat_values

__all__ = ["RaggedTensor", "constant", "is_ragged", "map_flat_values"]
