"""The summary ops: `tf.summary.write` and the scalar, histogram, image, text and audio summaries on it.

A write is an op with the SUMMARY effect: run eagerly it writes at once; traced in a `tf.function` it
is an equation that writes on every call, in program order, with that call's step and values (the
step may be a tensor or a variable, read when the code runs), and it is not repeated when control
flow is rerun for a gradient. The writer and the record_if conditions that are Python values are
settled when the op is made (TensorFlow's are too, when a function is traced); a condition that is a
tensor travels as an input and is checked when the op runs. What a summary stores (float32 for a
scalar, histogram buckets, PNG images) is computed by the op's kernel from the values, only when it
writes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.core.op import SUMMARY, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import cast
from tapeflow.summary.events import SummaryEncoder, plugin_metadata
from tapeflow.summary.histogram import buckets as histogram_buckets
from tapeflow.summary.messages import AUDIO_PLUGIN_DATA
from tapeflow.summary.png import encode_png
from tapeflow.summary.scope import summary_tag
from tapeflow.summary.wav import encode_wav
from tapeflow.summary.writer import STATE, SummaryWriter
from tapeflow.train.proto import encode

_NO_STEP = ("No step set. Please specify one either through the `step` argument or through "
            "tf.summary.experimental.set_step()")


def _write_kernel(step, data, *condition, writer: SummaryWriter, encoder: SummaryEncoder,
                  prepare: Callable | None):
    if condition and not condition[0]:
        return np.False_
    array = prepare(data) if prepare is not None else np.asarray(data)
    writer.add(encoder.event(time.time(), int(step), array))
    return np.True_


_write_op = Op("WriteSummary", _write_kernel, effect=SUMMARY,
               infer=lambda *values, **params: [AbstractValue((), np.dtype(bool))])


def _condition() -> bool | Tensor:
    """Whether to record, from the innermost record_if condition (it replaces those outside it, as in
    TensorFlow): a Python bool, or a bool tensor."""
    if not STATE.conditions:
        return True
    condition = STATE.conditions[-1]
    value = condition() if callable(condition) else condition
    if type(value) is Tensor:  # a value already: settled now
        return bool(value)
    return tensor(value) if isinstance(value, TensorLike) else bool(value)


def should_record_summaries() -> Tensor:
    """`tf.summary.should_record_summaries`: whether summaries written here would be recorded (a
    default writer is set and the innermost record_if condition holds)."""
    if STATE.writer is None:
        return tensor(False)
    condition = _condition()
    return condition if isinstance(condition, TensorLike) else tensor(condition)


def write(tag: str, tensor: Any, step: Any = None, metadata: Any = None, name: str | None = None) -> Tensor:
    """`tf.summary.write`: write `tensor` (or what a callable returns, called only when recording)
    under `tag` at `step` to the default writer; True if it wrote. `metadata`: a `SummaryMetadata`
    (serialized, or anything with `SerializeToString`) or None."""
    if hasattr(metadata, "SerializeToString"):
        metadata = metadata.SerializeToString()
    return _record(tag, tensor, step, metadata or b"", None)


def _record(tag: str, value: Any, step: Any, metadata: bytes, prepare: Callable | None) -> Tensor:
    """The write op for `value` at `step`, if a writer and the conditions say to record; `prepare`
    turns the value into what is stored, when it is written."""
    writer = STATE.writer
    condition = _condition() if writer is not None else False
    if condition is False:
        return tensor(False)
    step = STATE.step if step is None else step
    if step is None:
        raise ValueError(_NO_STEP)
    inputs = (cast(tensor(step), "int64"), tensor(value() if callable(value) else value))
    if condition is not True:
        inputs += (condition,)
    params = {"writer": writer, "encoder": SummaryEncoder(tag, metadata), "prepare": prepare}
    return bind(_write_op, inputs, params)


def scalar(name: str, data: Any, step: Any = None, description: str | None = None) -> Tensor:
    """`tf.summary.scalar`: a number for TensorBoard's scalars dashboard, stored as float32."""
    data = tensor(data)
    if data.shape.rank not in (0, None):
        raise ValueError(f"Expected scalar shape, saw shape: {tuple(data.shape)}.")
    return _record(summary_tag(name), data, step, plugin_metadata("scalars", description),
                   functools.partial(np.asarray, dtype=np.float32))


def histogram(name: str, data: Any, step: Any = None, buckets: int | None = None,
              description: str | None = None) -> Tensor:
    """`tf.summary.histogram`: the distribution of `data`'s elements in `buckets` buckets (30)."""
    return _record(summary_tag(name), data, step, plugin_metadata("histograms", description),
                   functools.partial(histogram_buckets, bucket_count=buckets))


def _to_uint8(images: np.ndarray) -> np.ndarray:
    """`tf.image.convert_image_dtype(images, tf.uint8, saturate=True)`."""
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind == "f":
        return np.clip(images * images.dtype.type(255.5), 0, 255).astype(np.uint8)  # in its own precision
    if images.dtype == np.bool_:
        return images.astype(np.uint8) * 255
    scale = (int(np.iinfo(images.dtype).max) + 1) // 256
    return np.clip(images.astype(np.int64) // scale, 0, 255).astype(np.uint8)


def _images(data: np.ndarray, max_outputs: int) -> np.ndarray:
    """Width, height, then each of the first `max_outputs` images as PNG: what TensorBoard reads."""
    images = _to_uint8(np.asarray(data))
    encoded = [encode_png(image) for image in images[:max_outputs]]
    return np.array([str(images.shape[2]).encode(), str(images.shape[1]).encode(), *encoded], object)


def image(name: str, data: Any, step: Any = None, max_outputs: int = 3,
          description: str | None = None) -> Tensor:
    """`tf.summary.image`: images [k, height, width, channels] (1 to 4 channels; floats in [0, 1]),
    the first `max_outputs` of them, PNG encoded."""
    data = tensor(data)
    if data.shape.rank is not None and data.shape.rank != 4:
        raise ValueError(
            f"Tensor  must have rank 4.  Received rank {data.shape.rank}, shape {tuple(data.shape)}")
    if max_outputs < 0:
        raise errors.InvalidArgumentError(None, None, "max_outputs must be non-negative")
    return _record(summary_tag(name), data, step, plugin_metadata("images", description),
                   functools.partial(_images, max_outputs=int(max_outputs)))


def text(name: str, data: Any, step: Any = None, description: str | None = None) -> Tensor:
    """`tf.summary.text`: strings (Markdown) for TensorBoard's text dashboard."""
    data = tensor(data)
    if data.dtype.name != "string":
        raise TypeError(f"tensor must be of type tf.string; got tf.{data.dtype.name}")
    return _record(summary_tag(name), data, step, plugin_metadata("text", description), None)


def _audio(data: np.ndarray, sample_rate: int, max_outputs: int) -> np.ndarray:
    """Each of the first `max_outputs` clips as WAV, beside an empty label: TensorBoard's [k, 2]."""
    clips = [encode_wav(clip, sample_rate) for clip in np.asarray(data)[:max_outputs]]
    return np.array([[clip, b""] for clip in clips], object).reshape(len(clips), 2)


_WAV = 11  # AudioPluginData.Encoding.WAV


def audio(name: str, data: Any, sample_rate: Any, step: Any = None, max_outputs: int = 3,
          encoding: str | None = None, description: str | None = None) -> Tensor:
    """`tf.summary.audio`: clips [k, frames, channels] of float samples in [-1, 1], the first
    `max_outputs` of them, as 16-bit WAV at `sample_rate` (a number, known when the summary is made)."""
    if encoding not in (None, "wav"):
        raise ValueError(f"Unknown encoding: {encoding!r}")
    data = cast(tensor(data), "float32")
    if data.shape.rank is not None and data.shape.rank != 3:
        raise ValueError(
            f"Tensor  must have rank 3.  Received rank {data.shape.rank}, shape {tuple(data.shape)}")
    content = encode(AUDIO_PLUGIN_DATA, {"encoding": _WAV})
    return _record(summary_tag(name), data, step, plugin_metadata("audio", description, content),
                   functools.partial(_audio, sample_rate=int(sample_rate), max_outputs=int(max_outputs)))
