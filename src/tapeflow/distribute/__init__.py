"""`tf.distribute`: data-parallel training across processes and hosts, over MPI (the `[mpi]` extra).

world.py is the MPI world (mpi4py loaded on first use); collective_ops.py the collectives as ops;
reducer.py gradients reduced in buckets during the backward sweep; signature.py the check that workers
agree on their variables; strategy.py the strategies. Horovod's API is `tapeflow.horovod`.
"""

from tapeflow.distribute.strategy import (
    InputContext,
    MirroredStrategy,
    MultiWorkerMirroredStrategy,
    ReduceOp,
    ReplicaContext,
    Strategy,
    get_replica_context,
    get_strategy,
    has_strategy,
    in_cross_replica_context,
)

__all__ = ["InputContext", "MirroredStrategy", "MultiWorkerMirroredStrategy", "ReduceOp", "ReplicaContext",
           "Strategy", "experimental", "get_replica_context", "get_strategy", "has_strategy",
           "in_cross_replica_context"]


class experimental:  # noqa: N801 - TensorFlow's namespace tf.distribute.experimental
    """`tf.distribute.experimental`: the multi-worker strategy under its older name."""

    MultiWorkerMirroredStrategy = MultiWorkerMirroredStrategy
