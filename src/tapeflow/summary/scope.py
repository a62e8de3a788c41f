"""Summary tags and `tf.summary.experimental.summary_scope`: a summary's tag is its name under the
current name scope (`outer/inner/loss`), kept as given (spaces and all), where the name scope it
opens keeps only the characters a scope name may hold."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from tapeflow.core.scopes import get_current_name_scope, name_scope

_INVALID_SCOPE_CHARACTERS = re.compile(r"[^-_/.A-Za-z0-9]")


def summary_tag(name: str) -> str:
    """`name` under the current name scope."""
    scope = get_current_name_scope()
    return f"{scope}/{name}" if scope else name


@contextlib.contextmanager
def summary_scope(name: str | None, default_name: str = "summary",
                  values: Any = None) -> Iterator[tuple[str, str]]:
    """`tf.summary.experimental.summary_scope`: `(tag, scope)` for a custom summary op: the tag of
    `name` (or `default_name`) and the name scope entered for it."""
    name = name or default_name
    tag = summary_tag(name)
    with name_scope(_INVALID_SCOPE_CHARACTERS.sub("", name) or default_name) as scope:
        yield tag, scope
