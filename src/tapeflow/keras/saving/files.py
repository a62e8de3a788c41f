"""Files written whole or not at all: a temporary file beside the target, renamed over it when
complete, so a crash mid-save never leaves a partial file under the target's name."""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["write_atomically"]


def write_atomically(filepath: str, write: Callable[[str], None]) -> None:
    """`write(path)` to a temporary file in the target's directory, then rename it to `filepath`."""
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(filepath)}.tmp{os.getpid()}")
    try:
        write(temporary)
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
