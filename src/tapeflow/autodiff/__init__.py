"""Reverse and forward mode: the tape, the reverse sweep, forward accumulators, gradient checks.

As `tf.autodiff`, it offers `GradientTape` and `ForwardAccumulator`.
"""

from tapeflow.autodiff.forward import ForwardAccumulator
from tapeflow.autodiff.tape import GradientTape

__all__ = ["ForwardAccumulator", "GradientTape"]
