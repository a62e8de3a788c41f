"""What an op is, and `bind`: the one place where an op is applied.

An `Op` is a primitive: a name (TensorFlow's, used in error messages), a NumPy kernel, its gradient
and what it does besides computing (its `Effect`). Gradients are written with tapeflow ops so that an
outer tape records them (second order needs nothing more), in one of two forms, named when declared:

* `grads`: one rule per input, `rule(g, y, *inputs, **params)` -> the gradient for that input, with
  `g` the gradient flowing into the op's output `y`; None for an input that is not differentiable
  (indices, shapes). A `variadic` op (any number of inputs: concat, AddN) has one rule for them all,
  called with the input's index first: `rule(i, g, y, *inputs, **params)`.
* `joint`: one rule giving every input's gradient at once, `joint(g, y, *inputs, **params)` -> a
  gradient (or None) per input, for ops whose gradients share their work (control flow reruns a
  subgraph once, `tf.custom_gradient` calls the user's function once).

An op with neither has no gradient: nothing flows through it (TensorFlow's `NotDifferentiable`). One
declared `unregistered` is one TensorFlow registers no gradient for: a gradient reaching it raises
TensorFlow's `LookupError` naming it (a gradient that does not reach it, as through its integer
results, raises nothing).

`bind(op, inputs, params)` runs the kernel on the inputs' values and wraps the result — or, while a
function is being traced and an input is symbolic (or the op has an effect), adds an equation to the
graph instead — and offers the result to the tapes recording in this thread. That is the only
difference between eager and traced execution; nothing else calls a kernel on a tensor's behalf.
"""

from __future__ import annotations

from _thread import get_ident
from collections.abc import Callable, Sequence

from tapeflow.core import errors
from tapeflow.core.state import ACTIVE, current, held
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor

EMPTY: dict = {}  # shared params of ops that take none; never mutated


class Effect:
    """What an op does besides computing its results. A compiled function runs every op with an effect
    on every call, in program order; the passes, the rerun of control flow for its gradient and the
    printed signatures decide what they may drop, merge, skip or repeat by these attributes alone.

    * `droppable`: its results unused, the equation may go (a variable read).
    * `replayed`: rerun to differentiate a loop or a branch, it gives what it gave the first time
      (recorded then): a read, a random draw.
    * `skipped`: not run again by such a rerun (a variable write, a print).
    * `unrepeatable`: running the code twice would repeat it differently (a write, a draw, Python),
      so a rerun needs the record or is refused.
    * `variables`: which variables it touches: "read" (its first input), "write" (`params["variable"]`),
      "any" (Python code may assign any), or None.
    """

    __slots__ = ("name", "droppable", "replayed", "skipped", "unrepeatable", "variables")

    def __init__(self, name: str, droppable: bool = False, replayed: bool = False, skipped: bool = False,
                 unrepeatable: bool = False, variables: str | None = None):
        self.name, self.droppable, self.replayed, self.skipped = name, droppable, replayed, skipped
        self.unrepeatable, self.variables = unrepeatable, variables

    def __repr__(self) -> str:
        return f"<Effect {self.name}>"


READ = Effect("read", droppable=True, replayed=True, variables="read")
WRITE = Effect("write", skipped=True, unrepeatable=True, variables="write")
PRINT = Effect("print", skipped=True)
SUMMARY = Effect("summary", skipped=True)  # a tf.summary write: kept and ordered like a print
ASSERT = Effect("assert")  # raises when a check fails
DRAW = Effect("draw", replayed=True, unrepeatable=True)  # random numbers
PYTHON = Effect("python", unrepeatable=True, variables="any")  # Python code, which may do anything
CONTROL = Effect("control")  # control flow: subgraphs (its parameters) that may hold effects
# An MPI collective: every worker must run it, in the same order; a rerun for a gradient replays it.
COLLECTIVE = Effect("collective", replayed=True, unrepeatable=True)


class Op:
    """A primitive operation: kernel, gradient and effect declared together (see module doc)."""

    __slots__ = ("name", "kernel", "grads", "joint", "variadic", "multiple_results", "sparse_ok", "effect",
                 "infer", "emit", "infix", "label", "identity", "neutral", "batchable", "differentiable",
                 "plain")

    def __init__(self, name: str, kernel: Callable, grads: Sequence[Callable | None] | Callable | None = None,
                 *, joint: Callable | None = None, variadic: bool = False, multiple_results: bool = False,
                 sparse_ok: bool = False, effect: Effect | None = None, infer: Callable | None = None,
                 emit: Callable | None = None, infix: str | None = None, label: str | None = None,
                 identity: bool = False, neutral: tuple | None = None, batchable: bool = False,
                 unregistered: bool = False):
        if (grads is not None) + (joint is not None) + unregistered > 1:
            raise ValueError(f"Op {name}: declare its gradient per input (grads), jointly, or as "
                             f"unregistered: one of them")
        if unregistered:
            joint = _unregistered(name)
        if variadic and grads is not None and not callable(grads):
            raise ValueError(f"Op {name}: a variadic op's grads is one rule taking the input's index first")
        self.name = name
        self.kernel = kernel
        self.joint = joint
        self.variadic = variadic  # takes any number of inputs
        self.multiple_results = multiple_results
        self.sparse_ok = sparse_ok  # the rules pass an IndexedSlices gradient on (reads, identity)
        self.effect = effect
        self.infer = infer  # the results' shapes and dtypes without running the kernel
        self.emit = emit  # generated code for the op, if not a kernel call (control flow)
        self.infix = infix  # the Python operator that applies the kernel's ufunc (`+` for np.add)
        self.label = label or name  # its node's name in a graph: TF calls `x * y`'s "mul", tf.multiply's too
        self.identity = identity  # returns its one input unchanged (the simplifier removes it)
        # (element, positions): an input equal to `element` at one of `positions` leaves the other
        # input as the result (x * 1, x + 0, x - 0, x / 1, x ** 1)
        self.neutral = neutral
        # Run on a batch of elements, it gives each element's own result, bit for bit (elementwise and
        # correctly rounded: +, *, /, sqrt, casts, comparisons): tf.data maps run once per batch so.
        self.batchable = batchable
        self.declare_grads(grads)

    def declare_grads(self, grads: Sequence[Callable | None] | Callable | None) -> None:
        """Set the per-input rules (`grads`): at construction, or just after it for rules that apply
        the op's own public function (gradient recipes, `ops/recipes.py`)."""
        self.grads = grads
        self.differentiable = grads is not None or self.joint is not None
        # a rule for each input, none missing: the reverse sweep's shortest path calls them directly
        self.plain = grads is not None and not self.variadic and all(rule is not None for rule in grads)

    def __repr__(self) -> str:
        return f"<Op {self.name}>"


def _unregistered(name: str) -> Callable:
    """The rule of an op TensorFlow has no gradient for: TensorFlow's error when one reaches it."""
    def rule(*_: object, **__: object) -> None:
        raise LookupError(f"gradient registry has no entry for: {name}")
    return rule


def bind(op: Op, inputs: tuple, params: dict = EMPTY):
    """Apply `op` to tensors `inputs` (already converted and checked) with static `params`."""
    # This thread's tapes and traced graphs (core/state.py: `current()`, inlined); when no thread has
    # any, the kernel just runs.
    state = None
    if ACTIVE:
        state = held()
        if state is None or state.owner != get_ident():
            state = current()
    if state is not None and state.graphs and (
            op.effect is not None or any(type(x) is SymbolicTensor for x in inputs)):
        result = state.graphs[-1].add(op, inputs, params)
    else:
        # (The common arities spelled out, and no `**params` when there are none: unpacking a
        # generator or an empty dict costs more than a small kernel.)
        try:
            if len(inputs) == 1:
                out = op.kernel(inputs[0]._value, **params) if params else op.kernel(inputs[0]._value)
            elif len(inputs) == 2:
                out = (op.kernel(inputs[0]._value, inputs[1]._value, **params) if params
                       else op.kernel(inputs[0]._value, inputs[1]._value))
            else:
                out = op.kernel(*[x._value for x in inputs], **params)
        except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
            raise kernel_error(op, inputs, params, e) from None
        except errors.OpError as e:  # a kernel's own error, from the values
            e.from_kernel = True
            raise
        if op.multiple_results:
            result = tuple(map(Tensor, out))
        else:
            result = _new_tensor(Tensor)
            result._value = out
    if state is not None and state.tapes:
        for tape in state.tapes:
            tape.record(op, inputs, params, result)
    return result


_new_tensor = Tensor.__new__  # a Tensor without a call of its Python `__init__`


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
    error = errors.InvalidArgumentError(None, None, f"{message} [Op:{op.name}]")
    error.from_kernel = True
    return error
