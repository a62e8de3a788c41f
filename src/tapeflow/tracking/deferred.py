"""Deferred restoration: an object created after `restore` takes its saved value when it is attached.

When a restore finds a saved child its Python parent does not have yet (an optimizer's slots before
the first step, a layer's weights before it is built), the parent is remembered here with the
pending restore. Modules (on attribute assignment) and optimizers (after creating their slots) call
`attached(parent)`; the pending restore then matches the parent's new children and assigns their
values, as TensorFlow does. The check costs one dict lookup while nothing is pending.

Parents are held weakly: a parent that is garbage collected drops its pending restores.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["attached", "register"]

# id(parent) -> (weak reference to the parent, [(restore, node id), ...])
PENDING: dict[int, tuple[Any, list]] = {}


def register(parent: Any, restore: Any, node_id: int) -> None:
    """Remember that `restore` has saved children of node `node_id` that `parent` lacks so far."""
    key = id(parent)
    entry = PENDING.get(key)
    if entry is None or entry[0]() is not parent:
        try:
            reference = weakref.ref(parent, lambda _, key=key: PENDING.pop(key, None))
        except TypeError:  # not weakly referenceable: held until its restores complete
            reference = _Strong(parent)
        entry = PENDING[key] = (reference, [])
    if not any(r is restore and n == node_id for r, n in entry[1]):
        entry[1].append((restore, node_id))


def attached(parent: Any) -> None:
    """`parent` has gained children: let the restores waiting on it match them."""
    entry = PENDING.get(id(parent))
    if entry is None or entry[0]() is not parent:
        return
    del PENDING[id(parent)]
    for restore, node_id in entry[1]:
        restore.match(node_id, parent)


class _Strong:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __call__(self) -> Any:
        return self.value
