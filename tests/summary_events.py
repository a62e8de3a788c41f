"""Reading event files back for the tf.summary tests, with tapeflow's own record reader and decoder."""

import glob
import os

import numpy as np

from tapeflow.data.tfrecord import read_records
from tapeflow.summary.messages import EVENT, SUMMARY_METADATA
from tapeflow.train.proto import decode

_NUMPY = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 10: np.bool_}


def event_files(logdir):
    return sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*")))


def events(logdir):
    """Every event of the one event file in `logdir`, decoded to dicts."""
    (path,) = event_files(logdir)
    return [decode(EVENT, record) for record in read_records(path, "")]


def values(logdir):
    """(step, tag, plugin, value as a NumPy array) of every summary in `logdir`, in file order."""
    out = []
    for event in events(logdir)[1:]:
        for value in event.get("summary", {}).get("value", []):
            tensor = value["tensor"]
            shape = [d["size"] for d in tensor.get("tensor_shape", {}).get("dim", [])]
            if tensor["dtype"] == 7:
                array = np.array(tensor["string_val"], object).reshape(shape)
            else:
                array = np.frombuffer(tensor["tensor_content"], _NUMPY[tensor["dtype"]]).reshape(shape)
            plugin = decode(SUMMARY_METADATA, value.get("metadata", b"")).get("plugin_data", {})
            out.append((event.get("step", 0), value["tag"].decode(), plugin.get("plugin_name", b"").decode(),
                        array))
    return out
