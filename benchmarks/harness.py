"""Shared measurement and reporting for the benchmark workloads.

A workload is one computation written several times over: for tapeflow, as a hand-written NumPy reference
(the floor an autodiff library built on NumPy can hope to approach) and for the peer frameworks. Each
version is a *leg*, named after the module it imports. A leg's setup imports its framework lazily, builds
its data and returns a zero-argument ``step`` that does one unit of work; a framework that is not installed
or a leg that fails is reported in the table instead of stopping the run.

On a shared, noisy machine a single timing means little, so every leg is first warmed up and calibrated
(enough calls per repeat to last a target duration), then the legs are timed round-robin - repeat ``r`` of
every leg before repeat ``r + 1`` of any - so that drift in the machine's load hits every leg alike. The
table reports the median over repeats and the interquartile spread.
"""

from __future__ import annotations

import gc
import importlib
import os
import statistics
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType

import numpy as np

__all__ = [
    "LEGEND",
    "REFERENCE",
    "SUBJECT",
    "Step",
    "Workload",
    "legs",
    "load",
    "measure",
    "print_table",
    "to_float",
]

# Must be in the environment before TensorFlow or JAX is first imported (here or in a subprocess).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# TensorFlow's tf.keras is then Keras 2 (the tf_keras package), whose optimizers tapeflow's match.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

REFERENCE = "numpy"
SUBJECT = "tapeflow"
PEERS = ("tensorflow", "torch", "jax", "autograd")
CHECK_RTOL = 1e-3

LEGEND = (
    "Times are medians over interleaved repeats; 'spread' = interquartile range / median.\n"
    "'vs numpy' = leg time / hand-written NumPy time (>1: slower than NumPy).\n"
    "'peer/tapeflow' = peer time / tapeflow time, same variant (>1: tapeflow is faster).\n"
    "'check' compares the leg's result (sum of |values|) with the NumPy reference."
)

Step = Callable[[], object]


@dataclass
class Workload:
    """What to time and how to show it: ``scale`` turns seconds per ``step`` call into ``unit``."""

    name: str
    title: str
    unit: str
    scale: float
    legs: dict[str, Callable[[], Step]]
    rate: str = ""  # label of an optional calls-per-second column, e.g. "steps/s"
    rate_scale: float = 1.0  # what one call is worth in the rate column's unit (100 for 100 MiB per call)
    number: int | None = None  # calls per repeat; None = calibrate to the target duration
    warmup: int = 1  # calls before timing, from the initial state; the last one's result is the checked value


@dataclass
class Outcome:
    """One leg's result: per-call times in seconds, or why there are none."""

    times: list[float] = field(default_factory=list)
    value: float | None = None
    status: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def load(name: str) -> ModuleType:
    """Import a framework on first use, so that a missing peer costs nothing and fails only its own leg."""
    return importlib.import_module(name)


def legs(
    reference: Callable[[], Step], tf_api: Callable[[str], Step], **peers: Callable[[], Step]
) -> dict[str, Callable[[], Step]]:
    """The usual legs in table order; ``tf_api(module)`` serves both tapeflow and TensorFlow (same API)."""
    return {
        REFERENCE: reference,
        SUBJECT: partial(tf_api, SUBJECT),
        "tensorflow": partial(tf_api, "tensorflow"),
        **peers,
    }


def _framework(leg: str) -> str:
    """The framework a leg runs on: its name up to the first space (``"tensorflow first call"``).

    A workload may time variants of one computation; their legs are named ``<framework> <variant>``.
    """
    return leg.partition(" ")[0]


def to_float(value: object) -> float | None:
    """Sum of absolute values of a step's result (tensor, array, number or a sequence of them)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return sum(to_float(v) for v in value)
    if hasattr(value, "detach"):  # torch
        value = value.detach()
    if hasattr(value, "numpy"):  # tapeflow, TensorFlow, torch
        value = value.numpy()
    return float(np.abs(np.asarray(value, dtype=np.float64)).sum())


def _setup(name: str, setup: Callable[[], Step], warmup: int) -> tuple[Step | None, Outcome]:
    """Build and warm up one leg; a missing framework or any error becomes the leg's status."""
    try:
        step = setup()
        for _ in range(warmup - 1):
            step()
        return step, Outcome(value=to_float(step()))
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0] == _framework(name)
        return None, Outcome(status="not installed" if missing else _error(exc))
    except Exception as exc:  # a broken leg must not stop the other legs or workloads
        return None, Outcome(status=_error(exc))


def _error(exc: Exception) -> str:
    """The exception's type and the first line of its message, short enough for a table row."""
    message = str(exc).strip().partition("\n")[0]
    return f"error: {type(exc).__name__}: {message[:120]}"


def _calls_per_repeat(step: Step, target: float) -> int:
    start = time.perf_counter()
    step()
    return max(1, round(target / max(time.perf_counter() - start, 1e-9)))


def measure(workload: Workload, repeat: int, target: float) -> dict[str, Outcome]:
    """Set up every leg, then time them round-robin, ``repeat`` times about ``target`` seconds each.

    The garbage collector stays on while timing (timeit turns it off by default): reference cycles a
    framework creates per step are part of what its users pay.
    """
    outcomes: dict[str, Outcome] = {}
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for name, setup in workload.legs.items():
        step, outcomes[name] = _setup(name, setup, workload.warmup)
        if step is not None:
            timer = timeit.Timer(step, setup="gc.enable()", globals={"gc": gc})
            timers[name] = (timer, workload.number or _calls_per_repeat(step, target))
    for _ in range(repeat):
        for name, (timer, number) in list(timers.items()):
            try:
                outcomes[name].times.append(timer.timeit(number) / number)
            except Exception as exc:
                outcomes[name].status = _error(exc)
                del timers[name]
    for outcome in outcomes.values():
        if outcome.status:
            outcome.times.clear()
    return outcomes


def _ratio(num: Outcome | None, den: Outcome | None) -> str:
    if num is None or den is None or not num.times or not den.times:
        return "-"
    ratio = num.median / den.median
    return f"{ratio:.2f}x" if ratio >= 0.01 else f"{ratio:.1e}x"  # 0.00x would hide a thousandfold


def _check(outcome: Outcome, reference: Outcome | None) -> str:
    if outcome.value is None or reference is None or reference.value is None:
        return ""
    if outcome is reference:
        return "ref"
    err = abs(outcome.value - reference.value) / max(abs(reference.value), 1e-30)
    return "ok" if err <= CHECK_RTOL else f"DIFFERS (rel {err:.1e})"


def _row(name: str, outcome: Outcome, workload: Workload, outcomes: dict[str, Outcome]) -> list[str]:
    if not outcome.times:
        return [name, outcome.status]
    median = outcome.median
    spread = statistics.quantiles(outcome.times, n=4) if len(outcome.times) > 1 else [median, median]
    row = [name, f"{median * workload.scale:.4g}", f"{(spread[-1] - spread[0]) / median:.0%}"]
    if workload.rate:
        row.append(f"{workload.rate_scale / median:.4g}")
    subject = SUBJECT + name[len(_framework(name)) :]  # a peer's variant compares with tapeflow's
    peer_ratio = _ratio(outcome, outcomes.get(subject)) if _framework(name) in PEERS else ""
    reference = outcomes.get(REFERENCE)
    return row + [_ratio(outcome, reference), peer_ratio, _check(outcome, reference)]


def print_table(workload: Workload, outcomes: dict[str, Outcome]) -> None:
    """One aligned table: a row per leg; failed or missing legs show their status in place of numbers."""
    header = ["leg", workload.unit, "spread"] + ([workload.rate] if workload.rate else [])
    header += ["vs numpy", "peer/tapeflow", "check"]
    rows = [_row(name, outcome, workload, outcomes) for name, outcome in outcomes.items()]
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table if i == 0 or len(r) == len(header)) for i in range(len(header))]
    print(f"\n== {workload.name}: {workload.title} ==")
    for row in table:
        print(_format(row, widths))


def _format(row: Sequence[str], widths: Sequence[int]) -> str:
    if len(row) == 2:  # a status line spans the numeric columns
        return f"{row[0]:<{widths[0]}}  {row[1]}"
    cells = [f"{row[0]:<{widths[0]}}"] + [f"{cell:>{w}}" for cell, w in zip(row[1:], widths[1:], strict=True)]
    return "  ".join(cells).rstrip()
