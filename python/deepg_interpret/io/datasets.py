"""A synthetic dataset and its truth table (where every motif copy was planted).

:class:`SyntheticDataset` holds sequences, class labels and the truth table
``seq_id, label, motif, start, end, strand`` (1-based, closed; one row per planted
copy). :func:`write_truth` / :func:`read_truth` store the table as CSV or Parquet.
The planting itself is in :mod:`deepg_interpret.synthetic`, the deepG folder
layout in :mod:`deepg_interpret.io.deepg_folders`; both build on this module.

Examples
--------
>>> ds = SyntheticDataset(["ACGT", "TTTT"], ["s1", "s2"], [1, 0])
>>> ds.onehot().shape, ds.truth.columns.tolist()
((2, 4, 4), ['seq_id', 'label', 'motif', 'start', 'end', 'strand'])
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..checks import json_safe
from ..dna.alphabet import codes_to_onehot, strings_to_codes
from ..errors import ArgumentTypeError, InputError, ShapeError
from .files import atomic_write

__all__ = ["TRUTH_COLUMNS", "SyntheticDataset", "write_truth", "read_truth"]

#: Columns of the truth table (one row per planted copy).
TRUTH_COLUMNS: tuple[str, ...] = ("seq_id", "label", "motif", "start", "end", "strand")


def empty_truth() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seq_id": pd.Series([], dtype=object),
            "label": pd.Series([], dtype="int32"),
            "motif": pd.Series([], dtype=object),
            "start": pd.Series([], dtype="int32"),
            "end": pd.Series([], dtype="int32"),
            "strand": pd.Series([], dtype=object),
        }
    )


def _normalise_truth(df: pd.DataFrame, arg: str = "truth") -> pd.DataFrame:
    missing = [c for c in TRUTH_COLUMNS[:5] if c not in df.columns]
    if missing:
        raise InputError(
            f"`{arg}` lacks the truth-table column(s) {missing}; expected columns "
            f"{list(TRUTH_COLUMNS)} (strand optional)."
        )
    out = df.copy()
    if "strand" not in out.columns:
        out["strand"] = "+"
    for col in ("seq_id", "motif", "strand"):
        out[col] = out[col].astype(str).astype(object)
    for col in ("label", "start", "end"):
        out[col] = out[col].astype("int32")
    rest = [c for c in out.columns if c not in TRUTH_COLUMNS]
    out = out[list(TRUTH_COLUMNS) + rest].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


@dataclass
class SyntheticDataset:
    """Sequences with class labels and the truth table of planted motif copies.

    Attributes
    ----------
    sequences : list of str
        DNA strings.
    seq_ids : list of str
        One id per sequence (``"seq_00001"``, ...).
    labels : numpy.ndarray
        int32 (n,), index into ``label_names``: 1 = carries the motif(s), 0 = not.
    label_names : tuple of str
        Class names, also the deepG class folder names. Default is
        ``("no_motif", "motif")``.
    truth : pandas.DataFrame
        One row per planted copy: ``seq_id, label, motif, start, end, strand``;
        start/end int32, 1-based and closed, on the forward strand of the sequence;
        ``strand`` "+" or "-" (the copy is the motif's reverse complement on "-").
    settings : dict
        How the data were made (JSON-safe).

    Examples
    --------
    >>> from deepg_interpret.synthetic import simulate_motifs
    >>> ds = simulate_motifs(20, 100, "TATAAT", seed=1)
    >>> ds.onehot().shape, int(ds.labels.sum())
    ((20, 100, 4), 10)
    """

    sequences: list[str]
    seq_ids: list[str]
    labels: np.ndarray
    label_names: tuple[str, ...] = ("no_motif", "motif")
    truth: pd.DataFrame = field(default_factory=empty_truth)
    settings: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sequences = list(self.sequences)
        self.seq_ids = [str(s) for s in self.seq_ids]
        self.labels = np.asarray(self.labels).astype(np.int32).reshape(-1)
        self.label_names = tuple(str(x) for x in self.label_names)
        n = len(self.sequences)
        if len(self.seq_ids) != n or self.labels.shape[0] != n:
            raise ShapeError(
                f"`sequences`, `seq_ids` and `labels` must have one entry per sequence; got "
                f"{n}, {len(self.seq_ids)} and {self.labels.shape[0]}."
            )
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.label_names)):
            raise InputError(
                f"`labels` must index `label_names` {self.label_names} (0..{len(self.label_names) - 1}); "
                f"got values {sorted(set(self.labels.tolist()))}."
            )
        self.truth = _normalise_truth(self.truth if self.truth is not None else empty_truth())

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def length(self) -> int | None:
        """Common sequence length, or None if lengths differ (or no sequences)."""
        lengths = {len(s) for s in self.sequences}
        return lengths.pop() if len(lengths) == 1 else None

    def _codes(self) -> np.ndarray:
        length = self.length
        if length is None and self.sequences:
            lens = sorted({len(s) for s in self.sequences})
            raise ShapeError(
                f"sequences have different lengths ({lens[0]}..{lens[-1]} bp); onehot() and "
                "motif_mask() need equal lengths. Use deepg_interpret.io.encode(..., maxlen=, "
                "pad=) to cut or pad them."
            )
        return strings_to_codes(self.sequences)

    def onehot(self) -> np.ndarray:
        """float32 (n, L, 4) one-hot in the order A, C, G, T; non-ACGT -> all-zero row.

        Examples
        --------
        >>> SyntheticDataset(["ACGN"], ["s1"], [0]).onehot()[0].tolist()
        [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
        """
        return codes_to_onehot(self._codes())

    def motif_mask(self) -> np.ndarray:
        """bool (n, L): True at every position inside a planted copy (from ``truth``)."""
        n, length = len(self), (self.length or 0)
        mask = np.zeros((n, length), dtype=bool)
        if self.truth.empty or n == 0:
            return mask
        self._codes()  # raises for unequal lengths
        ids = pd.Index(self.seq_ids)
        if not ids.is_unique:
            raise InputError(
                "`seq_ids` are not unique, so truth rows cannot be matched to sequences."
            )
        rows = ids.get_indexer(self.truth["seq_id"])
        if np.any(rows < 0):
            unknown = self.truth["seq_id"][rows < 0].iloc[0]
            raise InputError(f"truth row names seq_id {unknown!r}, which is not among `seq_ids`.")
        start = self.truth["start"].to_numpy(np.int64) - 1
        end = self.truth["end"].to_numpy(np.int64)
        if np.any(start < 0) or np.any(end > length) or np.any(end <= start):
            raise InputError(f"truth has intervals outside 1..{length}; check `start`/`end`.")
        # Difference array: +1 at each start, -1 after each end, cumulative sum > 0 inside.
        diff = np.zeros((n, length + 1), dtype=np.int32)
        np.add.at(diff, (rows, start), 1)
        np.add.at(diff, (rows, end), -1)
        return np.cumsum(diff[:, :length], axis=1) > 0

    def to_frame(self) -> pd.DataFrame:
        """One row per sequence: ``seq_id, label (int32), sequence``; settings in ``attrs``."""
        df = pd.DataFrame(
            {
                "seq_id": pd.Series(self.seq_ids, dtype=object),
                "label": self.labels.astype(np.int32),
                "sequence": pd.Series(self.sequences, dtype=object),
            }
        )
        df.attrs = {"label_names": list(self.label_names), **json_safe(self.settings)}
        return df

    def subset(self, index: Sequence[int] | np.ndarray) -> SyntheticDataset:
        """The sequences at ``index`` (0-based positions) with their truth rows."""
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        ids = [self.seq_ids[i] for i in index]
        truth = self.truth[self.truth["seq_id"].isin(set(ids))].reset_index(drop=True)
        return SyntheticDataset(
            sequences=[self.sequences[i] for i in index],
            seq_ids=ids,
            labels=self.labels[index],
            label_names=self.label_names,
            truth=truth,
            settings=dict(self.settings),
        )


#


@functools.lru_cache(maxsize=1)
def pyarrow_problem() -> str | None:
    """None if Parquet can be written, else why not."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except Exception as exc:  # ImportError, or a binary mismatch with numpy
        return f"{type(exc).__name__}: {exc}"
    return None


def _truth_path(path: Any, arg: str = "path") -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"`{arg}` must be a file path (str); got {type(path).__name__}.")
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(
            f"`{arg}` = '{p}' has suffix {suffix or '(none)'!r}; expected '.csv' or '.parquet' "
            "(the format follows the suffix)."
        )
    return p, suffix


def write_truth(dataset: SyntheticDataset | pd.DataFrame, path: str | os.PathLike) -> str:
    """Write the truth table to CSV or Parquet (by suffix), atomically.

    Parameters
    ----------
    dataset : SyntheticDataset or pandas.DataFrame
        A dataset (its ``truth``) or a truth table.
    path : str or path
        Ends in ``.csv`` or ``.parquet``.

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import tempfile, os
    >>> from deepg_interpret.synthetic import simulate_motifs
    >>> ds = simulate_motifs(10, 50, "TATAAT", seed=0)
    >>> p = write_truth(ds, os.path.join(tempfile.mkdtemp(), "truth.csv"))
    >>> read_truth(p).equals(ds.truth)
    True
    """
    if isinstance(dataset, SyntheticDataset):
        truth = dataset.truth
    elif isinstance(dataset, pd.DataFrame):
        truth = _normalise_truth(dataset, "dataset")
    else:
        raise ArgumentTypeError(
            f"`dataset` must be a SyntheticDataset or a truth DataFrame; got {type(dataset).__name__}."
        )
    p, suffix = _truth_path(path)
    if suffix == ".parquet":
        problem = pyarrow_problem()
        if problem is not None:
            raise InputError(
                f"cannot write Parquet '{p}': pyarrow is not usable ({problem}). Install a pyarrow "
                "that matches your numpy (pyarrow < 26 for numpy 1.x), or write '.csv'."
            )
        frame = truth.copy()
        frame.attrs = json_safe(truth.attrs)  # kept by pandas in the Parquet metadata
        atomic_write(p, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        atomic_write(p, lambda tmp: truth.to_csv(tmp, index=False))
    return str(p)


def read_truth(path: str | os.PathLike) -> pd.DataFrame:
    """Read a truth table written by :func:`write_truth` (CSV or Parquet, by suffix).

    Parameters
    ----------
    path : str or path

    Returns
    -------
    pandas.DataFrame
        ``seq_id, label, motif, start, end, strand`` (label/start/end int32,
        1-based closed), RangeIndex.

    Examples
    --------
    >>> import tempfile, os
    >>> from deepg_interpret.synthetic import simulate_motifs
    >>> p = write_truth(simulate_motifs(10, 50, "TATAAT", seed=0), os.path.join(tempfile.mkdtemp(), "t.csv"))
    >>> read_truth(p).dtypes["start"]
    dtype('int32')
    """
    p, suffix = _truth_path(path)
    if not p.is_file():
        raise InputError(f"`path` = '{p}' does not exist; pass the truth file you wrote.")
    if suffix == ".parquet":
        problem = pyarrow_problem()
        if problem is not None:
            raise InputError(
                f"cannot read Parquet '{p}': pyarrow is not usable ({problem}). Read the '.csv' "
                "copy or install a pyarrow that matches your numpy."
            )
        df = pd.read_parquet(p)
    else:
        df = pd.read_csv(
            p, dtype={"seq_id": str, "motif": str, "strand": str}, keep_default_na=False
        )
    return _normalise_truth(df, "path")
