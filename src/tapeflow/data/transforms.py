"""Element-wise transformations: map, filter, flat_map, interleave, take/skip/repeat, take_while,
scan, reduce, unique, cache, with_options.

Each is a `Dataset` whose `_elements()` reads its input's; functions given by the user are traced
once (functions.py). `flat_map` and `interleave` call theirs eagerly, per element, since what they
return is a dataset to iterate (see docs/compatibility.md). A map that can be vectorized (see
functions.py) also passes blocks and random access through, which is what makes the
slices -> shuffle -> map -> batch pipeline run on whole batches.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.data import structure
from tapeflow.data.cache_file import cached_pass
from tapeflow.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset, int_argument
from tapeflow.data.deferred import DatasetFunction
from tapeflow.data.functions import TracedFunction
from tapeflow.data.options import Options


class OptionsDataset(Dataset):
    """`with_options`: the same elements, carrying options."""

    _tf_name = "_OptionsDataset"

    def __init__(self, dataset: Dataset, options: Options):
        if not isinstance(options, Options):
            raise TypeError(f"options must be a tf.data.Options, got {type(options).__name__}")
        super().__init__(dataset.element_spec, (dataset,))
        self._own_options = options

    def _elements(self) -> Iterator[list]:
        return self._inputs[0]._elements()

    def _blocks(self, size: int) -> Iterator[list] | None:
        return self._inputs[0]._blocks(size)

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class MapDataset(Dataset):
    """`map`: the traced function applied to each element; with `num_parallel_calls`, on a pool of
    threads, in order unless `deterministic=False` (or the options say so)."""

    _tf_name = "_MapDataset"

    def __init__(self, dataset: Dataset, func: Callable, num_parallel_calls: int | None,
                 deterministic: bool | None):
        self._fn = TracedFunction(func, dataset.element_spec, "Dataset.map()")
        super().__init__(self._fn.output_spec, (dataset,))
        self._parallel = num_parallel_calls
        self._deterministic = deterministic
        if num_parallel_calls is not None:
            self._tf_name = "_ParallelMapDataset"

    def _elements(self) -> Iterator[list]:
        if self._parallel is None or self._parallel == 1:
            fn = self._fn
            return (fn(flat) for flat in self._inputs[0]._elements())
        workers = (os.cpu_count() or 1) if self._parallel == AUTOTUNE else int(self._parallel)
        ordered = self._deterministic
        if ordered is None:
            ordered = self.options().is_deterministic()
        return _parallel_map(self._fn, self._inputs[0]._elements(), workers, ordered)

    def _blocks(self, size: int) -> Iterator[list] | None:
        blocks = self._inputs[0]._blocks(size) if self._fn.vectorizable else None
        return None if blocks is None else (self._fn(block) for block in blocks)

    def _random_access(self) -> tuple | None:
        source = self._inputs[0]._random_access() if self._fn.vectorizable else None
        if source is None:
            return None
        length, gather = source
        return length, lambda indices: self._fn(gather(indices))

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


def _parallel_map(fn: TracedFunction, elements: Iterator[list], workers: int,
                  ordered: bool) -> Iterator[list]:
    """`fn` over `elements` on `workers` threads, at most 2 * workers in flight; in input order when
    `ordered`, else as they finish."""
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        pending: collections.deque = collections.deque()
        for flat in elements:
            pending.append(pool.submit(fn, flat))
            if len(pending) >= 2 * workers:
                yield _finished(pending, ordered)
        while pending:
            yield _finished(pending, ordered)


def _finished(pending: collections.deque, ordered: bool) -> list:
    """The next result: the oldest call's, or (not `ordered`) the first to finish."""
    if ordered:
        return pending.popleft().result()
    done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
    future = next(iter(done))
    pending.remove(future)
    return future.result()


def _predicate(func: Callable, spec: Any, transformation: str) -> TracedFunction:
    fn = TracedFunction(func, spec, transformation)
    out = fn.output_spec
    if not isinstance(out, structure.TensorSpec) or out.dtype != dtypes.bool or out.shape.rank != 0:
        raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but its "
                         f"return type is {out}.")
    return fn


class FilterDataset(Dataset):
    """`filter`: the elements for which the traced predicate is true."""

    _tf_name = "_FilterDataset"

    def __init__(self, dataset: Dataset, predicate: Callable):
        self._fn = _predicate(predicate, dataset.element_spec, "Dataset.filter()")
        super().__init__(dataset.element_spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        fn = self._fn
        return (flat for flat in self._inputs[0]._elements() if fn(flat)[0])

    def _cardinality(self) -> int:
        return UNKNOWN


class TakeWhileDataset(Dataset):
    """`take_while`: elements until the traced predicate is first false."""

    _tf_name = "_TakeWhileDataset"

    def __init__(self, dataset: Dataset, predicate: Callable):
        self._fn = _predicate(predicate, dataset.element_spec, "Dataset.take_while()")
        super().__init__(dataset.element_spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        for flat in self._inputs[0]._elements():
            if not self._fn(flat)[0]:
                return
            yield flat

    def _cardinality(self) -> int:
        return UNKNOWN


def _call_unpacked(func: Callable, element: Any) -> Any:
    return func(*element) if type(element) is tuple else func(element)


def _dataset_result(func: Callable, flat: list, spec: Any, transformation: str) -> Dataset:
    result = _call_unpacked(func, structure.pack(spec, flat))
    if not isinstance(result, Dataset):
        raise TypeError(f"The `map_func` argument of {transformation} must return a `Dataset` object. Got "
                        f"{type(result)}.")
    return result


class _EagerDatasetFunction:
    """A `flat_map`/`interleave` function over datasets (`window`'s elements): called on each element,
    as it cannot be traced with a dataset argument; the element spec is the first element's dataset's."""

    def __init__(self, func: Callable, dataset: Dataset, transformation: str):
        self._func, self._spec, self._transformation = func, dataset.element_spec, transformation
        first = next(dataset._elements(), None)
        self.element_spec = dataset.element_spec if first is None else self(first).element_spec

    def __call__(self, flat: list) -> Dataset:
        return _dataset_result(self._func, flat, self._spec, self._transformation)


def _dataset_function(func: Callable, dataset: Dataset, transformation: str) -> Any:
    if any(isinstance(s, structure.DatasetSpec) for s in nest.flatten(dataset.element_spec)):
        return _EagerDatasetFunction(func, dataset, transformation)
    return DatasetFunction(func, dataset.element_spec, transformation)


class FlatMapDataset(Dataset):
    """`flat_map`: the elements of the dataset the function returns for each element, in turn."""

    _tf_name = "_FlatMapDataset"

    def __init__(self, dataset: Dataset, func: Callable):
        self._fn = _dataset_function(func, dataset, "flat_map()")
        super().__init__(self._fn.element_spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        for flat in self._inputs[0]._elements():
            yield from self._fn(flat)._elements()

    def _cardinality(self) -> int:
        return UNKNOWN


def interleaved(sources: Iterator[Iterator[list]], cycle: int, block: int) -> Iterator[list]:
    """TensorFlow's interleave order: the first `cycle` sources open at once, visited in turn; a turn
    gives up to `block` elements and ends early when its source ends, which is then replaced in its
    slot by the next source (the slot closes when there are no more)."""
    slots = [it for it in (next(sources, None) for _ in range(cycle)) if it is not None]
    position = 0
    while slots:
        position %= len(slots)
        for _ in range(block):
            flat = next(slots[position], None)
            if flat is None:
                replacement = next(sources, None)
                if replacement is None:
                    del slots[position]
                    position -= 1
                else:
                    slots[position] = replacement
                break
            yield flat
        position += 1


class InterleaveDataset(Dataset):
    """`interleave`: `cycle_length` of the function's datasets open at once, `block_length` elements
    taken from each in turn; a finished one is replaced by the next input element's."""

    _tf_name = "_InterleaveDataset"

    def __init__(self, dataset: Dataset, func: Callable, cycle_length: int | None, block_length: int | None):
        self._fn = _dataset_function(func, dataset, "interleave()")
        automatic = cycle_length in (None, AUTOTUNE)
        self._cycle = (os.cpu_count() or 1) if automatic else int_argument(cycle_length)
        self._block = 1 if block_length is None else int_argument(block_length)
        super().__init__(self._fn.element_spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        opened = (self._fn(flat)._elements() for flat in self._inputs[0]._elements())
        return interleaved(opened, self._cycle, self._block)

    def _cardinality(self) -> int:
        return UNKNOWN


class ShardDataset(Dataset):
    """`shard(num_shards, index)`: every `num_shards`-th element, starting at `index`."""

    _tf_name = "_ShardDataset"

    def __init__(self, dataset: Dataset, num_shards: Any, index: Any):
        self._shards, self._index = int_argument(num_shards), int_argument(index)
        if self._shards <= 0:
            raise errors.InvalidArgumentError(None, None, f"Number of shards must be greater than zero "
                                              f"(currently num_shards = {self._shards}). [Op:ShardDataset]")
        if not 0 <= self._index < self._shards:
            raise errors.InvalidArgumentError(None, None, f"Index must be between 0 and {self._shards - 1} "
                                              f"(currently index = {self._index}). [Op:ShardDataset]")
        super().__init__(dataset.element_spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        for position, flat in enumerate(self._inputs[0]._elements()):
            if position % self._shards == self._index:
                yield flat

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return n // self._shards + (1 if self._index < n % self._shards else 0)


class TakeDataset(Dataset):
    """`take(count)`: the first `count` elements (all of them for -1)."""

    _tf_name = "_TakeDataset"

    def __init__(self, dataset: Dataset, count: Any):
        super().__init__(dataset.element_spec, (dataset,))
        self._count = int_argument(count)

    def _elements(self) -> Iterator[list]:
        if self._count < 0:
            yield from self._inputs[0]._elements()
            return
        if self._count == 0:
            return
        for i, flat in enumerate(self._inputs[0]._elements(), 1):
            yield flat
            if i >= self._count:
                return

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if self._count < 0:
            return n
        if n == UNKNOWN:
            return UNKNOWN
        return self._count if n == INFINITE else min(n, self._count)


class SkipDataset(Dataset):
    """`skip(count)`: all but the first `count` elements (none for -1)."""

    _tf_name = "_SkipDataset"

    def __init__(self, dataset: Dataset, count: Any):
        super().__init__(dataset.element_spec, (dataset,))
        self._count = int_argument(count)

    def _elements(self) -> Iterator[list]:
        elements = self._inputs[0]._elements()
        if self._count < 0:
            for _ in elements:
                pass
            return
        for _ in range(self._count):
            if next(elements, None) is None:
                return
        yield from elements

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class RepeatDataset(Dataset):
    """`repeat(count)`: the input read `count` times (forever for None or -1); each pass is a new
    iteration of the input (a shuffle reshuffles)."""

    _tf_name = "_RepeatDataset"

    def __init__(self, dataset: Dataset, count: Any):
        super().__init__(dataset.element_spec, (dataset,))
        self._count = -1 if count is None else int_argument(count)

    def _elements(self) -> Iterator[list]:
        done = 0
        while self._count < 0 or done < self._count:
            empty = True
            for flat in self._inputs[0]._elements():
                empty = False
                yield flat
            if empty:
                return
            done += 1

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if self._count < 0:  # (forever: infinite even when the input's length is unknown, as TF says)
            return 0 if n == 0 else INFINITE
        if n < 0:
            return 0 if self._count == 0 else n
        return n * self._count


class ScanDataset(Dataset):
    """`scan(initial_state, scan_func)`: `scan_func(state, element) -> (new_state, output)`, traced
    once (again, with the dimensions that changed unknown, if the state's shape changes)."""

    _tf_name = "_ScanDataset"

    def __init__(self, dataset: Dataset, initial_state: Any, func: Callable):
        state = structure.normalize(initial_state)
        self._initial = structure.flat_values(state)
        state_spec = structure.specs(state)
        fn = _state_function(func, state_spec, dataset.element_spec, "Dataset.scan()")
        new_state = fn.output_spec[0]
        if new_state != state_spec:
            relaxed = structure.most_specific_compatible(state_spec, new_state)
            fn = _state_function(func, relaxed, dataset.element_spec, "Dataset.scan()")
        self._fn = fn
        self._state_size = len(nest.flatten(state_spec))
        super().__init__(fn.output_spec[1], (dataset,))

    def _elements(self) -> Iterator[list]:
        state = self._initial
        for flat in self._inputs[0]._elements():
            out = self._fn(state + flat)
            state, result = out[:self._state_size], out[self._state_size:]
            yield result

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


def _state_function(func: Callable, state_spec: Any, element_spec: Any,
                    transformation: str) -> TracedFunction:
    fn = TracedFunction(func, (state_spec, element_spec), transformation)
    out = fn.output_spec
    if transformation == "Dataset.scan()" and not (type(out) is tuple and len(out) == 2):
        raise TypeError(f"The scan function must return a pair comprising the new state and the output "
                        f"value, got {out}.")
    if transformation == "Dataset.scan()":
        state = out[0]
    else:
        state = out
    try:
        nest.assert_same_structure(state, state_spec)
    except (TypeError, ValueError):
        raise TypeError(f"The element types for the new state must match the initial state. Expected "
                        f"{state_spec}; got {state}.") from None
    for new, old in zip(nest.flatten(state), nest.flatten(state_spec)):
        if new.dtype != old.dtype:
            raise TypeError(f"The element types for the new state must match the initial state. Expected "
                            f"{state_spec}; got {state}.")
    return fn


def reduce(dataset: Dataset, initial_state: Any, func: Callable) -> Any:
    """`Dataset.reduce`: `func(state, element) -> state` over every element; the final state."""
    state = structure.normalize(initial_state)
    state_spec = structure.specs(state)
    fn = _state_function(func, state_spec, dataset.element_spec, "Dataset.reduce()")
    if fn.output_spec != state_spec:
        state_spec = structure.most_specific_compatible(state_spec, fn.output_spec)
        fn = _state_function(func, state_spec, dataset.element_spec, "Dataset.reduce()")
    values = structure.flat_values(state)
    for flat in dataset._elements():
        values = fn(values + flat)
    return structure.pack(state_spec, values)


class UniqueDataset(Dataset):
    """`unique`: each distinct element once, in order of first appearance (scalars of int or string)."""

    _tf_name = "_UniqueDataset"

    def __init__(self, dataset: Dataset):
        spec = dataset.element_spec
        if not isinstance(spec, structure.TensorSpec) or spec.dtype not in (dtypes.int32, dtypes.int64,
                                                                             dtypes.string):
            raise TypeError("`tf.data.Dataset.unique()` only supports datasets with a single `tf.int32`, "
                            "`tf.int64`, or `tf.string` component.")
        super().__init__(spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        seen = set()
        for flat in self._inputs[0]._elements():
            key = flat[0].item() if isinstance(flat[0], np.generic | np.ndarray) else flat[0]
            if key not in seen:
                seen.add(key)
                yield flat

    def _cardinality(self) -> int:
        return UNKNOWN


class CacheDataset(Dataset):
    """`cache(filename="")`: the first complete pass is kept — in memory, or in the file `filename`
    (tapeflow's own format: see cache_file.py), which later passes and later programs read instead of
    the input. A partial pass is discarded, as in TensorFlow."""

    _tf_name = "CacheDataset"

    def __init__(self, dataset: Dataset, filename: str):
        super().__init__(dataset.element_spec, (dataset,))
        self._filename = str(filename)
        self._cache: list | None = None

    def _elements(self) -> Iterator[list]:
        if self._filename:
            yield from cached_pass(self._filename, self._inputs[0])
            return
        if self._cache is not None:
            yield from self._cache
            return
        recorded = []
        for flat in self._inputs[0]._elements():
            recorded.append(flat)
            yield flat
        self._cache = recorded

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()
