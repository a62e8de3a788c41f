"""`tf.switch_case` and `tf.case`: many-way branches, built as a chain of `tf.cond`s.

Eagerly the chosen function simply runs; traced, each test becomes a `cond` whose false branch holds
the rest of the chain, so gradients, effects and compilation are cond's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tapeflow.control_flow.cond import cond
from tapeflow.core import errors
from tapeflow.core.state import current
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import TensorLike
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import equal

__all__ = ["switch_case", "case"]


def switch_case(branch_index: Any, branch_fns: Any, default: Callable | None = None,
                name: str = "switch_case") -> Any:
    """`tf.switch_case`: run `branch_fns[branch_index]`; an index out of range runs `default` (or,
    without one, the last branch)."""
    if not isinstance(branch_index, TensorLike):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    index = tensor(branch_index)
    if not index.dtype.is_integer:
        raise TypeError(f"'branch_index' must be an integer Tensor, got {index.dtype}")
    if isinstance(branch_fns, dict):
        keys = sorted(branch_fns)
        if keys != list(range(len(keys))):
            found = ",".join(map(str, keys))
            raise ValueError(f"branch indices (keys) must form contiguous range of [0 to {len(keys)}) but "
                             f"found {{{found}}}")
        fns = [branch_fns[k] for k in keys]
    elif isinstance(branch_fns, list | tuple):
        fns = [fn[1] if isinstance(fn, tuple) else fn for fn in branch_fns]
    else:
        raise TypeError("'branch_fns' must be a list, tuple, or dict")
    if not fns:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    if not all(callable(fn) for fn in fns):
        raise TypeError("branch_fns must be a list of callables.")
    default = fns[-1] if default is None else default
    if type(index) is not SymbolicTensor and not current().graphs:
        i = int(index.numpy())
        return (fns[i] if 0 <= i < len(fns) else default)()
    return _chain([(equal(index, k), fn) for k, fn in enumerate(fns)], default)


def case(pred_fn_pairs: Sequence, default: Callable | None = None, exclusive: bool = False,
         strict: bool = False, name: str = "case") -> Any:
    """`tf.case`: run the function paired with the first true predicate, else `default`. Without a
    default, eagerly none being true is TensorFlow's error; traced, the last pair's function is the
    default."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(pred_fn_pairs)
    if not pairs and default is None:
        raise ValueError("Must provide at least one item in 'pred_fn_pairs'")
    for pred, fn in pairs:
        if not callable(fn):
            raise TypeError(f"fn for pred {pred} must be callable.")
    preds = [tensor(p) for p, _ in pairs]
    if not current().graphs and all(type(p) is not SymbolicTensor for p in preds):
        truths = [bool(p.numpy()) for p in preds]
        if exclusive and sum(truths) > 1:
            raise errors.InvalidArgumentError(
                None, None, "Input error: exclusive=True and more than 1 conditions evaluated as True")
        if any(truths):
            return pairs[truths.index(True)][1]()
        if default is None:
            raise errors.InvalidArgumentError(
                None, None, f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized "
                            f"data: b'Input error: None of conditions evaluated as True:'\n"
                            f"{', '.join(map(str, truths))}")
        return default()
    if default is None:
        *pairs, (_, default) = pairs
        preds = preds[: len(pairs)]
    return _chain(list(zip(preds, (fn for _, fn in pairs))), default)


def _chain(tests: list, default: Callable) -> Any:
    """`cond(test_0, fn_0, lambda: cond(test_1, fn_1, ... default))`."""
    if not tests:
        return default()
    (pred, fn), rest = tests[0], tests[1:]
    return cond(pred, fn, lambda: _chain(rest, default))
