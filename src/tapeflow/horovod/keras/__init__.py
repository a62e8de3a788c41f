"""Horovod's Keras API (`import horovod.tensorflow.keras as hvd` becomes `import tapeflow.horovod.keras
as hvd`): the same functions as `tapeflow.horovod`, a `DistributedOptimizer` for Keras optimizers and
the callbacks in `hvd.callbacks` (BroadcastGlobalVariables, MetricAverage, LearningRateSchedule,
LearningRateWarmup)."""

from tapeflow.horovod import (
    Average,
    Compression,
    DistributedOptimizer,
    Max,
    Min,
    Product,
    Sum,
    allgather,
    allgather_object,
    allreduce,
    broadcast,
    broadcast_object,
    broadcast_variables,
    cross_rank,
    cross_size,
    init,
    is_initialized,
    local_rank,
    local_size,
    mpi_built,
    mpi_enabled,
    rank,
    shutdown,
    size,
)
from tapeflow.horovod.keras import callbacks

__all__ = ["Average", "Compression", "DistributedOptimizer", "Max", "Min", "Product", "Sum", "allgather",
           "allgather_object", "allreduce", "broadcast", "broadcast_object", "broadcast_variables",
           "callbacks", "cross_rank", "cross_size", "init", "is_initialized", "local_rank", "local_size",
           "mpi_built", "mpi_enabled", "rank", "shutdown", "size"]
