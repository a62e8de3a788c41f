"""`tf.io.gfile`: files and folders through TensorFlow's names, on the local file system (TensorFlow's
other file systems — gs://, hdfs:// — are not reachable from NumPy). Missing files raise TensorFlow's
NotFoundError, existing ones where they must not exist AlreadyExistsError."""

from __future__ import annotations

import glob as _glob
import os
import shutil
from collections.abc import Iterator
from typing import IO, Any

from tapeflow.core import errors

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "remove", "rename",
           "rmtree", "walk"]


def _path(path: Any) -> str:
    return os.fspath(path.decode() if isinstance(path, bytes) else path)


def _not_found(path: str) -> errors.OpError:
    return errors.NotFoundError(None, None, f"{path}; No such file or directory")


class GFile:
    """`tf.io.gfile.GFile`: a file object (text for "r"/"w", bytes for "rb"/"wb"), opened on first use."""

    def __init__(self, name: Any, mode: str = "r"):
        self.name, self.mode = _path(name), mode
        self._file: IO | None = None

    def _handle(self) -> IO:
        if self._file is None:
            try:
                self._file = open(self.name, self.mode, **({} if "b" in self.mode else {"encoding": "utf-8"}))  # noqa: SIM115
            except FileNotFoundError:
                raise _not_found(self.name) from None
        return self._file

    def read(self, n: int = -1) -> Any:
        return self._handle().read(n)

    def readline(self) -> Any:
        return self._handle().readline()

    def readlines(self) -> list:
        return self._handle().readlines()

    def write(self, data: Any) -> None:
        self._handle().write(data)

    def flush(self) -> None:
        self._handle().flush()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle().seek(offset, whence)

    def tell(self) -> int:
        return self._handle().tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __iter__(self) -> Iterator:
        return iter(self._handle())

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def exists(path: Any) -> bool:
    return os.path.exists(_path(path))


def isdir(path: Any) -> bool:
    return os.path.isdir(_path(path))


def glob(pattern: Any) -> list[str]:
    return sorted(_glob.glob(_path(pattern)))


def listdir(path: Any) -> list[str]:
    try:
        return os.listdir(_path(path))
    except FileNotFoundError:
        raise _not_found(_path(path)) from None


def makedirs(path: Any) -> None:
    os.makedirs(_path(path), exist_ok=True)


def mkdir(path: Any) -> None:
    try:
        os.mkdir(_path(path))
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{_path(path)}; File exists") from None
    except FileNotFoundError:
        raise _not_found(_path(path)) from None


def remove(path: Any) -> None:
    try:
        os.remove(_path(path))
    except FileNotFoundError:
        raise _not_found(_path(path)) from None


def rmtree(path: Any) -> None:
    try:
        shutil.rmtree(_path(path))
    except FileNotFoundError:
        raise _not_found(_path(path)) from None


def _check_target(target: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(target):
        raise errors.AlreadyExistsError(None, None, f"file already exists: {target}")


def rename(src: Any, dst: Any, overwrite: bool = False) -> None:
    _check_target(_path(dst), overwrite)
    try:
        os.replace(_path(src), _path(dst))
    except FileNotFoundError:
        raise _not_found(_path(src)) from None


def copy(src: Any, dst: Any, overwrite: bool = False) -> None:
    _check_target(_path(dst), overwrite)
    try:
        shutil.copyfile(_path(src), _path(dst))
    except FileNotFoundError:
        raise _not_found(_path(src)) from None


def walk(top: Any, topdown: bool = True, onerror: Any = None) -> Iterator[tuple]:
    return os.walk(_path(top), topdown=topdown, onerror=onerror)
