"""See checkpoint_io: writing 100 MiB of variables."""

from benchmarks.checkpoint_io import SAVE as WORKLOAD

__all__ = ["WORKLOAD"]
