"""The protobuf messages of an event file, as field tables for `train.proto.encode`.

Field numbers and names are those of TensorFlow's `event.proto`, `summary.proto`, `tensor.proto`,
`graph.proto`, `node_def.proto` and `attr_value.proto` (what TensorBoard reads back).
"""

from tapeflow.train.messages import TENSOR_SHAPE, VERSION_DEF
from tapeflow.train.proto import BYTES, DOUBLE, VARINT, Field, message

TENSOR = message(Field(1, "dtype", VARINT), Field(2, "tensor_shape", TENSOR_SHAPE, always=True),
                 Field(4, "tensor_content", BYTES), Field(8, "string_val", BYTES, repeated=True))
PLUGIN_DATA = message(Field(1, "plugin_name", BYTES), Field(2, "content", BYTES))
SUMMARY_METADATA = message(Field(1, "plugin_data", PLUGIN_DATA), Field(2, "display_name", BYTES),
                           Field(3, "summary_description", BYTES))
# `metadata` is a serialized SUMMARY_METADATA (tf.summary.write takes it so from its caller).
SUMMARY_VALUE = message(Field(1, "tag", BYTES), Field(8, "tensor", TENSOR), Field(9, "metadata", BYTES))
SUMMARY = message(Field(1, "value", SUMMARY_VALUE, repeated=True))
AUDIO_PLUGIN_DATA = message(Field(1, "version", VARINT), Field(2, "encoding", VARINT))  # TensorBoard's
SOURCE_METADATA = message(Field(1, "writer", BYTES))
EVENT = message(Field(1, "wall_time", DOUBLE), Field(2, "step", VARINT), Field(3, "file_version", BYTES),
                Field(4, "graph_def", BYTES), Field(5, "summary", SUMMARY),
                Field(10, "source_metadata", SOURCE_METADATA))

# A graph, for TensorBoard's graph view: nodes with their inputs and attributes (a map: key/value entries).
ATTR_LIST = message(Field(7, "shape", TENSOR_SHAPE, repeated=True))
ATTR_VALUE = message(Field(1, "list", ATTR_LIST), Field(2, "s", BYTES), Field(6, "type", VARINT),
                     Field(7, "shape", TENSOR_SHAPE))
ATTR_ENTRY = message(Field(1, "key", BYTES), Field(2, "value", ATTR_VALUE))
NODE_DEF = message(Field(1, "name", BYTES), Field(2, "op", BYTES), Field(3, "input", BYTES, repeated=True),
                   Field(5, "attr", ATTR_ENTRY, repeated=True))
GRAPH_DEF = message(Field(1, "node", NODE_DEF, repeated=True), Field(4, "versions", VERSION_DEF))
