"""What `fit`, `evaluate` and `predict` iterate: batches of NumPy/tensor data or a `tf.data.Dataset`.

Arrays are split into batches of `batch_size` (the last one partial), in a new random order each epoch
when `shuffle`; floating arrays are given Keras's float type (float32), as tf-keras converts them.
A dataset is iterated as it is, one element per step."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import TensorLike
from tapeflow.data.dataset import Dataset
from tapeflow.keras import backend

__all__ = ["DataHandler", "class_weighted", "train_validation_split", "unpack_x_y_sample_weight"]


def unpack_x_y_sample_weight(data: Any) -> tuple:
    """`(x, y, sample_weight)` from a batch: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )


def _as_array(value: Any) -> np.ndarray:
    array = value.numpy() if isinstance(value, TensorLike) else np.asarray(value)
    if array.dtype.kind == "f" and array.dtype != np.dtype(backend.floatx()):
        array = array.astype(backend.floatx())
    return array


def _length(structure: Any) -> int:
    lengths = {int(a.shape[0]) for a in nest.flatten(structure) if a is not None}
    if len(lengths) > 1:
        raise ValueError(
            f"Data cardinality is ambiguous:\n  x sizes: {', '.join(str(n) for n in lengths)}\n"
            f"Make sure all arrays contain the same number of samples."
        )
    return lengths.pop() if lengths else 0


def class_weighted(y: Any, sample_weight: Any, class_weight: dict) -> np.ndarray:
    """The sample weights times each sample's class weight (the class is the label, rounded, or the
    argmax of a one-hot label), as Keras applies `class_weight` to the training data."""
    ids = sorted(class_weight)
    if ids != list(range(len(ids))):
        raise ValueError(
            f"Expected `class_weight` to be a dict with keys from 0 to one less than the number of "
            f"classes, found {class_weight}"
        )
    if nest.is_nested(y):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    table = np.asarray([class_weight[i] for i in ids])
    table = table.astype(np.float32 if table.dtype.kind == "f" else np.int32)
    labels = _as_array(y)
    if labels.ndim >= 2:
        labels = labels.argmax(axis=1) if labels.shape[-1] > 1 else np.round(labels[..., 0])
    else:
        labels = np.round(labels)
    weights = table[labels.astype(np.int64)]
    if sample_weight is None:
        return weights
    sample_weight = _as_array(sample_weight)
    return sample_weight * weights.astype(sample_weight.dtype).reshape(sample_weight.shape)


def train_validation_split(arrays: tuple, validation_split: float) -> tuple:
    """The first `1 - validation_split` of the samples for training, the rest for validation."""
    n = _length(tuple(a for a in arrays if a is not None))
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            f"Either provide more data, or a different value for the `validation_split` argument."
        )

    def part(lo: int, hi: int | None) -> tuple:
        return tuple(None if a is None else nest.map_structure(lambda v: v[lo:hi], a) for a in arrays)

    return part(0, split_at), part(split_at, None)


class DataHandler:
    """The batches of one `fit`/`evaluate`/`predict` call, epoch by epoch."""

    def __init__(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        batch_size: int | None = None,
        steps_per_epoch: int | None = None,
        initial_epoch: int = 0,
        epochs: int = 1,
        shuffle: bool = False,
        order: Callable[[int], np.ndarray] = np.random.permutation,
    ):
        self._initial_epoch, self._epochs, self._shuffle = initial_epoch, epochs, shuffle
        self._order = order  # a shuffled order of n rows (the same on every worker when distributed)
        self._dataset = x if isinstance(x, Dataset) else None
        if self._dataset is not None:
            if y is not None:
                raise ValueError("`y` argument is not supported when using dataset as input.")
            cardinality = int(self._dataset.cardinality().numpy())
            self.steps = steps_per_epoch or (cardinality if cardinality >= 0 else None)
            self._steps_given = steps_per_epoch is not None
            self._iterator = iter(self._dataset) if self._steps_given else None
            return
        self._arrays = tuple(
            None if a is None else nest.map_structure(_as_array, a) for a in (x, y, sample_weight)
        )
        self._n = _length(tuple(a for a in self._arrays if a is not None))
        self._batch_size = batch_size or 32
        self.steps = steps_per_epoch or max(1, math.ceil(self._n / self._batch_size))

    def _array_batches(self) -> Iterator:
        order = self._order(self._n) if self._shuffle else None
        for step in range(self.steps):
            lo = step * self._batch_size
            hi = min(lo + self._batch_size, self._n)
            if order is not None:
                index = order[lo:hi]
                take = lambda a, index=index: convert_to_tensor(a[index])  # noqa: E731
            else:
                take = lambda a, lo=lo, hi=hi: convert_to_tensor(a[lo:hi])  # noqa: E731
            batch = tuple(None if a is None else nest.map_structure(take, a) for a in self._arrays)
            x, y, w = batch
            yield (x,) if y is None and w is None else (x, y) if w is None else (x, y, w)

    def _dataset_batches(self) -> Iterator:
        if self._steps_given:
            for _ in range(self.steps):
                try:
                    yield next(self._iterator)
                except StopIteration:
                    return
        else:
            yield from self._dataset

    def batches(self) -> Iterator:
        """This epoch's batches: `(x,)`, `(x, y)` or `(x, y, sample_weight)` tuples (as the dataset gives
        its elements, for a dataset)."""
        return self._dataset_batches() if self._dataset is not None else self._array_batches()

    def enumerate_epochs(self) -> Iterator[int]:
        yield from range(self._initial_epoch, self._epochs)
