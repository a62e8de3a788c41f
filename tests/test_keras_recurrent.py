"""tapeflow's recurrent layers (SimpleRNN, LSTM, GRU, RNN, Bidirectional, TimeDistributed, Masking)
against tf-keras 2.21: the programs of recurrent_cases.py checked against the recorded fixture and, with
`TF_USE_LEGACY_KERAS=1` and TensorFlow installed, against live TensorFlow; and the behaviour that needs
no reference (tracing, Jacobians, dropout, errors)."""

import pathlib

import numpy as np
import pytest

import tapeflow
from keras_cases import differential_tests, live_tf_keras
from recurrent_cases import CASES, checkpoint_model
from recurrent_cases import X as CASE_X

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "recurrent_tensorflow.json"


test_case_matches_recorded_tf_keras, test_case_matches_live_tf_keras = differential_tests(CASES, FIXTURE)


def test_load_weights_reads_tf_keras_checkpoint_of_recurrent_layers():
    model = checkpoint_model(tapeflow)
    expected = model(CASE_X).numpy()
    for w in model.weights:
        w.assign(np.zeros(w.shape, "float32"))
    model.load_weights(
        str(FIXTURE.parent / "recurrent_checkpoint" / "weights")
    ).assert_existing_objects_matched()
    np.testing.assert_array_equal(model(CASE_X).numpy(), expected)


def test_tf_keras_reads_tapeflow_checkpoint_of_recurrent_layers(tmp_path):
    tf = live_tf_keras()
    checkpoint_model(tapeflow).save_weights(str(tmp_path / "weights"))
    theirs = checkpoint_model(tf)
    expected = theirs(CASE_X).numpy()
    for w in theirs.weights:
        w.assign(np.zeros(w.shape, "float32"))
    theirs.load_weights(str(tmp_path / "weights")).assert_existing_objects_matched()
    np.testing.assert_array_equal(theirs(CASE_X).numpy(), expected)


layers = tapeflow.keras.layers
X = np.random.RandomState(0).randn(2, 5, 3).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)


def _max_difference(a, b) -> float:
    return max(float(np.abs(np.asarray(x) - np.asarray(y)).max()) for x, y in zip(a, b))


def test_traced_calls_match_eager_with_static_and_unknown_shapes():
    lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    x, mask = tapeflow.constant(X), tapeflow.constant(MASK)
    eager = lstm(x, mask=mask)
    static = tapeflow.function(lambda x, m: lstm(x, mask=m))(x, mask)
    unknown_time = tapeflow.function(
        lambda x, m: lstm(x, mask=m),
        input_signature=[
            tapeflow.TensorSpec([None, None, 3]),
            tapeflow.TensorSpec([None, None], tapeflow.bool),
        ],
    )
    assert _max_difference(eager, static) == 0
    assert _max_difference(eager, unknown_time(x, mask)) < 1e-6


def test_gradients_through_the_while_loop_match_eager():
    gru = layers.GRU(3, go_backwards=True)
    x = tapeflow.constant(X)

    def loss_and_grads(x):
        with tapeflow.GradientTape() as tape:
            tape.watch(x)
            loss = tapeflow.reduce_sum(gru(x) ** 2)
        return tape.gradient(loss, [x, *gru.trainable_weights])

    traced = tapeflow.function(loss_and_grads, input_signature=[tapeflow.TensorSpec([None, None, 3])])
    assert _max_difference(loss_and_grads(x), traced(x)) < 1e-6


def test_a_fit_retraced_for_other_lengths_runs_the_while_loop():
    tokens = tapeflow.keras.Input(shape=(None,), dtype="int32")
    hidden = layers.LSTM(3, return_sequences=True)(layers.Embedding(10, 4, mask_zero=True)(tokens))
    model = tapeflow.keras.Model(tokens, layers.Dense(1)(layers.GRU(2)(hidden)))
    model.compile("sgd", "mse")
    x, y = np.random.RandomState(0).randint(0, 10, (8, 6)), np.ones((8, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    before = model.predict(x[:, :4], verbose=0)
    model.fit(x[:, :4], y, batch_size=4, epochs=1, verbose=0)  # relaxed to (None, None): a while_loop
    assert model._train_function.experimental_get_tracing_count() >= 2
    history = model.fit(x[:, :5], y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and not np.allclose(
        model.predict(x[:, :4], verbose=0), before
    )


def test_jacobian_rows_are_the_gradients_of_each_output():
    simple = layers.SimpleRNN(2, go_backwards=True)
    x = tapeflow.constant(X)
    with tapeflow.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = simple(x)
        first = y[1, 0]
    jacobian = tape.jacobian(y, x)
    assert jacobian.shape == (2, 2, 2, 5, 3)
    np.testing.assert_allclose(jacobian[1, 0].numpy(), tape.gradient(first, x).numpy(), rtol=1e-6)
    assert np.all(jacobian[0, :, 1].numpy() == 0)  # samples do not mix


def _identity_rnn(**kwargs):
    """A linear SimpleRNN whose output is its input (kernel I, no recurrence): it shows the dropout mask."""
    rnn = layers.SimpleRNN(3, activation=None, return_sequences=True, **kwargs)
    rnn(X)
    rnn.set_weights([np.eye(3, dtype="float32"), np.zeros((3, 3), "float32"), np.zeros(3, "float32")])
    return rnn


def test_dropout_applies_in_training_only_with_one_mask_for_all_steps():
    rnn = _identity_rnn(dropout=0.5)
    ones = np.ones((4, 6, 3), "float32")
    np.testing.assert_array_equal(rnn(ones).numpy(), ones)
    dropped = rnn(ones, training=True).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0 < (dropped == 0).mean() < 1
    np.testing.assert_array_equal(dropped, np.repeat(dropped[:, :1], 6, axis=1))  # the same at every step
    assert not np.array_equal(dropped, rnn(ones, training=True).numpy())  # drawn again each call


def test_recurrent_dropout_makes_keras_use_implementation_1():
    lstm = layers.LSTM(3, recurrent_dropout=0.3)
    assert lstm.implementation == 1 and layers.LSTM(3).implementation == 2
    outputs = lstm(X, training=True).numpy()
    assert outputs.shape == (2, 3) and np.all(np.isfinite(outputs))


def test_masked_steps_repeat_the_previous_output_and_keep_the_state():
    model = tapeflow.keras.Sequential(
        [layers.Embedding(10, 3, mask_zero=True), layers.GRU(2, return_sequences=True, return_state=False)]
    )
    tokens = np.array([[4, 2, 0, 0, 7]], "int32")
    outputs = model(tokens).numpy()[0]
    np.testing.assert_array_equal(outputs[2], outputs[1])
    np.testing.assert_array_equal(outputs[3], outputs[1])
    assert not np.array_equal(outputs[4], outputs[3])
    assert model(tokens)._keras_mask.numpy().tolist() == [[True, True, False, False, True]]


def test_configs_round_trip_through_serialize_and_a_sequential_model():
    made = [
        layers.LSTM(3, return_sequences=True, dropout=0.2),
        layers.GRU(2, reset_after=False),
        layers.SimpleRNN(4, activation="relu"),
        layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)], go_backwards=True),
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.GRU(2, go_backwards=True)),
        layers.TimeDistributed(layers.Dense(2)),
        layers.Masking(mask_value=-1.0),
    ]
    for layer in made:
        again = layers.deserialize(layers.serialize(layer))
        assert type(again) is type(layer) and again.get_config() == layer.get_config()
    model = tapeflow.keras.Sequential(
        [
            layers.Masking(input_shape=(5, 3)),
            layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
            layers.GRU(2),
        ]
    )
    copy = tapeflow.keras.Sequential.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    np.testing.assert_array_equal(copy(X).numpy(), model(X).numpy())
    assert [w.name for w in copy.weights] == [w.name for w in model.weights]


def test_connecting_a_stateful_layer_keeps_its_states():
    lstm = layers.LSTM(2, stateful=True, batch_input_shape=(2, None, 3))
    lstm(X)
    lstm(X)
    before = [v.numpy() for v in lstm.states]
    assert all(np.any(b != 0) for b in before)
    tapeflow.keras.Sequential([tapeflow.keras.Input(batch_shape=(2, None, 3)), lstm]).summary(
        print_fn=lambda _: None
    )
    for variable, value in zip(lstm.states, before):
        np.testing.assert_array_equal(variable.numpy(), value)
    model = tapeflow.keras.Sequential([lstm, layers.Dense(1)])
    model.reset_states()
    assert all(not np.any(v.numpy()) for v in lstm.states)


def test_errors_name_the_layer_and_the_problem():
    with pytest.raises(ValueError, match='layer "lstm.*expected ndim=3, found ndim=2'):
        layers.LSTM(3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="Cannot unroll a RNN if the time dimension is undefined"):
        layers.GRU(3, unroll=True)(tapeflow.keras.Input((None, 4)))
    with pytest.raises(ValueError, match="Layer has 2 states but was passed 1 initial states"):
        layers.LSTM(2)(X, initial_state=[np.zeros((2, 2), "float32")])
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        layers.SimpleRNN(2).reset_states()
    with pytest.raises(ValueError, match="needs to know its batch size"):
        layers.SimpleRNN(2, stateful=True)(tapeflow.keras.Input((None, 3)))
    with pytest.raises(TypeError, match="does not support masking"):
        layers.Flatten().compute_mask(X, tapeflow.constant(MASK))


class MinimalRNNCell(tapeflow.keras.layers.Layer):
    """The custom cell of Keras's RNN documentation: h = x @ kernel + h_prev @ recurrent_kernel."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
        )
        self.built = True

    def call(self, inputs, states):
        output = tapeflow.matmul(inputs, self.kernel) + tapeflow.matmul(states[0], self.recurrent_kernel)
        return output, [output]


def test_a_custom_cell_runs_as_the_built_in_one():
    custom = layers.RNN([MinimalRNNCell(3), MinimalRNNCell(2)], return_sequences=True)
    built_in = layers.RNN(
        [
            layers.SimpleRNNCell(3, activation=None, use_bias=False),
            layers.SimpleRNNCell(2, activation=None, use_bias=False),
        ],
        return_sequences=True,
    )
    custom(X)
    built_in(X)
    assert custom.weights[0].name == f"{custom.name}/{custom.cell.name}/minimal_rnn_cell/kernel:0"
    built_in.set_weights(custom.get_weights())
    np.testing.assert_allclose(custom(X, mask=MASK).numpy(), built_in(X, mask=MASK).numpy(), rtol=1e-6)


def test_dropout_in_a_traced_fit_over_unknown_lengths():
    model = tapeflow.keras.Sequential(
        [
            layers.LSTM(4, dropout=0.3, recurrent_dropout=0.3, return_sequences=True),
            layers.GRU(2, dropout=0.2),
        ]
    )
    model.compile("adam", "mse")
    for steps in (5, 3):  # the second fit retraces for (None, None, 3) inputs
        history = model.fit(
            np.ones((6, steps, 3), "float32"), np.ones((6, 2), "float32"), epochs=1, verbose=0
        )
        assert np.isfinite(history.history["loss"][0])
