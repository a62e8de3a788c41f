"""`tf.train`: the `Example` protocol messages (wire format in data/example.py)."""

from tapeflow.data.example import BytesList, Example, Feature, Features, FloatList, Int64List

__all__ = ["BytesList", "Example", "Feature", "Features", "FloatList", "Int64List"]
