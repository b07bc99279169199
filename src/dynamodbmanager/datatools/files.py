"""The files export and import write: private (0600), created exclusively, never written through a link.

A file is written under a temporary name in its target's folder, synced to disk, then renamed over the target
with :func:`os.replace`. A symbolic link planted at either name (in a shared folder, say) is never followed:
creation refuses an existing name, and a rename replaces a link, not the file it points at.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO

#: Owner read and write only: an export holds a table's data, a checkpoint says what an import did.
PRIVATE_MODE = 0o600
#: A new file only (``O_EXCL``), and not through a link at its name (``O_NOFOLLOW``).
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def create_private(path: Path) -> IO[str]:
    """A new, empty 0600 text file at ``path``; whatever held the name (a stale file, a link) is unlinked first.

    Should another process put something at the name in between, the creation fails rather than use it.
    """
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    descriptor = os.open(path, _CREATE_FLAGS, PRIVATE_MODE)
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")


def publish(stream: IO[str], temporary: Path, target: Path) -> None:
    """Sync and close ``stream`` (the file at ``temporary``), then rename it to ``target`` in one step."""
    try:
        stream.flush()
        os.fsync(stream.fileno())
    finally:
        stream.close()
    os.replace(temporary, target)
    _sync_folder(target.parent)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with a 0600 file holding ``text``, atomically, through a fresh temporary file beside it."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` survive a crash; where a folder cannot be opened or synced, leave it be."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
