"""`tf.function`: tracing a Python function per input signature into a graph, and calling the compiled
result (retracing rules, signatures, concrete functions)."""
