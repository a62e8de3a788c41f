"""`tf.TensorSpec`, and a concrete function's signature as TensorFlow prints it: the text of
`print(concrete_function)`, `pretty_printed_signature()` and
`Function.pretty_printed_concrete_signatures()` — each parameter with its kind and the type of what
it was traced with (`TensorSpec(...)` for a tensor, `Literal[2]` for a Python value), the outputs'
types, and the variables captured."""

from __future__ import annotations

import inspect
from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.graph.ir import Graph
from tapeflow.ops.variables import VariableArgument

__all__ = ["TensorSpec", "VariableSpec", "parameters", "signature_text"]


class TensorSpec:
    """`tf.TensorSpec`: the shape and dtype a function argument must have."""

    def __init__(self, shape: Any, dtype: Any = dtypes.float32, name: str | None = None):
        self.shape, self.dtype, self.name = TensorShape(shape), dtypes.as_dtype(dtype), name

    def is_compatible_with(self, value: Any) -> bool:
        return value.dtype == self.dtype and self.shape.is_compatible_with(value.shape)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape,
            other.dtype,
            other.name,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


class VariableSpec:
    """What a trace was made for where a variable was passed (TensorFlow's, which is not public):
    every variable of this shape, dtype and trainability shares the trace; `alias_id` tells apart the
    calls that pass one variable twice from those that pass two."""

    def __init__(self, shape: Any, dtype: Any, trainable: bool, alias_id: int):
        self.shape, self.dtype = TensorShape(shape), dtypes.as_dtype(dtype)
        self.trainable, self.alias_id = trainable, alias_id

    def __repr__(self) -> str:
        return (f"VariableSpec(shape={tuple(self.shape.as_list())}, dtype={self.dtype!r}, "
                f"trainable={self.trainable}, alias_id={self.alias_id})")


def type_spec_from_value(value: Any) -> Any:
    """`tf.type_spec_from_value`: a tensor's TensorSpec, a composite tensor's own spec."""
    spec = getattr(value, "_type_spec", None)
    if spec is not None:
        return spec
    if isinstance(value, Tensor | SymbolicTensor) or hasattr(value, "dtype") and hasattr(value, "shape"):
        return TensorSpec(value.shape, value.dtype)
    raise TypeError(f"Could not build a TypeSpec for {value!r} of unsupported type {type(value)}.")


def parameters(function: Any, args: tuple, kwargs: dict) -> list[tuple[str, str, Any]]:
    """(name, kind, value) for each parameter of `function` called with `args` and `kwargs`,
    defaults filled in; `*args` become `args_0`, `args_1`... (positional-only), `**kwargs` their keys."""
    try:
        signature = inspect.signature(function)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):  # (no signature to read: name them by position, as TF does)
        return [(f"args_{i}", "POSITIONAL_ONLY", a) for i, a in enumerate(args)] + [
            (k, "KEYWORD_ONLY", v) for k, v in kwargs.items()]
    bound.apply_defaults()
    found = []
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            found += [(f"{name}_{i}", "POSITIONAL_ONLY", v) for i, v in enumerate(value)]
        elif kind is inspect.Parameter.VAR_KEYWORD:
            found += [(k, "KEYWORD_ONLY", v) for k, v in value.items()]
        else:
            found.append((name, kind.name, value))
    return found


def type_text(value: Any) -> str:
    """What TensorFlow calls the type of a traced value: `TensorSpec(...)`, `Literal[...]`, or a
    container of those (`List[...]`, `Tuple[...]`, `Dict[['key', ...], ...]`, `Point[['x', ...], ...]`)."""
    if isinstance(value, TensorSpec | VariableSpec):
        return repr(value)
    if isinstance(value, Tensor | SymbolicTensor):
        return repr(TensorSpec(value._value.shape, dtypes.from_numpy(value._value.dtype)))
    if value is None or isinstance(value, bool | int | float | str):
        return f"Literal[{value!r}]"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return f"{type(value).__name__}[{_pairs(zip(value._fields, value))}]"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__.capitalize()}[{', '.join(map(type_text, value))}]"
    if isinstance(value, dict):
        return f"Dict[{_pairs((k, value[k]) for k in sorted(value))}]"
    return type(value).__qualname__


def _pairs(items: Any) -> str:
    return ", ".join(f"[{key!r}, {type_text(v)}]" for key, v in items)


def signature_text(params: list, outputs: Any, graph: Graph, verbose: bool = True) -> str:
    """A concrete function's signature: parameters, output type and (verbose) captured variables."""
    output = type_text(outputs)
    if not verbose:
        return f"({_compact(params)}) -> {output}"
    lines = ["Input Parameters:", *(f"  {name} ({kind}): {type_text(v)}" for name, kind, v in params),
             "Output Type:", f"  {output}", "Captures:"]
    resource = "TensorSpec(shape=(), dtype=tf.resource, name=None)"  # (what a variable is captured as)
    lines += [f"  {key}: {resource}" for key in _variables(graph, {})] or ["  None"]
    return "\n".join(lines)


def _compact(params: list) -> str:
    """`x: T, y: T, /, *, k: T`: TensorFlow's one-line form, with Python's markers of parameter kinds."""
    parts, kinds = [], [kind for _, kind, _ in params]
    for i, (name, kind, value) in enumerate(params):
        if kind == "KEYWORD_ONLY" and "KEYWORD_ONLY" not in kinds[:i]:
            parts.append("*")
        parts.append(f"{name}: {type_text(value)}")
        if kind == "POSITIONAL_ONLY" and (i + 1 == len(params) or kinds[i + 1] != "POSITIONAL_ONLY"):
            parts.append("/")
    return ", ".join(parts)


def _variables(graph: Graph, found: dict) -> dict:
    """The ids of the variables `graph` (and the graphs nested in it) reads or assigns, in order (not
    those passed as arguments)."""
    for eq in graph.equations:
        touches = eq.op.effect.variables if eq.op.effect is not None else None
        variable = (eq.inputs[0] if touches == "read" else eq.params["variable"] if touches == "write"
                    else None)
        if variable is not None and type(variable) is not VariableArgument:
            found.setdefault(id(variable), None)
        for nested in eq.params.values():
            if isinstance(nested, Graph):
                _variables(nested, found)
    return found
