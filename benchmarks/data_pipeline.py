"""An input pipeline over MNIST-shaped data, one full pass: the benchmark of tf.data.

``from_tensor_slices(60000 uint8 28x28 images, labels) -> shuffle(10000) -> map(cast, /255) ->
batch(128) -> prefetch``, read to the end. TensorFlow maps element by element; tapeflow runs the
traced map once per batch (map-vectorization, exact for elementwise ops); PyTorch's leg is a
DataLoader over a TensorDataset with a transform per sample; the NumPy reference permutes, gathers
and divides per batch. A step's result is the sum of the labels seen (order-free, so every leg
agrees whatever its shuffle).
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Step, Workload, legs, load

__all__ = ["WORKLOAD"]

N, BATCH, BUFFER = 60000, 128, 10000


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (N, 28, 28), dtype=np.uint8), rng.integers(0, 10, N).astype(np.int64)


def numpy_reference() -> Step:
    images, labels = data()
    rng = np.random.default_rng(0)

    def step() -> object:
        order = rng.permutation(N)
        total = 0
        for start in range(0, N, BATCH):
            index = order[start:start + BATCH]
            _ = images[index].astype(np.float32) / 255  # the batch a model would get
            total += int(labels[index].sum())
        return total

    return step


def tf_api(module: str) -> Step:
    tf = load(module)
    images, labels = data()
    dataset = (tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(BUFFER)
               .map(lambda x, y: (tf.cast(x, tf.float32) / 255, y)).batch(BATCH).prefetch(tf.data.AUTOTUNE))

    def step() -> object:
        total = 0
        for _, y in dataset:
            total += int(np.sum(y))
        return total

    return step


def torch_leg() -> Step:
    torch = load("torch")
    images, labels = data()

    class Scaled(torch.utils.data.Dataset):
        def __init__(self):
            self.images, self.labels = torch.from_numpy(images), torch.from_numpy(labels)

        def __len__(self) -> int:
            return N

        def __getitem__(self, i: int) -> tuple:
            return self.images[i].float() / 255, self.labels[i]

    loader = torch.utils.data.DataLoader(Scaled(), batch_size=BATCH, shuffle=True)

    def step() -> object:
        total = 0
        for _, y in loader:
            total += int(y.sum())
        return total

    return step


WORKLOAD = Workload(
    name="data_pipeline",
    title=f"tf.data pass: slices({N} uint8 28x28) -> shuffle({BUFFER}) -> map(cast, /255) -> batch({BATCH}) "
          f"-> prefetch",
    unit="ns/sample",
    scale=1e9 / N,
    legs=legs(numpy_reference, tf_api, torch=torch_leg),
    rate="passes/s",
    number=1,
)
