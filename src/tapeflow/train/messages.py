"""The protobuf messages of a TensorFlow checkpoint, as field tables for `proto.encode`/`decode`.

Field numbers and names are those of TensorFlow's `tensor_bundle.proto`, `tensor_shape.proto`,
`tensor_slice.proto`, `versions.proto` and `trackable_object_graph.proto`.
"""

from tapeflow.train.proto import BOOL, BYTES, FIXED32, VARINT, Field, message

VERSION_DEF = message(Field(1, "producer", VARINT), Field(2, "min_consumer", VARINT),
                      Field(3, "bad_consumers", VARINT, repeated=True))
BUNDLE_HEADER = message(Field(1, "num_shards", VARINT), Field(2, "endianness", VARINT),
                        Field(3, "version", VERSION_DEF))
DIM = message(Field(1, "size", VARINT), Field(2, "name", BYTES))
TENSOR_SHAPE = message(Field(2, "dim", DIM, repeated=True), Field(3, "unknown_rank", BOOL))
EXTENT = message(Field(1, "start", VARINT), Field(2, "length", VARINT))
TENSOR_SLICE = message(Field(1, "extent", EXTENT, repeated=True))
BUNDLE_ENTRY = message(
    Field(1, "dtype", VARINT), Field(2, "shape", TENSOR_SHAPE, always=True), Field(3, "shard_id", VARINT),
    Field(4, "offset", VARINT), Field(5, "size", VARINT), Field(6, "crc32c", FIXED32),
    Field(7, "slices", TENSOR_SLICE, repeated=True))

OBJECT_REFERENCE = message(Field(1, "node_id", VARINT), Field(2, "local_name", BYTES))
SERIALIZED_TENSOR = message(Field(1, "name", BYTES), Field(2, "full_name", BYTES),
                            Field(3, "checkpoint_key", BYTES))
SLOT_VARIABLE = message(Field(1, "original_variable_node_id", VARINT), Field(2, "slot_name", BYTES),
                        Field(3, "slot_variable_node_id", VARINT))
REGISTERED_SAVER = message(Field(1, "name", BYTES), Field(2, "object_name", BYTES))
BOOL_VALUE = message(Field(1, "value", BOOL))
TRACKABLE_OBJECT = message(
    Field(1, "children", OBJECT_REFERENCE, repeated=True),
    Field(2, "attributes", SERIALIZED_TENSOR, repeated=True),
    Field(3, "slot_variables", SLOT_VARIABLE, repeated=True), Field(4, "registered_saver", REGISTERED_SAVER),
    Field(5, "has_checkpoint_values", BOOL_VALUE))
TRACKABLE_OBJECT_GRAPH = message(Field(1, "nodes", TRACKABLE_OBJECT, repeated=True))
