"""Atomic file writes: a result appears whole or not at all.

Every writer in the package (tables, figures, synthetic data, bundled models) goes
through :func:`atomic_write`, so an interrupted job never leaves half a file and an
existing result is replaced only once its successor is complete.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def atomic_write(path, write: Callable[[Path], None], *, keep_suffix: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    The temporary name starts with ``.`` and ends in ``.tmp`` so tools scanning the
    folder (deepG looks for ``*.fasta``) never pick it up; ``keep_suffix=True`` appends
    the real suffix for writers that choose the format from it (Keras ``.h5``).
    A plain ``open`` (not ``mkstemp``) keeps the usual umask permissions.

    Examples
    --------
    >>> import tempfile
    >>> p = atomic_write(Path(tempfile.mkdtemp()) / "a.txt", lambda t: t.write_text("hi"))
    >>> p.read_text()
    'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
                         + (path.suffix if keep_suffix else ""))
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text))


__all__ = ["atomic_write", "atomic_write_text"]
