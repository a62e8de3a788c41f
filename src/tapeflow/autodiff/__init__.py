"""Automatic differentiation: the tape, the reverse sweep, forward mode and the gradient helpers.

As `tf.autodiff`, it offers `GradientTape` and `ForwardAccumulator` (loaded on first use).
"""

from tapeflow.autodiff.tape import GradientTape

__all__ = ["ForwardAccumulator", "GradientTape"]


def __getattr__(name: str):
    if name == "ForwardAccumulator":
        from tapeflow.autodiff.forward import ForwardAccumulator

        return ForwardAccumulator
    raise AttributeError(f"module 'tapeflow.autodiff' has no attribute {name!r}")
