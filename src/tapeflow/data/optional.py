"""`tf.experimental.Optional`: a value that may be missing, as `Iterator.get_next_as_optional()` gives
at the end of a pass instead of raising."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.core.tensor import Tensor
from tapeflow.data import structure


class Optional:
    """An element of `element_spec`, or nothing (`has_value()` says which)."""

    def __init__(self, element_spec: Any, value: Any = None, present: bool = False):
        self._element_spec, self._value, self._present = element_spec, value, present

    @staticmethod
    def from_value(value: Any) -> Optional:
        element = structure.normalize(value)
        return Optional(structure.specs(element), element, True)

    @staticmethod
    def empty(element_spec: Any) -> Optional:
        return Optional(element_spec)

    @property
    def element_spec(self) -> Any:
        return self._element_spec

    def has_value(self, name: str | None = None) -> Tensor:
        return Tensor(np.bool_(self._present))

    def get_value(self, name: str | None = None) -> Any:
        if not self._present:
            raise errors.InvalidArgumentError(None, None, "The given optional does not have a value. "
                                              "[Op:OptionalGetValue]")
        return self._value
