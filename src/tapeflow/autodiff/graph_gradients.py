"""`tf.gradients` and `tf.hessians`: gradients of the values of the graph being traced, for code
written for TensorFlow's graphs (they only work inside `tf.function`, as in TensorFlow 2).

No tape is needed: the graph's equations, in the order they were traced, are exactly what a tape
would have recorded, so the same reverse sweep (`backprop.backward`) runs over them, adding the
gradient's equations to the same graph.
"""

from __future__ import annotations

from typing import Any

from tapeflow.autodiff import backprop
from tapeflow.autodiff.tape import UnconnectedGradients
from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.state import current
from tapeflow.core.tensor import TensorLike
from tapeflow.ops.array_ops import reshape, stack
from tapeflow.ops.shape_ops import known, ones_like, zeros_like

__all__ = ["gradients", "hessians"]


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients", gate_gradients: bool = False,
              aggregation_method: Any = None, stop_gradients: Any = None,
              unconnected_gradients: Any = "none") -> list:
    """`tf.gradients`: d(sum of ys)/d(x) for each x in xs (None where unconnected, or zeros with
    `unconnected_gradients="zero"`); `grad_ys` weights each y."""
    if not current().graphs:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                           "tf.GradientTape instead.")
    if stop_gradients is not None:
        raise NotImplementedError("tf.gradients(stop_gradients=...) is not supported: wrap those values "
                                  "in tf.stop_gradient.")
    targets = [convert_to_tensor(y) for y in nest.flatten(ys)]
    sources = nest.flatten(xs)
    for x in sources:
        if not isinstance(x, TensorLike):
            raise TypeError(f"tf.gradients: xs must be tensors or variables, got {x!r}")
    seeds = None if grad_ys is None else [
        ones_like(y) if g is None else g for y, g in zip(targets, nest.flatten(grad_ys))]
    graph = current().graphs[-1]
    entries = [(eq.op, eq.inputs, eq.params, eq.outputs if eq.op.multiple_results else eq.outputs[0])
               for eq in graph.equations]
    grads = backprop.backward(entries, targets, sources, seeds, {id(x) for x in sources})
    if UnconnectedGradients(getattr(unconnected_gradients, "value", unconnected_gradients)) is (
            UnconnectedGradients.ZERO):
        grads = [zeros_like(x) if g is None else g for g, x in zip(grads, sources)]
    return grads


def hessians(ys: Any, xs: Any, name: str = "hessians", colocate_gradients_with_ops: bool = False,
             gate_gradients: bool = False, aggregation_method: Any = None) -> list:
    """`tf.hessians`: for each x in xs, the matrix of second derivatives of sum(ys), of shape
    `x.shape + x.shape` (one gradient of the gradient per element of x)."""
    result = []
    for x in nest.flatten(xs):
        if not known(x):
            raise NotImplementedError(f"tf.hessians needs the shape of {x} known while tracing.")
        (first,) = gradients(ys, [x])
        if first is None:
            result.append(None)
            continue
        flat = reshape(convert_to_tensor(first), [-1])
        rows = [gradients(flat[k], [x])[0] for k in range(flat._value.shape[0])]
        rows = [zeros_like(x) if r is None else convert_to_tensor(r) for r in rows]
        shape = tuple(x._value.shape)
        result.append(reshape(stack(rows), shape + shape))
    return result
