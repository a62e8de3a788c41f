"""`tf.einsum`: products and sums written as subscripts, e.g. `"bij,bjk->bik"`.

The kernel is NumPy's `einsum` on the equation made explicit. The gradient for an operand is an
einsum again: the output gradient contracted with the other operands, onto the operand's own
subscripts. Two kinds of label need more than that: a label only that operand has (summed away, so
its gradient is spread back along it, by an einsum with ones) and a label it repeats (a diagonal, so
the gradient lands on the diagonal, by an einsum with an identity matrix). All of it is einsum, so
gradients of any order follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.op import Op, bind
from tapeflow.core.tensor import Tensor
from tapeflow.ops.declare import mismatch_error, tensor
from tapeflow.ops.math_ops import conj

__all__ = ["einsum"]

_ALLOWED = frozenset((dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64,
                      dtypes.complex64, dtypes.complex128))
_ELLIPSIS = "*"  # "..." as one character while subscripts are worked on


def einsum(equation: str, *inputs: Any, name: str | None = None, **kwargs: Any):
    """`tf.einsum`: sum the product of `inputs` over the labels the output does not keep (`optimize`,
    TensorFlow's contraction-order choice, is accepted; NumPy's einsum chooses)."""
    unknown = [key for key in kwargs if key != "optimize"]
    if unknown:
        raise TypeError(f"Invalid keyword arguments for einsum: {', '.join(unknown)}. Valid arguments: name, "
                        f"optimize, greedy.")
    operands, output = _parse(equation, len(inputs))
    xs = [tensor(x) for x in inputs]
    for i, x in enumerate(xs):
        if x.dtype not in _ALLOWED:
            raise errors.NotFoundError(
                None, None, f"Could not find device for node: {{{{node Einsum}}}} = Einsum[N={len(xs)}, "
                            f"T=DT_{x.dtype.name.upper()}, equation=\"{equation}\"] [Op:Einsum]")
        if x.dtype != xs[0].dtype:
            raise mismatch_error(_EINSUM, xs[0].dtype, i, x.dtype)
    _check_sizes(operands, xs)
    return bind(_EINSUM, tuple(xs), {"operands": operands, "output": output})




def _einsum_kernel(*values: np.ndarray, operands: tuple, output: str) -> np.ndarray:
    return np.einsum(_equation(operands, output), *values)


def _equation(operands: tuple, output: str) -> str:
    return (",".join(operands) + "->" + output).replace(_ELLIPSIS, "...")


def _parse(equation: str, n: int) -> tuple[tuple, str]:
    """The operands' subscripts and the output's, explicit (the implicit output is every label used
    once, in alphabetical order, after the broadcast dimensions)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum's equation must be a string, got {equation!r}.")
    text = equation.replace(" ", "").replace("...", _ELLIPSIS)
    left, arrow, output = text.partition("->")
    operands = tuple(left.split(","))
    if len(operands) != n:
        raise ValueError(f'Got {n} inputs for equation "{equation}", expecting {len(operands)}')
    labels = [c for c in left if c.isalpha()]
    if not arrow:
        output = (_ELLIPSIS if _ELLIPSIS in left else "") + "".join(
            sorted(c for c in set(labels) if labels.count(c) == 1))
    for c in output:
        if c.isalpha() and c not in labels:
            raise ValueError(f"Output subscripts contain the label {c} not present in the input subscripts.")
    for subscripts in (*operands, output):
        if any(not (c.isalpha() or c == _ELLIPSIS) for c in subscripts) or subscripts.count(_ELLIPSIS) > 1:
            raise ValueError(f'Invalid einsum equation "{equation}": subscripts are letters and at most '
                             f'one "..." per operand.')
    return operands, output


def _sizes(subscripts: str, shape: tuple) -> dict:
    """Each label's dimension in an operand of `shape` (the ellipsis stands for what is left)."""
    if _ELLIPSIS not in subscripts:
        return dict(zip(subscripts, shape))
    before, _, after = subscripts.partition(_ELLIPSIS)
    return {**dict(zip(before, shape)), **dict(zip(after, shape[len(shape) - len(after):]))}


def _check_sizes(operands: tuple, xs: list) -> None:
    seen: dict = {}
    for i, (subscripts, x) in enumerate(zip(operands, xs)):
        shape = x._value.shape
        rank = len(subscripts) - (_ELLIPSIS in subscripts)
        if len(shape) < rank or (_ELLIPSIS not in subscripts and len(shape) != rank):
            raise errors.InvalidArgumentError(
                None, None, f"Expected input {i} to have rank {rank} but got: {len(shape)} [Op:Einsum]")
        for axis, label in enumerate(subscripts.replace(_ELLIPSIS, "")):
            axis = axis if _ELLIPSIS not in subscripts or axis < subscripts.index(_ELLIPSIS) else (
                axis + len(shape) - rank)
            size = shape[axis]
            if seen.setdefault(label, size) != size:
                raise errors.InvalidArgumentError(
                    None, None, f"Expected dimension {seen[label]} at axis {axis} of the input shaped "
                                f"[{','.join(map(str, shape))}] but got dimension {size} [Op:Einsum]")


def _einsum_gradient(i: int, g: Any, y: Any, *xs: Any, operands: tuple, output: str) -> Any:
    """The gradient for operand i (see the module doc); complex operands enter conjugated."""
    x, subscripts = xs[i], operands[i]
    others = [(s, conj(o) if o.dtype.is_complex else o)
              for j, (s, o) in enumerate(zip(operands, xs)) if j != i]
    if _ELLIPSIS in subscripts and _ELLIPSIS not in output:
        raise NotImplementedError(
            f"The gradient of einsum '{_equation(operands, output)}' is not supported: an operand's "
            f"'...' dimensions are summed away.")
    reached = set(output).union(*(s for s, _ in others))
    unique = "".join(dict.fromkeys(subscripts))
    kept = "".join(c for c in unique if c in reached)
    grad = _contract([output, *(s for s, _ in others)], kept, [g, *(o for _, o in others)])
    sizes = _sizes(subscripts, x._value.shape)
    spread = [c for c in unique if c not in reached]
    if spread:  # labels only this operand has: the gradient is the same all along them
        ones = [Tensor(np.ones(sizes[c], x._value.dtype)) for c in spread]
        grad = _contract([kept, *spread], unique, [grad, *ones])
    if unique != subscripts:  # repeated labels: onto the diagonal
        free = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in subscripts)
        renamed, eyes, used = "", [], set()
        for c in subscripts:
            if c in used and c != _ELLIPSIS:
                fresh = next(free)
                renamed += fresh
                eyes.append((c + fresh, Tensor(np.eye(sizes[c], dtype=x._value.dtype))))
            else:
                renamed += c
                used.add(c)
        grad = _contract([unique, *(s for s, _ in eyes)], renamed, [grad, *(e for _, e in eyes)])
    return grad


_EINSUM = Op("Einsum", _einsum_kernel, _einsum_gradient, variadic=True)


def _contract(subscripts: list, output: str, values: list) -> Any:
    return einsum(_equation(tuple(subscripts), output), *values)
