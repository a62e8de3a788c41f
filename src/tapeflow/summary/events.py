"""Event records as TensorFlow's summary writer writes them: the file's first event (its version),
then one event per summary, holding a tensor and the metadata that names the TensorBoard plugin
which shows it. Numbers travel as `tensor_content` (raw little-endian bytes), strings as `string_val`,
as TensorFlow's C++ writer does (TensorBoard decodes both)."""

from __future__ import annotations

import numpy as np

from tapeflow.summary.messages import EVENT, GRAPH_DEF, SUMMARY_METADATA
from tapeflow.train.bundle import DT_STRING, dtype_enum
from tapeflow.train.proto import encode

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


def plugin_metadata(plugin: str | None, description: str | None = None) -> bytes:
    """A serialized `SummaryMetadata` naming the TensorBoard plugin that shows a summary (scalars,
    histograms, images, text: their plugin data is an empty message, version 0)."""
    metadata: dict = {"summary_description": description}
    if plugin:
        metadata["plugin_data"] = {"plugin_name": plugin}
    return encode(SUMMARY_METADATA, metadata)


def summary_event(wall_time: float, step: int, tag: str, array: np.ndarray, metadata: bytes) -> bytes:
    """One tensor summary: its tag, value and serialized metadata."""
    value = {"tag": tag, "tensor": tensor_proto(array), "metadata": metadata}
    return encode(EVENT, {"wall_time": wall_time, "step": step, "summary": {"value": [value]}})


def graph_event(wall_time: float, step: int, graph_def: dict) -> bytes:
    """A graph for TensorBoard's graph view (`Event.graph_def`, a serialized `GraphDef`)."""
    return encode(EVENT, {"wall_time": wall_time, "step": step, "graph_def": encode(GRAPH_DEF, graph_def)})
