"""`tf.keras.metrics`: stateful metrics (`update_state`, `result`, `reset_state`) and the per-sample
metric functions they average.

A metric keeps float32 variables (`total`, `count`) that `update_state` adds to, so a metric can be
updated inside a compiled train step; `result()` reads them."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import identifiers, losses
from tapeflow.ops.array_ops import squeeze
from tapeflow.ops.creation_ops import ones_like, size
from tapeflow.ops.math_ops import cast, divide_no_nan, equal, greater, sqrt
from tapeflow.ops.reduce_ops import argmax, reduce_mean, reduce_sum
from tapeflow.ops.variables import Variable

__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Mean",
    "MeanAbsoluteError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "Metric",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "Sum",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "get",
    "sparse_categorical_accuracy",
]


class Metric:
    """Base class: state in variables (`add_weight`), `update_state`, `result`, `reset_state`; calling
    a metric updates it and returns the result."""

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtypes.as_dtype(dtype or "float32")
        self._variables: list[Variable] = []

    def add_weight(
        self, name: str, shape: Any = (), dtype: Any = None, initializer: Any = "zeros"
    ) -> Variable:
        variable = Variable(
            np.zeros(shape, dtypes.as_dtype(dtype or self.dtype).as_numpy_dtype), trainable=False, name=name
        )
        self._variables.append(variable)
        return variable

    @property
    def variables(self) -> list:
        return list(self._variables)

    weights = variables

    def _trackable_children(self) -> list:
        return [(v.name.split(":")[0], v) for v in self._variables]

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Must be implemented in subclasses.")

    def result(self) -> Any:
        raise NotImplementedError("Must be implemented in subclasses.")

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(np.zeros(v.shape.as_list(), v.dtype.as_numpy_dtype))

    reset_states = reset_state

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _snake(name: str) -> str:
    from tapeflow.keras.engine.base_layer import to_snake_case  # imported here: engine imports metrics

    return to_snake_case(name)


class _Reduce(Metric):
    """A running sum of values (with sample weights), and for a mean their weight."""

    _mean = True

    def __init__(self, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight("total")
        if self._mean:
            self.count = self.add_weight("count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = cast(convert_to_tensor(values), self.dtype)
        if sample_weight is not None:
            weight = cast(convert_to_tensor(sample_weight), self.dtype)
            if (
                weight.shape.rank is not None
                and values.shape.rank is not None
                and weight.shape.rank < values.shape.rank
                and values.shape.rank > 1
            ):
                values = reduce_mean(values, axis=list(range(weight.shape.rank, values.shape.rank)))
            weight = weight * ones_like(values)  # broadcast to the values
            values = values * weight
            count = reduce_sum(weight)
        else:
            count = cast(size(values), self.dtype)
        self.total.assign_add(reduce_sum(values))
        if self._mean:
            self.count.assign_add(count)

    def result(self) -> Any:
        if self._mean:
            return divide_no_nan(self.total, self.count)
        return convert_to_tensor(self.total)


class Mean(_Reduce):
    """The (weighted) mean of the values given so far."""

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)


class Sum(_Reduce):
    """The (weighted) sum of the values given so far."""

    _mean = False

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = convert_to_tensor(y_pred)
        y_true = convert_to_tensor(y_true)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where `y_true == y_pred`, else 0.0."""
    y_pred = convert_to_tensor(y_pred)
    return cast(equal(cast(convert_to_tensor(y_true), y_pred.dtype), y_pred), "float32")


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """Per sample: the fraction of `y_pred > threshold` matching the 0/1 labels."""
    y_pred = convert_to_tensor(y_pred)
    y_true = cast(convert_to_tensor(y_true), y_pred.dtype)
    predicted = cast(greater(y_pred, threshold), y_pred.dtype)
    return reduce_mean(cast(equal(y_true, predicted), "float32"), axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the predicted class (argmax) is the one-hot label's."""
    return cast(
        equal(argmax(convert_to_tensor(y_true), axis=-1), argmax(convert_to_tensor(y_pred), axis=-1)),
        "float32",
    )


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the predicted class (argmax) is the integer label."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, [-1])
    predicted = argmax(y_pred, axis=-1)
    return cast(equal(cast(y_true, predicted.dtype), predicted), "float32")


def _wrapper(cls_name: str, fn: Any, default_name: str, doc: str) -> type:
    def __init__(self, name: str = default_name, dtype: Any = None, **kwargs: Any):  # noqa: N807
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **kwargs)

    return type(
        cls_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__}
    )


Accuracy = _wrapper("Accuracy", accuracy, "accuracy", "How often predictions equal labels.")
CategoricalAccuracy = _wrapper(
    "CategoricalAccuracy",
    categorical_accuracy,
    "categorical_accuracy",
    "How often the argmax of the predictions is the one-hot label.",
)
SparseCategoricalAccuracy = _wrapper(
    "SparseCategoricalAccuracy",
    sparse_categorical_accuracy,
    "sparse_categorical_accuracy",
    "How often the argmax of the predictions is the integer label.",
)
MeanSquaredError = _wrapper(
    "MeanSquaredError", losses.mean_squared_error, "mean_squared_error", "The mean of the squared errors."
)
MeanAbsoluteError = _wrapper(
    "MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error", "The mean of the absolute errors."
)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches the 0/1 labels."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = convert_to_tensor(y_pred)
        y_true = cast(convert_to_tensor(y_true), y_pred.dtype)
        super().update_state((y_pred - y_true) ** 2, sample_weight)

    def result(self) -> Any:
        return sqrt(divide_no_nan(self.total, self.count))


_FUNCTIONS = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mse": losses.mean_squared_error,
    "mean_squared_error": losses.mean_squared_error,
    "mae": losses.mean_absolute_error,
    "mean_absolute_error": losses.mean_absolute_error,
    "binary_crossentropy": losses.binary_crossentropy,
    "categorical_crossentropy": losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": losses.sparse_categorical_crossentropy,
}
_CLASSES = {
    c.__name__: c
    for c in (
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        Mean,
        Sum,
        MeanSquaredError,
        MeanAbsoluteError,
        RootMeanSquaredError,
    )
}


def get(identifier: Any) -> Any:
    """A metric function or object from a name, a config dict, a `Metric` or a function."""
    if identifier is None:
        raise ValueError("Could not interpret metric identifier: None")
    return identifiers.get(identifier, "metric function", {**_FUNCTIONS, **_CLASSES}, "metric")
