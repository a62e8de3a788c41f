"""The convolution, pooling, normalization and reshaping layers, run under tf-keras 2.21
(`TF_USE_LEGACY_KERAS=1`) and tapeflow alike (the pattern of keras_cases.py, whose `flatten` and
`assert_same` compare the results).

`record_keras_layer_fixtures.py` stores TensorFlow's results in fixtures/keras_layers_tensorflow.json;
test_keras_layers.py checks tapeflow against them, and against live TensorFlow where it is installed."""

from __future__ import annotations

import numpy as np

from keras_cases import _summary

RNG = np.random.RandomState(12)
IMAGE = RNG.randn(2, 5, 4, 3).astype("float32")
SEQUENCE = RNG.randn(2, 7, 4).astype("float32")
VECTORS = RNG.randn(5, 4).astype("float32")


def _layer_cases(layers) -> dict:
    """{name: (layer, input, call kwargs)}: each layer over a few of its options."""
    return {
        "conv1d": (layers.Conv1D(3, 3), SEQUENCE, {}),
        "conv1d_same_strided": (
            layers.Conv1D(2, 4, strides=2, padding="same", activation="tanh"),
            SEQUENCE,
            {},
        ),
        "conv1d_causal_dilated": (layers.Conv1D(2, 3, padding="causal", dilation_rate=2), SEQUENCE, {}),
        "conv1d_groups": (layers.Conv1D(4, 2, groups=2, use_bias=False), SEQUENCE, {}),
        "conv2d_dilated": (layers.Conv2D(2, 3, dilation_rate=2, padding="same"), IMAGE, {}),
        "conv2d_transpose": (layers.Conv2DTranspose(2, 3), IMAGE, {}),
        "conv2d_transpose_same_strided": (
            layers.Conv2DTranspose(3, (3, 2), strides=2, padding="same", activation="relu"),
            IMAGE,
            {},
        ),
        "conv2d_transpose_output_padding": (
            layers.Conv2DTranspose(2, 3, strides=(2, 3), output_padding=(1, 2)),
            IMAGE,
            {},
        ),
        "conv2d_transpose_dilated": (layers.Conv2DTranspose(2, 2, dilation_rate=2), IMAGE, {}),
        "depthwise": (layers.DepthwiseConv2D(3), IMAGE, {}),
        "depthwise_multiplier_same_strided": (
            layers.DepthwiseConv2D((3, 2), strides=2, padding="same", depth_multiplier=2),
            IMAGE,
            {},
        ),
        "depthwise_dilated": (layers.DepthwiseConv2D(2, dilation_rate=2, use_bias=False), IMAGE, {}),
        "separable": (layers.SeparableConv2D(4, 3), IMAGE, {}),
        "separable_same_strided": (
            layers.SeparableConv2D(2, 3, strides=2, padding="same", depth_multiplier=2, activation="relu"),
            IMAGE,
            {},
        ),
        "batchnorm_training": (layers.BatchNormalization(), IMAGE, {"training": True}),
        "batchnorm_inference": (layers.BatchNormalization(), IMAGE, {"training": False}),
        "batchnorm_axis1": (layers.BatchNormalization(axis=1, epsilon=0.01), IMAGE, {"training": True}),
        "batchnorm_dense": (layers.BatchNormalization(center=False), VECTORS, {"training": True}),
        "batchnorm_two_axes": (
            layers.BatchNormalization(axis=[1, 3], scale=False),
            IMAGE,
            {"training": True},
        ),
        "layernorm": (layers.LayerNormalization(), IMAGE, {}),
        "layernorm_axes": (layers.LayerNormalization(axis=[1, 2], epsilon=1e-5), IMAGE, {}),
        "layernorm_vectors": (layers.LayerNormalization(center=False), VECTORS, {}),
        "maxpool1d": (layers.MaxPooling1D(), SEQUENCE, {}),
        "maxpool1d_same": (layers.MaxPooling1D(3, strides=2, padding="same"), SEQUENCE, {}),
        "avgpool1d": (layers.AveragePooling1D(3, padding="same"), SEQUENCE, {}),
        "global_avg1d": (layers.GlobalAveragePooling1D(), SEQUENCE, {}),
        "global_max1d_keepdims": (layers.GlobalMaxPooling1D(keepdims=True), SEQUENCE, {}),
        "global_avg2d_keepdims": (layers.GlobalAveragePooling2D(keepdims=True), IMAGE, {}),
        "global_max2d": (layers.GlobalMaxPooling2D(), IMAGE, {}),
        "global_avg2d_channels_first": (
            layers.GlobalAveragePooling2D(data_format="channels_first"),
            IMAGE,
            {},
        ),
        "zero_padding": (layers.ZeroPadding2D(((1, 2), (0, 3))), IMAGE, {}),
        "zero_padding_channels_first": (layers.ZeroPadding2D(2, data_format="channels_first"), IMAGE, {}),
        "cropping": (layers.Cropping2D(((1, 2), (0, 1))), IMAGE, {}),
        "cropping_symmetric": (layers.Cropping2D(1), IMAGE, {}),
        "upsampling": (layers.UpSampling2D((2, 3)), IMAGE, {}),
        "upsampling_bilinear": (layers.UpSampling2D(2, interpolation="bilinear"), IMAGE, {}),
        "upsampling_bilinear_3": (layers.UpSampling2D((3, 2), interpolation="bilinear"), IMAGE, {}),
        "permute": (layers.Permute((3, 1, 2)), IMAGE, {}),
        "repeat_vector": (layers.RepeatVector(3), VECTORS, {}),
        "lambda": (layers.Lambda(lambda t, scale: t * scale, arguments={"scale": 3.0}), VECTORS, {}),
        "spatial_dropout_inference": (layers.SpatialDropout2D(0.5), IMAGE, {}),
    }


def layer_outputs_and_gradients(tf):
    """Each layer with set weights: its output, the gradients of a weighted sum of it with respect to
    the input and the trainable weights, and its weights' names."""
    tf.keras.backend.clear_session()
    rng = np.random.RandomState(4)
    out = {}
    for name, (layer, x, kwargs) in _layer_cases(tf.keras.layers).items():
        layer.build(tf.TensorShape(x.shape))
        layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.get_weights()])
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt, **kwargs)
            loss = tf.reduce_sum(y * rng.uniform(0.5, 1.5, y.shape).astype("float32"))
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        out[name] = {
            "y": y.numpy(),
            "grads": [g.numpy() for g in grads],
            "weights": layer.get_weights(),
            "names": [w.name for w in layer.weights],
        }
    return out


def batchnorm_moving_statistics(tf):
    """BatchNormalization's moving statistics after training calls (one momentum, one axis each), its
    inference output after them, and a frozen (`trainable = False`) layer, which runs in inference
    mode even when called with training=True."""
    tf.keras.backend.clear_session()
    rng = np.random.RandomState(8)
    out = {}
    for name, layer, shape in (
        ("images", tf.keras.layers.BatchNormalization(momentum=0.9), (4, 3, 3, 2)),
        ("vectors", tf.keras.layers.BatchNormalization(), (6, 3)),
        ("axis1", tf.keras.layers.BatchNormalization(axis=1, momentum=0.5), (4, 2, 3, 3)),
    ):
        for _ in range(3):
            layer(rng.randn(*shape).astype("float32") * 3 + 1, training=True)
        probe = rng.randn(*shape).astype("float32")
        out[name] = {"weights": layer.get_weights(), "inference": layer(probe, training=False).numpy()}
    frozen = tf.keras.layers.BatchNormalization()
    frozen.build((None, 3))
    frozen.set_weights([np.full(3, v, "float32") for v in (2.0, 0.5, 1.0, 4.0)])
    frozen.trainable = False
    frozen_out = frozen(VECTORS[:, :3], training=True)
    out["frozen"] = {
        "y": frozen_out.numpy(),
        "weights": frozen.get_weights(),
        "trainable": [w.name for w in frozen.trainable_weights],
        "non_trainable": [w.name for w in frozen.non_trainable_weights],
    }
    return out


def _cnn(tf):
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            layers.Conv2D(4, 3, padding="same", use_bias=False, input_shape=(8, 8, 1)),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),
            layers.SeparableConv2D(6, 3, padding="same", use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3, activation="softmax"),
        ]
    )


def cnn_batchnorm_fit(tf):
    """A CNN with BatchNormalization trained by `fit` (shuffle=False): the history, the final weights
    (moving statistics included), the predictions, the summary."""
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(5)
    rng = np.random.RandomState(6)
    images = rng.rand(40, 8, 8, 1).astype("float32")
    labels = (images[:, :4].sum(axis=(1, 2, 3)) > images[:, 4:].sum(axis=(1, 2, 3))).astype("int32")
    labels += (images[:, :, :4].mean(axis=(1, 2, 3)) > 0.5).astype("int32")
    model = _cnn(tf)
    initial = model.get_weights()
    model.compile(tf.keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images, labels, batch_size=16, epochs=3, verbose=0, shuffle=False)
    return {
        "initial": initial,
        "history": {k: np.array(v) for k, v in history.history.items()},
        "final": model.get_weights(),
        "predict": model.predict(images[:5], verbose=0),
        "evaluate": np.array(model.evaluate(images, labels, verbose=0)),
        "summary": _summary(model),
        "names": [w.name for w in model.weights],
    }


def gradient_penalty(tf):
    """Second-order gradients through the convolution and resampling layers: the gradient, with
    respect to the weights, of the squared norm of the output's gradient with respect to the input
    (the penalty of WGAN-GP). Not through UpSampling2D: TensorFlow's resize gradients have no gradient
    of their own (tapeflow's UpSampling2D is differentiable to any order)."""
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    rng = np.random.RandomState(10)
    model = tf.keras.Sequential(
        [
            layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh", input_shape=(5, 4, 3)),
            layers.DepthwiseConv2D(3, activation="tanh"),
            layers.ZeroPadding2D(1),
            layers.SeparableConv2D(2, 2, activation="tanh"),
            layers.Cropping2D(((1, 0), (0, 1))),
            layers.AveragePooling2D(3),
            layers.Flatten(),
            layers.Dense(1, activation="tanh"),
        ]
    )
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    x = tf.constant(IMAGE)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(model(x))
        penalty = tf.reduce_sum(tf.square(inner.gradient(y, x)))
    grads = outer.gradient(penalty, model.trainable_weights)
    return {"penalty": penalty.numpy(), "grads": [g.numpy() for g in grads]}


def summaries_and_configs(tf):
    """Output shapes and parameter counts in `summary()` for the new layers, and their configs (an axis
    list as a plain list: tf-keras's tracking wraps it in a ListWrapper)."""
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    inputs = tf.keras.Input((12, 10, 3))
    h = layers.ZeroPadding2D(1)(inputs)
    h = layers.DepthwiseConv2D(3, depth_multiplier=2)(h)
    h = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(h)
    h = layers.Cropping2D(((2, 2), (1, 1)))(h)
    h = layers.LayerNormalization(axis=[1, 2, 3])(h)
    h = layers.UpSampling2D()(h)
    h = layers.SpatialDropout2D(0.2)(h)
    h = layers.GlobalMaxPooling2D()(h)
    h = layers.RepeatVector(5)(h)
    h = layers.Conv1D(3, 2, padding="causal")(h)
    h = layers.Permute((2, 1))(h)
    h = layers.AveragePooling1D(padding="same")(h)
    h = layers.MaxPooling1D(1)(h)
    h = layers.SpatialDropout1D(0.1)(h)
    h = layers.BatchNormalization()(h)
    outputs = layers.GlobalAveragePooling1D()(h)
    model = tf.keras.Model(inputs, outputs)
    configs = [
        layers.BatchNormalization(momentum=0.9, name="bn").get_config(),
        layers.LayerNormalization(axis=(1, 2), name="ln").get_config(),
        layers.Conv1D(2, 3, padding="causal", name="c1").get_config(),
        layers.Conv2DTranspose(2, 3, output_padding=1, strides=2, name="ct").get_config(),
        layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw").get_config(),
        layers.SeparableConv2D(4, 3, name="sep").get_config(),
        layers.MaxPooling1D(name="mp1").get_config(),
        layers.GlobalAveragePooling2D(keepdims=True, name="gap").get_config(),
        layers.ZeroPadding2D((1, 2), name="zp").get_config(),
        layers.Cropping2D(2, name="cr").get_config(),
        layers.UpSampling2D(name="up").get_config(),
        layers.Permute((2, 1), name="pe").get_config(),
        layers.RepeatVector(4, name="rv").get_config(),
        layers.SpatialDropout2D(0.3, name="sd").get_config(),
    ]
    built = layers.BatchNormalization(name="built_bn")
    built.build((None, 4, 3))
    lam = layers.Lambda(lambda t: t + 1, output_shape=(3,), name="lam").get_config()
    return {
        "summary": _summary(model),
        "params": model.count_params(),
        "output_shape": repr(model.output_shape),
        "configs": [
            repr({k: list(v) if k == "axis" and isinstance(v, list) else v for k, v in c.items()})
            for c in configs
        ],
        "built_config_axis": repr(list(built.get_config()["axis"])),
        "lambda_config": repr({k: v for k, v in lam.items() if k != "function"}),
        "lambda_function_type": repr(type(lam["function"]).__name__),
    }


CASES = {
    f.__name__: f
    for f in (
        layer_outputs_and_gradients,
        batchnorm_moving_statistics,
        cnn_batchnorm_fit,
        gradient_penalty,
        summaries_and_configs,
    )
}
