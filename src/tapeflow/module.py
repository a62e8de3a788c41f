"""`tf.Module`: a named container of variables and other modules, found by walking its attributes.

A module owns no registry. Its variables and submodules are whatever its attributes hold, looked
for inside lists, tuples, dicts and every other `tf.nest` structure, in TensorFlow's order: the
attributes of a module in sorted name order, each flattened as `tf.nest` flattens it; first
everything a module holds itself, then, in the order they were met, what its submodules hold.
Each object is reported once (the first time it is met) and a module is not its own submodule.

A module's name scope is fixed when it is made (`outer/dense/` for a module made inside
`tf.name_scope('outer')`); `with module.name_scope:` or a method decorated with
`tf.Module.with_name_scope` enters it, so variables made there are named `dense/w:0`.

Assigning an attribute tells a pending checkpoint restore (`tf.train`, deferred restoration) that the
module may have a new child, which then takes its saved value, as in TensorFlow.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from tapeflow.core import nest
from tapeflow.core.scopes import name_scope
from tapeflow.ops.variables import Variable
from tapeflow.tracking import deferred
from tapeflow.tracking.trackable import is_trackable

__all__ = ["Module"]

_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _snake_case(name: str) -> str:
    """A class name as a module name: `MyDenseLayer` -> `my_dense_layer`, `HTTPServer` -> `http_server`."""
    words = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words).lower()


class Module:
    """Base class of models and layers: `name`, `name_scope`, and the variables and submodules its
    attributes hold (see the module doc)."""

    _TF_MODULE_IGNORED_PROPERTIES: frozenset = frozenset()

    def __init__(self, name: str | None = None):
        if name is None:
            name = _snake_case(type(self).__name__)
        elif not _VALID_NAME.match(name):
            raise ValueError(f"'{name}' is not a valid module name. Module names must be valid Python "
                             f"identifiers (e.g. a valid class name).")
        self._name = name
        with name_scope(name) as scope:
            self._name_scope = name_scope(scope)  # absolute: entered later from any scope

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if deferred.PENDING:  # a restore may be waiting for this module's new child
            deferred.attached(self)

    def _trackable_children(self) -> list:
        """What a checkpoint holds of the module: its trackable attributes, in assignment order."""
        return [(name, value) for name, value in vars(self).items()
                if name not in ("_name", "_name_scope") and not name.startswith("_self_")
                and is_trackable(value)]

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> name_scope:
        return self._name_scope

    @property
    def variables(self) -> tuple:
        """Every variable of this module and its submodules, each once."""
        return tuple(self._flatten(predicate=_is_variable))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(self._flatten(predicate=_is_trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(self._flatten(predicate=_is_non_trainable))

    @property
    def submodules(self) -> tuple:
        """Every module reachable from this one, not counting itself."""
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive: bool = True, predicate: Callable[[Any], bool] | None = None,
                 attribute_traversal_key: Callable | None = None, with_path: bool = False,
                 expand_composites: bool = False) -> Iterator:
        """What the attributes hold that `predicate` accepts (everything by default), as objects or, with
        `with_path`, as `(path, object)` pairs, where a path is the tuple of attribute names, keys and
        indices leading to the object (then repeats are reported at every path)."""
        return _walk(self, recursive, predicate or _always, attribute_traversal_key, with_path, (),
                     {id(self)}, frozenset((id(self),)))

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorator: run a method inside its module's name scope."""

        @functools.wraps(method)
        def method_with_name_scope(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return method_with_name_scope


def _walk(module: Module, recursive: bool, predicate: Callable, key: Callable | None, with_path: bool,
          path: tuple, seen: set, ancestors: frozenset) -> Iterator:
    """`Module._flatten`: first what `module` holds itself, then what its submodules hold. `seen` holds
    the ids reported so far, `ancestors` those of the modules being walked: a module met again among
    its own descendants is looked into once more, not deeper (only `with_path` reaches it again)."""
    attributes = vars(module)
    submodules = []
    for name in sorted(attributes, key=key):
        if name in module._TF_MODULE_IGNORED_PROPERTIES:
            continue
        value = attributes[name]
        try:
            leaves = nest.flatten_with_tuple_paths(value)
        except Exception as cause:
            raise ValueError(f"Error processing property {name!r} of {value!r}") from cause
        for leaf_path, leaf in leaves:
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            leaf_path = (*path, name, *leaf_path)
            if predicate(leaf):
                yield (leaf_path, leaf) if with_path else leaf
            if recursive and isinstance(leaf, Module):
                submodules.append((leaf_path, leaf))
    for sub_path, submodule in submodules:
        yield from _walk(submodule, id(submodule) not in ancestors, predicate, key, with_path, sub_path, seen,
                         ancestors | {id(submodule)})


def _always(value: Any) -> bool:
    return True


def _is_variable(value: Any) -> bool:
    return isinstance(value, Variable)


def _is_trainable(value: Any) -> bool:
    return isinstance(value, Variable) and value.trainable


def _is_non_trainable(value: Any) -> bool:
    return isinstance(value, Variable) and not value.trainable


def _is_module(value: Any) -> bool:
    return isinstance(value, Module)
