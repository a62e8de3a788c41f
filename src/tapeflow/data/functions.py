"""User functions of a pipeline (`map`, `filter`, `scan`...): traced once, run compiled, and — when
exact — run on many elements at once.

As in TensorFlow, the function is traced once with `tf.function`'s machinery, with a placeholder
of each component's spec (so Python side effects happen once, at trace time), and the compiled
graph then runs on every element. A tuple element is passed as separate arguments, anything else
as one argument; lists in what it returns become tuples.

Vectorization: when the graph is only exactly rounded elementwise ops (arithmetic, casts,
comparisons) and broadcasting cannot reach the leading axis (every input-derived operand of an op
has the same rank, constants no more), running the compiled code on a block of stacked elements
gives the rows it would have given one by one — TensorFlow's map-vectorization, applied by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapeflow.core import errors, nest
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.data import structure
from tapeflow.tracing.function import Function


# Ops whose results are correctly rounded per element whatever the array's size (no SIMD-dependent
# transcendental approximations), so a whole block gives the same rows as each element alone.
class TracedFunction:
    """A dataset's user function traced for elements of `input_spec`; called on flat values."""

    def __init__(self, func: Callable, input_spec: Any, transformation: str):
        self.transformation = transformation
        self._input_spec = input_spec
        function_name = getattr(func, "__name__", "function").strip("<>")
        name = transformation.strip("()").replace(".", "_") + "_" + function_name  # Dataset_map_lambda
        converted = Function(func)._traced_function()  # AutoGraph's version of the user's function

        def normalized(*args: Any) -> Any:
            return structure.normalize(structure.tuples(converted(*args)))

        normalized.__name__ = name
        args = input_spec if type(input_spec) is tuple else (input_spec,)
        concrete = Function(normalized, autograph=False).get_concrete_function(*args)
        self.output_spec = nest.map_structure(structure.spec_of, concrete.structured_outputs)
        self._run = concrete._compiled
        self.graph = concrete.graph
        self._composite = structure.has_composites(input_spec) or structure.has_composites(self.output_spec)
        self._flat_specs = nest.flatten(input_spec), nest.flatten(self.output_spec)
        self.vectorizable = not self._composite and _vectorizable(concrete.graph)

    def __call__(self, flat: list) -> list:
        try:
            if self._composite:  # ragged and sparse values go in and come out as their components
                inputs, outputs = self._flat_specs
                return structure.close_flat(list(self._run(*structure.open_flat(flat, inputs))), outputs)
            return list(self._run(*flat))
        except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
            raise errors.InvalidArgumentError(None, None, f"{e} (in the function of {self.transformation}) "
                                              f"[Op:IteratorGetNext]") from e


def _vectorizable(graph: Any) -> bool:
    """Whether the compiled graph may run on a block of elements (see the module doc)."""
    if graph.captures:
        return False
    ranks = {id(x): x._value.ndim for x in graph.inputs}
    for eq in graph.equations:
        if not eq.op.batchable or eq.op.effect is not None or len(eq.outputs) != 1:
            return False
        derived = [ranks[id(x)] for x in eq.inputs if type(x) is SymbolicTensor and id(x) in ranks]
        if not derived or len(set(derived)) != 1:
            return False
        rank = derived[0]
        if any(type(x) is SymbolicTensor and id(x) not in ranks for x in eq.inputs):
            return False
        if any(type(x) is Tensor and x._value.ndim > rank for x in eq.inputs):
            return False
        ranks[id(eq.outputs[0])] = eq.outputs[0]._value.ndim
        if ranks[id(eq.outputs[0])] != rank:
            return False
    return all(type(x) is SymbolicTensor and id(x) in ranks for x in graph.outputs)
