"""`tf.data.experimental`: the older names of tf.data's constants and functions."""

from tapeflow.core.tensor import Tensor
from tapeflow.data.csv_dataset import make_csv_dataset
from tapeflow.data.dataset import AUTOTUNE, Dataset
from tapeflow.data.dataset import INFINITE as INFINITE_CARDINALITY
from tapeflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from tapeflow.data.readers import CsvDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "CsvDataset", "cardinality",
           "make_csv_dataset"]


def cardinality(dataset: Dataset) -> Tensor:
    """`tf.data.experimental.cardinality(ds)`: `ds.cardinality()`."""
    return dataset.cardinality()
