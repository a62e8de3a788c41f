"""Horovod's Keras callbacks: start all workers from the same weights, average the logged metrics over
the workers, and warm the learning rate up to its multi-worker value."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow import horovod
from tapeflow.distribute.world import world
from tapeflow.keras.callbacks import Callback

__all__ = ["BroadcastGlobalVariablesCallback", "LearningRateWarmupCallback", "MetricAverageCallback"]


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


class LearningRateWarmupCallback(Callback):
    """The learning rate grows, batch by batch, from `initial_lr / size` to `initial_lr` over the first
    `warmup_epochs` epochs (Goyal et al., "Accurate, Large Minibatch SGD"): with N workers the
    effective batch is N times larger, and `initial_lr` is usually the single-worker rate times N."""

    def __init__(self, initial_lr: float, warmup_epochs: int = 5, momentum_correction: bool = True,
                 steps_per_epoch: int | None = None, verbose: int = 0):
        super().__init__()
        self.initial_lr, self.warmup_epochs, self.verbose = initial_lr, warmup_epochs, verbose
        self.steps_per_epoch = steps_per_epoch
        self.current_epoch = 0

    def multiplier(self, epoch: float) -> float:
        size = horovod.size()
        return 1.0 / size * (epoch * (size - 1) / self.warmup_epochs + 1)

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.steps_per_epoch is None:
            self.steps_per_epoch = self.params.get("steps") or 1

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.current_epoch = epoch

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self.current_epoch >= self.warmup_epochs:
            return
        # (as Horovod: epochs end on round numbers, so the last batch of the warmup reaches initial_lr)
        epoch = self.current_epoch + (batch + 1) / self.steps_per_epoch
        self.model.optimizer.learning_rate = self.initial_lr * self.multiplier(epoch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["lr"] = float(np.asarray(self.model.optimizer.learning_rate.numpy()))
        if epoch == self.warmup_epochs - 1 and self.verbose > 0 and horovod.rank() == 0:
            print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to {self.initial_lr:g}.")

    def get_config(self) -> dict[str, Any]:
        return {"initial_lr": self.initial_lr, "warmup_epochs": self.warmup_epochs,
                "steps_per_epoch": self.steps_per_epoch, "verbose": self.verbose}
