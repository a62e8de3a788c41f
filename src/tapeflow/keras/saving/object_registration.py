"""Custom classes and functions known by name when models are loaded: `custom_objects` arguments, the
`custom_object_scope`, and `register_keras_serializable` (registered as `package>name`, as Keras)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable"]  # what tf.keras.utils exports from here

_GLOBAL: dict[str, Any] = {}  # registered name -> class or function
_NAMES: dict[Any, str] = {}  # class or function -> registered name
_SCOPES = threading.local()  # .stack: the custom_object_scope dicts entered on this thread


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Any:
    """A decorator registering a class or function as `package>name` (name: its own by default)."""

    def decorator(obj: Any) -> Any:
        registered = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL[registered] = obj
        _NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` is saved under: its registered name, else its own."""
    return _NAMES.get(obj, obj.__name__)


def get_custom_objects() -> dict:
    """The global registry (name -> object); Keras's `get_custom_objects`, to update in place."""
    return _GLOBAL


class CustomObjectScope:
    """`with custom_object_scope({"name": obj}):` makes the objects known by name while loading."""

    def __init__(self, *objects: dict):
        self.objects: dict = {}
        for mapping in objects:
            self.objects.update(mapping or {})

    def __enter__(self) -> CustomObjectScope:
        if not hasattr(_SCOPES, "stack"):
            _SCOPES.stack = []
        _SCOPES.stack.append(self.objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        _SCOPES.stack.pop()


custom_object_scope = CustomObjectScope


def get_registered_object(name: str, custom_objects: dict | None = None, registered_name: str | None = None
                          ) -> Any:
    """The object known as `name` (or `registered_name`): custom objects, scopes, then the registry."""
    for mapping in (custom_objects or {}, *reversed(getattr(_SCOPES, "stack", [])), _GLOBAL):
        for key in (registered_name, name):
            if key is not None and key in mapping:
                return mapping[key]
    return None
