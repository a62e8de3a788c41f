"""Horovod's Keras callbacks: start all workers from the same weights, average the logged metrics over
the workers, schedule the learning rate and warm it up to its multi-worker value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow import horovod
from tapeflow.distribute.world import world
from tapeflow.keras.callbacks import Callback

__all__ = ["BroadcastGlobalVariablesCallback", "LearningRateScheduleCallback", "LearningRateWarmupCallback",
           "MetricAverageCallback"]


class BroadcastGlobalVariablesCallback(Callback):
    """After the first batch (when the optimizer's slots exist), every worker takes worker `root_rank`'s
    model and optimizer variables."""

    def __init__(self, root_rank: int, device: str = ""):
        super().__init__()
        self.root_rank = root_rank
        self.broadcast_done = False

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.broadcast_done:
            return
        horovod.broadcast_variables(self.model.variables, self.root_rank)
        if self.model.optimizer is not None:
            horovod.broadcast_variables(self.model.optimizer.variables(), self.root_rank)
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    """At the end of each epoch the logged metrics become their average over the workers (put it
    before the callbacks that read them)."""

    def __init__(self, device: str = ""):
        super().__init__()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not logs:
            return
        names = sorted(k for k, v in logs.items() if np.ndim(v) == 0)
        values = np.array([float(logs[k]) for k in names], np.float64)
        w = world()
        w.wait([w.comm.Iallreduce(w.MPI.IN_PLACE, values, op=w.MPI.SUM)], "MetricAverageCallback")
        logs.update(zip(names, (values / w.size).tolist()))


class LearningRateScheduleCallback(Callback):
    """From `start_epoch` until `end_epoch` the learning rate is `initial_lr * multiplier(epoch)`, set at
    the start of each epoch (`staircase`) or of each batch, the epoch then fractional (a constant
    `multiplier` m means m ** epoch). Momentum is not corrected (see docs/compatibility.md)."""

    def __init__(self, initial_lr: float, multiplier: Callable | float, start_epoch: int = 0,
                 end_epoch: int | None = None, staircase: bool = True, momentum_correction: bool = True,
                 steps_per_epoch: int | None = None):
        super().__init__()
        if initial_lr is None:
            raise ValueError("Parameter `initial_lr` is required")
        self.initial_lr, self.start_epoch, self.end_epoch = initial_lr, start_epoch, end_epoch
        self.multiplier = multiplier if callable(multiplier) else lambda epoch: multiplier ** epoch
        self.staircase, self.steps_per_epoch = staircase, steps_per_epoch
        self.current_epoch = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self.staircase and not self.steps_per_epoch:
            self.steps_per_epoch = self.params.get("steps")
            if not self.steps_per_epoch:
                raise ValueError(f"Could not autodetect the number of steps per epoch. Please specify the "
                                 f"steps_per_epoch parameter to the {type(self).__name__}().")

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.current_epoch = epoch

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self.current_epoch < self.start_epoch or (self.end_epoch is not None
                                                     and self.current_epoch >= self.end_epoch):
            return
        if self.staircase and batch == 0:
            self.model.optimizer.learning_rate = self.initial_lr * self.multiplier(self.current_epoch)
        elif not self.staircase:
            epoch = self.current_epoch + batch / self.steps_per_epoch
            self.model.optimizer.learning_rate = self.initial_lr * self.multiplier(epoch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["lr"] = _learning_rate(self.model)


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """The learning rate grows, batch by batch, from `initial_lr / size` to `initial_lr` over the first
    `warmup_epochs` epochs (Goyal et al., "Accurate, Large Minibatch SGD"): with N workers the
    effective batch is N times larger, and `initial_lr` is usually the single-worker rate times N."""

    def __init__(self, initial_lr: float, warmup_epochs: int = 5, momentum_correction: bool = True,
                 steps_per_epoch: int | None = None, verbose: int = 0):
        def multiplier(epoch: float) -> float:
            # (as Horovod: shifted by one batch, so the last batch of the warmup reaches initial_lr)
            epoch += 1.0 / self.steps_per_epoch
            size = horovod.size()
            return 1.0 / size * (epoch * (size - 1) / warmup_epochs + 1)

        super().__init__(initial_lr, multiplier, start_epoch=0, end_epoch=warmup_epochs, staircase=False,
                         momentum_correction=momentum_correction, steps_per_epoch=steps_per_epoch)
        self.verbose = verbose

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose > 0 and horovod.rank() == 0:
            rate = _learning_rate(self.model)
            print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to {rate:g}.")


def _learning_rate(model: Any) -> float:
    return float(np.asarray(model.optimizer.learning_rate.numpy()))
