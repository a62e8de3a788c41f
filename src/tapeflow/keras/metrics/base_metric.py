"""`Metric`, the running reductions `Mean` and `Sum`, `MeanMetricWrapper` (the mean of a per-sample
function) and `MeanTensor` (an element-wise mean).

A metric keeps its state in non-trainable variables named as Keras names them (`total`, `count`) that
`update_state` adds to, so a metric can be updated inside a compiled train step; `result()` reads them.
A metric made without a name is named after its class, numbered as Keras numbers layers (`auc`,
`auc_1`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import backend, identifiers
from tapeflow.keras.loss_functions import sparse_valid_mask
from tapeflow.keras.losses_utils import apply_valid_mask, squeeze_or_expand
from tapeflow.ops.creation_ops import ones_like, size
from tapeflow.ops.math_ops import cast, divide_no_nan
from tapeflow.ops.reduce_ops import reduce_mean, reduce_sum
from tapeflow.ops.variables import Variable

__all__ = ["Mean", "MeanMetricWrapper", "MeanTensor", "Metric", "Sum", "mean_metric_class"]


def _snake(name: str) -> str:
    from tapeflow.keras.engine.base_layer import to_snake_case  # imported here: engine imports metrics

    return to_snake_case(name)


class Metric:
    """Base class: state in variables (`add_weight`), `update_state`, `result`, `reset_state`; calling
    a metric updates it and returns the result."""

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or backend.unique_name(_snake(type(self).__name__))
        self._dtype = dtypes.as_dtype(dtype or backend.floatx())
        self._variables: list[Variable] = []

    @property
    def dtype(self) -> str:
        """The metric's float type, as a name (`'float32'`), as Keras gives it."""
        return self._dtype.name

    def add_weight(
        self, name: str, shape: Any = (), dtype: Any = None, initializer: Any = "zeros"
    ) -> Variable:
        """A non-trainable state variable of zeros."""
        variable = Variable(
            np.zeros(shape, dtypes.as_dtype(dtype or self._dtype).as_numpy_dtype), trainable=False, name=name
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
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __str__(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _can_broadcast(weight: Any, values: Any) -> bool:
    """Keras's `broadcast_weights` rule: a scalar, or the same rank with each axis equal or 1."""
    w_shape, v_shape = weight.shape, values.shape
    if w_shape.rank == 0:
        return True
    if w_shape.rank is None or v_shape.rank is None or w_shape.rank != v_shape.rank:
        return False
    return all(w in (1, v) or None in (w, v) for w, v in zip(w_shape.as_list(), v_shape.as_list()))


def weighted(values: Any, sample_weight: Any, dtype: Any, reduce: Any = reduce_mean) -> tuple:
    """`values` times the sample weights, and the weights as applied: weights of a lower rank than the
    values that cannot be broadcast to them weigh the values reduced (`reduce`) over the extra axes."""
    weight = cast(convert_to_tensor(sample_weight), dtype)
    values, _, weight = squeeze_or_expand(values, sample_weight=weight)
    if _can_broadcast(weight, values):
        weight = weight * ones_like(values)
    else:
        values = reduce(values, axis=list(range(weight.shape.rank, values.shape.rank)))
    return values * weight, weight


class _Reduce(Metric):
    """A running sum of values (with sample weights), and for a mean their weight."""

    _mean = True

    def __init__(self, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight("total")
        if self._mean:
            self.count = self.add_weight("count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = cast(convert_to_tensor(values), self._dtype)
        if sample_weight is not None:
            values, sample_weight = weighted(
                values, sample_weight, self._dtype, reduce_mean if self._mean else reduce_sum
            )
        self.total.assign_add(reduce_sum(values))
        if self._mean:
            count = cast(size(values), self._dtype) if sample_weight is None else reduce_sum(sample_weight)
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
    """The mean of a per-sample function `fn(y_true, y_pred, **kwargs)` of labels and predictions cast
    to the metric's type; labels equal to an `ignore_class` keyword do not count."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = cast(convert_to_tensor(y_true), self._dtype)
        y_pred = cast(convert_to_tensor(y_pred), self._dtype)
        y_pred, y_true = squeeze_or_expand(y_pred, y_true)
        matches = convert_to_tensor(self._fn(y_true, y_pred, **self._fn_kwargs))
        ignore_class = self._fn_kwargs.get("ignore_class")
        if ignore_class is not None:
            mask = sparse_valid_mask(y_true, matches, ignore_class)
            sample_weight = apply_valid_mask(matches, sample_weight, mask, "weighted_mean")
        super().update_state(matches, sample_weight)

    def get_config(self) -> dict:
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            config["fn"] = self._fn
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            from tapeflow.keras.metrics import get

            return cls(get(fn), **config)
        return cls(**config)


def mean_metric_class(
    cls_name: str, fn: Any, default_name: str, doc: str, module: str, **options: Any
) -> type:
    """A `MeanMetricWrapper` class for `fn`, taking `name`, `dtype` and then `fn`'s options (with Keras's
    defaults, in Keras's order)."""

    def init(self: MeanMetricWrapper, values: dict) -> None:
        name, dtype = values.pop("name"), values.pop("dtype")
        MeanMetricWrapper.__init__(self, fn, name, dtype=dtype, **values)

    parameters = [("name", default_name), ("dtype", None), *options.items()]
    return identifiers.class_with_options(cls_name, MeanMetricWrapper, module, doc, parameters, init)


class MeanTensor(Metric):
    """The element-wise (weighted) mean of tensors of one shape, fixed by the first update."""

    def __init__(self, name: str = "mean_tensor", dtype: Any = None, shape: Any = None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._total = self._count = None
        if shape is not None:
            self._build(shape)

    def _build(self, shape: Any) -> None:
        self._shape = list(shape)
        self._total = self.add_weight("total", shape=self._shape)
        self._count = self.add_weight("count", shape=self._shape)

    @property
    def total(self) -> Any:
        return self._total

    @property
    def count(self) -> Any:
        return self._count

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = cast(convert_to_tensor(values), self._dtype)
        if self._shape is None:
            self._build(values.shape.as_list())
        elif values.shape.as_list() != self._shape:
            raise ValueError(
                f"MeanTensor input values must always have the same shape. Expected shape (set during "
                f"the first call): {tuple(self._shape)}. Got: {values.shape}."
            )
        counts = ones_like(values)
        if sample_weight is not None:
            weighted_values, weight = weighted(values, sample_weight, self._dtype)
            counts, values = counts * weight, weighted_values
        self._total.assign_add(values)
        self._count.assign_add(counts)

    def result(self) -> Any:
        if self._shape is None:
            raise ValueError(
                "MeanTensor does not have any value yet. Please call the MeanTensor instance or use "
                "`.update_state(value)` before retrieving the result."
            )
        return divide_no_nan(self._total, self._count)
