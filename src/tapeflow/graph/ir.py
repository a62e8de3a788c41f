"""The graph IR: a traced function as a list of equations in SSA form.

An `Equation` applies one op to inputs — symbolic values of the graph, constants (concrete
`Tensor`s captured while tracing) or variables (captured by reference, read when the code runs) —
and defines new symbolic values. Equations stay in the order the Python code ran them, which is
the order effects (variable reads and writes, prints, random draws) must keep. `Graph.add` is what
`bind` calls while tracing: it works out the results' shapes and dtypes (the op's `infer` rule, or by
running the kernel on stand-in zeros) without computing anything.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.core.op import Op, bind, kernel_error
from tapeflow.core.state import paused
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor

# A read replayed from a record (see Graph.evaluate): its value is the one recorded; its gradient goes
# to `source`, the variable's value read before the loop, as a read's goes to its variable.
_REPLAYED_READ = Op("ReplayedRead", lambda source, value: value, (lambda g, y, source, value: g, None),
                    sparse_ok=True)


class Equation:
    """`outputs = op(*inputs, **params)`."""

    __slots__ = ("op", "inputs", "params", "outputs")

    def __init__(self, op: Op, inputs: tuple, params: dict, outputs: tuple):
        self.op, self.inputs, self.params, self.outputs = op, inputs, params, outputs

    def __repr__(self) -> str:
        outs = ", ".join(o._name for o in self.outputs) or "_"
        args = ", ".join(_describe(x) for x in self.inputs)
        params = "".join(f", {k}={_param_text(v)}" for k, v in self.params.items() if _shown(k))
        return f"{outs} = {self.op.name}({args}{params})"


class Graph:
    """Equations traced from one call of a Python function, with its inputs and outputs."""

    def __init__(self, name: str, parent: Graph | None = None):
        self.name = name
        self.parent = parent  # the graph this one is traced inside (a loop body, a branch)
        self.inputs: list[SymbolicTensor] = []
        self.equations: list[Equation] = []
        self.outputs: list = []  # flat: SymbolicTensor, Tensor (a constant) or None
        self.captures: list[tuple[SymbolicTensor, SymbolicTensor]] = []  # (value outside, input inside)
        self._captured: dict[int, SymbolicTensor] = {}  # by id of the outside value
        self._count = 0
        self._labels: dict[str, int] = {}  # how often each TensorFlow-style name was used
        # id(variable) -> the input standing for its value read before this (loop body) graph runs
        self.variable_reads: dict[int, SymbolicTensor] = {}

    def _symbol(self, value: AbstractValue, label: str) -> SymbolicTensor:
        self._count += 1
        return SymbolicTensor(value, self, f"v{self._count}", label)

    def _unique(self, base: str) -> str:
        """`base`, then `base_1`, `base_2`...: TensorFlow's names for a graph's operations."""
        seen = self._labels.get(base, 0)
        self._labels[base] = seen + 1
        return f"{base}_{seen}" if seen else base

    def placeholder(self, shape: tuple, dtype: Any, name: str = "Placeholder") -> SymbolicTensor:
        """A new input of the graph."""
        symbol = self._symbol(AbstractValue(shape, dtype), f"{self._unique(name)}:0")
        self.inputs.append(symbol)
        return symbol

    def capture(self, x: SymbolicTensor | Tensor) -> SymbolicTensor:
        """`x`, a value of an enclosing graph (or a concrete tensor a tape watches), as an extra input
        of this one (captured once)."""
        if type(x) is SymbolicTensor and x._graph is self:
            return x
        inner = self._captured.get(id(x))
        if inner is None:
            outer = self.parent.capture(x) if self.parent is not None and type(x) is SymbolicTensor else x
            inner = self._captured[id(x)] = self.placeholder(x._value.shape, x._value.dtype)
            self.captures.append((outer, inner))
        return inner

    def add(self, op: Op, inputs: tuple, params: dict):
        """Record `op` applied to `inputs`; returns its symbolic result(s), as `bind` would."""
        if any(type(x) is SymbolicTensor and x._graph is not self for x in inputs):
            inputs = tuple(self.capture(x) if type(x) is SymbolicTensor else x for x in inputs)
        avals = _infer(op, inputs, params)
        base = self._unique(op.label)
        outputs = tuple(self._symbol(a, f"{base}:{i}") for i, a in enumerate(avals))
        self.equations.append(Equation(op, inputs, params, outputs))
        return outputs if op.multiple_results else outputs[0]

    def producer(self, x: SymbolicTensor) -> Equation | None:
        """The equation of this graph that computed `x` (None for an input)."""
        return next((eq for eq in reversed(self.equations) if any(o is x for o in eq.outputs)), None)

    def lift(self, x: SymbolicTensor, known: dict[int, Tensor]) -> Tensor | None:
        """`x`'s value now, from the equations it depends on run eagerly, with `known` values (by the
        id of an input) for the inputs they read; None when one they read is not known. TensorFlow
        lifts a variable's initial value out of the function being traced so."""
        needed, wanted = [], {id(x)}
        for eq in reversed(self.equations):
            if any(id(o) in wanted for o in eq.outputs):
                needed.append(eq)
                wanted.update(id(i) for i in eq.inputs if type(i) is SymbolicTensor)
        if any(id(i) in wanted and id(i) not in known for i in self.inputs):
            return None
        env = dict(known)
        with paused():
            for eq in reversed(needed):
                result = bind(eq.op, tuple(env[id(i)] if type(i) is SymbolicTensor else i for i in eq.inputs),
                              eq.params)
                env.update(zip(map(id, eq.outputs), result if eq.op.multiple_results else (result,)))
        return env[id(x)]

    def evaluate(self, inputs: list, replay: dict[int, tuple] | None = None, rerun: bool = False) -> list:
        """Run the equations through `bind` on `inputs` (values for `self.inputs`, captures included):
        eagerly, the active tapes record every op; while tracing, they are added to the outer graph.

        With `replay` (equation index -> the values it gave when the code ran: arrays, or the tensors
        holding them), the run repeats an earlier one without its effects: those equations give
        their recorded values (a variable read stays connected to the variable's value read before),
        variable writes and prints are skipped. That is how a loop or a branch with effects is run
        again to be differentiated. `rerun` (a run again for a gradient, nothing recorded to replay)
        skips the prints, summaries and writes too; a skipped op's results read as zeros."""
        env = {id(x): t for x, t in zip(self.inputs, inputs)}

        def resolve(x: Any) -> Any:
            return env[id(x)] if type(x) is SymbolicTensor else x

        for index, eq in enumerate(self.equations):
            effect = eq.op.effect
            if rerun and effect is not None and effect.skipped:
                env.update((id(o), Tensor(o._value.example())) for o in eq.outputs)
                continue
            if replay is None and effect is not None and effect.variables == "read":  # tapes watch it
                result = eq.inputs[0].value()
            elif replay is None:
                result = bind(eq.op, tuple(map(resolve, eq.inputs)), eq.params)
            elif index in replay:
                values = [v if type(v) in (Tensor, SymbolicTensor) else Tensor(v) for v in replay[index]]
                if effect.variables == "read":
                    source = env[id(self.variable_reads[id(eq.inputs[0])])]
                    result = bind(_REPLAYED_READ, (source, values[0]))
                else:
                    result = tuple(values) if eq.op.multiple_results else values[0]
            elif effect is not None and effect.skipped:
                continue
            else:
                result = bind(eq.op, tuple(map(resolve, eq.inputs)), eq.params)
            env.update(zip(map(id, eq.outputs), result if eq.op.multiple_results else (result,)))
        return [resolve(x) for x in self.outputs]

    def __str__(self) -> str:
        """The graph as text: its equations, then the subgraphs of its control flow, indented."""
        lines = [f"graph {self.name}({', '.join(f'{x._name}: {x._value!r}' for x in self.inputs)}):"]
        lines += [f"  {eq!r}" for eq in self.equations]
        lines.append(f"  return {', '.join(_describe(x) for x in self.outputs)}")
        for eq in self.equations:
            for inner in eq.params.values():
                if isinstance(inner, Graph):
                    lines += ["  " + line for line in str(inner).splitlines()]
        return "\n".join(lines)


def _shown(key: str) -> bool:
    """Whether a parameter is worth printing: not a subgraph's compiled code (`true_fn`, `body_fn`:
    the subgraph itself is printed) nor the results' shapes (printed where they are used)."""
    return not key.endswith("_fn") and key != "avals"


def _param_text(value: Any) -> str:
    if isinstance(value, Graph):
        return value.name
    return getattr(value, "__name__", None) or repr(value) if callable(value) else repr(value)


def _describe(x: Any) -> str:
    if type(x) is SymbolicTensor:
        return x._name
    if x is None:
        return "None"
    if type(x) is Tensor:
        return (
            f"const({np.asarray(x._value).tolist()!r})"
            if np.size(x._value) <= 4
            else f"const{x._value.shape}"
        )
    return f"var({x.name})"


def _infer(op: Op, inputs: tuple, params: dict) -> list[AbstractValue]:
    """The shapes and dtypes of an op's results: its `infer` rule, else its kernel run on stand-ins
    (zeros; ones if zeros are rejected, as integer division rejects a zero divisor)."""
    if op.infer is not None:
        try:
            return op.infer(*(x._value for x in inputs), **params)
        except TypeError:  # (a rule that needs its inputs' ranks)
            if not any(type(x) is SymbolicTensor and x._value.shape is None for x in inputs):
                raise
    if all(type(x) is not SymbolicTensor or x._value.known for x in inputs):
        return _run_on_stand_ins(op, inputs, params, 1)
    if any(type(x) is SymbolicTensor and x._value.shape is None for x in inputs):
        return _infer_unknown_rank(op, inputs, params)
    return _infer_unknown(op, inputs, params)


# The shapes an input of unknown rank is tried with (a scalar, then ranks 1 to 4).
_RANK_CANDIDATES = ((), (2,), (3, 3), (2, 2, 2), (2, 2, 2, 2))


def _infer_unknown_rank(op: Op, inputs: tuple, params: dict) -> list[AbstractValue]:
    """Result shapes when the rank of an input is unknown (a `py_function`'s result): the op is
    inferred with those inputs of several ranks, of the other inputs' shapes, and as vectors as long as
    its integer parameters and their product (a reshape's). Where it takes every one, a result's
    dimensions that come out the same for all are known (a full reduction's scalar, the length of
    `tf.shape`'s vector); otherwise the results' ranks are unknown too. The dtypes come from the first
    shape the op takes."""
    others = [x._value.shape for x in inputs if type(x) is SymbolicTensor and x._value.shape is not None]
    lengths = [n for n in _integers(params) if n > 0]
    vectors = [(n,) for n in (*lengths, math.prod(lengths))] if lengths else []
    runs, failure = [], None
    for candidate in dict.fromkeys([*_RANK_CANDIDATES, *others, *vectors]):
        stand_ins = tuple(
            SymbolicTensor(AbstractValue(candidate, x._value.dtype), x._graph, x._name, x._label)
            if type(x) is SymbolicTensor and x._value.shape is None else x for x in inputs)
        try:
            runs.append(_infer(op, stand_ins, params))
        except errors.OpError as e:
            failure = failure or e
    if not runs:
        raise failure
    results = []
    for avals in zip(*runs):
        if failure is not None or len({a.ndim for a in avals}) > 1 or avals[0].shape is None:
            results.append(AbstractValue(None, avals[0].dtype))
        else:
            shape = [dims[0] if len(set(dims)) == 1 else None for dims in zip(*(a.shape for a in avals))]
            results.append(AbstractValue(shape, avals[0].dtype))
    return results


def _run_on_stand_ins(op: Op, inputs: tuple, params: dict, unknown: int) -> list[AbstractValue]:
    """The kernel run on zeros (or ones) with the inputs' shapes, unknown dimensions `unknown` long."""
    for fill in (np.zeros, np.ones):
        values = [_stand_in(x._value, fill, unknown) if type(x) is SymbolicTensor else x._value
                  for x in inputs]
        try:
            out = op.kernel(*values, **params)
            break
        except ZeroDivisionError:
            continue
        except (ValueError, IndexError, TypeError) as e:
            error = kernel_error(op, inputs, params, e)
            error.from_kernel = False  # shapes that do not fit, found while tracing (errors.while_tracing)
            raise error from None
        except errors.OpError as e:  # what the kernel found in the values
            e.from_kernel = True
            raise
    results = out if op.multiple_results else (out,)
    return [AbstractValue(np.shape(r), np.asarray(r).dtype) for r in results]


def _stand_in(value: AbstractValue, fill: Any, unknown: int) -> Any:
    """Zeros (or ones) standing for a traced value; empty strings for a string tensor."""
    if value.dtype == object:
        return value.example(unknown)
    return fill(value.example(unknown).shape, value.dtype)[()]


def _infer_unknown(op: Op, inputs: tuple, params: dict) -> list[AbstractValue]:
    """Result shapes when some input dimensions are unknown: the kernel runs with them 1 long and
    with two other lengths, chosen apart from every known dimension and every integer parameter (so a
    slice `[:2]` or a broadcast against a known axis cannot pass for a fixed size). A result dimension
    that comes out the same in every run that succeeds is known; any other is unknown. When none of
    these runs succeeds (an unknown dimension must equal a known one, as data's first to segment ids'),
    the known lengths are tried in turn. When only one run succeeds (with 1: a broadcast against a
    known axis), its dimensions of that length are unknown."""
    taken = {d for x in inputs for d in np.shape(x._value) if d is not None} | set(_integers(params))
    lengths = [1]
    candidate = max((abs(i) for i in _integers(params)), default=1) + 1
    while len(lengths) < 3:
        if candidate not in taken:
            lengths.append(candidate)
        candidate += 1
    runs, failure = [], None
    for length in lengths:
        try:
            runs.append((length, _run_on_stand_ins(op, inputs, params, length)))
        except errors.OpError as e:
            failure = failure or e
    for length in sorted(taken - {1}) if not runs else ():  # unknown dimensions that must match known ones
        try:
            runs.append((length, _run_on_stand_ins(op, inputs, params, length)))
            break
        except errors.OpError:
            continue
    if not runs:
        raise failure
    if len(runs) == 1:
        length, avals = runs[0]
        return [AbstractValue([None if d == length else d for d in a.shape], a.dtype) for a in avals]
    results = []
    for avals in zip(*(avals for _, avals in runs)):
        if len({a.ndim for a in avals}) > 1:
            raise NotImplementedError(
                f"{op.name}: the rank of its result depends on dimensions that are unknown while "
                f"tracing ({', '.join(repr(x._value) for x in inputs)}); tapeflow needs ranks known.")
        shape = [dims[0] if len(set(dims)) == 1 else None for dims in zip(*(a.shape for a in avals))]
        results.append(AbstractValue(shape, avals[0].dtype))
    return results


def _integers(value: Any):
    """The Python ints in an op's parameters (nested in tuples, lists and slices)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | np.integer):
        yield int(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _integers(v)
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _integers(v)
    elif isinstance(value, slice):
        yield from _integers((value.start, value.stop, value.step))
