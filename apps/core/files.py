"""Write and delete files the product generates (chart artifacts) in the default storage.

Names here come from code (`artifact_path`: one set of names per claim of a chart), never from a
user, and storage is configured to overwrite (STORAGES in config.settings.base): a name written
again (a test, a storage that kept a half-written file) is replaced, not renamed.

On the local file system (`make run`, one server) the files are written with one `open` each,
through the storage's own `path()` (which refuses names outside its root), its permissions and
its directory mode and its root's group. `FileSystemStorage.save` does the same with a
`makedirs`, an `flock`, a `chmod` and two `stat`s by path for every file: 0.2 ms of extra work a file,
measured in bench/orchestration.py, where a chart's three files were a quarter of the cost of the
machinery around it. Any other storage (S3 in production) goes through its `save`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Mapping

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils._os import safe_makedirs

logger = logging.getLogger(__name__)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def write_files(files: Mapping[str, bytes], *, storage: Storage = default_storage) -> None:
    """Store each name's bytes under exactly that name. Raises OSError when a write fails."""
    if not isinstance(storage, FileSystemStorage) or not getattr(storage, "_allow_overwrite", False):
        for name, data in files.items():
            saved = storage.save(name, ContentFile(data))
            if saved != name:  # a storage that keeps old files renamed this one: replace the old
                storage.delete(name)
                storage.save(name, ContentFile(data))
                storage.delete(saved)
        return
    root_group: int | None = None
    for name, data in files.items():
        full_path = storage.path(name)
        fd = _open(storage, full_path)
        try:
            if storage.file_permissions_mode is not None:
                os.fchmod(fd, storage.file_permissions_mode)
            if os.name == "posix":  # the root's group, as FileSystemStorage gives its files
                if root_group is None:
                    root_group = os.stat(storage.location).st_gid
                if os.fstat(fd).st_gid != root_group:
                    with contextlib.suppress(PermissionError):
                        os.fchown(fd, -1, root_group)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def delete_files(names: Iterable[str], *, storage: Storage = default_storage) -> None:
    """Delete each name, logging (not raising) a failure: what stays is no longer referenced, and
    the orphan sweep (apps.jobs.housekeeping) removes it later."""
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s; the orphan sweep will", name, exc_info=True)


def _open(storage: FileSystemStorage, full_path: str) -> int:
    try:
        return os.open(full_path, _OPEN_FLAGS, 0o666)
    except FileNotFoundError:  # the first file of its directory
        directory, mode = os.path.dirname(full_path), storage.directory_permissions_mode
        if mode is None:
            os.makedirs(directory, exist_ok=True)
        else:
            safe_makedirs(directory, mode, exist_ok=True)
        return os.open(full_path, _OPEN_FLAGS, 0o666)
