"""The samples of a batch run: a manifest table or a deepG label-folder tree.

A manifest is a CSV or TSV file with one row per genome::

    sample_id,fasta,label,gff
    B_subtilis_168,genomes/B_subtilis_168.fna.gz,sporulating,genomes/B_subtilis_168.gff3
    E_coli_K12,genomes/E_coli_K12.fna.gz,non_sporulating,

``sample_id`` and ``fasta`` are required, ``label`` and ``gff`` optional; relative
paths are resolved against the manifest's folder, so a manifest travels with its
genomes. A folder in deepG's ``label_folder`` layout (``root/<class>/*.fasta``, or
``root/<split>/<class>/*.fasta``) works too: every FASTA file is one sample, named by
its file name without the FASTA suffix and labelled by its class folder; a
``<name>.gff``/``.gff3`` (gzip ok) beside it is its annotation.

Files are not opened here: a missing or unreadable FASTA fails its own sample at run
time (recorded with its error) instead of the whole run.

:func:`fingerprint` gives the content fingerprint recorded for every input of a finished
sample (FASTA, GFF, model, files named by the settings), so that a resumed run redoes a
sample whose inputs changed instead of keeping the old numbers.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..dna.fasta import FASTA_SUFFIXES, is_fasta_name
from ..errors import InputError
from ..io.files import SAFE_NAME, sha256_file

_GFF_SUFFIXES = (".gff3", ".gff", ".gff3.gz", ".gff.gz")
#: Files up to this size are fingerprinted by the SHA-256 of all their bytes.
FULL_HASH_LIMIT = 64 << 20
_END_BYTES = 1 << 20  # bigger files: the SHA-256 of their first and last MiB


@dataclass(frozen=True)
class Sample:
    """One genome of a batch run.

    Attributes
    ----------
    sample_id : str
        Unique name; the ``sample_id=<id>`` partition of every table.
    fasta : str
        Absolute path of its FASTA file (gzip ok); may hold several records
        (chromosome, plasmids), explained together as one sample.
    label : str or None
        Class label (deepG's class folder), kept in the run manifest.
    gff : str or None
        Absolute path of its annotation, for the gene table.
    """

    sample_id: str
    fasta: str
    label: str | None = None
    gff: str | None = None

    def as_dict(self) -> dict:
        return {"sample_id": self.sample_id, "fasta": self.fasta, "label": self.label,
                "gff": self.gff}

    def input_paths(self) -> dict[str, str | None]:
        """The sample's own input files by role: ``{"fasta": ..., "gff": ... or None}``."""
        return {"fasta": self.fasta, "gff": self.gff}

    def fingerprints(self) -> dict[str, str | None]:
        """:func:`fingerprint` of each of :meth:`input_paths` (None: no such file)."""
        return {role: fingerprint(path) if path else None
                for role, path in self.input_paths().items()}


def _sha256_ends(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(_END_BYTES))
        handle.seek(max(size - _END_BYTES, 0))
        digest.update(handle.read(_END_BYTES))
    return digest.hexdigest()


def _file_fingerprint(path: Path) -> str:
    info = path.stat()
    if info.st_size <= FULL_HASH_LIMIT:
        return "sha256:" + sha256_file(path)
    return (f"size={info.st_size};mtime_ns={info.st_mtime_ns};"
            f"sha256-ends:{_sha256_ends(path, info.st_size)}")


def fingerprint(path) -> str | None:
    """Content fingerprint of an input file or folder; None when it does not exist.

    - a file up to 64 MiB (:data:`FULL_HASH_LIMIT`): ``"sha256:<hex>"``, the SHA-256
      of all its bytes;
    - a bigger file: ``"size=<bytes>;mtime_ns=<ns>;sha256-ends:<hex>"``, its size,
      modification time (nanoseconds) and the SHA-256 of its first and last MiB
      (reading a multi-GB genome whole on every resume would cost more than it
      protects): a change inside such a file that keeps its size, its time stamp and
      its ends goes unnoticed, and merely touching it counts as a change;
    - a folder (SavedModel): ``"tree-sha256:<hex>"``, the SHA-256 over the relative
      path and fingerprint (by the rules above) of every file under it.

    Equal fingerprints mean equal content (by these rules), whatever the path or
    the file's time stamp (below 64 MiB).

    Raises
    ------
    OSError
        The path exists but cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "g.fasta"
    >>> _ = p.write_text(">c\\nACGT\\n")
    >>> fingerprint(p)[:7], len(fingerprint(p))
    ('sha256:', 71)
    >>> fingerprint(p.with_name("none.fasta")) is None
    True
    """
    path = Path(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{f.relative_to(path).as_posix()}\t{_file_fingerprint(f)}\n".encode())
        return "tree-sha256:" + digest.hexdigest()
    if not path.exists():
        return None
    return _file_fingerprint(path)


def check_sample_id(sample_id: str, where: str = "") -> str:
    """``sample_id`` if it can name a partition folder, else a clear :class:`InputError`."""
    # Sample ids become hive partition folders (``sample_id=<id>``): SAFE_NAME only.
    if not isinstance(sample_id, str) or not SAFE_NAME.fullmatch(sample_id):
        raise InputError(
            f"sample_id {sample_id!r}{where} cannot name an output partition: use letters, "
            "digits and . _ + - only, starting with a letter or digit (e.g. 'GCF_000009045.1')."
        )
    return sample_id


def _resolve(value, base: Path) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    path = Path(os.path.expanduser(text))
    return str(path if path.is_absolute() else (base / path).resolve())


def _read_table(path: Path) -> pd.DataFrame:
    lowered = path.name.lower()
    sep = "\t" if lowered.endswith((".tsv", ".tsv.gz", ".txt", ".tab")) else ","
    try:
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                            comment=None, skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(
            f"Cannot read the manifest {str(path)!r} ({err}); it must be a CSV (or TSV, "
            "by suffix) with columns sample_id and fasta, optionally label and gff."
        ) from err
    table.columns = [str(c).strip() for c in table.columns]
    return table


def read_manifest_table(path) -> list[Sample]:
    """Samples of a CSV/TSV manifest (see the module docstring for the columns).

    Raises
    ------
    InputError
        A missing file or column, an empty table, a bad or repeated ``sample_id``,
        or a row without a FASTA path; each names the row and what to fix.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "m.csv").write_text("sample_id,fasta,label\\ng1,g1.fasta,spo\\n")
    >>> s = read_manifest_table(d / "m.csv")[0]
    >>> (s.sample_id, Path(s.fasta).name, s.label)
    ('g1', 'g1.fasta', 'spo')
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"The manifest {str(path)!r} does not exist or is not a file.")
    table = _read_table(path)
    missing = [c for c in ("sample_id", "fasta") if c not in table.columns]
    if missing:
        raise InputError(
            f"The manifest {str(path)!r} lacks the column(s) {missing} (it has "
            f"{list(table.columns)}); it needs sample_id and fasta, optionally label and gff."
        )
    if table.empty:
        raise InputError(f"The manifest {str(path)!r} lists no samples.")
    base = path.resolve().parent
    samples = []
    for row_number, row in enumerate(table.to_dict("records"), start=2):
        where = f" (manifest line {row_number})"
        sample_id = check_sample_id(str(row["sample_id"]).strip(), where)
        fasta = _resolve(row["fasta"], base)
        if fasta is None:
            raise InputError(f"Sample {sample_id!r}{where} has no fasta path.")
        label = str(row.get("label") or "").strip() or None
        samples.append(Sample(sample_id, fasta, label, _resolve(row.get("gff"), base)))
    return _check_unique(samples, str(path))


def _check_unique(samples: list[Sample], source: str) -> list[Sample]:
    seen: dict[str, Sample] = {}
    for s in samples:
        if s.sample_id in seen:
            raise InputError(
                f"sample_id {s.sample_id!r} appears twice in {source!r} ({seen[s.sample_id].fasta} "
                f"and {s.fasta}); every sample needs its own id (rename one, or write a "
                "manifest with explicit sample_id values)."
            )
        seen[s.sample_id] = s
    return samples


def _stem(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".gz"):
        name, lowered = name[:-3], lowered[:-3]
    for suffix in sorted(FASTA_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _gff_beside(fasta: Path) -> str | None:
    stem = _stem(fasta.name)
    for suffix in _GFF_SUFFIXES:
        candidate = fasta.with_name(stem + suffix)
        if candidate.is_file():
            return str(candidate.resolve())
    return None


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _fasta_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and is_fasta_name(p.name))


def read_label_folders(root) -> list[Sample]:
    """Samples of a deepG ``label_folder`` tree: one per FASTA file, labelled by its folder.

    ``root/<class>/*.fasta`` or ``root/<split>/<class>/*.fasta`` (splits such as
    ``train`` and ``validation`` are read together).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "spo").mkdir()
    >>> _ = (root / "spo" / "g1.fasta").write_text(">c\\nACGT\\n")
    >>> [(s.sample_id, s.label) for s in read_label_folders(root)]
    [('g1', 'spo')]
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{str(root)!r} is not a folder of class folders.")
    class_dirs: list[Path] = []
    for d in _visible_dirs(root):
        if _fasta_files(d):
            class_dirs.append(d)
        else:  # a split folder (train/, validation/) holding class folders
            class_dirs.extend(c for c in _visible_dirs(d) if _fasta_files(c))
    samples = [Sample(check_sample_id(_stem(f.name), f" (file {str(f)!r})"), str(f.resolve()),
                      d.name, _gff_beside(f))
               for d in class_dirs for f in _fasta_files(d)]
    if not samples:
        raise InputError(
            f"No FASTA files under {str(root)!r}: expected deepG's label_folder layout "
            "(root/<class>/*.fasta or root/<split>/<class>/*.fasta), or pass a manifest CSV."
        )
    return _check_unique(samples, str(root))


def read_samples(source) -> list[Sample]:
    """Samples of a manifest file, a folder tree, or a list of :class:`Sample` / dicts.

    Examples
    --------
    >>> read_samples([{"sample_id": "g1", "fasta": "/data/g1.fasta"}])[0].sample_id
    'g1'
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            return read_label_folders(path)
        return read_manifest_table(path)
    if isinstance(source, pd.DataFrame):
        source = source.to_dict("records")
    if isinstance(source, (list, tuple)) and source:
        samples = []
        for item in source:
            if isinstance(item, Sample):
                samples.append(item)
            elif isinstance(item, dict) and "sample_id" in item and "fasta" in item:
                samples.append(Sample(
                    check_sample_id(str(item["sample_id"])), _resolve(item["fasta"], Path.cwd()),
                    (str(item["label"]) if item.get("label") not in (None, "") else None),
                    _resolve(item.get("gff"), Path.cwd())))
            else:
                break
        else:
            return _check_unique(samples, "the sample list")
    raise InputError(
        f"Cannot read samples from {type(source).__name__} {source!r:.80}: pass a manifest "
        "CSV/TSV path (columns sample_id, fasta, optional label, gff), a deepG label-folder "
        "root, or a data frame / list of records with sample_id and fasta."
    )


__all__ = ["FULL_HASH_LIMIT", "Sample", "check_sample_id", "fingerprint", "read_label_folders",
           "read_manifest_table", "read_samples"]
