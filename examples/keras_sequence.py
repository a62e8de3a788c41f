"""Forecast a noisy sine wave with a Keras LSTM, offline and in seconds, and plot the forecast.

Windows of 24 past values of a noisy sine wave are the inputs; the next value is the target. A
`Sequential` of an `LSTM` and a `Dense` layer is fitted with Adam on the first 80% of the series and
then predicts the rest one step ahead; the plot (matplotlib, headless) shows the series, the targets
and the forecasts. Usage: `python keras_sequence.py [plot.png]` (default: keras_sequence.png in the
current directory). Runs unchanged with `import tensorflow as tf` (TF_USE_LEGACY_KERAS=1, for Keras 2).
"""

import sys

import numpy as np

import tapeflow as tf

WINDOW = 24


def noisy_sine(steps: int = 600, seed: int = 0) -> np.ndarray:
    """sin(t) with two periods mixed in and Gaussian noise, sampled every 0.1."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps) * 0.1
    return (np.sin(t) + 0.3 * np.sin(2.7 * t) + rng.normal(0, 0.1, steps)).astype("float32")


def windows(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(samples, WINDOW, 1) inputs and the value after each window."""
    x = np.stack([series[i : i + WINDOW] for i in range(len(series) - WINDOW)])[..., None]
    return x, series[WINDOW:, None]


def plot(path: str, series: np.ndarray, split: int, forecast: np.ndarray) -> None:
    import matplotlib  # imported here: an optional dependency (the `examples` extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 3.5))
    axes.plot(np.arange(len(series)), series, color="0.7", label="noisy series")
    axes.plot(np.arange(split, split + len(forecast)), forecast, color="C1", label="LSTM, one step ahead")
    axes.axvline(split, color="0.4", linestyle="--", linewidth=1)
    axes.set_xlabel("step")
    axes.legend(loc="lower left", framealpha=0.9)
    axes.set_title("A Keras LSTM on tapeflow forecasting a noisy sine wave")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def main(path: str) -> None:
    tf.keras.utils.set_random_seed(0)
    series = noisy_sine()
    x, y = windows(series)
    split = int(0.8 * len(x))
    model = tf.keras.Sequential([tf.keras.layers.LSTM(16, input_shape=(WINDOW, 1)), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    model.summary()
    history = model.fit(x[:split], y[:split], batch_size=32, epochs=8, verbose=2, shuffle=True)
    test_loss = model.evaluate(x[split:], y[split:], verbose=0)
    forecast = model.predict(x[split:], verbose=0)[:, 0]
    losses = history.history["loss"]
    print(f"first loss {losses[0]:.4f}, final loss {losses[-1]:.4f}, test loss {test_loss:.4f}")
    plot(path, series, split + WINDOW, forecast)
    print(f"plot saved to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "keras_sequence.png")
