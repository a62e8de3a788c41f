"""Control flow as ops over compiled subgraphs: `tf.cond`, `tf.while_loop`, their gradients and the
replay of their effects, `tf.TensorArray`, `map_fn`/`scan`/folds, `switch_case`/`case`,
`py_function` and `custom_gradient`."""
