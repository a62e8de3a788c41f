"""tapeflow's convolution, pooling, normalization and reshaping layers against tf-keras 2.21: the
programs of keras_layer_cases.py checked against the recorded fixture and, where it is installed
(`TF_USE_LEGACY_KERAS=1`), against live TensorFlow; then behaviour the cases do not reach (configs
round-tripping, moving statistics in a compiled train step, errors)."""

import pathlib

import numpy as np
import pytest

import tapeflow as tf
from keras_cases import differential_tests
from keras_layer_cases import CASES, IMAGE, SEQUENCE, _layer_cases

from gradcheck import check_gradients

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "keras_layers_tensorflow.json"
layers = tf.keras.layers


test_case_matches_recorded_tf_keras, test_case_matches_live_tf_keras = differential_tests(CASES, FIXTURE)


@pytest.mark.parametrize("name", sorted(_layer_cases(layers)))
def test_config_round_trip_remakes_the_layer(name):
    layer, x, kwargs = _layer_cases(layers)[name]
    clone = type(layer).from_config(layer.get_config())
    without_code = lambda config: {k: v for k, v in config.items() if k != "function"}  # marshal varies
    assert without_code(clone.get_config()) == without_code(layer.get_config())
    layer.build(tf.TensorShape(x.shape))
    clone.build(tf.TensorShape(x.shape))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x, **kwargs).numpy(), layer(x, **kwargs).numpy(), rtol=1e-6)


def test_batchnorm_moving_statistics_move_inside_a_compiled_train_step():
    model = tf.keras.Sequential([layers.BatchNormalization(momentum=0.5, input_shape=(3,))])
    model.compile("sgd", "mse")
    x = np.arange(12, dtype="float32").reshape(4, 3)
    model.train_on_batch(x, np.zeros((4, 3), "float32"))
    bn = model.layers[0]
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-6)
    model.predict(x, verbose=0)  # inference: the statistics stay
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-6)


def test_frozen_batchnorm_in_fit_keeps_its_statistics_and_weights():
    model = tf.keras.Sequential([layers.BatchNormalization(input_shape=(2,)), layers.Dense(1)])
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()
    model.fit(np.ones((8, 2), "float32") * 3, np.ones((8, 1), "float32"), epochs=2, verbose=0)
    for a, b in zip(before, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2


def test_lambda_config_round_trips_a_python_function():
    offset = 2.0
    layer = layers.Lambda(lambda t: t * 2 + offset, name="lam")
    config = layer.get_config()
    assert config["function_type"] == "lambda" and config["module"] == __name__
    clone = layers.Lambda.from_config(config)
    np.testing.assert_allclose(clone(np.ones((1, 2), "float32")).numpy(), [[4.0, 4.0]])


def test_spatial_dropout_drops_whole_channels():
    tf.keras.utils.set_random_seed(3)
    y = layers.SpatialDropout2D(0.5)(np.ones((4, 3, 3, 8), "float32"), training=True).numpy()
    per_channel = y.reshape(4, 9, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # one draw per sample and channel
    assert set(np.unique(y)) == {0.0, 2.0}
    y1 = layers.SpatialDropout1D(0.5)(SEQUENCE, training=True).numpy()
    kept = y1 != 0
    assert np.all(kept.all(axis=1) | (~kept).all(axis=1))


def test_new_layers_in_a_functional_model_have_keras_errors():
    with pytest.raises(ValueError, match="Input 0 of layer .* expected ndim=4, found ndim=3"):
        layers.ZeroPadding2D()(SEQUENCE)
    with pytest.raises(ValueError, match="Invalid value for `axis` argument"):
        layers.BatchNormalization(axis=5)(IMAGE)
    with pytest.raises(ValueError, match="Strides must be greater than output padding"):
        layers.Conv2DTranspose(2, 3, strides=1, output_padding=1)
    with pytest.raises(ValueError, match="Invalid permutation argument"):
        layers.Permute((1, 3))


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_upsampling_is_differentiable_to_second_order(interpolation):
    # (TensorFlow's resize gradients have no gradient; tapeflow's UpSampling2D is a composite.)
    layer = layers.UpSampling2D((2, 3), interpolation=interpolation, dtype="float64")
    check_gradients(lambda x: tf.reduce_sum(tf.sin(layer(x))), IMAGE[:1, :3, :3, :2])


def test_keras_aliases_name_the_same_layers():
    assert layers.Convolution1D is layers.Conv1D and layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


def test_dot_layer_as_tf_keras():
    """Values recorded from tf-keras 2.21 (same inputs); Keras's batch_dot shapes and errors."""
    rng = np.random.default_rng(0)
    a2, b2 = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")
    a3, b3 = rng.normal(size=(2, 4, 3)).astype("float32"), rng.normal(size=(2, 5, 3)).astype("float32")
    c3 = rng.normal(size=(2, 4, 5)).astype("float32")
    plain, cosine = layers.Dot(axes=1)([a2, b2]), layers.Dot(axes=-1, normalize=True)([a2, b2])
    np.testing.assert_allclose(plain.numpy().ravel(), [-0.41185, 0.21607], atol=1e-5)
    np.testing.assert_allclose(cosine.numpy().ravel(), [-0.3517, 0.23385], atol=1e-5)
    assert layers.Dot(axes=2)([a3, b3]).shape == (2, 4, 5)
    assert layers.dot([a3, c3], axes=(1, 1)).shape == (2, 3, 5)
    assert layers.Dot(axes=(1, 1), normalize=True).get_config()["axes"] == (1, 1)
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4 \(at axis 1\)"):
        layers.Dot(axes=1)([a2, a3])
    check_gradients(lambda x, y: layers.Dot(axes=2, normalize=True)([x, y]), a3[:1], b3[:1], dtype=np.float32)
