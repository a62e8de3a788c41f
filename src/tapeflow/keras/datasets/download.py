"""Fetching a dataset file as Keras does (`tf.keras.utils.get_file`): into `~/.keras/datasets` (or
`/tmp/.keras` when the home folder is not writable), checked against its SHA-256 (or MD5) hash, a
cached copy reused when its hash matches, a `.tar.gz` unpacked beside it when asked (`untar`)."""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def _digest(path: str, file_hash: str) -> str:
    algorithm = hashlib.sha256() if len(file_hash) == 64 else hashlib.md5()  # noqa: S324 - Keras's choice
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            algorithm.update(chunk)
    return algorithm.hexdigest()


def _cache_folder(cache_dir: str | None, cache_subdir: str) -> str:
    base = os.path.expanduser(cache_dir) if cache_dir else os.path.join(os.path.expanduser("~"), ".keras")
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             file_hash: str | None = None, cache_subdir: str = "datasets", cache_dir: str | None = None,
             **ignored: Any) -> str:
    """`tf.keras.utils.get_file`: the local path of `origin`'s file, downloaded when not cached."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    folder = _cache_folder(cache_dir, cache_subdir)
    fname = fname or os.path.basename(urllib.parse.urlsplit(origin).path)
    if untar:
        fname = fname.removesuffix(".tar.gz")
        unpacked = os.path.join(folder, fname)
        path = unpacked + ".tar.gz"
    else:
        path = os.path.join(folder, fname)
    if not os.path.exists(path) or (file_hash is not None and _digest(path, file_hash) != file_hash):
        print(f"Downloading data from {origin}")
        try:
            urllib.request.urlretrieve(origin, path)  # noqa: S310 - Keras's URLs (or a test's file://)
        except (urllib.error.URLError, OSError) as e:
            if os.path.exists(path):
                os.remove(path)
            raise Exception(f"URL fetch failure on {origin}: {e}") from e
        if file_hash is not None and _digest(path, file_hash) != file_hash:
            raise ValueError(f"Incomplete or corrupted file detected. The file hash does not match the "
                             f"provided value of {file_hash}.")
    if untar:
        if not os.path.exists(unpacked):
            with tarfile.open(path) as archive:
                archive.extractall(folder, filter="data")
        return unpacked
    return path
