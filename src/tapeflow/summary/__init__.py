"""`tf.summary`: write what a program computes to event files that TensorBoard shows (scalars,
histograms, images, text, audio, graphs), as TensorFlow writes them. Writing needs no TensorBoard."""

from types import SimpleNamespace

from tapeflow.summary.graph_export import graph, trace_export, trace_off, trace_on
from tapeflow.summary.ops import audio, histogram, image, scalar, should_record_summaries, text, write
from tapeflow.summary.scope import summary_scope
from tapeflow.summary.writer import (
    SummaryWriter,
    create_file_writer,
    create_noop_writer,
    flush,
    get_step,
    record_if,
    set_step,
)

# tf.summary.experimental
experimental = SimpleNamespace(set_step=set_step, get_step=get_step, summary_scope=summary_scope)

__all__ = ["SummaryWriter", "audio", "create_file_writer", "create_noop_writer", "experimental", "flush",
           "graph", "histogram", "image", "record_if", "scalar", "should_record_summaries", "text",
           "trace_export", "trace_off", "trace_on", "write"]
