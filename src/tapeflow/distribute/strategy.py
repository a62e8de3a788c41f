"""`tf.distribute`'s strategies: the default one, `MirroredStrategy` on this process's one device, and
`MultiWorkerMirroredStrategy`, whose cluster is the MPI world (one replica per `mpiexec` process).

A strategy's `scope()` is where variables are made: under the multi-worker strategy each new variable
takes worker 0's value as it is created (one broadcast), so all workers start equal; Keras models
made there remember the strategy, and their `fit` gives each worker its part of every global batch and
averages the gradients (in `Optimizer.apply_gradients`, as TensorFlow does). `run(fn, args)` calls `fn`
as this worker's replica; `reduce` and a replica context's `all_reduce` are MPI allreduces; datasets are
split so that each worker reads its rows of each global batch (`experimental_distribute_dataset`) or
its own pipeline (`distribute_datasets_from_function`).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import nest
from tapeflow.distribute import collective_ops
from tapeflow.distribute.reducer import BucketReducer, ReducingTape
from tapeflow.distribute.signature import check_same_everywhere
from tapeflow.distribute.world import world
from tapeflow.ops import variables
from tapeflow.ops.array_ops import concat
from tapeflow.ops.creation_ops import shape
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import cast
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["ReduceOp", "InputContext", "ReplicaContext", "Strategy", "MirroredStrategy",
           "MultiWorkerMirroredStrategy", "get_strategy", "has_strategy", "in_cross_replica_context",
           "get_replica_context"]


class ReduceOp(enum.Enum):
    """How values of the replicas combine."""

    SUM = "SUM"
    MEAN = "MEAN"

    def __str__(self) -> str:
        return f"ReduceOp.{self.name}"


def _reduce_op(op: Any) -> ReduceOp:
    return op if isinstance(op, ReduceOp) else ReduceOp(op)


class InputContext:
    """What an input pipeline needs to know to read its part: how many there are and which it is."""

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0,
                 num_replicas_in_sync: int = 1):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(f"The `global_batch_size` {global_batch_size!r} is not divisible by "
                             f"`num_replicas_in_sync` {self.num_replicas_in_sync!r} ")
        return global_batch_size // self.num_replicas_in_sync

    def __str__(self) -> str:
        return f"tf.distribute.InputContext(input pipeline id {self.input_pipeline_id}, total: " \
               f"{self.num_input_pipelines})"


class ReplicaContext:
    """Inside `run` (or anywhere outside a strategy's scope): this replica's view of the others."""

    def __init__(self, strategy: Strategy):
        self.strategy = strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return self.strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Any:
        return tensor(np.int32(self.strategy._worker))

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        """Every replica's `value` (a nested structure) summed or averaged, on every replica."""
        return nest.map_structure(lambda v: self.strategy._all_reduce(_reduce_op(reduce_op), v), value)


class _ClusterResolver:
    """The MPI world as TensorFlow's cluster resolver describes a cluster: every process a worker."""

    task_type = "worker"
    rpc_layer = "mpi"

    def __init__(self, task_id: int, workers: int):
        self.task_id, self.num_workers = task_id, workers


_SCOPES: list = []  # the strategies whose scope() is entered, innermost last
_IN_RUN: list = []  # the strategies inside whose run() the code is


class Strategy:
    """A way to run one training step on several replicas (here: one per MPI process, or just this one)."""

    _workers, _worker = 1, 0

    @property
    def num_replicas_in_sync(self) -> int:
        return self._workers

    @property
    def cluster_resolver(self) -> Any:
        return None

    @contextlib.contextmanager
    def scope(self):
        """Variables made inside belong to this strategy (and start equal on all workers)."""
        _SCOPES.append(self)
        listener = self._created if self._workers > 1 else None
        if listener is not None:
            variables.CREATION_LISTENERS.append(listener)
        try:
            yield self
        finally:
            if listener is not None:
                variables.CREATION_LISTENERS.remove(listener)
            _SCOPES.remove(self)

    def _created(self, variable: Any) -> None:
        """A new variable takes worker 0's value (after checking that every worker makes the same)."""
        check_same_everywhere([variable], "the strategy's scope")
        w = world()
        value = np.array(variable._value, copy=True, order="C")
        w.wait([w.comm.Ibcast(value, root=0)], f"the broadcast of new variable {variable.name!r}")
        variable._value = value

    def run(self, fn: Callable, args: tuple = (), kwargs: dict | None = None, options: Any = None) -> Any:
        """`fn(*args, **kwargs)` as this worker's replica (its one replica)."""
        _IN_RUN.append(self)
        try:
            return fn(*args, **(kwargs or {}))
        finally:
            _IN_RUN.pop()

    def reduce(self, reduce_op: Any, value: Any, axis: int | None = None) -> Any:
        """The replicas' `value` combined, and also reduced along `axis` if given (a MEAN over an axis
        is the mean of all the elements of every replica along it)."""
        op = _reduce_op(reduce_op)
        value = tensor(value)
        if axis is None:
            return self._all_reduce(op, value)
        total = self._all_reduce(ReduceOp.SUM, reduce_sum(value, axis))
        if op is ReduceOp.SUM:
            return total
        count = self._all_reduce(ReduceOp.SUM, cast(shape(value)[axis], value.dtype))
        return total / count

    def _all_reduce(self, op: ReduceOp, value: Any) -> Any:
        if self._workers == 1:
            return tensor(value)
        return collective_ops.allreduce(value, "sum" if op is ReduceOp.SUM else "average",
                                        name="strategy_all_reduce")

    def experimental_local_results(self, value: Any) -> tuple:
        return (value,)

    def gather(self, value: Any, axis: int) -> Any:
        """The replicas' values concatenated along `axis`."""
        if self._workers == 1:
            return tensor(value)
        if axis == 0:
            return collective_ops.allgather(value, name="strategy_gather")
        parts = collective_ops.allgather(tensor(value)[None], name="strategy_gather")
        return concat([parts[i] for i in range(self._workers)], axis)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """Each worker gets its rows of every (global) batch of `dataset`: an equal share, the first
        workers one row more when a batch does not divide."""
        if self._workers == 1:
            return dataset
        return dataset.map(lambda *element: nest.map_structure(self.worker_rows, element if len(element) > 1
                                                               else element[0]))

    def distribute_datasets_from_function(self, dataset_fn: Callable, options: Any = None) -> Any:
        """`dataset_fn(input_context)` on each worker: it reads its own part."""
        return dataset_fn(InputContext(self._workers, self._worker, self._workers))

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def worker_rows(self, batch: Any) -> Any:
        """This worker's rows of a global batch (a tensor)."""
        rows = shape(batch)[0]
        share = (rows + self._workers - 1) // self._workers
        return batch[share * self._worker:share * (self._worker + 1)]

    def aggregate_gradients(self, grads: list, variables_: list) -> list:
        """The gradients averaged over the workers (Keras optimizers call it in `apply_gradients`)."""
        if self._workers == 1:
            return grads
        check_same_everywhere(variables_, "apply_gradients")
        return BucketReducer(len(grads)).finish(list(grads))

    def reducing_tape(self, tape: Any) -> ReducingTape:
        """`tape`, its gradients averaged over the workers during the backward sweep (Keras `minimize`)."""
        return ReducingTape(tape)

    def mean_over_workers(self, logs: dict) -> dict:
        """Keras's logs (numbers by name) averaged over the workers, as TensorFlow's metrics sum their
        state over the replicas."""
        if self._workers == 1 or not logs:
            return logs
        names = sorted(logs)
        values = np.array([float(logs[k]) for k in names], np.float64)
        w = world()
        w.wait([w.comm.Iallreduce(w.MPI.IN_PLACE, values, op=w.MPI.SUM)], "the average of the metrics")
        return dict(zip(names, (values / self._workers).tolist()))

    def same_permutation(self, n: int) -> np.ndarray:
        """A random order of `n` items, worker 0's on every worker (shuffled global batches agree)."""
        order = np.random.permutation(n)
        if self._workers > 1:
            w = world()
            w.wait([w.comm.Ibcast(order, root=0)], "the broadcast of the shuffled order")
        return order


class _DefaultStrategy(Strategy):
    """The strategy in force outside any scope: this process, one replica."""


class MirroredStrategy(Strategy):
    """Synchronous training on this process's devices: tapeflow has one (the CPU), so one replica."""

    def __init__(self, devices: Any = None, cross_device_ops: Any = None):
        self.devices = ("/job:localhost/replica:0/task:0/device:CPU:0",)


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous training over the MPI world: one replica per process of `mpiexec`, gradients averaged
    by allreduce."""

    def __init__(self, cluster_resolver: Any = None, communication_options: Any = None):
        w = world()
        self._workers, self._worker = w.size, w.rank
        self._cluster_resolver = _ClusterResolver(w.rank, w.size)

    @property
    def cluster_resolver(self) -> Any:
        return self._cluster_resolver


_DEFAULT = _DefaultStrategy()


def get_strategy() -> Strategy:
    """The strategy whose `run` or scope the code is in, else the default one."""
    return _IN_RUN[-1] if _IN_RUN else _SCOPES[-1] if _SCOPES else _DEFAULT


def has_strategy() -> bool:
    return bool(_SCOPES or _IN_RUN)


def in_cross_replica_context() -> bool:
    """Inside a strategy's scope but not inside its `run`."""
    return bool(_SCOPES) and not (_IN_RUN and _IN_RUN[-1] is _SCOPES[-1])


def get_replica_context() -> ReplicaContext | None:
    return None if in_cross_replica_context() else ReplicaContext(_IN_RUN[-1] if _IN_RUN else get_strategy())
