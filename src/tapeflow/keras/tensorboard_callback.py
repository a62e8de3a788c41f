"""`tf.keras.callbacks.TensorBoard`: what `fit` and `evaluate` do, written for TensorBoard as tf-keras
2.21 writes it, tag for tag and step for step.

Under `log_dir/train`: the model's config as JSON (`keras`, step 0, for Sequential and functional
models: TensorBoard draws it as the Keras graph), the compiled train step's graph (step 0, after the
first batch), `epoch_<metric>` at each epoch (`epoch_learning_rate` when the rate is a schedule,
`epoch_steps_per_second` with `write_steps_per_second`), `batch_<metric>` every `update_freq` batches
(at the batch count of this fit), weight histograms `<layer>/<weight>_0/histogram` every
`histogram_freq` epochs, and with `write_images` each weight as an image. Under
`log_dir/validation`: `epoch_<metric>` of the validation data, and `evaluation_<metric>_vs_iterations`
at the optimizer's step count after each evaluation.

As in tf-keras, batch summaries and the train graph are written only when the callback list calls
batch hooks (some callback overrides them: the progress bar with `verbose=1`, or this one with
`write_steps_per_second` or `profile_batch`), and while `update_freq` is not 'epoch' the callback's
writer is the default one during fit, recording every `update_freq` batches, so summaries written in
the model's own code land beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from typing import Any

import numpy as np

from tapeflow import summary
from tapeflow.keras.callbacks import Callback
from tapeflow.keras.optimizers.schedules import LearningRateSchedule
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import equal
from tapeflow.summary.events import plugin_metadata
from tapeflow.tracing.function import Function
from tapeflow.version import VERSION

__all__ = ["TensorBoard"]

_V1_ARGUMENTS = {
    "write_grads": "`write_grads` will be ignored in TensorFlow 2.0 for the `TensorBoard` Callback.",
    "batch_size": "`batch_size` is no longer needed in the `TensorBoard` Callback and will be ignored in "
    "TensorFlow 2.0.",
    "embeddings_layer_names": "`embeddings_layer_names` is not supported in TensorFlow 2.0. Instead, all "
    "`Embedding` layers will be visualized.",
    "embeddings_data": "`embeddings_data` is not supported in TensorFlow 2.0. Instead, all `Embedding` "
    "variables will be visualized.",
}
_KERAS_MODEL_METADATA = plugin_metadata("graph_keras_model", None, b"1")  # TensorBoard's plugin, version 1


def _check_arguments(kwargs: dict) -> None:
    """tf-keras 1's arguments are accepted with a warning; others are errors."""
    for name, message in _V1_ARGUMENTS.items():
        if kwargs.get(name, False):
            warnings.warn(message, stacklevel=3)
    unknown = set(kwargs) - set(_V1_ARGUMENTS)
    if unknown:
        raise ValueError(f"Unrecognized arguments in `TensorBoard` Callback: {unknown}. "
                         f"Supported kwargs are: {set(_V1_ARGUMENTS)}")


def _profile_range(profile_batch: Any) -> tuple[int, int]:
    """`profile_batch` (an int, a pair, or 'a,b') as the first and last batch to trace."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of "
               "positive integers signifies a range of batches to profile. Found: "
               f"{profile_batch}")
    if isinstance(profile_batch, str):
        profile_batch = [int(part) for part in profile_batch.split(",")]
    if isinstance(profile_batch, int):
        start = stop = profile_batch
    elif isinstance(profile_batch, tuple | list) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def model_json(model: Any) -> str:
    """`model.to_json()`: the model's class and config, with tf-keras's version and backend."""
    config = {"class_name": type(model).__name__, "config": model.get_config(), "keras_version": VERSION,
              "backend": "tensorflow"}
    return json.dumps(config, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))


def weight_image(weight: np.ndarray) -> np.ndarray | None:
    """A weight as tf-keras draws it: a bias as one column, a Dense kernel with its longer side
    across, a convolution kernel as one image per input channel; None when it cannot be an image."""
    image = np.squeeze(weight)
    if image.ndim == 1:
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, *image.shape, 1)
    elif image.ndim == 3:  # channels last: one image per input channel
        image = np.transpose(image, (2, 0, 1))[..., np.newaxis]
    return image if image.ndim == 4 and image.shape[-1] in (1, 3, 4) else None


class TensorBoard(Callback):
    """Writes training's metrics, weights and graphs for TensorBoard (see the module doc).

    `profile_batch` traces the batches in its range and writes their graph (`batch_<n>`); tapeflow
    has no profiler, so no profile is written. `embeddings_freq` saves the weights for the
    projector every so many epochs, with the projector's config, as tf-keras does."""

    def __init__(self, log_dir: Any = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False,
                 update_freq: Any = "epoch", profile_batch: Any = 0, embeddings_freq: int = 0,
                 embeddings_metadata: Any = None, **kwargs: Any):
        super().__init__()
        _check_arguments(kwargs)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph, self.write_images = histogram_freq, write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._should_trace = not (self._start_batch == 0 and self._stop_batch == 0)
        self._is_tracing = False
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._batch_start_time = self._epoch_start_time = 0.0
        self._writers: dict = {}
        self._pushed: list[contextlib.ExitStack] = []

    # ---- writers -----------------------------------------------------------------------------------

    def set_model(self, model: Any) -> None:
        """Sets the model; writes its config now (with `write_graph`), its train graph after a batch."""
        self.model = model
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._train_step, self._val_step = model._train_counter, model._test_counter
        self._writers = {}
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_keras_model_summary()
            self._should_write_train_graph = True
        if self.embeddings_freq:
            self._configure_embeddings()

    def _writer(self, run: str) -> Any:
        if run not in self._writers:
            logdir = self._train_dir if run == "train" else self._val_dir
            self._writers[run] = summary.create_file_writer(logdir)
        return self._writers[run]

    def _push_writer(self, writer: Any, step: Any) -> None:
        """During fit (or evaluate), `writer` is the default, recording every `update_freq` batches."""
        if self.update_freq == "epoch":
            return
        context = contextlib.ExitStack()
        context.enter_context(writer.as_default(tensor(step.numpy())))
        context.enter_context(summary.record_if(lambda: equal(step % self.update_freq, 0)))
        self._pushed.append(context)

    def _pop_writer(self) -> None:
        if self.update_freq != "epoch":
            self._pushed.pop().close()

    def _write_keras_model_summary(self) -> None:
        """The model's config as JSON (`keras`), for TensorBoard's Keras graph; a model that cannot be
        serialised is skipped with a warning."""
        if not (self.model._is_graph_network or type(self.model).__name__ == "Sequential"):
            return
        try:
            text = model_json(self.model)
        except Exception as error:  # noqa: BLE001 - as tf-keras: a model that will not serialise is skipped
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}", stacklevel=3)
            return
        with self._writer("train").as_default(), summary.record_if(True):
            with summary.experimental.summary_scope("keras", "graph_keras_model") as (tag, _):
                summary.write(tag, tensor(text), step=0, metadata=_KERAS_MODEL_METADATA)

    def _write_keras_model_train_graph(self) -> None:
        """The graph of the compiled train step (its first trace), as `tf.summary.graph` writes it."""
        train_function = self.model._train_function
        if isinstance(train_function, Function) and train_function._cache:
            with self._writer("train").as_default(), summary.record_if(True):
                summary.graph(next(iter(train_function._cache.values())).graph)

    def _configure_embeddings(self) -> None:
        """`projector_config.pbtxt` naming each Embedding layer's checkpointed table (as tf-keras names
        it) and its metadata file, for TensorBoard's projector."""
        from tapeflow.keras.layers import Embedding  # the layers import the engine, which imports callbacks

        metadata = self.embeddings_metadata
        entries = []
        for layer in self.model.layers:
            if isinstance(layer, Embedding):
                entry = '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
                path = metadata if isinstance(metadata, str) else (metadata or {}).pop(layer.name, None)
                if path is not None:
                    entry += f'  metadata_path: "{path}"\n'
                entries.append("embeddings {\n" + entry + "}\n")
        if metadata and not isinstance(metadata, str):
            raise ValueError("Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                             f"`embeddings_metadata` argument: {metadata.keys()}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as file:
            file.write("".join(entries))

    # ---- hooks -------------------------------------------------------------------------------------

    def _implements_batch_hooks(self, mode: str) -> bool:
        return mode == "train" and (self._should_trace or self.write_steps_per_second)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._push_writer(self._writer("train"), self._train_step)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._pop_writer()
        if self._is_tracing:
            self._stop_trace()
        for writer in self._writers.values():
            writer.close()

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._push_writer(self._writer("validation"), self._val_step)

    def on_test_end(self, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        if optimizer is not None and hasattr(optimizer, "iterations"):
            with summary.record_if(True), self._writer("validation").as_default():
                for name, value in (logs or {}).items():
                    summary.scalar(f"evaluation_{name}_vs_iterations", value,
                                   step=optimizer.iterations.numpy())
        self._pop_writer()

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._should_trace and self._global_train_batch == self._start_batch:
            summary.trace_on(graph=True)
            self._is_tracing = True

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._should_write_train_graph:
            self._write_keras_model_train_graph()
            self._should_write_train_graph = False
        if self.write_steps_per_second:
            summary.scalar("batch_steps_per_second", 1.0 / (time.time() - self._batch_start_time),
                           step=self._train_step)
        for name, value in (logs or {}).items():
            summary.scalar("batch_" + name, value, step=self._train_step)
        if self._is_tracing and self._global_train_batch >= self._stop_batch:
            self._stop_trace()

    def _stop_trace(self) -> None:
        with self._writer("train").as_default(), summary.record_if(True):
            summary.trace_export(name=f"batch_{self._stop_batch}", step=self._stop_batch)
        self._is_tracing = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(self.model.optimizer.iterations.numpy())
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(self.log_dir, "train", f"keras_embedding.ckpt-{epoch}"))

    # ---- epoch summaries ---------------------------------------------------------------------------

    def _log_epoch_metrics(self, epoch: int, logs: dict | None) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = self.model.optimizer
        schedule = getattr(optimizer, "_learning_rate", None)
        if isinstance(schedule, LearningRateSchedule):
            train_logs["learning_rate"] = schedule(optimizer.iterations)
        if self.write_steps_per_second:
            iterations = int(optimizer.iterations.numpy()) - self._previous_epoch_iterations
            train_logs["steps_per_second"] = iterations / (time.time() - self._epoch_start_time)
        with summary.record_if(True):
            for run, run_logs in (("train", train_logs), ("validation", val_logs)):
                if run_logs:
                    with self._writer(run).as_default():
                        for name, value in run_logs.items():
                            summary.scalar("epoch_" + name, value, step=epoch)

    def _log_weights(self, epoch: int) -> None:
        """Each layer's weights as histograms (and images, with `write_images`), named as tf-keras
        names them: `dense/kernel_0/histogram`."""
        writer = self._writer("train")
        with writer.as_default(), summary.record_if(True):
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.name.replace(":", "_")
                    summary.histogram(name + "/histogram", weight, step=epoch)
                    image = weight_image(weight.numpy()) if self.write_images else None
                    if image is not None:
                        summary.image(name + "/image", image, step=epoch)
            writer.flush()
