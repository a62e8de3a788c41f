"""The models the checkpoint tests save and restore, written once for tapeflow and for TensorFlow
(`tf` is either module), so both sides build the same object graph."""

import numpy as np


def net(tf, seed=0):
    """A tf.Module tree: a list and a dict of submodules, and a variable of its own."""

    class Dense(tf.Module):
        def __init__(self, n_in, n_out, seed):
            super().__init__()
            rng = np.random.default_rng(seed)
            self.w = tf.Variable(rng.normal(size=(n_in, n_out)).astype(np.float32), name="w")
            self.b = tf.Variable(rng.normal(size=n_out).astype(np.float32), name="b")

    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.layers = [Dense(3, 4, seed), Dense(4, 2, seed + 1)]
            self.heads = {"a": Dense(2, 1, seed + 2), "b": Dense(2, 1, seed + 3)}
            self.step = tf.Variable(seed, dtype=tf.int64, name="step", trainable=False)

        def __call__(self, x):
            for layer in self.layers:
                x = tf.tanh(tf.matmul(x, layer.w) + layer.b)
            return sum(tf.matmul(x, head.w) + head.b for head in self.heads.values())

    return Net()


def train(tf, model, optimizer, steps):
    x = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
    variables = model.trainable_variables
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x) ** 2)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        model.step.assign_add(1)


def values(reader_module, prefix):
    """Every tensor of a checkpoint but the object graph, by key (read with `reader_module.train`)."""
    reader = reader_module.train.load_checkpoint(prefix)
    return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map() if "OBJECT_GRAPH" not in k}


def optimizer_checkpoints(tf, directory):
    """One step of every Keras optimizer (and variants with other slot sets) on two variables, each
    written to `directory/<case>/ckpt` beside the variables."""
    k = tf.keras.optimizers
    cases = {
        "sgd": lambda: k.SGD(0.1),
        "sgd_momentum": lambda: k.SGD(0.1, momentum=0.9),
        "adagrad": k.Adagrad,
        "rmsprop": k.RMSprop,
        "rmsprop_centered": lambda: k.RMSprop(momentum=0.5, centered=True),
        "adadelta": k.Adadelta,
        "adam_amsgrad": lambda: k.Adam(amsgrad=True),
        "adamw": k.AdamW,
        "adamax": k.Adamax,
        "nadam": k.Nadam,
        "ftrl": k.Ftrl,
        "lion": k.Lion,
        "adam_ema": lambda: k.Adam(use_ema=True),
        "adam_schedule": lambda: k.Adam(k.schedules.ExponentialDecay(0.1, 10, 0.9)),
    }
    for name, make in cases.items():
        w = tf.Variable(np.ones((2, 3), np.float32), name="w")
        b = tf.Variable(np.ones(3, np.float32), name="b")
        optimizer = make()
        optimizer.apply_gradients([(tf.ones((2, 3)), w), (tf.ones(3), b)])
        tf.train.Checkpoint(model=[w, b], optimizer=optimizer).write(f"{directory}/{name}/ckpt")
    return sorted(cases)
