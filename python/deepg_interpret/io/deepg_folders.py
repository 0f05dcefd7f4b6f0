"""deepG's ``label_folder`` training layout: one FASTA folder per class, train/validation.

:func:`write_deepg_folders` writes a :class:`~deepg_interpret.io.datasets.SyntheticDataset`
as ``root/{train,validation}/<class>/*.fasta`` plus the truth table and settings;
:func:`read_deepg_folders` reads such a tree back (any ``root/<split>/<class>/*.fasta``
tree works). Every file goes through :func:`~deepg_interpret.io.files.atomic_write`.

Examples
--------
>>> import tempfile
>>> from deepg_interpret.synthetic import simulate_motifs
>>> root = tempfile.mkdtemp()
>>> _ = write_deepg_folders(simulate_motifs(20, 50, "TATAAT", seed=0), root, seed=0)
>>> read_deepg_folders(root, "train").label_names
('no_motif', 'motif')
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import as_generator, check_fraction, check_int, json_safe, seed_setting
from ..dna.fasta import is_fasta_name, read_fasta
from ..errors import ArgumentTypeError, DeepGInterpretWarning, InputError
from .datasets import SyntheticDataset, empty_truth, pyarrow_problem, read_truth, write_truth
from .files import atomic_write

__all__ = ["write_deepg_folders", "read_deepg_folders"]


def _write_fasta(path: Path, ids: Sequence[str], sequences: Sequence[str]) -> None:
    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    records = (SeqRecord(Seq(s), id=i, description="") for i, s in zip(ids, sequences))

    def write(tmp: Path) -> None:
        with open(tmp, "w") as handle:
            SeqIO.write(records, handle, "fasta")

    atomic_write(path, write)


def _check_dataset(dataset: Any, arg: str = "dataset") -> SyntheticDataset:
    if not isinstance(dataset, SyntheticDataset):
        raise ArgumentTypeError(
            f"`{arg}` must be a SyntheticDataset (from simulate_motifs() or preset()); got "
            f"{type(dataset).__name__}."
        )
    return dataset


def write_deepg_folders(
    dataset: SyntheticDataset,
    root: str | os.PathLike,
    *,
    validation_share: float = 0.2,
    seqs_per_file: int = 1000,
    seed: Any = None,
    overwrite: bool = False,
) -> dict:
    """Write a dataset in deepG's ``label_folder`` training layout.

    ::

        root/train/<class>/<class>_001.fasta ...      (class = label name)
        root/validation/<class>/<class>_001.fasta ...
        root/truth.csv, root/truth.parquet             (all planted copies)
        root/settings.json                             (dataset + split settings)

    so that in R::

        deepG::train_model(train_type = "label_folder",
                           path = c("root/train/no_motif", "root/train/motif"),
                           path_val = c("root/validation/no_motif", "root/validation/motif"),
                           vocabulary_label = c("no_motif", "motif"), ...)

    The split is stratified by class and seeded; sequences keep their ids in the
    FASTA headers. Every file is written atomically (temp file + os.replace).

    Parameters
    ----------
    dataset : SyntheticDataset
    root : str or path
        Output folder (created).
    validation_share : float
        Fraction of each class for validation, in [0, 1); with 0 the validation
        folders are created but stay empty. Default 0.2.
    seqs_per_file : int
        Sequences per FASTA file. Default 1000.
    seed : None, int or numpy.random.Generator
        Randomness of the split. Default is None.
    overwrite : bool
        Replace an existing layout under ``root`` (stale ``*.fasta`` files in the
        class folders are removed). Default False: an existing layout raises.

    Returns
    -------
    dict
        ``root``; ``train`` / ``validation``: class -> list of FASTA paths;
        ``train_dirs`` / ``validation_dirs``: class folders in label order (deepG's
        ``path`` / ``path_val``); ``label_names``; ``truth_csv``; ``truth_parquet``
        (None, with a warning, if Parquet cannot be written); ``settings``.
        Paths are strings.

    Examples
    --------
    >>> import tempfile
    >>> from deepg_interpret.synthetic import simulate_motifs
    >>> ds = simulate_motifs(20, 50, "TATAAT", seed=0)
    >>> paths = write_deepg_folders(ds, tempfile.mkdtemp(), seed=0)
    >>> sorted(paths["train"])
    ['motif', 'no_motif']
    """
    dataset = _check_dataset(dataset)
    validation_share = check_fraction(validation_share, "validation_share", upper_open=True)
    seqs_per_file = check_int(seqs_per_file, "seqs_per_file", 1)
    rng = as_generator(seed)
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise InputError(f"`root` = '{root}' exists and is not a folder; pass a folder path.")
    existing = [p for s in ("train", "validation") for p in (root / s).glob("*/*") if p.is_file()]
    if existing and not overwrite:
        raise InputError(
            f"`root` = '{root}' already holds a deepG layout ({len(existing)} files under "
            "train/ and validation/); pass overwrite=True to replace it or choose a new folder."
        )
    if len(dataset) == 0:
        raise InputError("`dataset` holds no sequences; nothing to write.")

    # Stratified split: shuffle each class, send the first round(share * size) to validation.
    split_of = np.empty(len(dataset), dtype=object)
    for c in range(len(dataset.label_names)):
        members = np.flatnonzero(dataset.labels == c)
        members = members[rng.permutation(members.size)]
        n_val = int(math.floor(validation_share * members.size + 0.5))
        split_of[members[:n_val]] = "validation"
        split_of[members[n_val:]] = "train"

    out: dict[str, Any] = {"root": str(root), "label_names": list(dataset.label_names)}
    written: set[Path] = set()
    for split in ("train", "validation"):
        out[split] = {}
        out[f"{split}_dirs"] = []
        for c, cname in enumerate(dataset.label_names):
            folder = root / split / cname
            folder.mkdir(parents=True, exist_ok=True)
            out[f"{split}_dirs"].append(str(folder))
            idx = np.flatnonzero((dataset.labels == c) & (split_of == split))
            n_files = -(-idx.size // seqs_per_file)
            digits = max(3, len(str(n_files)))
            files = []
            for f in range(n_files):  # one loop step per file, not per sequence
                chunk = idx[f * seqs_per_file : (f + 1) * seqs_per_file]
                path = folder / f"{cname}_{f + 1:0{digits}d}.fasta"
                _write_fasta(
                    path, [dataset.seq_ids[i] for i in chunk], [dataset.sequences[i] for i in chunk]
                )
                files.append(str(path))
                written.add(path)
            out[split][cname] = files
            if idx.size == 0 and (split == "train" or validation_share > 0):
                warnings.warn(
                    f"write_deepg_folders: class {cname!r} has no {split} sequences, so "
                    f"'{folder}' is empty and deepG cannot read it; use more sequences or a "
                    "`share` strictly between 0 and 1.",
                    DeepGInterpretWarning,
                    stacklevel=2,
                )
    if overwrite:  # stale FASTA files from an earlier, larger run would leak into training
        for split in ("train", "validation"):
            for p in (root / split).glob("*/*"):
                if p.is_file() and is_fasta_name(p.name) and p not in written:
                    p.unlink()

    out["truth_csv"] = write_truth(dataset, root / "truth.csv")
    problem = pyarrow_problem()
    if problem is None:
        out["truth_parquet"] = write_truth(dataset, root / "truth.parquet")
    else:
        out["truth_parquet"] = None
        warnings.warn(
            f"write_deepg_folders: truth.parquet not written because pyarrow cannot be used "
            f"({problem}); truth.csv was written. Install a pyarrow that matches your numpy.",
            DeepGInterpretWarning,
            stacklevel=2,
        )
    settings = {
        **dataset.settings,
        "label_names": list(dataset.label_names),
        "split": {
            "validation_share": validation_share,
            "seqs_per_file": seqs_per_file,
            "seed": seed_setting(seed),
            "n_train": int(np.sum(split_of == "train")),
            "n_validation": int(np.sum(split_of == "validation")),
        },
    }
    settings_path = root / "settings.json"
    text = json.dumps(json_safe(settings), indent=2)
    atomic_write(settings_path, lambda tmp: tmp.write_text(text))
    out["settings"] = str(settings_path)
    return out


def _fasta_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and is_fasta_name(p.name)
    )  # fmt: skip


def read_deepg_folders(root: str | os.PathLike, split: str = "train") -> SyntheticDataset:
    """Read a deepG ``label_folder`` layout back: sequences, labels and truth.

    Parameters
    ----------
    root : str or path
        Folder written by :func:`write_deepg_folders` (or any
        ``root/<split>/<class>/*.fasta`` tree).
    split : str
        ``"train"``, ``"validation"`` or ``"all"`` (both). Default ``"train"``.

    Returns
    -------
    SyntheticDataset
        Labels follow ``label_names`` from ``root/settings.json`` when present, else
        ``("no_motif", "motif")`` for those two folders, else the sorted folder
        names. Sequences are ordered by id when ids are unique (so the written
        order comes back). ``truth`` holds the rows of ``root/truth.parquet`` (or
        ``truth.csv``) for these sequences; empty if there is none.

    Examples
    --------
    >>> import tempfile
    >>> from deepg_interpret.synthetic import simulate_motifs
    >>> root = tempfile.mkdtemp()
    >>> _ = write_deepg_folders(simulate_motifs(20, 50, "TATAAT", seed=0), root, seed=0)
    >>> len(read_deepg_folders(root, "all"))
    20
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(
            f"`root` = '{root}' is not an existing folder; pass the folder you wrote to."
        )
    if split not in ("train", "validation", "all"):
        raise InputError(
            f"`split` = {split!r} is not understood; pass 'train', 'validation' or 'all'."
        )
    splits = ["train", "validation"] if split == "all" else [split]
    settings: dict = {}
    settings_path = root / "settings.json"
    if settings_path.is_file():
        with contextlib.suppress(ValueError, OSError):
            settings = json.loads(settings_path.read_text())

    class_dirs: dict[str, list[Path]] = {}
    for s in splits:
        folder = root / s
        if not folder.is_dir():
            if split == "all":
                continue
            found = sorted(p.name for p in root.iterdir() if p.is_dir())
            raise InputError(
                f"`split` = {split!r}: '{folder}' does not exist (folders in root: {found}); pass "
                "a split that was written."
            )
        for d in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            class_dirs.setdefault(d.name, []).append(d)
    if not class_dirs:
        raise InputError(f"no class folders under '{root}' for split {split!r}; nothing to read.")

    names = set(class_dirs)
    saved = settings.get("label_names")
    if isinstance(saved, list) and names <= set(saved):
        label_names = tuple(saved)
    elif names == {"no_motif", "motif"}:
        label_names = ("no_motif", "motif")
    else:
        label_names = tuple(sorted(names))

    ids: list[str] = []
    seqs: list[str] = []
    labels: list[int] = []
    for c, cname in enumerate(label_names):
        for d in class_dirs.get(cname, []):
            for path in _fasta_files(d):
                records = read_fasta(path)
                ids.extend(r[0] for r in records)
                seqs.extend(r[1].upper() for r in records)
                labels.extend([c] * len(records))
    if not seqs:
        raise InputError(f"no FASTA sequences under '{root}' for split {split!r}.")

    order = np.arange(len(ids))
    if len(set(ids)) == len(ids):
        order = np.argsort(np.array(ids, dtype=object), kind="stable")
    ids = [ids[i] for i in order]
    seqs = [seqs[i] for i in order]
    labels_arr = np.asarray(labels, dtype=np.int32)[order]

    truth = empty_truth()
    for fname in ("truth.parquet", "truth.csv"):
        path = root / fname
        if path.is_file():
            if fname.endswith(".parquet") and pyarrow_problem() is not None:
                continue
            full = read_truth(path)
            truth = full[full["seq_id"].isin(set(ids))].reset_index(drop=True)
            break
    settings = (
        {**settings, "root": str(root), "split": split}
        if settings
        else {"root": str(root), "split": split}
    )
    return SyntheticDataset(
        sequences=seqs,
        seq_ids=ids,
        labels=labels_arr,
        label_names=label_names,
        truth=truth,
        settings=settings,
    )
