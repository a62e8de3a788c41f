"""TensorBoard's histogram buckets: `[bucket_count, 3]` rows of (left edge, right edge, count).

The range from minimum to maximum is cut into `bucket_count` equal buckets (a value's bucket is
floor((x - min) / width), the maximum going to the last); all-equal data puts its count in the last of
`bucket_count` zero-width buckets; no data gives all zeros. The same rule as `tf.summary.histogram`,
so TensorBoard draws the same picture.
"""

from __future__ import annotations

import numpy as np

DEFAULT_BUCKET_COUNT = 30


def buckets(data: np.ndarray, bucket_count: int | None = None) -> np.ndarray:
    count = DEFAULT_BUCKET_COUNT if bucket_count is None else max(0, int(bucket_count))
    data = np.asarray(data, np.float64).reshape(-1)
    if data.size == 0 or count == 0:
        return np.zeros((count, 3))
    low, high = data.min(), data.max()
    if high == low:
        counts = np.zeros(count)
        counts[-1] = data.size
        return np.stack([np.full(count, high), np.full(count, high), counts], axis=1)
    width = (high - low) / count
    index = np.minimum(np.floor((data - low) / width).astype(np.int64), count - 1)
    counts = np.bincount(index, minlength=count).astype(np.float64)
    edges = np.linspace(low, high, count + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], counts], axis=1)
