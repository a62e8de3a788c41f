"""`tf.keras.Model`: a layer that trains. `compile` fixes the optimizer, loss and metrics; `fit` runs
`train_step` over the data's batches (compiled with tapeflow's `tf.function` unless `run_eagerly`),
calling the callbacks around epochs and batches; `evaluate` and `predict` run `test_step` and
`predict_step`. A subclass's own `train_step`/`test_step`/`predict_step` is what runs, as in Keras.

`Model(inputs, outputs)` makes a functional model (`functional.Functional`)."""

from __future__ import annotations

import copy
import functools
import json
import os
import warnings
from typing import Any

import numpy as np

from tapeflow.autodiff.tape import GradientTape
from tapeflow.core import nest
from tapeflow.core.tensor import TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.data.dataset import Dataset
from tapeflow.distribute.strategy import get_strategy, has_strategy
from tapeflow.keras import optimizers
from tapeflow.keras.callbacks import CallbackList
from tapeflow.keras.engine import compile_utils, data_adapter, summary
from tapeflow.keras.engine.base_layer import Layer, _unique
from tapeflow.ops.variables import Variable
from tapeflow.tracing.function import function, functions_run_eagerly
from tapeflow.train.checkpoint import Checkpoint
from tapeflow.train.state import update_checkpoint_state

__all__ = ["Model"]


def _in_strategy_scope(method: Any) -> Any:
    """Run `method` in the scope of the strategy the model was made (or compiled) in, if any."""

    @functools.wraps(method)
    def in_scope(self: Model, *args: Any, **kwargs: Any) -> Any:
        if self._distribution_strategy is None:
            return method(self, *args, **kwargs)
        with self._distribution_strategy.scope():
            return method(self, *args, **kwargs)

    return in_scope


def _python(logs: dict) -> dict:
    """Logs with each scalar tensor as a Python number, as Keras gives them to callbacks."""
    out = {}
    for k, v in logs.items():
        if isinstance(v, TensorLike):
            v = v.numpy()
        out[k] = v.item() if isinstance(v, np.ndarray | np.generic) and np.ndim(v) == 0 else v
    return out


class Model(Layer):
    """A layer with training: `compile`, `fit`, `evaluate`, `predict` (see the module doc)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and (args or "inputs" in kwargs):
            from tapeflow.keras.engine.functional import Functional  # imported here: it subclasses Model

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any):
        if args or "inputs" in kwargs:
            raise NotImplementedError(
                "tapeflow's Keras cannot yet build a subclass of tf.keras.Model from inputs and outputs "
                "(super().__init__(inputs, outputs)); use tf.keras.Model(inputs, outputs), or a subclass "
                "with a `call` method."
            )
        Layer.__init__(self, **kwargs)
        self._init_training_state()

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Model:
        """A model from its config: a functional graph's config makes a functional model, as in Keras;
        a subclass's config is passed to its constructor."""
        if "layers" in config and "input_layers" in config and "output_layers" in config:
            from tapeflow.keras.engine.functional import Functional  # imported here: it subclasses Model

            return Functional.from_config(config, custom_objects)
        return cls(**config)

    def _init_training_state(self) -> None:
        self.optimizer: Any = None
        self._compile_config: dict | None = None  # the arguments of `compile`, for saving
        self.compiled_loss: compile_utils.LossesContainer | None = None
        self.compiled_metrics: compile_utils.MetricsContainer | None = None
        self._is_compiled = False
        self._run_eagerly = None
        self._train_function = self._test_function = self._predict_function = None
        self.stop_training = False
        self.history = None
        self._is_graph_network = False
        # batches run by the current fit / evaluate (what TensorBoard's batch summaries are logged at)
        self._train_counter = Variable(0, dtype="int64", trainable=False)
        self._test_counter = Variable(0, dtype="int64", trainable=False)
        self._distribution_strategy = get_strategy() if has_strategy() else None

    # ---- structure ---------------------------------------------------------------------------------

    def _trackable_children(self) -> list:
        children = super()._trackable_children()
        if self.optimizer is not None and all(name != "optimizer" for name, _ in children):
            children.append(("optimizer", self.optimizer))
        return children

    @property
    def weights(self) -> list:
        """Keras's order for a model (unlike a layer's trainable-first order): each layer's weights in
        turn, then the model's own."""
        layered = [w for layer in self._layers for w in layer.weights]
        return _unique(layered + self._trainable_weights + self._non_trainable_weights)

    variables = weights

    def _layer_children(self) -> list:
        """A network's children as tf-keras names them in checkpoints: `layer_with_weights-i` for the
        layers with weights, `layer-i` for every layer, then the optimizer."""
        children, with_weights = [], 0
        for index, layer in enumerate(self.layers):
            if layer.weights:
                children.append((f"layer_with_weights-{with_weights}", layer))
                with_weights += 1
            children.append((f"layer-{index}", layer))
        if self.optimizer is not None:
            children.append(("optimizer", self.optimizer))
        return children

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by `name` or by `index` in `layers`."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(
        self,
        line_length: int | None = None,
        positions: list | None = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Print the table of layers, output shapes and parameter counts, as Keras 2."""
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` or "
                "by calling the model on a batch of data."
            )
        summary.print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            show_trainable=show_trainable,
        )

    # ---- compile -----------------------------------------------------------------------------------

    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        loss_weights: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool | None = None,
        steps_per_execution: Any = None,
        jit_compile: Any = None,
        pss_evaluation_shards: int = 0,
        **kwargs: Any,
    ) -> None:
        """Fix the optimizer (a name or an object), the loss(es) and the metrics for training."""
        for kwarg in kwargs:
            if kwarg not in ("experimental_steps_per_execution", "sample_weight_mode"):
                raise TypeError(
                    f"Invalid keyword argument(s) in `compile()`: {tuple(kwargs)}. Valid keyword "
                    f'arguments include "cloning", "experimental_run_tf_function", '
                    f'"distribute", "target_tensors", or "sample_weight_mode".'
                )
        if has_strategy():
            self._distribution_strategy = get_strategy()
        self._compile_config = {
            "optimizer": optimizer,
            "loss": loss,
            "metrics": metrics,
            "loss_weights": loss_weights,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }
        self.optimizer = optimizers.get(optimizer)
        names = self._output_names()
        self.compiled_loss = compile_utils.LossesContainer(loss, loss_weights, output_names=names)
        self.compiled_metrics = compile_utils.MetricsContainer(metrics, weighted_metrics, output_names=names)
        self.loss = loss or {}
        self._run_eagerly = run_eagerly
        self._is_compiled = True
        self._train_function = self._test_function = self._predict_function = None

    def _output_names(self) -> list[str] | None:
        return None

    @property
    def run_eagerly(self) -> bool:
        return bool(self._run_eagerly) or functions_run_eagerly()

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        self._run_eagerly = value
        self._train_function = self._test_function = self._predict_function = None

    @property
    def metrics(self) -> list:
        """The loss and metric objects (after the first step): what `fit` logs."""
        out = []
        if self._is_compiled:
            if self.compiled_loss is not None and self.compiled_loss._losses is not None:
                out += self.compiled_loss.metrics
            if self.compiled_metrics is not None:
                out += self.compiled_metrics.metrics
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def reset_states(self) -> None:
        """Zero the states of the model's stateful layers (stateful RNNs)."""
        for layer in self.layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()

    # ---- steps -------------------------------------------------------------------------------------

    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None
    ) -> Any:
        """The compiled loss of `y_pred` against `y`, plus the layers' losses."""
        return self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any) -> dict:
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data: Any) -> dict:
        """One step: forward, loss, gradients, optimizer update; returns the metrics' results."""
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        if loss is None:
            raise ValueError(
                "No loss found. You may have forgotten to provide a `loss` argument in the "
                "`compile()` method."
            )
        self.optimizer.minimize(loss, self.trainable_variables, tape=tape)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict:
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _step_function(self, step: Any, counter: Any = None) -> Any:
        """`step` as Keras runs it: the last call's losses cleared first, and `counter` (the model's
        count of train or test steps) advanced after it, inside the compiled function."""

        def run(data: Any) -> Any:
            self._clear_call_losses()
            outputs = step(data)
            if counter is not None:
                counter.assign_add(1)
            return outputs

        return run if self.run_eagerly else function(run, reduce_retracing=True)

    def _prepare(self, data: Any) -> None:
        """Build the model and the optimizer's slots eagerly before a compiled step traces them."""
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        if not self.built:
            self._build_from_batch(x)
        if self.optimizer is not None and not self.run_eagerly and self.trainable_variables:
            self.optimizer.build(self.trainable_variables)

    def build(self, input_shape: Any) -> None:
        """Build a subclassed model for inputs of `input_shape` (a shape, or a list of shapes; None
        for the batch): Keras calls it on placeholders, tapeflow on zeros of that shape (None as 1)."""
        if self._is_graph_network or self.built:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("Input shape must be defined when calling `build()` on a `Model` subclass.")
        single = all(d is None or isinstance(d, int) for d in input_shape)
        shapes = [input_shape] if single else list(input_shape)
        zeros = [np.zeros([1 if d is None else d for d in shape], self.dtype) for shape in shapes]
        self._build_from_batch(zeros[0] if single else zeros)
        self._build_input_shape = tuple(input_shape) if single else [tuple(s) for s in shapes]

    build._is_default = True  # what a first call builds is the layers' own build (base_layer._maybe_build)

    def _build_from_batch(self, x: Any) -> None:
        """Build on the first batch of fit/evaluate/predict; the build shape keeps no batch size (Keras
        builds inside its compiled step, where the batch dimension is unknown)."""
        self(x, training=False)
        self._clear_call_losses()
        shapes = self._build_input_shape
        unbatched = [TensorShape([None, *s.as_list()[1:]]) if getattr(s, "rank", None) else s
                     for s in (shapes if isinstance(shapes, (list, tuple)) else [shapes])]
        self._build_input_shape = unbatched if isinstance(shapes, (list, tuple)) else unbatched[0]

    def _assert_compiled(self) -> None:
        if not self._is_compiled:
            raise RuntimeError(
                "You must compile your model before training/testing. Use `model.compile(optimizer, loss)`."
            )

    # ---- fit / evaluate / predict ------------------------------------------------------------------

    @_in_strategy_scope
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
    ) -> Any:
        """Train for `epochs` epochs; returns the `History` (see the module doc)."""
        self._assert_compiled()
        verbose = 1 if verbose == "auto" else verbose
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split
            )
        if class_weight is not None:
            if isinstance(x, Dataset):
                raise NotImplementedError(
                    "tapeflow's fit applies `class_weight` to arrays, not yet to datasets."
                )
            sample_weight = data_adapter.class_weighted(y, sample_weight, class_weight)
        strategy = get_strategy()
        sharded = strategy.num_replicas_in_sync > 1
        data = data_adapter.DataHandler(
            x, y, sample_weight, batch_size, steps_per_epoch, initial_epoch, epochs, shuffle,
            order=strategy.same_permutation,
        )
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=data.steps,
        )
        self.stop_training = False
        if self._train_function is None:
            self._train_function = self._step_function(self.train_step, self._train_counter)
        self._train_counter.assign(0)
        callbacks.on_train_begin()
        logs: dict = {}
        for epoch in data.enumerate_epochs():
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            step = -1
            for step, batch in enumerate(data.batches()):
                callbacks.on_train_batch_begin(step)
                if sharded:  # this worker's rows of the global batch
                    batch = nest.map_structure(strategy.worker_rows, batch)
                if step == 0 and epoch == initial_epoch:
                    self._prepare(batch)
                logs = _python(self._train_function(batch))
                if sharded:
                    logs = strategy.mean_over_workers(logs)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError(
                    "Unexpected result of `train_function` (Empty logs). This could be due to issues "
                    "in input pipelines that resulted in an empty dataset."
                )
            epoch_logs = copy.copy(logs)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val_x, val_y, val_w = data_adapter.unpack_x_y_sample_weight(validation_data)
                val_logs = self.evaluate(
                    val_x,
                    val_y,
                    sample_weight=val_w,
                    batch_size=validation_batch_size or batch_size,
                    steps=validation_steps,
                    callbacks=callbacks,
                    verbose=0,
                    return_dict=True,
                    _in_fit=True,
                )
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return self.history

    @_in_strategy_scope
    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        return_dict: bool = False,
        _in_fit: bool = False,
        **kwargs: Any,
    ) -> Any:
        """The loss and metrics over the data: a scalar, a list in `metrics_names` order, or a dict."""
        self._assert_compiled()
        verbose = 1 if verbose == "auto" else verbose
        data = data_adapter.DataHandler(x, y, sample_weight, batch_size, steps)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=data.steps
            )
        if self._test_function is None:
            self._test_function = self._step_function(self.test_step, self._test_counter)
        self.reset_metrics()
        self._test_counter.assign(0)
        callbacks.on_test_begin()
        logs: dict = {}
        for step, batch in enumerate(data.batches()):
            callbacks.on_test_batch_begin(step)
            if step == 0:
                self._prepare(batch)
            logs = _python(self._test_function(batch))
            callbacks.on_test_batch_end(step, logs)
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    @_in_strategy_scope
    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
    ) -> Any:
        """The model's outputs for `x`, batch by batch, joined as NumPy arrays."""
        verbose = 1 if verbose == "auto" else verbose
        data = data_adapter.DataHandler(x, None, None, batch_size, steps)
        callbacks = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=data.steps
        )
        if self._predict_function is None:
            self._predict_function = self._step_function(self.predict_step)
        callbacks.on_predict_begin()
        outputs = []
        for step, batch in enumerate(data.batches()):
            callbacks.on_predict_batch_begin(step)
            if step == 0 and not self.built:
                self._prepare(batch)
            outputs.append(nest.map_structure(lambda t: t.numpy(), self._predict_function(batch)))
            callbacks.on_predict_batch_end(step, {"outputs": outputs[-1]})
        if not outputs:
            raise ValueError(
                "Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` "
                "for more information of where went wrong, or file a issue/bug to `tf.keras`."
            )
        callbacks.on_predict_end()
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        reset_metrics: bool = True,
        return_dict: bool = False,
    ) -> Any:
        """One training step on one batch; the loss and metrics after it."""
        self._assert_compiled()
        batch = next(data_adapter.DataHandler(x, y, sample_weight, batch_size=_batch_length(x)).batches())
        if self._train_function is None:
            self._train_function = self._step_function(self.train_step, self._train_counter)
        self._prepare(batch)
        if reset_metrics:
            self.reset_metrics()
        return self._on_batch_result(_python(self._train_function(batch)), return_dict)

    def test_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        reset_metrics: bool = True,
        return_dict: bool = False,
    ) -> Any:
        """The loss and metrics on one batch."""
        self._assert_compiled()
        batch = next(data_adapter.DataHandler(x, y, sample_weight, batch_size=_batch_length(x)).batches())
        if self._test_function is None:
            self._test_function = self._step_function(self.test_step, self._test_counter)
        self._prepare(batch)
        if reset_metrics:
            self.reset_metrics()
        return self._on_batch_result(_python(self._test_function(batch)), return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs for one batch, as NumPy arrays."""
        batch = next(data_adapter.DataHandler(x, batch_size=_batch_length(x)).batches())
        if self._predict_function is None:
            self._predict_function = self._step_function(self.predict_step)
        return nest.map_structure(lambda t: t.numpy(), self._predict_function(batch))

    def _on_batch_result(self, logs: dict, return_dict: bool) -> Any:
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    # ---- saving ------------------------------------------------------------------------------------

    def save(
        self, filepath: Any, overwrite: bool = True, save_format: str | None = None, **kwargs: Any
    ) -> None:
        """Save the whole model: `.keras` archive or Keras 2 HDF5 (`tf.keras.saving.save_model`)."""
        from tapeflow.keras import saving  # imported here: saving imports the models

        saving.save_model(self, filepath, overwrite=overwrite, save_format=save_format, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as JSON (`tf.keras.models.model_from_json` makes it again)."""
        from tapeflow.keras.saving import serialization  # imported here: saving imports the models
        from tapeflow.version import VERSION

        config = {"class_name": type(self).__name__, "config": self.get_config(), "keras_version": VERSION,
                  "backend": "tensorflow"}
        return json.dumps(config, default=serialization.json_default, **kwargs)

    def save_weights(
        self, filepath: Any, overwrite: bool = True, save_format: str | None = None, options: Any = None
    ) -> None:
        """Write the weights: a TensorFlow checkpoint (with the optimizer's state), or HDF5 for a `.h5`
        name or `save_format="h5"` (Keras 2's layout; `.weights.h5`: the `.keras` format's)."""
        from tapeflow.keras import saving  # imported here: saving imports the models

        filepath = os.fspath(filepath)
        chosen = saving.weights_format(filepath, save_format)
        if chosen != "tf":
            if not overwrite and os.path.exists(filepath):
                raise FileExistsError(f"{filepath} exists and overwrite=False.")
            from tapeflow.keras.saving import keras_archive, legacy_h5  # imported here: they need h5py

            (keras_archive.save_weights if chosen == "keras" else legacy_h5.save_weights)(self, filepath)
            return
        if not overwrite and os.path.exists(filepath + ".index"):
            raise FileExistsError(f"{filepath} exists and overwrite=False.")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        Checkpoint(root=self).write(filepath)
        update_checkpoint_state(directory, filepath, [filepath])

    def load_weights(
        self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False, options: Any = None
    ) -> Any:
        """Restore weights written by `save_weights` (a checkpoint: now, or as the layers build them), or
        from HDF5 (by order, or `by_name`), a `.weights.h5` file or a `.keras` archive."""
        filepath = os.fspath(filepath)
        if filepath.endswith((".keras", ".weights.h5")):
            from tapeflow.keras.saving import keras_archive  # imported here: it needs h5py

            keras_archive.load_weights(self, filepath, skip_mismatch)
            return None
        if skip_mismatch and not by_name:
            raise ValueError(
                "When calling model.load_weights, skip_mismatch can only be set to True when by_name is True."
            )
        if filepath.endswith((".h5", ".hdf5")):
            from tapeflow.keras.saving import legacy_h5  # imported here: it needs h5py

            legacy_h5.load_weights(self, filepath, by_name, skip_mismatch)
            return None
        if os.path.isdir(filepath):
            warnings.warn("load_weights was given a directory; reading its latest checkpoint.", stacklevel=2)
        status = Checkpoint(root=self).read(filepath)
        if by_name:
            raise NotImplementedError(
                "Weights may only be loaded based on topology into Models when loading TensorFlow-formatted "
                "weights (got by_name=True to load_weights)."
            )
        return status


def _batch_length(x: Any) -> int:
    first = nest.flatten(x)[0]
    return int(np.shape(first)[0]) if np.ndim(first) else 1
