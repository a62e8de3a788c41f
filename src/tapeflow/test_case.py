"""`tf.test.TestCase`: unittest's TestCase with TensorFlow's assertions over tensors and structures.

Tests written for TensorFlow 2 (eager: `self.evaluate(x)` is `x`'s NumPy value) run unchanged;
`tf.test.main()` is unittest's main.
"""

from __future__ import annotations

import re
import tempfile
import unittest
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from tapeflow.core import errors, nest
from tapeflow.core.convert import is_tensor

# assertAllCloseAccordingToType's tolerances by dtype: float16 and bfloat16 get looser ones.
_LOOSE = {np.dtype(np.float16): 1e-3}


def _value(x: Any) -> Any:
    return x.numpy() if is_tensor(x) and hasattr(x, "numpy") else x


def _array(x: Any) -> np.ndarray | None:
    """`x` as one numeric array, or None when it is a sequence of unlike things."""
    try:
        array = np.asarray(x)
    except ValueError:  # (a ragged sequence)
        return None
    return None if array.dtype == object else array


class TestCase(unittest.TestCase):
    """A test case whose assertions take tensors, NumPy values and nested structures of them."""

    def evaluate(self, tensors: Any) -> Any:
        """The NumPy values of `tensors` (any structure of them)."""
        return nest.map_structure(_value, tensors)

    def get_temp_dir(self) -> str:
        if not hasattr(self, "_temp_dir"):
            self._temp_dir = tempfile.mkdtemp()
        return self._temp_dir

    # ---- closeness and equality ----------------------------------------------------------------

    def assertAllClose(self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6,
                       msg: str | None = None):
        """`a` close to `b`: arrays, or dicts and sequences of them (a list of numbers is an array)."""
        a, b = self.evaluate(a), self.evaluate(b)
        if isinstance(a, Mapping) or isinstance(b, Mapping):
            if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
                raise ValueError(f"Can't compare {a!r} with {b!r}: the keys or types differ.")
            for key in a:
                self.assertAllClose(a[key], b[key], rtol=rtol, atol=atol, msg=msg)
            return
        arrays = [_array(x) for x in (a, b)]
        if any(x is None for x in arrays):  # sequences of different things: element by element
            if len(a) != len(b):
                raise ValueError(f"Mismatched length: a{len(a)} vs. b{len(b)}")
            for x, y in zip(a, b):
                self.assertAllClose(x, y, rtol=rtol, atol=atol, msg=msg)
            return
        if arrays[0].shape != arrays[1].shape:
            expected, got = arrays[1].shape, arrays[0].shape
            raise AssertionError(f"{msg or ''} Shape mismatch: expected {expected}, got {got}.")
        np.testing.assert_allclose(*arrays, rtol=rtol, atol=atol, err_msg=msg or "", equal_nan=True)

    def assertAllCloseAccordingToType(self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6,
                                      float_rtol: float = 1e-6, float_atol: float = 1e-6,
                                      half_rtol: float = 1e-3, half_atol: float = 1e-3,
                                      msg: str | None = None):
        """`assertAllClose` with the tolerances of the values' dtype (looser for float32 and float16)."""
        dtype = np.asarray(_value(a)).dtype
        if dtype in _LOOSE:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        elif dtype == np.float32:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6,
                          msg: str | None = None):
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol)
        except AssertionError:
            return
        raise AssertionError(msg or "The two values are close at all elements.")

    def assertAllEqual(self, a: Any, b: Any, msg: str | None = None):
        x, y = np.asarray(_value(a)), np.asarray(_value(b))
        if x.shape != y.shape:
            raise AssertionError(f"{msg or ''} Shape mismatch: expected {x.shape}, got {y.shape}.")
        np.testing.assert_array_equal(x, y, err_msg=msg or "")

    def assertNotAllEqual(self, a: Any, b: Any, msg: str | None = None):
        if np.array_equal(np.asarray(_value(a)), np.asarray(_value(b))):
            raise AssertionError(msg or "The two values are equal at all elements.")

    def assertNear(self, f1: float, f2: float, err: float, msg: str | None = None):
        if not abs(f1 - f2) <= err:
            raise AssertionError(f"{f1} != {f2} +/- {err}{'' if msg is None else ' (' + msg + ')'}")

    def assertArrayNear(self, farray1: Iterable, farray2: Iterable, err: float, msg: str | None = None):
        farray1, farray2 = list(farray1), list(farray2)
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    # ---- orderings and ranges ------------------------------------------------------------------

    def _assert_every(self, a: Any, holds: Callable, what: str):
        x = np.asarray(_value(a))
        if not np.all(holds(x)):
            raise AssertionError(f"Not every element of {x} is {what}")

    def assertAllGreater(self, a: Any, comparison_target: Any):
        self._assert_every(a, lambda x: x > comparison_target, f"greater than {comparison_target}")

    def assertAllGreaterEqual(self, a: Any, comparison_target: Any):
        self._assert_every(a, lambda x: x >= comparison_target, f"at least {comparison_target}")

    def assertAllLess(self, a: Any, comparison_target: Any):
        self._assert_every(a, lambda x: x < comparison_target, f"less than {comparison_target}")

    def assertAllLessEqual(self, a: Any, comparison_target: Any):
        self._assert_every(a, lambda x: x <= comparison_target, f"at most {comparison_target}")

    def assertAllInRange(self, target: Any, lower_bound: Any, upper_bound: Any,
                         open_lower_bound: bool = False, open_upper_bound: bool = False):
        above = np.greater if open_lower_bound else np.greater_equal
        below = np.less if open_upper_bound else np.less_equal
        self._assert_every(target, lambda x: above(x, lower_bound) & below(x, upper_bound),
                           f"in the range {lower_bound}..{upper_bound}")

    def assertAllInSet(self, target: Any, expected_set: Iterable):
        allowed = list(expected_set)
        self._assert_every(target, lambda x: np.isin(x, allowed), f"in {allowed}")

    # ---- dtypes, shapes, lengths ---------------------------------------------------------------

    def assertDTypeEqual(self, target: Any, expected_dtype: Any):
        dtype = getattr(expected_dtype, "as_numpy_dtype", expected_dtype)
        self.assertEqual(np.asarray(_value(target)).dtype, np.dtype(dtype))

    def assertShapeEqual(self, input_a: Any, input_b: Any, msg: str | None = None):
        self.assertEqual(tuple(np.shape(_value(input_a))), tuple(input_b.shape), msg=msg)

    def assertLen(self, container: Any, expected_len: int, msg: str | None = None):
        if len(container) != expected_len:
            raise AssertionError(msg or f"{container!r} has length {len(container)}, not {expected_len}")

    def assertEmpty(self, container: Any, msg: str | None = None):
        self.assertLen(container, 0, msg)

    def assertNotEmpty(self, container: Any, msg: str | None = None):
        if not len(container):
            raise AssertionError(msg or f"{container!r} is empty")

    # ---- errors --------------------------------------------------------------------------------

    def assertRaisesWithPredicateMatch(self, exception_type: type, expected_err_re_or_predicate: Any):
        """A context in which `exception_type` must be raised, its message matching the regular
        expression (or the predicate true of the exception)."""
        predicate = expected_err_re_or_predicate
        if not callable(predicate):
            pattern = predicate
            predicate = lambda e: re.search(pattern, str(e)) is not None  # noqa: E731
        return _Raises(self, exception_type, predicate)

    def assertRaisesOpError(self, expected_err_re_or_predicate: Any):
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)


class _Raises:
    def __init__(self, case: TestCase, exception_type: type, predicate: Callable):
        self._case, self._type, self._predicate = case, exception_type, predicate

    def __enter__(self) -> _Raises:
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        if kind is None:
            raise AssertionError(f"{self._type.__name__} not raised")
        if not issubclass(kind, self._type):
            return False
        if not self._predicate(value):
            raise AssertionError(f"Exception of type {kind.__name__}: {value}, does not match the expected "
                                 f"message or predicate")
        return True


def main(argv: list | None = None) -> None:
    """Run the test cases of `__main__` (unittest's main)."""
    unittest.main(argv=argv)
