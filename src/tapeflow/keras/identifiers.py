"""What Keras's `get` functions share: an object from None, a config dict, a registered name or a
callable (initializers, regularizers, constraints, losses, metrics); the serialized form of an object;
and classes made from a function and its options (the many losses and metrics that only wrap one)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def registered(kind: str, names: dict, name: str) -> Any:
    """The class or function registered as `name`, or Keras's error for an unknown `kind`."""
    found = names.get(name)
    if found is None:
        raise ValueError(
            f"Unknown {kind}: '{name}'. Please ensure you are using a `keras.utils.custom_object_scope` "
            f"and that this object is included in the scope. See "
            f"https://www.tensorflow.org/guide/keras/save_and_serialize#registering_the_custom_object "
            f"for details."
        )
    return found


def from_config(kind: str, names: dict, config: dict) -> Any:
    """An object from its serialized form `{"class_name": ..., "config": {...}}`."""
    return registered(kind, names, config["class_name"]).from_config(config.get("config", {}))


def get(identifier: Any, kind: str, names: dict, described: str | None = None) -> Any:
    """Keras's `get`: None stays None; a config dict is deserialized; a registered name gives a new
    instance of its class (or the function registered under it); a callable is returned as it is."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return from_config(kind, names, identifier)
    if isinstance(identifier, str):
        found = registered(kind, names, identifier)
        return found() if isinstance(found, type) else found
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {described or kind} identifier: {identifier}")


def serialize(obj: Any, base: type, module: str) -> Any:
    """An instance of `base` as Keras's config dict (`module`: `'keras.losses'`); a function as its name."""
    if isinstance(obj, base):
        return {
            "module": module,
            "class_name": type(obj).__name__,
            "config": obj.get_config(),
            "registered_name": None,
        }
    return getattr(obj, "__name__", obj)


def class_with_options(
    cls_name: str, base: type, module: str, doc: str, parameters: list, init: Callable[[Any, dict], None]
) -> type:
    """A subclass of `base` whose constructor takes `parameters` (`(name, default)` pairs, in order,
    by position or keyword) and hands them to `init(self, {name: value})`."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature(
        [inspect.Parameter("self", kind)] + [inspect.Parameter(n, kind, default=d) for n, d in parameters]
    )

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as e:  # as Python words it for a written-out constructor
            raise TypeError(f"{cls_name}.__init__() {e}") from None
        bound.apply_defaults()
        init(self, {k: v for k, v in bound.arguments.items() if k != "self"})

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    return type(cls_name, (base,), {"__init__": __init__, "__doc__": doc, "__module__": module})
