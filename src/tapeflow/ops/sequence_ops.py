"""Batches of sequences of different lengths: `tf.sequence_mask` (which positions are inside each
sequence) and `tf.reverse_sequence` (reverse each sequence's first `length` entries; its own
gradient)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.ops.declare import tensor
from tapeflow.ops.reduce_ops import reduce_max

__all__ = ["reverse_sequence", "sequence_mask"]


def _mask_kernel(lengths, maxlen, dtype):
    return (np.arange(int(maxlen)) < np.asarray(lengths)[..., None]).astype(dtype)


def _mask_infer(lengths: Any, maxlen: Any, dtype: Any) -> list:
    """The mask's shape: `maxlen` columns when it is known while tracing, else unknown."""
    columns = None if isinstance(maxlen, AbstractValue) else int(maxlen)
    return [AbstractValue((*lengths.shape, columns), dtype)]


_mask_op = Op("SequenceMask", _mask_kernel, None, infer=_mask_infer)


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = dtypes.bool, name: str | None = None):
    """`tf.sequence_mask`: `mask[..., j] = j < lengths[...]`, with `maxlen` columns (by default the
    longest length)."""
    lengths = tensor(lengths)
    if lengths.dtype.kind not in ("int", "uint"):
        raise errors.InvalidArgumentError(None, None, f"lengths must be integers, got {lengths.dtype.name}")
    maxlen = reduce_max(lengths) if maxlen is None else tensor(maxlen)
    return bind(_mask_op, (lengths, maxlen), {"dtype": dtypes.as_dtype(dtype)._np})


def _reverse_kernel(x, lengths, seq_axis, batch_axis):
    out = x.copy()
    for b, n in enumerate(np.asarray(lengths)):
        if not 0 <= n <= x.shape[seq_axis]:
            raise errors.InvalidArgumentError(
                None, None, f"seq_lens({b}) > input.dims({seq_axis}) [Op:ReverseSequence]")
        index = [slice(None)] * x.ndim
        index[batch_axis], index[seq_axis] = b, slice(0, n)
        out[tuple(index)] = np.flip(x[tuple(index)], axis=seq_axis - (seq_axis > batch_axis))
    return out


_reverse_op = Op("ReverseSequence", _reverse_kernel, (
    lambda g, y, x, lengths, seq_axis, batch_axis: bind(_reverse_op, (g, lengths), {
        "seq_axis": seq_axis, "batch_axis": batch_axis}),
    None,
))


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: int | None = None,  # noqa: A002
                     batch_axis: int | None = None, name: str | None = None):
    """`tf.reverse_sequence`: along `batch_axis`, entry b has its first `seq_lengths[b]` elements along
    `seq_axis` reversed; the rest is unchanged."""
    x, lengths = tensor(input), tensor(seq_lengths)
    rank = x._value.ndim
    seq_axis, batch_axis = int(seq_axis or 0), int(batch_axis or 0)
    if not 0 <= seq_axis < rank or not 0 <= batch_axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"seq_dim must be < input rank ( {seq_axis} vs. {rank}) [Op:ReverseSequence]"
            if not 0 <= seq_axis < rank else f"batch_dim must be < input rank ( {batch_axis} vs. {rank}) "
                                             f"[Op:ReverseSequence]")
    if seq_axis == batch_axis:
        raise errors.InvalidArgumentError(
            None, None, f"batch_dim == seq_dim == {seq_axis} [Op:ReverseSequence]")
    if lengths._value.shape != (x._value.shape[batch_axis],):
        raise errors.InvalidArgumentError(
            None, None, f"Length of seq_lengths != input.dims({batch_axis}), ({lengths._value.shape[0]} vs. "
                        f"{x._value.shape[batch_axis]}) [Op:ReverseSequence]")
    return bind(_reverse_op, (x, lengths), {"seq_axis": seq_axis, "batch_axis": batch_axis})
