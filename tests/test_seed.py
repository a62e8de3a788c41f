"""The seed tutorial (../shared/seed) prints, on standard output, exactly what TensorFlow printed.

Its later blocks need `tf.function` and the Keras optimizers (separate issues); the derivative
lines, which go to standard output, are checked here.
"""

import pathlib
import subprocess
import sys

import pytest

SEED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "seed"
RUNNER = ("import sys, tapeflow; sys.modules['tensorflow'] = tapeflow; "
          "src = open(sys.argv[1], encoding='utf-8').read(); "
          "exec(compile(src, sys.argv[1], 'exec'), {'__name__': '__main__'})")


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is not beside the repository")
def test_seed_derivatives_print_what_tensorflow_prints():
    run = subprocess.run([sys.executable, "-c", RUNNER, str(SEED / "seed_examples.py")],
                         capture_output=True, text=True, timeout=300)
    want = [line for line in (SEED / "expected_stdout.txt").read_text().splitlines() if line.strip()]
    got = [line for line in run.stdout.splitlines() if line.strip()]
    assert got[:4] == want[:4]
