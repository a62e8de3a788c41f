"""A traced, optimised graph as the source of one Numba function: the second code generator.

The Python generator (`graph/codegen.py`) calls a kernel per equation; this one writes what Numba
compiles to native code. Control flow is inlined: a `While` becomes a native `while` loop, an `If` a
native branch, with the subgraphs' equations written in place. Variables are locals: each variable
the function touches comes in as an argument, its reads and writes are assignments in program order,
and the values written go back out with the results (`tapeflow.jit.compiler` stores them with the
write op's own kernel). A chain of elementwise ops on arrays is written as one nested expression, so
Numba fuses it into a single loop with no intermediate arrays. 0-d values are Numba scalars, each
result cast to its dtype (Numba computes integer scalars in 64 bits). Every value's shape and dtype
is in a comment. An op with no lowering raises `Unsupported`, naming it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from tapeflow.control_flow.cond import IF
from tapeflow.control_flow.while_loop import WHILE
from tapeflow.core.op import READ, WRITE, Op
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.ir import Equation, Graph
from tapeflow.jit.lowering import (
    AXIS_SUMS,
    BIAS_ADD,
    DTYPES,
    ELEMENTWISE,
    IN_PYTHON,
    KERNELS,
    LEADING,
    ROWS,
    SPARSE_LABELS,
    TRAILING,
    UPDATES,
    checks_divisor,
    indexing_of,
    literal,
    reduction_of,
    scalar_type,
    slice_key,
    ufunc_of,
)
from tapeflow.ops.math_ops import ADD_N, cast_op
from tapeflow.ops.reduce_ops import mean_op
from tapeflow.ops.slicing_ops import TRACED

FUNCTION = "jitted"  # the generated function's name
RESULT = object()  # in `Lowered.outputs`: a graph output the native code returns


@functools.cache
def prelude() -> str:
    """The generated modules' imports, and the kernels' version: Numba's disk cache of a function
    does not notice a change in the kernels it calls, so their hash is part of the source (which
    names the cache file)."""
    kernels = Path(importlib.util.find_spec("tapeflow.jit.kernels").origin).read_bytes()
    return (f"import numpy as np\n\nfrom tapeflow.jit.kernels import {', '.join(sorted(KERNELS))}  "
            f"# {hashlib.sha256(kernels).hexdigest()[:12]}\n\n\n")


class Unsupported(Exception):
    """An equation the Numba generator cannot write; `op` is its op."""

    def __init__(self, op: Op, why: str):
        super().__init__(f"{op.name}: {why}")
        self.op, self.why = op, why


class Lowered:
    """The generated source and what its arguments and results are, for the caller to bind."""

    def __init__(self, source: str, constants: list, variables: list, written: list, outputs: list,
                 buffers: list):
        self.source = source
        self.constants = constants  # arrays passed after the inputs (never frozen into the code)
        self.variables = variables  # the variables whose values come in after the constants
        self.buffers = buffers  # (shape, dtype) of the fresh arrays passed last (new variable values)
        self.written = written  # (variable, write op) whose final values follow the results
        self.outputs = outputs  # per graph output: RESULT (the native code's), a Tensor constant, or None


def lower(graph: Graph) -> Lowered:
    """`graph` as the source of one Numba function (raises Unsupported)."""
    return _Writer().function(graph)


def unsupported(eq: Equation) -> Unsupported | None:
    """Why `eq` (with the graphs nested in it) cannot be written for Numba; None if it can."""
    env = {id(x): "a" for x in eq.inputs if type(x) is SymbolicTensor}
    try:
        _Writer().equation(eq, env, 1, Counter())
    except Unsupported as e:
        return e
    return None


def computes(eq: Equation) -> bool:
    """Whether `eq` does work natively (not only a variable read or write, which Python does as fast)."""
    return eq.op.effect is not READ and eq.op.effect is not WRITE


def _is_scalar(x: Any) -> bool:
    return x._value.shape == ()


def _tuple(names: list[str]) -> str:
    return "".join(n + ", " for n in names)


def _describe(x: Any) -> str:
    return f"{x._name}: {x._value!r}"


class _Writer:
    """One generated function being written: its lines, and the constants and variables it takes."""

    def __init__(self):
        self.lines: list[str] = []
        self.constants: dict[int, tuple[str, np.ndarray]] = {}  # id(array) -> (argument, array)
        self.variables: dict[int, tuple[str, Any]] = {}  # id(variable) -> (local, variable)
        self.written: dict[int, Op] = {}  # id(variable) -> the op that writes it
        self.buffers: list[tuple[str, tuple, np.dtype]] = []  # (argument, shape, dtype)
        self.loops = 0  # how many loops the equations being written are in
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def function(self, graph: Graph) -> Lowered:
        """The whole function: inputs, then array constants, then variables in; results, then the
        values of the variables written, out."""
        inputs = [self.fresh("a") for _ in graph.inputs]
        env = dict(zip(map(id, graph.inputs), inputs))
        symbolic = [x for x in graph.outputs if type(x) is SymbolicTensor]
        results = self.block(graph, env, 1, keep=symbolic)
        written = [(self.variables[key], op) for key, op in self.written.items()]
        returned = [*results, *(local for (local, _), _ in written)]
        self.emit(1, f"return ({''.join(r + ', ' for r in returned)})")
        constants = list(self.constants.values())
        variables = list(self.variables.values())
        arguments = [*inputs, *(name for name, _ in constants), *(local for local, _ in variables),
                     *(name for name, _, _ in self.buffers)]
        header = [f"def {FUNCTION}({', '.join(arguments)}):"]
        header += [f"    # {a} = {_describe(x)}" for a, x in zip(inputs, graph.inputs)]
        header += [f"    # {name}: constant {a.dtype.name}{list(a.shape)}" for name, a in constants]
        header += [f"    # {local}: variable {v.name} {v.dtype.name}{list(v.shape)}"
                   for local, v in variables]
        header += [f"    # {name}: fresh {dtype.name}{list(shape)}" for name, shape, dtype in self.buffers]
        source = prelude() + "\n".join(header + self.lines) + "\n"
        outputs = [RESULT if type(x) is SymbolicTensor else x for x in graph.outputs]
        return Lowered(source, [a for _, a in constants], [v for _, v in variables],
                       [(v, op) for (_, v), op in written], outputs,
                       [(shape, dtype) for _, shape, dtype in self.buffers])

    def block(self, graph: Graph, env: dict, indent: int, keep: list) -> list[str]:
        """Write `graph`'s equations at `indent` (its inputs already named in `env`); returns the
        expressions of its symbolic outputs (`keep`)."""
        uses = Counter(id(x) for eq in graph.equations for x in eq.inputs)
        uses.update(id(x) for x in graph.outputs)
        for eq in graph.equations:
            self.equation(eq, env, indent, uses)
        return [self.value(x, env, indent) for x in keep]

    def value(self, x: Any, env: dict, indent: int, materialize: bool = False) -> str:
        """The expression for an input: a local, a fused expression, or a constant."""
        if type(x) is SymbolicTensor:
            text = env[id(x)]
            if materialize and not text.isidentifier():
                local = env[id(x)] = self.fresh("t")
                self.emit(indent, f"{local} = {text}  # {_describe(x)}")
                return local
            return text
        if type(x) is Tensor:
            if x._value.dtype not in DTYPES:
                raise Unsupported(Op("Const", None), f"a constant of dtype {x._value.dtype}")
            if _is_scalar(x):
                return literal(x._value)
            known = self.constants.get(id(x._value))
            if known is None:  # (in C order, the layout compiled: the kernels reshape their arguments)
                known = self.constants[id(x._value)] = (self.fresh("c"), np.ascontiguousarray(x._value))
            name, _ = known
            return name
        raise Unsupported(Op("Input", None), f"an input of type {type(x).__name__}")

    def equation(self, eq: Equation, env: dict, indent: int, uses: Counter) -> None:
        op = eq.op
        if op in UPDATES:
            self.update(eq, env, indent)
            return
        if op.effect is not READ and not all(isinstance(x, SymbolicTensor | Tensor) for x in eq.inputs):
            raise Unsupported(op, "it takes a variable itself (its kernel updates it)")
        for x in (*eq.inputs, *eq.outputs):
            if isinstance(x, SymbolicTensor | Tensor) and x._value.dtype not in DTYPES:
                raise Unsupported(op, f"dtype {x._value.dtype} has no Numba lowering")
        if op is WHILE:
            self.loop(eq, env, indent)
        elif op is IF:
            self.branch(eq, env, indent)
        elif op.effect is READ:
            local = self.variable(eq.inputs[0])
            if eq.op.kernel is np.copy and not _is_scalar(eq.outputs[0]):
                local += ".copy()"  # (an optimizer slot's read: no tensor shares the slot's array)
            env[id(eq.outputs[0])] = target = self.fresh("t")
            self.emit(indent, f"{target} = {local}  # {_describe(eq.outputs[0])} read")
        elif op.effect is WRITE:
            variable = eq.params["variable"]
            local = self.variable(variable)
            self.written[id(variable)] = op
            self.emit(indent, f"{local} = {self.value(eq.inputs[0], env, indent)}  # {variable.name} written")
        elif op.effect is not None:
            raise Unsupported(op, f"its {op.effect.name} effect runs in Python")
        elif op is cast_op:
            self.cast(eq, env, indent)
        elif reduction_of(op) is not None:
            self.reduction(eq, env, indent)
        elif op in ROWS:
            self.rows(eq, env, indent)
        elif op in IN_PYTHON:
            raise Unsupported(op, IN_PYTHON[op])
        elif indexing_of(op) is not None:
            self.index(eq, env, indent)
        else:
            if checks_divisor(op):
                self.check_divisor(eq, env, indent)
            self.elementwise(eq, env, indent, uses)

    def elementwise(self, eq: Equation, env: dict, indent: int, uses: Counter) -> None:
        """An elementwise op: a scalar statement, or an array expression fused into its one user."""
        out = eq.outputs[0]
        template = ELEMENTWISE.get(eq.op)
        if template is not None:  # (an input the expression names twice is computed once)
            args = [self.value(x, env, indent, materialize=template.count(f"{{{i}}}") > 1)
                    for i, x in enumerate(eq.inputs)]
            dtype = out._value.dtype
            text = template.format(*args, zero=literal(np.zeros((), dtype)), one=literal(np.ones((), dtype)))
        elif eq.op is BIAS_ADD:
            (value, bias), ones = eq.inputs, eq.inputs[0]._value.ndim - 1 - eq.params["channel"]
            text = self.value(bias, env, indent)
            if ones:
                text = f"{text}.reshape({(bias._value.shape[0],) + (1,) * ones})"
            text = f"np.add({self.value(value, env, indent)}, {text})"
        elif eq.op is ADD_N:  # left to right, as its kernel adds
            args = [self.value(x, env, indent) for x in eq.inputs]
            text = args[0]
            for a in args[1:]:
                text = f"np.add({text}, {a})"
        else:
            args = [self.value(x, env, indent) for x in eq.inputs]
            ufunc = ufunc_of(eq.op)
            if ufunc is None or eq.params:
                raise Unsupported(eq.op, "it has no Numba lowering yet")
            if ufunc is np.power and out._value.dtype.kind in "iu":  # (Numba gives 0 for x ** -1)
                raise Unsupported(eq.op, "an integer power checks its exponents in Python")
            given = ufunc(*[np.ones((), x._value.dtype) for x in eq.inputs])
            if np.result_type(given) != out._value.dtype:
                raise Unsupported(eq.op, f"NumPy's {ufunc.__name__} gives {np.result_type(given)}")
            text = f"np.{ufunc.__name__}({', '.join(args)})"
        if _is_scalar(out):
            text = f"{scalar_type(out._value.dtype)}({text})"
        elif uses[id(out)] == 1:  # fused into the one expression that uses it
            env[id(out)] = text
            self.emit(indent, f"# {_describe(out)} fused")
            return
        env[id(out)] = target = self.fresh("t")
        self.emit(indent, f"{target} = {text}  # {_describe(out)}")

    def check_divisor(self, eq: Equation, env: dict, indent: int) -> None:
        """Before an integer floor division or modulo: a zero divisor raises ZeroDivisionError, at which
        the binding runs the Python code, for TensorFlow's error (Numba's ufunc would give 0)."""
        if eq.outputs[0]._value.dtype.kind not in "iu":
            raise Unsupported(eq.op, "a float floor division or modulo stays in Python")
        divisor = eq.inputs[1]
        if type(divisor) is Tensor and np.all(divisor._value != 0):  # (a constant: checked now)
            return
        b = self.value(divisor, env, indent, materialize=True)
        self.emit(indent, f"if {b} == 0:" if _is_scalar(divisor) else f"if np.any({b} == 0):")
        self.emit(indent + 1, f"raise ZeroDivisionError({eq.op.name!r})")

    def cast(self, eq: Equation, env: dict, indent: int) -> None:
        """`tf.cast`: NumPy's conversion (floats to integers truncate), a scalar's by its type."""
        x, out = self.value(eq.inputs[0], env, indent), eq.outputs[0]
        dtype = scalar_type(out._value.dtype)
        text = f"{dtype}({x})" if _is_scalar(out) else f"{x}.astype({dtype})"
        env[id(out)] = target = self.fresh("t")
        self.emit(indent, f"{target} = {text}  # {_describe(out)}")

    def reduction(self, eq: Equation, env: dict, indent: int) -> None:
        """A reduction of a whole float array to a scalar; a sum or mean over its leading or trailing
        axes."""
        (x,), out = eq.inputs, eq.outputs[0]
        shape, axes = x._value.shape, tuple(eq.params["axes"])
        if None in shape or 0 in shape or x._value.dtype.kind != "f":
            raise Unsupported(eq.op, "only a float array of known, non-zero size reduces natively")
        given = self.value(x, env, indent)
        dtype = x._value.dtype
        if axes == tuple(range(len(shape))) and not eq.params["keepdims"]:
            text = given if shape == () else reduction_of(eq.op).format(
                x=given, n=literal(np.asarray(math.prod(shape), dtype)))
            env[id(out)] = target = self.fresh("t")
            self.emit(indent, f"{target} = {scalar_type(out._value.dtype)}({text})  # {_describe(out)}")
            return
        k = len(axes)
        if eq.op not in AXIS_SUMS or not axes or _is_scalar(out) or (
                axes != tuple(range(k)) and axes != tuple(range(len(shape) - k, len(shape)))):
            raise Unsupported(eq.op, "only sums and means over leading or trailing axes reduce natively")
        kernel = LEADING if axes[0] == 0 else TRAILING
        split = k if kernel == LEADING else len(shape) - k
        rows = f"({math.prod(shape[:split])}, {math.prod(shape[split:])})"
        text = f"{kernel}({given}.reshape({rows}))"
        if eq.op is mean_op:
            text = f"np.divide({text}, {literal(np.asarray(math.prod(shape[a] for a in axes), dtype))})"
        self.assign(f"{text}.reshape({tuple(out._value.shape)})", out, env, indent)

    def rows(self, eq: Equation, env: dict, indent: int) -> None:
        """Softmax, log-softmax or sparse cross-entropy over the last axis of a float array, by a
        kernel of its rows. Sparse labels must be a constant whose values were checked in range (a
        label out of range raises TensorFlow's error, from Python)."""
        logits, out = eq.inputs[-1], eq.outputs[0]
        shape = logits._value.shape
        last = len(shape) - 1
        if None in shape or 0 in shape or logits._value.dtype.kind != "f" or (
                eq.params.get("axis", last) != last):
            raise Unsupported(eq.op, "only a float array of known, non-zero size, along its last axis")
        rows = (math.prod(shape[:-1]), shape[-1])
        args = [f"{self.value(logits, env, indent)}.reshape({rows})"]
        if eq.op is SPARSE_LABELS:
            labels = eq.inputs[0]
            if type(labels) is not Tensor or not ((labels._value >= 0) & (labels._value < shape[-1])).all():
                raise Unsupported(eq.op, "its labels are known only when it runs: their range check "
                                         "raises in Python")
            args.insert(0, f"{self.value(labels, env, indent)}.reshape({rows[0]})" if labels._value.ndim
                        else f"np.full(1, {literal(labels._value)})")
        text = f"{ROWS[eq.op]}({', '.join(args)})"
        if _is_scalar(out):
            text = f"{scalar_type(out._value.dtype)}({text}[0])"
        else:
            text = f"{text}.reshape({tuple(out._value.shape)})"
        self.assign(text, out, env, indent)

    def update(self, eq: Equation, env: dict, indent: int) -> None:
        """A fused optimizer update of a float array variable: the new values of the variable and its
        slots written into fresh arrays (`fresh_array`), never over the old ones, which a tensor may
        hold, and which a call rerun as Python after an error must find as they were."""
        p = eq.params
        variable, gradient, *rest = eq.inputs
        slots, scalars = rest[: p["slots"]], rest[p["slots"] :]
        shape, dtype = tuple(variable.shape), np.dtype(variable.dtype.as_numpy_dtype)
        dense = isinstance(gradient, SymbolicTensor | Tensor) and (
            gradient._value.shape, gradient._value.dtype) == (shape, dtype)
        if p["decay"] or not shape or dtype.kind != "f" or not dense:
            raise Unsupported(eq.op, "only a dense update of a float array variable, without decay, runs "
                                     "natively")
        local, slot_locals = self.variable(variable), [self.variable(s) for s in slots]
        fresh = [self.fresh_array(local, shape, dtype) for _ in (variable, *slots)]
        m, v, *vhat = slot_locals
        hyper = [literal(np.asarray(p[k], dtype)) for k in ("one_minus_beta_1", "one_minus_beta_2",
                                                             "epsilon")]
        args = [local, self.value(gradient, env, indent), m, v, vhat[0] if vhat else m, repr(bool(vhat)),
                *(self.value(x, env, indent) for x in scalars), *hyper, *fresh, *([] if vhat else fresh[1:2])]
        targets = [self.fresh("t") for _ in eq.outputs]
        unused = "_, " * (4 - len(targets))
        self.emit(indent, f"{_tuple(targets)}{unused}= {UPDATES[eq.op]}({', '.join(args)})"
                          f"  # {_describe(eq.outputs[0])}, {', '.join(s.name for s in slots)}")
        env.update(zip(map(id, eq.outputs), targets))

    def fresh_array(self, like: str, shape: tuple, dtype: np.dtype) -> str:
        """An array for a new value that no tensor holds: one the binding passes from the buffer pool,
        or, in a loop, one allocated at each iteration (a value read in an iteration may outlive it)."""
        if self.loops:
            return f"np.empty_like({like})"
        name = self.fresh("b")
        self.buffers.append((name, shape, dtype))
        return name

    def assign(self, text: str, out: Any, env: dict, indent: int) -> None:
        env[id(out)] = target = self.fresh("t")
        self.emit(indent, f"{target} = {text}  # {_describe(out)}")

    def index(self, eq: Equation, env: dict, indent: int) -> None:
        """`tf.gather` along axis 0 by a scalar or a vector, or `x[i, j]` by integers: every index
        checked before it is used, one out of range raising IndexError, at which the binding runs
        the Python code instead, for TensorFlow's error (`tapeflow.jit.compiler`)."""
        out, x = eq.outputs[0], self.value(eq.inputs[0], env, indent, materialize=True)
        if indexing_of(eq.op) == "gather":
            indices = eq.inputs[1]
            if eq.params["axis"] != 0 or eq.params["batch_dims"] or indices._value.ndim > 1:
                raise Unsupported(eq.op, "only a gather along axis 0 by a scalar or a vector lowers")
            key = self.value(indices, env, indent, materialize=True)
            bound = f"{x}.shape[0]"
            checks = [f"{key} < 0 or {key} >= {bound}" if _is_scalar(indices)
                      else f"np.any(({key} < 0) | ({key} >= {bound}))"]
        else:
            template = eq.params["template"]
            if not slice_key(template):
                raise Unsupported(eq.op, "only x[i, j, ...] by integers lowers")
            given = iter(eq.inputs[1:])
            keys = [self.value(next(given), env, indent, materialize=True) if k is TRACED else str(k)
                    for k in template]
            checks = [f"{k} < -{x}.shape[{axis}] or {k} >= {x}.shape[{axis}]" for axis, k in enumerate(keys)]
            key = ", ".join(keys)
        self.emit(indent, f"if {' or '.join(checks)}:")
        self.emit(indent + 1, f"raise IndexError({eq.op.name!r})")
        text = f"{scalar_type(out._value.dtype)}({x}[{key}])" if _is_scalar(out) else f"{x}[{key}]"
        env[id(out)] = target = self.fresh("t")
        self.emit(indent, f"{target} = {text}  # {_describe(out)}")

    def variable(self, variable: Any) -> str:
        known = self.variables.get(id(variable))
        if known is None:
            if np.dtype(variable.dtype.as_numpy_dtype) not in DTYPES:
                raise Unsupported(Op("ReadVariableOp", None), f"a variable of dtype {variable.dtype.name}")
            if not variable.shape.is_fully_defined():  # (its rank and type may change between calls)
                raise Unsupported(Op("ReadVariableOp", None), f"a variable of shape {variable.shape}")
            known = self.variables[id(variable)] = (self.fresh("s"), variable)
        return known[0]

    def loop(self, eq: Equation, env: dict, indent: int) -> None:
        """`tf.while_loop` as a native loop: the condition and the body inlined."""
        p = eq.params
        if p["replayed"] or p["saves_states"]:
            raise Unsupported(eq.op, "a loop keeping a record for a tape")
        n, n_cond = p["n"], p["n_cond"]
        args = [self.value(x, env, indent, materialize=True) for x in eq.inputs]
        state = [self.fresh("w") for _ in range(n)]
        self.emit(indent, f"# {', '.join(o._name for o in eq.outputs)} = While: "
                          f"{', '.join(repr(o._value) for o in eq.outputs)}")
        self.emit(indent, f"{''.join(s + ', ' for s in state)}= {''.join(a + ', ' for a in args[:n])}")
        limit = p["maximum_iterations"]
        counter = self.fresh("k")
        if limit is not None:
            self.emit(indent, f"{counter} = 0")
        self.emit(indent, "while True:")
        if limit is not None:
            self.emit(indent + 1, f"if {counter} >= {int(limit)}:")
            self.emit(indent + 2, "break")
        cond_graph, body_graph = p["cond_graph"], p["body_graph"]
        cond_env = dict(zip(map(id, cond_graph.inputs), [*state, *args[n : n + n_cond]]))
        (condition,) = self.block(cond_graph, cond_env, indent + 1, keep=list(cond_graph.outputs))
        self.emit(indent + 1, f"if not {condition}:")
        self.emit(indent + 2, "break")
        body_env = dict(zip(map(id, body_graph.inputs), [*state, *args[n + n_cond :]]))
        self.loops += 1
        results = self.block(body_graph, body_env, indent + 1, keep=body_graph.outputs[:n])
        self.loops -= 1
        self.emit(indent + 1, f"{''.join(s + ', ' for s in state)}= {''.join(r + ', ' for r in results)}")
        if limit is not None:
            self.emit(indent + 1, f"{counter} += 1")
        env.update(zip(map(id, eq.outputs[:n]), state))

    def branch(self, eq: Equation, env: dict, indent: int) -> None:
        """`tf.cond` as a native branch: the branch taken inlined."""
        p = eq.params
        if p["replayed"] is not None and any(p["replayed"]):
            raise Unsupported(eq.op, "a branch keeping a record for a tape")
        pred, *captured = [self.value(x, env, indent, materialize=True) for x in eq.inputs]
        targets = [self.fresh("r") for _ in eq.outputs]
        self.emit(indent, f"# {', '.join(o._name for o in eq.outputs)} = If: "
                          f"{', '.join(repr(o._value) for o in eq.outputs)}")
        for keyword, graph, given in (("if", p["true_graph"], captured[: p["n_true"]]),
                                      ("else", p["false_graph"], captured[p["n_true"] :])):
            self.emit(indent, f"if {pred}:" if keyword == "if" else "else:")
            self.emit(indent + 1, "pass")
            branch_env = dict(zip(map(id, graph.inputs), given))
            results = self.block(graph, branch_env, indent + 1, keep=graph.outputs[: len(targets)])
            if targets:
                self.emit(indent + 1, f"{_tuple(targets)}= {_tuple(results)}")
        env.update(zip(map(id, eq.outputs), targets))
