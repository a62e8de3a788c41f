"""`tf.keras.layers.Layer`: state (weights) plus a computation (`call`), built on first use.

A layer is a `tf.Module`. Calling it converts and casts its first argument to the layer's dtype,
builds it from the input's shape the first time (`build` makes the weights with `add_weight`, inside
the layer's name scope, so they are named `dense/kernel:0`), then runs `call`. A call on Keras tensors
(from `tf.keras.Input`) records a node instead, for functional models.

`training` propagates as in Keras: a layer called without `training` takes the value its enclosing
layer's call was given (the call context), else the default of its own `call`."""

from __future__ import annotations

import inspect
import re
import threading
from typing import Any

import numpy as np

from tapeflow.core import dtypes, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.scopes import name_scope
from tapeflow.core.tensor import TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras import backend, constraints, initializers, regularizers
from tapeflow.keras.engine.keras_tensor import KerasTensor, Node
from tapeflow.module import Module
from tapeflow.ops.math_ops import cast
from tapeflow.ops.variables import Variable
from tapeflow.tracking import deferred

__all__ = ["InputSpec", "Layer", "to_snake_case"]

_CONTEXT = threading.local()  # .training: the training value of the innermost layer call, if any


def to_snake_case(name: str) -> str:
    """Keras's default layer name for a class: `Dense` -> `dense`, `MaxPooling2D` -> `max_pooling2d`."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return snake if snake[0] != "_" else "private" + snake


def _shapes(inputs: Any) -> Any:
    """The input structure's shapes: a TensorShape for one tensor, a list of them for a list."""
    return nest.map_structure(lambda x: TensorShape(x.shape) if hasattr(x, "shape") else None, inputs)


class InputSpec:
    """What a layer accepts: `ndim`, `min_ndim`, and sizes of given `axes` ({axis: size}); checked
    before each call with Keras's messages."""

    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
    ):
        self.dtype, self.shape, self.ndim, self.max_ndim, self.min_ndim = (
            dtype,
            shape,
            ndim,
            max_ndim,
            min_ndim,
        )
        self.axes = axes or {}

    def check(self, layer_name: str, index: int, shape: TensorShape) -> None:
        prefix = f'Input {index} of layer "{layer_name}" is incompatible with the layer: '
        rank = shape.rank
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(
                f"{prefix}expected ndim={self.ndim}, found ndim={rank}. Full shape received: "
                f"{tuple(shape.as_list())}"
            )
        if self.min_ndim is not None and rank is not None and rank < self.min_ndim:
            raise ValueError(
                f"{prefix}expected min_ndim={self.min_ndim}, found ndim={rank}. Full shape "
                f"received: {tuple(shape.as_list())}"
            )
        if self.shape is not None and rank is not None:
            expected = tuple(self.shape)
            if rank != len(expected) or any(
                e is not None and a is not None and e != a for e, a in zip(expected, shape.as_list())
            ):
                raise ValueError(f"{prefix}expected shape={expected}, found shape={tuple(shape.as_list())}")
        for axis, size in self.axes.items():
            actual = shape[axis] if rank is not None else None
            if size is not None and actual is not None and actual != size:
                raise ValueError(
                    f"{prefix}expected axis {axis} of input shape to have value {size}, but "
                    f"received input with shape {tuple(shape.as_list())}"
                )


class Layer(Module):
    """Base class of Keras layers (see the module doc)."""

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        dynamic: bool = False,
        **kwargs: Any,
    ):
        allowed = {
            "input_dim",
            "input_shape",
            "batch_input_shape",
            "batch_size",
            "weights",
            "activity_regularizer",
            "autocast",
            "implementation",
        }
        for kwarg in kwargs:
            if kwarg not in allowed:
                raise TypeError(f"Keyword argument not understood: {kwarg!r}")
        object.__setattr__(self, "_layers", [])
        self._name = name or backend.unique_name(to_snake_case(type(self).__name__))
        self._name_scope = None
        self._dtype = dtypes.as_dtype(dtype or backend.floatx()).name
        self._trainable = trainable
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._losses: list = []
        self._inbound_nodes: list = []
        self.built = False
        self._computes_masks = type(self).compute_mask is not Layer.compute_mask  # else it passes them on
        self.supports_masking = self._computes_masks
        self.input_spec = None
        self._activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        if "input_dim" in kwargs and "input_shape" not in kwargs:
            kwargs["input_shape"] = (kwargs["input_dim"],)
        if "input_shape" in kwargs or "batch_input_shape" in kwargs:
            batch = kwargs.get("batch_input_shape") or (kwargs.get("batch_size"), *kwargs["input_shape"])
            self._batch_input_shape = tuple(batch)
        self._initial_weights = kwargs.get("weights")
        call_parameters = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in call_parameters
        self._expects_mask_arg = "mask" in call_parameters
        self._build_input_shape = None

    # ---- attributes and tracking -------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_") or name == "_layers":
            for item in nest.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]:
                if isinstance(item, Layer) and item is not self and all(item is not x for x in self._layers):
                    self._layers.append(item)
        super().__setattr__(name, value)

    def _trackable_children(self) -> list:
        """Keras's checkpoint names: each weight by its own name, then the tracked attributes."""
        own = [
            (v.name.split("/")[-1].split(":")[0], v)
            for v in self._trainable_weights + self._non_trainable_weights
        ]
        names = {name for name, _ in own}
        attributes = [
            (n, v)
            for n, v in super()._trackable_children()
            if n not in names and not n.startswith("_") and all(v is not w for _, w in own)
        ]
        return own + attributes

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> name_scope:
        return name_scope(self._name)

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def layers(self) -> list:
        return list(self._layers)

    def _flatten_layers(self) -> list:
        """This layer's sublayers, recursively, each once."""
        seen, out = {id(self)}, []
        stack = list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    # ---- weights -----------------------------------------------------------------------------------

    def add_weight(
        self,
        name: str | None = None,
        shape: Any = None,
        dtype: Any = None,
        initializer: Any = None,
        regularizer: Any = None,
        trainable: bool | None = None,
        constraint: Any = None,
        use_resource: Any = None,
        synchronization: Any = None,
        aggregation: Any = None,
        **kwargs: Any,
    ) -> Variable:
        """A new weight of this layer: `initializer(shape, dtype)` (glorot_uniform for floats, zeros
        otherwise), penalised by `regularizer`, projected by `constraint` after optimizer steps."""
        for kwarg in kwargs:
            if kwarg not in ("getter", "collections", "experimental_autocast", "caching_device"):
                raise TypeError(f"Unknown keyword argument: {kwarg}")
        shape = () if shape is None else tuple(shape)
        dtype = dtypes.as_dtype(dtype or self._dtype)
        trainable = True if trainable is None else trainable
        if initializer is None:
            if dtype.is_floating:
                initializer = initializers.GlorotUniform()
            elif dtype.is_integer or dtype.is_unsigned or dtype.is_bool:
                initializer = initializers.Zeros()
            else:
                raise ValueError(
                    f"An initializer for variable {name} of type {dtype.name} is required for "
                    f"layer {self.name}. Received: None."
                )
        initializer = initializers.get(initializer)
        constraint = constraints.get(constraint)
        variable = Variable(
            lambda: initializer(shape, dtype=dtype),
            trainable=trainable,
            name=name,
            dtype=dtype,
            constraint=constraint,
        )
        if trainable:
            self._trainable_weights.append(variable)
        else:
            self._non_trainable_weights.append(variable)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            with name_scope(f"{name}/Regularizer"):
                self.add_loss(lambda v=variable, r=regularizer: r(v))
        deferred.attached(self)
        return variable

    @property
    def trainable_weights(self) -> list:
        if not self._trainable:
            return []
        return _unique(
            self._trainable_weights + [w for layer in self._layers for w in layer.trainable_weights]
        )

    @property
    def non_trainable_weights(self) -> list:
        if self._trainable:
            children = [w for layer in self._layers for w in layer.non_trainable_weights]
            return _unique(self._non_trainable_weights + children)
        children = [w for layer in self._layers for w in layer.weights]
        return _unique(self._trainable_weights + self._non_trainable_weights + children)

    @property
    def weights(self) -> list:
        return _unique(self.trainable_weights + self.non_trainable_weights)

    variables = weights

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays, in `weights` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list) -> None:
        """Assign NumPy arrays to the weights, in `weights` order, checking their number and shapes."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list '
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights. "
                f"Provided weights: {str(weights)[:50]}..."
            )
        for param, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(param.shape) != value.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(param.shape)} is not compatible "
                    f"with provided weight shape {value.shape}."
                )
            param.assign(value.astype(param.dtype.as_numpy_dtype))

    def count_params(self) -> int:
        """The number of scalars in the weights (the layer must be built)."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the layer isn't "
                f"built. You can build it manually via: `{self.name}.build(batch_input_shape)`."
            )
        return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in self.weights))

    # ---- losses ------------------------------------------------------------------------------------

    def add_loss(self, losses: Any, **kwargs: Any) -> None:
        """Add a loss tensor (or a zero-argument callable giving one, re-evaluated each time `losses` is
        read) to this layer's `losses`."""
        for loss in nest.flatten(losses):
            if loss is None:
                continue
            self._losses.append(loss)

    @property
    def losses(self) -> list:
        """This layer's and its sublayers' losses (callables are called now)."""
        out = []
        for layer in [self, *self._flatten_layers()]:
            for loss in layer._losses:
                value = loss() if callable(loss) else loss
                out.append(convert_to_tensor(value, dtype_hint="float32"))
        return out

    def _clear_call_losses(self) -> None:
        """Forget the tensors added by earlier calls (regularizer callables stay)."""
        for layer in [self, *self._flatten_layers()]:
            layer._losses = [loss for loss in layer._losses if callable(loss)]

    # ---- build and call ----------------------------------------------------------------------------

    def build(self, input_shape: Any) -> None:
        """Make the weights for inputs of `input_shape`; by default nothing."""
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def _maybe_build(self, inputs: Any, in_scope: bool = False) -> None:
        """Build from the inputs' shapes, in the layer's name scope (entered here unless `in_scope`), so
        the weights are named dense/kernel:0 (a direct `build()` call names them kernel:0, as Keras)."""
        if self.built:
            return
        shapes = _shapes(inputs)
        # (a build marked `_is_default` -- a subclassed Model's, which calls the model -- is for users only)
        build = self.build if not getattr(self.build, "_is_default", False) else Layer.build.__get__(self)
        if in_scope:
            build(shapes)
        else:
            with name_scope(self._name):
                build(shapes)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = shapes
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _cast_inputs(self, inputs: Any) -> Any:
        """Convert NumPy and Python inputs to tensors and floating ones to the layer's dtype."""
        dtype = dtypes.as_dtype(self._dtype)

        def one(x: Any) -> Any:
            if isinstance(x, (np.ndarray, list, float, int)) and not isinstance(x, bool):
                x = convert_to_tensor(x)
            if isinstance(x, TensorLike) and x.dtype.is_floating and x.dtype != dtype:
                return cast(x, dtype)
            return x

        return nest.map_structure(one, inputs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            if "inputs" not in kwargs:
                raise TypeError("__call__() missing 1 required positional argument: 'inputs'")
            args = (kwargs.pop("inputs"),)
        if any(isinstance(x, KerasTensor) for x in nest.flatten((args, kwargs))):
            return self._functional_call(args, kwargs)
        inputs = self._cast_inputs(args[0])
        self._check_input_spec(inputs)
        input_masks = kwargs.get("mask") if "mask" in kwargs else _carried_masks(inputs)
        if self._expects_mask_arg and "mask" not in kwargs and input_masks is not None:
            kwargs["mask"] = input_masks
        outer = getattr(_CONTEXT, "training", None)
        if self._call_takes_training:
            if kwargs.get("training") is None:
                kwargs.pop("training", None)
                if outer is not None:
                    kwargs["training"] = outer
            training = kwargs.get("training", outer)
        else:  # not for `call`, but for the layers it calls
            training = kwargs.pop("training", None)
            training = outer if training is None else training
        _CONTEXT.training = training
        try:
            with name_scope(self._name):  # once: a traced graph would number a second entry
                self._maybe_build(inputs, in_scope=True)
                outputs = self.call(inputs, *args[1:], **kwargs)
                if self.supports_masking and (input_masks is not None or self._computes_masks):
                    _attach_masks(outputs, lambda: self.compute_mask(inputs, input_masks))
        finally:
            _CONTEXT.training = outer
        if self._activity_regularizer is not None:
            for output in nest.flatten(outputs):
                batch = cast(output.shape[0] if output.shape[0] is not None else 1, output.dtype)
                self.add_loss(self._activity_regularizer(output) / batch)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the outputs: the input mask for a layer that supports masking, else None (and a
        TypeError if a mask came to a layer that does not)."""
        if not self.supports_masking:
            if any(m is not None for m in nest.flatten(mask)):
                raise TypeError(
                    f"Layer {self.name} does not support masking, but was passed an input_mask: {mask}"
                )
            return None
        return mask

    def _check_input_spec(self, inputs: Any) -> None:
        if self.input_spec is None:
            return
        specs = nest.flatten(self.input_spec)
        for index, (spec, x) in enumerate(zip(specs, nest.flatten(inputs))):
            if spec is not None and hasattr(x, "shape"):
                spec.check(self.name, index, TensorShape(x.shape))

    def _functional_call(self, args: tuple, kwargs: dict) -> Any:
        """A call on Keras tensors: build from their shapes, find the output shapes by running `call` on
        stand-in batches, and record the node."""
        from tapeflow.keras.engine import shape_inference  # imported here: it imports the ops it runs

        self._check_input_spec(args[0])
        node = Node(self, args, kwargs)
        node.outputs = shape_inference.symbolic_outputs(self, node)
        return node.outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        from tapeflow.keras.engine import shape_inference  # imported here: it imports the ops it runs

        return shape_inference.output_shapes(self, input_shape)

    @property
    def output_shape(self) -> Any:
        """The shape of what the layer gave in its functional calls (a list for an InputLayer)."""
        if not self._inbound_nodes:
            raise AttributeError(
                f'The layer "{self.name}" has never been called and thus has no defined output shape.'
            )
        shapes = [_node_output_shapes(node) for node in self._inbound_nodes]
        if any(s != shapes[0] for s in shapes):
            raise AttributeError(
                f'The layer "{self.name}" has multiple inbound nodes, with different output '
                f'shapes. Hence the notion of "output shape" is ill-defined for the layer. Use '
                f"`get_output_shape_at(node_index)` instead."
            )
        return shapes[0]

    @property
    def output(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
        return self._inbound_nodes[0].outputs

    # ---- config ------------------------------------------------------------------------------------

    def get_config(self) -> dict:
        """The constructor arguments that remake this layer (without its weights)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype}
        if hasattr(self, "_batch_input_shape"):
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)


def _carried_masks(inputs: Any) -> Any:
    """The masks the inputs carry from the layers that made them (`_keras_mask`), or None if none does."""
    if isinstance(inputs, TensorLike):  # the common case, quickly
        return getattr(inputs, "_keras_mask", None)
    masks = [getattr(x, "_keras_mask", None) for x in nest.flatten(inputs)]
    if all(m is None for m in masks):
        return None
    return nest.pack_sequence_as(inputs, masks)


def _attach_masks(outputs: Any, output_masks: Any) -> None:
    """Give each output its mask (`output_masks()`, computed only when some output has none yet)."""
    flat = nest.flatten(outputs)
    if all(getattr(x, "_keras_mask", None) is not None for x in flat):
        return
    masks = output_masks()
    if masks is None:
        return
    for tensor, mask in zip(flat, nest.flatten(masks)):
        try:
            tensor._keras_mask = mask
        except AttributeError:  # a NumPy value or a variable: nothing to carry it
            pass


def _node_output_shapes(node: Node) -> Any:
    flat = [tuple(t.shape.as_list()) for t in nest.flatten(node.outputs)]
    return flat if len(flat) != 1 or not node.args else flat[0]


def _unique(weights: list) -> list:
    seen, out = set(), []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
