"""`tf.data.experimental`: the older names of tf.data's constants and functions."""

from collections.abc import Callable
from typing import Any

from tapeflow.core.tensor import Tensor
from tapeflow.data.csv_dataset import make_csv_dataset
from tapeflow.data.dataset import AUTOTUNE, Dataset
from tapeflow.data.dataset import INFINITE as INFINITE_CARDINALITY
from tapeflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from tapeflow.data.readers import CsvDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "CsvDataset", "cardinality",
           "choose_from_datasets", "make_csv_dataset", "rejection_resample", "sample_from_datasets"]

choose_from_datasets = Dataset.choose_from_datasets
sample_from_datasets = Dataset.sample_from_datasets


def cardinality(dataset: Dataset) -> Tensor:
    """`tf.data.experimental.cardinality(ds)`: `ds.cardinality()`."""
    return dataset.cardinality()


def rejection_resample(class_func: Callable, target_dist: Any, initial_dist: Any = None,
                       seed: int | None = None) -> Callable[[Dataset], Dataset]:
    """`tf.data.experimental.rejection_resample`: the transformation, for `Dataset.apply`."""
    return lambda dataset: dataset.rejection_resample(class_func, target_dist, initial_dist, seed)
