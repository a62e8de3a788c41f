"""Keras 2's recurrent layers: `RNN` runs a cell over the time axis; `SimpleRNN`, `LSTM` and `GRU` are
an `RNN` over the cell of that name, made from the layer's own arguments.

The time loop is a Python loop of tapeflow ops when the number of steps is known (always, eagerly, and
for most traced functions), so gradients, Jacobians and tracing need nothing special; a traced
function whose inputs have an unknown time dimension runs them in a `tf.while_loop` instead. A masked
step keeps the states and repeats the previous output (zeros with `zero_output_for_mask`), as Keras's
`backend.rnn`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.control_flow.tensor_array import TensorArray
from tapeflow.control_flow.while_loop import while_loop
from tapeflow.core import dtypes, nest
from tapeflow.core.scopes import name_scope
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras.engine.base_layer import InputSpec, Layer, to_snake_case
from tapeflow.keras.layers.core import serialize_object
from tapeflow.keras.layers.rnn_cells import (
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    call_cell,
    zero_state,
)
from tapeflow.ops.array_ops import expand_dims, reverse, stack, transpose, unstack
from tapeflow.ops.creation_ops import shape as dynamic_shape
from tapeflow.ops.creation_ops import zeros_like
from tapeflow.ops.gather_ops import gather
from tapeflow.ops.math_ops import cast, not_equal, where
from tapeflow.ops.reduce_ops import reduce_any
from tapeflow.ops.variables import Variable

__all__ = ["GRU", "LSTM", "RNN", "SimpleRNN", "run_steps"]

Step = Callable[[Any, list], tuple]


def _keep(mask_t: Any, like: Any) -> Any:
    """A step's (batch,) mask shaped to broadcast against `like` (batch, ...)."""
    for _ in range(like.shape.rank - 1):
        mask_t = expand_dims(mask_t, -1)
    return mask_t


def _masked(
    output: Any, new_states: list, states: list, previous: Any, mask_t: Any, zero_output: bool
) -> tuple:
    """Where the step is masked: the previous output (or zeros) and the old states."""
    fallback = zeros_like(output) if zero_output or previous is None else previous
    output = where(_keep(mask_t, output), output, fallback)
    new_states = [where(_keep(mask_t, new), new, old) for new, old in zip(new_states, states)]
    return output, new_states


def run_steps(
    step: Step,
    inputs: Any,
    initial_states: list,
    mask: Any = None,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
    return_all_outputs: bool = True,
) -> tuple:
    """Keras's `backend.rnn` for batch-major `inputs` (batch, time, ...): `step(x_t, states)` gives
    `(output_t, new_states)`. Returns `(last_output, outputs, final_states)`; `outputs` is stacked on
    axis 1 in the order the steps ran (reversed with `go_backwards`), or None without
    `return_all_outputs`."""
    if mask is not None and mask.dtype != dtypes.bool:
        mask = cast(mask, dtypes.bool)
    if inputs.shape[1] is None:
        return _looped_steps(
            step, inputs, initial_states, mask, go_backwards, zero_output_for_mask, return_all_outputs
        )
    xs = unstack(inputs, axis=1)
    masks = unstack(mask, axis=1) if mask is not None else [None] * len(xs)
    if go_backwards:
        xs, masks = xs[::-1], masks[::-1]
    states, outputs, output = list(initial_states), [], None
    for x_t, mask_t in zip(xs, masks):
        new_output, new_states = step(x_t, states)
        if mask_t is not None:
            new_output, new_states = _masked(
                new_output, new_states, states, output, mask_t, zero_output_for_mask
            )
        output, states = new_output, new_states
        if return_all_outputs:
            outputs.append(output)
    return output, stack(outputs, axis=1) if return_all_outputs else None, states


def _time_major(x: Any) -> Any:
    return transpose(x, [1, 0, *range(2, x.shape.rank)])


def _looped_steps(
    step: Step,
    inputs: Any,
    initial_states: list,
    mask: Any,
    go_backwards: bool,
    zero_output_for_mask: bool,
    return_all_outputs: bool,
) -> tuple:
    """`run_steps` over an unknown number of steps (in a traced function): step 0, then a
    `tf.while_loop` over the rest, the outputs written to a TensorArray that starts as step 0's output
    (so its element shape may be unknown too: a batch of unknown size)."""
    xs = _time_major(inputs)
    masks = _time_major(mask) if mask is not None else None
    if go_backwards:
        xs = reverse(xs, [0])
        masks = reverse(masks, [0]) if masks is not None else None

    def one_step(t: Any, previous: Any, states: list) -> tuple:
        output, new_states = step(gather(xs, t), states)
        if masks is not None:
            output, new_states = _masked(
                output, new_states, states, previous, gather(masks, t), zero_output_for_mask
            )
        return output, new_states

    output, states = one_step(0, None, list(initial_states))
    steps = dynamic_shape(xs)[0]
    first = expand_dims(output, 0)  # unstacked, not written: an unknown batch size cannot allocate a write
    written = [TensorArray(output.dtype, size=steps).unstack(first)] if return_all_outputs else []

    def body(t: Any, output: Any, states: list, written: list) -> tuple:
        output, new_states = one_step(t, output, states)
        return t + 1, output, new_states, [array.write(t, output) for array in written]

    _, output, states, written = while_loop(lambda t, *_: t < steps, body, (1, output, list(states), written))
    return output, _time_major(written[0].stack()) if return_all_outputs else None, list(states)


class RNN(Layer):
    """Keras 2's `RNN`: a cell (or a list of cells, stacked) run over the time axis of its inputs."""

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        time_major: bool = False,
        **kwargs: Any,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. The RNN was passed: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (tuple of integers, one integer per "
                f"RNN state). Received: cell={cell}"
            )
        self.zero_output_for_mask = kwargs.pop("zero_output_for_mask", False)
        if "input_shape" not in kwargs and ("input_dim" in kwargs or "input_length" in kwargs):
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim", None))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.time_major = time_major
        self.supports_masking = True
        self._states: list | None = None

    # ---- states --------------------------------------------------------------------------------------

    @property
    def states(self) -> list:
        """The stateful layer's state variables (Nones before they exist)."""
        if self._states is None:
            return [None for _ in nest.flatten(self.cell.state_size)]
        return self._states

    @states.setter
    def states(self, states: list) -> None:
        self._states = states

    def get_initial_state(self, inputs: Any) -> list:
        """Zeros (or the cell's `get_initial_state`) for a batch like `inputs`."""
        inputs = nest.flatten(inputs)[0]
        batch_size = (
            inputs.shape[1 if self.time_major else 0] or dynamic_shape(inputs)[1 if self.time_major else 0]
        )
        if hasattr(self.cell, "get_initial_state"):
            state = self.cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=inputs.dtype)
        else:
            state = zero_state(batch_size, self.cell.state_size, inputs.dtype)
        return list(nest.flatten(state))

    def reset_states(self, states: Any = None) -> None:
        """Set a stateful layer's states to zeros, or to `states` (NumPy arrays, one per state)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        spec = nest.flatten(self.input_spec)[0] if self.input_spec is not None else None
        shape = getattr(spec, "shape", None)
        batch_size = (shape[1] if self.time_major else shape[0]) if shape is not None else None
        if not batch_size:
            raise ValueError(
                "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your "
                "input tensors: \n- If using a Sequential model, specify the batch size by passing a "
                "`batch_input_shape` argument to your first layer.\n- If using the functional API, "
                "specify the batch size by passing a `batch_shape` argument to your Input layer."
            )
        sizes = [TensorShape(size).as_list() for size in nest.flatten(self.cell.state_size)]
        if self._states is None:
            self._states = [
                Variable(
                    np.zeros([batch_size, *size], dtypes.as_dtype(self.dtype).as_numpy_dtype), trainable=False
                )
                for size in sizes
            ]
            if states is None:
                return
        values = [np.zeros([batch_size, *size]) for size in sizes] if states is None else nest.flatten(states)
        if len(values) != len(self._states):
            raise ValueError(
                f"Layer {self.name} expects {len(self._states)} states, but it received {len(values)} "
                f"state values. States received: {states}"
            )
        for index, (variable, value) in enumerate(zip(self._states, values)):
            value = np.asarray(value)
            if value.shape != tuple(variable.shape):
                raise ValueError(
                    f"State {index} is incompatible with layer {self.name}: expected shape="
                    f"{(batch_size, sizes[index][0] if sizes[index] else None)} but found shape={value.shape}"
                )
            variable.assign(value.astype(variable.dtype.as_numpy_dtype))

    # ---- build and call ------------------------------------------------------------------------------

    def build(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        shape = TensorShape(input_shape).as_list()
        batch_index, time_index = (1, 0) if self.time_major else (0, 1)
        if self.unroll and shape[time_index] is None:
            raise ValueError(
                "Cannot unroll a RNN if the time dimension is undefined. \n- If using a Sequential model, "
                "specify the time dimension by passing an `input_shape` or `batch_input_shape` argument to "
                "your first layer. If your first layer is an Embedding, you can also use the "
                "`input_length` argument.\n- If using the functional API, specify the time dimension by "
                "passing a `shape` or `batch_shape` argument to your Input layer."
            )
        spec_shape = list(shape)
        if not self.stateful:
            spec_shape[batch_index] = None
        spec_shape[time_index] = None
        self.input_spec = [InputSpec(shape=tuple(spec_shape))]
        step_shape = TensorShape([shape[batch_index], *shape[2:]])
        if isinstance(self.cell, Layer) and not self.cell.built:
            with name_scope(self.cell.name):
                self.cell.build(step_shape)
                self.cell.built = True
        if self.stateful:
            self.reset_states()
        self._build_input_shape = input_shape
        self.built = True

    def _initial_states(self, inputs: Any, initial_state: Any) -> list:
        """The states the first step starts from: a stateful layer's variables (unless all are zero and
        `initial_state` is given), `initial_state`, or zeros."""
        if self.stateful:
            if initial_state is None:
                return [cast(v, self.dtype) for v in self._states]
            nonzero = reduce_any(stack([reduce_any(not_equal(v, 0)) for v in self._states]))
            return [where(nonzero, cast(v, self.dtype), s) for v, s in zip(self._states, initial_state)]
        if initial_state is None:
            return self.get_initial_state(inputs)
        return list(nest.flatten(initial_state))

    def call(
        self,
        inputs: Any,
        mask: Any = None,
        training: Any = None,
        initial_state: Any = None,
        constants: Any = None,
    ) -> Any:
        if isinstance(inputs, list):  # [inputs, *initial_states], as Keras's functional calls pass them
            initial_state = inputs[1:] or initial_state
            inputs = inputs[0]
        if constants is not None:
            raise ValueError(
                f"RNN cell {self.cell} does not support constants. Received: constants={constants}"
            )
        states = self._initial_states(inputs, initial_state)
        expected = len(nest.flatten(self.cell.state_size))
        if len(states) != expected:
            raise ValueError(
                f"Layer has {expected} states but was passed {len(states)} initial states. Received: "
                f"initial_state={initial_state}"
            )
        if hasattr(self.cell, "reset_dropout_mask"):
            self.cell.reset_dropout_mask()
        mask = nest.flatten(mask)[0] if mask is not None else None
        if self.time_major:
            inputs = _time_major(inputs)
            mask = _time_major(mask) if mask is not None else None
        sizes = self.cell.state_size

        def step(x_t: Any, flat_states: list) -> tuple:
            structured = nest.pack_sequence_as(sizes, flat_states) if nest.is_nested(sizes) else flat_states
            output, new_states = call_cell(self.cell, x_t, structured, training)
            return output, list(nest.flatten(new_states))

        last, outputs, states = run_steps(
            step,
            inputs,
            states,
            mask=mask,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )
        if self.stateful:
            for variable, state in zip(self._states, states):
                variable.assign(cast(state, variable.dtype))
        output = last
        if self.return_sequences:
            output = _time_major(outputs) if self.time_major else outputs
        return [output, *states] if self.return_state else output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        mask = nest.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.states]
        return output_mask

    # ---- config --------------------------------------------------------------------------------------

    def _loop_config(self) -> dict:
        config = {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "time_major": self.time_major,
        }
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = self.zero_output_for_mask
        return config

    def get_config(self) -> dict:
        from tapeflow.keras.layers import serialize  # the package imports this module

        return {**super().get_config(), **self._loop_config(), "cell": serialize(self.cell)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> RNN:
        from tapeflow.keras.layers import deserialize  # the package imports this module

        config = dict(config)
        config.pop("num_constants", None)
        return cls(deserialize(config.pop("cell"), custom_objects), **config)


_LAYER_ARGUMENTS = {
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "time_major",
    "zero_output_for_mask",
    "name",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "input_dim",
    "input_length",
    "weights",
    "activity_regularizer",
    "dynamic",
}


class _CellRNN(RNN):
    """An RNN over a cell of `cell_class` made from the layer's arguments (SimpleRNN, LSTM, GRU): the
    cell's arguments are the layer's (in the config and as attributes: `lstm.units`)."""

    cell_class: type
    positional: tuple = ()  # the arguments after `units`, in Keras's order, for positional calls

    def __init__(self, units: int, *args: Any, **kwargs: Any):
        kwargs.update(zip(self.positional, args))
        cell_kwargs = {k: v for k, v in kwargs.items() if k not in _LAYER_ARGUMENTS}
        layer_kwargs = {k: v for k, v in kwargs.items() if k in _LAYER_ARGUMENTS}
        for shared in ("dtype", "trainable"):
            if shared in kwargs:
                layer_kwargs[shared] = kwargs[shared]
        cell = self.cell_class(units, name=to_snake_case(self.cell_class.__name__), **cell_kwargs)
        super().__init__(cell, **layer_kwargs)
        self.input_spec = [InputSpec(ndim=3)]

    def __getattr__(self, name: str) -> Any:
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and name in cell._argument_config():
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self) -> dict:
        config = {**Layer.get_config(self), **self._loop_config()}
        for key, value in self.cell._argument_config().items():
            config[key] = value
            if key == "bias_regularizer":
                config["activity_regularizer"] = serialize_object(
                    self._activity_regularizer, "keras.regularizers"
                )
        return config

    @classmethod
    def from_config(cls, config: dict) -> _CellRNN:
        return cls(**config)


_COMMON = (
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
)
_PENALTIES = (
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
)


class SimpleRNN(_CellRNN):
    """A fully connected RNN whose output is fed back as the next step's state (`SimpleRNNCell`)."""

    cell_class = SimpleRNNCell
    positional = ("activation", *_COMMON, *_PENALTIES, "unroll")


class LSTM(_CellRNN):
    """Long short-term memory (Hochreiter 1997), Keras 2's equations (`LSTMCell`); states `[h, c]`."""

    cell_class = LSTMCell
    positional = (
        "activation",
        "recurrent_activation",
        *_COMMON,
        "unit_forget_bias",
        *_PENALTIES,
        "time_major",
        "unroll",
    )


class GRU(_CellRNN):
    """Gated recurrent unit (Cho 2014), Keras 2's equations (`GRUCell`, `reset_after=True` by default)."""

    cell_class = GRUCell
    positional = (
        "activation",
        "recurrent_activation",
        *_COMMON,
        *_PENALTIES,
        "unroll",
        "time_major",
        "reset_after",
    )
