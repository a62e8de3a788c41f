"""The MPI world that data-parallel training runs in, and waiting on it with a deadline.

mpi4py (the `[mpi]` extra: mpi4py and the `mpich` wheels, which put `mpiexec` in the environment's
`bin`) is imported on first use only, so `import tapeflow` stays MPI-free. Every collective is started
non-blocking and waited for here, polling with a deadline (`TAPEFLOW_MPI_TIMEOUT` seconds, 60 by
default): a worker that died or stopped calling the collective ends the others' wait with
`tf.errors.DeadlineExceededError` naming the collective, instead of a hang; such a process then aborts
the MPI job on exit rather than finalising MPI with requests that can never complete. A worker whose
program raises an uncaught exception aborts the job at once.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from typing import Any

from tapeflow.core import errors

INSTALL_HINT = ("tapeflow's distributed training needs MPI: install the extra with "
                "`pip install 'tapeflow[mpi]'` (mpi4py and the mpich wheels), then launch with "
                "`mpiexec -n 2 python script.py`")


def mpi_module() -> Any:
    """mpi4py's `MPI` module (MPI is initialised by this first import)."""
    try:
        from mpi4py import MPI  # (here, not at the top: importing it initialises MPI)
    except ImportError as e:
        raise ImportError(f"{INSTALL_HINT} ({e})") from None
    return MPI


def available() -> bool:
    """Whether mpi4py can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


SPIN_S = float(os.environ.get("TAPEFLOW_MPI_SPIN", "0.01"))  # seconds a wait polls without pause


class World:
    """The processes of `mpiexec`: this one's rank and the size, and those on this host."""

    def __init__(self):
        self.MPI = MPI = mpi_module()
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self.local = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = self.local.Get_rank(), self.local.Get_size()
        self.cross_size = self.size // max(self.local_size, 1)
        self.broken = False
        atexit.register(self._abort_if_broken)
        if self.size > 1:
            self._abort_on_uncaught_exceptions()

    def timeout(self) -> float:
        return float(os.environ.get("TAPEFLOW_MPI_TIMEOUT", "60"))

    def wait(self, requests: list, what: str) -> None:
        """Wait for `requests`, at most `timeout()` seconds; then DeadlineExceededError. MPI moves a
        collective on only inside MPI calls, so the wait polls: without pause for `SPIN_S` seconds,
        then yielding the core to any other runnable process between polls (oversubscribed workers
        need it) until a second has passed, then every millisecond."""
        Testall = self.MPI.Request.Testall
        if Testall(requests):
            return
        now = time.monotonic()
        spin_until, busy_until, deadline = now + SPIN_S, now + 1.0, now + self.timeout()
        while not Testall(requests):
            now = time.monotonic()
            if now < busy_until:
                if now > spin_until:
                    os.sched_yield()
                continue
            if now > deadline:
                self.broken = True
                raise errors.DeadlineExceededError(
                    None, None,
                    f"{what} did not complete within {self.timeout():g} s on rank {self.rank} of "
                    f"{self.size}: another worker has died or stopped calling the same collective "
                    f"(TAPEFLOW_MPI_TIMEOUT sets the deadline, in seconds). The MPI job will be aborted "
                    f"when this process exits.")
            time.sleep(1e-3)

    def _abort_on_uncaught_exceptions(self) -> None:
        """A worker whose program fails prints its traceback and ends the whole job: the others would
        otherwise wait in their next collective until the deadline (the launcher ends a job when a
        process is killed, not when one exits with an error)."""
        previous = sys.excepthook

        def abort(kind: type, value: BaseException, traceback: Any) -> None:
            previous(kind, value, traceback)
            sys.stderr.flush()
            self.MPI.COMM_WORLD.Abort(1)

        sys.excepthook = abort

    def _abort_if_broken(self) -> None:
        if self.broken:
            self.MPI.COMM_WORLD.Abort(1)


_WORLD: World | None = None


def world() -> World:
    """The MPI world of this process, set up on first use."""
    global _WORLD
    if _WORLD is None:
        _WORLD = World()
    return _WORLD


def initialized() -> bool:
    return _WORLD is not None


def shutdown() -> None:
    """Forget the world (Horovod's `shutdown`); MPI itself finalises when the process exits."""
    global _WORLD
    if _WORLD is not None:
        _WORLD.comm.Free()
        _WORLD.local.Free()
        _WORLD = None
