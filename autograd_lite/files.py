"""Writing files so that nothing is lost: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable


def _refuse_non_regular(path: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"cannot write {path!r}: it is a folder; give the path of a file (inside it, say)")
    kind = ("a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a named pipe" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise ValueError(f"cannot write {path!r}: it is {kind}, which a file written here would replace; "
                     "give the path of a regular file")


def _naming(error: OSError, path: str) -> OSError:
    """The same error about ``path``, not about the temporary file beside it."""
    if error.errno is None:
        return type(error)(f"cannot write {path!r}: {error}")
    return OSError(error.errno, error.strerror or os.strerror(error.errno), path)  # the subclass follows errno


def write_atomically(path: str | os.PathLike, write: Callable[[str], None]) -> str:
    """Call ``write(tmp)`` on a temporary file beside ``path``, flush it to disk, then rename it
    over ``path`` (an atomic step) and sync the folder, so that the new name survives a crash.
    On any error the temporary file is removed and ``path`` is left as it was. Returns ``path``.

    * ``path`` is a regular file or nothing yet: a folder (IsADirectoryError), a device, a pipe
      or a socket (ValueError) is refused, never replaced;
    * a symbolic link is followed: the file it points to is replaced, the link stays;
    * a file that exists keeps its permission bits (and, where allowed, its owner); a new one
      gets the usual 0666 less the umask;
    * an OSError names ``path``, never the temporary file.

    >>> write_atomically("notes.txt", lambda tmp: open(tmp, "w").write("hello"))
    'notes.txt'
    """
    path = os.fspath(path)
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise IsADirectoryError(f"cannot write {path!r}: it names a folder; give the path of a file")
    target = os.path.realpath(path)  # through any symbolic links: replace the file, keep the link
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as e:  # a loop of links, a path through a file...
        raise _naming(e, path) from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _refuse_non_regular(path, existing.st_mode)
    directory = os.path.dirname(target)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(target)[1], dir=directory)
    except OSError as e:
        raise _naming(e, path) from None
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if existing is not None:
            os.chmod(tmp, stat.S_IMODE(existing.st_mode))
            if hasattr(os, "chown") and (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.chown(tmp, existing.st_uid, existing.st_gid)
                except PermissionError:  # only root may give a file away: the new file is ours
                    pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it private (0600)
        os.replace(tmp, target)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _naming(e, path) from None
        raise
    try:
        _sync_folder(directory)
    except OSError as e:
        raise _naming(e, path) from None
    return path


def _sync_folder(directory: str) -> None:
    """fsync the folder, which holds the new name (POSIX; elsewhere the rename is all we can do)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot sync a folder
            raise
    finally:
        os.close(fd)
