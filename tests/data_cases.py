"""Pipelines and string ops evaluated by both tapeflow and TensorFlow (`tf` is either), for the
differential tests and for tests/record_data_fixtures.py, which records TensorFlow's answers in fixtures/."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

# name -> (kind, source): "elements" lists every element in order; "sorted" compares the elements
# sorted (an unseeded shuffle: the same elements in another order); "value" is a value, not a dataset;
# "error" is the error's class and message.
CASES = {
    "range": ("elements", "tf.data.Dataset.range(5)"),
    "range_step": ("elements", "tf.data.Dataset.range(2, 10, 3)"),
    "range_dtype_ignored": ("elements", "tf.data.Dataset.range(3, dtype=tf.int32)"),
    "range_int32": ("elements", "tf.data.Dataset.range(3, output_type=tf.int32)"),
    "slices_nested": ("elements", "tf.data.Dataset.from_tensor_slices(([1, 2, 3], {'a': [1., 2., 3.]}))"),
    "slices_matrix": ("elements", "tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])"),
    "slices_strings": ("elements", "tf.data.Dataset.from_tensor_slices(['ab', 'c'])"),
    "tensors_dict": ("elements", "tf.data.Dataset.from_tensors({'a': 1, 'b': [1., 2.]})"),
    "zip": ("elements", "tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(5)))"),
    "zip_dict": ("elements", "tf.data.Dataset.zip({'x': tf.data.Dataset.range(2), 'y': "
                             "tf.data.Dataset.range(3)})"),
    "concatenate": ("elements", "tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(2))"),
    "concatenate_shapes": ("elements", "tf.data.Dataset.from_tensors([1, 2]).concatenate("
                                       "tf.data.Dataset.from_tensors([3]))"),
    "map": ("elements", "tf.data.Dataset.range(5).map(lambda x: x * 2)"),
    "map_list_result": ("elements", "tf.data.Dataset.range(3).map(lambda x: (x, [x, x + 1]))"),
    "map_tuple_args": ("elements", "tf.data.Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: "
                                   "a * b)"),
    "map_dict": ("elements", "tf.data.Dataset.from_tensor_slices({'a': [1, 2], 'b': [3., 4.]})"
                             ".map(lambda d: {'c': d['a'] * 2, 'd': d['b']})"),
    "map_parallel": ("elements", "tf.data.Dataset.range(20).map(lambda x: x + 1, num_parallel_calls=4)"),
    "map_vectorized": ("elements", "tf.data.Dataset.from_tensor_slices(np.arange(24, dtype=np.uint8)"
                                   ".reshape(6, 2, 2)).map(lambda x: tf.cast(x, tf.float32) / 255).batch(4)"),
    "map_broadcast": ("elements", "tf.data.Dataset.from_tensor_slices(np.arange(10.).reshape(5, 2)"
                                  ".astype(np.float32)).map(lambda x: x * tf.constant([1., 2.]) + "
                                  "1).batch(2)"),
    "map_scalar_broadcast": ("elements", "tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32) "
                                         "* tf.constant([1., 2.])).batch(3)"),
    "filter": ("elements", "tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)"),
    "flat_map": ("elements", "tf.data.Dataset.range(4).flat_map(lambda x: tf.data.Dataset.range(x))"),
    "flat_map_traced_spec": ("elements", "tf.data.Dataset.range(3).flat_map(lambda x: "
                                         "tf.data.Dataset.from_tensors(tf.fill([x], x)).repeat(2))"),
    "flat_map_slices_map": ("elements", "tf.data.Dataset.from_tensor_slices([[1, 2], [3, "
                                        "4]]).flat_map(lambda r: "
                                        "tf.data.Dataset.from_tensor_slices(r * 10).map(lambda y: y + 1))"),
    "flat_map_window": ("elements", "tf.data.Dataset.range(5).window(2).flat_map(lambda w: w.batch(2))"),
    "flat_map_ragged": ("elements", "tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1, 2], [3]]))"
                                    ".flat_map(tf.data.Dataset.from_tensor_slices)"),
    "choose_from_datasets": ("elements", "tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(3), "
                                         "tf.data.Dataset.range(10, 12)], tf.data.Dataset.from_tensor_slices("
                                         "tf.constant([0, 1, 1, 0, 1, 0, 0, 1], tf.int64)))"),
    "choose_not_stopping": ("elements", "tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(3), "
                                        "tf.data.Dataset.range(10, 12)], tf.data.Dataset.from_tensor_slices("
                                        "tf.constant([0, 1, 1, 0, 1, 0, 0, 1], tf.int64)), "
                                        "stop_on_empty_dataset=False)"),
    "choose_out_of_range": ("error", "list(tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(3)], "
                                     "tf.data.Dataset.from_tensors(tf.constant(5, tf.int64))))"),
    "sample_one_weight": ("elements", "tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(3), "
                                      "tf.data.Dataset.range(10, 12)], [1.0, 0.0], seed=4)"),
    "interleave_cycle3": ("elements", "tf.data.Dataset.range(1, 6).interleave(lambda x: tf.data.Dataset"
                                      ".from_tensors(x).repeat(x), cycle_length=3, block_length=2)"),
    "interleave_block1": ("elements", "tf.data.Dataset.range(1, 6).interleave(lambda x: tf.data.Dataset"
                                      ".from_tensors(x).repeat(x), cycle_length=2)"),
    "interleave": ("elements", "tf.data.Dataset.range(1, 5).interleave(lambda x: "
                               "tf.data.Dataset.from_tensors(x)"
                               ".repeat(x), cycle_length=2, block_length=2)"),
    "batch": ("elements", "tf.data.Dataset.range(10).batch(3)"),
    "batch_drop": ("elements", "tf.data.Dataset.range(10).batch(3, drop_remainder=True)"),
    "batch_nested": ("elements", "tf.data.Dataset.from_tensor_slices(([1, 2, 3], {'a': [[1.], [2.], [3.]]}))"
                                 ".batch(2)"),
    "padded_batch": ("elements", "tf.data.Dataset.range(5).map(lambda x: tf.range(x)).padded_batch(2)"),
    "padded_batch_shapes": ("elements", "tf.data.Dataset.range(4).map(lambda x: tf.fill([x], x))"
                                        ".padded_batch(2, padded_shapes=[4], padding_values=tf.constant(-1, "
                                        "tf.int64), drop_remainder=True)"),
    "unbatch": ("elements", "tf.data.Dataset.range(10).batch(3).unbatch()"),
    "repeat": ("elements", "tf.data.Dataset.range(3).repeat(2)"),
    "repeat_forever": ("elements", "tf.data.Dataset.range(3).repeat().take(7)"),
    "shard": ("elements", "tf.data.Dataset.range(10).shard(3, 1)"),
    "shard_error": ("error", "tf.data.Dataset.range(3).shard(3, 3)"),
    "take": ("elements", "tf.data.Dataset.range(10).take(3)"),
    "take_all": ("elements", "tf.data.Dataset.range(4).take(-1)"),
    "skip": ("elements", "tf.data.Dataset.range(10).skip(7)"),
    "skip_all": ("elements", "tf.data.Dataset.range(4).skip(-1)"),
    "take_while": ("elements", "tf.data.Dataset.range(10).take_while(lambda x: x < 4)"),
    "enumerate": ("elements", "tf.data.Dataset.from_tensor_slices(['a', 'b']).enumerate(start=5)"),
    "window": ("elements", "tf.data.Dataset.range(7).window(3, shift=2).flat_map(lambda w: w.batch(3))"),
    "window_stride": ("elements", "tf.data.Dataset.range(10).window(3, 1, 2, True).flat_map(lambda w: "
                                  "w.batch(3))"),
    "window_tuple": ("elements", "tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).window(2)"
                                 ".flat_map(lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2))))"),
    "scan": ("elements", "tf.data.Dataset.range(5).scan(tf.constant(0, tf.int64), lambda s, x: (s + x, s "
                         "* 10))"),
    "unique": ("elements", "tf.data.Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique()"),
    "cache": ("elements", "tf.data.Dataset.range(4).cache()"),
    "prefetch": ("elements", "tf.data.Dataset.range(6).batch(4).prefetch(tf.data.AUTOTUNE)"),
    "apply": ("elements", "tf.data.Dataset.range(6).apply(lambda d: d.skip(4))"),
    "generator": ("elements", "tf.data.Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), "
                              "output_signature=tf.TensorSpec([2], tf.int32))"),
    "generator_tuple": ("elements", "tf.data.Dataset.from_generator(lambda: iter([(1, 'a'), (2, 'b')]), "
                                    "output_signature=(tf.TensorSpec([], tf.int64), tf.TensorSpec([], "
                                    "tf.string)))"),
    "shuffle": ("elements", "tf.data.Dataset.range(20).shuffle(5, seed=3)"),
    "shuffle_batch": ("sorted", "tf.data.Dataset.range(20).shuffle(8).batch(4).unbatch()"),
    "unbatch_infinite": ("elements", "tf.data.Dataset.range(3).batch(2).repeat().unbatch().take(4)"),
    "zip_unknown": ("elements", "tf.data.Dataset.zip((tf.data.Dataset.range(3).filter(lambda x: x > 1), "
                                "tf.data.Dataset.range(0)))"),
    "skip_unknown": ("elements", "tf.data.Dataset.range(3).filter(lambda x: x > 0).skip(1)"),
    "window_cardinality": ("elements", "tf.data.Dataset.range(10).window(3, 4).flat_map(lambda w: w)"),
    "repeat_unknown": ("elements", "tf.data.Dataset.range(5).filter(lambda x: x > 2).repeat().take(5)"),
    "strings_batch_nul": ("elements", "tf.data.Dataset.from_tensor_slices([b'a\\x00', b'b']).batch(2)"),
    "strings_padded_batch": ("elements", "tf.data.Dataset.from_tensor_slices(['a b', 'c']).map(lambda s: "
                                         "tf.strings.split(s)).padded_batch(2)"),
    "filter_infinite": ("elements", "tf.data.Dataset.range(10).repeat().filter(lambda x: x > 7).take(3)"),
    "reduce": ("value", "tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)"),
    "reduce_tuple": ("value", "tf.data.Dataset.range(1, 4).reduce((tf.constant(0, tf.int64), "
                              "tf.constant(1, tf.int64)), lambda s, x: (s[0] + x, s[1] * x))"),
    "zip_list_error": ("error", "tf.data.Dataset.zip([tf.data.Dataset.range(1), tf.data.Dataset.range(1)])"),
    "concatenate_error": ("error", "tf.data.Dataset.range(3).concatenate(tf.data.Dataset.from_tensors(1.0))"),
    "slices_length_error": ("error", "tf.data.Dataset.from_tensor_slices(([1, 2], [3]))"),
    "slices_scalar_error": ("error", "tf.data.Dataset.from_tensor_slices(1)"),
    "end_of_sequence": ("error", "iter(tf.data.Dataset.range(0)).get_next()"),
    # ---- string tensors ----
    "string_constant": ("value", "tf.constant([['ab', 'c'], ['', 'é']])"),
    "string_trailing_nul": ("value", "tf.constant([b'a\\x00', b'\\x00'])"),
    "string_add": ("value", "tf.constant(['Hello ', 'a']) + 'World'"),
    "string_add_scalar": ("value", "tf.constant('a') + 'b'"),
    "string_add_traced": ("value", "tf.function(lambda s: s + '!')(tf.constant('a'))"),
    "string_indexing": ("value", "(tf.constant(['a', 'b'])[1], tf.gather(tf.constant(['a', 'b']), 0), "
                                 "tuple(tf.constant(['c', 'd'])), tf.constant([['x']])[0, 0])"),
    "string_equal": ("value", "tf.constant(['a', 'b']) == 'a'"),
    "strings_join": ("value", "tf.strings.join([tf.constant(['a', 'b']), 'x'], separator='-')"),
    "strings_reduce_join": ("value", "tf.strings.reduce_join(tf.constant([['a', 'b'], ['c', 'd']]), "
                                     "separator='|')"),
    "strings_reduce_join_axis": ("value", "tf.strings.reduce_join(tf.constant([['a', 'b'], ['c', 'd']]), "
                                          "axis=1, "
                                          "keepdims=True)"),
    "strings_reduce_join_axis0": ("value", "tf.strings.reduce_join(tf.constant([['a', 'b'], ['c', 'd']]), "
                                           "axis=-2)"),
    "strings_lower": ("value", "tf.strings.lower(tf.constant(['HeLLo', 'ÀB']))"),
    "strings_upper_utf8": ("value", "tf.strings.upper(tf.constant('àb'), encoding='utf-8')"),
    "strings_strip": ("value", "tf.strings.strip(tf.constant(['  a b \\n', 'c']))"),
    "strings_length": ("value", "tf.strings.length(tf.constant(['héllo', '']))"),
    "strings_length_chars": ("value", "tf.strings.length(tf.constant(['héllo', '']), unit='UTF8_CHAR')"),
    "strings_substr": ("value", "tf.strings.substr(tf.constant(['Hello', 'ab']), 1, 3)"),
    "strings_substr_negative": ("value", "tf.strings.substr(tf.constant(['Hello', 'abc']), -2, 5)"),
    "strings_substr_error": ("error", "tf.strings.substr(tf.constant(['Hello', 'ab']), 4, 1)"),
    "strings_split": ("value", "tf.strings.split(tf.constant('a b  c '))"),
    "strings_split_sep": ("value", "tf.strings.split(tf.constant('a,b,,c'), ',')"),
    "strings_split_maxsplit": ("value", "tf.strings.split(tf.constant('a b c d'), maxsplit=2)"),
    "strings_regex_full_match": ("value", "tf.strings.regex_full_match(tf.constant(['Hello', 'hello']), "
                                          "'H.*o')"),
    "strings_regex_replace": ("value", "tf.strings.regex_replace(tf.constant(['Hello World']), r'(\\w)o', "
                                       "r'\\1 0')"),
    "strings_regex_replace_first": ("value", "tf.strings.regex_replace(tf.constant('aaa'), 'a', 'b', "
                                             "replace_global=False)"),
    "strings_to_number": ("value", "tf.strings.to_number(tf.constant(['1.5', '-2', '1e3']))"),
    "strings_to_number_int": ("value", "tf.strings.to_number(tf.constant(['7', '-12']), tf.int64)"),
    "strings_to_number_error": ("error", "tf.strings.to_number(tf.constant('x1'))"),
    "strings_as_string_float": ("value", "tf.strings.as_string(tf.constant([3.5, 1e-9, -2.25]))"),
    "strings_as_string_precision": ("value", "tf.strings.as_string(tf.constant(3.14159, tf.float64), "
                                             "precision=2)"),
    "strings_as_string_scientific": ("value", "tf.strings.as_string(tf.constant(314.159), scientific=True)"),
    "strings_as_string_shortest": ("value", "tf.strings.as_string(tf.constant([314.159, 0.5]), "
                                            "shortest=True)"),
    "strings_as_string_width": ("value", "tf.strings.as_string(tf.constant([7, -3]), width=4, fill='0')"),
    "strings_as_string_bool": ("value", "tf.strings.as_string(tf.constant([True, False]))"),
    "strings_format": ("value", "tf.strings.format('x={} y={}', (tf.constant('a'), tf.constant([1.5, 2.])))"),
    "strings_format_summarize": ("value", "tf.strings.format('{}', tf.range(10), summarize=2)"),
    "strings_split_ragged": ("value", "tf.strings.split(tf.constant(['a b', '', 'c  d e'])).to_tensor()"),
    "strings_split_ragged_2d": ("value", "tf.strings.split(tf.constant([['a b', 'c'], ['', 'd']]), "
                                         "maxsplit=1)"
                                         ".to_tensor()"),
    "strings_bytes_split_ragged": ("value", "tf.strings.bytes_split(tf.constant(['ab', 'c'])).to_tensor()"),
    "ragged_constant": ("value", "tf.ragged.constant([[1, 2], [3], []]).to_tensor(default_value=-1)"),
    "ragged_repr": ("value", "tf.constant(repr(tf.ragged.constant([[[1., 2.], [3.]], [], [[4.]]])) + "
                             "repr(tf.ragged.constant([['a', 'b'], []])))"),
    "ragged_rows": ("value", "(tf.ragged.constant([[1, 2], [3]])[0], tf.ragged.constant([[1, 2], [3]])"
                             ".row_lengths(), tf.ragged.constant([[1, 2], [3]]).row_splits, "
                             "tf.RaggedTensor.from_row_lengths([1, 2, 3], [2, 0, 1]).to_tensor(shape=[4, "
                             "3]))"),
    "ragged_map_flat_values": ("value", "tf.ragged.map_flat_values(tf.multiply, tf.ragged.constant([[1, 2], "
                                        "[3]]), 10).flat_values"),
    "unicode_decode": ("value", "tf.strings.unicode_decode(tf.constant('héllo'), 'UTF-8')"),
    "unicode_decode_ragged": ("value", "tf.strings.unicode_decode(tf.constant(['hé', '', 'x']), 'UTF-8')"
                                       ".to_tensor()"),
    "unicode_decode_invalid": ("value", "tf.strings.unicode_decode(tf.constant(b'a\\xffb'), 'UTF-8')"),
    "unicode_decode_utf16": ("value", "tf.strings.unicode_decode(tf.constant('hé'), 'UTF-16-BE')"),
    "unicode_decode_ignore": ("value", "tf.strings.unicode_decode(tf.constant(b'a\\xffb'), 'UTF-8', "
                                       "errors='ignore')"),
    "unicode_decode_strict": ("error", "tf.strings.unicode_decode(tf.constant(b'a\\xffb'), 'UTF-8', "
                                       "errors='strict')"),
    "unicode_encode": ("value", "tf.strings.unicode_encode(tf.constant([104, 233]), 'UTF-8')"),
    "unicode_encode_2d": ("value", "tf.strings.unicode_encode(tf.constant([[104, 233], [120, 121]]), "
                                   "'UTF-16-BE')"),
    "unicode_encode_ragged": ("value", "tf.strings.unicode_encode(tf.ragged.constant([[104, 233], [120]]), "
                                       "'UTF-8')"),
    "unicode_split": ("value", "tf.strings.unicode_split(tf.constant(['héllo', '']), 'UTF-8').to_tensor()"),
    "unicode_split_scalar": ("value", "tf.strings.unicode_split(tf.constant('hé'), 'UTF-8')"),
    "unicode_transcode": ("value", "tf.strings.unicode_transcode(tf.constant(['héllo', 'x']), 'UTF-8', "
                                   "'UTF-16-BE')"),
    "unicode_transcode_invalid": ("value", "tf.strings.unicode_transcode(tf.constant(b'a\\xffb'), 'UTF-8', "
                                           "'UTF-8', replacement_char=63)"),
    "strings_bytes_split": ("value", "tf.strings.bytes_split(tf.constant('abc'))"),
    "decode_csv": ("value", "tuple(tf.io.decode_csv(tf.constant(['1,a,2.5', '2,\"b,c\",']), "
                            "[tf.constant(0), 'z', tf.constant(7.)]))"),
    "decode_csv_select": ("value", "tuple(tf.io.decode_csv('1;x;3', [tf.constant(0, tf.int64), 0.], "
                                   "field_delim=';', select_cols=[0, 2]))"),
    "decode_csv_na": ("value", "tuple(tf.io.decode_csv(tf.constant([['NA,1']]), [5, 0], na_value='NA'))"),
    "decode_csv_required": ("error", "tf.io.decode_csv('1,', [0, tf.constant([], tf.int32)])"),
    "decode_csv_not_int": ("error", "tf.io.decode_csv('1,x', [0, 0])"),
    "decode_csv_int32_range": ("error", "tf.io.decode_csv('99999999999', [0])"),
    "decode_csv_count": ("error", "tf.io.decode_csv('1,2,3', [0, 0])"),
    "csv_in_map": ("elements", "tf.data.Dataset.from_tensor_slices(['1,2', '3,4']).map(lambda line: "
                               "tf.io.decode_csv(line, [0., 0]))"),
    # (one feature per message: protobuf prints a map in an order of its own)
    "example_text": ("value", "tf.constant(str(tf.train.Example(features=tf.train.Features(feature={"
                              "'b': tf.train.Feature(bytes_list=tf.train.BytesList(value=[b'hi', "
                              "b'\\xff\\n\"']))}))))"),
    "feature_text": ("value", "tf.constant(str(tf.train.Feature(float_list=tf.train.FloatList(value=[1.5, "
                              "0.1, 1e-8, "
                              "3e38, 2.0]))) + str(tf.train.Int64List(value=[1, -2, 2**62])))"),
    "parse_example": ("value", "parse(tf, tf.io.parse_example, [EXAMPLE] * 2, {"
                               "'x': tf.io.FixedLenFeature([2], tf.int64), 'f': "
                               "tf.io.FixedLenFeature([2], tf.float32), "
                               "'b': tf.io.FixedLenFeature([3], tf.string), "
                               "'m': tf.io.FixedLenFeature([2], tf.int64, default_value=[7, 8])})"),
    "parse_single_example": ("value", "parse(tf, tf.io.parse_single_example, EXAMPLE, {"
                                      "'x': tf.io.FixedLenFeature([1, 2], tf.int64), "
                                      "'b': tf.io.FixedLenFeature([3], tf.string)})"),
    "parse_example_count": ("error", "parse(tf, tf.io.parse_single_example, EXAMPLE, "
                                     "{'x': tf.io.FixedLenFeature([3], tf.int64)})"),
    "parse_example_missing": ("error", "parse(tf, tf.io.parse_single_example, EXAMPLE, "
                                       "{'q': tf.io.FixedLenFeature([], tf.float32)})"),
    "parse_example_type": ("error", "parse(tf, tf.io.parse_single_example, EXAMPLE, "
                                    "{'x': tf.io.FixedLenFeature([2], tf.float32)})"),
    "parse_var_len": ("value", "parse(tf, tf.io.parse_single_example, EXAMPLE, {"
                               "'x': tf.io.VarLenFeature(tf.int64), 'b': tf.io.VarLenFeature(tf.string), "
                               "'q': tf.io.VarLenFeature(tf.float32)})"),
    "parse_var_len_batch": ("value", "parse(tf, tf.io.parse_example, [EXAMPLE, EXAMPLE2], {"
                                     "'x': tf.io.VarLenFeature(tf.int64), 'b': "
                                     "tf.io.VarLenFeature(tf.string)})"),
    "parse_sequence": ("value", "parse(tf, tf.io.parse_example, [EXAMPLE, EXAMPLE2], {"
                                "'b': tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True), "
                                "'x': tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True, "
                                "default_value=-1)})"),
    "parse_sequence_single": ("value", "parse(tf, tf.io.parse_single_example, EXAMPLE, {"
                                       "'f': tf.io.FixedLenSequenceFeature([], tf.float32, "
                                       "allow_missing=True), "
                                       "'q': tf.io.FixedLenSequenceFeature([3], tf.int64, "
                                       "allow_missing=True)})"),
    "parse_sequence_not_allowed": ("error", "parse(tf, tf.io.parse_single_example, EXAMPLE, {"
                                            "'f': tf.io.FixedLenSequenceFeature([], tf.float32)})"),
    "parse_ragged": ("value", "parse(tf, tf.io.parse_example, [EXAMPLE, EXAMPLE2], {"
                              "'b': tf.io.RaggedFeature(tf.string), 'x': tf.io.RaggedFeature(tf.int64)})"),
    "parse_ragged_single": ("value", "parse(tf, tf.io.parse_single_example, EXAMPLE, {"
                                     "'b': tf.io.RaggedFeature(tf.string)})"),
    "parse_var_len_in_map": ("elements", "tf.data.Dataset.from_tensor_slices([EXAMPLE, "
                                         "EXAMPLE2]).map(lambda r: "
                                         "tf.io.parse_single_example(r, {'b': "
                                         "tf.io.VarLenFeature(tf.string)}))"
                                         ".batch(2)"),
    "parse_var_len_batched_map": ("elements", "tf.data.Dataset.from_tensor_slices([EXAMPLE, "
                                              "EXAMPLE2]).batch(2)"
                                              ".map(lambda r: tf.io.parse_example(r, {'x': "
                                              "tf.io.VarLenFeature(tf.int64), 'r': "
                                              "tf.io.RaggedFeature(tf.string, "
                                              "value_key='b')}))"),
    "parse_in_map": ("elements", "tf.data.Dataset.from_tensors(EXAMPLE).repeat(2).map(lambda r: "
                                 "tf.io.parse_single_example(r, {'f': tf.io.FixedLenFeature([2], "
                                 "tf.float32)}))"),
    "strings_in_map": ("elements", "tf.data.Dataset.from_tensor_slices(['1,2', '30,4']).map(lambda s: "
                                   "tf.strings.to_number(tf.strings.split(s, ','), tf.int32))"),
    "ragged_slices": ("elements", "tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1, 2, 3], [], "
                                  "[4]]))"),
    "ragged_slices_rank2": ("elements", "tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[[1], [2, "
                                        "3]], "
                                        "[[4]]]))"),
    "ragged_slices_batch": ("elements", "tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1, 2, 3], "
                                        "[], "
                                        "[4]])).batch(2)"),
    "ragged_tensors_repeat_batch": ("elements", "tf.data.Dataset.from_tensors(tf.ragged.constant([[1, 2], "
                                                "[3]]))"
                                                ".repeat(3).batch(2, drop_remainder=True)"),
    "ragged_batch_unbatch": ("elements", "tf.data.Dataset.range(5).map(lambda x: tf.range(x)).ragged_batch(2)"
                                         ".unbatch()"),
    "ragged_batch": ("elements", "tf.data.Dataset.range(5).map(lambda x: tf.range(x)).ragged_batch(2)"),
    "ragged_batch_inner": ("elements", "tf.data.Dataset.range(4).map(lambda x: (x, tf.fill([x, 2], x)))"
                                       ".ragged_batch(3)"),
    "ragged_batch_uniform": ("elements", "tf.data.Dataset.range(4).map(lambda x: tf.fill([3], x))"
                                         ".ragged_batch(2)"),
    "ragged_batch_nested": ("elements", "tf.data.Dataset.from_tensor_slices(['a b', 'c', '']).batch(2)"
                                        ".map(tf.strings.split).ragged_batch(2)"),
    "ragged_map_split": ("elements", "tf.data.Dataset.from_tensor_slices(['a b', 'c d e', '']).batch(2)"
                                     ".map(lambda s: tf.strings.split(s))"),
    "ragged_map_split_to_tensor": ("elements", "tf.data.Dataset.from_tensor_slices(['a b', 'c d e', ''])"
                                               ".batch(2).map(lambda s: tf.strings.split(s).to_tensor())"),
    "ragged_map_ops": ("elements", "tf.data.Dataset.from_tensors(tf.ragged.constant([[1, 2], [3]])).map("
                                   "lambda r: (r.row_lengths(), r[0], r + 1, r.to_tensor(-1), r.nrows()))"),
    "ragged_padded_batch": ("error", "tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1, 2], [3]]))"
                                     ".padded_batch(2)"),
    "ragged_reduce": ("value", "tf.data.Dataset.range(4).map(lambda x: tf.range(x)).ragged_batch(2).reduce("
                               "tf.constant(0, tf.int64), lambda s, r: s + tf.reduce_sum(r.flat_values))"),
    "sparse_batch": ("elements", "tf.data.Dataset.range(3).map(lambda x: tf.sparse.SparseTensor([[0]], [x], "
                                 "[x + 1])).batch(2)"),
    "sparse_slices": ("elements", "tf.data.Dataset.from_tensor_slices(tf.sparse.SparseTensor([[0, 1], [2, "
                                  "0]], "
                                  "[1, 2], [3, 4]))"),
    "sparse_tensors": ("elements", "tf.data.Dataset.from_tensors(tf.sparse.SparseTensor([[0]], [1], [3]))"
                                   ".repeat(2)"),
    "zeros_like_strings": ("value", "tf.zeros_like(tf.constant(['a', 'b']))"),
    "strings_batch": ("elements", "tf.data.Dataset.from_tensor_slices(['a', 'bb', 'c']).map(lambda s: "
                                  "tf.strings.upper(s) + '!').batch(2)"),
}


# A serialized tf.train.Example (written by TensorFlow's protobuf library) for the parsing cases.
EXAMPLE = (b'\n@\n\x14\n\x01x\x12\x0f\x1a\r\n\x0b\x01\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01'
           b'\n\x15\n\x01b\x12\x10\n\x0e\n\x02hi\n\x01\xff\n\x05hello\n'
           b'\x11\n\x01f\x12\x0c\x12\n\n\x08\x00\x00\xc0?\x00\x00\x00\x00')


# A second one (also TensorFlow's): 'x' int64 [5, 6, 7, 8], 'b' bytes [b'z'] ('f' missing).
EXAMPLE2 = b'\n\x1b\n\r\n\x01x\x12\x08\x1a\x06\n\x04\x05\x06\x07\x08\n\n\n\x01b\x12\x05\n\x03\n\x01z'


def parse(tf: Any, parser: Any, serialized: Any, features: dict) -> tuple:
    """A parse's result as a tuple in key order (its dict is compared as a structure)."""
    result = parser(serialized, features)
    return tuple(result[key] for key in sorted(result))


def evaluate(tf: Any, source: str) -> Any:
    names = {"tf": tf, "np": np, "EXAMPLE": EXAMPLE, "EXAMPLE2": EXAMPLE2, "parse": parse}
    return eval(source, names)  # noqa: S307 - the test's own case sources


def encode(value: Any) -> Any:
    """A nested value as JSON: tensors as [dtype, shape, values], tuples and dicts marked."""
    if isinstance(value, dict):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if hasattr(value, "nested_row_splits"):  # a RaggedTensor
        return {"ragged": [encode(value.flat_values), [encode(s) for s in value.nested_row_splits]]}
    if hasattr(value, "dense_shape"):  # a SparseTensor
        return {"sparse": [encode(value.indices), encode(value.values), encode(value.dense_shape)]}
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    values = array.tolist()
    if array.dtype.kind in "SO":
        array = array.astype(object)
        decode = np.vectorize(lambda b: b.decode("latin-1"), otypes=[object])
        values = decode(array).tolist() if array.ndim else array.item().decode("latin-1")
    return [value.dtype.name, list(array.shape), values]


def record(tf: Any, kind: str, source: str) -> dict:
    """What a case gives: its elements (or value), cardinality, element_spec and repr."""
    tf.random.set_seed(None)  # as the fixture was recorded: no global seed left by an earlier test
    if kind == "error":
        try:
            evaluate(tf, source)
        except Exception as e:  # TF's message, without its function-node prefix and name suffix
            message = re.sub(r"^\{\{function_node [^}]*\}\} ", "", str(e)).removesuffix(" name: ")
            return {"error": type(e).__name__, "message": message}
        return {"error": None}
    result = evaluate(tf, source)
    if kind == "value":
        return {"value": encode(result)}
    elements = [encode(e) for e in result]
    if kind == "sorted":
        elements.sort(key=repr)
    return {"elements": elements, "cardinality": int(result.cardinality()), "repr": repr(result),
            "element_spec": repr(result.element_spec)}
