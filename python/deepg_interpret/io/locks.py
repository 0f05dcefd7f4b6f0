"""The lock of a file set, and the clean-up after writers that were killed.

Two runs writing the same outputs must not interleave: :func:`output_lock` (and
:func:`~deepg_interpret.io.file_sets.write_file_set`, which takes it) holds an exclusive
lock next to the set's first file, ``.<first name>.lock``; a second run waits up to
``lock_timeout`` seconds, then raises :class:`~deepg_interpret.errors.OutputBusyError`.
The lock file keeps a JSON record of its last writer (pid, host, run id, state and the
temporary files it made), so the next writer can remove what a killed one left behind;
:func:`clean_stale_temps` also removes temporary files nobody has touched for a while.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputBusyError
from .files import now_iso, tmp_pattern

try:  # POSIX: advisory locks that the kernel releases when the holder dies
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows: O_CREAT | O_EXCL lock files with a pid
    _fcntl = None


#: Default age (seconds since last modification) after which a temporary file nobody
#: holds is considered left by a killed run and removed.
STALE_AFTER = 300.0

#: Default seconds a second writer of the same file set waits for the first one.
LOCK_TIMEOUT = 600.0


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:  # pragma: no cover - e.g. Windows quirks: assume alive, stay safe
        return True
    return True


# --------------------------------------------------------------------------- stale temps
def clean_stale_temps(paths, *, older_than: float = STALE_AFTER) -> list[Path]:
    """Remove temporary files a killed writer left beside ``paths``; return what was removed.

    Only names made by :func:`~deepg_interpret.io.files.atomic_write` /
    :func:`~deepg_interpret.io.file_sets.write_file_set` for exactly these
    destinations are considered (``.<name>.<12 hex>.tmp``, optionally followed by the
    real suffix), and only those not modified for ``older_than`` seconds: a writer that
    is alive keeps touching its file. ``write_file_set`` calls this while holding
    the set's lock, and also removes at once the temporary files recorded in the lock
    file by an earlier writer that has died.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> old = d / ".result.parquet.0123456789ab.tmp"
    >>> _ = old.write_text("half")
    >>> os.utime(old, (0, 0))
    >>> [p.name for p in clean_stale_temps([d / "result.parquet"])]
    ['.result.parquet.0123456789ab.tmp']
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    by_folder: dict[Path, list[re.Pattern]] = {}
    for p in paths:
        p = Path(p)
        by_folder.setdefault(p.parent, []).append(tmp_pattern(p.name))
    now = time.time()
    removed = []
    for folder, patterns in by_folder.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not any(pat.fullmatch(entry.name) for pat in patterns):
                continue
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < older_than:
                    continue
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


# --------------------------------------------------------------------------- lock
def lock_path_for(path) -> Path:
    """The lock file guarding the file set whose first file is ``path``: ``.<name>.lock``."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


class SetLock:
    """Exclusive lock on ``.<first name>.lock``, holding a JSON record of its writer.

    POSIX: ``flock`` on the lock file, which the kernel releases when the holder exits
    or is killed (the file stays, with the last writer's record). ``flock`` locks belong
    to an open file, so two threads of one process exclude each other too. Elsewhere
    (no ``fcntl``): the file is created with ``O_CREAT | O_EXCL`` and removed on
    release; a lock file whose pid is dead on this host (or that stayed empty for
    ``stale_after`` seconds) is stale and taken over.
    """

    def __init__(self, target: Path, timeout: float | None, *, stale_after: float = STALE_AFTER,
                 poll: float = 0.05):
        self.target = target
        self.path = lock_path_for(target)
        self.timeout = timeout
        self.stale_after = stale_after
        self.poll = poll
        self.fd: int | None = None
        self.writable = False
        self.previous: dict = {}

    # -- record
    def _read_record(self, path: Path | None = None) -> dict:
        try:
            if path is None and self.fd is not None:
                with open(os.dup(self.fd), "rb") as fh:
                    fh.seek(0)
                    raw = fh.read()
            else:
                raw = (path or self.path).read_bytes()
            record = json.loads(raw.decode("utf-8") or "{}")
            return record if isinstance(record, dict) else {}
        except (OSError, ValueError):
            return {}

    def write_record(self, record: dict) -> None:
        if self.fd is None or not self.writable:
            return
        data = json.dumps(record, indent=1).encode("utf-8")
        with contextlib.suppress(OSError):
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.ftruncate(self.fd, 0)
            os.write(self.fd, data)

    def _busy_error(self, waited: float) -> OutputBusyError:
        rec = self._read_record(self.path)
        who = ""
        if rec.get("pid"):
            who = f" (pid {rec['pid']} on {rec.get('host', '?')}, since {rec.get('started', '?')})"
        return OutputBusyError(
            f"Another deepg-interpret run{who} is writing {str(self.target)!r}; waited "
            f"{waited:.0f} s (lock_timeout). Wait for it to finish or choose another output "
            f"path (--out)."
        )

    # -- acquire / release
    def acquire(self) -> None:
        start = time.monotonic()
        while True:
            if self._try_flock() if _fcntl is not None else self._try_excl():
                return
            waited = time.monotonic() - start
            if self.timeout is not None and waited >= self.timeout:
                if self.fd is not None:
                    os.close(self.fd)
                    self.fd = None
                raise self._busy_error(waited)
            time.sleep(self.poll)

    def _try_flock(self) -> bool:
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
                self.writable = True
            except PermissionError:  # someone else's lock file: flock works read-only
                self.fd = os.open(self.path, os.O_RDONLY)
        try:
            _fcntl.flock(self.fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.previous = self._read_record()
        return True

    def _try_excl(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            rec = self._read_record(self.path)
            pid = rec.get("pid")
            if isinstance(pid, int):
                stale = rec.get("host") == socket.gethostname() and not _pid_alive(pid)
            else:  # a writer died between creating and filling the file
                try:
                    stale = time.time() - self.path.stat().st_mtime > self.stale_after
                except OSError:
                    stale = False
            if not stale:
                return False
            grave = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex[:12]}.stale")
            try:  # rename, so that only one waiting run takes the stale lock over
                os.replace(self.path, grave)
            except OSError:
                return False
            taken = self._read_record(grave)
            if (taken.get("pid"), taken.get("started")) != (rec.get("pid"), rec.get("started")):
                # another waiter took the stale lock over first: put its lock back
                with contextlib.suppress(OSError):
                    os.link(grave, self.path)
                with contextlib.suppress(OSError):
                    os.unlink(grave)
                return False
            with contextlib.suppress(OSError):
                os.unlink(grave)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                return False
            self.previous = rec
        else:
            self.previous = {}
        self.fd, self.writable = fd, True
        self.write_record({"pid": os.getpid(), "host": socket.gethostname(),
                           "started": now_iso(), "state": "locked"})
        return True

    def release(self, record: dict | None = None) -> None:
        if self.fd is None:
            return
        if _fcntl is not None:
            if record is not None:
                self.write_record(record)
            with contextlib.suppress(OSError):
                _fcntl.flock(self.fd, _fcntl.LOCK_UN)
            os.close(self.fd)
        else:
            os.close(self.fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.fd = None


@contextlib.contextmanager
def output_lock(path, *, lock_timeout: float | None = LOCK_TIMEOUT) -> Iterator[dict]:
    """Hold the exclusive lock of the file set whose first file is ``path``.

    Yields the record left in the lock file by the previous writer (``pid``, ``host``,
    ``run_id``, ``started``, ``state``, ``temps``), empty if there was none. Raises
    :class:`~deepg_interpret.errors.OutputBusyError` (an ``InputError``) if another
    process (or thread) holds the lock for longer than ``lock_timeout`` seconds
    (``None``: wait forever, ``0``: do not wait).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "result.parquet"
    >>> with output_lock(out, lock_timeout=0):
    ...     lock_path_for(out).name
    '.result.parquet.lock'
    """
    lock = SetLock(Path(path), lock_timeout)
    lock.acquire()
    try:
        yield lock.previous
    finally:
        lock.release()


__all__ = ["LOCK_TIMEOUT", "STALE_AFTER", "clean_stale_temps", "lock_path_for", "output_lock"]
