"""`tf.config`: run compiled functions eagerly (for debugging)."""

from tapeflow.graph.function import functions_run_eagerly, run_functions_eagerly

__all__ = ["functions_run_eagerly", "run_functions_eagerly"]
