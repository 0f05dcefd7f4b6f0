"""Atomic file writes: a result appears whole or not at all.

Every writer in the package (tables, figures, synthetic data, bundled models) goes
through :func:`atomic_write` (one file) or :func:`write_file_set` (several files that
belong together, such as the three tables of ``deepg-interpret ig --out result.parquet``),
so an interrupted job never leaves half a file and an existing result is replaced only
once its successor is complete.

A *file set* is committed as one:

1. every destination is checked up front (:func:`check_output_paths`);
2. an exclusive lock next to the first file (``.<first name>.lock``) keeps two runs
   writing the same set from interleaving; a second run waits up to ``lock_timeout``;
3. temporary files a killed run left beside the destinations are removed;
4. every file is written to a temporary file beside its destination
   (``.<name>.<12 hex>.tmp``); if any writer fails, every temporary file is removed and
   the previous set is untouched;
5. the old manifest is withdrawn, the temporary files are renamed onto their
   destinations (rolled back from hard-link backups if a rename fails), and the new
   manifest ``<first file>.manifest.json`` is renamed into place last.

The manifest holds a run id and the size and SHA-256 of every file, so a reader can
tell the files belong together (:func:`check_file_set`): a set whose manifest is
missing or does not match its files is incomplete (a run was killed while renaming)
or was mixed by hand.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import os
import re
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import ArgumentTypeError, InputError

try:  # POSIX: advisory locks that the kernel releases when the holder dies
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows: O_CREAT | O_EXCL lock files with a pid
    _fcntl = None

#: Table suffixes (lower case) and the format each one means; see :func:`table_format`.
TABLE_SUFFIXES: dict[str, str] = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".tsv.gz": "tsv",
    ".txt": "tsv",
}

#: Default age (seconds since last modification) after which a temporary file nobody
#: holds is considered left by a killed run and removed.
STALE_AFTER = 300.0

#: Default seconds a second writer of the same file set waits for the first one.
LOCK_TIMEOUT = 600.0

MANIFEST_SUFFIX = ".manifest.json"
_MANIFEST_FORMAT = "deepg-interpret file set"
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


# --------------------------------------------------------------------------- helpers
def _tmp_name(path: Path, keep_suffix: bool = False) -> Path:
    """``.<name>.<12 hex>.tmp`` beside ``path`` (plus the real suffix if asked)."""
    return path.with_name(
        f".{path.name}.{uuid.uuid4().hex[:12]}.tmp" + (path.suffix if keep_suffix else "")
    )


def _tmp_pattern(name: str) -> re.Pattern:
    """Temporary names :func:`atomic_write` / :func:`write_file_set` make for ``name``."""
    return re.compile(re.escape(f".{name}.") + r"[0-9a-f]{12}\.tmp(?:\.[A-Za-z0-9]{1,10})?")


def _write_error(err: OSError, path: Path) -> InputError | None:
    """A clear InputError for a full disk or a folder that refuses writes, else None."""
    if err.errno in _DISK_FULL:
        return InputError(
            f"The disk holding {str(path.parent)!r} is full (writing {path.name!r}: "
            f"{err.strerror or err}); free some space or choose another output folder "
            "(--out), then run again. Any earlier result there is untouched."
        )
    if err.errno in _NOT_WRITABLE:
        return InputError(
            f"Cannot write {str(path)!r}: {err.strerror or err}; choose an output folder "
            "you can write to (--out) or fix its permissions."
        )
    return None


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


def _package_version() -> str | None:
    try:
        from .. import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return None


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _as_path(value: Any, arg: str) -> Path:
    if isinstance(value, (str, os.PathLike)) and str(value) != "":
        return Path(value)
    raise ArgumentTypeError(
        f"`{arg}` must be a file path (str or pathlib.Path), got {value!r}; pass e.g. "
        "'result.parquet'."
    )


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk where the OS allows it."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- single files
def atomic_write(path, write: Callable[[Path], None], *, keep_suffix: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    The temporary name starts with ``.`` and ends in ``.tmp`` so tools scanning the
    folder (deepG looks for ``*.fasta``) never pick it up; ``keep_suffix=True`` appends
    the real suffix for writers that choose the format from it (Keras ``.h5``).
    A plain ``open`` (not ``mkstemp``) keeps the usual umask permissions. A full disk
    (``ENOSPC``) or a folder that refuses writes raises :class:`InputError` naming the
    path (the original ``OSError`` is its ``__cause__``).

    Examples
    --------
    >>> import tempfile
    >>> p = atomic_write(Path(tempfile.mkdtemp()) / "a.txt", lambda t: t.write_text("hi"))
    >>> p.read_text()
    'hi'
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        clear = _write_error(err, path)
        if clear is not None:
            raise clear from err
        raise
    tmp = _tmp_name(path, keep_suffix)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            clear = _write_error(err, path)
            if clear is not None:
                raise clear from err
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text))


# --------------------------------------------------------------------------- up-front checks
def table_format(path) -> str:
    """The table format a path's suffix asks for: ``"parquet"``, ``"csv"`` or ``"tsv"``.

    Suffixes are matched case-insensitively: ``.parquet``; ``.csv`` and ``.csv.gz``;
    ``.tsv``, ``.tsv.gz`` and ``.txt`` (tab-separated). A ``.gz`` ending means gzip.

    Raises
    ------
    InputError
        Any other suffix, naming the path and the suffixes that work.

    Examples
    --------
    >>> table_format("out/result.per_locus.tsv.gz")
    'tsv'
    >>> table_format("RESULT.PARQUET")
    'parquet'
    """
    name = _as_path(path, "path").name.lower()
    for suffix in sorted(TABLE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return TABLE_SUFFIXES[suffix]
    raise InputError(
        f"Cannot tell the table format of {str(path)!r}; end it in .parquet, .csv or .tsv "
        "(.csv.gz, .tsv.gz and .txt work too), e.g. --out result.parquet."
    )


def _nearest_existing(folder: Path) -> Path:
    """``folder`` or its closest ancestor that exists (as anything)."""
    probe = folder
    while not os.path.lexists(probe):
        if probe.parent == probe:
            break
        probe = probe.parent
    return probe


def _probe_writable(folder: Path, dest: Path) -> None:
    """Create and remove a file in ``folder``; raise InputError if that fails."""
    try:
        fd, name = tempfile.mkstemp(prefix=".deepg-interpret-probe-", suffix=".tmp", dir=folder)
    except OSError as err:
        missing = "" if dest.parent == folder else f" (it would create {str(dest.parent)!r})"
        raise InputError(
            f"Cannot write {str(dest)!r}: the folder {str(folder)!r} is not writable"
            f"{missing} ({err.strerror or err}); choose an output folder you can write to "
            "(--out) or fix its permissions."
        ) from err
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)


def check_output_paths(
    paths, *, tables: bool = False, required_bytes: int | None = None
) -> list[Path]:
    """Check output paths up front, before hours of computation, and return them.

    For every path: it must not be an existing folder; its parent must be a folder
    (not a file) that exists and is writable, or could be created inside the nearest
    existing folder, which must be writable (checked by creating and removing a probe
    file, so it also works as root and on read-only mounts). Paths must be distinct.
    Nothing is created.

    Parameters
    ----------
    paths : str, path-like or iterable of them
        Output files.
    tables : bool
        Also require a table suffix (see :func:`table_format`). Default is False.
    required_bytes : int, optional
        Also require this many free bytes on the disk of each output folder
        (``shutil.disk_usage``). Default is None (not checked; a full disk during the
        write still raises a clear :class:`InputError`).

    Returns
    -------
    list of pathlib.Path
        The paths, in the order given.

    Raises
    ------
    InputError
        Naming the path, the problem and what to do.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "run1" / "result.parquet"
    >>> [p.name for p in check_output_paths([out], tables=True)]
    ['result.parquet']
    >>> check_output_paths([out.with_suffix(".xlsx")], tables=True)
    Traceback (most recent call last):
    ...
    deepg_interpret.errors.InputError: Cannot tell the table format of ...
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(paths, Iterable):
        raise ArgumentTypeError(
            f"`paths` must be a path or a list of paths, got {type(paths).__name__}."
        )
    out = [_as_path(p, "paths") for p in paths]
    seen: dict[str, Path] = {}
    probed: set[Path] = set()
    for path in out:
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise InputError(
                f"Output {str(path)!r} is given twice (also as {str(seen[key])!r}); give each "
                "output its own file name."
            )
        seen[key] = path
        if tables:
            table_format(path)
        if path.is_dir():
            raise InputError(
                f"Output {str(path)!r} is an existing folder; give a file name inside it, "
                f"e.g. {str(path / 'result.parquet')!r}."
            )
        parent = path.parent if str(path.parent) else Path(".")
        existing = _nearest_existing(parent)
        if not existing.is_dir():
            raise InputError(
                f"Cannot write {str(path)!r}: {str(existing)!r} is a file, not a folder; "
                "choose another output path (--out)."
            )
        if existing not in probed:
            _probe_writable(existing, path)
            probed.add(existing)
        if required_bytes is not None:
            import shutil

            free = shutil.disk_usage(existing).free
            if free < int(required_bytes):
                raise InputError(
                    f"The disk holding {str(existing)!r} has {free / 1e9:.2f} GB free but about "
                    f"{int(required_bytes) / 1e9:.2f} GB are needed for {str(path)!r}; free "
                    "some space or choose another output folder (--out)."
                )
    return out


# --------------------------------------------------------------------------- stale temps
def clean_stale_temps(paths, *, older_than: float = STALE_AFTER) -> list[Path]:
    """Remove temporary files a killed writer left beside ``paths``; return what was removed.

    Only names made by :func:`atomic_write` / :func:`write_file_set` for exactly these
    destinations are considered (``.<name>.<12 hex>.tmp``, optionally followed by the
    real suffix), and only those not modified for ``older_than`` seconds: a writer that
    is alive keeps touching its file. :func:`write_file_set` calls this while holding
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
        by_folder.setdefault(p.parent, []).append(_tmp_pattern(p.name))
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


class _SetLock:
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

    def _busy_error(self, waited: float) -> InputError:
        rec = self._read_record(self.path)
        who = ""
        if rec.get("pid"):
            who = f" (pid {rec['pid']} on {rec.get('host', '?')}, since {rec.get('started', '?')})"
        return InputError(
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
                           "started": _now_iso(), "state": "locked"})
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
    :class:`InputError` if another process (or thread) holds the lock for longer than
    ``lock_timeout`` seconds (``None``: wait forever, ``0``: do not wait).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "result.parquet"
    >>> with output_lock(out, lock_timeout=0):
    ...     lock_path_for(out).name
    '.result.parquet.lock'
    """
    lock = _SetLock(Path(path), lock_timeout)
    lock.acquire()
    try:
        yield lock.previous
    finally:
        lock.release()


# --------------------------------------------------------------------------- file sets
class FileSet(NamedTuple):
    """What :func:`write_file_set` committed."""

    run_id: str
    paths: tuple[Path, ...]
    manifest: Path | None


def manifest_path_for(path) -> Path:
    """The manifest of the file set whose first file is ``path``: ``<name>.manifest.json``."""
    path = Path(path)
    return path.with_name(path.name + MANIFEST_SUFFIX)


def new_run_id() -> str:
    """A fresh run id (32 hex digits) to pass to :func:`write_file_set` and store in tables."""
    return uuid.uuid4().hex


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _rel(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path.absolute())


def write_file_set(
    files: Mapping[Any, Callable[[Path], None]],
    *,
    lock_timeout: float | None = LOCK_TIMEOUT,
    manifest: bool = True,
    run_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    checksums: bool = True,
    keep_suffix: bool = False,
    stale_after: float = STALE_AFTER,
) -> FileSet:
    """Write several output files as one set: all of them appear, or none changes.

    Parameters
    ----------
    files : mapping of path -> callable
        Destination -> ``write(tmp)``, a function that writes the content to the
        temporary path ``tmp`` it is given (like :func:`atomic_write`). The first
        destination names the set: its lock file ``.<name>.lock`` and its manifest
        ``<name>.manifest.json`` lie beside it. Writers run in the order given.
    lock_timeout : float or None
        Seconds to wait while another run (process or thread) writes the same set, then
        raise :class:`InputError`. ``None`` waits forever, ``0`` fails at once.
        Default is 600.
    manifest : bool
        Write the manifest (last, as the commit mark). Default is True.
    run_id : str, optional
        The run id stored in the manifest; pass the one you stored in the tables'
        metadata (:func:`new_run_id`). Default is None (a fresh one).
    metadata : mapping, optional
        Extra JSON-serialisable entries for the manifest (command, settings).
    checksums : bool
        Store each file's SHA-256 in the manifest (sizes are always stored).
        Default is True.
    keep_suffix : bool
        Give the temporary files the real suffix too, for writers that choose the
        format from it (``.parquet`` / ``.gz``). Default is False.
    stale_after : float
        Temporary files of these destinations older than this many seconds are
        removed as left by a killed run. Default is 300.

    Returns
    -------
    FileSet
        ``run_id``, ``paths`` (as given) and ``manifest`` (or None).

    Raises
    ------
    InputError
        A destination is unusable (see :func:`check_output_paths`), another run holds
        the set's lock past ``lock_timeout``, or the disk is full / refuses writes.
        Whatever a writer raises otherwise is re-raised unchanged. In every failure
        the temporary files are removed and the previous set is left as it was.

    Notes
    -----
    The manifest is JSON: ``format``, ``version``, ``run_id``, ``created`` (UTC),
    ``package_version``, ``pid``, ``host``, ``metadata`` and ``files`` (``path``
    relative to the manifest's folder, ``bytes``, ``sha256``). During the commit
    the old manifest is withdrawn first and the new one is renamed in last, so a
    reader that finds the manifest and :func:`check_file_set` passing has one whole
    set. Renames are rolled back from hard-link backups if one fails; only a
    process killed in the middle of the (milliseconds long) rename phase can leave a
    mixed set, and then without a manifest. Locks are advisory ``flock`` locks:
    they hold between processes and threads on one machine and on local disks.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> done = write_file_set({
    ...     d / "result.csv": lambda tmp: tmp.write_text("seq_id,score\\n"),
    ...     d / "result.summary.csv": lambda tmp: tmp.write_text("seq_id,delta\\n"),
    ... })
    >>> sorted(p.name for p in d.iterdir())
    ['.result.csv.lock', 'result.csv', 'result.csv.manifest.json', 'result.summary.csv']
    >>> check_file_set(d / "result.csv")["run_id"] == done.run_id
    True
    """
    if not isinstance(files, Mapping):
        raise ArgumentTypeError(
            f"`files` must be a dict of output path -> write(tmp) function, got "
            f"{type(files).__name__}."
        )
    if not files:
        raise InputError("`files` is empty; give at least one output path -> write(tmp) function.")
    dests: list[Path] = []
    writers: list[Callable[[Path], None]] = []
    for key, writer in files.items():
        dest = _as_path(key, "files")
        if not callable(writer):
            raise ArgumentTypeError(
                f"`files[{str(dest)!r}]` must be a function that writes to the temporary "
                f"path it is given, got {type(writer).__name__}."
            )
        dests.append(dest)
        writers.append(writer)
    if lock_timeout is not None and (
        isinstance(lock_timeout, bool)
        or not isinstance(lock_timeout, (int, float))
        or lock_timeout < 0
    ):
        raise InputError(
            f"`lock_timeout` must be a number of seconds >= 0 or None, got {lock_timeout!r}."
        )
    first = dests[0]
    manifest_dest = manifest_path_for(first) if manifest else None
    check_output_paths(dests + ([manifest_dest] if manifest_dest else []))
    for dest in dests:
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise (_write_error(err, dest) or InputError(
                f"Cannot create the folder {str(dest.parent)!r} for {str(dest)!r}: {err}; "
                "choose another output path (--out)."
            )) from err

    run_id = run_id or new_run_id()
    lock = _SetLock(first, lock_timeout, stale_after=stale_after)
    lock.acquire()
    everything = dests + ([manifest_dest] if manifest_dest else [])
    # Every temporary name is chosen now and recorded in the lock file before any is
    # created, so the next writer can remove them all if this process is killed.
    tmp_of = [_tmp_name(dest, keep_suffix) for dest in dests]
    tmp_manifest = _tmp_name(manifest_dest) if manifest_dest else None
    backup_of = {p: _tmp_name(p) for p in everything}  # hard links of the previous set
    temps: list[Path] = [*tmp_of, *backup_of.values()] + ([tmp_manifest] if tmp_manifest else [])
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "run_id": run_id,
        "started": _now_iso(),
        "state": "writing",
        "temps": [str(t.absolute()) for t in temps],
    }
    try:
        # ---- leftovers of killed runs. We hold the lock, so a writer recorded as still
        # busy has died (flock is released by the kernel; an O_EXCL lock was stale).
        previous = lock.previous
        if previous.get("state") in ("writing", "renaming"):
            for name in previous.get("temps", []):
                with contextlib.suppress(OSError, TypeError):
                    os.unlink(name)
        clean_stale_temps(everything, older_than=stale_after)
        lock.write_record(record)

        # ---- write every file to its temporary file
        for dest, tmp, writer in zip(dests, tmp_of, writers):
            try:
                writer(tmp)
            except OSError as err:
                clear = _write_error(err, dest)
                if clear is not None:
                    raise clear from err
                raise
            if not tmp.exists():
                raise InputError(
                    f"The writer for {str(dest)!r} did not create the temporary file it was "
                    f"given ({tmp.name!r}); it must write to the path passed to it."
                )

        # ---- manifest content, from the finished temporary files
        if manifest_dest is not None:
            entries = []
            for dest, tmp in zip(dests, tmp_of):
                entry: dict[str, Any] = {
                    "path": _rel(dest, manifest_dest.parent),
                    "bytes": tmp.stat().st_size,
                }
                if checksums:
                    entry["sha256"] = _sha256(tmp)
                entries.append(entry)
            body = {
                "format": _MANIFEST_FORMAT,
                "version": 1,
                "run_id": run_id,
                "created": _now_iso(),
                "package_version": _package_version(),
                "pid": record["pid"],
                "host": record["host"],
                "metadata": dict(metadata or {}),
                "files": entries,
            }
            try:
                tmp_manifest.write_text(
                    json.dumps(body, indent=1, default=str) + "\n", encoding="utf-8"
                )
            except OSError as err:
                raise (_write_error(err, manifest_dest) or err) from err

        # ---- commit: withdraw the old manifest, rename the files, manifest last
        record["state"] = "renaming"
        lock.write_record(record)
        _commit(dests, tmp_of, manifest_dest, tmp_manifest, backup_of)
    except BaseException:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        lock.release(dict(record, state="failed", temps=[]))
        raise
    for folder in {d.parent for d in everything}:
        _fsync_dir(folder)
    lock.release(dict(record, state="done", temps=[], finished=_now_iso()))
    return FileSet(run_id, tuple(dests), manifest_dest)


def _commit(dests, tmp_of, manifest_dest, tmp_manifest, backup_of) -> None:
    """Rename temporary files onto destinations; roll back everything on failure.

    Existing destinations are first hard-linked to their backup names (free, and the
    destination never disappears); where the file system has no hard links the commit
    goes on without roll-back.
    """
    backups: dict[Path, Path | None] = {}
    for path, backup in backup_of.items():
        backups[path] = None
        if path.exists():
            with contextlib.suppress(OSError):
                os.link(path, backup)
                backups[path] = backup
    done: list[Path] = []
    withdrawn = False
    current = dests[0]
    try:
        if manifest_dest is not None and manifest_dest.exists():
            current = manifest_dest
            os.unlink(manifest_dest)
            withdrawn = True
        for dest, tmp in zip(dests, tmp_of):
            current = dest
            os.replace(tmp, dest)
            done.append(dest)
        if manifest_dest is not None:
            current = manifest_dest
            os.replace(tmp_manifest, manifest_dest)
    except BaseException as err:
        for dest in reversed(done):  # put the previous files back
            with contextlib.suppress(OSError):
                if backups[dest] is not None:
                    os.replace(backups[dest], dest)
                else:
                    os.unlink(dest)
        if withdrawn and backups.get(manifest_dest) is not None:
            with contextlib.suppress(OSError):
                os.replace(backups[manifest_dest], manifest_dest)
        if isinstance(err, OSError):
            clear = _write_error(err, current)
            if clear is not None:
                raise clear from err
        raise
    for backup in backups.values():
        if backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(backup)


def check_file_set(path, *, checksums: bool = True) -> dict:
    """Check that the files of a set belong together; return its manifest.

    Parameters
    ----------
    path : str or path-like
        The set's first file (e.g. ``result.parquet``) or its manifest
        (``result.parquet.manifest.json``).
    checksums : bool
        Compare SHA-256 digests too (sizes are always compared). Default is True.

    Returns
    -------
    dict
        The manifest (``run_id``, ``created``, ``files``, ...), with ``paths``
        added: the absolute path of each file.

    Raises
    ------
    InputError
        The manifest is missing or unreadable (the set is incomplete: a run was
        killed, or the files were not written by :func:`write_file_set`), or a file is
        missing or differs from what the manifest recorded (mixed runs).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = write_file_set({d / "a.csv": lambda t: t.write_text("x\\n")}, run_id="r1")
    >>> check_file_set(d / "a.csv")["run_id"]
    'r1'
    """
    path = _as_path(path, "path")
    mpath = path if path.name.endswith(MANIFEST_SUFFIX) else manifest_path_for(path)
    try:
        body = json.loads(mpath.read_text("utf-8"))
    except FileNotFoundError as err:
        raise InputError(
            f"{str(path)!r} has no manifest {mpath.name!r}: the set is incomplete (a run "
            "was stopped while writing it) or was not written by deepg-interpret; run it again."
        ) from err
    except (OSError, ValueError) as err:
        raise InputError(f"Cannot read the manifest {str(mpath)!r}: {err}; run again.") from err
    if not isinstance(body, dict) or body.get("format") != _MANIFEST_FORMAT:
        raise InputError(f"{str(mpath)!r} is not a deepg-interpret file-set manifest.")
    paths = []
    for entry in body.get("files", []):
        file = Path(os.path.normpath((mpath.parent / entry["path"]).absolute()))
        paths.append(file)
        try:
            size = file.stat().st_size
        except OSError as err:
            raise InputError(
                f"{str(file)!r}, part of run {body.get('run_id')} ({mpath.name}), is missing; "
                "the set is incomplete; run again."
            ) from err
        if size != entry.get("bytes") or (
            checksums and "sha256" in entry and _sha256(file) != entry["sha256"]
        ):
            raise InputError(
                f"{str(file)!r} is not the file run {body.get('run_id')} wrote ({mpath.name} "
                "records another size or checksum): files of different runs are mixed; "
                "run again or use the files of one run only."
            )
    body["paths"] = paths
    return body


__all__ = [
    "TABLE_SUFFIXES",
    "FileSet",
    "atomic_write",
    "atomic_write_text",
    "check_file_set",
    "check_output_paths",
    "clean_stale_temps",
    "lock_path_for",
    "manifest_path_for",
    "new_run_id",
    "output_lock",
    "table_format",
    "write_file_set",
]
