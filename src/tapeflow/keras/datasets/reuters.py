"""`tf.keras.datasets.reuters`: 11,228 newswires as lists of word indices, in 46 topics."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.keras.datasets import sequences

FILE = "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
          "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
          "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
          "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
          "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path: str = FILE, num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              test_split: float = 0.2, seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2,
              index_from: int = 3, cache_dir: str | None = None, **kwargs: Any) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`: the last `test_split` of the shuffled wires for testing."""
    num_words = sequences.check_keywords(kwargs) or num_words
    with sequences.load_npz(path, FILE, FILE_HASH, cache_dir) as f:
        xs, labels = f["x"], f["y"]
    xs, labels = sequences.shuffled(np.random.RandomState(seed), xs, labels)
    xs = sequences.shifted(xs, start_char, index_from)
    if maxlen:
        xs, labels = sequences.shorter_than(maxlen, xs, labels)
    xs = sequences.vocabulary(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    return ((sequences.objects(xs[:split]), np.array(labels[:split])),
            (sequences.objects(xs[split:]), np.array(labels[split:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """The word -> index mapping of the wires' words."""
    return sequences.word_index(path, WORD_INDEX_HASH)


def get_label_names() -> tuple:
    """The 46 topics, in label order."""
    return LABELS
