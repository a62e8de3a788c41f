"""`tf.autograph.experimental`: loop options and opting out of conversion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["do_not_convert", "set_loop_options"]


def do_not_convert(func: Callable | None = None) -> Any:
    """`tf.autograph.experimental.do_not_convert`: `tf.function` traces `func` as it is."""
    if func is None:
        return do_not_convert
    func._autograph_do_not_convert = True
    return func


def set_loop_options(
    parallel_iterations: Any = None,
    swap_memory: Any = None,
    maximum_iterations: Any = None,
    shape_invariants: Any = None,
) -> None:
    """`tf.autograph.experimental.set_loop_options`: options for the loop whose body calls it first.

    AutoGraph moves the call out of the converted loop body into the loop's options (for example
    `shape_invariants=[(x, tf.TensorShape([None]))]` lets `x` change shape); called anywhere else,
    as in code that is not converted, it does nothing."""
