"""`tf.random`: TensorFlow's random numbers, bit for bit (re-exports only).

philox.py makes the Philox4x32-10 stream and fills tensors from it as TF's CPU kernels do
(philox_native.py: the same as Numba kernels, for large draws when Numba is installed);
glibc_float32.py corrects float32 Box-Muller to glibc's logf/sinf/cosf; seeds.py derives op seeds and
keeps stateful kernels' streams; random_ops.py, stateless.py and generator.py are the ops
(poisson_kernel.py, gamma_kernel.py, binomial_kernel.py, truncated_normal_kernel.py: TF's samplers;
gamma_grad.py: the gradient of gamma samples to alpha; index_shuffle.py: TF's index permutation);
dropout.py, initializers.py and keras_seeds.py are what tf.nn, tf and tf.keras build on them.
"""

import types as _types

from tapeflow.random.generator import Generator, create_rng_state, get_global_generator, set_global_generator
from tapeflow.random.random_ops import (
    categorical, gamma, normal, poisson, shuffle, truncated_normal, uniform,
)
from tapeflow.random.seeds import set_seed
from tapeflow.random.stateless import (
    Algorithm, fold_in, split, stateless_binomial, stateless_categorical, stateless_gamma, stateless_normal,
    stateless_parameterized_truncated_normal, stateless_poisson,
    stateless_index_shuffle, stateless_shuffle, stateless_truncated_normal, stateless_uniform,
)

__all__ = ["Algorithm", "normal", "uniform", "truncated_normal", "shuffle", "set_seed", "categorical",
           "poisson", "gamma", "stateless_binomial", "stateless_poisson", "stateless_gamma",
           "stateless_normal",
           "stateless_truncated_normal", "stateless_uniform", "stateless_parameterized_truncated_normal",
           "stateless_categorical", "split", "fold_in", "Generator", "get_global_generator",
           "set_global_generator", "experimental"]

# `tf.random.experimental`: the generator API and the stateless seed functions under their older names.
experimental = _types.SimpleNamespace(
    Algorithm=Algorithm, Generator=Generator, get_global_generator=get_global_generator,
    set_global_generator=set_global_generator, create_rng_state=create_rng_state, stateless_split=split,
    stateless_fold_in=fold_in, stateless_shuffle=stateless_shuffle,
    index_shuffle=stateless_index_shuffle)
