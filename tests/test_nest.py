"""`tf.nest` against what TensorFlow 2.21 does (expected values recorded from it)."""

import collections
from collections import OrderedDict, defaultdict, deque, namedtuple

import numpy as np
import pytest

import tapeflow as tf

N = namedtuple("N", "b a")
SameN = namedtuple("N", "b a")
OtherFields = namedtuple("N", "b c")


class _Field:
    def __init__(self, name):
        self.name = name


class AttrsLike:
    """What an `@attr.s` class looks like to tf.nest: fields listed in `__attrs_attrs__`."""

    __attrs_attrs__ = (_Field("y"), _Field("x"))

    def __init__(self, y, x):
        self.y, self.x = y, x

    def __eq__(self, other):
        return type(other) is AttrsLike and (self.y, self.x) == (other.y, other.x)


class ReadOnlyMapping(collections.abc.Mapping):
    def __init__(self, d):
        self.d = dict(d)

    def __getitem__(self, key):
        return self.d[key]

    def __iter__(self):
        return iter(self.d)

    def __len__(self):
        return len(self.d)


def test_dicts_flatten_by_sorted_key_and_keep_their_order_when_packed():
    assert tf.nest.flatten({"b": 1, "a": 2, "c": [3, (4, N(5, 6))]}) == [2, 1, 3, 4, 5, 6]
    packed = tf.nest.pack_sequence_as({"b": 1, "a": 2}, [10, 20])
    assert packed == {"b": 20, "a": 10} and list(packed) == ["b", "a"]


def test_ordered_dicts_also_flatten_sorted_but_rebuild_in_their_own_order():
    structure = OrderedDict([("b", 1), ("a", 2)])
    assert tf.nest.flatten(structure) == [2, 1]
    packed = tf.nest.pack_sequence_as(structure, [10, 20])
    assert type(packed) is OrderedDict and list(packed.items()) == [("b", 20), ("a", 10)]


def test_defaultdict_and_read_only_mappings_are_rebuilt_as_their_type():
    packed = tf.nest.pack_sequence_as(defaultdict(list, {"b": 1, "a": 2}), [1, 2])
    assert type(packed) is defaultdict and packed.default_factory is list and packed == {"b": 2, "a": 1}
    mapping = ReadOnlyMapping({"b": 1, "a": 2})
    assert tf.nest.flatten(mapping) == [2, 1]
    assert tf.nest.pack_sequence_as(mapping, [7, 8]).d == {"b": 8, "a": 7}


def test_unsortable_keys_raise_type_error():
    with pytest.raises(TypeError, match="'<' not supported"):
        tf.nest.flatten({1: 1, "a": 2})


def test_namedtuples_and_attrs_classes_are_nested_and_rebuilt():
    assert tf.nest.flatten(N(b=1, a=[2, 3])) == [1, 2, 3]
    assert tf.nest.map_structure(lambda v: v * 2, N(1, 2)) == N(2, 4)
    assert tf.nest.flatten(AttrsLike(1, [2, 3])) == [1, 2, 3]
    assert tf.nest.pack_sequence_as(AttrsLike(1, [2, 3]), [7, 8, 9]) == AttrsLike(7, [8, 9])


def test_what_is_nested():
    nested = [[], (), {}, range(3), deque([1]), collections.UserList([1]), {"a": 1}.keys(), N(1, 2),
              AttrsLike(1, 2), bytearray(b"ab")]
    leaves = ["abc", b"x", {1}, None, 1.5, np.array([1, 2]), tf.constant([1]), tf.Variable([1.0]),
              tf.TensorShape([1, 2])]
    assert [tf.nest.is_nested(s) for s in nested] == [True] * len(nested)
    assert [tf.nest.is_nested(s) for s in leaves] == [False] * len(leaves)


def test_views_ranges_and_other_sequences():
    d = {"b": 1, "a": 2}
    assert tf.nest.flatten(d.values()) == [1, 2]  # a view keeps the dict's order
    assert tf.nest.flatten(d.items()) == ["b", 1, "a", 2]
    assert tf.nest.pack_sequence_as(d.items(), ["b", 1, "a", 2]) == [("b", 1), ("a", 2)]
    assert tf.nest.pack_sequence_as(range(3), [0, 1, 2]) == [0, 1, 2]
    assert tf.nest.pack_sequence_as(deque([1, 2]), [3, 4]) == deque([3, 4])


def test_empty_containers_have_no_leaves_and_leaves_are_their_own_flattening():
    assert tf.nest.flatten([[], {}, ()]) == []
    assert tf.nest.flatten(None) == [None]
    assert tf.nest.pack_sequence_as([[]], []) == [[]]
    assert tf.nest.pack_sequence_as(1, [5]) == 5
    x = tf.constant(1.0)
    assert tf.nest.flatten(x)[0] is x


def test_pack_sequence_as_errors():
    with pytest.raises(ValueError, match="Structure had 2 atoms, but flat_sequence had 1 items"):
        tf.nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="Structure had 2 atoms, but flat_sequence had 3 items"):
        tf.nest.pack_sequence_as([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="The target structure is of type `<class 'int'>`"):
        tf.nest.pack_sequence_as(1, [1, 2])
    with pytest.raises(TypeError, match="Attempted to pack value"):
        tf.nest.pack_sequence_as([1], 5)
    with pytest.raises(TypeError, match="Attempted to pack value"):
        tf.nest.pack_sequence_as([1, 2], (v for v in [1, 2]))


@pytest.mark.parametrize("first, second, check_types", [
    ([1, 2], (1, 2), False), (N(1, 2), (1, 2), False), (N(1, 2), SameN(3, 4), True),
    ({"a": 1}, OrderedDict(a=1), True), ({"a": 1}, defaultdict(int, a=1), True),
    ({"a": 1}, ReadOnlyMapping({"a": 2}), True), (AttrsLike(1, 2), AttrsLike(3, 4), True),
    ([1], [np.array([1, 2])], True),
])
def test_same_structures(first, second, check_types):
    assert tf.nest.assert_same_structure(first, second, check_types=check_types) is None


@pytest.mark.parametrize("first, second, error, detail", [
    ([1, 2], (1, 2), TypeError, "same sequence type"),
    (N(1, 2), (1, 2), TypeError, "same sequence type"),
    (N(1, 2), OtherFields(1, 2), TypeError, "same sequence type"),
    ([1], collections.UserList([1]), TypeError, "same sequence type"),
    ([1, [2]], [1, 2], ValueError, 'Substructure "type=list str=\\[2\\]" is a sequence'),
    (1, [1], ValueError, "is a sequence, while substructure"),
    ({"a": 1}, {"b": 1}, ValueError, "same set of keys"),
    ([1, 2], [1, 2, 3], ValueError, "same number of elements"),
])
def test_different_structures(first, second, error, detail):
    with pytest.raises(error) as info:
        tf.nest.assert_same_structure(first, second)
    assert info.type is error  # TypeError and ValueError as TensorFlow raises them
    assert str(info.value).startswith("The two structures don't have the same nested structure.")
    assert info.match(detail)


def test_map_structure():
    assert tf.nest.map_structure(lambda a, b: a + b, [1, {"a": 2}], [3, {"a": 4}]) == [4, {"a": 6}]
    assert tf.nest.map_structure(lambda v: v + 1, {"b": 1, "a": (2, 3)}) == {"b": 2, "a": (3, 4)}
    assert tf.nest.map_structure(lambda a, b: a + b, [1, 2], (3, 4), check_types=False) == [4, 6]
    with pytest.raises(TypeError, match="same sequence type"):
        tf.nest.map_structure(lambda a, b: a + b, [1, 2], (3, 4))
    with pytest.raises(ValueError, match="Must provide at least one structure"):
        tf.nest.map_structure(lambda v: v)
    with pytest.raises(ValueError, match="not: `foo`"):
        tf.nest.map_structure(lambda v: v, [1], foo=1)


def test_flatten_with_tuple_paths_names_keys_fields_and_positions():
    structure = {"b": [1, N(2, 3)], "a": AttrsLike(4, 5)}
    assert tf.nest.flatten_with_tuple_paths(structure) == [
        (("a", "y"), 4), (("a", "x"), 5), (("b", 0), 1), (("b", 1, "b"), 2), (("b", 1, "a"), 3)]
    assert tf.nest.flatten_with_tuple_paths(7) == [((), 7)]


def test_flattening_a_deep_structure_needs_no_recursion():
    deep = 1
    for _ in range(3000):
        deep = [deep]
    assert tf.nest.flatten(deep) == [1]
