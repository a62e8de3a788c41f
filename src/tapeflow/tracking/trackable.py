"""The "trackable children" protocol: what an object's named children are in a checkpoint.

A checkpoint stores a graph of objects; each object's children are named edges. This module says
what the children of tapeflow's objects are, in TensorFlow's order:

* an object with a `_trackable_children()` method (tf.train.Checkpoint, tf.Module, the Keras
  optimizers, and later Keras layers and models) lists its own `(name, child)` pairs; a `tf.Module`'s
  are its attributes, in assignment order, that hold variables, modules, other trackables, or lists,
  tuples and dicts (these are always nodes, even empty, as TensorFlow wraps them when assigned);
* a list or tuple has its trackable items named "0", "1", ...; a dict its trackable values by key;
* a `tf.Variable` has no children: it is a leaf holding one value (`VARIABLE_VALUE`).

An object whose children appear after it is made (a module assigned an attribute, an optimizer
building its slots, later a Keras layer building its weights) calls `deferred.attached(self)` then,
so that a restore waiting for those children gives them their saved values (`deferred.py`).
"""

from __future__ import annotations

from typing import Any

from tapeflow.ops.variables import Variable

__all__ = ["children", "is_trackable"]

_CONTAINERS = (list, tuple, dict)


def is_trackable(value: Any) -> bool:
    """Whether `value` is a node of a checkpoint's object graph."""
    return isinstance(value, (Variable, *_CONTAINERS)) or hasattr(value, "_trackable_children")


def is_container(value: Any) -> bool:
    return isinstance(value, _CONTAINERS)


def children(obj: Any) -> list[tuple[str, Any]]:
    """The named children of `obj`, in the order TensorFlow gives them."""
    if isinstance(obj, Variable):
        return []
    method = getattr(obj, "_trackable_children", None)
    if method is not None and not isinstance(obj, type):
        return list(method())
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items() if is_trackable(v)]
    if isinstance(obj, list | tuple):
        return [(str(i), v) for i, v in enumerate(obj) if is_trackable(v)]
    return []
