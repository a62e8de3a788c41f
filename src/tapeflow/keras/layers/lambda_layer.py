"""`tf.keras.layers.Lambda`: a function of the inputs as a layer.

Its config carries the function as Keras 2 writes it: a Python function's compiled code (marshal, in
base64) with its defaults and closure ("function_type": "lambda"), any other callable by name
("function"); `from_config` rebuilds the function in the namespace of the module it came from. The
code is only readable by the Python version that wrote it, as in Keras."""

from __future__ import annotations

import base64
import inspect
import marshal
import sys
import types
from typing import Any

from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras.engine.base_layer import Layer

__all__ = ["Lambda", "func_dump", "func_load"]


def func_dump(func: types.FunctionType) -> tuple:
    """A Python function as (code in base64, defaults, closure values)."""
    code = base64.encodebytes(marshal.dumps(func.__code__)).decode("ascii")
    closure = tuple(cell.cell_contents for cell in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def _cell(value: Any) -> Any:
    return (lambda: value).__closure__[0]


def func_load(code: Any, defaults: Any = None, closure: Any = None, globs: dict | None = None) -> Any:
    """The function `func_dump` wrote (its three parts, or one list of them)."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    raw = marshal.loads(base64.decodebytes(code.encode("ascii")))
    cells = tuple(_cell(v) for v in closure) if closure is not None else None
    defaults = tuple(defaults) if isinstance(defaults, list) else defaults
    return types.FunctionType(raw, globs or globals(), raw.co_name, defaults, cells)


class Lambda(Layer):
    """`function(inputs, **arguments)` as a layer (given `training` or `mask` if it takes them)."""

    def __init__(self, function: Any, output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.arguments = arguments or {}
        self.function = function
        if mask is not None:
            self.supports_masking = True
        self.mask = mask
        self._output_shape = output_shape
        parameters = inspect.signature(function).parameters
        self._fn_expects_training_arg = "training" in parameters
        self._fn_expects_mask_arg = "mask" in parameters

    def call(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return TensorShape(self._output_shape(input_shape))
        return TensorShape([TensorShape(input_shape)[0], *self._output_shape])

    @staticmethod
    def _serialize(value: Any, allow_raw: bool = False) -> tuple:
        if isinstance(value, types.FunctionType):
            return func_dump(value), "lambda", value.__module__
        if callable(value):
            return value.__name__, "function", value.__module__
        if allow_raw:
            return value, "raw", None
        raise ValueError(f"Invalid input for serialization, type: {type(value)} ")

    def get_config(self) -> dict:
        function, function_type, module = self._serialize(self.function)
        shape, shape_type, shape_module = self._serialize(self._output_shape, allow_raw=True)
        config = {
            **super().get_config(),
            "function": function,
            "function_type": function_type,
            "module": module,
            "output_shape": shape,
            "output_shape_type": shape_type,
            "output_shape_module": shape_module,
        }
        if self.mask is not None:
            mask, mask_type, mask_module = self._serialize(self.mask)
            config.update({"mask": mask, "mask_type": mask_type, "mask_module": mask_module})
        config["arguments"] = self.arguments
        return config

    @staticmethod
    def _parse(config: dict, custom_objects: dict | None, key: str, module_key: str, type_key: str) -> Any:
        module = config.pop(module_key, None)
        globs = dict(sys.modules[module].__dict__) if module in sys.modules else {}
        globs.update(custom_objects or {})
        kind = config.pop(type_key, None)
        value = config.get(key)
        if kind == "function":
            if value not in globs:
                raise ValueError(f"Unknown function: {value}")
            return globs[value]
        if kind == "lambda":
            return func_load(value, globs=globs)
        return value

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Lambda:
        config = dict(config)
        config["function"] = cls._parse(config, custom_objects, "function", "module", "function_type")
        config["output_shape"] = cls._parse(
            config, custom_objects, "output_shape", "output_shape_module", "output_shape_type"
        )
        config["mask"] = None
        if "mask_type" in config:
            config["mask"] = cls._parse(config, custom_objects, "mask", "mask_module", "mask_type")
        return cls(**config)
