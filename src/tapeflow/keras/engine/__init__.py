"""Keras's engine: the Layer base class, symbolic tensors and nodes, functional and sequential models,
and what compile/fit/evaluate/predict run."""
