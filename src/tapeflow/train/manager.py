"""`tf.train.CheckpointManager`: numbered saves in a directory, old ones deleted, the state file kept.

As TensorFlow's: `save` writes `<directory>/ckpt-N` (N from the checkpoint's `save_counter` unless
given), records it in the `checkpoint` state file, deletes the oldest beyond `max_to_keep` (except
one every `keep_checkpoint_every_n_hours`), then records the state again. A manager made on an
existing directory resumes its list from the state file.
"""

from __future__ import annotations

import collections
import glob
import os
import time
from typing import Any

from tapeflow.train.bundle import index_filename
from tapeflow.train.state import get_checkpoint_state, update_checkpoint_state

__all__ = ["CheckpointManager"]


class CheckpointManager:
    """Saves a `tf.train.Checkpoint` under numbered names in `directory`, keeping the latest few."""

    def __init__(self, checkpoint: Any, directory: Any, max_to_keep: int | None,
                 keep_checkpoint_every_n_hours: float | None = None, checkpoint_name: str = "ckpt",
                 step_counter: Any = None, checkpoint_interval: int | None = None, init_fn: Any = None):
        self._checkpoint = checkpoint
        self._save_counter_assign = None
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not None.")
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._directory = os.fspath(directory)
        self._checkpoint_prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._last_checkpoint_step = None
        self._init_fn = init_fn
        recovered = get_checkpoint_state(self._directory)
        now = time.time()
        self._maybe_delete: collections.OrderedDict = collections.OrderedDict()
        if recovered is None:
            self._latest_checkpoint = None
            self._last_preserved_timestamp = now - 1  # TensorFlow: anything after this is kept
        else:
            self._latest_checkpoint = recovered.model_checkpoint_path or None
            self._last_preserved_timestamp = recovered.last_preserved_timestamp
            if now < self._last_preserved_timestamp:  # the clock went back: keep everything
                self._last_preserved_timestamp = now
            for path, stamp in zip(recovered.all_model_checkpoint_paths,
                                   recovered.all_model_checkpoint_timestamps):
                if stamp >= self._last_preserved_timestamp:
                    self._maybe_delete[path] = stamp

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Any:
        return self._checkpoint

    @property
    def checkpoint_interval(self) -> int | None:
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The prefix of the most recent checkpoint in the directory, or None."""
        return self._latest_checkpoint

    @property
    def checkpoints(self) -> list[str]:
        """The prefixes of the managed checkpoints, oldest first."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number: Any = None, check_interval: bool = True,
             options: Any = None) -> str | None:
        """Write a new checkpoint (None when `checkpoint_interval` says it is too early)."""
        if self._checkpoint_interval is not None:
            step = int(_value(self._step_counter))
            last = self._last_checkpoint_step
            too_soon = check_interval and last is not None and step < last + self._checkpoint_interval
            if step == last or too_soon:
                return None
            self._last_checkpoint_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        number = int(_value(counter)) if checkpoint_number is None else int(_value(checkpoint_number))
        path = self._checkpoint.write(f"{self._checkpoint_prefix}-{number}")
        timestamp = time.time()
        self._maybe_delete.pop(path, None)  # an overwritten checkpoint goes to the end of the queue
        self._maybe_delete[path] = timestamp
        self._latest_checkpoint = path
        self._record_state()  # the new checkpoint is recorded before anything is deleted
        self._sweep()
        self._record_state()
        return path

    def restore_or_initialize(self) -> str | None:
        """Restore the latest checkpoint, or run `init_fn` when there is none."""
        if self._latest_checkpoint is not None:
            self._checkpoint.restore(self._latest_checkpoint)
            if self._checkpoint_interval is not None:
                self._last_checkpoint_step = int(_value(self._step_counter))
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self) -> None:
        """Nothing is written asynchronously: nothing to wait for."""

    def _sweep(self) -> None:
        if self._max_to_keep is None:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = self._maybe_delete.popitem(last=False)
            hours = self._keep_checkpoint_every_n_hours
            if hours and stamp - hours * 3600 >= self._last_preserved_timestamp:
                self._last_preserved_timestamp = stamp
                continue
            _delete_checkpoint(path)

    def _record_state(self) -> None:
        update_checkpoint_state(self._directory, self._latest_checkpoint, list(self._maybe_delete),
                                list(self._maybe_delete.values()), self._last_preserved_timestamp)


def _value(x: Any) -> Any:
    return x.numpy() if hasattr(x, "numpy") else x


def _delete_checkpoint(prefix: str) -> None:
    """Remove a checkpoint's index first (it no longer looks complete), then its data files."""
    for path in [index_filename(prefix), *glob.glob(glob.escape(prefix) + ".data-?????-of-?????")]:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
