"""A minimal protobuf wire-format codec for the few messages a TensorFlow checkpoint holds.

Checkpoints carry a handful of small messages (the bundle header and entries, the object graph);
a hand-written encoder and decoder for them keeps the core free of the `protobuf` dependency.
Messages are described by plain field tables, not generated classes: decoding returns a dict of
field name -> value (repeated fields as lists, sub-messages as dicts), encoding takes the same.
Encoding follows proto3 as TensorFlow's C++ serializer does: fields in number order, zero scalars
omitted, repeated integers packed; unknown fields are skipped when decoding.
"""

from __future__ import annotations

import struct
from typing import Any

# Field kinds: varint integer, signed varint (int64 as two's complement), fixed32, double,
# bytes/string, bool, or a nested message given by its field table.
VARINT, FIXED32, DOUBLE, BYTES, BOOL = "varint", "fixed32", "double", "bytes", "bool"


class Field:
    """One field of a message: its number, name, kind (a kind above or a nested message's table),
    whether it repeats, and whether a zero value is written anyway (TensorFlow always writes a
    `shape`, even an empty one)."""

    __slots__ = ("number", "name", "kind", "repeated", "always")

    def __init__(self, number: int, name: str, kind: Any, repeated: bool = False, always: bool = False):
        self.number, self.name, self.kind, self.repeated, self.always = number, name, kind, repeated, always


def message(*fields: Field) -> dict[int, Field]:
    """A message type: its fields by number."""
    return {f.number: f for f in fields}


class DecodeError(ValueError):
    """The bytes are not a valid encoding of the message."""


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """The varint at `pos` and the position after it."""
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise DecodeError("truncated or overlong varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def encode(fields: dict[int, Field], values: dict) -> bytes:
    """The wire encoding of `values` (a dict by field name) as the message `fields`."""
    out = bytearray()
    for number in sorted(fields):
        field = fields[number]
        value = values.get(field.name)
        if value is None:
            continue
        items = value if field.repeated else [value]
        if field.repeated and field.kind in (VARINT, BOOL) and items:  # packed
            payload = b"".join(encode_varint(int(v)) for v in items)
            out += encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload
            continue
        for item in items:
            out += _encode_one(field, item)
    return bytes(out)


def _encode_one(field: Field, value: Any) -> bytes:
    kind, number = field.kind, field.number
    if kind in (VARINT, BOOL):
        if not value and not field.repeated and not field.always:
            return b""
        return encode_varint(number << 3) + encode_varint(int(value))
    if kind in (FIXED32, DOUBLE):
        if not value and not field.always:
            return b""
        if kind == FIXED32:
            return encode_varint(number << 3 | 5) + struct.pack("<I", value)
        return encode_varint(number << 3 | 1) + struct.pack("<d", value)
    payload = value.encode() if isinstance(value, str) else value if kind == BYTES else encode(kind, value)
    if not payload and kind == BYTES and not field.repeated and not field.always:
        return b""
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def decode(fields: dict[int, Field], data: bytes | memoryview) -> dict:
    """The message `fields` decoded from `data`: a dict by field name (absent scalars are omitted,
    repeated fields default to empty lists)."""
    result: dict = {f.name: [] for f in fields.values() if f.repeated}
    pos, end = 0, len(data)
    while pos < end:
        key, pos = decode_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            raw, pos = decode_varint(data, pos)
        elif wire == 1:
            raw, pos = bytes(data[pos:pos + 8]), pos + 8
        elif wire == 5:
            raw, pos = bytes(data[pos:pos + 4]), pos + 4
        elif wire == 2:
            size, pos = decode_varint(data, pos)
            raw, pos = data[pos:pos + size], pos + size
        else:
            raise DecodeError(f"unsupported wire type {wire}")
        if pos > end:
            raise DecodeError("truncated message")
        field = fields.get(number)
        if field is None:
            continue
        if field.repeated and field.kind in (VARINT, BOOL) and wire == 2:  # packed
            values, p = [], 0
            while p < len(raw):
                v, p = decode_varint(raw, p)
                values.append(_signed(v))
            result[field.name].extend(values)
            continue
        value = _decode_one(field, wire, raw)
        if field.repeated:
            result[field.name].append(value)
        else:
            result[field.name] = value
    return result


def _decode_one(field: Field, wire: int, raw: Any) -> Any:
    kind = field.kind
    expected = {VARINT: 0, BOOL: 0, FIXED32: 5, DOUBLE: 1}.get(kind, 2) if isinstance(kind, str) else 2
    if wire != expected:
        raise DecodeError(f"field {field.name} has wire type {wire}, expected {expected}")
    if kind == VARINT:
        return _signed(raw)
    if kind == BOOL:
        return bool(raw)
    if kind == FIXED32:
        return struct.unpack("<I", raw)[0]
    if kind == DOUBLE:
        return struct.unpack("<d", raw)[0]
    if kind == BYTES:
        return bytes(raw)
    return decode(kind, raw)
