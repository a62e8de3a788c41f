"""Keras 2's (tf_keras's) seeding, for `tf.keras.utils.set_random_seed` and the Keras initializers.

tf_keras's random initializers call a stateless op with seed [s, 0]. An initializer given no seed
draws s once, the first time it is used: from `random.Random(g).randint(1, 10**9)` after
`tf.keras.utils.set_random_seed(g)` (one such generator shared by all initializers, drawn in the
order they are first used), else from Python's global `random.randint(1, 10**9)`. So
`tf.random.set_seed` alone does not fix Keras weights, in TensorFlow either.
"""

from __future__ import annotations

import random
from typing import Any

from tapeflow.random import seeds

__all__ = ["StatelessSeed", "set_random_seed"]

_KERAS_SEEDS: list[random.Random] = []  # the seed generator set_random_seed made, if any


def set_random_seed(seed: int) -> None:
    """`tf.keras.utils.set_random_seed`: seed Python's `random`, NumPy's global generator and
    tapeflow's global seed with `seed`, and Keras's initializer seeds with `random.Random(seed)`."""
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type "
                         f"{type(seed)})")
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    seeds.set_seed(seed)
    _KERAS_SEEDS[:] = [random.Random(seed)]


def draw_seed() -> int:
    """A new initializer seed: from set_random_seed's generator if there is one, else from Python's
    global `random`."""
    source = _KERAS_SEEDS[0] if _KERAS_SEEDS else random
    return source.randint(1, 10**9)


class StatelessSeed:
    """The seed pair [s, 0] a Keras initializer passes to the stateless ops; with no `seed`, s is
    drawn (`draw_seed`) on the first `pair()` and kept."""

    def __init__(self, seed: Any = None):
        self.seed = seed

    def pair(self) -> list[int]:
        if self.seed is None:
            self.seed = draw_seed()
        return [int(self.seed), 0]
