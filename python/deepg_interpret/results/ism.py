"""In silico mutagenesis results: one output change per position and alternative base."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np
import pandas as pd

from ..checks import check_choice
from ..dna.sequences import EncodedSequences
from .base import MethodResult, top_rows
from .tables import (
    attribution_table,
    per_locus_table,
    r_friendly,
    ref_base_categorical,
    summary_keys,
)


@dataclass
class ISMResult(MethodResult):
    """In silico mutagenesis: ``f(mutant) - f(reference)`` for every base at every position.

    Attributes
    ----------
    deltas : np.ndarray
        float32 ``(n, L, C)``: the change of the explained output when the position is
        set to the channel's base (one-hot), 0 at the reference base. At ambiguous
        positions (N, IUPAC codes: the reference row is not one-hot) every base is a
        mutant, so no entry is 0 by definition. NaN outside the region
        (``start``/``end``) and on padding, which the tables leave out.
    inputs : EncodedSequences
        The encoded inputs (the tables treat cells outside the region like padding).
    target, target_name
        0-based output index explained, and its class name if known.
    f_reference : np.ndarray
        float64 ``(n,)``: the model's output for the target at the unmutated input.
    region : tuple of int
        1-based closed ``(start, end)`` within each model input row.
    settings : dict
        Run settings (``path``: ``"fast"`` or ``"naive"``, ``fast_refused``: why the
        fast path did not run, ...); copied into every table's ``attrs``.
    """

    TABLES: ClassVar[tuple[str, ...]] = ("ism", "per_locus", "summary")

    deltas: np.ndarray
    inputs: EncodedSequences
    target: int
    target_name: str | None
    f_reference: np.ndarray
    region: tuple
    settings: dict = field(default_factory=dict)

    def _attrs(self) -> dict:
        return {**self.settings, "method": "ism", "target": self.target,
                "target_name": self.target_name}

    @property
    def seq_ids(self) -> list[str]:
        return self.inputs.seq_ids

    @property
    def path(self) -> str:
        """``"fast"`` or ``"naive"``: which computation ran."""
        return str(self.settings.get("path"))

    def ism_table(self, stitch: bool = True) -> pd.DataFrame:
        """``seq_id, position, ref_base, alt_base, delta``: one row per position and alternative.

        ``ref_base`` (Categorical: the vocabulary plus ``N``, which marks an ambiguous
        reference) and ``alt_base`` (Categorical: the vocabulary); the reference base
        itself has no row, ambiguous positions have one row per base. Extra columns as
        in :func:`deepg_interpret.results.tables.attribution_table` (``member``,
        ``member_position`` for set models; windows stitched with ``n_windows``, the
        mean over the windows covering the position, or every window's rows with a
        ``window`` column for ``stitch=False``).
        """
        frame = attribution_table(self._filled(), self._table_inputs(), None, stitch=stitch)
        channels = self.deltas.shape[2]
        vocab = list(self.inputs.vocabulary)
        observed = frame["observed"].to_numpy().reshape(-1, channels)
        ref_codes = np.where(observed.any(axis=1), observed.argmax(axis=1), channels)
        keep = ~observed.reshape(-1)
        frame = frame.rename(columns={"base": "alt_base", "score": "delta"})
        frame.insert(2, "ref_base", ref_base_categorical(np.repeat(ref_codes, channels), vocab))
        columns = [c for c in frame.columns if c != "observed"]
        frame = frame.loc[keep, columns]
        frame["delta"] = frame["delta"].astype(np.float32)
        return r_friendly(frame, self._attrs())

    def per_locus_table(self, stitch: bool = True) -> pd.DataFrame:
        """Per position: ``seq_id, position, ref_base, delta_mean, delta_l2`` plus the
        per-locus attribution columns.

        ``delta_mean`` is the mean change over the alternative bases (every base at
        ambiguous positions), ``delta_l2`` the L2 norm of those changes (a
        sensitivity track). The attribution per-locus columns follow with the deltas
        as scores (``score_sum``, ``score_abs_sum``, ``score_ref`` = 0, ``max_base``:
        the base whose mutant raises the output most), so the table works with
        :func:`~deepg_interpret.plots.plot_per_locus`. Extra columns and ``stitch`` as
        in :meth:`ism_table`.
        """
        deltas = self._filled()
        frame = per_locus_table(deltas, self._table_inputs(), None, stitch=stitch)
        channels = deltas.shape[2]
        n_alt = np.where(frame["ref_base"].cat.codes.to_numpy() == channels, channels,
                         channels - 1)
        table = self.ism_table(stitch=stitch)
        keys = [c for c in frame.columns if c in ("seq_id", "window", "position")]
        sq = table.assign(delta_sq=table["delta"].astype(np.float64) ** 2)
        grouped = sq.groupby(keys, sort=False, observed=True)[["delta_sq"]].sum()
        l2 = np.sqrt(grouped.reindex(pd.MultiIndex.from_frame(frame[keys]))["delta_sq"]
                     .to_numpy())
        frame.insert(3, "delta_mean", frame["score_sum"].to_numpy() / n_alt)
        frame.insert(4, "delta_l2", l2)
        return r_friendly(frame, self._attrs())

    def top_table(self, n: int = 10, by: str = "delta_l2") -> pd.DataFrame:
        """The ``n`` positions per sequence that change the output most: the per-locus
        rows of largest ``by`` (``"delta_l2"``, ``"delta_mean"`` or ``"score_abs_sum"``),
        with a 1-based ``rank``.

        Ranked on the decision grid of :mod:`~deepg_interpret.core.decisions` (1e-4 of
        the largest value's power of ten), ties by position, so float noise between
        machines or batch sizes does not reorder near-equal positions.
        """
        by = check_choice(by, "by", ("delta_l2", "delta_mean", "score_abs_sum"))
        return r_friendly(top_rows(self.per_locus_table(), by, n), self._attrs())

    def summary_table(self) -> pd.DataFrame:
        """``seq_id, target, f_reference, path, start, end, n_mutants, delta_min, delta_max``.

        One row per forward input (for windows, ``window`` and the window's ``start``
        and ``end`` follow ``seq_id``, and the region is ``region_start``,
        ``region_end``). ``path`` is ``"fast"`` or ``"naive"``.
        """
        keys = summary_keys(self.inputs)
        n = len(self.f_reference)
        start, end = self.region
        inside = self.deltas[:, start - 1:end]
        ambiguous = self.inputs.ambiguous[:, start - 1:end]
        padded = (np.zeros_like(ambiguous) if self.inputs.padding is None
                  else self.inputs.padding[:, start - 1:end])
        channels = self.deltas.shape[2]
        n_mutants = ((channels - 1) * (~padded).sum(axis=1)
                     + (ambiguous & ~padded).sum(axis=1))
        finite = np.where(np.isnan(inside), 0.0, inside)
        region_names = ("region_start", "region_end") if "start" in keys else ("start", "end")
        df = pd.DataFrame({
            **keys,
            "target": np.full(n, self.target, dtype=np.int32),
            "f_reference": np.asarray(self.f_reference, dtype=np.float64),
            "path": self.path,
            region_names[0]: np.full(n, start, dtype=np.int32),
            region_names[1]: np.full(n, end, dtype=np.int32),
            "n_mutants": n_mutants.astype(np.int32),
            "delta_min": finite.min(axis=(1, 2)).astype(np.float64),
            "delta_max": finite.max(axis=(1, 2)).astype(np.float64),
        })
        return r_friendly(df, self._attrs())

    def _table_inputs(self) -> EncodedSequences:
        """``inputs`` with the cells outside the region marked as padding (left out)."""
        start, end = self.region
        if start == 1 and end == self.inputs.length:
            return self.inputs
        outside = np.ones(self.inputs.onehot.shape[:2], dtype=bool)
        outside[:, start - 1:end] = False
        if self.inputs.padding is not None:
            outside |= self.inputs.padding
        return replace(self.inputs, padding=outside)

    def _filled(self) -> np.ndarray:
        """Deltas with NaN (outside the region: padding in ``inputs``) as 0 for the builders."""
        return np.nan_to_num(self.deltas, nan=0.0)

    def __repr__(self) -> str:
        n, length, channels = self.deltas.shape
        return (f"ISMResult(n={n}, length={length}, channels={channels}, target={self.target}, "
                f"region={self.region}, path={self.path!r})")


__all__ = ["ISMResult"]
