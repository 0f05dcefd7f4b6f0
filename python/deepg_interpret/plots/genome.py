"""Genome track: per-locus scores along a genome above its genes, drawn by strand.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from deepg_interpret.plots import plot_genome_track
>>> loci = pd.DataFrame({"seq_id": "c", "position": np.arange(1, 1001),
...                      "score_sum": np.sin(np.arange(1000) / 50)})
>>> genes = pd.DataFrame({"seq_id": "c", "gene_id": ["g1", "g2"], "name": ["abc", "xyz"],
...                       "product": ["sporulation protein", "kinase"], "type": "CDS",
...                       "start": [100, 500], "end": [300, 800], "strand": ["+", "-"]})
>>> fig = plot_genome_track(loci, genes, highlight="sporulation")
>>> len(fig.axes)
2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from ..core.summaries import rolling_mean
from ..errors import ArgumentTypeError, InputError
from ..methods.genes import gene_set_mask
from .common import check_frame, select_sequence

_MAX_POINTS = 50_000   # beyond this the raw scores are drawn as a binned min-max band
_GENE_COLOURS = {"+": "#4C72B0", "-": "#55A868", ".": "#8C8C8C"}
_HIGHLIGHT = "#C44E52"


def _arrow(start: float, end: float, strand: str, y: float, head: float) -> np.ndarray:
    """Polygon of a gene: a box with a point on its 3' end (a box for '.')."""
    h = 0.35
    if strand == "+":
        tip = max(start, end - head)
        return np.array([(start, y - h), (tip, y - h), (end, y), (tip, y + h), (start, y + h)])
    if strand == "-":
        tip = min(end, start + head)
        return np.array([(end, y - h), (tip, y - h), (start, y), (tip, y + h), (end, y + h)])
    return np.array([(start, y - h), (end, y - h), (end, y + h), (start, y + h)])


def plot_genome_track(per_locus: pd.DataFrame, genes: pd.DataFrame, *, seq_id=None,
                      score: str = "score_sum", k: int | None = 50, region=None,
                      highlight=None, label_genes: bool | None = None,
                      title: str | None = None, figsize=(12.0, 4.5)) -> Figure:
    """Scores along the genome (points and rolling mean) above the genes, by strand.

    Parameters
    ----------
    per_locus : pandas.DataFrame
        ``seq_id, position`` and ``score`` (a per-locus table, windows stitched).
    genes : pandas.DataFrame
        An annotation or :func:`deepg_interpret.gene_scores` table (``start, end,
        strand``; ``seq_id``, ``name``, ``product``, ``type`` used when present).
        Non-coding rows are not drawn.
    seq_id : str, optional
        Contig to draw (default: the first).
    score : str
        Per-locus column. Default ``"score_sum"``.
    k : int or None
        Rolling mean width (the poster's 50); None draws no line.
    region : (start, end), optional
        1-based closed window of the contig to draw.
    highlight : str or list, optional
        A gene set (product regex or ids/names, as in :func:`gene_set_test`): its genes
        in red, their spans shaded in the score panel.
    label_genes : bool, optional
        Write gene names (default: when at most 40 genes are in view).
    title : str, optional
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: scores (top), genes (bottom; ``+`` strand above, ``-`` below).
    """
    check_frame(per_locus, "per_locus", ("position", score), "a per-locus table")
    check_frame(genes, "genes", ("start", "end"), "an annotation or gene_scores() table")
    loci, chosen, note = select_sequence(per_locus, seq_id, "per_locus")
    loci = loci.sort_values("position")
    pos = loci["position"].to_numpy(np.int64)
    values = loci[score].to_numpy(np.float64)
    lo, hi = int(pos.min()), int(pos.max())
    if region is not None:
        try:
            lo, hi = (int(region[0]), int(region[1]))
        except (TypeError, ValueError, IndexError):
            raise ArgumentTypeError(f"`region` must be (start, end); got {region!r}") from None
        if not lo <= hi:
            raise InputError(f"`region` = {region!r} needs start <= end (1-based, closed)")
    smooth = rolling_mean(values, k) if k is not None else None
    view = (pos >= lo) & (pos <= hi)
    feats = genes
    if "seq_id" in feats.columns and chosen is not None:
        feats = feats[feats["seq_id"].astype(str) == chosen]
    if "type" in feats.columns:
        feats = feats[feats["type"] != "noncoding"]
    feats = feats[(feats["end"] >= lo) & (feats["start"] <= hi)].reset_index(drop=True)
    marked = (gene_set_mask(feats, highlight, "highlight") if highlight is not None and len(feats)
              else np.zeros(len(feats), dtype=bool))

    fig = Figure(figsize=figsize)
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 1), hspace=0.05)
    ax, gax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    gax.sharex(ax)
    p, v = pos[view], values[view]
    if p.size > _MAX_POINTS:
        bins = np.linspace(lo, hi + 1, 2001)
        which = np.clip(np.digitize(p, bins) - 1, 0, bins.size - 2)
        low = pd.Series(v).groupby(which).min()
        high = pd.Series(v).groupby(which).max()
        centre = (bins[low.index] + bins[low.index + 1]) / 2
        ax.fill_between(centre, low.to_numpy(), high.to_numpy(), color="0.75", lw=0,
                        label=f"{score} (range per bin)")
    else:
        ax.scatter(p, v, s=2, color="0.6", lw=0, label=score, rasterized=True)
    if smooth is not None:
        ax.plot(p, smooth[view], color="black", lw=1, label=f"rolling mean (k = {k})")
    for start, end in feats.loc[marked, ["start", "end"]].itertuples(index=False):
        ax.axvspan(start - 0.5, end + 0.5, color=_HIGHLIGHT, alpha=0.15, lw=0)
    ax.axhline(0, color="0.3", lw=0.5)
    ax.set_ylabel(score)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    ax.tick_params(labelbottom=False)
    ax.set_title((title or "Scores along the genome" + (f": {chosen}" if chosen else "")) + note)

    head = max((hi - lo) / 150.0, 1.0)
    strand = (feats["strand"].astype(str).to_numpy() if "strand" in feats.columns
              else np.full(len(feats), "."))
    ys = np.where(strand == "+", 1.0, np.where(strand == "-", -1.0, 0.0))
    polys = [_arrow(s - 0.5, e + 0.5, st, y, head)
             for s, e, st, y in zip(feats["start"], feats["end"], strand, ys)]
    colours = [_HIGHLIGHT if m else _GENE_COLOURS.get(st, "#8C8C8C")
               for m, st in zip(marked, strand)]
    gax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="none"))
    if label_genes is None:
        label_genes = len(feats) <= 40
    if label_genes and "name" in feats.columns:
        for (s, e, name), y in zip(feats[["start", "end", "name"]].itertuples(index=False), ys):
            if name:
                gax.text((s + e) / 2, y + 0.45, str(name), ha="center", va="bottom", fontsize=6,
                         clip_on=True)
    gax.set_ylim(-1.8, 1.8)
    gax.set_yticks([1, -1], ["+", "-"])
    gax.set_xlim(lo - 0.5, hi + 0.5)
    gax.set_xlabel("position (bp)" + (f" on {chosen}" if chosen else ""))
    return fig


__all__ = ["plot_genome_track"]
