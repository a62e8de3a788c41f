"""Datasets that pick among datasets: `choose_from_datasets` (TensorFlow's order exactly),
`sample_from_datasets` (random picks by weight) and `rejection_resample` (TensorFlow's algorithm).

`choose_from_datasets` follows TensorFlow's directed interleave: each choice takes the next element
of that dataset; a choice of a dataset that has ended ends everything with `stop_on_empty_dataset`,
and is skipped otherwise. The random picks of `sample_from_datasets` and the random filter of
`rejection_resample` come from NumPy's generator seeded by the op's seeds — TensorFlow's own streams
(stateless categorical draws on seeds from a seed dataset) are not reproduced, so with a seed the
order is repeatable but not TensorFlow's; the proportions are TensorFlow's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.data import structure
from tapeflow.data.dataset import UNKNOWN, Dataset
from tapeflow.data.functions import TracedFunction
from tapeflow.random import seeds
from tapeflow.tracing.signatures import TensorSpec


def _generator(seed_pair: tuple[int, int]) -> np.random.Generator:
    """NumPy's generator for the op's seeds ((0, 0): none, fresh entropy)."""
    return np.random.default_rng(None if seed_pair == (0, 0) else list(seed_pair))


def _common_spec(datasets: list) -> Any:
    spec = datasets[0].element_spec
    for d in datasets[1:]:
        spec = structure.most_specific_compatible(spec, d.element_spec)
    return spec


def _directed(sources: list[Iterator[list]], choices: Iterator[int], stop_on_empty: bool) -> Iterator[list]:
    """TensorFlow's directed interleave of `sources` by the `choices` of source."""
    alive = [True] * len(sources)
    for choice in choices:
        if not 0 <= choice < len(sources):
            raise errors.InvalidArgumentError(None, None, f"Selector index out of range: {choice} >= "
                                                          f"{len(sources)} [Op:IteratorGetNext]")
        if not alive[choice]:
            continue
        flat = next(sources[choice], None)
        if flat is None:
            alive[choice] = False
            if stop_on_empty or not any(alive):
                return
            continue
        yield flat


class ChooseDataset(Dataset):
    """`Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True)`."""

    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: list, choice_dataset: Dataset, stop_on_empty_dataset: bool):
        spec = choice_dataset.element_spec
        if not (isinstance(spec, TensorSpec) and spec.dtype == dtypes.int64 and spec.shape.rank == 0):
            raise TypeError(f"Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar "
                            f"`tf.int64` tensors but found {spec}.")
        super().__init__(_common_spec(list(datasets)), (*datasets, choice_dataset))
        self._stop = bool(stop_on_empty_dataset)

    def _elements(self) -> Iterator[list]:
        *datasets, choice = self._inputs
        choices = (int(c) for (c,) in choice._elements())
        return _directed([d._elements() for d in datasets], choices, self._stop)

    def _cardinality(self) -> int:
        return UNKNOWN


class SampleDataset(Dataset):
    """`Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)`: each element
    from a dataset drawn by `weights` (equal by default; a list, or a dataset of weight vectors)."""

    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: list, weights: Any, seed: int | None, stop_on_empty_dataset: bool):
        super().__init__(_common_spec(datasets), tuple(datasets))
        self._weights = weights
        self._seed_pair = seeds.get_seed(seed)
        self._stop = bool(stop_on_empty_dataset)

    def _choices(self) -> Iterator[int]:
        rng = _generator(self._seed_pair)
        if isinstance(self._weights, Dataset):
            rows = (np.asarray(flat[0], np.float64).reshape(-1) for flat in self._weights._elements())
        else:
            rows = itertools.repeat(np.asarray(self._weights, np.float64))
        for row in rows:
            yield int(rng.choice(len(row), p=row / row.sum()))

    def _elements(self) -> Iterator[list]:
        return _directed([d._elements() for d in self._inputs], self._choices(), self._stop)

    def _cardinality(self) -> int:
        return UNKNOWN


def sample_from_datasets(datasets: Any, weights: Any, seed: int | None,
                         stop_on_empty_dataset: bool) -> Dataset:
    """`Dataset.sample_from_datasets`, as TensorFlow builds it: datasets of weight 0 left out, and a
    single dataset left returned as it is."""
    datasets = list(datasets)
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    if not isinstance(weights, Dataset):
        if weights is None:
            weights = [1.0 / len(datasets)] * len(datasets)
        weights = [float(np.asarray(getattr(w, "_value", w))) for w in weights]
        if len(datasets) != len(weights):
            raise ValueError(f"Invalid `weights`. `weights` should have the same length as `datasets` but "
                             f"got `len(weights)={len(weights)}` vs. `len(datasets)={len(datasets)}`.")
        kept = [(d, w) for d, w in zip(datasets, weights) if w > 0]
        datasets, weights = [d for d, _ in kept], [w for _, w in kept]
        if len(datasets) == 1:
            return datasets[0]
    return SampleDataset(datasets, weights, seed, stop_on_empty_dataset)


class _RejectionFilter(Dataset):
    """The accepted (class, element) pairs of `rejection_resample`: each element's class accepted
    with its class's acceptance probability, from the given initial distribution or TensorFlow's
    running estimate (counts from 10 per class, updated per 32 elements)."""

    _tf_name = "_MapDataset"

    def __init__(self, dataset: Dataset, classes: TracedFunction, target: np.ndarray, initial: Any,
                 seed: int | None):
        super().__init__((classes.output_spec, dataset.element_spec), (dataset,))
        self._classes, self._target, self._initial = classes, target, initial
        self._seed_pair = seeds.get_seed(seed)

    def _elements(self) -> Iterator[list]:
        rng = _generator(self._seed_pair)
        for value, initial, flat in _classified(self._inputs[0], self._classes, self._target, self._initial):
            accept, _ = acceptance(initial, self._target)
            if rng.random() < accept[int(value)]:
                yield [value, *flat]


def _classified(dataset: Dataset, classes: TracedFunction, target: np.ndarray, initial: Any) -> Iterator:
    """(class value, initial distribution for it, element) of each element, the distribution estimated as
    TensorFlow estimates it when none is given."""
    counts = np.full(len(target), 10, np.int64)
    batch: list = []
    for flat in dataset._elements():
        batch.append(flat)
        if initial is None and len(batch) < 32:
            continue
        yield from _with_classes(batch, classes, counts, initial)
        batch = []
    yield from _with_classes(batch, classes, counts, initial)


def _with_classes(batch: list, classes: TracedFunction, counts: np.ndarray, initial: Any) -> Iterator:
    found = [classes(flat)[0] for flat in batch]
    if initial is None:
        counts += np.bincount(np.asarray(found, np.int64), minlength=len(counts))[:len(counts)]
        dist = (counts / counts.sum()).astype(np.float32)
    else:
        dist = initial
    for value, flat in zip(found, batch):
        yield value, dist, flat


def acceptance(initial: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """TensorFlow's acceptance probabilities per class and the probability of taking an element of the
    original dataset instead of the filtered one (the smallest target / initial ratio)."""
    ratio = target / (initial + np.finfo(np.float32).tiny)
    low, high = ratio.min(), ratio.max()
    return (ratio - low) / (high - low), float(low)


def rejection_resample(dataset: Dataset, class_func: Callable, target_dist: Any, initial_dist: Any = None,
                       seed: int | None = None) -> Dataset:
    """`Dataset.rejection_resample`: (class, element) pairs resampled toward `target_dist`, as
    TensorFlow builds it: the original dataset mixed with a rejection-filtered one."""
    target = np.asarray(getattr(target_dist, "_value", target_dist), np.float32)
    classes = TracedFunction(class_func, dataset.element_spec, "Dataset.map()")
    with_class = dataset.map(lambda *x: (class_func(*x), x[0] if len(x) == 1 else x))
    initial = None if initial_dist is None else np.asarray(getattr(initial_dist, "_value", initial_dist),
                                                            np.float32)
    filtered = _RejectionFilter(dataset, classes, target, initial, seed)
    if initial is not None:
        original = acceptance(initial, target)[1]
        if original == 1:
            return with_class
        if original == 0:
            return filtered
        return sample_from_datasets([with_class, filtered], [original, 1 - original], seed, True)
    estimates = _EstimatedMixing(dataset, classes, target)
    return SampleDataset([with_class, filtered], estimates, seed, True)


class _EstimatedMixing(Dataset):
    """Per element, the weights (original, filtered) of `rejection_resample` from the running estimate."""

    _tf_name = "_MapDataset"

    def __init__(self, dataset: Dataset, classes: TracedFunction, target: np.ndarray):
        super().__init__(TensorSpec([2], dtypes.float32), (dataset,))
        self._classes, self._target = classes, target

    def _elements(self) -> Iterator[list]:
        for _, initial, _ in _classified(self._inputs[0], self._classes, self._target, None):
            original = acceptance(initial, self._target)[1]
            yield [np.array([original, 1 - original], np.float32)]

