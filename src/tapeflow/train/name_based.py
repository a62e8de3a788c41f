"""Restoring a TF1 name-based checkpoint (written by `tf.compat.v1.train.Saver`, without an object
graph) through `tf.train.Checkpoint.restore`, as TensorFlow 2 does: each variable reachable from the
root takes the tensor saved under its own name (`dense/kernel` for `dense/kernel:0`), now or, for a
variable created later (a layer built afterwards), when it is attached. A variable whose name is not
in the checkpoint is remembered, and makes the status's assertions fail (the checkpoint's own
`save_counter`, which TF1 checkpoints lack, excepted)."""

from __future__ import annotations

import warnings
import weakref
from typing import Any

from tapeflow.ops.variables import Variable
from tapeflow.tracking import deferred
from tapeflow.tracking.trackable import is_container
from tapeflow.train.bundle import BundleReader
from tapeflow.train.object_graph import variable_full_name
from tapeflow.train.values import assign_saved, reachable

__all__ = ["NameBasedSaverStatus", "restore"]

_DEPRECATED = ("Restoring a name-based tf.train.Saver checkpoint using the object-based restore API. This "
               "mode uses global names to match variables, and so is somewhat fragile. It also adds new "
               "restore ops to the graph each time it is called when graph building. Prefer re-encoding "
               "training checkpoints in the object-based format: run save() on the object-based saver (the "
               "same one this message is coming from) and use that checkpoint in the future.")


class NameBasedRestore:
    """One name-based restore: variables matched by name, the others (and their names) remembered."""

    def __init__(self, reader: BundleReader, optional: list):
        self.reader = reader
        self.done: dict[int, Any] = {}  # id of each variable matched -> weak reference to it
        self.unused: dict[int, tuple[Any, list[str]]] = {}  # id -> (weak reference, names not found)
        self.optional = {id(v) for v in optional}

    def match(self, node_id: int, obj: Any) -> None:
        """Restore every variable below `obj`; objects that may gain variables later wait for them."""
        for item in reachable(obj):
            if isinstance(item, Variable):
                self._restore(item)
            elif not is_container(item):
                deferred.register(item, self, node_id)

    def _restore(self, variable: Variable) -> None:
        reference = self.done.get(id(variable))
        if reference is not None and reference() is variable:
            return
        self.done[id(variable)] = weakref.ref(variable)
        name = variable_full_name(variable)
        if name in self.reader.entries:
            assign_saved(variable, self.reader, name)
        elif id(variable) not in self.optional:
            self.unused[id(variable)] = (weakref.ref(variable), [name])


class NameBasedSaverStatus:
    """The status of a name-based restore: no object information to check, so every assertion is
    `assert_consumed` (each variable found its name in the checkpoint)."""

    def __init__(self, restore: NameBasedRestore, root: Any):
        self._restore, self._root = restore, root

    def assert_consumed(self) -> NameBasedSaverStatus:
        unused = [(ref(), names) for ref, names in self._restore.unused.values() if ref() is not None]
        if unused:
            listed = "".join(f"\n    {obj}: {names}" for obj, names in unused)
            raise AssertionError(f"Some objects had attributes which were not restored: {listed}")
        return self

    assert_existing_objects_matched = assert_nontrivial_match = assert_consumed

    def expect_partial(self) -> NameBasedSaverStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Variables are restored eagerly, or when created: nothing to run."""

    initialize_or_restore = run_restore_ops


def restore(reader: BundleReader, root: Any, optional: list) -> NameBasedSaverStatus:
    """Restore the name-based checkpoint `reader` into the objects below `root` (see the module doc)."""
    warnings.warn(_DEPRECATED, DeprecationWarning, stacklevel=4)
    restore = NameBasedRestore(reader, optional)
    restore.match(0, root)
    return NameBasedSaverStatus(restore, root)
