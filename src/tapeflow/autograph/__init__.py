"""`tf.autograph`: converts Python control flow (`if`, `while`, `for`, `break`, `continue`, `return`,
`and`, `or`, `not`) into calls that become `tf.cond` and `tf.while_loop` where conditions are tensors.

`tf.function` converts the function it traces (`autograph=True`, the default); `to_code` shows the
converted source. `transform.py` rewrites the source, `scope.py` analyses it, `runtime.py` runs it.
"""

from tapeflow.autograph import experimental
from tapeflow.autograph.transform import to_code, to_graph

__all__ = ["experimental", "to_code", "to_graph"]
