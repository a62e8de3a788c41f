"""`tf.keras.backend` basics: the float type, epsilon, and the per-session layer-name counters.

Keras names a layer made without a name after its class, with a suffix counting earlier layers of
that name in the session (`dense`, `dense_1`); `clear_session` restarts the counts. As in TensorFlow,
objects made while a `tf.function` is traced (the metrics `compile` builds on the first train step)
are counted per traced graph."""

from __future__ import annotations

import collections
import weakref

from tapeflow.core import scopes

__all__ = ["clear_session", "epsilon", "floatx", "get_uid", "set_epsilon", "set_floatx"]

_STATE = {"floatx": "float32", "epsilon": 1e-7}
_UIDS: collections.Counter = collections.Counter()
_GRAPH_UIDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # traced graph -> its Counter


def _uids() -> collections.Counter:
    graphs = scopes.current().graphs
    if not graphs:
        return _UIDS
    counts = _GRAPH_UIDS.get(graphs[-1])
    if counts is None:
        counts = _GRAPH_UIDS[graphs[-1]] = collections.Counter()
    return counts


def floatx() -> str:
    """The default float type of Keras weights, as a string (`'float32'`)."""
    return _STATE["floatx"]


def set_floatx(value: str) -> None:
    if value not in {"float16", "float32", "float64", "bfloat16"}:
        raise ValueError(
            f"Unknown `floatx` value: {value}. Expected one of "
            f"{{'float64', 'float16', 'float32', 'bfloat16'}}"
        )
    _STATE["floatx"] = str(value)


def epsilon() -> float:
    """The fuzz factor Keras adds in divisions and logs (1e-7)."""
    return _STATE["epsilon"]


def set_epsilon(value: float) -> None:
    _STATE["epsilon"] = value


def get_uid(prefix: str = "") -> int:
    """How many times `prefix` was asked for in this session, counting this time (1 the first)."""
    uids = _uids()
    uids[prefix] += 1
    return uids[prefix]


def unique_name(base: str) -> str:
    """`base` the first time, then `base_1`, `base_2`, ... as Keras names layers and models."""
    uid = get_uid(base)
    return base if uid == 1 else f"{base}_{uid - 1}"


def clear_session() -> None:
    """Forget the layer-name counts, so that new layers are named `dense`, `dense_1`, ... again."""
    _UIDS.clear()
    _GRAPH_UIDS.clear()
