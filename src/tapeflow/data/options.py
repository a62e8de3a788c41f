"""`tf.data.Options`: settings a pipeline carries (`with_options`, read back by `options()`).

tapeflow honours `deterministic` (a parallel map may then hand results out as they finish); the
other settings are kept and merged as TensorFlow does, so code that sets them runs unchanged.
"""

from __future__ import annotations

from typing import Any


class _OptionGroup:
    """Options with a fixed set of names; setting any other name is TF's AttributeError."""

    _names: tuple = ()

    def __init__(self):
        for name in self._names:
            object.__setattr__(self, name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._names:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        object.__setattr__(self, name, value)

    def _merge(self, other: Any) -> Any:
        merged = type(self)()
        for name in self._names:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, _OptionGroup):
                object.__setattr__(merged, name, mine._merge(theirs))
            else:
                object.__setattr__(merged, name, theirs if theirs is not None else mine)
        return merged

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and all(getattr(self, n) == getattr(other, n) for n in self._names)

    __hash__ = None


class OptimizationOptions(_OptionGroup):
    _names = ("apply_default_optimizations", "filter_fusion", "map_and_batch_fusion", "map_and_filter_fusion",
              "map_fusion", "map_parallelization", "noop_elimination", "parallel_batch",
              "shuffle_and_repeat_fusion")


class ThreadingOptions(_OptionGroup):
    _names = ("max_intra_op_parallelism", "private_threadpool_size")


class DistributeOptions(_OptionGroup):
    _names = ("auto_shard_policy", "num_devices")


class Options(_OptionGroup):
    """`tf.data.Options`."""

    _names = ("deterministic", "experimental_deterministic", "experimental_distribute",
              "experimental_optimization", "threading", "experimental_slack",
              "experimental_external_state_policy",
              "experimental_warm_start", "autotune")

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "threading", ThreadingOptions())
        object.__setattr__(self, "experimental_distribute", DistributeOptions())

    def merge(self, options: Options) -> Options:
        """These options, overridden by those set in `options`."""
        return self._merge(options)

    def is_deterministic(self) -> bool:
        value = self.deterministic if self.deterministic is not None else self.experimental_deterministic
        return value is not False
