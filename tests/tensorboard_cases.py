"""Keras fits logged by the `TensorBoard` callback, written once for tapeflow and tf-keras (`tf` is either
module), and what they wrote, as comparable records.

Each case trains the same small classifier (tf-keras's weights after `set_random_seed(0)`, no shuffling)
for two epochs of four batches with validation, with the callback's options of the case."""

import glob
import json
import os

import numpy as np

from tapeflow.data.tfrecord import read_records
from tapeflow.summary.messages import EVENT, SUMMARY_METADATA
from tapeflow.train.proto import decode

CASES = {
    # no callback asks for batch hooks: epoch summaries only, no train graph (tf-keras's behaviour)
    "quiet": ({}, {"verbose": 0}),
    "batches_histograms_images": ({"update_freq": "batch", "histogram_freq": 1, "write_images": True},
                                  {"verbose": 1}),
    "every_2_steps_per_second": ({"update_freq": 2, "write_steps_per_second": True}, {"verbose": 0}),
    # a summary written by the model's own layer, at the callback's writer and frequency; a schedule
    "custom_summary_schedule": ({"update_freq": 2}, {"verbose": 2, "custom": True}),
}
TIMINGS = ("batch_steps_per_second", "epoch_steps_per_second")  # values that are measured times


def fit(tf, logdir, case):
    """Run `case`'s fit, logging to `logdir`."""
    options, settings = CASES[case]
    tf.keras.backend.clear_session()  # layer names from dense, dense_1
    tf.keras.utils.set_random_seed(0)

    class Summarised(tf.keras.layers.Layer):
        def call(self, inputs):
            tf.summary.scalar("custom_mean", tf.reduce_mean(inputs))
            return inputs

    layers = [tf.keras.layers.Dense(4, activation="relu", input_shape=(3,))]
    layers += [Summarised()] if settings.get("custom") else []
    model = tf.keras.Sequential([*layers, tf.keras.layers.Dense(2, activation="softmax")])
    rate = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5) if settings.get("custom") else 0.1
    model.compile(tf.keras.optimizers.SGD(rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.RandomState(0).rand(16, 3).astype("float32")
    y = (x[:, 0] > 0.5).astype("int32")
    model.fit(x, y, batch_size=4, epochs=2, validation_data=(x[:8], y[:8]), shuffle=False,
              verbose=settings["verbose"], callbacks=[tf.keras.callbacks.TensorBoard(str(logdir), **options)])


_NUMPY = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64}


def _value(tensor, plugin):
    """What a summary holds, comparable across writers: numbers as lists, images as (width, height,
    count), the Keras model as its parsed JSON."""
    shape = [d["size"] for d in tensor.get("tensor_shape", {}).get("dim", [])]
    if tensor["dtype"] == 7:
        strings = tensor["string_val"]
        if plugin == "images":
            return [int(strings[0]), int(strings[1]), len(strings) - 2]
        return json.loads(strings[0]) if plugin == "graph_keras_model" else [s.decode() for s in strings]
    array = np.frombuffer(tensor["tensor_content"], _NUMPY[tensor["dtype"]]).reshape(shape)
    return array.astype(np.float64).tolist()


def written(logdir):
    """[run, tag, step, plugin, value] of each event under `logdir` (a graph as tag '<graph>'), in
    each run's file order."""
    records = []
    for path in sorted(glob.glob(os.path.join(str(logdir), "*", "events.out.tfevents.*"))):
        run = os.path.basename(os.path.dirname(path))
        for record in list(read_records(path, ""))[1:]:
            event = decode(EVENT, record)
            step = event.get("step", 0)
            if "graph_def" in event:
                records.append([run, "<graph>", step, "", None])
            for value in event.get("summary", {}).get("value", []):
                plugin = decode(SUMMARY_METADATA, value.get("metadata", b"")).get("plugin_data", {})
                name = plugin.get("plugin_name", b"").decode()
                records.append([run, value["tag"].decode(), step, name, _value(value["tensor"], name)])
    return records

