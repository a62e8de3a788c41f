"""`tf.data.Dataset`: the base class every source and transformation derives from, and its iterator.

A dataset is a recipe: iterating it starts a fresh pass (`_elements()`, a generator of flat elements,
see structure.py), so each `iter(ds)` sees the data from the start, and a shuffle reshuffles. A
dataset can also offer its elements in *blocks* — flat lists of arrays with a leading axis, many
elements at once (`_blocks(size)`) — where that gives the same elements: slices of tensors, a shuffle
over them, and a map of elementwise ops. `batch` asks for blocks first, so the benchmark pipeline of
the issue (slices -> shuffle -> map -> batch) runs its map once per batch instead of once per element.

The transformations are methods here and classes in transforms.py, batching.py, shuffle.py and
prefetch.py (imported when called, so `import tapeflow` stays fast).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.core import errors, nest
from tapeflow.core.tensor import Tensor
from tapeflow.data import structure
from tapeflow.data.options import Options

INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2  # tf.data.UNKNOWN_CARDINALITY
AUTOTUNE = -1  # tf.data.AUTOTUNE


def int_argument(value: Any) -> int:
    """A count or size given as a Python int or a scalar tensor."""
    return int(value.numpy() if isinstance(value, Tensor) else value)


class Dataset:
    """A sequence of elements of one structure (`element_spec`), read by iterating."""

    # The transformations' classes live in the modules that hold their logic (sources.py, transforms.py,
    # batching.py ...), which subclass this one: each method below imports its class when called.

    _tf_name = "Dataset"  # TensorFlow's class name, shown in the repr

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        """A new dataset — or, made from traced values while a `flat_map`/`interleave` function is
        traced, the recipe for one (deferred.py)."""
        from tapeflow.data.deferred import deferred  # (deferred.py imports this module)

        recipe = deferred(cls, args, kwargs)
        return object.__new__(cls) if recipe is None else recipe

    def __init__(self, element_spec: Any, inputs: tuple = ()):
        self._element_spec = element_spec
        self._inputs = inputs

    # ---- what each dataset provides --------------------------------------------------------------

    def _elements(self) -> Iterator[list]:
        """A fresh pass over the elements, each a flat list of NumPy values."""
        raise NotImplementedError

    def _blocks(self, size: int) -> Iterator[list] | None:
        """A fresh pass in blocks of `size` elements (the last may be shorter), each component an array
        with a leading axis; None when this dataset cannot give blocks that hold the same elements."""
        return None

    def _random_access(self) -> tuple[int, Callable[[np.ndarray], list]] | None:
        """(number of elements, gather(indices) -> flat block) for datasets that are arrays in hand."""
        return None

    def _cardinality(self) -> int:
        return UNKNOWN

    # ---- the public surface ----------------------------------------------------------------------

    @property
    def element_spec(self) -> Any:
        return self._element_spec

    def cardinality(self) -> Tensor:
        """The number of elements, or INFINITE_CARDINALITY (-1) / UNKNOWN_CARDINALITY (-2)."""
        return Tensor(np.int64(self._cardinality()))

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __iter__(self) -> OwnedIterator:
        return OwnedIterator(self)

    def _staged_for(self, extra_test: Callable | None, body: Callable, state: tuple, names: Any,
                    opts: dict) -> tuple:
        """AutoGraph's `for` over this dataset inside a compiled function (see staged.py)."""
        from tapeflow.data.staged import staged_for

        return staged_for(self, extra_test, body, state, names, opts)

    def __bool__(self) -> bool:
        return True  # (not its length: TF datasets are always truthy)

    def as_numpy_iterator(self) -> NumpyIterator:
        for spec in nest.flatten(self._element_spec):
            if isinstance(spec, structure.DatasetSpec):
                raise TypeError(f"Dataset.as_numpy_iterator() is not supported for datasets that produce "
                                f"values of type {spec.__class__.__name__}")
        return NumpyIterator(self)

    def options(self) -> Options:
        merged = Options()
        for dataset in self._lineage():
            if dataset._own_options is not None:
                merged = merged.merge(dataset._own_options)
        return merged

    _own_options: Options | None = None

    def _lineage(self) -> list:
        found, stack = [], [self]
        while stack:
            dataset = stack.pop()
            found.append(dataset)
            stack.extend(dataset._inputs)
        return found[::-1]

    def with_options(self, options: Options, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import OptionsDataset

        return OptionsDataset(self, options)

    def __repr__(self) -> str:
        return f"<{self._tf_name} element_spec={self._element_spec!r}>"

    # ---- sources (sources.py) --------------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.sources import TensorSliceDataset

        return TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.sources import TensorDataset

        return TensorDataset(tensors)

    @staticmethod
    def range(*args: Any, output_type: Any = None, name: str | None = None, **ignored: Any) -> Dataset:
        """`Dataset.range`; other keyword arguments are ignored, as TensorFlow ignores them."""
        from tapeflow.data.sources import RangeDataset

        return RangeDataset(*args, output_type=output_type)

    @staticmethod
    def from_generator(generator: Callable, output_types: Any = None, output_shapes: Any = None,
                       args: Any = None, output_signature: Any = None, name: str | None = None) -> Dataset:
        from tapeflow.data.sources import GeneratorDataset

        return GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None,
                   name: str | None = None) -> Dataset:
        """The names of the files matching `file_pattern` (sorted; shuffled unless `shuffle=False`)."""
        from tapeflow.data.sources import list_files

        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def zip(*datasets: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.sources import ZipDataset

        return ZipDataset(datasets[0] if len(datasets) == 1 else datasets)

    @staticmethod
    def choose_from_datasets(datasets: Any, choice_dataset: Dataset, stop_on_empty_dataset: bool = True
                             ) -> Dataset:
        from tapeflow.data.sampling import ChooseDataset

        return ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(datasets: Any, weights: Any = None, seed: int | None = None,
                             stop_on_empty_dataset: bool = False, rerandomize_each_iteration: Any = None
                             ) -> Dataset:
        from tapeflow.data.sampling import sample_from_datasets

        return sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)

    def rejection_resample(self, class_func: Callable, target_dist: Any, initial_dist: Any = None,
                           seed: int | None = None, name: str | None = None) -> Dataset:
        from tapeflow.data.sampling import rejection_resample

        return rejection_resample(self, class_func, target_dist, initial_dist, seed)

    def concatenate(self, dataset: Dataset, name: str | None = None) -> Dataset:
        from tapeflow.data.sources import ConcatenateDataset

        return ConcatenateDataset(self, dataset)

    # ---- transformations (transforms.py, batching.py, shuffle.py, prefetch.py) ---------------------

    def map(self, map_func: Callable, num_parallel_calls: int | None = None,
            deterministic: bool | None = None, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import MapDataset

        return MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate: Callable, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import FilterDataset

        return FilterDataset(self, predicate)

    def flat_map(self, map_func: Callable, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import FlatMapDataset

        return FlatMapDataset(self, map_func)

    def interleave(self, map_func: Callable, cycle_length: int | None = None, block_length: int | None = None,
                   num_parallel_calls: int | None = None, deterministic: bool | None = None,
                   name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import InterleaveDataset

        return InterleaveDataset(self, map_func, cycle_length, block_length)

    def take(self, count: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import TakeDataset

        return TakeDataset(self, count)

    def skip(self, count: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import SkipDataset

        return SkipDataset(self, count)

    def repeat(self, count: Any = None, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import RepeatDataset

        return RepeatDataset(self, count)

    def shard(self, num_shards: Any, index: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import ShardDataset

        return ShardDataset(self, num_shards, index)

    def take_while(self, predicate: Callable, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import TakeWhileDataset

        return TakeWhileDataset(self, predicate)

    def enumerate(self, start: Any = 0, name: str | None = None) -> Dataset:
        from tapeflow.data.sources import RangeDataset, ZipDataset

        return ZipDataset((RangeDataset(int(start), np.iinfo(np.int64).max), self))

    def scan(self, initial_state: Any, scan_func: Callable, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import ScanDataset

        return ScanDataset(self, initial_state, scan_func)

    def reduce(self, initial_state: Any, reduce_func: Callable, name: str | None = None) -> Any:
        from tapeflow.data.transforms import reduce

        return reduce(self, initial_state, reduce_func)

    def unique(self, name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import UniqueDataset

        return UniqueDataset(self)

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        from tapeflow.data.transforms import CacheDataset

        return CacheDataset(self, filename)

    def apply(self, transformation_func: Callable) -> Dataset:
        dataset = transformation_func(self)
        if not isinstance(dataset, Dataset):
            raise TypeError(f"`transformation_func` must return a `tf.data.Dataset` object. Got "
                            f"{type(dataset)}.")
        return dataset

    def batch(self, batch_size: Any, drop_remainder: bool = False, num_parallel_calls: int | None = None,
              deterministic: bool | None = None, name: str | None = None) -> Dataset:
        from tapeflow.data.batching import BatchDataset

        return BatchDataset(self, batch_size, drop_remainder)

    def ragged_batch(self, batch_size: Any, drop_remainder: bool = False, row_splits_dtype: Any = None,
                     name: str | None = None) -> Dataset:
        from tapeflow.data.batching import BatchDataset, DenseToRaggedDataset

        return BatchDataset(DenseToRaggedDataset(self), batch_size, drop_remainder)

    def padded_batch(self, batch_size: Any, padded_shapes: Any = None, padding_values: Any = None,
                     drop_remainder: bool = False, name: str | None = None) -> Dataset:
        from tapeflow.data.batching import PaddedBatchDataset

        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name: str | None = None) -> Dataset:
        from tapeflow.data.batching import UnbatchDataset

        return UnbatchDataset(self)

    def window(self, size: Any, shift: Any = None, stride: Any = 1, drop_remainder: bool = False,
               name: str | None = None) -> Dataset:
        from tapeflow.data.batching import WindowDataset

        return WindowDataset(self, size, shift, stride, drop_remainder)

    def shuffle(self, buffer_size: Any, seed: int | None = None, reshuffle_each_iteration: bool | None = None,
                name: str | None = None) -> Dataset:
        from tapeflow.data.shuffle import ShuffleDataset

        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def prefetch(self, buffer_size: Any, name: str | None = None) -> Dataset:
        from tapeflow.data.prefetch import PrefetchDataset

        return PrefetchDataset(self, buffer_size)


class OwnedIterator:
    """What `iter(dataset)` returns: `next()` gives elements as tensors, StopIteration at the end;
    `get_next()` raises TensorFlow's OutOfRangeError there instead.

    In a `tf.train.Checkpoint` it saves its position: how many elements it has given, and the state
    the seed generators of the pipeline's shuffles had when it was made. Restoring sets those seeds
    back and replays that many elements of a fresh pass, so a deterministic pipeline resumes at the
    same element, in the same shuffled order (TensorFlow saves its buffers instead, as a DT_VARIANT)."""

    def __init__(self, dataset: Dataset):
        self._dataset = dataset
        self._spec = dataset.element_spec
        self._seed_states = [d._seed_state() for d in self._seeded()]
        self._flat = dataset._elements()
        self._given = 0

    def _seeded(self) -> list:
        """The datasets of the pipeline whose passes draw seeds (the shuffles), in lineage order."""
        return [d for d in self._dataset._lineage() if hasattr(d, "_seed_state")]

    _saveable_name = "ITERATOR"  # its checkpoint attribute, as TensorFlow names it

    def _trackable_children(self) -> list:
        return []

    def _serialize_to_tensors(self) -> dict:
        state = {"format": _ITERATOR_STATE_FORMAT, "given": self._given, "seeds": self._seed_states}
        return {"_STATE": np.array([json.dumps(state).encode()], dtype=object)}

    def _restore_from_tensors(self, tensors: dict) -> None:
        if "_STATE" not in tensors:
            raise errors.NotFoundError(None, None, "The checkpoint holds no state for this iterator.")
        state = _iterator_state(tensors["_STATE"])
        seeded = self._seeded()
        if len(seeded) != len(state["seeds"]):
            raise errors.InvalidArgumentError(
                None, None, f"The iterator's checkpoint was saved from a pipeline with {len(state['seeds'])} "
                f"shuffle(s); this one has {len(seeded)}.")
        for dataset, seed_state in zip(seeded, state["seeds"]):
            dataset._set_seed_state(seed_state)
        close = getattr(self._flat, "close", None)
        if close is not None:
            close()
        self._seed_states = state["seeds"]
        self._flat = self._dataset._elements()
        self._given = 0
        for _ in itertools.islice(self._flat, state["given"]):
            self._given += 1

    @property
    def element_spec(self) -> Any:
        return self._spec

    def __iter__(self) -> OwnedIterator:
        return self

    def __next__(self) -> Any:
        element = structure.pack(self._spec, next(self._flat))
        self._given += 1
        return element

    def get_next(self, name: str | None = None) -> Any:
        try:
            return next(self)
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence [Op:IteratorGetNext]") from None

    def get_next_as_optional(self) -> Any:
        """The next element as a `tf.experimental.Optional`, empty at the end of the pass."""
        from tapeflow.data.optional import Optional

        try:
            return Optional(self._spec, next(self), True)
        except StopIteration:
            return Optional.empty(self._spec)


_ITERATOR_STATE_FORMAT = "tapeflow.data iterator 1"


def _iterator_state(value: np.ndarray) -> dict:
    """The state an iterator saved, or InvalidArgumentError for a tensor that is not one."""
    try:
        state = json.loads(np.asarray(value).reshape(-1)[0])
        if state.get("format") != _ITERATOR_STATE_FORMAT:
            raise ValueError(state.get("format"))
    except (ValueError, TypeError, IndexError, AttributeError) as error:
        raise errors.InvalidArgumentError(None, None, f"Not a tapeflow iterator state: {error}") from None
    return state


class NumpyIterator:
    """`Dataset.as_numpy_iterator()`: elements as NumPy values (bytes for strings), same structure."""

    def __init__(self, dataset: Dataset):
        self._spec = dataset.element_spec
        self._flat = dataset._elements()

    def __iter__(self) -> NumpyIterator:
        return self

    def __next__(self) -> Any:
        values = [v if type(v) is bytes else np.copy(v) if isinstance(v, np.ndarray) and v.ndim else v[()]
                  for v in next(self._flat)]
        return nest.pack_sequence_as(self._spec, values)

    def __repr__(self) -> str:
        return f"NumpyIterator(iterator={object.__repr__(self)})"
