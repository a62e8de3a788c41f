"""`tf.keras.regularizers`: penalties on a weight that a layer adds to its losses."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.keras import identifiers
from tapeflow.ops.math_ops import abs as absolute
from tapeflow.ops.math_ops import square
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2"]


class Regularizer:
    """Base class: `__call__(weight)` gives a scalar penalty."""

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


def _factor(value: Any, name: str) -> np.float32:
    """A penalty factor as Keras keeps it: rounded to float32 (its config shows 0.009999999776482582)."""
    if value is None:
        return np.float32(0.0)
    if float(value) < 0:
        raise ValueError(
            f"Value '{name}' to the regularizer must be a non-negative number. Received: {name}={value}"
        )
    return np.float32(value)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = _factor(l1, "l1"), _factor(l2, "l2")

    def __call__(self, x: Any) -> Any:
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * reduce_sum(absolute(x))
        if self.l2:
            penalty += self.l2 * reduce_sum(square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": float(self.l1), "l2": float(self.l2)}


class L1(Regularizer):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1: float = 0.01, **kwargs: Any):
        self.l1 = _factor(kwargs.pop("l", l1), "l1")

    def __call__(self, x: Any) -> Any:
        return self.l1 * reduce_sum(absolute(x))

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """`l2 * sum(x**2)`."""

    def __init__(self, l2: float = 0.01, **kwargs: Any):
        self.l2 = _factor(kwargs.pop("l", l2), "l2")

    def __call__(self, x: Any) -> Any:
        return self.l2 * reduce_sum(square(x))

    def get_config(self) -> dict:
        return {"l2": float(self.l2)}


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """Keras's `l1_l2` function: both penalties, 0.01 each by default."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
_NAMES = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any) -> Any:
    """A regularizer from a name, a config dict, an instance or a callable."""
    return identifiers.get(identifier, "regularizer", _NAMES)
