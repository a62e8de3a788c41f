"""Keras recurrent-layer programs run under TensorFlow (tf-keras 2.21) and tapeflow alike.

As keras_cases.py: each case takes the `tf` module and returns a dict of results that must be equal
(strings exactly, numbers to float32 rounding). `record_recurrent_fixtures.py` stores TensorFlow's
results; `test_keras_recurrent.py` checks tapeflow against them and, where it is installed, against live
TensorFlow. Weights are set from NumPy draws (`set_weights`), so the cases compare the computations."""

from __future__ import annotations

import json

import numpy as np

from keras_cases import _summary

RNG = np.random.RandomState(3)
X = RNG.randn(3, 5, 4).astype("float32")  # (batch, time, features)
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 0]], bool)  # pre-, post- and no padding
TOKENS = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 9, 0, 0, 0]], "int32")  # 0 is padding
SEQ_X = RNG.randn(48, 6, 2).astype("float32")
SEQ_Y = (SEQ_X[:, :, 0].sum(axis=1, keepdims=True) > 0).astype("float32")


def _set_weights(layer, seed: int) -> None:
    rng = np.random.RandomState(seed)
    layer.set_weights([(0.5 * rng.randn(*w.shape)).astype("float32") for w in layer.weights])


def _run(tf, layer, x, seed: int, **call_kwargs) -> dict:
    """The layer's outputs on `x`, and the gradients of a weighted sum of them with respect to `x` and to
    each weight (the layer's weights set from `seed` first)."""
    x = tf.constant(x)
    layer(x, **call_kwargs)  # build
    _set_weights(layer, seed)
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = tf.nest.flatten(layer(x, **call_kwargs))
        rng = np.random.RandomState(seed + 1)
        loss = tf.add_n([tf.reduce_sum(o * rng.randn(*o.shape).astype("float32")) for o in outputs])
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    return {
        "outputs": [o.numpy() for o in outputs],
        "grads": [g.numpy() for g in grads],
        "names": [w.name for w in layer.weights],
    }


def simple_lstm_gru(tf):
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    variants = {
        "simple": lambda: layers.SimpleRNN(3),
        "simple_seq_backwards": lambda: layers.SimpleRNN(3, return_sequences=True, go_backwards=True),
        "lstm": lambda: layers.LSTM(3),
        "lstm_seq_state": lambda: layers.LSTM(3, return_sequences=True, return_state=True),
        "lstm_backwards_state": lambda: layers.LSTM(2, go_backwards=True, return_state=True),
        "lstm_relu_nobias": lambda: layers.LSTM(3, activation="relu", use_bias=False),
        "gru": lambda: layers.GRU(3),
        "gru_seq_state": lambda: layers.GRU(3, return_sequences=True, return_state=True),
        "gru_reset_before": lambda: layers.GRU(3, reset_after=False, return_sequences=True),
        "gru_unroll": lambda: layers.GRU(2, unroll=True, go_backwards=True),
        "lstm_time_major": lambda: layers.LSTM(3, time_major=True, return_sequences=True),
    }
    return {name: _run(tf, make(), X, seed) for seed, (name, make) in enumerate(variants.items())}


def masked(tf):
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    variants = {
        "lstm": lambda: layers.LSTM(3),
        "lstm_seq_state": lambda: layers.LSTM(3, return_sequences=True, return_state=True),
        "gru_backwards_seq": lambda: layers.GRU(3, go_backwards=True, return_sequences=True),
        "simple_unroll": lambda: layers.SimpleRNN(2, unroll=True, return_sequences=True),
        "bidirectional_concat_seq": lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
        "bidirectional_sum": lambda: layers.Bidirectional(layers.GRU(2), merge_mode="sum"),
    }
    mask = tf.constant(MASK)
    return {
        name: _run(tf, make(), X, 20 + seed, mask=mask) for seed, (name, make) in enumerate(variants.items())
    }


def bidirectional_and_stacked(tf):
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    variants = {
        "concat": lambda: layers.Bidirectional(layers.LSTM(2)),
        "sum_seq": lambda: layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum"),
        "mul": lambda: layers.Bidirectional(layers.SimpleRNN(2), merge_mode="mul"),
        "ave_state": lambda: layers.Bidirectional(layers.LSTM(2, return_state=True), merge_mode="ave"),
        "none_seq": lambda: layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode=None),
        "backward_layer": lambda: layers.Bidirectional(
            layers.LSTM(2, return_sequences=True),
            backward_layer=layers.GRU(3, return_sequences=True, go_backwards=True),
        ),
        "stacked": lambda: layers.RNN(
            [layers.LSTMCell(3), layers.GRUCell(2), layers.SimpleRNNCell(2)], return_state=True
        ),
        "stacked_seq": lambda: layers.RNN(
            [layers.GRUCell(2, reset_after=False), layers.LSTMCell(2)], return_sequences=True
        ),
        "time_distributed": lambda: layers.TimeDistributed(layers.Dense(2, activation="tanh")),
    }
    return {name: _run(tf, make(), X, 40 + seed) for seed, (name, make) in enumerate(variants.items())}


def masks_through_models(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(5)
    layers = tf.keras.layers
    embedded = tf.keras.Sequential(
        [layers.Embedding(10, 3, mask_zero=True), layers.LSTM(4, return_sequences=True), layers.GRU(2)]
    )
    padded = X.copy()
    padded[~MASK] = 0.0
    inputs = tf.keras.Input(shape=(5, 4))
    hidden = layers.Masking()(inputs)
    hidden = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True))(hidden)
    hidden = layers.TimeDistributed(layers.Dense(2))(hidden)
    outputs = layers.LSTM(2)(hidden)
    functional = tf.keras.Model(inputs, outputs)
    masking = layers.Masking()
    masked_x = masking(tf.constant(padded))
    return {
        "embedded": embedded(TOKENS).numpy(),
        "embedded_weights": embedded.get_weights(),
        "functional": functional(padded).numpy(),
        "functional_weights": functional.get_weights(),
        "masking_output": masked_x.numpy(),
        "masking_mask": masked_x._keras_mask.numpy().astype("float32"),
        "embedding_mask": embedded.layers[0](TOKENS)._keras_mask.numpy().astype("float32"),
        "summary_embedded": _summary(embedded),
        "summary_functional": _summary(functional),
    }


def functional_states(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(12)
    layers = tf.keras.layers
    tokens = tf.keras.Input(shape=(None,), dtype="int32")
    embedded = layers.Embedding(12, 4, mask_zero=True)(tokens)
    encoded, h, c = layers.LSTM(3, return_state=True)(embedded)
    decoded = layers.LSTM(3, return_sequences=True)(embedded, initial_state=[h, c])
    both = layers.Bidirectional(layers.GRU(2, return_state=True), merge_mode=None)(decoded)
    model = tf.keras.Model(tokens, [encoded, *both])
    return {
        "summary": _summary(model),
        "outputs": [o.numpy() for o in model(TOKENS)],
        "shapes": str(model.layers[2].output_shape) + str(model.layers[-1].output_shape),
    }


def initial_weights(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(11)
    layers = tf.keras.layers
    built = [
        layers.SimpleRNN(3),
        layers.LSTM(4),
        layers.GRU(3),
        layers.GRU(2, reset_after=False),
        layers.Bidirectional(layers.LSTM(2)),
        layers.RNN([layers.LSTMCell(2), layers.GRUCell(5)]),
    ]
    for layer in built:
        layer(X)
    return {str(i): layer.get_weights() for i, layer in enumerate(built)}


def configs(tf):
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    made = {
        "simple": layers.SimpleRNN(3, activation="relu", dropout=0.1, return_sequences=True),
        "lstm": layers.LSTM(4, recurrent_dropout=0.2, unit_forget_bias=False, stateful=False),
        "gru": layers.GRU(2, reset_after=False, go_backwards=True, kernel_regularizer="l2"),
        "rnn": layers.RNN([layers.LSTMCell(2), layers.SimpleRNNCell(3)], return_state=True),
        "bidirectional": layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="ave"),
        "time_distributed": layers.TimeDistributed(layers.Dense(3)),
        "masking": layers.Masking(-1.0),
        "cell": layers.GRUCell(4),
    }
    out = {}
    for name, layer in made.items():
        config = layer.get_config()
        again = type(layer).from_config(config).get_config()
        if name != "rnn":  # tf-keras leaves the cell out of the first config of an RNN made from a list
            out[name] = json.dumps(config, default=str)
        out[name + "_roundtrip"] = json.dumps(again, default=str)
    return out


def stateful_and_initial_state(tf):
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    stateful = layers.LSTM(3, stateful=True, return_state=True, batch_input_shape=(3, 5, 4))
    stateful(X)
    _set_weights(stateful, 60)
    stateful.reset_states()
    first = [t.numpy() for t in stateful(X)]
    second = [t.numpy() for t in stateful(X)]
    stateful.reset_states()
    again = [t.numpy() for t in stateful(X)]
    stateful.reset_states([np.full((3, 3), 0.5, "float32"), np.full((3, 3), -0.5, "float32")])
    from_values = [t.numpy() for t in stateful(X)]
    gru = layers.GRU(3, return_sequences=True)
    h0 = np.random.RandomState(61).randn(3, 3).astype("float32")
    gru(X)
    _set_weights(gru, 62)
    inputs = tf.keras.Input(shape=(5, 4))
    state = tf.keras.Input(shape=(3,))
    functional = tf.keras.Model([inputs, state], gru(inputs, initial_state=[state]))
    return {
        "first": first,
        "second": second,
        "after_reset": again,
        "from_values": from_values,
        "initial_state": gru(X, initial_state=[tf.constant(h0)]).numpy(),
        "functional_initial_state": functional([X, h0]).numpy(),
        "states": [v.numpy() for v in stateful.states],
    }


def lstm_fit(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(9)
    layers = tf.keras.layers
    model = tf.keras.Sequential(
        [layers.LSTM(8, input_shape=(6, 2)), layers.Dense(1, activation="sigmoid")], name="sequence"
    )
    initial = model.get_weights()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(SEQ_X, SEQ_Y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    return {
        "initial": initial,
        "loss": np.array(history.history["loss"]),
        "accuracy": np.array(history.history["accuracy"]),
        "final": model.get_weights(),
        "predict": model.predict(SEQ_X[:4], verbose=0),
        "summary": _summary(model),
    }


def masked_fit(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(2)
    layers = tf.keras.layers
    tokens = np.random.RandomState(8).randint(1, 10, size=(40, 7)).astype("int32")
    for row, length in enumerate(np.random.RandomState(9).randint(2, 8, size=40)):
        tokens[row, length:] = 0
    labels = (tokens[:, :1] > 4).astype("float32")
    model = tf.keras.Sequential(
        [
            layers.Embedding(10, 4, mask_zero=True),
            layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
            layers.TimeDistributed(layers.Dense(3, activation="relu")),
            layers.GRU(3, go_backwards=True),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=tf.keras.optimizers.RMSprop(0.01), loss="binary_crossentropy")
    history = model.fit(tokens, labels, batch_size=10, epochs=3, shuffle=False, verbose=0)
    return {"loss": np.array(history.history["loss"]), "final": model.get_weights()}


def gru_bidirectional_fit(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(4)
    layers = tf.keras.layers
    model = tf.keras.Sequential(
        [
            layers.Bidirectional(layers.GRU(4, return_sequences=True), input_shape=(6, 2)),
            layers.SimpleRNN(3),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(SEQ_X, SEQ_Y, batch_size=12, epochs=2, shuffle=False, verbose=0)
    return {
        "loss": np.array(history.history["loss"]),
        "final": model.get_weights(),
        "summary": _summary(model),
    }


def checkpoint_model(tf):
    """A model of every recurrent layer, its weights set from NumPy draws (the checkpoint tests')."""
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    model = tf.keras.Sequential(
        [
            layers.Bidirectional(layers.GRU(3, return_sequences=True), input_shape=(5, 4)),
            layers.TimeDistributed(layers.Dense(2)),
            layers.LSTM(3, return_sequences=True),
            layers.RNN([layers.SimpleRNNCell(2), layers.LSTMCell(2)]),
            layers.Dense(1),
        ]
    )
    _set_weights(model, 70)
    return model


CASES = {
    f.__name__: f
    for f in (
        simple_lstm_gru,
        masked,
        bidirectional_and_stacked,
        masks_through_models,
        functional_states,
        initial_weights,
        configs,
        stateful_and_initial_state,
        lstm_fit,
        masked_fit,
        gru_bidirectional_fit,
    )
}
