"""`tf.train.Checkpoint`: save and restore a graph of objects in TensorFlow's checkpoint format.

A checkpoint's children are its keyword arguments (sorted by name), then `save_counter`. `write`
saves to exactly the given prefix; `save` counts saves, writes `prefix-N` and records it in the
directory's `checkpoint` state file. `restore`/`read` match the saved object graph against the
Python objects by child names, assign each variable's saved value right away (checking dtype and
shape), and leave saved children that do not exist yet to be restored when they are attached
(`deferred.py`). The status they return checks what matched, as TensorFlow's does.
"""

from __future__ import annotations

import os
import warnings
import weakref
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.ops.variables import Variable
from tapeflow.tracking import deferred
from tapeflow.tracking.trackable import children, is_container, is_trackable
from tapeflow.train import name_based
from tapeflow.train.bundle import BundleReader, BundleWriter
from tapeflow.train.object_graph import GRAPH_KEY, SavedGraph, build_graph, saves_tensors
from tapeflow.train.state import update_checkpoint_state
from tapeflow.train.values import assign_saved, reachable, read_state

__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointOptions", "InitializationOnlyStatus"]


class CheckpointOptions:
    """`tf.train.CheckpointOptions`: accepted and kept; tapeflow writes synchronously to one data file
    on the local file system, so none of them changes what is written."""

    def __init__(self, experimental_io_device: str | None = None,
                 experimental_enable_async_checkpoint: bool = False,
                 experimental_write_callbacks: Any = None, enable_async: bool = False,
                 experimental_sharding_callback: Any = None, experimental_skip_slot_variables: bool = False):
        self.experimental_io_device = experimental_io_device
        self.enable_async = enable_async or experimental_enable_async_checkpoint
        self.experimental_enable_async_checkpoint = self.enable_async
        self.experimental_write_callbacks = experimental_write_callbacks
        self.experimental_sharding_callback = experimental_sharding_callback
        self.experimental_skip_slot_variables = experimental_skip_slot_variables


class Checkpoint:
    """Groups trackable objects (modules, variables, optimizers, containers) for saving and restoring."""

    def __init__(self, root: Any = None, **kwargs: Any):
        object.__setattr__(self, "_kwargs", {})
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_save_counter", None)
        if root is not None:
            _check_trackable(root)
        for name, value in sorted(kwargs.items()):
            _check_trackable(value)
            self._kwargs[name] = value

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or not is_trackable(value):
            object.__setattr__(self, name, value)
            return
        self._kwargs[name] = value
        deferred.attached(self)

    def __getattr__(self, name: str) -> Any:
        kwargs = self.__dict__.get("_kwargs", {})
        if name in kwargs:
            return kwargs[name]
        raise AttributeError(f"'Checkpoint' object has no attribute '{name}'")

    def _trackable_children(self) -> list[tuple[str, Any]]:
        own = list(children(self._root)) if self._root is not None else []
        own += list(self._kwargs.items())
        if self._save_counter is not None:
            own.append(("save_counter", self._save_counter))
        return own

    @property
    def save_counter(self) -> Variable:
        """The number of `save` calls (an int64 variable, saved with the checkpoint)."""
        self._maybe_create_save_counter()
        return self._save_counter

    def _maybe_create_save_counter(self) -> None:
        if self._save_counter is None:
            object.__setattr__(self, "_save_counter", Variable(0, name="save_counter", dtype=dtypes.int64,
                                                               trainable=False))

    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Save to exactly `file_prefix` (`.index` and `.data-00000-of-00001`); the prefix is returned."""
        file_prefix = os.fspath(file_prefix)
        graph, values = build_graph(self)
        writer = BundleWriter(file_prefix)
        try:
            for key, value in values:  # in node order, then the graph, as TensorFlow lays them out
                writer.add(key, value)
            writer.add(GRAPH_KEY, np.array(graph, dtype=object))
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        return file_prefix

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Count this save, write `file_prefix-N` and make it the directory's latest checkpoint."""
        file_prefix = os.fspath(file_prefix)
        self._maybe_create_save_counter()
        self._save_counter.assign_add(1)
        path = self.write(f"{file_prefix}-{int(self._save_counter.numpy())}")
        update_checkpoint_state(os.path.dirname(path), path, [path])
        return path

    def sync(self) -> None:
        """Saves are synchronous: nothing to wait for."""

    def read(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus:
        """Restore from `save_path` without creating `save_counter`."""
        return _restore(self, os.fspath(save_path))

    def restore(self, save_path: Any, options: Any = None) -> Any:
        """Restore the saved values (now, or when the objects they belong to are created)."""
        if save_path is None:
            return InitializationOnlyStatus()
        self._maybe_create_save_counter()
        return _restore(self, os.fspath(save_path))


def _check_trackable(value: Any) -> None:
    if not is_trackable(value):
        raise ValueError("`Checkpoint` was expecting a trackable object (an object derived from "
                         f"`Trackable`), got {value}. If you believe this object should be trackable (i.e. "
                         "it is part of the TensorFlow Python API and manages state), please open an issue.")


def _restore(root: Checkpoint, save_path: str) -> CheckpointLoadStatus:
    reader = BundleReader(save_path)
    if GRAPH_KEY not in reader.entries:
        counter = root._save_counter if isinstance(root, Checkpoint) else None
        return name_based.restore(reader, root, [counter] if counter is not None else [])
    restore = Restore(reader, SavedGraph(reader.read(GRAPH_KEY)[()]))
    restore.match(0, root)
    return CheckpointLoadStatus(restore, root)


class Restore:
    """One restore: which saved node is bound to which Python object; values are assigned on binding.

    Bound objects are held weakly (containers, which cannot be, not at all: they are walked again), so
    a pending restore never keeps a model alive. When the restore is dropped with saved values left
    unrestored, it warns as TensorFlow does, unless `expect_partial` was called."""

    def __init__(self, reader: BundleReader, graph: SavedGraph):
        self.reader, self.graph = reader, graph
        self.bound: dict[int, Any] = {}  # node id -> reference to its object (None for a container)
        self._variables: dict[int, Any] = {}  # id of each bound variable -> reference to it
        self.expect_partial = False

    def is_bound(self, variable: Variable) -> bool:
        reference = self._variables.get(id(variable))
        return reference is not None and reference() is variable

    def unresolved(self) -> list[str]:
        """The saved values not restored (yet): their objects' paths."""
        values = self.graph.value_keys
        return [self.graph.names[n] for n, keys in enumerate(values) if keys and n not in self.bound]

    def __del__(self) -> None:
        missing = [] if self.expect_partial else self.unresolved()
        if missing and warnings is not None:  # (None at interpreter shutdown)
            lines = "\n".join(f"Value in checkpoint could not be found in the restored object: {name}"
                               for name in missing)
            warnings.warn(f"{_UNRESTORED}\n{lines}", stacklevel=1)

    def match(self, node_id: int, obj: Any) -> None:
        """Bind node `node_id` to `obj` and their descendants to each other, by child names; saved
        children missing in Python wait (deferred) on their nearest non-container ancestor."""
        queue = [(node_id, obj, node_id, obj)]
        seen = {node_id}
        for n, o, anchor_node, anchor in queue:
            reference = self.bound.get(n, _UNBOUND)
            if reference is _UNBOUND or reference is not None and reference() is None:
                self._bind(n, o)
            elif reference is not None and reference() is not o:
                continue
            if not is_container(o):
                anchor_node, anchor = n, o
            python_children: dict[str, Any] = {}
            for name, child in children(o):
                python_children.setdefault(name, child)
            missing = False
            for child_id, name in self.graph.children[n]:
                child = python_children.get(name)
                if child is None:
                    missing = True
                elif child_id not in seen:
                    seen.add(child_id)
                    queue.append((child_id, child, anchor_node, anchor))
            if missing:
                deferred.register(anchor, self, anchor_node)

    def _bind(self, node_id: int, obj: Any) -> None:
        self.bound[node_id] = None if is_container(obj) else _reference(obj)
        if isinstance(obj, Variable):
            self._variables[id(obj)] = self.bound[node_id]
        key = self.graph.value_keys[node_id].get("VARIABLE_VALUE")
        if isinstance(obj, Variable) and key is not None:
            assign_saved(obj, self.reader, key)
        elif saves_tensors(obj) and self.graph.value_keys[node_id]:
            key = next(iter(self.graph.value_keys[node_id].values()))
            obj._restore_from_tensors({name[len(key):]: read_state(self.reader, name)
                                       for name in self.reader.entries if name.startswith(key)})


_UNBOUND = object()
_UNRESTORED = ("Detecting that an object or model or tf.train.Checkpoint is being deleted with unrestored "
               "values. See the following logs for the specific values in question. To silence these "
               "warnings, use `status.expect_partial()`. See "
               "https://www.tensorflow.org/api_docs/python/tf/train/Checkpoint#restorefor details about the "
               "status object returned by the restore function.")


def _reference(obj: Any) -> Any:
    """A weak reference to `obj`, or a strong one where it cannot be weakly referenced."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


class CheckpointLoadStatus:
    """What a restore matched; its assertions raise `AssertionError` as TensorFlow's do."""

    def __init__(self, restore: Restore, root: Any):
        self._restore, self._root = restore, root

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Every saved value was restored and every Python variable got one."""
        self.assert_existing_objects_matched()
        graph = self._restore.graph
        for node_id, keys in enumerate(graph.value_keys):
            if keys and node_id not in self._restore.bound:
                raise AssertionError(f"Unresolved object in checkpoint {graph.names[node_id]}: "
                                     f"attributes {sorted(keys.values())}")
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Every variable reachable from the root now was restored (saved values may be left over)."""
        unbound = [obj for obj in reachable(self._root)
                   if isinstance(obj, Variable) and not self._restore.is_bound(obj)]
        if unbound:
            raise AssertionError(f"Some Python objects were not bound to checkpointed values, likely due to "
                                 f"changes in the Python program: {unbound}")
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        """Something besides the root was matched."""
        if len(self._restore.bound) <= 1:
            raise AssertionError(f"Nothing except the root object matched a checkpointed value. Typically "
                                 f"this means that the checkpoint does not match the Python program. "
                                 f"The checkpoint was {self._restore.reader.prefix}.")
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Say that an incomplete match is expected: no warning about unrestored values."""
        self._restore.expect_partial = True
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Values are assigned eagerly: nothing to run."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Values are assigned eagerly: nothing to run."""


class InitializationOnlyStatus:
    """The status of `restore(None)`: nothing restored, variables keep their initial values."""

    def assert_consumed(self) -> None:
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    assert_existing_objects_matched = assert_nontrivial_match = assert_consumed

    def expect_partial(self) -> InitializationOnlyStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Variables are initialized when created: nothing to run."""
