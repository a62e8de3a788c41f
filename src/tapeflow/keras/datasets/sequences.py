"""Word-index sequences as Keras's text datasets (imdb, reuters) prepare them: shuffled by
`RandomState(seed)`, word indices shifted by `index_from` after a `start_char`, sequences of
`maxlen` words or more dropped, and words outside `[skip_top, num_words)` made `oov_char` (or
removed when `oov_char` is None)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from tapeflow.keras.datasets.download import get_file

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def shuffled(rng: np.random.RandomState, xs: np.ndarray, labels: np.ndarray) -> tuple:
    order = np.arange(len(xs))
    rng.shuffle(order)
    return xs[order], labels[order]


def shifted(xs: Any, start_char: int | None, index_from: int) -> list:
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs] if index_from else [list(x) for x in xs]


def shorter_than(maxlen: int, xs: list, labels: Any) -> tuple[list, list]:
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def vocabulary(xs: list, num_words: int | None, skip_top: int, oov_char: int | None) -> list:
    num_words = num_words or max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def objects(rows: list) -> np.ndarray:
    """Lists of different lengths in an object array (`np.array(rows, dtype=object)`, but always 1-D)."""
    out = np.empty(len(rows), object)
    out[:] = rows
    return out


def load_npz(path: str, origin_name: str, file_hash: str, cache_dir: str | None) -> Any:
    """Keras's .npz of object arrays of word lists, cached as `path` (its hash is checked before it is
    unpickled)."""
    local = get_file(path, origin=BASE + origin_name, file_hash=file_hash, cache_dir=cache_dir)
    return np.load(local, allow_pickle=True)


def word_index(name: str, file_hash: str) -> dict:
    with open(get_file(name, origin=BASE + name, file_hash=file_hash)) as f:
        return json.load(f)


def check_keywords(kwargs: dict) -> int | None:
    """Keras's old `nb_words` keyword (num_words); any other unknown keyword is its TypeError."""
    num_words = kwargs.pop("nb_words", None)
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words
