"""`tf.autograph.experimental`: loop options and opting out of conversion."""

from __future__ import annotations

from typing import Any

from tapeflow.autograph.transform import do_not_convert

__all__ = ["do_not_convert", "set_loop_options"]


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
