"""Random small programs run by tapeflow and by real TensorFlow (skipped without it): mixes of dtypes,
Python numbers and empty shapes meeting elementwise ops, reductions and shape ops. Both must raise the
same exception class, or give the same dtype, shape and values."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
real_tf = pytest.importorskip("tensorflow")

import tapeflow  # noqa: E402
from op_programs import programs  # noqa: E402


def outcome(tf, source: str, scope: dict):
    try:
        result = eval(source, {"tf": tf, **scope})
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__
    return result.dtype.name, tuple(result.shape), np.asarray(result.numpy())


@pytest.mark.parametrize("source, scope", programs(), ids=lambda p: p if isinstance(p, str) else "")
def test_random_programs_behave_as_tensorflow(source, scope):
    theirs, ours = outcome(real_tf, source, scope), outcome(tapeflow, source, scope)
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs, f"{source}: TensorFlow {theirs}, tapeflow {ours}"
        return
    assert ours[:2] == theirs[:2], source
    np.testing.assert_allclose(ours[2].astype(float), theirs[2].astype(float), rtol=1e-6, err_msg=source,
                               equal_nan=True)
