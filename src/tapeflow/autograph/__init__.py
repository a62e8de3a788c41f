"""`tf.autograph`: converts Python control flow (`if`, `while`, `for`, `break`, `continue`, `return`,
`and`, `or`, `not`) into calls that become `tf.cond` and `tf.while_loop` where conditions are tensors.

`tf.function` converts the function it traces (`autograph=True`, the default); `to_code` shows the
converted source. `transform.py` rewrites the source, `scope.py` analyses it, `runtime.py` runs it,
`conversion.py` decides which functions called from converted code are converted too.
"""

from typing import Any

from tapeflow.autograph import experimental

__all__ = ["experimental", "to_code", "to_graph"]


def to_code(entity: Any, recursive: bool = True, experimental_optional_features: Any = None) -> str:
    """`tf.autograph.to_code`: the source of `entity` as AutoGraph converts it."""
    from tapeflow.autograph import conversion  # the converter loads on first use: imports stay fast

    return conversion.transform.to_code(entity, recursive, experimental_optional_features)


def to_graph(entity: Any, recursive: bool = True, experimental_optional_features: Any = None) -> Any:
    """`tf.autograph.to_graph`: `entity` converted (a Python function calling AutoGraph's runtime)."""
    from tapeflow.autograph import conversion  # (loaded on first use)

    return conversion.transform.to_graph(entity, recursive, experimental_optional_features)
