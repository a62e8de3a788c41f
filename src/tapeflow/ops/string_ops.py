"""String ops (`tf.strings`): kernels over NumPy object arrays of `bytes`, as string tensors hold them.

Each is an `Op` applied through `bind`, so string code runs eagerly, traced into compiled functions and
in dataset map functions alike. Most are elementwise (one Python call per string: NumPy has no byte
string kernels for object arrays); `split` and `bytes_split` of a scalar give a vector whose length
is known only when the code runs, and of a tensor of strings a `tf.RaggedTensor` (eagerly). Strings
have no gradients.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.formatting import format_for_print
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops.declare import mismatch_error
from tapeflow.ops.ragged_tensor import RaggedTensor

__all__ = ["as_string", "bytes_split", "format", "join", "length", "lower", "reduce_join", "regex_full_match",
           "regex_replace", "split", "strip", "substr", "to_number", "unicode_decode", "unicode_encode",
           "unicode_split", "unicode_transcode", "upper"]


def _strings(array: Any) -> np.ndarray:
    """A kernel's result of Python bytes as a string tensor's value (a 0-d object array for a scalar)."""
    if isinstance(array, np.ndarray):
        return array.astype(object, copy=False)
    out = np.empty((), object)
    out[()] = array
    return out


def _each(fn: Callable, *arrays: Any, otype: Any = object) -> Any:
    """`fn` applied to the elements of the (broadcast) arrays."""
    result = np.frompyfunc(fn, len(arrays), 1)(*arrays)
    return _strings(result) if otype is object else np.asarray(result, otype)[()]


def _by_examples(kernel: Callable) -> Callable:
    """An op's `infer` rule: its kernel run on stand-in strings (b"", which tracing's stand-in zeros are
    not) with unknown dimensions 1 and 2 long; a result dimension that differs is unknown."""
    def infer(*values: Any, **params: Any) -> list[AbstractValue]:
        runs = [np.asarray(kernel(*(v.example(n) if isinstance(v, AbstractValue) else v for v in values),
                                  **params)) for n in (1, 2)]
        shape = [a if a == b else None for a, b in zip(runs[0].shape, runs[1].shape)]
        return [AbstractValue(shape, runs[0].dtype)]

    return infer


def _op(name: str, kernel: Callable, infer: Callable | None = None) -> Op:
    """A string op: no gradient; results' shapes from `infer` or from the kernel run on stand-ins."""
    return Op(name, kernel, None, infer=infer or _by_examples(kernel))


def _string_input(x: Any, op: Op, index: int = 0) -> Any:
    x = convert_to_tensor(x, dtype_hint=dtypes.string)
    if x.dtype is not dtypes.string:
        raise mismatch_error(op, dtypes.string, index, x.dtype)
    return x


def _encoded(text: Any) -> bytes:
    if isinstance(text, TensorLike):
        text = text.numpy()
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def _unary(name: str, tf_name: str, fn: Callable, otype: Any = object, doc: str = "") -> Callable:
    """The public function of an elementwise string op whose settings are static parameters."""
    op = _op(tf_name, lambda x, **params: _each(lambda s: fn(s, **params), x, otype=otype))

    def apply(input: Any, name: str | None = None, **params: Any) -> Any:
        return bind(op, (_string_input(input, op),), params)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc
    apply.op = op
    return apply


def _case(upper: bool) -> Callable:
    def change(s: bytes, encoding: str = "") -> bytes:
        if encoding:  # TF: with an encoding, Unicode case mapping; without, ASCII letters only
            text = s.decode(encoding)
            return (text.upper() if upper else text.lower()).encode(encoding)
        return s.upper() if upper else s.lower()

    return change


_lower = _unary("lower", "StringLower", _case(False), doc="`tf.strings.lower`: ASCII letters to lower case.")
_upper = _unary("upper", "StringUpper", _case(True), doc="`tf.strings.upper`: ASCII letters to upper case.")
strip = _unary("strip", "StringStrip", lambda s: s.strip(b" \t\n\v\f\r"),
               doc="`tf.strings.strip`: leading and trailing whitespace removed.")


def lower(input: Any, encoding: str = "", name: str | None = None) -> Any:
    return _lower(input, encoding=encoding)


def upper(input: Any, encoding: str = "", name: str | None = None) -> Any:
    return _upper(input, encoding=encoding)


def _length(s: bytes, unit: str) -> int:
    return len(s) if unit == "BYTE" else len(s.decode("utf-8", "replace"))


_length_op = _unary("length", "StringLength", _length, np.int32)


def length(input: Any, unit: str = "BYTE", name: str | None = None) -> Any:
    """`tf.strings.length`: int32 lengths in bytes, or in characters with `unit="UTF8_CHAR"`."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be one of ['BYTE', 'UTF8_CHAR'], got {unit!r}")
    return _length_op(input, unit=unit)


def _regex(pattern: Any) -> re.Pattern:
    return re.compile(_encoded(pattern), re.DOTALL)


def regex_full_match(input: Any, pattern: Any, name: str | None = None) -> Any:
    """`tf.strings.regex_full_match`: whether each string matches `pattern` entirely (Python's `re`
    standing for RE2: the syntax both share)."""
    compiled = _regex(pattern)
    return _full_match(input, compiled=compiled)


_full_match = _unary("regex_full_match", "StaticRegexFullMatch",
                     lambda s, compiled: compiled.fullmatch(s) is not None, np.bool_)


def regex_replace(input: Any, pattern: Any, rewrite: Any, replace_global: bool = True,
                  name: str | None = None) -> Any:
    """`tf.strings.regex_replace`: matches of `pattern` replaced by `rewrite` (`\\1` a group)."""
    count = 0 if replace_global else 1
    return _replace(input, compiled=_regex(pattern), rewrite=_encoded(rewrite), count=count)


_replace = _unary("regex_replace", "StaticRegexReplace",
                  lambda s, compiled, rewrite, count: compiled.sub(rewrite, s, count=count))


def _number(s: bytes, out_type: Any) -> Any:
    try:
        text = s.decode("ascii").strip()
        return int(text) if out_type.kind != "f" else float(text)
    except (UnicodeDecodeError, ValueError):
        raise errors.InvalidArgumentError(None, None, f"StringToNumberOp could not correctly convert string: "
                                          f"{s.decode('utf-8', 'replace')} [Op:StringToNumber]") from None


_to_number = _op("StringToNumber",
                 lambda x, out_type: _each(lambda s: _number(s, out_type), x, otype=out_type),
                 lambda x, out_type: [AbstractValue(np.shape(x), out_type)])


def to_number(string_tensor: Any, out_type: Any = dtypes.float32, name: str | None = None) -> Any:
    """`tf.strings.to_number`: each string parsed as a number of `out_type` (float32 by default)."""
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'out_type' has DataType {out_type.name} not in list "
                        f"of allowed "
                        f"values: float32, float64, int32, int64")
    return bind(_to_number, (_string_input(string_tensor, _to_number),), {"out_type": out_type._np})


def _as_text(value: Any, kind: str, spec: str, width: int, fill: str) -> bytes:
    if kind == "b":
        text = "true" if value else "false"
    elif kind == "c":
        text = f"({builtins.format(value.real, spec)},{builtins.format(value.imag, spec)})"
    else:
        text = builtins.format(value, spec)  # (`format` here is tf.strings.format)
    if width > len(text):
        if fill == "0" and text[:1] == "-":
            text = "-" + text[1:].rjust(width - 1, "0")
        else:
            text = text.rjust(width, fill or " ")
    return text.encode()


def _as_string_kernel(x: Any, spec: str, width: int, fill: str) -> np.ndarray:
    kind = np.asarray(x).dtype.kind
    return _each(lambda v: _as_text(v, kind, spec, width, fill), x)


_as_string_op = _op("AsString", _as_string_kernel)


def as_string(input: Any, precision: int = -1, scientific: bool = False, shortest: bool = False,
              width: int = -1, fill: str = "", name: str | None = None) -> Any:
    """`tf.strings.as_string`: numbers and bools as text, C's `%f`/`%e`/`%g` and `%d` formats."""
    x = convert_to_tensor(input)
    if x.dtype is dtypes.string:
        raise mismatch_error(_as_string_op, dtypes.float32, 0, x.dtype)
    if scientific and shortest:
        raise errors.InvalidArgumentError(None, None, "Cannot select both scientific and shortest notation "
                                          "[Op:AsString]")
    if len(fill) > 1:
        raise errors.InvalidArgumentError(None, None, f"Fill string must be one or fewer characters: {fill} "
                                          f"[Op:AsString]")
    if x.dtype.kind in ("float", "complex"):
        letter = "e" if scientific else "g" if shortest else "f"
        spec = f".{precision}{letter}" if precision >= 0 else letter
    else:
        spec = "d" if x.dtype.kind in ("int", "uint") else ""
    return bind(_as_string_op, (x,), {"spec": spec, "width": width, "fill": fill})


def _join_kernel(*xs: Any, separator: bytes) -> np.ndarray:
    return _each(lambda *parts: separator.join(parts), *xs)


def join(inputs: Any, separator: str = "", name: str | None = None) -> Any:
    """`tf.strings.join`: the strings of `inputs` (broadcast together) joined elementwise."""
    inputs = list(inputs)
    op = _STRING_JOIN
    tensors = tuple(_string_input(x, op, i) for i, x in enumerate(inputs))
    return bind(op, tensors, {"separator": _encoded(separator)})


def _reduce_join_kernel(x: Any, axis: tuple | None, keepdims: bool, separator: bytes) -> np.ndarray:
    x = np.asarray(x, object)
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, kept + list(axes)).reshape([x.shape[a] for a in kept] + [-1])
    out = np.empty(moved.shape[:-1], object)
    for index in np.ndindex(out.shape):
        out[index] = separator.join(moved[index])
    if keepdims:
        out = out.reshape([1 if a in axes else n for a, n in enumerate(x.shape)])
    return _strings(out)


_reduce_join = _op("ReduceJoin", _reduce_join_kernel)


def reduce_join(inputs: Any, axis: Any = None, keepdims: bool = False, separator: str = "",
                name: str | None = None) -> Any:
    """`tf.strings.reduce_join`: strings joined along `axis` (all axes by default)."""
    x = _string_input(inputs, _reduce_join)
    if axis is not None:
        axis = tuple(int(a) for a in np.atleast_1d(np.asarray(axis)))
        for a in axis:
            if not -x.ndim <= a < max(x.ndim, 1):
                raise errors.InvalidArgumentError(None, None, f"Invalid reduction dimension {a} for input "
                                                              f"with "
                                                  f"{x.ndim} dimensions. [Op:ReduceJoin]")
    params = {"axis": axis, "keepdims": bool(keepdims), "separator": _encoded(separator)}
    return bind(_reduce_join, (x,), params)


def _substr_kernel(x: Any, pos: Any, size: Any, unit: str) -> np.ndarray:
    strings, positions, sizes = np.broadcast_arrays(np.asarray(x, object), np.asarray(pos), np.asarray(size))
    out = np.empty(strings.shape, object)
    for flat, index in enumerate(np.ndindex(strings.shape)):
        s = strings[index]
        units = s.decode("utf-8") if unit == "UTF8_CHAR" else s
        p, n = int(positions[index]), int(sizes[index])
        if not -len(units) <= p <= len(units):
            raise errors.InvalidArgumentError(None, None, f"pos {p} out of range for string {s!r} at "
                                                          f"index {flat} "
                                              f"[Op:Substr]")
        p = p + len(units) if p < 0 else p
        piece = units[p:p + max(n, 0)]
        out[index] = piece.encode("utf-8") if unit == "UTF8_CHAR" else piece
    return _strings(out)


_substr = _op("Substr", _substr_kernel)


def substr(input: Any, pos: Any, len: Any, unit: str = "BYTE", name: str | None = None) -> Any:  # noqa: A002
    """`tf.strings.substr`: `len` bytes (or characters) from `pos` (negative: from the end)."""
    x = _string_input(input, _substr)
    pos, size = convert_to_tensor(pos), convert_to_tensor(len)
    return bind(_substr, (x, pos, size), {"unit": unit})


def _format_kernel(*values: Any, template: str, placeholder: str, summarize: int) -> np.ndarray:
    pieces = template.split(placeholder)
    text = pieces[0]
    for value, piece in zip(values, pieces[1:]):
        text += format_for_print(value, summarize, quote_strings=True) + piece
    return _strings(text.encode("utf-8"))


def format(template: str, inputs: Any, placeholder: str = "{}", summarize: int = 3,  # noqa: A001
           name: str | None = None) -> Any:
    """`tf.strings.format`: `template` with each placeholder replaced by a tensor as `tf.print` shows it."""
    values = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    if template.count(placeholder) != len(values):
        raise ValueError(f"The template expects {template.count(placeholder)} tensors, but the inputs "
                         f"only has "
                         f"{len(values)}. Please ensure the template and inputs have the same number of "
                         f"placeholders and tensors.")
    tensors = tuple(convert_to_tensor(v) for v in values)
    return bind(_STRING_FORMAT, tensors,
                {"template": template, "placeholder": placeholder, "summarize": summarize})


def _vector_of_pieces(pieces: list) -> np.ndarray:
    out = np.empty(len(pieces), object)
    out[:] = pieces
    return out


def _split_kernel(x: Any, sep: bytes | None, maxsplit: int) -> np.ndarray:
    s = np.asarray(x, object)[()]
    pieces = s.split(sep, maxsplit) if sep else s.split(None, maxsplit)
    return _vector_of_pieces(pieces)


_split = _op("StringSplitV2", _split_kernel, lambda x, **params: [AbstractValue((None,), object)])
_bytes_split = _op("BytesSplit", lambda x: _vector_of_pieces([bytes([b]) for b in np.asarray(x, object)[()]]),
                   lambda x: [AbstractValue((None,), object)])


def _rows_kernel(x: Any, piece: Callable, **params: Any) -> tuple:
    """`piece` (one string -> a vector) on each string of a vector: (all pieces, row splits)."""
    rows = [piece(np.asarray(s, object), **params) for s in np.asarray(x, object).reshape(-1)]
    flat = np.concatenate(rows) if rows else piece(np.asarray(b"", object), **params)[:0]
    return flat, np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)


def _rows_infer(x: Any, piece: Callable, **params: Any) -> list:
    n = x.shape[0]
    return [AbstractValue((None,), piece(np.asarray(b"", object), **params).dtype),
            AbstractValue((None if n is None else n + 1,), np.int64)]


_ROWS = Op("RaggedStringPieces", _rows_kernel, None, multiple_results=True, infer=_rows_infer)


def _pieces(x: Any, op: Op, params: dict, what: str) -> Any:
    """`op` (one string -> a vector) on a scalar, or on each string of a tensor: a ragged tensor with
    a row per string (and uniform row partitions for the leading dimensions), as TensorFlow's —
    traced too (the pieces and the row splits are two results of one op)."""
    if not x.ndim:
        return bind(op, (x,), params)
    from tapeflow.ops.array_ops import reshape  # (array_ops imports this module's dtype checks)

    leading = x.shape.as_list()[1:]
    if None in leading:
        raise NotImplementedError(f"tf.strings.{what} of a traced tensor of strings with unknown inner "
                                  f"dimensions {x.shape}.")
    flat, splits = bind(_ROWS, (reshape(x, [-1]) if x.ndim > 1 else x,), {"piece": op.kernel, **params})
    result = RaggedTensor.from_row_splits(flat, splits, validate=False)
    rows = x.shape.as_list()
    for depth in reversed(range(1, len(rows))):  # the leading dimensions: rows of equal length
        count = None if None in rows[:depth] else int(np.prod(rows[:depth]))
        if count is None:
            raise NotImplementedError(f"tf.strings.{what} of a traced tensor of strings of unknown "
                                      f"leading dimensions {x.shape}.")
        result = RaggedTensor(result, Tensor(np.arange(count + 1, dtype=np.int64) * rows[depth]))
    return result


def _decode_kernel(x: Any, encoding: str, errors_: str, replacement: int) -> np.ndarray:
    s = np.asarray(x, object)[()]
    try:
        text = s.decode(encoding, "strict" if errors_ == "strict" else errors_)
    except UnicodeDecodeError:
        raise errors.InvalidArgumentError(None, None, "Invalid formatting on input string "
                                                      "[Op:UnicodeDecode]") from None
    points = np.array([ord(c) for c in text], np.int32)
    if errors_ == "replace" and replacement != 0xFFFD:
        points[points == 0xFFFD] = replacement
    return points


_decode = _op("UnicodeDecode", _decode_kernel, lambda x, **params: [AbstractValue((None,), np.int32)])


def unicode_decode(input: Any, input_encoding: str, errors: str = "replace", replacement_char: int = 65533,
                   replace_control_characters: bool = False, name: str | None = None) -> Any:
    """`tf.strings.unicode_decode`: the code points (int32) of each string: a vector for one string,
    a ragged tensor for a tensor of them. Invalid bytes are `replacement_char` ("replace"), dropped
    ("ignore"), or TensorFlow's error ("strict")."""
    if errors not in ("replace", "ignore", "strict"):
        raise ValueError(f"errors must be one of 'replace', 'ignore', 'strict', got {errors!r}")
    params = {"encoding": input_encoding, "errors_": errors, "replacement": int(replacement_char)}
    return _pieces(_string_input(input, _decode), _decode, params, "unicode_decode")


def _encode_text(points: Any, encoding: str, errors_: str, replacement: int) -> bytes:
    chars = []
    for p in np.asarray(points).tolist():
        if 0 <= p <= 0x10FFFF and not 0xD800 <= p <= 0xDFFF:
            chars.append(chr(p))
        elif errors_ == "replace":
            chars.append(chr(replacement))
        elif errors_ == "strict":
            raise errors.InvalidArgumentError(None, None, f"Code point is out of range for Unicode, or a "
                                                          f"noncharacter: "
                                              f"{p} [Op:UnicodeEncode]")
    return "".join(chars).encode(encoding)


def _encode_kernel(x: Any, encoding: str, errors_: str, replacement: int) -> np.ndarray:
    x = np.asarray(x)
    out = np.empty(x.shape[:-1], object)
    for index in np.ndindex(out.shape):
        out[index] = _encode_text(x[index], encoding, errors_, replacement)
    return _strings(out)


_encode = _op("UnicodeEncode", _encode_kernel,
              lambda x, **params: [AbstractValue(np.shape(x)[:-1], object)])


def unicode_encode(input: Any, output_encoding: str, errors: str = "replace", replacement_char: int = 65533,
                   name: str | None = None) -> Any:
    """`tf.strings.unicode_encode`: int32 code points along the last axis (or the rows of a ragged
    tensor) encoded as strings."""
    params = {"encoding": output_encoding, "errors_": errors, "replacement": int(replacement_char)}
    if isinstance(input, RaggedTensor):
        if input.ragged_rank != 1:
            raise NotImplementedError("unicode_encode of a ragged tensor of ragged rank above 1.")
        rows = [_encode_text(row, **params) for row in input._rows()]
        out = np.empty(len(rows), object)
        out[:] = rows
        return Tensor(out)
    x = convert_to_tensor(input, dtype=dtypes.int32)
    if not x.ndim:
        raise ValueError("unicode_encode needs a vector (or more) of code points.")
    return bind(_encode, (x,), params)


def _characters_kernel(x: Any, encoding: str, errors_: str, replacement: int) -> np.ndarray:
    points = _decode_kernel(x, encoding, errors_, replacement).tolist()
    return _vector_of_pieces([_encode_text([p], encoding, "replace", replacement) for p in points])


_characters = _op("UnicodeSplit", _characters_kernel, lambda x, **params: [AbstractValue((None,), object)])


def unicode_split(input: Any, input_encoding: str, errors: str = "replace", replacement_char: int = 65533,
                  name: str | None = None) -> Any:
    """`tf.strings.unicode_split`: the characters of each string, each encoded as the input is (a vector
    for one string, a ragged tensor for a tensor of them)."""
    params = {"encoding": input_encoding, "errors_": errors, "replacement": int(replacement_char)}
    return _pieces(_string_input(input, _characters), _characters, params, "unicode_split")


def _transcode(s: bytes, input_encoding: str, output_encoding: str, errors_: str, replacement: int) -> bytes:
    points = _decode_kernel(np.asarray(s, object), input_encoding, errors_, replacement)
    return _encode_text(points, output_encoding, errors_, replacement)


_transcode_op = _unary("unicode_transcode", "UnicodeTranscode", _transcode)


def unicode_transcode(input: Any, input_encoding: str, output_encoding: str, errors: str = "replace",
                      replacement_char: int = 65533, replace_control_characters: bool = False,
                      name: str | None = None) -> Any:
    """`tf.strings.unicode_transcode`: each string decoded from one encoding and encoded in another."""
    return _transcode_op(input, input_encoding=input_encoding, output_encoding=output_encoding,
                         errors_=errors, replacement=int(replacement_char))


def split(input: Any, sep: Any = None, maxsplit: int = -1, name: str | None = None) -> Any:
    """`tf.strings.split`: the pieces of each string (on runs of whitespace, or on `sep`): a vector for
    one string, a `tf.RaggedTensor` for a tensor of them."""
    params = {"sep": None if sep is None else _encoded(sep), "maxsplit": int(maxsplit)}
    return _pieces(_string_input(input, _split), _split, params, "split")


def bytes_split(input: Any, name: str | None = None) -> Any:
    """`tf.strings.bytes_split`: the bytes of each string (a vector, or a ragged tensor)."""
    return _pieces(_string_input(input, _bytes_split), _bytes_split, {}, "bytes_split")


_STRING_JOIN = Op("StringJoin", _join_kernel, variadic=True, infer=_by_examples(_join_kernel))
_STRING_FORMAT = Op("StringFormat", _format_kernel, variadic=True,
                    infer=lambda *values, **params: [AbstractValue((), object)])
