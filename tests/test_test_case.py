"""`tf.test.TestCase`: its assertions pass and fail where TensorFlow's do, over tensors and structures."""

import numpy as np
import pytest

import tapeflow as tf


class Case(tf.test.TestCase):
    def runTest(self):  # (unittest needs a method to build an instance)
        pass


case = Case()


def test_closeness_and_equality_over_structures():
    case.assertAllClose({"a": tf.constant([1.0, 2.0]), "b": (3.0,)},
                        {"a": np.array([1.0, 2.0000001]), "b": (3,)})
    with pytest.raises(AssertionError):
        case.assertAllClose(tf.constant([1.0]), [1.1])
    with pytest.raises(AssertionError, match="Shape mismatch"):  # an element of another shape
        case.assertAllClose([1.0, 2.0], [[1.0], 2.0])
    with pytest.raises(ValueError, match="keys"):
        case.assertAllClose({"a": 1.0}, {"b": 1.0})
    case.assertNotAllClose([1.0], [2.0])
    case.assertAllCloseAccordingToType(np.float16(1.0), np.float16(1.0005))
    case.assertAllEqual(tf.constant([[1, 2]]), [[1, 2]])
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertAllEqual(tf.constant([1, 2]), [[1, 2]])
    case.assertNotAllEqual([1], [2])
    case.assertArrayNear([1.0, 2.0], [1.05, 2.0], 0.1)
    with pytest.raises(AssertionError):
        case.assertNear(1.0, 1.5, 0.1)


def test_orderings_ranges_dtypes_and_lengths():
    x = tf.constant([1, 2, 3])
    case.assertAllGreater(x, 0)
    case.assertAllLessEqual(x, 3)
    case.assertAllInRange(x, 1, 3)
    case.assertAllInSet(x, {1, 2, 3})
    case.assertDTypeEqual(x, tf.int32)
    case.assertShapeEqual(np.zeros(3), x)
    case.assertLen([1, 2], 2)
    case.assertEmpty([])
    for failing in (lambda: case.assertAllLess(x, 3), lambda: case.assertAllInSet(x, {1}),
                    lambda: case.assertAllInRange(x, 1, 3, open_upper_bound=True),
                    lambda: case.assertNotEmpty([])):
        with pytest.raises(AssertionError):
            failing()
    assert case.evaluate({"x": x})["x"].tolist() == [1, 2, 3]


def test_expected_op_errors():
    with case.assertRaisesOpError("must be less"):
        tf.debugging.assert_less(2, 1, message="must be less")
    with pytest.raises(AssertionError, match="does not match"):
        with case.assertRaisesOpError("other text"):
            tf.debugging.assert_less(2, 1)
    with pytest.raises(AssertionError, match="not raised"):
        with case.assertRaisesWithPredicateMatch(ValueError, lambda e: True):
            pass


def test_build_queries_say_cpu_only():
    assert not tf.test.is_gpu_available() and tf.test.gpu_device_name() == ""
    assert not tf.test.is_built_with_cuda() and not tf.test.is_built_with_xla()
