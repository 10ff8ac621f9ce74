"""Writing files safely: whole or not at all, with the user's permissions, and a full disk
said in one line."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreFullError(OSError):
    """The disk (or quota) is full: no run can be written, so the sweep stops."""


FULL = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def disk_full_stops(path: Path) -> Iterator[None]:
    """Turn a full disk or quota while writing `path` into StoreFullError (one line)."""
    try:
        yield
    except OSError as err:
        if err.errno not in FULL and not any(str(os.strerror(e)) in str(err) for e in FULL):
            raise
        raise StoreFullError(
            errno.ENOSPC, f"no space left on the device writing {path}; free some and run again"
        ) from err


def umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Write to a hidden temporary file beside `path`, then rename it into place (atomic on
    POSIX), so a reader never sees a half-written file. The file gets the permissions
    any new file of the user's gets (mkstemp's own are private, 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~umask())
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def create_exclusive(path: Path, text: str) -> bool:
    """Write `path` whole, only if it does not exist (a hard link of a finished temporary
    file: atomic, so two writers cannot both create it); False if it existed."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True
