"""`tf.version` and `tf.__version__`: the TensorFlow API version tapeflow follows (2.21.0), so that
version checks in users' code (`tf.__version__ >= "2.x"`, `packaging.version.parse(tf.__version__)`)
keep working; tapeflow's own release is `TAPEFLOW_VERSION` (docs/compatibility.md)."""

VERSION = "2.21.0"
GIT_VERSION = "tapeflow-0.1.0"
COMPILER_VERSION = "tapeflow (pure Python over NumPy)"
GRAPH_DEF_VERSION = 2474
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0
TAPEFLOW_VERSION = "0.1.0"

__all__ = ["COMPILER_VERSION", "GIT_VERSION", "GRAPH_DEF_VERSION", "GRAPH_DEF_VERSION_MIN_CONSUMER",
           "GRAPH_DEF_VERSION_MIN_PRODUCER", "TAPEFLOW_VERSION", "VERSION"]
