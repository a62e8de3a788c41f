"""See checkpoint_io: reading 100 MiB of variables back."""

from benchmarks.checkpoint_io import RESTORE as WORKLOAD

__all__ = ["WORKLOAD"]
