"""`tf.types.experimental.TraceType`: how a user's class tells `tf.function` when to trace again.

An argument whose class defines `__tf_tracing_type__(context)` is keyed by the TraceType it returns:
calls whose arguments have equal (and equally hashed) trace types share a trace, and the traced
function receives the type's `placeholder_value(context)` in the argument's place.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


class TraceType(abc.ABC):
    """What `tf.function` keys a trace on for a value; subclasses say when two are the same."""

    @abc.abstractmethod
    def is_subtype_of(self, other: TraceType) -> bool:
        """Whether every value of this type is also one of `other`."""

    @abc.abstractmethod
    def most_specific_common_supertype(self, others: Sequence[TraceType]) -> TraceType | None:
        """The narrowest type that this and all `others` are subtypes of, or None."""

    @abc.abstractmethod
    def placeholder_value(self, placeholder_context: Any) -> Any:
        """What the traced function receives for an argument of this type."""

    @abc.abstractmethod
    def __eq__(self, other: Any) -> bool: ...

    @abc.abstractmethod
    def __hash__(self) -> int: ...


@runtime_checkable
class SupportsTracingProtocol(Protocol):
    """A class whose instances choose their own TraceType."""

    def __tf_tracing_type__(self, context: Any) -> TraceType: ...


class TracingContext:
    """What `__tf_tracing_type__` and `placeholder_value` are given (tapeflow passes no options)."""

    __slots__ = ()


CONTEXT = TracingContext()
