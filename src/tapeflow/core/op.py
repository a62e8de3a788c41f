"""What an op is, and `bind`: the one place where an op is applied.

An `Op` is a primitive: a name (TensorFlow's, used in error messages), a NumPy kernel, and one
gradient rule per input. A rule is called as `rule(g, y, *inputs, **params)` with the gradient `g`
flowing into the op's output `y` and returns the gradient for its input, written with tapeflow ops
so that an outer tape records it (second order needs nothing more). `None` as a rule means the
input is not differentiable (indices, shapes, comparisons). An op whose inputs' gradients share
their work (control flow, `tf.custom_gradient`) has instead one `joint` rule giving them all.

`bind(op, inputs, params)` runs the kernel on the inputs' values and wraps the result — or, while a
function is being traced and an input is symbolic (or the op has effects), adds an equation to the
graph instead — and offers the result to the tapes recording in this thread. That is the only
difference between eager and traced execution; nothing else in tapeflow calls a kernel on a tensor's behalf.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from tapeflow.core import errors
from tapeflow.core.state import current, peek
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor

EMPTY: dict = {}  # shared params of ops that take none; never mutated



class Op:
    """A primitive operation: kernel and gradient rules declared together (see module doc)."""

    __slots__ = ("name", "kernel", "grads", "multiple_results", "sparse_ok", "effectful", "infer", "emit",
                 "infix", "joint")

    def __init__(self, name: str, kernel: Callable, grads: Sequence[Callable | None] | None = (),
                 multiple_results: bool = False, sparse_ok: bool = False, effectful: str | None = None,
                 infer: Callable | None = None, emit: Callable | None = None, infix: str | None = None,
                 joint: Callable | None = None):
        self.name = name
        self.kernel = kernel
        self.grads = grads  # one rule (or None) per input; None as a whole: no gradient at all
        self.multiple_results = multiple_results
        self.sparse_ok = sparse_ok  # the rules pass an IndexedSlices gradient on (reads, identity)
        # The op's effect, if any: "write" (a variable, `params["variable"]`), "print", "assert" (raises
        # if a check fails), "draw" (random), "python" (runs Python, which may do anything), "control"
        # (subgraphs that may hold effects) run
        # on every call of a compiled function, in program order; a "read" (of a variable) is ordered
        # the same way but dropped when unused. `infer` gives their results' shapes without running them.
        self.effectful = effectful
        self.infer = infer
        self.emit = emit  # generated code for the op, if not a kernel call (control flow)
        self.infix = infix  # the Python operator that applies the kernel's ufunc (`+` for np.add)
        # One rule for all inputs at once, `joint(g, y, *inputs, **params)` -> a gradient (or None) per
        # input, for ops whose gradients share their work (control flow reruns a subgraph once).
        self.joint = joint

    def __repr__(self) -> str:
        return f"<Op {self.name}>"


def variadic(name: str, kernel: Callable, rule: Callable | None, n: int, **flags) -> Op:
    """The op `name` taking `n` inputs (concat, stack, add_n, control flow): one Op per arity, made on
    first use; input i's rule is `rule(i, g, y, *inputs, **params)` (or, with no `rule`, a `joint`
    rule among the `flags`, which are as for `Op`)."""
    key = (name, kernel, rule, n)
    op = _VARIADIC.get(key)
    if op is None:
        grads = () if rule is None else tuple(functools.partial(rule, i) for i in range(n))
        op = _VARIADIC[key] = Op(name, kernel, grads, **flags)
    return op


_VARIADIC: dict = {}


def bind(op: Op, inputs: tuple, params: dict = EMPTY):
    """Apply `op` to tensors `inputs` (already converted and checked) with static `params`."""
    state = peek()  # this thread's tapes and traced graphs (core/state.py); none: the kernel runs now
    if (state.graphs or state.tapes) and (state := current()).graphs and (
            op.effectful or any(type(x) is SymbolicTensor for x in inputs)):
        result = state.graphs[-1].add(op, inputs, params)
    else:
        try:  # (the common arities spelled out: unpacking a generator costs more than the kernel)
            if len(inputs) == 1:
                out = op.kernel(inputs[0]._value, **params)
            elif len(inputs) == 2:
                out = op.kernel(inputs[0]._value, inputs[1]._value, **params)
            else:
                out = op.kernel(*[x._value for x in inputs], **params)
        except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
            raise kernel_error(op, inputs, params, e) from None
        result = tuple(map(Tensor, out)) if op.multiple_results else Tensor(out)
    if state.tapes:
        for tape in state.tapes:
            tape.record(op, inputs, params, result)
    return result


def kernel_error(op: Op, inputs: tuple, params: dict, cause: Exception) -> errors.OpError:
    """TensorFlow's error for a kernel that rejected its inputs, naming the op and their shapes."""
    shapes = [list(getattr(x._value, "shape", ())) for x in inputs]
    text = str(cause)
    if isinstance(cause, ZeroDivisionError):
        message = text
    elif "broadcast" in text and len(shapes) == 2:
        message = f"Incompatible shapes: {shapes[0]} vs. {shapes[1]}"
    else:
        described = ", ".join(f"{x.dtype.name}{s}" for x, s in zip(inputs, shapes))
        settings = "".join(f", {k}={v!r}" for k, v in params.items())
        message = f"{op.name} cannot be computed on inputs ({described}){settings}: {text}"
    return errors.InvalidArgumentError(None, None, f"{message} [Op:{op.name}]")
