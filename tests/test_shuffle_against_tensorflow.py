"""Seeded shuffles give TensorFlow's orders: every case of shuffle_cases.py (op seed, global seed,
both; reshuffled or not; buffers smaller than, equal to and larger than the input; passes by
iteration, repeat, batches, a generator's element-by-element buffer, tf.function) checked against
the orders recorded from TensorFlow (fixtures/shuffle_tensorflow.json, made by
record_data_fixtures.py) and, when TensorFlow is installed, against TensorFlow itself."""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from shuffle_cases import case_name, cases, long_cases, orders
from tapeflow.data.shuffle import Words, buffered, shuffled_positions

pytestmark = pytest.mark.filterwarnings("ignore:AutoGraph could not transform")
FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "shuffle_tensorflow.json").read_text())
CASES = cases()


@pytest.fixture(autouse=True)
def _clear_global_seed():
    yield
    tf.random.set_seed(None)


def test_the_fixture_has_every_case():
    assert sorted(FIXTURE["cases"]) == sorted(case_name(*case) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case_name(*case) for case in CASES])
def test_order_matches_recorded_tensorflow(case):
    assert orders(tf, *case) == FIXTURE["cases"][case_name(*case)]


def test_orders_match_live_tensorflow():
    real = pytest.importorskip("tensorflow")
    try:
        differing = [case_name(*case) for case in CASES + long_cases()
                     if orders(tf, *case) != orders(real, *case)]
    finally:
        real.random.set_seed(None)
    assert differing == []


def ring(n, size, words):
    """TensorFlow's buffer as a list, element by element: hand out the element at w % len, move the
    first one into its place, drop the first slot, append the next input element."""
    source, out = iter(range(n)), []
    buffer = [next(source) for _ in range(min(size, n))]
    for element in [*source, None]:
        while buffer and (element is None or len(buffer) == size):
            k = next(words) % len(buffer)
            out.append(buffer[k])
            buffer[k] = buffer[0]
            buffer.pop(0)
            if element is not None:
                break
        if element is not None:
            buffer.append(element)
    return out


@pytest.mark.parametrize("n, size", [(100, 10), (10, 100), (57, 1), (1000, 999), (0, 5), (300, 300),
                                     (5000, 7), (2000, 1500), (70000, 30)])
def test_vectorized_and_element_by_element_orders_are_the_lists(n, size):
    expected = ring(n, size, Words(3, 9))
    assert shuffled_positions(n, size, Words(3, 9).take(n)).tolist() == expected
    assert list(buffered(iter(range(n)), size, Words(3, 9))) == expected


def test_words_read_one_by_one_or_in_blocks_are_one_stream():
    one_by_one, blocks = Words(1, 2), Words(1, 2)
    first = [next(one_by_one) for _ in range(4099)]
    assert blocks.take(3).tolist() + blocks.take(4096).tolist() == first
    assert next(blocks) == next(one_by_one) and blocks.take(5000).tolist() == one_by_one.take(5000).tolist()


def test_buffer_size_unknown_cardinality_is_the_whole_input_and_minus_one_an_error():
    whole = tf.data.Dataset.range(50).shuffle(tf.data.UNKNOWN_CARDINALITY, seed=1)
    assert [int(x) for x in whole] == [int(x) for x in tf.data.Dataset.range(50).shuffle(50, seed=1)]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.data.Dataset.range(5).shuffle(-1)
    assert np.asarray(tf.data.Dataset.range(5).shuffle(2).cardinality()) == 5
