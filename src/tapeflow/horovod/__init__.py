"""Horovod's TensorFlow API over tapeflow's MPI collectives: a Horovod script runs with its import
changed from `import horovod.tensorflow as hvd` to `import tapeflow.horovod as hvd` (Keras scripts:
`tapeflow.horovod.keras`), launched with `mpiexec -n N python script.py`.

The collectives are ops with the `collective` effect (`distribute/collective_ops.py`), so they run
eagerly and inside `tf.function`. `DistributedGradientTape` and `DistributedOptimizer` average
gradients in buckets reduced while the backward sweep goes on (`distribute/reducer.py`).
"""

from __future__ import annotations

from typing import Any

from tapeflow.autodiff.tape import GradientTape
from tapeflow.core import dtypes
from tapeflow.distribute import collective_ops, world
from tapeflow.distribute.collective_ops import AVERAGE, MAX, MIN, PRODUCT, SUM
from tapeflow.distribute.reducer import DEFAULT_BUCKET_BYTES, BucketReducer, ReducingTape
from tapeflow.distribute.signature import check_same_everywhere
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import cast

__all__ = ["init", "shutdown", "is_initialized", "rank", "size", "local_rank", "local_size", "cross_rank",
           "cross_size", "mpi_built", "mpi_enabled", "Average", "Sum", "Min", "Max", "Product", "Compression",
           "allreduce", "grouped_allreduce", "allgather", "broadcast", "broadcast_variables",
           "broadcast_object", "allgather_object", "DistributedGradientTape", "DistributedOptimizer"]

Average, Sum, Min, Max, Product = AVERAGE, SUM, MIN, MAX, PRODUCT


def init(comm: Any = None, process_sets: Any = None) -> None:
    """Join the MPI world (`mpiexec` started this process with its rank)."""
    world.world()


def shutdown() -> None:
    world.shutdown()


def is_initialized() -> bool:
    return world.initialized()


def _world() -> world.World:
    if not world.initialized():
        raise ValueError("Horovod has not been initialized; use hvd.init().")
    return world.world()


def rank() -> int:
    return _world().rank


def size() -> int:
    return _world().size


def local_rank() -> int:
    return _world().local_rank


def local_size() -> int:
    return _world().local_size


def cross_rank() -> int:
    return _world().rank // _world().local_size


def cross_size() -> int:
    return _world().cross_size


def mpi_built() -> bool:
    return world.available()


def mpi_enabled() -> bool:
    return world.available()


class _NoneCompressor:
    """Gradients travel in their own dtype."""

    fp16 = False

    @staticmethod
    def compress(tensor: Any) -> tuple:
        return tensor, None

    @staticmethod
    def decompress(tensor: Any, ctx: Any) -> Any:
        return tensor


class _FP16Compressor:
    """Floating gradients travel as float16 (half the bytes) and come back in their dtype."""

    fp16 = True

    @staticmethod
    def compress(tensor: Any) -> tuple:
        if tensor.dtype.is_floating and tensor.dtype != dtypes.float16:
            return cast(tensor, dtypes.float16), tensor.dtype
        return tensor, None

    @staticmethod
    def decompress(tensor: Any, ctx: Any) -> Any:
        return tensor if ctx is None else cast(tensor, ctx)


class Compression:
    """The wire formats: `Compression.none`, `Compression.fp16`."""

    none = _NoneCompressor
    fp16 = _FP16Compressor


def _op(op: str | None, average: bool | None) -> str:
    if op is not None and average is not None:
        raise ValueError("The op parameter supersedes average. Please provide only one of them.")
    if op is None:
        return SUM if average is False else AVERAGE
    return op


def allreduce(tensor: Any, average: bool | None = None, device_dense: str = "", device_sparse: str = "",
              compression: Any = Compression.none, op: str | None = None, prescale_factor: float = 1.0,
              postscale_factor: float = 1.0, name: str | None = None, process_set: Any = None) -> Any:
    """The reduction (by default the average) of `tensor` over all workers. An `IndexedSlices` is
    allgathered (its values scaled for an average)."""
    op, name = _op(op, average), name or "allreduce"
    _world()
    if isinstance(tensor, IndexedSlices):
        return collective_ops.reduce_slices(tensor, op, prescale_factor, postscale_factor, name)
    compressed, ctx = compression.compress(tensor)
    reduced = collective_ops.allreduce(compressed, op, prescale_factor, postscale_factor, name)
    return compression.decompress(reduced, ctx)


def grouped_allreduce(tensors: list, average: bool | None = None, compression: Any = Compression.none,
                      op: str | None = None, prescale_factor: float = 1.0, postscale_factor: float = 1.0,
                      **kwargs: Any) -> list:
    """`allreduce` of each tensor of a list."""
    return [allreduce(t, average, compression=compression, op=op, prescale_factor=prescale_factor,
                      postscale_factor=postscale_factor, name=f"grouped_allreduce_{i}")
            for i, t in enumerate(tensors)]


def allgather(tensor: Any, name: str | None = None, ignore_name_scope: bool = False,
              process_set: Any = None) -> Any:
    """Every worker's `tensor` concatenated along the first axis, in rank order."""
    _world()
    return collective_ops.allgather(tensor, name or "allgather")


def broadcast(tensor: Any, root_rank: int, name: str | None = None, ignore_name_scope: bool = False,
              process_set: Any = None) -> Any:
    """Worker `root_rank`'s `tensor` on every worker."""
    _world()
    return collective_ops.broadcast(tensor, root_rank, name or "broadcast")


def broadcast_variables(variables: Any, root_rank: int, process_set: Any = None,
                        inplace: bool = False) -> None:
    """Assign worker `root_rank`'s values to `variables` on every worker (after checking that every
    worker has the same variables)."""
    variables = list(variables)
    _world()
    check_same_everywhere(variables, "broadcast_variables")
    for v in variables:
        v.assign(collective_ops.broadcast(v, root_rank, f"broadcast_{v.name}"))


def broadcast_object(obj: Any, root_rank: int = 0, name: str | None = None, process_set: Any = None) -> Any:
    """Worker `root_rank`'s Python object (pickled) on every worker."""
    return _world().comm.bcast(obj, root=root_rank)


def allgather_object(obj: Any, name: str | None = None, process_set: Any = None) -> list:
    """Every worker's Python object, in rank order."""
    return _world().comm.allgather(obj)


def _reducer_options(op: str, bucket_bytes: int, compression: Any, sparse_as_dense: bool,
                     gradient_predivide_factor: float) -> dict:
    """BucketReducer's options for Horovod's arguments: the predivide factor scales before the sum and
    undoes itself after the average."""
    if gradient_predivide_factor != 1.0 and op != Average:
        raise ValueError("gradient_predivide_factor not supported with op != Average")
    return {"op": op, "bucket_bytes": bucket_bytes, "fp16": compression.fp16,
            "sparse_as_dense": sparse_as_dense, "prescale": 1.0 / gradient_predivide_factor,
            "postscale": gradient_predivide_factor}


class DistributedGradientTape(ReducingTape):
    """A `GradientTape` whose `gradient` is averaged (or reduced by `op`) over the workers, in buckets of
    `bucket_bytes` started while the backward sweep goes on. Wraps a tape after its block."""

    def __init__(self, gradtape: GradientTape, device_dense: str = "", device_sparse: str = "",
                 compression: Any = Compression.none, sparse_as_dense: bool = False, op: str = Average,
                 gradient_predivide_factor: float = 1.0, num_groups: int = 0, groups: Any = None,
                 process_set: Any = None, scale_local_gradients: bool = True,
                 bucket_bytes: int = DEFAULT_BUCKET_BYTES):
        _world()
        super().__init__(gradtape, **_reducer_options(op, bucket_bytes, compression, sparse_as_dense,
                                                      gradient_predivide_factor))

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = "none", use_generic_names: bool = False) -> Any:
        return super().gradient(target, sources, output_gradients, unconnected_gradients)


class _DistributedOptimizer:
    """Mixed in before a Keras optimizer's class: `compute_gradients` (and so `minimize` and Keras
    `fit`) reduces the gradients during the sweep; `apply_gradients` reduces gradients that did not
    come from it."""

    def compute_gradients(self, loss: Any, var_list: Any, tape: GradientTape | None = None) -> list:
        tape = DistributedGradientTape(GradientTape() if tape is None else tape, **self._hvd_options)
        pairs = super().compute_gradients(loss, var_list, tape)
        self._hvd_reduced = True
        return pairs

    def apply_gradients(self, grads_and_vars: Any, *args: Any, **kwargs: Any) -> Any:
        pairs = list(grads_and_vars)
        if not self._hvd_reduced:
            check_same_everywhere([v for _, v in pairs], "apply_gradients")
            options = _reducer_options(**self._hvd_options)
            grads = BucketReducer(len(pairs), **options).finish([g for g, _ in pairs])
            pairs = list(zip(grads, [v for _, v in pairs]))
        self._hvd_reduced = False
        return super().apply_gradients(pairs, *args, **kwargs)


def DistributedOptimizer(optimizer: Any, name: str | None = None, use_locking: bool = False,
                         device_dense: str = "", device_sparse: str = "", compression: Any = Compression.none,
                         sparse_as_dense: bool = False, backward_passes_per_step: int = 1, op: str = Average,
                         gradient_predivide_factor: float = 1.0, average_aggregated_gradients: bool = False,
                         num_groups: int = 0, groups: Any = None, process_set: Any = None,
                         scale_local_gradients: bool = True, bucket_bytes: int = DEFAULT_BUCKET_BYTES) -> Any:
    """`optimizer` (a Keras optimizer) rebuilt from its config as a subclass of its own class whose
    gradients are averaged across the workers before each update."""
    if backward_passes_per_step != 1:
        raise NotImplementedError("tapeflow.horovod: backward_passes_per_step > 1 is not supported; use the "
                                  "optimizer's gradient_accumulation_steps")
    cls = type(type(optimizer).__name__, (_DistributedOptimizer, type(optimizer)), {})
    config = optimizer.get_config()
    if name is not None:
        config["name"] = name
    distributed = cls.from_config(config)
    distributed._hvd_options = {"op": op, "bucket_bytes": bucket_bytes, "compression": compression,
                                "sparse_as_dense": sparse_as_dense,
                                "gradient_predivide_factor": gradient_predivide_factor}
    _reducer_options(**distributed._hvd_options)  # (checks them now)
    distributed._hvd_reduced = False
    return distributed
