"""`tf.strings`: operations on string tensors (kernels in ops/string_ops.py)."""

from tapeflow.ops.string_ops import (  # noqa: F401 - re-exports
    as_string,
    bytes_split,
    format,
    join,
    length,
    lower,
    reduce_join,
    regex_full_match,
    regex_replace,
    split,
    strip,
    substr,
    to_number,
    unicode_decode,
    unicode_encode,
    unicode_split,
    unicode_transcode,
    upper,
)
