"""`tf.keras.utils.Progbar`: Keras 2's progress bar, character for character.

On a terminal (and wherever Keras 2 thinks it is one: it also checks for the `posix` module, so on
Linux and macOS always) each update rewrites the line with backspaces and a carriage return;
otherwise each update starts a new line. `verbose=2` prints one line per epoch, at its end."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

__all__ = ["Progbar"]


def _format_time(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1000.0:.0f}ms/{unit}"
    return f" {seconds * 1000000.0:.0f}us/{unit}"


def _format_value(value: float, verbose: int) -> str:
    large = abs(value) > 1e-3 if verbose == 1 else value > 1e-3
    return f" {value:.4f}" if large else f" {value:.4e}"


class Progbar:
    """A progress bar over `target` steps (None: unknown) that averages the values it is given, except
    `stateful_metrics`, shown as given."""

    def __init__(
        self,
        target: int | None,
        width: int = 30,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Any = None,
        unit_name: str = "step",
    ):
        self.target, self.width, self.verbose, self.interval, self.unit_name = (
            target,
            width,
            verbose,
            interval,
            unit_name,
        )
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._total_width = 0
        self._seen_so_far = 0
        self._values: dict = {}
        self._values_order: list = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end: float | None = None
        self._time_after_first_step: float | None = None

    def _step_duration(self, current: int, now: float) -> float:
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration

    def _bar(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(np.log10(self.target)) + 1
        bar = f"{current:{digits}d}/{self.target} ["
        done = int(self.width * float(current) / self.target)
        if done > 0:
            bar += "=" * (done - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - done) + "]"

    def _averages(self) -> list:
        out = []
        for k in self._values_order:
            v = self._values[k]
            out.append((k, np.mean(v[0] / max(1, v[1])) if isinstance(v, list) else v))
        return out

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Show progress at step `current`, with `values` as (name, value of the last step) pairs."""
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if k in self.stateful_metrics:
                self._values[k] = [v, 1]
            else:
                base = max(current - self._seen_so_far, 1)
                if k not in self._values:
                    self._values[k] = [v * base, base]
                else:
                    self._values[k][0] += v * base
                    self._values[k][1] += base
        self._seen_so_far = current
        now = time.time()
        info = f" - {now - self._start:.0f}s"
        if current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            previous = self._total_width
            message = ("\b" * previous + "\r") if self._dynamic_display else "\n"
            bar = self._bar(current)
            self._total_width = len(bar)
            message += bar
            duration = self._step_duration(current, now)
            if self.target is None or finalize:
                info += _format_time(duration, self.unit_name)
            else:
                eta = duration * (self.target - current)
                if eta > 3600:
                    eta_text = f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
                elif eta > 60:
                    eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
                else:
                    eta_text = f"{int(eta)}s"
                info = f" - ETA: {eta_text}"
            for k, avg in self._averages():
                info += f" - {k}:" + (_format_value(avg, 1) if not isinstance(avg, str) else f" {avg}")
            self._total_width += len(info)
            if previous > self._total_width:
                info += " " * (previous - self._total_width)
            if finalize:
                info += "\n"
            sys.stdout.write(message + info)
            sys.stdout.flush()
        elif self.verbose == 2 and finalize:
            digits = int(np.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target}" + info
            for k, avg in self._averages():
                info += f" - {k}:" + _format_value(avg, 2)
            if self._time_at_epoch_end:
                per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
                self._time_at_epoch_start = now
                self._time_at_epoch_end = None
                info += " -" + _format_time(per_epoch, "epoch")
                info += " -" + _format_time(per_epoch / self.target, self.unit_name)
                info += "\n"
            sys.stdout.write(info)
            sys.stdout.flush()
        self._last_update = now

    def add(self, n: int, values: Any = None) -> None:
        self.update(self._seen_so_far + n, values)
