"""`tf.keras.utils`: `get_file`, for downloading data as Keras does."""

from tapeflow.keras.datasets.download import get_file

__all__ = ["get_file"]
