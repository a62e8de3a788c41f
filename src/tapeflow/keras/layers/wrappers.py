"""Keras 2's layer wrappers: `TimeDistributed` (a layer applied to every time step) and `Bidirectional`
(an RNN run forwards and, as a copy, backwards, the two outputs merged)."""

from __future__ import annotations

import inspect
from typing import Any

from tapeflow.core import nest
from tapeflow.core.scopes import name_scope
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.ops.array_ops import concat, reshape, reverse
from tapeflow.ops.creation_ops import shape as dynamic_shape

__all__ = ["Bidirectional", "TimeDistributed", "Wrapper"]


def _takes(layer: Layer, argument: str) -> bool:
    return argument in inspect.signature(layer.call).parameters


class Wrapper(Layer):
    """A layer that holds another one (`layer`) and is configured by its config."""

    def __init__(self, layer: Any, **kwargs: Any):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `{type(self).__name__}` layer with a `tf.keras.layers.Layer` instance. "
                f"Received: {layer}"
            )
        super().__init__(**kwargs)

    def get_config(self) -> dict:
        from tapeflow.keras.layers import serialize  # the package imports this module

        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Wrapper:
        from tapeflow.keras.layers import deserialize  # the package imports this module

        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects)
        if isinstance(config.get("backward_layer"), dict):
            config["backward_layer"] = deserialize(config["backward_layer"], custom_objects)
        return cls(layer, **config)


def _merged_steps(x: Any) -> Any:
    """(batch, time, ...) -> (batch * time, ...)."""
    rest = x.shape.as_list()[2:]
    if any(d is None for d in rest):
        return reshape(x, [-1, *[dynamic_shape(x)[i + 2] for i in range(len(rest))]])
    return reshape(x, [-1, *rest])


class TimeDistributed(Wrapper):
    """Applies `layer` to each time step: the steps are folded into the batch for one call of the layer
    (Keras's path for its built-in layers)."""

    def __init__(self, layer: Any, **kwargs: Any):
        super().__init__(layer, **kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        shape = TensorShape(input_shape)
        if shape.rank is None or shape.rank < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape ` with at least 3 dimensions, "
                f"received: {shape}"
            )
        self.input_spec = InputSpec(shape=[None, None, *shape.as_list()[2:]])
        if not self.layer.built:
            self.layer.build(TensorShape([shape[0], *shape.as_list()[2:]]))
            self.layer.built = True
            self.layer._build_input_shape = TensorShape([shape[0], *shape.as_list()[2:]])
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        kwargs = {"training": training} if _takes(self.layer, "training") else {}
        if mask is not None and _takes(self.layer, "mask"):
            kwargs["mask"] = reshape(mask, [-1, *mask.shape.as_list()[2:]])
        outputs = self.layer(_merged_steps(inputs), **kwargs)
        batch, time = inputs.shape[0], inputs.shape[1]
        if batch is None or time is None:
            steps = dynamic_shape(inputs)
            batch = -1 if batch is None else batch
            time = steps[1] if time is None else time
        return nest.map_structure(lambda y: reshape(y, [batch, time, *y.shape.as_list()[1:]]), outputs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Runs a copy of the RNN `layer` forwards and another backwards (or `backward_layer`) and merges the
    outputs with `merge_mode` (concat, sum, mul, ave, or None for both)."""

    def __init__(
        self,
        layer: Any,
        merge_mode: str | None = "concat",
        weights: Any = None,
        backward_layer: Any = None,
        **kwargs: Any,
    ):
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` need to be a `tf.keras.layers.Layer` instance. Received: {backward_layer}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        if weights:  # set on the pair once built, forward's first
            kwargs["weights"] = weights
        super().__init__(layer, **kwargs)
        self._layer = layer  # not tracked: the weights are those of the copies
        self.forward_layer = _copy(layer)
        if backward_layer is None:
            self.backward_layer = _copy(layer, go_backwards=True)
        else:
            self.backward_layer = backward_layer
            from tapeflow.keras.layers import serialize  # the package imports this module

            self._backward_layer_config = serialize(backward_layer)
        self.forward_layer._name = "forward_" + self.forward_layer.name
        self.backward_layer._name = "backward_" + self.backward_layer.name
        self._check_pair()
        for copy in (self.forward_layer, self.backward_layer):
            if hasattr(copy, "zero_output_for_mask"):
                copy.zero_output_for_mask = copy.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    @property
    def layer(self) -> Layer:
        return self._layer

    def _check_pair(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value."
                f"forward_layer.go_backwards = {forward.go_backwards},"
                f"backward_layer.go_backwards = {backward.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(forward, attribute), getattr(backward, attribute)
            if a != b:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for attribute "
                    f'"{attribute}", got "{a}" for forward layer and "{b}" for backward layer'
                )

    def build(self, input_shape: Any) -> None:
        for copy in (self.forward_layer, self.backward_layer):
            with name_scope(copy.name):
                copy.build(input_shape)
                copy.built = True
        self._build_input_shape = input_shape
        self.built = True

    def call(
        self,
        inputs: Any,
        training: Any = None,
        mask: Any = None,
        initial_state: Any = None,
        constants: Any = None,
    ) -> Any:
        if isinstance(inputs, list):  # [inputs, *forward_states, *backward_states]
            initial_state = inputs[1:] or initial_state
            inputs = inputs[0]
        kwargs: dict = {"mask": mask}
        if _takes(self.forward_layer, "training"):
            kwargs["training"] = training
        forward_state = backward_state = None
        if initial_state is not None:
            if len(initial_state) % 2:
                raise ValueError(
                    "When passing `initial_state` to a Bidirectional RNN, the state should be a list "
                    f"containing the states of the underlying RNNs. Received: {initial_state}"
                )
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(inputs, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, **kwargs)
        states: list = []
        if self.return_state:
            states = [*y[1:], *y_rev[1:]]
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = reverse(y_rev, [0 if getattr(self.forward_layer, "time_major", False) else 1])
        if self.merge_mode == "concat":
            output: Any = concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if not self.return_state:
            return output
        return [*output, *states] if self.merge_mode is None else [output, *states]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask: Any = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            state_masks = [None for _ in self.forward_layer.states] * 2
            return (
                [*output_mask, *state_masks] if isinstance(output_mask, list) else [output_mask, *state_masks]
            )
        return output_mask

    def reset_states(self, states: Any = None) -> None:
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        if not isinstance(states, (list, tuple)):
            raise ValueError(
                f"Unrecognized value for `states`. Expected `states` to be list or tuple. Received: {states}"
            )
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def get_config(self) -> dict:
        config = {**super().get_config(), "merge_mode": self.merge_mode}
        if hasattr(self, "_backward_layer_config"):
            config["backward_layer"] = self._backward_layer_config
        return config


def _copy(layer: Layer, go_backwards: bool = False) -> Layer:
    """A fresh layer from `layer`'s config (its direction flipped if `go_backwards`)."""
    config = layer.get_config()
    if go_backwards:
        config["go_backwards"] = not config["go_backwards"]
    return type(layer).from_config(config)
