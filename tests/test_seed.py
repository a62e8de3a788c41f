"""The seed tutorial (../shared/seed) prints exactly what TensorFlow printed, on both streams."""

import pathlib
import subprocess
import sys

import pytest

SEED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "seed"
RUNNER = ("import sys, tapeflow; sys.modules['tensorflow'] = tapeflow; "
          "src = open(sys.argv[1], encoding='utf-8').read(); "
          "exec(compile(src, sys.argv[1], 'exec'), {'__name__': '__main__'})")


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is not beside the repository")
def test_seed_tutorial_prints_what_tensorflow_prints():
    run = subprocess.run([sys.executable, "-c", RUNNER, str(SEED / "seed_examples.py")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for stream, got in (("stdout", run.stdout), ("stderr", run.stderr)):
        want = [line for line in (SEED / f"expected_{stream}.txt").read_text().splitlines() if line.strip()]
        assert [line for line in got.splitlines() if line.strip()] == want


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is not beside the repository")
def test_seed_eager_optimizer_blocks_print_what_tensorflow_prints():
    """The tutorial's two eager optimizer blocks (apply_gradients, then minimize), run on their own."""
    source = (SEED / "seed_examples.py").read_text(encoding="utf-8")
    start = source.index("# 二,利用梯度磁带和优化器求最小值")
    end = source.index("# 在autograph中完成最小值求解 -- 使用optimizer.apply_gradients")
    blocks = "import tensorflow as tf\nimport numpy as np\n" + source[start:end]
    runner = ("import sys, tapeflow; sys.modules['tensorflow'] = tapeflow; "
              "exec(compile(sys.argv[1], 'seed-blocks', 'exec'), {'__name__': '__main__'})")
    run = subprocess.run([sys.executable, "-c", runner, blocks], capture_output=True, text=True, timeout=300)
    want = [line for line in (SEED / "expected_stderr.txt").read_text().splitlines() if line.strip()]
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == want[2:4]
