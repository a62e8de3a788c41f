"""`tf.keras.initializers`: Keras 2's initializers, drawing exactly tf-keras's values.

A random initializer passes the stateless ops the seed pair [s, 0] (`random.keras_seeds`): s is
its `seed`, or one drawn the first time it is used (after `tf.keras.utils.set_random_seed(g)`,
from a generator seeded with g; so layers built in the same order get tf-keras's weights)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.keras import backend, identifiers
from tapeflow.ops.array_ops import reshape, transpose
from tapeflow.ops.creation_ops import constant, eye, fill, ones, zeros
from tapeflow.ops.decomposition_ops import qr
from tapeflow.ops.linalg_ops import diag_part
from tapeflow.ops.math_ops import cast, sign
from tapeflow.random import stateless
from tapeflow.random.keras_seeds import StatelessSeed

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "deserialize",
    "get",
    "serialize",
]


def _dtype(dtype: Any) -> dtypes.DType:
    return dtypes.as_dtype(dtype or backend.floatx())


def _float_dtype(dtype: Any, name: str) -> dtypes.DType:
    dtype = _dtype(dtype)
    if dtype.kind != "float":
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


class Initializer:
    """Base class: `__call__(shape, dtype)` gives the initial value; `get_config` its arguments."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return zeros(shape, _dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return ones(shape, _dtype(dtype))


class Constant(Initializer):
    """Every entry `value` (a scalar)."""

    def __init__(self, value: Any = 0):
        if not np.isscalar(value):
            raise TypeError(
                f"Invalid type for initial value: {type(value).__name__} (expected Python "
                f"scalar, list or tuple of values, or numpy.ndarray)."
            )
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return fill(shape, constant(self.value, _dtype(dtype)))

    def get_config(self) -> dict:
        return {"value": self.value}


class _Seeded(Initializer):
    """An initializer drawing with the stateless ops from the seed pair [s, 0]."""

    def __init__(self, seed: Any = None):
        self.seed = seed
        self._seed = StatelessSeed(seed)

    def _pair(self) -> list[int]:
        return self._seed.pair()


class RandomNormal(_Seeded):
    """Normal draws with `mean` and `stddev`."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        dtype = _float_dtype(dtype, "RandomNormal")
        return stateless.stateless_normal(shape, self._pair(), self.mean, self.stddev, dtype)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform draws in [minval, maxval)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        dtype = _dtype(dtype)
        if dtype.kind not in ("float", "int"):
            raise ValueError(f"Expected float or integer dtype, got {dtype}.")
        return stateless.stateless_uniform(shape, self._pair(), self.minval, self.maxval, dtype)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Seeded):
    """Normal draws with `mean` and `stddev`, redrawn beyond two standard deviations."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        dtype = _float_dtype(dtype, "TruncatedNormal")
        return stateless.stateless_truncated_normal(shape, self._pair(), self.mean, self.stddev, dtype)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _fans(shape: tuple) -> tuple[float, float]:
    """Keras's fan-in and fan-out: a kernel's last two axes, times the receptive field for convolutions."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class VarianceScaling(_Seeded):
    """Draws scaled to the layer's fans: variance `scale / n` with n the fan `mode` names."""

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: Any = None,
    ):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        allowed = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of the {allowed}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}.Allowed distributions: {allowed}"
            )
        super().__init__(seed)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978  # the std of a unit normal cut at +-2
            return stateless.stateless_truncated_normal(shape, self._pair(), 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return stateless.stateless_normal(shape, self._pair(), 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return stateless.stateless_uniform(shape, self._pair(), -limit, limit, dtype)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _variance_scaling(name: str, scale: float, mode: str, distribution: str, doc: str) -> type:
    def __init__(self, seed: Any = None):  # noqa: N807 - the class's own constructor
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}

    return type(
        name,
        (VarianceScaling,),
        {"__init__": __init__, "get_config": get_config, "__doc__": doc, "__module__": __name__},
    )


GlorotUniform = _variance_scaling(
    "GlorotUniform",
    1.0,
    "fan_avg",
    "uniform",
    "Uniform in +-sqrt(6 / (fan_in + fan_out)): Keras's default kernel.",
)
GlorotNormal = _variance_scaling(
    "GlorotNormal",
    1.0,
    "fan_avg",
    "truncated_normal",
    "Truncated normal with variance 2 / (fan_in + fan_out).",
)
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform", "Uniform in +-sqrt(6 / fan_in).")
HeNormal = _variance_scaling(
    "HeNormal", 2.0, "fan_in", "truncated_normal", "Truncated normal with variance 2 / fan_in."
)
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform", "Uniform in +-sqrt(3 / fan_in).")
LecunNormal = _variance_scaling(
    "LecunNormal", 1.0, "fan_in", "truncated_normal", "Truncated normal with variance 1 / fan_in."
)


class Orthogonal(_Seeded):
    """An orthogonal matrix (from the QR decomposition of normal draws), times `gain`."""

    def __init__(self, gain: float = 1.0, seed: Any = None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        dtype = _float_dtype(dtype, "Orthogonal")
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(
                f"The tensor to initialize must be at least two-dimensional. Received: "
                f"shape={shape} of rank {len(shape)}."
            )
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = stateless.stateless_normal(flat, self._pair(), dtype=dtype)
        q, r = qr(a, full_matrices=False)
        q = q * sign(diag_part(r))
        if rows < cols:
            q = transpose(q)
        return reshape(q, shape) * self.gain

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """The identity matrix times `gain` (2-D shapes only)."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape = tuple(int(d) for d in shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity matrix initializer can only be used for 2D matrices. Received: "
                f"shape={shape} of rank {len(shape)}."
            )
        return cast(eye(shape[0], shape[1]), _dtype(dtype)) * self.gain

    def get_config(self) -> dict:
        return {"gain": self.gain}


_ALIASES = {
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "uniform": RandomUniform,
    "normal": RandomNormal,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "variance_scaling": VarianceScaling,
}
_CLASSES = {cls.__name__: cls for cls in set(_ALIASES.values())}


def serialize(initializer: Initializer) -> dict:
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict) -> Initializer:
    return identifiers.from_config("initializer", _CLASSES, config)


def get(identifier: Any) -> Any:
    """An initializer from a name (`'glorot_uniform'`), a config dict, an instance or a callable."""
    return identifiers.get(identifier, "initializer", {**_CLASSES, **_ALIASES})
