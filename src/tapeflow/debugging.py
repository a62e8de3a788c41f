"""`tf.debugging`: run-time checks (tapeflow.ops.check_ops), and gradient explanations (tapeflow's:
tapeflow.autodiff.explain)."""

from tapeflow.autodiff.explain import (
    MissingGradientWarning,
    disable_gradient_explanations,
    enable_gradient_explanations,
)
from tapeflow.ops.check_ops import *  # noqa: F403
from tapeflow.ops.check_ops import __all__ as _checks

__all__ = [*_checks, "MissingGradientWarning", "disable_gradient_explanations",
           "enable_gradient_explanations"]
