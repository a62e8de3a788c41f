"""`tf.keras.datasets.imdb`: 50,000 movie reviews as lists of word indices, labelled 0/1."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.keras.datasets import sequences

FILE = "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path: str = FILE, num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              cache_dir: str | None = None, **kwargs: Any) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`: object arrays of word-index lists and their labels."""
    num_words = sequences.check_keywords(kwargs) or num_words
    with sequences.load_npz(path, FILE, FILE_HASH, cache_dir) as f:
        x_train, y_train, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    x_train, y_train = sequences.shuffled(rng, x_train, y_train)
    x_test, y_test = sequences.shuffled(rng, x_test, y_test)
    x_train, x_test = (sequences.shifted(x, start_char, index_from) for x in (x_train, x_test))
    if maxlen:
        x_train, y_train = sequences.shorter_than(maxlen, x_train, y_train)
        x_test, y_test = sequences.shorter_than(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                             f"was kept. "
                             f"Increase maxlen.")
    xs = sequences.vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    split = len(x_train)
    return (sequences.objects(xs[:split]), labels[:split]), (sequences.objects(xs[split:]), labels[split:])


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """The word -> index mapping of the reviews' words."""
    return sequences.word_index(path, WORD_INDEX_HASH)
