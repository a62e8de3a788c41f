"""`tf.random`: random tensors (filled in by tapeflow.ops.random_ops)."""

__all__: list = []
