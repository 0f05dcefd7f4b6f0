"""Genome-track figure of erasure results: a score along the sequence, erased segments shaded.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from deepg_interpret.plots import plot_erasure
>>> track = pd.DataFrame({"seq_id": "g", "position": np.arange(1, 1001, dtype="int32"),
...                       "score_sum": np.sin(np.arange(1000) / 50)})
>>> segments = pd.DataFrame({"run": [1, 1], "start": [101, 601], "end": [200, 700],
...                          "frequency": [1.0, 0.5]})
>>> fig = plot_erasure(track, segments)
>>> len(fig.axes[0].patches)
2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.summaries import rolling_mean
from ..errors import InputError
from ..results.erasure import EvolutionaryErasureResult, OcclusionResult, segment_mask
from .common import check_frame, figure_and_axes, select_sequence


def _erasure_frequency(segments: pd.DataFrame, length: int) -> pd.DataFrame:
    """Share of runs whose best mask erases each position, ``position, score_sum``."""
    runs = pd.unique(segments["run"])
    freq = np.zeros(length)
    for r in runs:
        part = segments[segments["run"] == r]
        start = part["start"].to_numpy(int) - 1
        freq += segment_mask(start, part["end"].to_numpy(int) - start, length)
    return pd.DataFrame({"position": np.arange(1, length + 1), "score_sum": freq / len(runs)})


def plot_erasure(track=None, segments=None, *, seq_id=None, run=None, k=None, ax=None,
                 title=None) -> Figure:
    """A score along the sequence with the erased segments shaded.

    Parameters
    ----------
    track : pd.DataFrame or OcclusionResult, optional
        Per-locus scores (``position``, ``score_sum``, maybe ``seq_id``), e.g. the
        occlusion per-locus table (mean drop) or an attribution per-locus table.
        Default None: the share of restarts whose best mask erases each position
        (from ``segments``).
    segments : pd.DataFrame or EvolutionaryErasureResult, optional
        The segments table (``run, start, end, frequency``); shaded with opacity
        growing with ``frequency``.
    seq_id : str, optional
        Sequence of ``track`` to draw. Default: the first.
    run : int, optional
        Restart whose segments are shaded (1-based). Default: the table's
        ``attrs["best_run"]``, else the first run.
    k : int, optional
        Also draw a rolling mean of width ``k``. Default None.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    length = None
    if isinstance(segments, EvolutionaryErasureResult):
        length = segments.length
        segments = segments.segments_table()
    if isinstance(track, OcclusionResult):
        track = track.per_locus_table()
    if track is None and segments is None:
        raise InputError("pass a per-locus `track`, a `segments` table, or both")
    shaded: list[tuple[float, float, float]] = []
    if segments is not None:
        check_frame(segments, "segments", ("run", "start", "end", "frequency"),
                     "the segments table (result.segments_table())")
        chosen_run = run if run is not None else segments.attrs.get(
            "best_run", int(segments["run"].iloc[0]))
        part = segments[segments["run"] == chosen_run]
        if part.empty:
            raise InputError(f"run = {chosen_run!r} is not in `segments`; it holds runs "
                             f"{sorted(pd.unique(segments['run']).tolist())}")
        shaded = list(zip(part["start"].astype(float), part["end"].astype(float),
                          part["frequency"].astype(float)))
        if track is None:
            length = length or int(segments.attrs.get("length", segments["end"].max()))
            track = _erasure_frequency(segments, length)
    check_frame(track, "track", ("position", "score_sum"), "a per-locus table")
    rows, chosen, note = select_sequence(track, seq_id, "track")
    rows = rows.sort_values("position", kind="stable")
    position = rows["position"].to_numpy(dtype=np.float64)
    score = rows["score_sum"].to_numpy(dtype=np.float64)

    fig, ax = figure_and_axes(ax, (11, 3.5))
    for start, end, freq in shaded:
        ax.axvspan(start - 0.5, end + 0.5, color="tab:orange", alpha=0.15 + 0.35 * freq, lw=0,
                   zorder=0)
    ax.axhline(0.0, color="0.6", lw=0.6, zorder=1)
    ax.plot(position, score, color="0.25", lw=0.8, zorder=2, label="score")
    if k is not None:
        ax.plot(position, rolling_mean(score, k), color="red", lw=1.4, zorder=3,
                label=f"rolling mean (k = {k})")
        ax.legend(loc="upper right", fontsize="small", frameon=False)
    ax.set_xlabel("position (1-based)")
    ax.set_ylabel("score")
    label = title if title is not None else (chosen or "")
    if shaded:
        label += f"  (shaded: {len(shaded)} erased segments)"
    ax.set_title(label + note)
    return fig


__all__ = ["plot_erasure"]
