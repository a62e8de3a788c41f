"""The reverse sweep: from a tape's entries, the gradients of targets with respect to sources.

Only entries on a path from a source are visited (one forward pass marks them), in reverse
recording order, which is a topological order. Each input that needs a gradient gets its op's
rule applied; a rule's result is reduced to its input's shape here, in one place, so that no rule
has to undo broadcasting. Contributions to one value are collected and summed once, with `add_n`,
when the value's own entry is reached; consumed gradients are dropped as the sweep goes. No
recursion: any depth of graph works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.op import bind
from tapeflow.core.state import ACTIVE
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.declare import tensor
from tapeflow.ops.gather_ops import concat_slices, to_dense
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import ADD_N
from tapeflow.ops.recipes import Recipe
from tapeflow.ops.shape_ops import ones_like, sum_to, zeros_like


def differentiable(dtype: dtypes.DType) -> bool:
    """Gradients flow through floating and complex values only, as in TensorFlow."""
    return dtype.kind in ("float", "complex")


def backward(entries: list, targets: list, sources: list, output_gradients: list | None,
             tracked: set, consume: bool = False, on_final: Callable | None = None) -> list:
    """Gradients for `sources` (None where unconnected) of the sum of `targets`. With `consume`
    (a non-persistent tape's last use) each entry is released as soon as its rules have run, so
    forward values free up while the backward pass allocates. `on_final(i, g)` is told each source's
    gradient as soon as no entry left in the sweep can add to it (data-parallel training starts
    reducing it then, while the sweep goes on)."""
    path, reached = _path(entries, sources, tracked)
    if consume:
        entries.clear()
    grads: dict[int, Any] = {}
    keep = {id(s) for s in sources}
    for i, t in enumerate(targets):
        if id(t) in reached or id(t) in keep:  # (a target that is a source gets its seed, as in TF)
            seed = ones_like(t) if output_gradients is None else _seed(output_gradients[i], t)
            _contribute(grads, id(t), seed)

    final_at = None if on_final is None else _last_uses(path, sources)
    take, get = grads.pop, grads.get  # (bound once: the loop's hottest lookups)
    while path:
        if final_at and len(path) in final_at:
            _announce(final_at.pop(len(path)), sources, grads, keep, on_final)
        op, inputs, params, outputs = path.pop()
        if type(outputs) is not tuple:
            key = id(outputs)
            g = take(key, None) if key not in keep else get(key)
            if g is None:
                continue
            if type(g) is not Tensor:  # (several contributions, sparse or symbolic)
                if type(g) is list:
                    g = _total(grads, key, g, keep)
                if type(g) is IndexedSlices and not op.sparse_ok:
                    g = to_dense(g)
        else:
            parts = [_take(grads, id(o), keep) for o in outputs]
            if all(p is None for p in parts):
                continue
            g = tuple(zeros_like(o) if p is None else to_dense(p) if type(p) is IndexedSlices else p
                      for o, p in zip(outputs, parts))
        if op.plain and not params and len(inputs) < 3:
            # The common entries spelled out: a rule for each input, called with its arity. (One
            # input is reached, or the entry would not be on the path.)
            if len(inputs) == 1:
                pairs = ((inputs[0], _apply_rule(op.grads[0], g, outputs, inputs)),)
            else:
                x, y = inputs
                pairs = ((x, _apply_rule(op.grads[0], g, outputs, inputs) if id(x) in reached else None),
                         (y, _apply_rule(op.grads[1], g, outputs, inputs) if id(y) in reached else None))
        else:
            pairs = _input_gradients(op, g, outputs, inputs, params, reached)
        for x, gx in pairs:
            if gx is None:
                continue
            if type(gx) is not IndexedSlices and (gx._value.shape != x._value.shape or (
                    type(x._value) is AbstractValue and not x._value.known and len(inputs) > 1)):
                gx = sum_to(gx, x)  # undo a broadcast (or, with unknown dimensions, any there may be)
            _contribute(grads, id(x), gx)
    if final_at:
        _announce([i for at in sorted(final_at, reverse=True) for i in final_at[at]], sources, grads, keep,
                  on_final)
    return [_take(grads, id(s), keep) for s in sources]


def _apply_rule(rule: Callable, g: Any, outputs: Any, inputs: tuple) -> Any:
    """`rule(g, outputs, *inputs)`; a recipe's kernels alone when no tape or graph can see its ops."""
    if type(rule) is Recipe:
        if not ACTIVE:
            gx = rule.quick(g, outputs, inputs)
            if gx is not None:
                return gx
        return rule.rule(g, outputs, *inputs)
    return rule(g, outputs, *inputs)


def _path(entries: list, sources: list, tracked: set) -> tuple[list, set]:
    """The entries a gradient can flow through, in recording order, and the ids of the values it can
    reach: differentiable results of differentiable entries fed by a source."""
    reached = {id(s) for s in sources if id(s) in tracked and s._value.dtype.kind in "fc"}
    path = []
    for entry in entries:
        if not entry[0].differentiable:  # (no gradient goes through: what it feeds is not reached by it)
            continue
        for x in entry[1]:
            if id(x) in reached:
                path.append(entry)
                outputs = entry[3]
                if type(outputs) is not tuple:
                    if outputs._value.dtype.kind in "fc":
                        reached.add(id(outputs))
                else:
                    reached.update(id(out) for out in outputs if out._value.dtype.kind in "fc")
                break
    return path, reached


def _input_gradients(op, g, outputs, inputs: tuple, params: dict, reached: set) -> list:
    """(input, gradient or None) for each reached input of an entry with a rule for it, given the
    gradient `g` of its outputs."""
    joint = op.joint
    if joint is not None:  # one rule gives all inputs' gradients
        given = joint(g, outputs, *inputs, **params)
    elif op.grads is None:
        return []
    pairs = []
    for i, x in enumerate(inputs):
        if id(x) not in reached:
            continue
        if joint is not None:
            gx = given[i]
        elif op.variadic:  # one rule for every input, told which
            gx = op.grads(i, g, outputs, *inputs, **params)
        else:
            rule = op.grads[i]
            if rule is None:
                continue
            gx = rule(g, outputs, *inputs, **params)
        pairs.append((x, gx))
    return pairs


def _last_uses(path: list, sources: list) -> dict[int, list[int]]:
    """For each position of the path, the sources (by index) whose gradient is complete once the
    sweep has passed it: the first entry reading a source is the last the sweep reaches."""
    index = {id(s): i for i, s in enumerate(sources)}
    final_at: dict[int, list[int]] = {}
    for position, entry in enumerate(path):
        for x in entry[1]:
            i = index.pop(id(x), None)
            if i is not None:
                final_at.setdefault(position, []).append(i)
    return final_at


def _announce(indices: list, sources: list, grads: dict, keep: set, on_final: Callable) -> None:
    for i in indices:
        g = _take(grads, id(sources[i]), keep)
        if g is not None:
            on_final(i, g)


def _seed(value: Any, target: Any) -> Tensor:
    seed = tensor(value)
    if not TensorShape(seed._value.shape).is_compatible_with(target._value.shape):
        raise errors.InvalidArgumentError(
            None, None, f"output_gradients shape {list(seed._value.shape)} does not match target shape "
                        f"{list(np.shape(target._value))}")
    return seed


def _contribute(grads: dict, key: int, g: Tensor) -> None:
    """Add to the gradient of value `key`: one tensor, or a list of them, summed when consumed."""
    previous = grads.get(key)
    if previous is None:
        grads[key] = g
    elif type(previous) is list:
        previous.append(g)
    else:
        grads[key] = [previous, g]


def _take(grads: dict, key: int, keep: set):
    """The total gradient of value `key`, removed from `grads` unless it belongs to a source."""
    g = grads.get(key) if key in keep else grads.pop(key, None)
    return _total(grads, key, g, keep) if type(g) is list else g


def _total(grads: dict, key: int, contributions: list, keep: set) -> Tensor | IndexedSlices:
    """The sum of several contributions (which share shape and dtype, so no checks are needed);
    sparse ones stay sparse together, as in TensorFlow, and are made dense beside dense ones."""
    if IndexedSlices not in map(type, contributions):
        g = bind(ADD_N, tuple(contributions))
    elif all(type(c) is IndexedSlices for c in contributions):
        g = concat_slices(contributions)
    else:
        dense = tuple(to_dense(c) if type(c) is IndexedSlices else c for c in contributions)
        g = bind(ADD_N, dense)
    if key in keep:
        grads[key] = g
    return g
