"""`tf.io`: reading and writing files, TFRecord files, CSV decoding, parsing `tf.train.Example`s."""

from tapeflow.data.parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    RaggedFeature,
    VarLenFeature,
    parse_example,
    parse_single_example,
)
from tapeflow.data.tfrecord import TFRecordOptions, TFRecordWriter
from tapeflow.io import gfile
from tapeflow.ops.csv_ops import decode_csv
from tapeflow.ops.io_ops import read_file, write_file

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "RaggedFeature", "TFRecordOptions", "TFRecordWriter",
           "VarLenFeature", "decode_csv", "gfile", "parse_example", "parse_single_example", "read_file",
           "write_file"]
