"""`tf.test`: gradient checking."""

from tapeflow.autodiff.gradient_checker import compute_gradient, max_error

__all__ = ["compute_gradient", "max_error"]
