"""`tf.train.Example` and its parts, read and written in protobuf's wire format by hand: the few
messages TFRecord files of examples hold, without a protobuf dependency.

    Example { Features features = 1; }            Features { map<string, Feature> feature = 1; }
    Feature { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
    BytesList { repeated bytes value = 1; }       FloatList { repeated float value = 1 [packed]; }
    Int64List { repeated int64 value = 1 [packed]; }

Messages are written as protobuf writes them (lists packed, map entries in insertion order) and
read whether packed or not; `str()` is protobuf's text format, as `print(example)` shows it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

# ---- the wire format --------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s are ten bytes, two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if at >= len(data):
            raise ValueError("Truncated message.")
        byte = data[at]
        result |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return result, at
        shift += 7


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of each field: an int for varints, bytes otherwise."""
    at = 0
    while at < len(data):
        key, at = _read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _read_varint(data, at)
        elif wire == 2:
            size, at = _read_varint(data, at)
            value, at = data[at:at + size], at + size
            if at > len(data):
                raise ValueError("Truncated message.")
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        else:
            raise ValueError(f"Unsupported wire type {wire}.")
        yield number, wire, value


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


# ---- text format ------------------------------------------------------------------------------


def _quoted(value: bytes) -> str:
    """Protobuf's C-escaped string: printable ASCII as is, other bytes in octal."""
    escapes = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"', ord("'"): "\\'",
               ord("\\"): "\\\\"}
    return '"' + "".join(escapes.get(b, chr(b) if 32 <= b < 127 else f"\\{b:03o}") for b in value) + '"'


def _block(name: str, body: str, indent: str) -> str:
    inner = "".join(f"  {line}\n" for line in body.splitlines())
    return f"{indent}{name} {{\n{inner}{indent}}}\n"


# ---- the messages -----------------------------------------------------------------------------


class _Message:
    """Shared by the messages: equality by value (maps in any order), `SerializeToString`,
    `FromString`, text format."""

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    __hash__ = None

    def SerializeToString(self, deterministic: bool = False) -> bytes:  # noqa: N802 - protobuf's name
        return self._serialize()

    @classmethod
    def FromString(cls, data: bytes) -> _Message:  # noqa: N802 - protobuf's name
        message = cls()
        message.ParseFromString(data)
        return message

    def ParseFromString(self, data: bytes) -> int:  # noqa: N802 - protobuf's name
        self._parse(bytes(data))
        return len(data)

    def ByteSize(self) -> int:  # noqa: N802 - protobuf's name
        return len(self._serialize())

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return self._text()


class _ValueList(_Message):
    """A list of values in field 1 (`value`)."""

    def __init__(self, value: Any = ()):
        self.value = list(value)

    def _text(self) -> str:
        return "".join(f"value: {self._format(v)}\n" for v in self.value)

    def _key(self) -> tuple:
        return tuple(self.value)


class BytesList(_ValueList):
    """`tf.train.BytesList`."""

    def __init__(self, value: Any = ()):
        super().__init__(v.encode() if isinstance(v, str) else bytes(v) for v in value)

    def _serialize(self) -> bytes:
        return b"".join(_field(1, v) for v in self.value)

    def _parse(self, data: bytes) -> None:
        self.value = [v for number, _, v in _fields(data) if number == 1]

    _format = staticmethod(_quoted)


class FloatList(_ValueList):
    """`tf.train.FloatList` (float32 values)."""

    def __init__(self, value: Any = ()):
        super().__init__(float(np.float32(v)) for v in value)

    def _serialize(self) -> bytes:
        return _field(1, struct.pack(f"<{len(self.value)}f", *self.value)) if self.value else b""

    def _parse(self, data: bytes) -> None:
        values: list = []
        for number, wire, v in _fields(data):
            if number == 1:
                values += struct.unpack(f"<{len(v) // 4}f", v) if wire == 2 else struct.unpack("<f", v)
        self.value = values

    @staticmethod
    def _format(value: float) -> str:
        """The shortest text that reads back as the float32 value, whole numbers with no ".0"."""
        return str(np.float32(value)).removesuffix(".0")


class Int64List(_ValueList):
    """`tf.train.Int64List`."""

    def __init__(self, value: Any = ()):
        super().__init__(int(v) for v in value)

    def _serialize(self) -> bytes:
        return _field(1, b"".join(_varint(v) for v in self.value)) if self.value else b""

    def _parse(self, data: bytes) -> None:
        values: list = []
        for number, wire, v in _fields(data):
            if number == 1 and wire == 2:
                at = 0
                while at < len(v):
                    item, at = _read_varint(v, at)
                    values.append(_signed(item))
            elif number == 1:
                values.append(_signed(v))
        self.value = values

    _format = staticmethod(str)


_KINDS = (("bytes_list", 1, BytesList), ("float_list", 2, FloatList), ("int64_list", 3, Int64List))


class Feature(_Message):
    """`tf.train.Feature`: one of `bytes_list`, `float_list`, `int64_list`."""

    def __init__(self, bytes_list: BytesList | None = None, float_list: FloatList | None = None,
                 int64_list: Int64List | None = None):
        given = [(name, value) for name, value in (("bytes_list", bytes_list), ("float_list", float_list),
                                                    ("int64_list", int64_list)) if value is not None]
        if len(given) > 1:
            raise ValueError("A Feature holds one of bytes_list, float_list and int64_list.")
        self.kind, self.values = given[0] if given else (None, None)

    def WhichOneof(self, group: str) -> str | None:  # noqa: N802 - protobuf's name
        return self.kind

    def __getattr__(self, name: str) -> Any:
        for kind, _, cls in _KINDS:
            if name == kind:
                return self.values if self.kind == kind else cls()
        raise AttributeError(name)

    def _serialize(self) -> bytes:
        if self.kind is None:
            return b""
        number = next(n for kind, n, _ in _KINDS if kind == self.kind)
        return _field(number, self.values._serialize())

    def _parse(self, data: bytes) -> None:
        self.kind, self.values = None, None
        for number, _, v in _fields(data):
            for kind, n, cls in _KINDS:
                if number == n:
                    self.kind, self.values = kind, cls.FromString(v)

    def _text(self) -> str:
        return "" if self.kind is None else _block(self.kind, self.values._text(), "")

    def _key(self) -> tuple:
        return (self.kind, None if self.values is None else self.values._key())


class Features(_Message):
    """`tf.train.Features`: a map from names to `Feature`s."""

    def __init__(self, feature: dict | None = None):
        self.feature = dict(feature or {})

    def _serialize(self) -> bytes:
        return b"".join(_field(1, _field(1, key.encode()) + _field(2, value._serialize()))
                        for key, value in self.feature.items())

    def _parse(self, data: bytes) -> None:
        self.feature = {}
        for number, _, entry in _fields(data):
            if number == 1:
                key, value = "", Feature()
                for n, _, v in _fields(entry):
                    if n == 1:
                        key = v.decode("utf-8")
                    elif n == 2:
                        value = Feature.FromString(v)
                self.feature[key] = value

    def _text(self) -> str:
        entries = (f"key: {_quoted(key.encode())}\n" + _block("value", value._text(), "")
                   for key, value in self.feature.items())
        return "".join(_block("feature", entry, "") for entry in entries)

    def _key(self) -> tuple:
        return tuple(sorted((key, value._key()) for key, value in self.feature.items()))


class Example(_Message):
    """`tf.train.Example`: the `Features` of one record."""

    def __init__(self, features: Features | None = None):
        self.features = features if features is not None else Features()

    def _serialize(self) -> bytes:
        body = self.features._serialize()
        return _field(1, body) if body or self.features.feature else b""

    def _parse(self, data: bytes) -> None:
        self.features = Features()
        for number, _, v in _fields(data):
            if number == 1:
                self.features = Features.FromString(v)

    def _text(self) -> str:
        return _block("features", self.features._text(), "") if self.features.feature else ""

    def _key(self) -> tuple:
        return self.features._key()
