"""The seed tutorial's first part ("2-3 自动微分机制"): derivatives with tf.GradientTape.

Run: python examples/tutorial_autodiff.py   (prints what TensorFlow 2 prints for the same code)
"""

import tapeflow as tf

# f(x) = a*x**2 + b*x + c and its derivative at x = 0
x = tf.Variable(0.0, name="x", dtype=tf.float32)
a = tf.constant(1.0)
b = tf.constant(-2.0)
c = tf.constant(1.0)
with tf.GradientTape() as tape:
    y = a * tf.pow(x, 2) + b * x + c
dy_dx = tape.gradient(y, x)
print(dy_dx)

# constants need tape.watch to be differentiated against
with tf.GradientTape() as tape:
    tape.watch([a, b, c])
    y = a * tf.pow(x, 2) + b * x + c
dy_dx, dy_da, dy_db, dy_dc = tape.gradient(y, [x, a, b, c])
print(dy_da)
print(dy_dc)

# second derivative with nested tapes
with tf.GradientTape() as tape2:
    with tf.GradientTape() as tape1:
        y = a * tf.pow(x, 2) + b * x + c
    dy_dx = tape1.gradient(y, x)
dy2_dx2 = tape2.gradient(dy_dx, x)
print(dy2_dx2)

# minimising f with plain gradient steps (the optimizers come in tf.keras.optimizers)
for _ in range(1000):
    with tf.GradientTape() as tape:
        y = a * tf.pow(x, 2) + b * x + c
    x.assign_sub(0.01 * tape.gradient(y, x))
tf.print("y =", y, "; x =", x)
