"""`tf.custom_gradient`: a function that supplies its own gradient.

The decorated function returns `(result, grad_fn)`. One `CustomGradient` op passes the result through
as new tensors, with the inputs (and the variables the function read) as extra inputs: the result a
caller sees depends on the inputs only through that op, whose rule calls `grad_fn` with the upstream
gradients (once per backward step, for all inputs together). The forward pass is still recorded, as
in TensorFlow, so what `grad_fn` computes from forward values is differentiable again: a tape around
the backward pass gives second and higher derivatives. The op is a graph equation when traced, so
this works inside `tf.function` too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tapeflow.autodiff.tape import GradientTape
from tapeflow.control_flow.subgraph import traced
from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.state import current, tapes_paused

__all__ = ["custom_gradient", "grad_pass_through", "recompute_grad"]


def custom_gradient(f: Callable | None = None) -> Callable:
    """Decorate `f(*xs) -> (result, grad_fn)`; `grad_fn(*upstream)` returns one gradient per `x`, or,
    when `f` reads variables, `(input_gradients, variable_gradients)` and takes `variables=`."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        xs = [convert_to_tensor(a) for a in args]
        with GradientTape() as probe:  # only to learn which trainable variables `f` reads
            result, grad_fn = f(*xs, **kwargs)
        variables = tuple(probe.watched_variables())
        if variables and "variables" not in _keyword_names(grad_fn):
            raise TypeError(
                f"@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function "
                f"uses variables: {list(variables)}"
            )
        ys = [convert_to_tensor(y) for y in nest.flatten(result)]
        rule = _Rule(grad_fn, len(xs), variables)
        captured = rule.trace(ys) if current().graphs else []
        inputs = (*xs, *(v.value() for v in variables), *ys, *captured)
        outputs = bind(_CUSTOM_GRADIENT, inputs, {"rule": rule, "n_ys": len(ys)})
        return nest.pack_sequence_as(result, list(outputs))

    decorated._autograph_do_not_convert = True  # AutoGraph would read `f`'s source through `wraps`
    return decorated


def grad_pass_through(f: Callable) -> Callable:
    """`tf.grad_pass_through`: `f` forward, the identity backward: the gradient reaching `f`'s result
    goes to its (one) input unchanged — for steps with no gradient of their own (an assign, a
    quantisation)."""

    @functools.wraps(f)
    def passing(x: Any) -> Any:
        @custom_gradient
        def identity_backward(x: Any) -> Any:
            return f(x), lambda upstream: upstream

        return identity_backward(x)

    return passing


class _Rule:
    """`grad_fn`, checked, and — for a traced call — traced into a graph right away: a compiled
    function may be differentiated later by replaying its equations with values, when `grad_fn`'s
    closure still holds the symbolic forward values of the trace. The graph's captures of those
    values are extra inputs of the op, so every replay passes the current ones in."""

    def __init__(self, grad_fn: Callable, n_xs: int, variables: tuple):
        self.grad_fn, self.n_xs, self.variables = grad_fn, n_xs, variables
        self.graph = None

    def __call__(self, *upstream: Any) -> list:
        if self.variables:
            input_grads, variable_grads = self.grad_fn(*upstream, variables=list(self.variables))
        else:
            input_grads, variable_grads = self.grad_fn(*upstream), []
        input_grads = list(input_grads) if isinstance(input_grads, list | tuple) else [input_grads]
        if len(input_grads) != self.n_xs:
            raise ValueError(
                f"custom_gradient function expected to return {self.n_xs} gradients, but returned "
                f"{len(input_grads)} instead."
            )
        variable_grads = list(variable_grads)
        if len(variable_grads) != len(self.variables):
            raise ValueError("Must return gradient for each variable from @custom_gradient grad_fn.")
        return [None if d is None else convert_to_tensor(d) for d in (*input_grads, *variable_grads)]

    def trace(self, ys: list) -> list:
        self.graph = traced(self, ys, "custom_gradient")[0]
        return [outer for outer, _ in self.graph.captures]

    def gradients(self, g: tuple, captured: tuple) -> list:
        return self(*g) if self.graph is None else self.graph.evaluate([*g, *captured])


def _pass_through(*values: Any, rule: _Rule, n_ys: int) -> tuple:
    start = rule.n_xs + len(rule.variables)
    return tuple(values[start:start + n_ys])


def _custom_rule(g: tuple, y: tuple, *inputs: Any, rule: _Rule, n_ys: int) -> list:
    """The inputs' gradients: from `grad_fn` for the inputs and variables; none for the results and
    the forward values `grad_fn` uses (gradients reach the inputs through `grad_fn` only)."""
    n_sources = rule.n_xs + len(rule.variables)
    return [*rule.gradients(g, inputs[n_sources + n_ys:]), *(None for _ in inputs[n_sources:])]


_CUSTOM_GRADIENT = Op("CustomGradient", _pass_through, joint=_custom_rule, variadic=True,
                      multiple_results=True)


def _keyword_names(fn: Callable) -> set:
    import inspect

    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return set()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return {"variables"}
    return {p.name for p in parameters}


def recompute_grad(f: Callable) -> Callable:
    """`tf.recompute_grad`: `f`'s forward pass is not recorded by the tapes around it; its gradient
    runs `f` again under a tape of its own. Memory for speed: what `f` computes inside is not kept."""

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        outer = list(current().tapes)  # the caller's tapes: paused for the forward pass

        @custom_gradient
        def recomputed(*xs: Any) -> tuple:
            with tapes_paused(outer):  # custom_gradient's own probe records
                result = f(*xs, **kwargs)

            def grad(*upstream: Any, variables: list | None = None) -> Any:
                with GradientTape() as tape:
                    tape.watch(xs)
                    again = nest.flatten(f(*xs, **kwargs))
                sources = [*xs, *(variables or [])]
                grads = tape.gradient(again, sources, output_gradients=list(upstream),
                                      unconnected_gradients="zero")
                return grads[: len(xs)] if variables is None else (grads[: len(xs)], grads[len(xs):])

            return result, grad

        return recomputed(*args)

    wrapped._autograph_do_not_convert = True
    return wrapped
