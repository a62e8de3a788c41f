"""tf.data behaviour beyond the differential cases: shuffling, tracing once, vectorized maps, threads,
errors, options, and datasets inside compiled functions."""

import threading
import time

import numpy as np
import pytest

import tapeflow as tf


def values(dataset):
    return [np.asarray(x).tolist() for x in dataset.as_numpy_iterator()]


def test_shuffle_order_is_the_same_over_slices_and_over_a_generator():
    sliced = tf.data.Dataset.range(50).shuffle(8, seed=4)
    spec = tf.TensorSpec([], tf.int64)
    generated = tf.data.Dataset.from_generator(lambda: iter(range(50)), output_signature=spec)
    assert values(sliced) == values(generated.shuffle(8, seed=4))
    assert sorted(values(sliced)) == list(range(50))


def test_shuffle_reshuffles_each_pass_unless_told_not_to():
    reshuffled = tf.data.Dataset.range(30).shuffle(30, seed=1)
    first, second = values(reshuffled), values(reshuffled)
    assert first != second and sorted(first) == sorted(second)
    assert values(tf.data.Dataset.range(30).shuffle(30, seed=1)) == first  # reproducible by seed
    fixed = tf.data.Dataset.range(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    repeated = values(tf.data.Dataset.range(10).shuffle(10, seed=2).repeat(2))
    assert repeated[:10] != repeated[10:] and sorted(repeated[:10]) == list(range(10))


def test_shuffle_batches_are_blocks_of_the_element_order():
    images = np.arange(40 * 3, dtype=np.uint8).reshape(40, 3)
    pipeline = tf.data.Dataset.from_tensor_slices(images).shuffle(16, seed=5, reshuffle_each_iteration=False)
    elements = np.array(values(pipeline))
    batches = np.concatenate(values(pipeline.batch(7)))
    assert batches.tolist() == elements.tolist()


def test_map_is_traced_once_and_its_side_effects_happen_then():
    calls = []

    def f(x):
        calls.append(1)
        return x + 1

    dataset = tf.data.Dataset.range(4).map(f)
    assert calls == [1]
    assert values(dataset) == [1, 2, 3, 4] and values(dataset) == [1, 2, 3, 4]
    assert calls == [1]


def test_elementwise_maps_run_on_whole_batches_with_the_same_values():
    images = np.random.default_rng(0).integers(0, 256, (300, 4, 4), dtype=np.uint8)
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(300)))
    mapped = dataset.map(lambda x, y: (tf.cast(x, tf.float32) / 255 - 0.5, y * 2))
    assert mapped._fn.vectorizable
    one_by_one = np.stack([x for x, _ in mapped.as_numpy_iterator()])
    batched = np.concatenate([x for x, _ in mapped.batch(128).as_numpy_iterator()])
    assert np.array_equal(one_by_one, batched) and one_by_one.dtype == np.float32
    assert np.array_equal(one_by_one, images.astype(np.float32) / 255 - np.float32(0.5))


@pytest.mark.parametrize("func", [
    lambda x: tf.exp(tf.cast(x, tf.float32)),  # not correctly rounded: one by one
    lambda x: tf.reduce_sum(x),  # not elementwise
    lambda x: x + tf.constant([[1], [2]], tf.int64),  # a constant of higher rank broadcasts over the batch
])
def test_maps_that_could_change_under_batching_are_not_vectorized(func):
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(6).reshape(3, 2)).map(func)
    assert not dataset._fn.vectorizable
    assert len(values(dataset.batch(2))) == 2


def test_parallel_map_keeps_order_unless_nondeterministic():
    dataset = tf.data.Dataset.range(100)
    tripled = dataset.map(lambda x: x * 3, num_parallel_calls=tf.data.AUTOTUNE)
    assert values(tripled) == [3 * i for i in range(100)]
    loose = dataset.map(lambda x: x * 3, num_parallel_calls=4, deterministic=False)
    assert sorted(values(loose)) == [3 * i for i in range(100)]
    options = tf.data.Options()
    options.deterministic = False
    loose = dataset.map(lambda x: x, num_parallel_calls=2).with_options(options)
    assert sorted(values(loose)) == list(range(100))


def test_prefetch_overlaps_the_consumer():
    def slow():
        for i in range(8):
            time.sleep(0.03)
            yield i

    dataset = tf.data.Dataset.from_generator(slow, output_signature=tf.TensorSpec([], tf.int32)).prefetch(8)
    start = time.perf_counter()
    seen = []
    for x in dataset:
        time.sleep(0.03)  # the "training step"
        seen.append(int(x))
    elapsed = time.perf_counter() - start
    assert seen == list(range(8))
    assert elapsed < 0.4  # serial: 0.48 s; overlapped: about 0.27 s


def test_prefetch_hands_errors_to_the_consumer():
    def failing():
        yield 1
        raise RuntimeError("boom")

    spec = tf.TensorSpec([], tf.int32)
    dataset = tf.data.Dataset.from_generator(failing, output_signature=spec).prefetch(2)
    iterator = iter(dataset)
    assert int(next(iterator)) == 1
    with pytest.raises(RuntimeError, match="boom"):
        next(iterator)
    assert threading.active_count() < 20


def test_iterator_end_is_stop_iteration_or_out_of_range():
    iterator = iter(tf.data.Dataset.range(1))
    assert int(iterator.get_next()) == 0
    with pytest.raises(StopIteration):
        next(iterator)
    with pytest.raises(tf.errors.OutOfRangeError, match=r"End of sequence \[Op:IteratorGetNext\]"):
        iterator.get_next()


def test_batch_of_different_shapes_is_tensorflows_error():
    dataset = tf.data.Dataset.range(3).map(lambda x: tf.range(x)).batch(3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot add tensor to the batch: number of "
                                                              "elements does "
                       r"not match. Shapes are: \[tensor\]: \[1\], \[batch\]: \[0\]"):
        list(dataset)


def test_function_errors():
    with pytest.raises(TypeError, match="positional argument"):
        tf.data.Dataset.from_tensor_slices(([1], [2])).map(lambda x: x)
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar tensor"):
        tf.data.Dataset.range(3).filter(lambda x: x)
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        list(tf.data.Dataset.range(3).flat_map(lambda x: x))
    with pytest.raises(TypeError, match="did not match the expected structure"):
        pair = (tf.TensorSpec([], tf.int32),) * 2
        list(tf.data.Dataset.from_generator(lambda: iter([1]), output_signature=pair))
    with pytest.raises(tf.errors.InvalidArgumentError, match="yielded an element of shape"):
        scalar = tf.TensorSpec([], tf.int32)
        list(tf.data.Dataset.from_generator(lambda: iter([(1, 2)]), output_signature=scalar))


def test_cardinality_length_and_constants():
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2
    assert int(tf.data.experimental.cardinality(tf.data.Dataset.range(7).batch(2))) == 4
    assert len(tf.data.Dataset.range(7)) == 7
    with pytest.raises(TypeError, match="infinite"):
        len(tf.data.Dataset.range(7).repeat())


def test_options_are_merged_along_the_pipeline():
    options = tf.data.Options()
    options.deterministic = False
    options.experimental_optimization.map_parallelization = True
    dataset = tf.data.Dataset.range(3).with_options(options).map(lambda x: x)
    assert dataset.options().deterministic is False
    assert dataset.options().experimental_optimization.map_parallelization is True
    assert tf.data.Dataset.range(3).options() == tf.data.Options()
    with pytest.raises(AttributeError):
        options.no_such_option = 1


def test_as_numpy_iterator_and_cache():
    calls = []

    def gen():
        calls.append(1)
        yield from [b"a", b"b"]

    cached = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.string)).cache()
    assert list(cached.as_numpy_iterator()) == [b"a", b"b"] == list(cached.as_numpy_iterator())
    assert calls == [1]


def test_for_over_a_dataset_in_a_compiled_function_reads_it_on_each_call():
    @tf.function
    def total(dataset):
        s = tf.constant(0, tf.int64)
        for x in dataset:
            s += x
        return s

    assert int(total(tf.data.Dataset.range(5))) == 10
    assert int(total(tf.data.Dataset.range(5).map(lambda x: x * 2))) == 20

    shuffled = tf.data.Dataset.range(6).shuffle(6)

    @tf.function
    def order():
        digits = tf.constant(0, tf.int64)
        for x in shuffled:
            digits = digits * 10 + x
        return digits

    results = {int(order()) for _ in range(6)}
    assert len(results) > 1  # a new pass (a new order) on each call
    assert order.experimental_get_tracing_count() == 1


def test_break_and_structured_elements_in_a_compiled_loop():
    @tf.function
    def first_sums(dataset, limit):
        s = tf.constant(0.0)
        for x, y in dataset:
            if s > limit:
                break
            s += tf.reduce_sum(x) + tf.cast(tf.reduce_sum(y), tf.float32)
        return s

    dataset = tf.data.Dataset.from_tensor_slices(([[1.0], [2.0], [3.0]], [1, 2, 3])).batch(2)
    assert float(first_sums(dataset, tf.constant(100.0))) == 12.0
    assert float(first_sums(dataset, tf.constant(1.0))) == 6.0


def test_a_compiled_loop_left_by_break_releases_its_pass():
    from tapeflow.data import staged

    @tf.function
    def first(dataset):
        out = tf.constant(-1, tf.int64)
        for x in dataset:
            out = x
            break
        return out

    before = len(staged._PASSES)
    assert int(first(tf.data.Dataset.range(5, 10))) == 5
    assert len(staged._PASSES) == before


def test_cache_to_a_file_is_read_by_later_passes_and_datasets(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        yield from [(b"a\x00", [1.5, 2.0]), (b"", [3.0, 4.0])]

    spec = (tf.TensorSpec([], tf.string), tf.TensorSpec([2], tf.float32))
    path = str(tmp_path / "cache")
    cached = tf.data.Dataset.from_generator(gen, output_signature=spec).cache(path)
    partial = iter(cached)
    next(partial)
    del partial  # a partial pass leaves no cache
    first = [(s, v.tolist()) for s, v in cached.as_numpy_iterator()]
    assert first == [(b"a\x00", [1.5, 2.0]), (b"", [3.0, 4.0])]
    again = tf.data.Dataset.from_generator(gen, output_signature=spec).cache(path)
    assert [(s, v.tolist()) for s, v in again.as_numpy_iterator()] == first
    assert len(calls) == 2  # the partial pass and the first complete one


def test_get_next_as_optional():
    iterator = iter(tf.data.Dataset.range(1))
    present = iterator.get_next_as_optional()
    assert bool(present.has_value()) and int(present.get_value()) == 0
    assert present.element_spec == tf.TensorSpec([], tf.int64)
    missing = iterator.get_next_as_optional()
    assert not bool(missing.has_value())
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not have a value"):
        missing.get_value()
    assert int(tf.experimental.Optional.from_value(3).get_value()) == 3


def test_gfile(tmp_path):
    gfile = tf.io.gfile
    gfile.makedirs(str(tmp_path / "a" / "b"))
    with gfile.GFile(str(tmp_path / "a" / "f.txt"), "w") as f:
        f.write("one\ntwo\n")
    with gfile.GFile(str(tmp_path / "a" / "f.txt")) as f:
        assert list(f) == ["one\n", "two\n"]
    assert gfile.exists(str(tmp_path / "a" / "f.txt")) and gfile.isdir(str(tmp_path / "a" / "b"))
    assert sorted(gfile.listdir(str(tmp_path / "a"))) == ["b", "f.txt"]
    assert gfile.glob(str(tmp_path / "a" / "*.txt")) == [str(tmp_path / "a" / "f.txt")]
    gfile.copy(str(tmp_path / "a" / "f.txt"), str(tmp_path / "g.txt"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        gfile.copy(str(tmp_path / "a" / "f.txt"), str(tmp_path / "g.txt"))
    gfile.remove(str(tmp_path / "g.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        gfile.GFile(str(tmp_path / "g.txt"), "rb").read()
    gfile.rmtree(str(tmp_path / "a"))
    assert not gfile.exists(str(tmp_path / "a"))


def test_ragged_and_sparse_elements_in_compiled_loops_and_cache_files(tmp_path):
    ragged = tf.data.Dataset.range(5).map(lambda x: tf.range(x)).ragged_batch(2)
    sparse = tf.data.Dataset.range(3).map(lambda x: tf.sparse.SparseTensor([[0]], [x + 1], [x + 1]))

    @tf.function
    def totals(ragged_ds, sparse_ds):
        a, b = tf.constant(0, tf.int64), tf.constant(0, tf.int64)
        for rows in ragged_ds:
            a += tf.reduce_sum(rows.to_tensor()) + rows.nrows()
        for x in sparse_ds:
            b += tf.reduce_sum(x.values) * x.dense_shape[0]
        return a, b

    a, b = totals(ragged, sparse)
    assert (int(a), int(b)) == (10 + 5, 1 * 1 + 2 * 2 + 3 * 3)
    cached = ragged.cache(str(tmp_path / "c"))
    first, second = [r.to_list() for r in cached], [r.to_list() for r in cached]
    assert first == second == [[[], [0]], [[0, 1], [0, 1, 2]], [[0, 1, 2, 3]]]
    assert cached.element_spec == tf.RaggedTensorSpec([None, None], tf.int64, 1)


def test_file_readers_take_a_dataset_of_names_and_interleave_parallel_reads(tmp_path):
    for name, text in (("a.txt", "a1\na2\na3\n"), ("b.txt", "b1\n")):
        (tmp_path / name).write_text(text)
    names = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    lines = tf.data.TextLineDataset(tf.data.Dataset.from_tensor_slices(names))
    assert [x.numpy() for x in lines] == [b"a1", b"a2", b"a3", b"b1"] and int(lines.cardinality()) == -2
    parallel = tf.data.TextLineDataset(names, num_parallel_reads=2)  # TensorFlow's order
    assert [x.numpy() for x in parallel] == [b"a1", b"b1", b"a2", b"a3"]
    with pytest.raises(TypeError, match="must contain `tf.string` elements"):
        tf.data.TextLineDataset(tf.data.Dataset.range(2))


def test_flat_map_and_interleave_trace_their_function_once(tmp_path):
    calls = []

    def repeated(x):
        calls.append(x)  # a Python side effect: once, at trace time, as in TensorFlow
        return tf.data.Dataset.from_tensors(x).repeat(x)

    flat = tf.data.Dataset.range(4).flat_map(repeated)
    assert [int(v) for v in flat] == [1, 2, 2, 3, 3, 3] and len(calls) == 1
    assert [int(v) for v in flat] == [1, 2, 2, 3, 3, 3] and len(calls) == 1
    woven = tf.data.Dataset.range(1, 4).interleave(repeated, cycle_length=2)
    assert [int(v) for v in woven] == [1, 2, 2, 3, 3, 3] and len(calls) == 2
    for name, text in (("a.txt", "a1\na2\n"), ("b.txt", "b1\n")):
        (tmp_path / name).write_text(text)
    names = tf.data.Dataset.from_tensor_slices([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    lines = names.interleave(tf.data.TextLineDataset, cycle_length=2)
    assert [x.numpy() for x in lines] == [b"a1", b"b1", b"a2"]
    with pytest.raises(TypeError, match="must return a `Dataset` object"):
        tf.data.Dataset.range(2).flat_map(lambda x: x)


def test_sample_from_datasets_draws_by_weight_repeatably():
    zeros, ones = tf.data.Dataset.from_tensors(0).repeat(), tf.data.Dataset.from_tensors(1).repeat()
    picks = tf.data.Dataset.sample_from_datasets([zeros, ones], [0.8, 0.2], seed=7)
    first = [int(x) for x in picks.take(2000)]
    assert first == [int(x) for x in picks.take(2000)]  # seeded: the same draws each pass
    assert abs(np.mean(first) - 0.2) < 0.04
    ended = tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)])
    assert sorted(int(x) for x in ended) == [0, 1, 2, 10, 11, 12]  # the others go on when one ends


@pytest.mark.parametrize("initial", [None, [0.9, 0.1]])
def test_rejection_resample_reaches_the_target_distribution(initial):
    labels = tf.data.Dataset.from_tensor_slices(np.array([0] * 9 + [1])).repeat()
    resampled = labels.rejection_resample(lambda x: tf.cast(x, tf.int32), [0.5, 0.5], initial_dist=initial,
                                          seed=3)
    assert resampled.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int64))
    classes = np.array([int(c) for c, x in resampled.take(1000)])
    assert abs(classes.mean() - 0.5) < 0.07
    transformation = tf.data.experimental.rejection_resample(lambda x: tf.cast(x, tf.int32), [0.5, 0.5],
                                                             seed=1)
    assert labels.apply(transformation).element_spec == resampled.element_spec
