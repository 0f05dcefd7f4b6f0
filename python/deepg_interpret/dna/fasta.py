"""Read FASTA files (plain or gzip) into ``(id, sequence)`` pairs.

Parsing is Biopython's (``SimpleFastaParser``); around it, gzip is recognised by the
file's content, not its name; a UTF-8 byte order mark is dropped; a file that is not FASTA text (no ``>`` header first, binary content, a
truncated gzip stream, no records) raises :class:`SequenceError` with a fix. Also
tells FASTA file names and paths apart from DNA strings (:func:`is_fasta_name`,
:func:`looks_like_path`).
"""

from __future__ import annotations

import gzip
import itertools
import os
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import ArgumentTypeError, SequenceError
from .onehot import not_dna, not_dna_message

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".ffn", ".fas", ".faa", ".seq")
GZIP_MAGIC = b"\x1f\x8b"


def _fasta_lines(path: Path, shown: str):
    """Text lines of a FASTA file; gzip is recognised by its content, not its name."""
    try:
        with open(path, "rb") as probe:
            compressed = probe.read(2) == GZIP_MAGIC
    except PermissionError as exc:
        raise SequenceError(
            f"FASTA file {shown} cannot be read (permission denied); check its permissions"
        ) from exc
    opener = gzip.open if compressed else open
    try:
        # utf-8-sig drops a byte order mark (files saved by Windows editors).
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            yield from handle
    except UnicodeDecodeError as exc:
        raise SequenceError(
            f"FASTA file {shown} is not a text file ({'its decompressed content' if compressed else 'it'} "
            f"holds the byte 0x{exc.object[exc.start]:02x}, which is not UTF-8 text); pass a "
            "FASTA text file (gzip-compressed is fine)"
        ) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise SequenceError(
            f"FASTA file {shown} is gzip-compressed but the file is truncated/corrupt "
            f"({type(exc).__name__}: {exc}); download or compress it again"
        ) from None


def _first_record_line(lines, shown: str) -> str | None:
    """The first header line; blank lines and old-style ';' comments before it are skipped.

    Biopython skips any text before the first '>' silently; a file of bare sequence is a
    mistake worth an error instead.
    """
    for number, line in enumerate(lines, start=1):
        if line.startswith(">"):
            return line
        if not line.strip() or line.startswith(";"):
            continue
        lines.close()
        first = line.strip()
        first = first[:40] + ("..." if len(first) > 40 else "")
        raise SequenceError(
            f"FASTA file {shown} does not start with a header line: line {number} is "
            f"{first!r}, but FASTA records start with '>name'. If the file holds plain "
            "sequence text, add a header line such as '>seq_1' before it, or pass the "
            "sequence itself as a string"
        )
    return None


def read_fasta(path, *, check_ids: bool = False, check_dna: bool = True) -> list[tuple[str, str]]:
    """Read a (possibly gzipped) FASTA file into ``(id, sequence)`` pairs.

    gzip is recognised by the file's content (its magic bytes), so ``x.fa`` holding
    gzip data and ``x.fa.gz`` holding plain text both read correctly. A UTF-8 byte
    order mark is ignored. The id of a record is the first word of its header line.

    Raises :class:`SequenceError` for a missing path, a directory, a file that is not
    FASTA text (no ``>`` header before the first sequence line, binary content), a
    truncated gzip file or a file with no records.

    Parameters
    ----------
    path : str or path
        The FASTA file (plain or gzip).
    check_ids : bool
        Also raise :class:`SequenceError` for a record whose header has no id (a
        bare ``>``, named by its record number) and for repeated ids, as
        :func:`.sequences.encode` does (ids name the rows of every table). Default is False:
        ids are returned as they are (an empty header gives the id ``''``).
    check_dna : bool
        Raise :class:`SequenceError` for a record that is not DNA: digits (a GenBank/EMBL
        dump with position numbers) or a protein (amino-acid letters such as ``E, F, I,
        L, P, Q``), naming the record, the characters, the first (1-based) position and
        their count. Default True; False returns any text as it is.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fasta")
    >>> _ = open(p, "w").write(">s1\\nACGT\\n>s2\\nGGCC\\n")
    >>> read_fasta(p)
    [('s1', 'ACGT'), ('s2', 'GGCC')]
    """
    if isinstance(path, (bytes, bytearray)):
        path = os.fsdecode(bytes(path))
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(
            f"path must be a FASTA file path (str or pathlib.Path), got {type(path).__name__}"
        )
    path = Path(path).expanduser()
    shown = repr(str(path))
    if path.is_dir():
        raise SequenceError(
            f"FASTA path {shown} is a directory, not a file; pass a FASTA file "
            "(.fasta/.fa, gzip ok), e.g. one of the files inside it"
        )
    if not path.exists():
        raise SequenceError(f"FASTA file {shown} does not exist; check the path")
    if not path.is_file():
        raise SequenceError(f"FASTA path {shown} is not a regular file; pass a FASTA file")

    from Bio.SeqIO.FastaIO import SimpleFastaParser

    lines = _fasta_lines(path, shown)
    first = _first_record_line(lines, shown)
    records = []
    if first is not None:
        # Biopython parses; the checks above and below give the errors a user can act on.
        for number, (title, sequence) in enumerate(
                SimpleFastaParser(itertools.chain([first], lines)), start=1):
            if not title.strip() and check_ids:
                raise SequenceError(
                    f"FASTA file {shown}: record {number} has an empty id (its header line is "
                    f"just '>'); give every record a name, e.g. '>seq_{number}'"
                )
            record_id = title.split(None, 1)[0] if title.strip() else ""
            if check_dna:
                _check_dna_record(sequence, record_id, number, shown)
            records.append((record_id, sequence))
    if not records:
        raise SequenceError(
            f"FASTA file {shown} holds no sequences (is it FASTA? records start with '>')"
        )
    if check_ids:
        check_unique_ids([name for name, _ in records], f"FASTA file {shown} has repeated record ids",
                          " in the file, or name the records with seq_ids=")
    return records


def _check_dna_record(sequence: str, record_id: str, number: int, shown: str) -> None:
    """Raise SequenceError for a record that is clearly not DNA (digits, a protein)."""
    found = not_dna(np.frombuffer(sequence.encode("ascii", errors="replace"), np.uint8))
    if found is not None:
        raise SequenceError(not_dna_message(
            f"FASTA file {shown}: record {number} ({record_id!r})", sequence, *found,
            escape="to use it anyway, pass unknown='ambiguous' (they become N) or read it "
                   "with read_fasta(check_dna=False)"))


def check_unique_ids(ids, what: str, where: str = "") -> None:
    """Raise SequenceError naming repeated ids: rows of every table are keyed by them."""
    counts = Counter(ids)
    repeated = [(name, k) for name, k in counts.items() if k > 1]
    if repeated:
        shown = ", ".join(f"{name!r} ({k} times)" for name, k in repeated[:5])
        more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        raise SequenceError(
            f"{what}: {shown}{more}. Sequence ids must be unique (they name the rows of every "
            f"table); make them unique{where}, e.g. by adding a suffix ('x_1', 'x_2')"
        )


def is_fasta_name(name: str) -> bool:
    """True for FASTA file names (``x.fasta``, ``x.fa.gz``, ...)."""
    lowered = str(name).lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return lowered.endswith(FASTA_SUFFIXES)


def looks_like_path(text: str) -> bool:
    """A string meant as a file path rather than DNA (has a slash or a FASTA suffix)."""
    return os.sep in text or "/" in text or is_fasta_name(text)


__all__ = ["read_fasta", "is_fasta_name", "looks_like_path", "FASTA_SUFFIXES", "GZIP_MAGIC"]
