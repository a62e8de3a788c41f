"""`tf.io`: reading and writing files, TFRecord files, CSV decoding."""

from tapeflow.data.tfrecord import TFRecordOptions, TFRecordWriter
from tapeflow.ops.csv_ops import decode_csv
from tapeflow.ops.io_ops import read_file, write_file

__all__ = ["TFRecordOptions", "TFRecordWriter", "decode_csv", "read_file", "write_file"]
