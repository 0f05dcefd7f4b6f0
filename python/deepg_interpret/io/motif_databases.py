"""Motif collections to compare PWMs with: JASPAR, MEME-format files, the user's own motifs.

JASPAR comes from ``pyjaspar``, which ships the JASPAR SQLite releases in its wheel (no
download at run time); MEME files are read with ``memelite.io.read_meme``. Every motif
becomes a probability matrix ``(width, 4)`` over ``A, C, G, T`` whose rows sum to 1.
Reading a JASPAR collection takes seconds, so each (release, collection, tax group) is
read once per process.

Examples
--------
>>> extra = motifs_from_mapping({"gata": "AGATAAGA"})
>>> extra.ids, extra.pwms[0].shape
(('gata',), (8, 4))
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dna.motifs import make_motif
from ..errors import ArgumentTypeError, InputError

# JASPAR's collections (pyjaspar's ``collection=``) and taxonomic groups.
JASPAR_COLLECTIONS = ("CORE", "UNVALIDATED", "CNE", "PHYLOFACTS", "SPLICE", "POLII", "FAM",
                      "PBM", "PBM_HLH", "PBM_HOMEO")
JASPAR_TAX_GROUPS = ("vertebrates", "plants", "insects", "nematodes", "fungi", "urochordates",
                     "diatoms", "trematodes", "cnidaria", "oomycota", "dictyostelium")
# Rows of a PWM may miss 1 by rounding (JASPAR and MEME files print a few digits).
ROW_SUM_TOLERANCE = 0.01


@dataclass(frozen=True)
class MotifCollection:
    """Motifs as probability matrices.

    Attributes
    ----------
    ids, names : tuple of str
        Identifier (JASPAR matrix id, MEME motif id, the key of ``extra``) and name.
    pwms : tuple of numpy.ndarray
        float64 ``(width, 4)`` over ``A, C, G, T``, rows sum to 1.
    sources : tuple of str
        Where each motif comes from (``"JASPAR2026 CORE vertebrates"``, a file, ``"extra"``).
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    pwms: tuple[np.ndarray, ...]
    sources: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)

    def __add__(self, other: MotifCollection) -> MotifCollection:
        return MotifCollection(self.ids + other.ids, self.names + other.names,
                               self.pwms + other.pwms, self.sources + other.sources)


EMPTY = MotifCollection((), (), (), ())


def check_pwm(pwm, arg: str = "pwm") -> np.ndarray:
    """``pwm`` as float64 ``(width, 4)`` with rows summing to 1 (renormalized exactly).

    Raises :class:`InputError` for other shapes, negative or non-finite values and rows
    that do not sum to 1 (within 0.01): counts must be divided by their row sums first.

    Examples
    --------
    >>> check_pwm([[0.5, 0.5, 0, 0], [0, 0, 0, 1]]).shape
    (2, 4)
    """
    try:
        arr = np.asarray(pwm, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"`{arg}` must be a matrix (width x 4, columns A, C, G, T) of probabilities, got "
            f"{type(pwm).__name__}") from None
    if arr.ndim != 2 or arr.shape[1] != 4 or arr.shape[0] < 1:
        raise InputError(
            f"`{arg}` has shape {arr.shape}; a PWM has one row per position and 4 columns "
            "(A, C, G, T); transpose a 4 x width matrix first")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError(f"`{arg}` has negative or non-finite values; a PWM holds "
                         "probabilities")
    sums = arr.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
    if bad.size:
        raise InputError(
            f"`{arg}`: rows do not sum to one (row {int(bad[0]) + 1} sums to "
            f"{sums[bad[0]]:.4g}; {bad.size} of {arr.shape[0]} rows are off); a PWM holds "
            "probabilities per position: divide counts by their row sums, e.g. "
            "pwm / pwm.sum(axis=1, keepdims=True)")
    return arr / sums[:, None]


def jaspar_releases() -> tuple[str, ...]:
    """The JASPAR releases shipped with the installed ``pyjaspar``, newest first."""
    pyjaspar = _import_pyjaspar()
    return tuple(sorted(pyjaspar.jaspar_releases, reverse=True))


def _import_pyjaspar():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Biopython's deprecation chatter
            import pyjaspar
    except ImportError:
        raise InputError(
            "database='jaspar' needs the pyjaspar package (it ships JASPAR); install it with "
            "`pip install 'pyjaspar>=4,<5'`, or pass a MEME-format file as database") from None
    return pyjaspar


def read_jaspar(*, release: str | None = None, collection: str = "CORE",
                tax_group: str | None = "vertebrates") -> MotifCollection:
    """The latest version of every JASPAR matrix in a collection (via ``pyjaspar``).

    Parameters
    ----------
    release : str, optional
        E.g. ``"JASPAR2024"``. Default None: the newest release ``pyjaspar`` ships.
    collection : str
        JASPAR collection, one of :data:`JASPAR_COLLECTIONS`. Default is "CORE".
    tax_group : str, optional
        Taxonomic group, one of :data:`JASPAR_TAX_GROUPS`; None for all. Default is
        "vertebrates".

    Returns
    -------
    MotifCollection
        Counts turned into probabilities (no pseudocount: Tomtom compares the matrices
        as JASPAR gives them).
    """
    releases = jaspar_releases()
    release = releases[0] if release is None else release
    if release not in releases:
        raise InputError(f"release = {release!r} is not shipped with pyjaspar; choose one of "
                         f"{releases} (or None for the newest)")
    if collection not in JASPAR_COLLECTIONS:
        raise InputError(f"collection = {collection!r} is not a JASPAR collection; choose one "
                         f"of {JASPAR_COLLECTIONS}")
    if tax_group is not None and tax_group not in JASPAR_TAX_GROUPS:
        raise InputError(f"tax_group = {tax_group!r} is not a JASPAR taxonomic group; choose "
                         f"one of {JASPAR_TAX_GROUPS} or None for all")
    return _read_jaspar(release, collection, tax_group)


@functools.lru_cache(maxsize=8)
def _read_jaspar(release: str, collection: str, tax_group: str | None) -> MotifCollection:
    pyjaspar = _import_pyjaspar()
    db = pyjaspar.jaspardb(release=release)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        motifs = db.fetch_motifs(collection=collection,
                                 tax_group=None if tax_group is None else [tax_group])
    ids, names, pwms = [], [], []
    for motif in motifs:
        counts = np.array([motif.counts[b] for b in "ACGT"], dtype=np.float64).T
        sums = counts.sum(axis=1, keepdims=True)
        if counts.size == 0 or np.any(sums <= 0):
            continue  # an empty column has no probabilities to compare
        ids.append(str(motif.matrix_id))
        names.append(str(motif.name))
        pwms.append(counts / sums)
    if not ids:
        raise InputError(f"JASPAR {release} has no {collection} motifs for tax_group = "
                         f"{tax_group!r}; choose another collection or tax group")
    source = " ".join(x for x in (release, collection, tax_group) if x)
    return MotifCollection(tuple(ids), tuple(names), tuple(pwms), (source,) * len(ids))


def read_meme(path) -> MotifCollection:
    """Motifs of a MEME-format file (``MOTIF id [name]`` and ``letter-probability
    matrix`` blocks, DNA alphabet), e.g. JASPAR's or HOCOMOCO's MEME downloads.

    Raises :class:`InputError` for a missing file, a file without motifs and rows that
    do not sum to 1.
    """
    path = Path(os.fspath(path)).expanduser()
    if not path.is_file():
        raise InputError(f"database = {str(path)!r} is neither 'jaspar' nor an existing "
                         "MEME-format file; check the path")
    try:
        from memelite.io import read_meme as _read
    except ImportError:
        raise InputError("reading MEME files needs memelite: `pip install "
                         "'memelite>=0.5,<0.6'`") from None
    try:
        found = _read(str(path))
    except (ValueError, AttributeError, IndexError, UnicodeDecodeError) as exc:
        raise InputError(f"{str(path)!r} is not a readable MEME motif file ({exc}); each "
                         "motif needs 'MOTIF id' and 'letter-probability matrix: ... w= N' "
                         "lines followed by N rows of 4 probabilities") from None
    if not found:
        raise InputError(f"{str(path)!r} holds no motifs (no 'MOTIF' blocks with a "
                         "'letter-probability matrix'); is it a MEME-format file?")
    ids, names, pwms = [], [], []
    for key, matrix in found.items():
        motif_id, _, name = key.partition(" ")
        ids.append(motif_id)
        names.append(name or motif_id)
        pwms.append(check_pwm(np.asarray(matrix).T, f"motif {motif_id!r} in {path.name}"))
    return MotifCollection(tuple(ids), tuple(names), tuple(pwms), (str(path),) * len(ids))


def motifs_from_mapping(extra: Mapping) -> MotifCollection:
    """The user's motifs: ``{name: consensus string (IUPAC allowed) or PWM (w, 4)}``.

    IUPAC letters become uniform over their bases; PWM rows must sum to 1.
    """
    if not isinstance(extra, Mapping):
        raise ArgumentTypeError(
            f"`extra` must be a dict of name -> consensus string or PWM, got "
            f"{type(extra).__name__}; e.g. extra={{'my_motif': 'AGATAAGA'}}")
    ids, pwms = [], []
    for name, spec in extra.items():
        if not isinstance(name, str) or not name:
            raise InputError(f"`extra` names must be non-empty strings, got {name!r}")
        if isinstance(spec, str):
            pwm = make_motif(spec, name=name, arg=f"extra[{name!r}]").probs
        else:
            pwm = check_pwm(spec, f"extra[{name!r}]")
        ids.append(name)
        pwms.append(np.asarray(pwm, dtype=np.float64))
    return MotifCollection(tuple(ids), tuple(ids), tuple(pwms), ("extra",) * len(ids))


__all__ = ["MotifCollection", "read_jaspar", "read_meme", "motifs_from_mapping", "check_pwm",
           "jaspar_releases", "JASPAR_COLLECTIONS", "JASPAR_TAX_GROUPS"]
