"""Seeded shuffles evaluated by both tapeflow and TensorFlow (`tf` is either): the element orders of
several passes, for the differential tests (test_shuffle_against_tensorflow.py) and for
tests/record_data_fixtures.py, which records TensorFlow's orders in fixtures/shuffle_tensorflow.json."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

EPOCHS = 3
# How the passes are read: "iterate" iterates the dataset again; "repeat" reads shuffle(...).repeat();
# "batch" reads shuffle(...).batch(7) (whole blocks); "generator" shuffles a from_generator source
# (the element-by-element buffer); "iterators" makes all the passes' iterators first, then reads
# them last to first (a pass takes its seeds when its iterator is made); "function" iterates it
# inside a tf.function, one call per pass; "traced" makes the dataset inside the tf.function (its
# op seed is the graph's).
MODES = ("iterate", "repeat", "batch", "generator", "function", "traced", "iterators")


def case_name(n: int, buffer: int, seed: int | None, global_seed: int | None, reshuffle: bool | None,
              mode: str) -> str:
    return f"n{n}_b{buffer}_s{seed}_g{global_seed}_r{reshuffle}_{mode}"


def cases() -> list[tuple]:
    """(n, buffer, seed, global_seed, reshuffle, mode) combinations with a defined order (a seed set),
    thinned deterministically so that the whole set stays quick (fixtures/ records them)."""
    out = []
    seeds, globals_ = (None, 0, 1, 7, 2**31 + 5, 2**40 + 3), (None, 0, 3, 2**33 + 1)
    sizes, buffers = (0, 1, 2, 5, 20, 64), (1, 2, 3, 5, 20, 100, -2)
    combos = itertools.product(sizes, buffers, seeds, globals_, (None, True, False), MODES)
    for i, (n, buffer, seed, global_seed, reshuffle, mode) in enumerate(combos):
        compiled = mode in ("function", "traced")
        if seed is None and global_seed is None or i % (41 if compiled else 11) or compiled and n > 20:
            continue
        out.append((n, buffer, seed, global_seed, reshuffle, mode))
    return out


def long_cases() -> list[tuple]:
    """Longer inputs (checked against TensorFlow itself only)."""
    out = []
    for n, buffer in ((1000, 1), (1000, 10), (1000, 999), (1000, 1000), (3000, 2500), (5000, 100)):
        out.append((n, buffer, 5, None, None, "iterate"))
        out.append((n, buffer, None, 11, False, "batch"))
    return out


def _source(tf: Any, n: int, mode: str) -> Any:
    if mode == "generator":
        return tf.data.Dataset.from_generator(lambda: iter(range(n)),
                                              output_signature=tf.TensorSpec([], tf.int64))
    return tf.data.Dataset.range(n)


def orders(tf: Any, n: int, buffer: int, seed: int | None, global_seed: int | None,
           reshuffle: bool | None, mode: str) -> list[list[int]]:
    """The element orders of EPOCHS passes of range(n).shuffle(buffer, seed, reshuffle), with
    `tf.random.set_seed(global_seed)` first. A second shuffle, made before it without an op seed,
    checks that each takes its op seed from the global seed in turn."""
    tf.random.set_seed(global_seed)

    def make() -> Any:
        if global_seed is not None:
            tf.data.Dataset.range(3).shuffle(2)  # (takes the first op seed)
        return _source(tf, n, mode).shuffle(buffer, seed=seed, reshuffle_each_iteration=reshuffle)

    if mode == "traced":
        @tf.function
        def traced() -> Any:
            return _collect(tf, make())

        return [np.asarray(traced()).tolist() for _ in range(EPOCHS)]
    dataset = make()
    if mode == "repeat":
        flat = [int(x) for x in dataset.repeat(EPOCHS).as_numpy_iterator()]
        return [flat[i * n:(i + 1) * n] for i in range(EPOCHS)]
    if mode == "batch":
        return [np.concatenate([np.asarray(b) for b in dataset.batch(7)] or [np.zeros(0, np.int64)]).tolist()
                for _ in range(EPOCHS)]
    if mode == "function":
        function = tf.function(lambda: _collect(tf, dataset))
        return [np.asarray(function()).tolist() for _ in range(EPOCHS)]
    if mode == "iterators":
        iterators = [iter(dataset) for _ in range(EPOCHS)]
        return [[int(x) for x in iterator] for iterator in iterators[::-1]]
    return [[int(x) for x in dataset.as_numpy_iterator()] for _ in range(EPOCHS)]


def _collect(tf: Any, dataset: Any) -> Any:
    """Inside a tf.function: the elements of one pass, as a vector."""
    out = tf.zeros([0], tf.int64)
    for x in dataset:
        tf.autograph.experimental.set_loop_options(shape_invariants=[(out, tf.TensorShape([None]))])
        out = tf.concat([out, tf.reshape(x, [1])], 0)
    return out
