"""`tf.function`: trace a Python function into a graph once per input signature, optimise it,
compile it to Python source, and call that.

The signature follows TensorFlow's retracing rules: tensors are keyed by shape and dtype, variables
by shape, dtype and trainability (the trace reads and writes a stand-in bound to each call's
variable: `VariableArgument`), other Python values by value (or identity when unhashable),
containers by structure. While tracing, Python side effects happen once; ops with effects
(variable reads and writes, `tf.print`, random draws) become equations that run on every call, in
program order. A call made while tapes record runs the graph back through `bind`, equation by
equation, so the tapes see every op and the call is differentiable like eager code. Functions called
while tracing are inlined.
"""

from __future__ import annotations

import _thread
import collections
import functools
import inspect
import types
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.state import current, tracing
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import CompositeTensor, Tensor
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Graph
from tapeflow.graph.passes import optimize
from tapeflow.ops.variables import Variable, VariableArgument, VariableCreation, argument_variable
from tapeflow.tracing import trace_type
from tapeflow.tracing.signatures import TensorSpec, VariableSpec, parameters, signature_text

_RUN_EAGERLY = [False]
# Called with each concrete function a top-level call runs (tf.summary.trace_on collects their graphs);
# empty, it costs a call one test of a list.
CALL_OBSERVERS: list[Callable[[ConcreteFunction], None]] = []
_JIT = [False]  # tf.config.optimizer.set_jit: jit_compile for functions that do not say
_RETRACE_WINDOW = 5


def run_functions_eagerly(run_eagerly: bool) -> None:
    """`tf.config.run_functions_eagerly`: call the Python functions themselves, without tracing."""
    _RUN_EAGERLY[0] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _RUN_EAGERLY[0]


def set_jit(enabled: bool | str) -> None:
    """`tf.config.optimizer.set_jit`: compile functions that leave `jit_compile` unset with Numba
    ("autoclustering", TensorFlow's other accepted value, counts as enabled)."""
    _JIT[0] = bool(enabled)


def get_jit() -> str:
    """`tf.config.optimizer.get_jit`: "autoclustering" when enabled, else "", as TensorFlow says."""
    return "autoclustering" if _JIT[0] else ""


class ConcreteFunction:
    """One trace of a `Function`: its graph, the generated source, and the compiled code."""

    def __init__(self, graph: Graph, structured_outputs: Any, structured_inputs: Any, params: list,
                 jit_compile: bool = False, variable_arguments: Sequence[VariableArgument] = ()):
        optimize(graph)
        # what the graph reads and writes for each variable argument, in the order they are passed, and
        # the lock that makes threads passing variables take turns (a stand-in stands for one at a time)
        self._variable_arguments = list(variable_arguments)
        self._binding = _thread.RLock() if variable_arguments else None
        self.graph = graph
        self.structured_outputs = structured_outputs
        self.structured_input_signature = structured_inputs
        self._parameters = params  # (name, kind, what it was traced with), for the printed signature
        self._compiled, self.source = compile_graph(graph)
        self.python_source = self.source  # (the Python code, also where jit_compile shows Numba's)
        native = None
        if jit_compile:
            from tapeflow.jit import jitted  # (loads with the first jit_compile function: import speed)

            native = jitted(graph, graph.name)
        if native is not None:
            self._compiled, self.source = native
        self._taped: Graph | None = None  # the graph run under a tape, made on first use
        # One result, a tensor: returned as it is (packing it costs ~1 us, a third of a jitted loop).
        self._single = type(structured_outputs) is SymbolicTensor

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        """The parameters, output type and captured variables, as TensorFlow prints them."""
        return signature_text(self._parameters, self.structured_outputs, self.graph, verbose)

    def __str__(self) -> str:
        return f"ConcreteFunction {self.pretty_printed_signature()}"

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.pretty_printed_signature(verbose=False)} at 0x{id(self):X}>"

    def _call_flat(self, tensors: list, variables: Sequence[Variable] = ()) -> Any:
        if variables:
            return self._call_binding(tensors, variables)
        if current().tapes:
            flat = self._run_through_bind(tensors)
        else:
            try:
                values = self._compiled(*[t._value for t in tensors])  # (a list: faster to unpack)
            except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"{e} (in tapeflow function {self.graph.name!r}: see the traceback for the "
                    f"line of generated code that failed)",
                ) from e
            if self._single:
                return Tensor(values[0])
            flat = [None if v is None else Tensor(v) for v in values]
        return nest.pack_sequence_as(self.structured_outputs, flat, expand_composites=True)

    def _call_binding(self, tensors: list, variables: Sequence[Variable]) -> Any:
        """The call with the trace's variable arguments standing for `variables`. Where other threads
        run (`_thread._count()`: those started besides the main one), they take turns."""
        if _thread._count():
            with self._binding:
                return self._call_bound(tensors, variables)
        return self._call_bound(tensors, variables)

    def _call_bound(self, tensors: list, variables: Sequence[Variable]) -> Any:
        """Then for what they stood for before, should a call inside this one have used them."""
        stand_ins = self._variable_arguments
        previous = [stand_in._variable for stand_in in stand_ins]
        for stand_in, variable in zip(stand_ins, variables):
            stand_in._variable = variable
        try:
            return self._call_flat(tensors)
        finally:
            for stand_in, variable in zip(stand_ins, previous):
                stand_in._variable = variable

    def _run_through_bind(self, tensors: list) -> list:
        """Evaluate the graph op by op through `bind`, so the active tapes record it (its control
        flow keeping what their gradients need, as if traced under a tape)."""
        if self._taped is None:
            from tapeflow.control_flow.replay import recording  # (control flow loads on first use)

            self._taped = recording(self.graph)
        return self._taped.evaluate(tensors)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the trace with tensors (or values that convert to its inputs' dtypes) in the places of
        the inputs it was traced with; TensorFlow's InvalidArgumentError for a wrong dtype or shape."""
        variables: list = []
        flat = _at_inputs(self.structured_input_signature, (args, kwargs), variables)
        if len(flat) != len(self.graph.inputs):
            raise TypeError(
                f"{self.graph.name} expects {len(self.graph.inputs)} tensor arguments, got {len(flat)}"
            )
        tensors = []
        for i, (value, x) in enumerate(zip(flat, self.graph.inputs)):
            expected = dtypes.from_numpy(x._value.dtype)
            t = value if isinstance(value, Tensor | SymbolicTensor) else convert_to_tensor(value,
                                                                                            dtype=expected)
            if t.dtype != expected:
                raise errors.InvalidArgumentError(
                    None, None, f"cannot compute {self.graph.name} as input #{i}(zero-based) was expected "
                                f"to be a {dtypes.type_name(expected)} tensor but is a "
                                f"{dtypes.type_name(t.dtype)} tensor")
            if not t.shape.is_compatible_with(x._value.shape):
                raise errors.InvalidArgumentError(
                    None, None, f"{self.graph.name}: input #{i} has shape {t.shape}, but the function was "
                                f"traced for {x._value.shape}")
            tensors.append(t)
        return self._call_flat(tensors, variables)

    def pretty_printed_graph(self) -> str:
        return str(self.graph)


class Function:
    """A Python function compiled per input signature (`tf.function`)."""

    def __init__(
        self,
        python_function: Callable,
        input_signature: Sequence | None = None,
        autograph: bool = True,
        jit_compile: bool | None = None,
        reduce_retracing: bool = False,
        name: str | None = None,
    ):
        if input_signature is not None:
            for spec in nest.flatten(list(input_signature)):
                if not (isinstance(spec, TensorSpec) or hasattr(spec, "_component_specs")):
                    raise TypeError(
                        f"input_signature must be a possibly nested sequence of TensorSpec objects, "
                        f"got {spec!r}"
                    )
                if spec.shape.rank is None:
                    raise NotImplementedError(
                        f"input_signature with an unknown rank ({spec}) is not supported: tapeflow "
                        f"needs every tensor's rank known while tracing (dimensions may be None)."
                    )
        self._python_function = python_function
        self._converted_function: Callable | None = None
        self._input_signature = None if input_signature is None else list(input_signature)
        self._autograph, self._jit_compile, self._reduce_retracing = autograph, jit_compile, reduce_retracing
        self.__name__ = name or getattr(python_function, "__name__", "function")
        self._cache: dict = {}  # signature key -> ConcreteFunction
        self._lock = _thread.RLock()
        self._general: list = []  # (key, ConcreteFunction) of the traces with unknown dimensions
        self._tracing_count = 0
        self._recent_traces: collections.deque = collections.deque(maxlen=_RETRACE_WINDOW)
        self._last_key: Any = None
        # How many parameters take positional arguments (-1: unknown), and how each calling pattern
        # binds to them (`_canonical`).
        self._positional = _positional_count(python_function)
        self._plans: dict = {}
        # The traces called with tensors only, by position, keyed by their shapes and dtypes alone
        # (what the full key says of such a call): the call path of a jitted loop.
        self._by_tensors: dict = {}
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self) -> Callable:
        return self._python_function

    def _traced_function(self) -> Callable:
        """What tracing calls: the Python function converted by AutoGraph (on the first trace), unless
        `autograph=False`."""
        if not self._autograph:
            return self._python_function
        if self._converted_function is None:
            from tapeflow.autograph.conversion import convert  # loaded by the first trace, not at import

            self._converted_function = convert(self._python_function)
        return self._converted_function

    @property
    def input_signature(self) -> list | None:
        return self._input_signature

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """As a method: one Function per instance (its own traces, variables and tracing count), bound
        through a weak proxy so that the instance can still be freed."""
        if instance is None:
            return self
        methods = self.__dict__.setdefault("_methods", weakref.WeakKeyDictionary())
        try:
            bound = methods.get(instance)
        except TypeError:  # an unhashable instance: trace through this Function, keyed by the instance
            return functools.partial(self.__call__, instance)
        if bound is None:
            bound = methods[instance] = Function(
                types.MethodType(self._python_function, weakref.proxy(instance)), self._input_signature,
                self._autograph, self._jit_compile, self._reduce_retracing, self.__name__)
        return bound

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _RUN_EAGERLY[0]:
            return self._python_function(*args, **kwargs)
        if current().graphs:  # inside another trace: inlined
            return self._traced_function()(*args, **kwargs)
        key, flat = (None, None) if kwargs or len(args) != self._positional else _tensors_key(args)
        concrete = None if key is None else self._by_tensors.get(key)
        if concrete is not None and not CALL_OBSERVERS:
            self._recent_traces.append(False)  # (what _note_call notes of a call that did not trace)
            return concrete._call_flat(flat)
        concrete, tensors, variables = self._concrete(args, kwargs, calling=True)
        if key is not None and self._input_signature is None:
            self._by_tensors[key] = concrete
        if CALL_OBSERVERS:
            for observer in CALL_OBSERVERS:
                observer(concrete)
        return concrete._call_flat(tensors, variables)

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The trace for these arguments (tensors or `TensorSpec`s), tracing it if needed."""
        if not args and not kwargs and self._input_signature is not None:
            args = tuple(self._input_signature)
        return self._concrete(args, kwargs, calling=False)[0]

    # ---- signatures ----------------------------------------------------------------------------

    def _concrete(self, args: tuple, kwargs: dict, calling: bool) -> tuple[ConcreteFunction, list, list]:
        if self._input_signature is not None:
            args = self._check_signature(args, kwargs)
            key_leaves = nest.flatten(self._input_signature)  # one trace, of the signature's shapes
        elif kwargs or len(args) != self._positional:
            args, kwargs = self._canonical(args, kwargs)
        flat = [_as_argument(leaf) for leaf in nest.flatten((args, kwargs))]
        keys = tuple(_leaf_key(leaf) for leaf in (key_leaves if self._input_signature is not None else flat))
        key = (_structure_key((args, kwargs)), keys)
        concrete = self._cache.get(key)
        traced = False
        if concrete is None:
            with self._lock:  # threads calling it first together: one traces, the others wait for it
                shared = _aliased(key)  # (variables by where they first appear, not by identity)
                concrete = self._cache.get(key) or self._cache.get(shared) or self._general_trace(shared)
                if concrete is None:
                    traced = True
                    shared = self._relaxed(shared) if self._reduce_retracing else shared
                    concrete = self._trace(args, kwargs, shared[1])
                    if any(_has_unknown(k) for k in shared[1]):
                        self._general.append((shared, concrete))
                    self._cache[shared] = concrete
                self._cache[key] = concrete
        if calling:
            self._note_call(traced, key)
        tensors, variables = [], []
        for leaf in flat:
            if type(leaf) is Tensor:
                tensors.append(leaf)
            elif isinstance(leaf, CompositeTensor):
                tensors.extend(leaf._type_spec._to_components(leaf))
            elif concrete._variable_arguments and (variable := argument_variable(leaf)) is not None:
                variables.append(variable)
        return concrete, tensors, variables

    def _canonical(self, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """The arguments bound to the parameters with the defaults filled in, as TensorFlow keys its
        traces: `f(x, y=2)`, `f(x, 2)` and `f(x)` (where y defaults to 2) share one. How a calling
        pattern (so many positional arguments, these keywords) binds is worked out once."""
        pattern = (len(args), tuple(kwargs))
        plan = self._plans.get(pattern)
        if plan is None:
            plan = self._plans[pattern] = _binding_plan(self._python_function, *pattern)
        if plan is False:  # *args, keyword-only parameters, or a call Python refuses: inspect binds it
            return _bound(self._python_function, args, kwargs)
        return tuple(args[s] if type(s) is int else kwargs[s] if type(s) is str else s[0] for s in plan), {}

    def _general_trace(self, key: Any) -> ConcreteFunction | None:
        """A trace with unknown dimensions (from a signature, `reduce_retracing` or a `TensorSpec`
        with None) that accepts arguments of `key`."""
        for general, concrete in self._general:
            if general[0] == key[0] and all(map(_accepts, general[1], key[1])):
                return concrete
        return None

    def _relaxed(self, key: Any) -> Any:
        """With `reduce_retracing`, a key whose tensor dimensions that differ from an earlier trace's
        are unknown (None), so that the next shape does not trace again."""
        for earlier in reversed(list(self._cache)):
            if earlier[0] == key[0] and all(map(_same_kind, earlier[1], key[1])):
                return key[0], tuple(map(_join, earlier[1], key[1]))
        return key

    def _check_signature(self, args: tuple, kwargs: dict) -> tuple:
        if kwargs:
            raise TypeError(f"{self.__name__} has an input_signature: pass its arguments by position.")
        specs = self._input_signature
        if len(args) != len(specs):
            raise TypeError(
                f"{self.__name__} takes {len(specs)} positional arguments (its input_signature), "
                f"got {len(args)}"
            )
        return tuple(self._bound(spec, arg, i) for i, (arg, spec) in enumerate(zip(args, specs)))

    def _bound(self, spec: Any, arg: Any, i: int) -> Any:
        """Argument i, `arg`, fitted to `spec` leaf by leaf: each TensorSpec's value as a tensor of its
        dtype and a compatible shape (a Python list is one value), or TensorFlow's TypeError."""
        if nest.is_nested(spec):
            same = type(arg) is type(spec) and len(arg) == len(spec) and (
                not isinstance(spec, dict) or set(arg) == set(spec))
            if not same:
                raise TypeError(
                    f"Binding inputs to tf.function {self.__name__!r} failed: argument {i} ({arg!r}) does "
                    f"not have the structure of the input_signature {spec!r}."
                )
            if isinstance(spec, dict):
                return type(spec)((k, self._bound(spec[k], arg[k], i)) for k in spec)
            values = [self._bound(s, a, i) for s, a in zip(spec, arg)]
            return type(spec)(*values) if hasattr(spec, "_fields") else type(spec)(values)  # namedtuples
        if isinstance(arg, TensorSpec):
            return arg
        if hasattr(spec, "_component_specs"):  # a composite's spec
            if not spec.is_compatible_with(arg):
                raise TypeError(f"Binding inputs to tf.function {self.__name__!r} failed: argument {i} "
                                f"({arg!r}) does not match the input_signature {spec}.")
            return arg
        value = convert_to_tensor(arg, dtype_hint=spec.dtype)
        if not spec.is_compatible_with(value):
            raise TypeError(
                f"Binding inputs to tf.function {self.__name__!r} failed: argument {i} "
                f"({value.dtype.name}{list(value.shape)}) does not match the input_signature {spec}."
            )
        return value

    def _note_call(self, traced: bool, key: Any) -> None:
        """TensorFlow's warning when most recent calls retraced, naming what changed."""
        self._recent_traces.append(traced)
        if traced:
            changed = _difference(self._last_key, key)
            self._last_key = key
            if self._tracing_count >= _RETRACE_WINDOW and all(self._recent_traces):
                warnings.warn(
                    f"{_RETRACE_WINDOW} out of the last {_RETRACE_WINDOW} calls to {self.__name__} "
                    f"triggered tf.function retracing{changed}. Tracing is expensive: pass tensors "
                    f"rather than Python values for arguments that change, keep shapes fixed, and "
                    f"define the tf.function outside any loop.",
                    stacklevel=4,
                )

    # ---- tracing --------------------------------------------------------------------------------

    def _trace(self, args: tuple, kwargs: dict, keys: tuple) -> ConcreteFunction:
        """Trace the Python function with a placeholder for each tensor key's shape and dtype, and
        the other arguments as they are. Only the first trace may create variables; if it did, the
        function is traced once more with them made, as TensorFlow does: a function that creates
        variables on every call fails then, with TensorFlow's ValueError."""
        creation = VariableCreation(allowed=self._tracing_count == 0)
        stand_ins: dict = {}  # alias id -> the VariableArgument of a variable passed (for both traces:
        # what the first made for them, an optimizer's slots, stays theirs)
        concrete = self._trace_once(args, kwargs, keys, creation, stand_ins)
        if creation.created:
            concrete = self._trace_once(args, kwargs, keys, VariableCreation(allowed=False), stand_ins)
        return concrete

    def _trace_once(self, args: tuple, kwargs: dict, keys: tuple, creation: VariableCreation,
                    stand_ins: dict) -> ConcreteFunction:
        graph = Graph(self.__name__)
        names = _argument_names(self._python_function, args, kwargs)
        flat = nest.flatten((args, kwargs))
        if self._input_signature is not None:  # a spec's own name wins
            specs = nest.flatten(self._input_signature)
            names[: len(specs)] = [getattr(spec, "name", None) or name for spec, name in zip(specs, names)]
        leaves = [stand_ins.setdefault(key[4], VariableArgument(argument_variable(leaf)))
                  if key[0] == "variable" else _placeholder(graph, key, name, leaf)
                  for leaf, key, name in zip(flat, keys, names)]
        traced_args, traced_kwargs = nest.pack_sequence_as((args, kwargs), leaves)
        given = [leaf.name if isinstance(leaf, TensorSpec) else None for leaf in flat]  # names users gave
        if self._input_signature is not None:
            given[: len(specs)] = [getattr(spec, "name", None) for spec in specs]
        printed = nest.pack_sequence_as((args, kwargs), [
            _spec(key, name, leaf) for leaf, key, name in zip(flat, keys, given)])
        creation.arguments = {id(placeholder): leaf for placeholder, leaf in zip(leaves, flat)
                              if type(placeholder) is SymbolicTensor and type(leaf) is Tensor}
        with tracing(graph) as state:
            state.variable_creation.append(creation)
            try:
                out = self._traced_function()(*traced_args, **traced_kwargs)
                flat_out = [_as_output(o) for o in nest.flatten(out, expand_composites=True)]
            except errors.OpError as e:
                raise errors.while_tracing(e) from None
            finally:
                state.variable_creation.pop()
        self._tracing_count += 1
        graph.outputs = flat_out
        return ConcreteFunction(
            graph,
            nest.pack_sequence_as(out, flat_out, expand_composites=True),  # the results, as returned
            nest.pack_sequence_as((args, kwargs), [_spec(key, name, leaf) for leaf, key, name in
                                                   zip(flat, keys, names)]),
            parameters(self._python_function, *printed),
            # (a trace that made variables is traced again at once, as TensorFlow does: not worth a jit)
            jit_compile=not creation.created and (self._jit_compile or self._jit_compile is None and _JIT[0]),
            variable_arguments=[stand_ins[key[4]] for key in keys if key[0] == "variable"],
        )

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """The signature of each trace, in the order they were made (TensorFlow's text)."""
        traces = list({id(c): c for c in self._cache.values()}.values())
        return ("\n\n" if verbose else "\n").join(c.pretty_printed_signature(verbose) for c in traces)


def _argument_names(function: Callable, args: tuple, kwargs: dict) -> list[str]:
    """The parameter each flattened argument was passed as: TensorFlow names the graph's inputs
    after them (`Tensor("x:0", ...)`)."""
    parameters = _parameters(function) or []
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    rest = next((p.name for p in parameters if p.kind is p.VAR_POSITIONAL), "args")
    arg_names = positional[: len(args)] + [f"{rest}_{j}" for j in range(len(args) - len(positional))]
    structure = (
        [nest.map_structure(lambda _, n=n: n, arg) for n, arg in zip(arg_names, args)],
        {k: nest.map_structure(lambda _, k=k: k, v) for k, v in kwargs.items()},
    )
    return nest.flatten(structure)


def _as_argument(leaf: Any) -> Any:
    """NumPy arrays are passed as tensors, as in TensorFlow."""
    if type(leaf).__module__ == "numpy" and hasattr(leaf, "dtype"):
        return convert_to_tensor(leaf)
    return leaf


def _parameters(function: Callable) -> list | None:
    try:
        return list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None


def _positional_count(function: Callable) -> int:
    parameters = _parameters(function)
    if parameters is None:
        return -1
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _binding_plan(function: Callable, n_args: int, keywords: tuple) -> tuple | bool:
    """Where each parameter's value comes from when `function` is called with `n_args` positional
    arguments and `keywords`: an argument's index, a keyword's name, or (default,); False where only
    `inspect` can bind the call."""
    parameters = _parameters(function)
    if parameters is None or n_args > len(parameters) or any(
            p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters):
        return False
    plan: list = []
    for i, p in enumerate(parameters):
        if i < n_args:
            plan.append(i)
        elif p.name in keywords and p.kind is p.POSITIONAL_OR_KEYWORD:
            plan.append(p.name)
        elif p.default is not p.empty:
            plan.append((p.default,))
        else:
            return False  # a missing argument: Python's error when traced
    named = [s for s in plan if type(s) is str]
    return tuple(plan) if len(named) == len(keywords) else False


def _bound(function: Callable, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):  # the call fails as Python says when it is traced
        return args, kwargs
    bound.apply_defaults()
    return bound.args, bound.kwargs


def _at_inputs(signature: Any, given: Any, variables: list) -> list:
    """The values of `given` at the places of the signature's specs (a list where a TensorSpec stands is
    one value), composite tensors opened into their tensors; those at VariableSpecs go to `variables`."""
    if isinstance(signature, TensorSpec):
        return [given]
    if isinstance(signature, VariableSpec):
        variable = argument_variable(given)
        if variable is None:
            raise TypeError(f"A variable was expected where the function was traced for {signature}, "
                            f"got {given!r}")
        variables.append(variable)
        return []
    if hasattr(signature, "_component_specs"):
        return signature._to_components(given)
    if isinstance(signature, dict) and isinstance(given, dict) and set(signature) == set(given):
        return [v for key in sorted(signature) for v in _at_inputs(signature[key], given[key], variables)]
    if isinstance(signature, list | tuple) and isinstance(given, list | tuple) and len(given) == len(
            signature):
        return [v for s, g in zip(signature, given) for v in _at_inputs(s, g, variables)]
    if nest.is_nested(signature):
        raise TypeError(f"The arguments {given!r} do not have the structure of the traced ones: "
                        f"{signature!r}")
    return []


def _placeholder(graph: Graph, key: Any, name: str, leaf: Any) -> Any:
    """What the traced function gets for an argument: a placeholder for a tensor, a composite of
    placeholders for a composite tensor, the value itself for anything else."""
    if key[0] == "tensor":
        return graph.placeholder(key[1], np.dtype(key[2]), name)
    if key[0] == "composite":
        spec = key[1]
        return spec._from_components([graph.placeholder(shape, dtype, name) for shape, dtype in
                                      spec._component_specs()])
    if key[0] == "traced":
        return key[1].placeholder_value(trace_type.CONTEXT)
    return leaf


def _spec(key: Any, name: str | None, leaf: Any) -> Any:
    """An argument as a signature shows it: its spec (a tensor's, a composite's), else its value."""
    if key[0] == "tensor":
        return TensorSpec(key[1], dtypes.from_numpy(np.dtype(key[2])), name)
    if key[0] == "variable":
        return VariableSpec(key[1], dtypes.from_numpy(np.dtype(key[2])), key[3], key[4][1])
    return key[1] if key[0] == "composite" else leaf


def _as_output(value: Any) -> Any:
    """What a traced function returns, as graph outputs: tensors; variables are read; Python values
    become constants (as TensorFlow converts them)."""
    if value is None or type(value) is SymbolicTensor or type(value) is Tensor:
        return value
    if isinstance(value, Variable):
        return value.value()
    return convert_to_tensor(value)


def _tensors_key(args: tuple) -> tuple:
    """Positional arguments that are all tensors, keyed by shape and dtype, and the tensors in order;
    (None, None) for any other. A tuple of tensors (a Keras batch) counts as its tensors, its length
    in the key."""
    key = []
    for a in args:
        if a.__class__ is not Tensor:
            return _tensor_tuples_key(args)
        key.append(a._value.shape)
        key.append(a._value.dtype)
    return tuple(key), args


def _tensor_tuples_key(args: tuple) -> tuple:
    """`_tensors_key` where an argument is not a tensor (kept apart: one loop for both costs the
    tensor-only call, a jitted loop's, ~0.2 us)."""
    key, flat = [], []
    for a in args:
        for t in a if a.__class__ is tuple else (a,):
            if t.__class__ is not Tensor:
                return None, None
            key.append(t._value.shape)
            key.append(t._value.dtype)
            flat.append(t)
        if a.__class__ is tuple:
            key.append(len(a))  # (after its tensors: f((a, b), c) and f(a, (b, c)) differ)
    return tuple(key), flat


def _leaf_key(leaf: Any) -> Any:
    if type(leaf) is Tensor:
        return ("tensor", leaf._value.shape, leaf._value.dtype.str)
    if isinstance(leaf, TensorSpec):
        if leaf.shape.rank is None:
            raise NotImplementedError(f"{leaf}: tapeflow needs every tensor's rank known while tracing.")
        return ("tensor", tuple(leaf.shape.as_list()), leaf.dtype._np.str)
    if isinstance(leaf, Variable):
        variable = argument_variable(leaf)
        if variable is None:
            return ("object", id(leaf))
        value = variable._value
        return ("variable", value.shape, value.dtype, variable._trainable, id(variable))
    if isinstance(leaf, CompositeTensor) and hasattr(leaf, "_type_spec"):
        return ("composite", leaf._type_spec)
    if hasattr(leaf, "_component_specs"):  # a composite's spec (tf.SparseTensorSpec)
        return ("composite", leaf)
    tracing_type = getattr(type(leaf), "__tf_tracing_type__", None)
    if tracing_type is not None:  # a class that keys its own traces (tracing/trace_type.py)
        return ("traced", tracing_type(leaf, trace_type.CONTEXT))
    try:
        hash(leaf)
    except TypeError:
        return ("object", id(leaf))
    # Python numbers are keyed by value, as TensorFlow does: 1, 1.0 and True share a trace.
    return ("value", "number" if isinstance(leaf, bool | int | float) else type(leaf), leaf)


def _aliased(key: Any) -> Any:
    """`key` with each variable's identity replaced by ("alias", the number of distinct variables
    before its first place), as TensorFlow's `alias_id`: calls passing other variables in the same way
    share a trace, one passing a variable twice does not share the trace of one passing two."""
    firsts: dict = {}
    leaves = tuple(k[:4] + (("alias", firsts.setdefault(k[4], len(firsts))),) if k[0] == "variable" else k
                   for k in key[1])
    return key if not firsts else (key[0], leaves)


def _has_unknown(key: Any) -> bool:
    return key[0] == "tensor" and None in key[1]


def _accepts(general: Any, key: Any) -> bool:
    """Whether an argument of `key` can be passed where a trace took `general`."""
    if general[0] != "tensor" or key[0] != "tensor":
        return general == key
    return general[2] == key[2] and len(general[1]) == len(key[1]) and all(
        g is None or g == k for g, k in zip(general[1], key[1]))


def _same_kind(earlier: Any, key: Any) -> bool:
    """Keys a relaxed trace can join: tensors of one dtype and rank, or equal other values."""
    if earlier[0] == "tensor" and key[0] == "tensor":
        return earlier[2] == key[2] and len(earlier[1]) == len(key[1])
    return earlier == key


def _join(earlier: Any, key: Any) -> Any:
    if key[0] != "tensor":
        return key
    return "tensor", tuple(a if a == b else None for a, b in zip(earlier[1], key[1])), key[2]


def _structure_key(structure: Any) -> Any:
    if isinstance(structure, dict):
        return ("dict", tuple((k, _structure_key(structure[k])) for k in sorted(structure)))
    if isinstance(structure, list | tuple):
        return (type(structure), tuple(_structure_key(s) for s in structure))
    return "*"


def _difference(previous: Any, key: Any) -> str:
    """Which argument made this call retrace, in words."""
    if previous is None:
        return ""
    if previous[0] != key[0]:
        return " (the structure of the arguments changed)"
    for i, (old, new) in enumerate(zip(previous[1], key[1])):
        if old != new:
            return f" (argument {i} changed from {_describe_key(old)} to {_describe_key(new)})"
    return ""


def _describe_key(key: Any) -> str:
    if key[0] == "tensor":
        return f"a tensor of shape {list(key[1])} and dtype {dtypes.from_numpy(np.dtype(key[2])).name}"
    if key[0] == "value":
        return f"the Python value {key[2]!r}"
    return f"another {key[0]}"


def function(
    func: Callable | None = None,
    input_signature: Sequence | None = None,
    autograph: bool = True,
    jit_compile: bool | None = None,
    reduce_retracing: bool = False,
    experimental_implements: str | None = None,
    experimental_autograph_options: Any = None,
    experimental_attributes: dict | None = None,
    experimental_relax_shapes: bool | None = None,
    experimental_compile: bool | None = None,
    experimental_follow_type_hints: bool | None = None,
    name: str | None = None,
) -> Any:
    """`tf.function`, as a decorator (with or without arguments) or a call. TensorFlow's deprecated
    `experimental_relax_shapes` is `reduce_retracing` and `experimental_compile` is `jit_compile`; the
    other `experimental_` options (graph attributes, AutoGraph options, type hints) change nothing."""
    reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)

    def wrap(f: Callable) -> Function:
        return Function(
            f,
            input_signature=input_signature,
            autograph=autograph,
            jit_compile=jit_compile if jit_compile is not None else experimental_compile,
            reduce_retracing=reduce_retracing,
            name=name,
        )

    return wrap if func is None else wrap(func)
