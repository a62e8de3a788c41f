"""The `checkpoint` state file: a text-format `CheckpointState` naming a directory's checkpoints.

TensorFlow writes paths relative to the directory (so it can be moved) and resolves relative paths
against it when reading. The file is replaced atomically (written under a temporary name, renamed),
after the checkpoint's own files, so "latest" never names a checkpoint that is not complete.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from tapeflow.train.bundle import index_filename, temporary_name

__all__ = ["CheckpointState", "get_checkpoint_state", "latest_checkpoint", "update_checkpoint_state"]

STATE_FILENAME = "checkpoint"
_LINE = re.compile(r'^\s*(\w+)\s*:\s*(.*?)\s*$')


@dataclass
class CheckpointState:
    """TensorFlow's `CheckpointState` message (paths as read: absolute when the file's were relative)."""

    model_checkpoint_path: str = ""
    all_model_checkpoint_paths: list = field(default_factory=list)
    all_model_checkpoint_timestamps: list = field(default_factory=list)
    last_preserved_timestamp: float = 0.0


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _unquote(text: str) -> str:
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise ValueError(f"expected a quoted string, got {text}")
    return text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def update_checkpoint_state(directory: str, model_checkpoint_path: str, all_paths: list,
                            timestamps: list | None = None, last_preserved_timestamp: float | None = None,
                            latest_filename: str | None = None) -> None:
    """Write the directory's state file, with paths relative to `directory`."""
    def relative(path: str) -> str:
        return os.path.relpath(path, directory) if os.path.isabs(path) == os.path.isabs(directory or ".") \
            and directory else path

    lines = [f"model_checkpoint_path: {_quote(relative(model_checkpoint_path))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(relative(p))}" for p in all_paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in timestamps or ()]
    if last_preserved_timestamp is not None:
        lines.append(f"last_preserved_timestamp: {last_preserved_timestamp!r}")
    path = os.path.join(directory, latest_filename or STATE_FILENAME)
    temp = temporary_name(path)
    with open(temp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(temp, path)


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None) -> CheckpointState | None:
    """The directory's state (None without a state file), relative paths made relative to the directory."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = os.path.join(checkpoint_dir, latest_filename or STATE_FILENAME)
    try:
        with open(path) as f:
            text = f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    state = CheckpointState()
    for line in text.splitlines():
        match = _LINE.match(line)
        if not line.strip():
            continue
        if match is None:
            raise ValueError(f"Unable to parse {path}: {line!r}")
        name, value = match.groups()
        if name == "model_checkpoint_path":
            state.model_checkpoint_path = _unquote(value)
        elif name == "all_model_checkpoint_paths":
            state.all_model_checkpoint_paths.append(_unquote(value))
        elif name == "all_model_checkpoint_timestamps":
            state.all_model_checkpoint_timestamps.append(float(value))
        elif name == "last_preserved_timestamp":
            state.last_preserved_timestamp = float(value)

    def absolute(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)

    if state.model_checkpoint_path:
        state.model_checkpoint_path = absolute(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [absolute(p) for p in state.all_model_checkpoint_paths]
    return state


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The prefix of the directory's latest complete checkpoint, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path and os.path.exists(index_filename(state.model_checkpoint_path)):
        return state.model_checkpoint_path
    return None
