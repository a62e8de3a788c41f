"""Drawing 1e6 random numbers: tapeflow's TensorFlow-exact streams beside NumPy's generators and TensorFlow.

tapeflow reproduces TensorFlow's CPU draws bit for bit (Philox4x32-10 as Numba kernels when Numba is
installed, else in vectorised NumPy; float32 normals corrected to glibc's logf/sinf/cosf by a table),
so its cost is set against TensorFlow's own kernels (which use every core) and against NumPy's PCG64
and legacy generators (other numbers). The `, NumPy code` legs time tapeflow without its Numba
kernels. One ``step`` is one eager draw of 1e6 values; the legs are ``<framework> <distribution>``,
and a peer's ratio is to tapeflow's same distribution. The steps return nothing, so there is no
value check: tests/test_random_against_tensorflow.py compares the values bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.harness import REFERENCE, SUBJECT, Step, Workload, load

__all__ = ["WORKLOAD"]

SIZE = 10**6
DRAWS = {  # distribution: (function name, keyword arguments) of the tf.random API
    "uniform": ("uniform", {}),
    "normal": ("normal", {}),
    "truncated normal": ("truncated_normal", {}),
    "uniform float64": ("uniform", {"dtype": "float64"}),
    "normal float64": ("normal", {"dtype": "float64"}),
}


def numpy_leg(draw: Callable[[np.random.Generator], object]) -> Callable[[], Step]:
    def setup() -> Step:
        rng = np.random.default_rng(0)

        def step() -> None:
            draw(rng)

        return step

    return setup


def tf_api(module: str, distribution: str) -> Callable[[], Step]:
    """tapeflow and TensorFlow: `tf.random.<function>([1e6], seed=1)` after `tf.random.set_seed(0)`."""
    function, kwargs = DRAWS[distribution]

    def setup() -> Step:
        tf = load(module)
        tf.random.set_seed(0)
        draw = getattr(tf.random, function)
        options = {k: getattr(tf, v) for k, v in kwargs.items()}

        def step() -> None:
            draw([SIZE], seed=1, **options)

        return step

    return setup


def numpy_code(distribution: str) -> Callable[[], Step]:
    """tapeflow's draw made by its NumPy code, as without Numba (with Numba, large draws run as the
    Numba kernels of tapeflow/random/philox_native.py: the plain tapeflow legs)."""
    inner = tf_api(SUBJECT, distribution)

    def setup() -> Step:
        from tapeflow.random import philox

        draw = inner()

        def step() -> None:
            previous = philox.set_native_min_blocks(None)
            try:
                draw()
            finally:
                philox.set_native_min_blocks(previous)

        return step

    return setup


LEGS = {
    REFERENCE: numpy_leg(lambda rng: rng.random(SIZE, dtype=np.float32)),
    "numpy normal": numpy_leg(lambda rng: rng.standard_normal(SIZE, dtype=np.float32)),
    "numpy legacy normal": numpy_leg(lambda rng: np.random.normal(size=SIZE)),
    "numpy uniform float64": numpy_leg(lambda rng: rng.random(SIZE)),
    **{f"{framework} {distribution}": tf_api(framework, distribution)
       for framework in (SUBJECT, "tensorflow") for distribution in DRAWS},
    **{f"{SUBJECT} {distribution}, NumPy code": numpy_code(distribution) for distribution in DRAWS},
}

WORKLOAD = Workload(
    name="random_draws",
    title=f"{SIZE:.0e} random draws (float32 unless named): NumPy's generators, tapeflow's and TF's Philox",
    unit="ms",
    scale=1e3,
    legs=LEGS,
)
