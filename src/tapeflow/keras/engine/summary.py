"""`Model.summary()`: Keras 2's table of layers, output shapes and parameter counts.

A model whose layers form a chain (each layer used once, on one input) gets the three-column table 65
characters wide; any other functional model gets a fourth column, "Connected to", 98 wide. Cells too
long for their column continue on the next line, broken after `),`, `],`, `},` or `',` where possible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["print_summary", "readable_memory_size"]


def readable_memory_size(size: float) -> str:
    """Bytes as Keras prints them: `3.79 KB`, `0.00 Byte`."""
    for unit in ("Byte", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _memory(weights: list) -> int:
    unique = {id(w): w for w in weights}.values()
    return int(sum(np.prod(w.shape.as_list()) * w.dtype.size for w in unique))


def _count(weights: list) -> int:
    unique = {id(w): w for w in weights}.values()
    return int(sum(np.prod(w.shape.as_list()) for w in unique))


def _row(fields: list, positions: list[int], emit: Callable) -> None:
    """One table row, continued on further lines while any cell has text left."""
    left = [str(f) for f in fields]
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            last = col == len(positions) - 1
            space = 0 if last else 2
            cutoff = positions[col] - start - space - (0 if last else 1)
            fit = left[col][:cutoff]
            breaks = [fit.find(b) + len(b) for b in ("),", "},", "],", "',") if fit.find(b) >= 0]
            if breaks:
                cutoff = min(breaks)
                fit = fit[:cutoff]
            if col == 0:
                line += " "
            line += fit + " " * space
            left[col] = left[col][cutoff:]
            line += " " * (positions[col] - len(line))
        emit(line)


def _chain_like(model: Any) -> bool:
    if not getattr(model, "_is_graph_network", False):  # Sequential and subclassed models
        return True
    nodes = []
    for level in model._nodes_by_depth.values():
        if len(level) > 1 or (len(level) == 1 and len(level[0].input_tensors) > 1):
            return False
        nodes += level
    for layer in model.layers:
        if sum(1 for node in layer._inbound_nodes if any(node is n for n in nodes)) > 1:
            return False
    return True


def _output_shape(layer: Any) -> Any:
    try:
        return layer.output_shape
    except AttributeError:
        return "multiple"


def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: list | None = None,
    print_fn: Callable | None = None,
    show_trainable: bool = False,
) -> None:
    """Print (or pass to `print_fn`, line by line) the summary table of `model`."""
    emit = print_fn or print
    chain = _chain_like(model)
    if chain:
        line_length = line_length or 65
        positions = list(positions or [0.45, 0.85, 1.0])
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = list(positions or [0.3, 0.6, 0.70, 1.0])
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant = [n for level in model._nodes_by_depth.values() for n in level]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        headers.append("Trainable")
    emit(f'Model: "{model.name}"')
    emit("_" * line_length)
    _row(headers, positions, emit)
    emit("=" * line_length)
    for layer in model.layers:
        label = f"{layer.name} ({type(layer).__name__})"
        if chain:
            params = (
                layer.count_params()
                if layer.built or getattr(layer, "_is_graph_network", False)
                else "0 (unused)"
            )
            fields = [label, _output_shape(layer), params]
        else:
            connections = []
            for node in layer._inbound_nodes:
                if not any(node is n for n in relevant):
                    continue
                for tensor in node.input_tensors:
                    producer = tensor.node.layer
                    index = _node_index(tensor.node)
                    connections.append(f"{producer.name}[{index}][{tensor.index}]")
            fields = [label, _output_shape(layer), layer.count_params(), connections]
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        _row(fields, positions, emit)
        emit(" " * line_length)
    emit("=" * line_length)
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    trainable_size, non_trainable_size = _memory(trainable), _memory(non_trainable)
    emit(
        f"Total params: {_count(trainable) + _count(non_trainable)} "
        f"({readable_memory_size(trainable_size + non_trainable_size)})"
    )
    emit(f"Trainable params: {_count(trainable)} ({readable_memory_size(trainable_size)})")
    emit(f"Non-trainable params: {_count(non_trainable)} ({readable_memory_size(non_trainable_size)})")
    emit("_" * line_length)


def _node_index(node: Any) -> int:
    return next(i for i, n in enumerate(node.layer._inbound_nodes) if n is node)
