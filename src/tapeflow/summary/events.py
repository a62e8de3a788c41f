"""Event records as TensorFlow's summary writer writes them: the file's first event (its version),
then one event per summary, holding a tensor and the metadata that names the TensorBoard plugin
which shows it. Numbers travel as `tensor_content` (raw little-endian bytes), strings as `string_val`,
as TensorFlow's C++ writer does (TensorBoard decodes both)."""

from __future__ import annotations

import struct

import numpy as np

from tapeflow.summary.messages import EVENT, GRAPH_DEF, SUMMARY_METADATA, TENSOR
from tapeflow.train.bundle import DT_STRING, dtype_enum
from tapeflow.train.proto import encode, encode_varint

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "tensorflow.core.util.events_writer"  # the writer TensorBoard sees named in the file


def version_event(wall_time: float) -> bytes:
    """The first record of every event file (whole seconds, as TensorFlow writes it)."""
    return encode(EVENT, {"wall_time": float(int(wall_time)), "file_version": FILE_VERSION,
                          "source_metadata": {"writer": WRITER_NAME}})


def tensor_proto(array: np.ndarray) -> dict:
    """A `TensorProto` (as a dict for `encode`) holding `array`."""
    dtype = dtype_enum(array)
    shape = {"dim": [{"size": n} for n in array.shape]}
    if dtype == DT_STRING:
        strings = [v if isinstance(v, bytes) else str(v).encode() for v in array.reshape(-1).tolist()]
        return {"dtype": dtype, "tensor_shape": shape, "string_val": strings}
    content = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes()
    return {"dtype": dtype, "tensor_shape": shape, "tensor_content": content}


def plugin_metadata(plugin: str | None, description: str | None = None, content: bytes = b"") -> bytes:
    """A serialized `SummaryMetadata` naming the TensorBoard plugin that shows a summary, with its
    plugin data `content` (empty for scalars, histograms, images and text: version 0, no fields)."""
    metadata: dict = {"summary_description": description}
    if plugin:
        metadata["plugin_data"] = {"plugin_name": plugin, "content": content}
    return encode(SUMMARY_METADATA, metadata)


class SummaryEncoder:
    """Encodes the events of one summary (one tag and metadata) as `encode(EVENT, ...)` would, byte for
    byte, with what does not change from step to step encoded once: the tag and metadata, and a
    numeric tensor's dtype and shape. A summary per training step costs a few microseconds so."""

    __slots__ = ("_tag", "_metadata", "_headers")

    def __init__(self, tag: str, metadata: bytes):
        self._tag = _field(1, tag.encode())
        self._metadata = _field(9, metadata) if metadata else b""
        self._headers: dict = {}  # (dtype, shape) -> the TensorProto's dtype and shape fields

    def event(self, wall_time: float, step: int, array: np.ndarray) -> bytes:
        if array.dtype == object or array.dtype.kind in "SU":
            tensor = encode(TENSOR, tensor_proto(array))
        else:
            key = (array.dtype, array.shape)
            header = self._headers.get(key)
            if header is None:
                header = self._headers[key] = encode(TENSOR, {**tensor_proto(array), "tensor_content": None})
            content = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes()
            tensor = header + _field(4, content) if content else header
        value = self._tag + _field(8, tensor) + self._metadata
        head = b"\x09" + struct.pack("<d", wall_time) + (b"\x10" + encode_varint(step) if step else b"")
        return head + _field(5, _field(1, value))


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (a string, bytes or a message)."""
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def graph_event(wall_time: float, step: int, graph_def: dict | bytes) -> bytes:
    """A graph for TensorBoard's graph view (`Event.graph_def`: a `GraphDef`, as a dict or serialized)."""
    if isinstance(graph_def, dict):
        graph_def = encode(GRAPH_DEF, graph_def)
    return encode(EVENT, {"wall_time": wall_time, "step": step, "graph_def": graph_def})
