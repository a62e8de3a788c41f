"""`tf.autodiff.ForwardAccumulator`: Jacobian-vector products (forward-mode derivatives).

The accumulator records the ops of its block on a persistent tape watching the primals. A product
J·v is then had from reverse mode twice: the vector-Jacobian product u ↦ uᵀJ is linear in the
cotangent u, so the gradient of ⟨uᵀJ, v⟩ with respect to u is J·v. The first sweep runs under a
second tape that watches u; every gradient rule is written in tapeflow ops, so that tape records
it and differentiates it. The results are TensorFlow's, to any nesting with GradientTapes
(forward-over-reverse Hessian-vector products included), eagerly and inside `tf.function`; the
cost is two reverse sweeps per `jvp` call instead of TensorFlow's one forward pass.
"""

from __future__ import annotations

from typing import Any

from tapeflow.autodiff.tape import GradientTape, UnconnectedGradients
from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import TensorLike
from tapeflow.ops.math_ops import add_n
from tapeflow.ops.reduce_ops import reduce_sum
from tapeflow.ops.shape_ops import zeros_like

__all__ = ["ForwardAccumulator"]


class ForwardAccumulator:
    """`tf.autodiff.ForwardAccumulator(primals, tangents)`: a context in which `jvp(t)` is the
    derivative of `t` along `tangents` (see the module doc)."""

    def __init__(self, primals: Any, tangents: Any):
        nest.assert_same_structure(primals, tangents)
        self._primals = nest.flatten(primals)
        for p in self._primals:
            if not isinstance(p, TensorLike):
                raise TypeError(f"ForwardAccumulator primals must be tensors or variables, got {p!r}")
        self._tangents = [convert_to_tensor(t, dtype=p.dtype)
                          for p, t in zip(self._primals, nest.flatten(tangents))]
        for p, t in zip(self._primals, self._tangents):
            if not p.shape.is_compatible_with(t.shape):
                raise ValueError(f"Mismatched shape for primal {p} and tangent {t}")
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)

    def __enter__(self) -> ForwardAccumulator:
        self._tape.__enter__()
        self._tape.watch(self._primals)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._tape.__exit__(*exc)

    def jvp(self, primals: Any, unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """The derivative of each tensor in `primals` along the tangents (None where it does not
        depend on the accumulator's primals, or zeros with `unconnected_gradients="zero"`)."""
        zero = UnconnectedGradients(getattr(unconnected_gradients, "value", unconnected_gradients)) is (
            UnconnectedGradients.ZERO)
        return nest.map_structure(lambda t: self._jvp(convert_to_tensor(t), zero), primals)

    def _jvp(self, target: Any, zero: bool) -> Any:
        if not target.dtype.is_floating and not target.dtype.is_complex:
            return zeros_like(target) if zero else None
        cotangent = zeros_like(target)
        with GradientTape() as outer:
            outer.watch(cotangent)
            with self._tape.paused():  # its own backward pass is not part of what it accumulates
                grads = self._tape.gradient(target, self._primals, output_gradients=cotangent)
            products = [reduce_sum(convert_to_tensor(g) * t) for g, t in zip(grads, self._tangents)
                        if g is not None]
            if not products:
                return zeros_like(target) if zero else None
            total = products[0] if len(products) == 1 else add_n(products)
        return outer.gradient(total, cotangent, unconnected_gradients="zero")

