"""Recursive conversion: which callables a call in converted code converts, and the cache that makes
the answer cheap.

Converted code calls `ag__.converted_call(f, args, kwargs)` (`runtime.py`) for every call it makes.
The first call of `f` decides what to run in its place, as TensorFlow's AutoGraph does:

* user functions, methods, nested functions and callable objects' `__call__`: converted (`transform.py`),
  once per function object;
* `len`, `range`, `int`, `float`: their overloads in `runtime.py` (tensor-aware, as TensorFlow's);
* left as they are: other builtins and C callables, classes (constructors), generators,
  functions decorated with `do_not_convert`, functions already converted, `functools.lru_cache`
  wrappers, and anything from a module that is never converted: tapeflow itself (`tf.function`
  objects inline with their own conversion), NumPy, the Python standard library, and the libraries
  TensorFlow's AutoGraph leaves alone by default (`_DO_NOT_CONVERT`);
* functions whose source is not available run as they are, with TensorFlow's warning.

The answer is remembered: in `runtime._TARGETS` (a plain dict, the fast path) for long-lived callables
(module-level functions, builtins, classes), otherwise weakly, per object, so that closures created
on every call do not pile up. Bound methods and `functools.partial` objects, new at every call, are
resolved through their function.
"""

from __future__ import annotations

import functools
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.autograph import runtime, transform

__all__ = ["call_target", "converts_module"]

# Modules (and their submodules) never converted. Besides tapeflow and the standard library, these
# are the defaults of TensorFlow's AutoGraph (its third-party "do not convert" rules).
_DO_NOT_CONVERT = (
    "tapeflow",
    "tensorflow",
    "numpy",
    "keras",
    "tf_keras",
    "matplotlib",
    "pandas",
    "PIL",
    "absl.logging",
    "tensorflow_probability",
    "tensorflow_datasets.core",
    "ipdb",
    "mock",
)
_C_METHODS = (types.BuiltinMethodType, types.MethodWrapperType, types.MethodDescriptorType)
_LONG_LIVED = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, type)
_WEAK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # other callables -> what to call


_OVERLOADS = {len: runtime.len_, range: runtime.range_, int: runtime.int_, float: runtime.float_}


def converts_module(module: str | None) -> bool:
    """Whether functions of `module` (a `__module__`) are converted when called from converted code."""
    if not module:
        return True
    top = module.partition(".")[0]
    if top in sys.stdlib_module_names:
        return False
    return not any(module == m or module.startswith(m + ".") for m in _DO_NOT_CONVERT)


def convert(func: Callable) -> Callable:
    """`func` converted by AutoGraph: the way in for `tf.function` (importing this module is what
    lets converted code convert the functions it calls)."""
    return transform.convert(func)


def call_target(f: Any) -> Callable:
    """What converted code calls in place of `f` (`f` itself where it is left as it is)."""
    kind = type(f)
    if kind in _C_METHODS:  # builtins (`len`, `xs.append`): never converted, some overloaded
        return _OVERLOADS.get(f, f)
    if kind is types.MethodType:  # bound to the same instance
        target = call_target(f.__func__)
        return f if target is f.__func__ else types.MethodType(target, f.__self__)
    if kind is functools.partial:
        target = call_target(f.func)
        return f if target is f.func else functools.partial(target, *f.args, **f.keywords)
    try:
        target = runtime._TARGETS.get(f) or _WEAK.get(f)
    except TypeError:  # not hashable, or no weak reference
        target = None
    if target is None:
        target = _decide(f)
        _remember(f, target)
    return target


def _decide(f: Any) -> Callable:
    if isinstance(f, types.FunctionType):
        if (
            transform.is_converted(f)
            or getattr(f, "_autograph_do_not_convert", False)
            or not converts_module(f.__globals__.get("__name__"))  # where the code is, not `wraps`'s claim
        ):
            return f
        return transform.convert(f)
    if isinstance(f, type):  # constructors are not converted; `range`, `int`, `float` are overloaded
        return _OVERLOADS.get(f, f)
    kind = type(f)
    call = kind.__call__ if callable(f) else None
    if (
        not isinstance(call, types.FunctionType)  # builtins, C callables
        or getattr(f, "_autograph_do_not_convert", False)
        or not converts_module(kind.__module__)
    ):
        return f
    target = call_target(call)  # a callable object: its `__call__` converted, bound to it
    return f if target is call else types.MethodType(target, f)


def _remember(f: Any, target: Callable) -> None:
    """Keep the answer: strongly (the fast path) for callables that live as long as their module."""
    owner = getattr(f, "__self__", None)  # a builtin method is bound to its object
    if (
        isinstance(f, _LONG_LIVED)
        and "<locals>" not in getattr(f, "__qualname__", "")
        and (owner is None or isinstance(owner, types.ModuleType))
    ):
        runtime._TARGETS[f] = target
        return
    try:
        _WEAK[f] = target
    except TypeError:
        pass  # resolved again at each call


runtime.install_call_target(call_target)
