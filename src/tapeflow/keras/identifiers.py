"""What Keras's `get` functions share: an object from None, a config dict, a registered name or a
callable (initializers, regularizers, constraints, metrics)."""

from __future__ import annotations

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
