"""Keras 2's recurrent cells: one time step of SimpleRNN, LSTM and GRU, and a stack of cells.

A cell maps `(inputs_t, states)` to `(output_t, new_states)`; the `RNN` layer (recurrent.py) runs it
over the time axis. The equations, weight shapes and names are Keras 2's: one `kernel`
(input_dim, gates * units), one `recurrent_kernel` (units, gates * units) and one `bias`, the gates side
by side in Keras's order (LSTM: i, f, c, o; GRU: z, r, h). Dropout masks are drawn once per layer call
and used at every step, as Keras does (with per-gate masks where `implementation` is 1)."""

from __future__ import annotations

import inspect
from typing import Any

from tapeflow.core import nest
from tapeflow.core.scopes import name_scope
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras import activations, constraints, initializers, regularizers
from tapeflow.keras.engine.base_layer import Layer
from tapeflow.keras.layers.core import serialize_object
from tapeflow.ops.array_ops import concat, split, unstack
from tapeflow.ops.creation_ops import ones, ones_like, zeros
from tapeflow.ops.creation_ops import shape as dynamic_shape
from tapeflow.ops.linalg_ops import matmul
from tapeflow.ops.nn_ops import bias_add
from tapeflow.random.dropout import dropout as dropout_op

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells", "call_cell", "zero_state"]


def zero_state(batch_size: Any, state_size: Any, dtype: Any) -> list:
    """Zeros of shape (batch, size) for each state size in `state_size` (a list for one size)."""
    flat = [zeros([batch_size, *TensorShape(size).as_list()], dtype) for size in nest.flatten(state_size)]
    return nest.pack_sequence_as(state_size, flat) if nest.is_nested(state_size) else flat


class RecurrentCell(Layer):
    """What Keras's three cells share: the arguments, the three weights, the dropout masks, the config.
    Subclasses set `gates` (how many blocks of `units` columns the kernels have) and write `call`."""

    gates = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        **kwargs: Any,
    ):
        if units <= 0:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
            )
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        # Keras computes the gates one by one (implementation 1) when the recurrent state is dropped out
        self.implementation = 1 if self.recurrent_dropout != 0 and self.gates > 1 else implementation
        self.state_size = self.units
        self.output_size = self.units
        self._dropout_masks: dict = {}

    # ---- weights -------------------------------------------------------------------------------------

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        input_dim = TensorShape(input_shape)[-1]
        width = self.gates * self.units
        self.kernel = self.add_weight(
            "kernel",
            shape=(input_dim, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                shape=self._bias_shape(),
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._build_input_shape = input_shape
        self.built = True

    # ---- dropout -------------------------------------------------------------------------------------

    def reset_dropout_mask(self) -> None:
        """Forget the masks of the last layer call (the RNN layer calls this before each run)."""
        self._dropout_masks = {}

    reset_recurrent_dropout_mask = reset_dropout_mask

    def _masks(self, kind: str, rate: float, like: Any, training: Any, count: int) -> list | None:
        """`count` dropout masks shaped like `like`, drawn at the first step of a call and kept for the
        rest; None outside training or with rate 0 (Keras multiplies by ones there: the same values)."""
        if rate == 0 or not training:
            return None
        if kind not in self._dropout_masks:
            self._dropout_masks[kind] = [dropout_op(ones_like(like), rate) for _ in range(count)]
        return self._dropout_masks[kind]

    def _input_masks(self, inputs: Any, training: Any) -> list | None:
        return self._masks("input", self.dropout, inputs, training, self.gates)

    def _state_masks(self, state: Any, training: Any) -> list | None:
        return self._masks("state", self.recurrent_dropout, state, training, self.gates)

    def _gate_products(self, inputs: Any, state: Any, training: Any) -> tuple[list, list]:
        """The per-gate `x @ kernel_g (+ input bias_g)` and `h @ recurrent_kernel_g` products, dropped
        out as Keras does: with the same masks fused (implementation 2), or a mask per gate (1)."""
        input_masks = self._input_masks(inputs, training)
        state_masks = self._state_masks(state, training)
        input_bias, state_bias = self._split_bias()
        if self.implementation == 1 and (input_masks or state_masks):
            kernels = split(self.kernel, self.gates, axis=1)
            recurrent = split(self.recurrent_kernel, self.gates, axis=1)
            xs = [inputs * m for m in input_masks] if input_masks else [inputs] * self.gates
            hs = [state * m for m in state_masks] if state_masks else [state] * self.gates
            x_parts = [matmul(x, k) for x, k in zip(xs, kernels)]
            if input_bias is not None:
                x_parts = [bias_add(x, b) for x, b in zip(x_parts, split(input_bias, self.gates))]
            h_parts = [matmul(h, k) for h, k in zip(hs, recurrent)]
            if state_bias is not None:
                h_parts = [bias_add(h, b) for h, b in zip(h_parts, split(state_bias, self.gates))]
            return x_parts, h_parts
        if input_masks:
            inputs = inputs * input_masks[0]
        if state_masks:
            state = state * state_masks[0]
        x = matmul(inputs, self.kernel)
        if input_bias is not None:
            x = bias_add(x, input_bias)
        h = matmul(state, self.recurrent_kernel)
        if state_bias is not None:
            h = bias_add(h, state_bias)
        return split(x, self.gates, axis=1), split(h, self.gates, axis=1)

    def _split_bias(self) -> tuple[Any, Any]:
        """The bias added to the input products and the one added to the recurrent products."""
        return self.bias, None

    def get_initial_state(self, inputs: Any = None, batch_size: Any = None, dtype: Any = None) -> Any:
        if inputs is not None:
            batch_size, dtype = dynamic_shape(inputs)[0], inputs.dtype
        return zero_state(batch_size, self.state_size, dtype or self.dtype)

    # ---- config --------------------------------------------------------------------------------------

    def _argument_config(self) -> dict:
        """The cell's own arguments in Keras's order (subclasses add theirs)."""
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize_object(self.kernel_regularizer, "keras.regularizers"),
            "recurrent_regularizer": serialize_object(self.recurrent_regularizer, "keras.regularizers"),
            "bias_regularizer": serialize_object(self.bias_regularizer, "keras.regularizers"),
            "kernel_constraint": serialize_object(self.kernel_constraint, "keras.constraints"),
            "recurrent_constraint": serialize_object(self.recurrent_constraint, "keras.constraints"),
            "bias_constraint": serialize_object(self.bias_constraint, "keras.constraints"),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }

    def get_config(self) -> dict:
        return {**super().get_config(), **self._argument_config()}


def _first(states: Any) -> Any:
    return states[0] if isinstance(states, (list, tuple)) else states


class SimpleRNNCell(RecurrentCell):
    """`h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)`; the output is `h`."""

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        previous = _first(states)
        (x,), (h,) = self._gate_products(inputs, previous, training)
        output = self.activation(x + h)
        return output, [output] if isinstance(states, (list, tuple)) else output

    def _argument_config(self) -> dict:
        config = super()._argument_config()
        del config["recurrent_activation"]
        return config


class LSTMCell(RecurrentCell):
    """Keras 2's LSTM step: `i, f, o = recurrent_activation(...)`, `c = f * c_prev + i * activation(...)`,
    `h = o * activation(c)`; states `[h, c]`. `unit_forget_bias` starts the forget gate's bias at 1."""

    gates = 4

    def __init__(self, units: int, *args: Any, unit_forget_bias: bool = True, **kwargs: Any):
        super().__init__(units, *args, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]

    def _bias_initializer(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def forget_gate_ones(_: Any, dtype: Any = None, **kwargs: Any) -> Any:
            return concat([base((units,), dtype), ones((units,), dtype), base((2 * units,), dtype)], 0)

        return forget_gate_ones

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        h_prev, c_prev = states[0], states[1]
        x_parts, h_parts = self._gate_products(inputs, h_prev, training)
        i, f, c, o = (x + h for x, h in zip(x_parts, h_parts))
        i = self.recurrent_activation(i)
        f = self.recurrent_activation(f)
        c = f * c_prev + i * self.activation(c)
        o = self.recurrent_activation(o)
        h = o * self.activation(c)
        return h, [h, c]

    def _argument_config(self) -> dict:
        config = super()._argument_config()
        items = list(config.items())
        at = [key for key, _ in items].index("bias_initializer") + 1
        items.insert(at, ("unit_forget_bias", self.unit_forget_bias))
        return {**dict(items), "implementation": self.implementation}


class GRUCell(RecurrentCell):
    """Keras 2's GRU step: `z, r = recurrent_activation(...)`, `h = z * h_prev + (1 - z) * hh`. With
    `reset_after` (the default, cuDNN's form) the reset gate multiplies the recurrent product and the
    bias has two rows (input, recurrent); without it, it multiplies `h_prev` before that product."""

    gates = 3

    def __init__(self, units: int, *args: Any, reset_after: bool = True, **kwargs: Any):
        super().__init__(units, *args, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _split_bias(self) -> tuple[Any, Any]:
        if self.bias is None or not self.reset_after:
            return self.bias, None
        input_bias, state_bias = unstack(self.bias)
        return input_bias, state_bias

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        h_prev = _first(states)
        if self.reset_after:
            (x_z, x_r, x_h), (h_z, h_r, h_h) = self._gate_products(inputs, h_prev, training)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            hh = self.activation(x_h + r * h_h)
        else:  # the candidate's recurrent product needs r first: the gates' products are taken apart
            (x_z, x_r, x_h), (h_z, h_r, _) = self._gate_products(inputs, h_prev, training)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            state_masks = self._state_masks(h_prev, training)
            h_dropped = h_prev * state_masks[-1] if state_masks else h_prev
            hh = self.activation(x_h + matmul(r * h_dropped, self.recurrent_kernel[:, 2 * self.units :]))
        h = z * h_prev + (1 - z) * hh
        return h, [h] if isinstance(states, (list, tuple)) else h

    def _argument_config(self) -> dict:
        return {
            **super()._argument_config(),
            "implementation": self.implementation,
            "reset_after": self.reset_after,
        }


class StackedRNNCells(Layer):
    """Cells run one after another at each step, each on the output of the one before; the states are
    the cells' states side by side."""

    def __init__(self, cells: list, **kwargs: Any):
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(
                    f"All cells must have a `call` method. Received cell without a `call` method: {cell}"
                )
            if "state_size" not in dir(cell):
                raise ValueError(
                    "All cells must have a `state_size` attribute. Received cell without a "
                    f"`state_size`: {cell}"
                )
        self.reverse_state_order = kwargs.pop("reverse_state_order", False)
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self) -> tuple:
        return tuple(c.state_size for c in (self.cells[::-1] if self.reverse_state_order else self.cells))

    @property
    def output_size(self) -> Any:
        last = self.cells[-1]
        return getattr(last, "output_size", None) or nest.flatten(last.state_size)[0]

    def get_initial_state(self, inputs: Any = None, batch_size: Any = None, dtype: Any = None) -> tuple:
        if inputs is not None:
            batch_size, dtype = dynamic_shape(inputs)[0], inputs.dtype
        states = []
        for cell in self.cells[::-1] if self.reverse_state_order else self.cells:
            if hasattr(cell, "get_initial_state"):
                states.append(cell.get_initial_state(batch_size=batch_size, dtype=dtype))
            else:
                states.append(zero_state(batch_size, cell.state_size, dtype))
        return tuple(states)

    def call(self, inputs: Any, states: Any, training: Any = None, **kwargs: Any) -> tuple:
        sizes = self.state_size
        nested = nest.pack_sequence_as(sizes, nest.flatten(states))
        if self.reverse_state_order:
            nested = nested[::-1]
        new_nested = []
        for cell, cell_states in zip(self.cells, nested):
            cell_states = list(cell_states) if nest.is_nested(cell_states) else [cell_states]
            inputs, cell_states = call_cell(cell, inputs, cell_states, training)
            new_nested.append(cell_states)
        if self.reverse_state_order:
            new_nested = new_nested[::-1]
        return inputs, nest.pack_sequence_as(sizes, nest.flatten(new_nested))

    def build(self, input_shape: Any) -> None:
        shape = TensorShape(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                with name_scope(cell.name):
                    cell.build(shape)
                    cell.built = True
            width = getattr(cell, "output_size", None) or nest.flatten(cell.state_size)[0]
            shape = TensorShape([shape[0], *TensorShape(width).as_list()])
        self._build_input_shape = input_shape
        self.built = True

    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def get_config(self) -> dict:
        from tapeflow.keras.layers import serialize  # the package imports this module

        return {**super().get_config(), "cells": [serialize(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> StackedRNNCells:
        from tapeflow.keras.layers import deserialize  # the package imports this module

        config = dict(config)
        cells = [deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def call_cell(cell: Any, inputs: Any, states: list, training: Any) -> tuple:
    """One step of `cell`: its output and its new states as a list (Keras's step function)."""
    if isinstance(cell, Layer):
        takes_training = cell._call_takes_training
    else:
        takes_training = "training" in inspect.signature(cell.call).parameters
    kwargs = {"training": training} if takes_training else {}
    output, new_states = cell.call(inputs, states, **kwargs)
    return output, list(new_states) if nest.is_nested(new_states) else [new_states]
