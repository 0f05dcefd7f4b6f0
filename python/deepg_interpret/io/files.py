"""Atomic file writes: a result appears whole or not at all.

Every writer in the package (tables, figures, synthetic data, bundled models) goes
through :func:`atomic_write` (one file) or :func:`~deepg_interpret.io.file_sets.write_file_set`
(several files that belong together, such as the three tables of
``deepg-interpret ig --out result.parquet``), so an interrupted job never leaves half a
file and an existing result is replaced only once its successor is complete.

This module holds the single-file writes, the up-front checks of output paths
(:func:`check_output_paths`, :func:`table_format`), the translation of a full disk or
a folder that refuses writes into a clear :class:`~deepg_interpret.errors.InputError`,
and the small helpers the file-set modules share. Files written as one set are in
:mod:`deepg_interpret.io.file_sets`, its lock and the clean-up after killed writers in
:mod:`deepg_interpret.io.locks`; their public names stay importable from here too.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import ArgumentTypeError, InputError

#: Table suffixes (lower case) and the format each one means; see :func:`table_format`.
TABLE_SUFFIXES: dict[str, str] = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".tsv.gz": "tsv",
    ".txt": "tsv",
}

_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


# --------------------------------------------------------------------------- helpers
#: Names that every filesystem and every hive reader take literally (sample ids, the
#: values in track file names): letters, digits and ``. _ + -``, not starting with a mark.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


def sha256_file(path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def tmp_name(path: Path, keep_suffix: bool = False) -> Path:
    """``.<name>.<12 hex>.tmp`` beside ``path`` (plus the real suffix if asked)."""
    return path.with_name(
        f".{path.name}.{uuid.uuid4().hex[:12]}.tmp" + (path.suffix if keep_suffix else "")
    )


def tmp_pattern(name: str) -> re.Pattern:
    """Temporary names :func:`atomic_write` / ``write_file_set`` make for ``name``."""
    return re.compile(re.escape(f".{name}.") + r"[0-9a-f]{12}\.tmp(?:\.[A-Za-z0-9]{1,10})?")


def write_error(err: OSError, path: Path) -> InputError | None:
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


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def as_path(value: Any, arg: str) -> Path:
    if isinstance(value, (str, os.PathLike)) and str(value) != "":
        return Path(value)
    raise ArgumentTypeError(
        f"`{arg}` must be a file path (str or pathlib.Path), got {value!r}; pass e.g. "
        "'result.parquet'."
    )


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
        clear = write_error(err, path)
        if clear is not None:
            raise clear from err
        raise
    tmp = tmp_name(path, keep_suffix)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            clear = write_error(err, path)
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
    name = as_path(path, "path").name.lower()
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
    out = [as_path(p, "paths") for p in paths]
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


__all__ = [
    "TABLE_SUFFIXES",
    "atomic_write",
    "atomic_write_text",
    "check_output_paths",
    "table_format",
]
