"""Several output files written as one set: all of them appear, or none changes.

A *file set* (such as the three tables of ``deepg-interpret ig --out result.parquet``)
is committed as one by :func:`write_file_set`:

1. every destination is checked up front
   (:func:`~deepg_interpret.io.files.check_output_paths`);
2. an exclusive lock next to the first file (``.<first name>.lock``, see
   :mod:`deepg_interpret.io.locks`) keeps two runs writing the same set from
   interleaving; a second run waits up to ``lock_timeout``;
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
import json
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import ArgumentTypeError, InputError
from .files import as_path, check_output_paths, now_iso, sha256_file, tmp_name, write_error
from .locks import LOCK_TIMEOUT, STALE_AFTER, SetLock, clean_stale_temps

MANIFEST_SUFFIX = ".manifest.json"
_MANIFEST_FORMAT = "deepg-interpret file set"


def _package_version() -> str | None:
    try:
        from ..version import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return None


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk where the OS allows it."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def check_replaceable(paths, *, overwrite: bool = False, flag: str = "--overwrite") -> None:
    """Refuse to replace an existing file that no earlier file set of ours wrote.

    An existing output is replaceable when the manifest of the set whose first file is
    ``paths[0]`` lists it (a rerun of the same command), or when ``overwrite``;
    anything else there (a user's own file, another tool's output) raises
    :class:`InputError` before any work.

    Examples
    --------
    >>> import tempfile
    >>> mine = Path(tempfile.mkdtemp()) / "notes.csv"
    >>> _ = mine.write_text("my own data")
    >>> check_replaceable([mine])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    deepg_interpret.errors.InputError: ...
    """
    paths = [Path(p) for p in paths]
    existing = [p for p in paths if p.exists()]
    if overwrite or not existing:
        return
    listed: set[Path] = set()
    manifest = manifest_path_for(paths[0])
    try:
        body = json.loads(manifest.read_text(encoding="utf-8"))
        if body.get("format") == _MANIFEST_FORMAT:
            listed = {(manifest.parent / e["path"]).resolve() for e in body.get("files", [])}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    foreign = [p for p in existing if p.resolve() not in listed]
    if foreign:
        raise InputError(
            f"{', '.join(repr(str(p)) for p in foreign)} already exist(s) and "
            f"{'was' if len(foreign) == 1 else 'were'} not written by deepg-interpret (no file "
            f"set manifest lists {'it' if len(foreign) == 1 else 'them'}); pass {flag} to "
            "replace, or choose another output path")


def new_run_id() -> str:
    """A fresh run id (32 hex digits) to pass to :func:`write_file_set` and store in tables."""
    return uuid.uuid4().hex


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
        temporary path ``tmp`` it is given (like
        :func:`~deepg_interpret.io.files.atomic_write`). The first destination names
        the set: its lock file ``.<name>.lock`` and its manifest ``<name>.manifest.json``
        lie beside it. Writers run in the order given.
    lock_timeout : float or None
        Seconds to wait while another run (process or thread) writes the same set, then
        raise :class:`~deepg_interpret.errors.OutputBusyError` (an ``InputError``).
        ``None`` waits forever, ``0`` fails at once. Default is 600.
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
        A destination is unusable (see
        :func:`~deepg_interpret.io.files.check_output_paths`), another run holds the
        set's lock past ``lock_timeout`` (:class:`~deepg_interpret.errors.OutputBusyError`,
        a subclass), or the disk is full / refuses writes. Whatever a writer raises
        otherwise is re-raised unchanged. In every failure the temporary files are
        removed and the previous set is left as it was.

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
        dest = as_path(key, "files")
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
            raise (write_error(err, dest) or InputError(
                f"Cannot create the folder {str(dest.parent)!r} for {str(dest)!r}: {err}; "
                "choose another output path (--out)."
            )) from err

    run_id = run_id or new_run_id()
    lock = SetLock(first, lock_timeout, stale_after=stale_after)
    lock.acquire()
    everything = dests + ([manifest_dest] if manifest_dest else [])
    # Every temporary name is chosen now and recorded in the lock file before any is
    # created, so the next writer can remove them all if this process is killed.
    tmp_of = [tmp_name(dest, keep_suffix) for dest in dests]
    tmp_manifest = tmp_name(manifest_dest) if manifest_dest else None
    backup_of = {p: tmp_name(p) for p in everything}  # hard links of the previous set
    temps: list[Path] = [*tmp_of, *backup_of.values()] + ([tmp_manifest] if tmp_manifest else [])
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "run_id": run_id,
        "started": now_iso(),
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
                clear = write_error(err, dest)
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
                    entry["sha256"] = sha256_file(tmp)
                entries.append(entry)
            body = {
                "format": _MANIFEST_FORMAT,
                "version": 1,
                "run_id": run_id,
                "created": now_iso(),
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
                raise (write_error(err, manifest_dest) or err) from err

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
        fsync_dir(folder)
    lock.release(dict(record, state="done", temps=[], finished=now_iso()))
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
            clear = write_error(err, current)
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
    path = as_path(path, "path")
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
            checksums and "sha256" in entry and sha256_file(file) != entry["sha256"]
        ):
            raise InputError(
                f"{str(file)!r} is not the file run {body.get('run_id')} wrote ({mpath.name} "
                "records another size or checksum): files of different runs are mixed; "
                "run again or use the files of one run only."
            )
    body["paths"] = paths
    return body


__all__ = [
    "MANIFEST_SUFFIX",
    "FileSet",
    "check_file_set",
    "manifest_path_for",
    "new_run_id",
    "write_file_set",
]
