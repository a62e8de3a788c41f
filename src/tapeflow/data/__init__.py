"""`tf.data`: input pipelines (see dataset.py for the design)."""

from tapeflow.data import experimental
from tapeflow.data.dataset import AUTOTUNE, Dataset, NumpyIterator, OwnedIterator
from tapeflow.data.dataset import INFINITE as INFINITE_CARDINALITY
from tapeflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from tapeflow.data.options import Options
from tapeflow.data.readers import TextLineDataset, TFRecordDataset
from tapeflow.data.structure import DatasetSpec

Iterator = OwnedIterator

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "DatasetSpec", "Iterator",
           "NumpyIterator", "Options", "TFRecordDataset", "TextLineDataset", "experimental"]
