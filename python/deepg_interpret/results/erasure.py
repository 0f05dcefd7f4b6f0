"""Erasure results: occlusion (sliding window) and evolutionary erasure (segment sets).

Coordinates in every table are 1-based and closed (``start..end``), relative to the
source sequence (genome positions for inputs cut into windows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from ..core.decisions import argmax_decided, decision_step
from ..dna.sequences import EncodedSequences
from .base import MethodResult, top_rows
from .tables import first_per_row, position_frame, r_friendly, ref_base_categorical, sequence_layout


def valid_range(inputs: EncodedSequences, row: int) -> tuple[int, int]:
    """``[lo, hi)``: 0-based offsets of row ``row`` that are sequence, not padding."""
    length = inputs.length
    if inputs.padding is None:
        return 0, length
    keep = np.flatnonzero(~inputs.padding[row])
    if keep.size == 0:
        return 0, 0
    return int(keep[0]), int(keep[-1]) + 1


def window_offsets(lo: int, hi: int, window: int, stride: int) -> np.ndarray:
    """0-based starts of the occlusion windows in ``[lo, hi)``: every ``stride`` bases
    from ``lo``, plus one flush with ``hi`` when the last would leave bases uncovered."""
    if hi - lo < window:
        return np.zeros(0, dtype=np.int64)
    starts = np.arange(lo, hi - window + 1, stride, dtype=np.int64)
    if starts[-1] + window < hi:
        starts = np.append(starts, hi - window)
    return starts


def occlusion_windows(inputs: EncodedSequences, window: int,
                      stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every occlusion window in table order: row index, 0-based start, and its index
    ``k`` within the row (int64 arrays)."""
    rows, offsets, ks = [], [], []
    for i in range(len(inputs)):
        lo, hi = valid_range(inputs, i)
        starts = window_offsets(lo, hi, window, stride)
        rows.append(np.full(len(starts), i, dtype=np.int64))
        offsets.append(starts)
        ks.append(np.arange(len(starts), dtype=np.int64))
    return np.concatenate(rows), np.concatenate(offsets), np.concatenate(ks)


@dataclass
class OcclusionResult(MethodResult):
    """Sliding-window occlusion: the target's output with each window erased.

    Attributes
    ----------
    inputs : EncodedSequences
        The encoded inputs (rows: sequences, windows of a genome, or set members
        concatenated).
    target, target_name
        0-based output index explained, and its class name if known.
    f_reference : np.ndarray
        float64 ``(n,)``: output at the unchanged inputs.
    f_erased : np.ndarray
        float64 ``(n, L)``: output with the window starting at offset ``j`` of row
        ``i`` replaced by the baseline (NaN where no window starts).
    window, stride : int
        Window length and step in bases.
    settings : dict
    """

    TABLES: ClassVar[tuple[str, ...]] = ("occlusion", "per_locus")

    inputs: EncodedSequences
    target: int
    target_name: str | None
    f_reference: np.ndarray
    f_erased: np.ndarray
    window: int
    stride: int
    settings: dict = field(default_factory=dict)

    def _attrs(self) -> dict:
        return {**self.settings, "method": "occlusion", "target": self.target,
                "target_name": self.target_name}

    def _windows(self) -> tuple[np.ndarray, np.ndarray]:
        """Row index and 0-based start of every occlusion window, in table order."""
        rows, offsets, _ = occlusion_windows(self.inputs, self.window, self.stride)
        return rows, offsets

    def occlusion_table(self) -> pd.DataFrame:
        """``seq_id, start, end, f_reference, f_erased, drop``: one row per window.

        ``drop = f_reference - f_erased`` (positive: the window supports the target).
        Inputs cut into windows (``window_step``) add ``window`` (the model window)
        after ``seq_id``; ``start``/``end`` are genome positions.
        """
        rows, offsets = self._windows()
        inputs = self.inputs
        start = inputs.starts[rows] + offsets
        f_ref = self.f_reference[rows]
        f_er = self.f_erased[rows, offsets]
        data = {"seq_id": np.asarray(inputs.source_ids if inputs.windowed else inputs.seq_ids,
                                     dtype=object)[rows]}
        if inputs.windowed:
            data["window"] = inputs.window[rows].astype(np.int32)
        data.update({"start": start.astype(np.int32),
                     "end": (start + self.window - 1).astype(np.int32),
                     "f_reference": f_ref, "f_erased": f_er, "drop": f_ref - f_er})
        return r_friendly(pd.DataFrame(data), self._attrs())

    def top_table(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` windows per sequence whose erasure drops the output most:
        occlusion rows of largest ``drop`` with a 1-based ``rank``, compared on the
        decision grid of :mod:`~deepg_interpret.core.decisions`, ties by ``start``."""
        return r_friendly(top_rows(self.occlusion_table(), "drop", n, tiebreak="start"),
                          self._attrs())

    def drop_per_position(self) -> tuple[np.ndarray, np.ndarray]:
        """``(sums, counts)`` float64 ``(n, L)``: summed drop and number of windows covering
        each cell of each row."""
        n, length = len(self.inputs), self.inputs.length
        rows, offsets = self._windows()
        drops = self.f_reference[rows] - self.f_erased[rows, offsets]
        # Differences of cumulative sums add every window over its span in O(n L).
        delta_s, delta_c = np.zeros((n, length + 1)), np.zeros((n, length + 1))
        np.add.at(delta_s, (rows, offsets), drops)
        np.add.at(delta_s, (rows, offsets + self.window), -drops)
        np.add.at(delta_c, (rows, offsets), 1.0)
        np.add.at(delta_c, (rows, offsets + self.window), -1.0)
        sums = np.cumsum(delta_s, axis=1)[:, :length]
        counts = np.rint(np.cumsum(delta_c, axis=1)[:, :length])
        return sums, counts

    def per_locus_table(self) -> pd.DataFrame:
        """``seq_id, position, ref_base, score_sum, n_occlusions``: one row per position.

        ``score_sum`` is the mean drop of the occlusion windows covering the position
        (named like the attribution methods' per-locus score so the same track plots
        work); ``n_occlusions`` counts those windows. Windows of one genome are
        stitched (their sums and counts added), set models add ``member,
        member_position`` and windowed inputs ``n_windows``, as for attributions.
        """
        inputs = self.inputs
        sums, counts = self.drop_per_position()
        layout = sequence_layout(inputs, stitch=True)
        s, c = sums.reshape(-1)[layout.cells], counts.reshape(-1)[layout.cells]
        if layout.group is not None:
            s = np.bincount(layout.group, weights=s, minlength=layout.n_rows)
            c = np.bincount(layout.group, weights=c, minlength=layout.n_rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(c > 0, s / np.maximum(c, 1), np.nan)
        vocab = list(inputs.vocabulary)
        ambiguous = first_per_row(inputs.ambiguous, layout)
        ref_codes = first_per_row(inputs.onehot, layout).argmax(axis=-1)
        ref_codes[ambiguous] = len(vocab)
        df = position_frame(layout, {
            "ref_base": ref_base_categorical(ref_codes, vocab),
            "score_sum": mean,
            "n_occlusions": np.rint(c).astype(np.int32),
        })
        return r_friendly(df, self._attrs())

    def __repr__(self) -> str:
        return (f"OcclusionResult(n={len(self.inputs)}, length={self.inputs.length}, "
                f"window={self.window}, stride={self.stride}, target={self.target})")


@dataclass
class EvolutionaryErasureResult(MethodResult):
    """Evolutionary erasure: the segment set whose erasure drops the target most.

    Attributes
    ----------
    seq_id : str
    target, target_name
    length, segment_length : int
        Sequence length and segment length in bases.
    f_reference, f_erased : float
        Output at the sequence, and with the best mask erased (predicted again).
    run_starts : np.ndarray
        int64 ``(restarts, n_segments)``: 0-based starts of each restart's best mask.
    run_drops : np.ndarray
        float64 ``(restarts,)``: their drops.
    history : np.ndarray
        float64 ``(k, 4)``: ``run`` (1-based), ``generation``, best and mean drop.
    null_drops : np.ndarray
        float64 ``(n_null,)``: drops of random segment sets of the same size.
    settings : dict
    """

    TABLES: ClassVar[tuple[str, ...]] = ("segments", "history", "summary", "null")

    seq_id: str
    target: int
    target_name: str | None
    length: int
    segment_length: int
    f_reference: float
    f_erased: float
    run_starts: np.ndarray
    run_drops: np.ndarray
    history: np.ndarray
    null_drops: np.ndarray
    settings: dict = field(default_factory=dict)

    def _attrs(self) -> dict:
        return {**self.settings, "method": "evolutionary_erasure", "target": self.target,
                "target_name": self.target_name, "seq_id": self.seq_id, "length": self.length}

    @property
    def best_run(self) -> int:
        """0-based index of the restart with the largest drop, compared on the search's
        decision grid (``settings["decision_step"]``, see :mod:`~deepg_interpret.core.decisions`),
        so float noise does not change it; the first restart on ties."""
        step = self.settings.get("decision_step") or decision_step(self.f_reference)
        return argmax_decided(self.run_drops, step)

    @property
    def best_drop(self) -> float:
        return float(self.run_drops[self.best_run])

    @property
    def best_starts(self) -> np.ndarray:
        """0-based starts of the best mask's segments, sorted."""
        return np.sort(self.run_starts[self.best_run])

    def mask(self, run: int | None = None) -> np.ndarray:
        """bool ``(length,)``: positions erased by the best mask (or restart ``run``, 0-based)."""
        starts = self.best_starts if run is None else self.run_starts[run]
        return segment_mask(starts, self.segment_length, self.length)

    @property
    def erased_share(self) -> float:
        """Share of the sequence the best mask erases (overlaps counted once)."""
        return float(self.mask().mean())

    def segments_table(self) -> pd.DataFrame:
        """``run, start, end, frequency``: the segments of each restart's best mask.

        ``frequency`` is the share of restarts whose best mask erases at least half
        of the segment (for grid segments: contains it). ``attrs["best_run"]`` is the
        1-based restart whose mask is reported as the best.
        """
        masks = np.stack([self.mask(r) for r in range(len(self.run_starts))])
        rows = []
        for r, starts in enumerate(self.run_starts):
            for s in np.sort(starts):
                covered = masks[:, s:s + self.segment_length].mean(axis=1) >= 0.5
                rows.append((r + 1, int(s) + 1, int(s) + self.segment_length,
                             float(covered.mean())))
        df = pd.DataFrame(rows, columns=["run", "start", "end", "frequency"])
        return r_friendly(df, {**self._attrs(), "best_run": self.best_run + 1})

    def history_table(self) -> pd.DataFrame:
        """``run, generation, best, mean``: best and mean drop of each generation's population."""
        h = self.history
        df = pd.DataFrame({"run": h[:, 0].astype(np.int32), "generation": h[:, 1].astype(np.int32),
                           "best": h[:, 2], "mean": h[:, 3]})
        return r_friendly(df, self._attrs())

    def null_table(self) -> pd.DataFrame:
        """``draw, drop``: the drop of each random segment set of the null."""
        df = pd.DataFrame({"draw": np.arange(1, len(self.null_drops) + 1, dtype=np.int32),
                           "drop": self.null_drops})
        return r_friendly(df, self._attrs())

    def summary_table(self) -> pd.DataFrame:
        """One row: ``seq_id, target, f_reference, f_erased, best, erased_share, best_run,
        null_mean, null_sd, z, p_value, n_null``.

        ``best`` is the best mask's drop; ``z = (best - null_mean) / null_sd``;
        ``p_value = (1 + #{null >= best}) / (1 + n_null)`` (empirical, never 0).
        """
        null = self.null_drops
        n_null = len(null)
        mean = float(null.mean()) if n_null else np.nan
        sd = float(null.std(ddof=1)) if n_null > 1 else np.nan
        best = self.best_drop
        z = (best - mean) / sd if n_null > 1 and sd > 0 else np.nan
        p = (1.0 + float(np.sum(null >= best))) / (1.0 + n_null) if n_null else np.nan
        df = pd.DataFrame([{
            "seq_id": self.seq_id, "target": self.target, "f_reference": self.f_reference,
            "f_erased": self.f_erased, "best": best, "erased_share": self.erased_share,
            "best_run": self.best_run + 1, "null_mean": mean, "null_sd": sd, "z": z,
            "p_value": p, "n_null": n_null,
        }])
        return r_friendly(df, self._attrs())

    def __repr__(self) -> str:
        return (f"EvolutionaryErasureResult(length={self.length}, segments="
                f"{self.run_starts.shape[1]} x {self.segment_length}, "
                f"f_reference={self.f_reference:.4g}, f_erased={self.f_erased:.4g})")


def segment_mask(starts, segment_length, length: int) -> np.ndarray:
    """bool ``(length,)``: True on every base of the segments ``[s, s + segment_length)``
    (``segment_length``: one int, or one per segment)."""
    delta = np.zeros(length + 1, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, np.minimum(starts + segment_length, length), -1)
    return np.cumsum(delta[:length]) > 0


__all__ = ["OcclusionResult", "EvolutionaryErasureResult", "segment_mask", "valid_range",
           "window_offsets", "occlusion_windows"]
