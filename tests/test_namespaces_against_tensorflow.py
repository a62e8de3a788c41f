"""docs/compatibility.md lists every public name of TensorFlow's core namespaces that tapeflow lacks
(and no name that tapeflow has): checked against TensorFlow 2.21 when it is installed."""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
real_tf = pytest.importorskip("tensorflow")

import tapeflow  # noqa: E402

NAMESPACES = ["", "math", "nn", "linalg", "random", "dtypes", "debugging", "config", "autodiff", "test",
              "nest", "sparse", "types.experimental", "errors", "bitwise"]
SECTION = "## Names TensorFlow has that tapeflow does not (yet)"


def listed() -> dict[str, set[str]]:
    """The names the section lists, by namespace (`tf.math` -> "math"; `tf` -> "")."""
    text = Path(__file__).parents[1].joinpath("docs", "compatibility.md").read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    names: dict[str, set[str]] = {}
    for bullet in re.split(r"\n- ", section)[1:]:
        namespace, *rest = re.findall(r"`([^`]+)`", bullet)
        names.setdefault(namespace.removeprefix("tf").removeprefix("."), set()).update(rest)
    return names


def resolve(module, path: str):
    for part in filter(None, path.split(".")):
        module = getattr(module, part)
    return module


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_the_list_of_missing_names_is_complete_and_true(namespace):
    theirs = {name for name in dir(resolve(real_tf, namespace)) if not name.startswith("_")}
    ours = resolve(tapeflow, namespace)
    missing = {name for name in theirs if not hasattr(ours, name)}
    documented = listed().get(namespace, set())
    label = f"tf.{namespace}" if namespace else "tf"
    unlisted, present = sorted(missing - documented), sorted(documented - missing)
    assert not unlisted, f"{label}: missing, but not in docs/compatibility.md: {unlisted}"
    assert not present, f"{label}: listed as missing, but present: {present}"
