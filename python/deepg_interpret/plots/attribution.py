"""Figures of attribution tables: per-locus score tracks and sequence logos.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: nothing is shown, no global figure list grows in long R sessions, and
rendering uses Agg whatever backend the user has selected. Every function returns the
Figure; :func:`save_figure` writes it atomically.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from deepg_interpret.plots import plot_per_locus
>>> per_locus = pd.DataFrame({"seq_id": "s1", "position": np.arange(1, 101, dtype="int32"),
...                           "score_sum": np.sin(np.arange(100) / 10)})
>>> fig = plot_per_locus(per_locus, k=10, highlight=[(20, 30)])
>>> len(fig.axes)
1
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.summaries import rolling_mean
from ..errors import ArgumentTypeError, DeepGInterpretWarning, InputError
from .common import check_frame, figure_and_axes, highlight_intervals, logo_limits, select_sequence

_LOGO_WARN_POSITIONS = 2000


# --------------------------------------------------------------------------- plots


def plot_per_locus(per_locus, *, seq_id=None, k=50, highlight=None, ax=None, title=None) -> Figure:
    """Scatter of per-locus scores along a sequence with a rolling mean.

    Parameters
    ----------
    per_locus : pd.DataFrame
        The per-locus table (``seq_id, position, ref_base, score_sum, ...``); only
        ``position`` and ``score_sum`` (and ``seq_id`` if present) are used.
    seq_id : str, optional
        Sequence to draw. Default is the first one (the title then says so).
    k : int or None
        Window of the red rolling-mean line; None draws no line. Default is 50.
    highlight : list of (start, end) or pd.DataFrame, optional
        1-based closed intervals shaded in blue (planted motifs, genes). A DataFrame
        with ``start``/``end`` (and ``seq_id``) columns also works.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. Default is a new figure.
    title : str, optional
        Title. Default is the sequence id.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"position": range(1, 11), "score_sum": [0, 1] * 5})
    >>> fig = plot_per_locus(df, k=3)
    >>> len(fig.axes[0].collections[0].get_offsets())
    10
    """
    hint = "the per-locus table (result.per_locus_table())"
    check_frame(per_locus, "per_locus", ("position", "score_sum"), hint)
    rows, chosen, note = select_sequence(per_locus, seq_id, "per_locus")
    rows = rows.sort_values("position", kind="stable")
    position = rows["position"].to_numpy(dtype=np.float64)
    score = rows["score_sum"].to_numpy(dtype=np.float64)
    spans = highlight_intervals(highlight, chosen)

    fig, ax = figure_and_axes(ax, (10, 3.5))
    for start, end in spans:
        # +-0.5 so a one-base interval is visible and covers its whole base.
        ax.axvspan(start - 0.5, end + 0.5, color="tab:blue", alpha=0.2, lw=0, zorder=0)
    ax.axhline(0.0, color="0.6", lw=0.6, zorder=1)
    ax.scatter(
        position, score, s=6, color="0.25", alpha=0.6, linewidths=0, zorder=2, label="score_sum"
    )
    if k is not None:
        ax.plot(
            position,
            rolling_mean(score, k),
            color="red",
            lw=1.5,
            zorder=3,
            label=f"rolling mean (k = {k})",
        )
        ax.legend(loc="upper right", fontsize="small", frameon=False)
    ax.set_xlabel("position (1-based)")
    ax.set_ylabel("score_sum")
    ax.set_title((title if title is not None else (chosen or "")) + note)
    return fig


def plot_logo(
    attribution, *, seq_id=None, start=None, end=None, mode="observed", ax=None, title=None
) -> Figure:
    """Sequence logo of attribution scores over ``start..end``.

    Parameters
    ----------
    attribution : pd.DataFrame
        The attribution table (``seq_id, position, base, score, observed``).
    seq_id : str, optional
        Sequence to draw. Default is the first one (the title then says so).
    start, end : int, optional
        1-based closed range of positions. Default is the whole sequence.
    mode : {"observed", "all"}
        ``"observed"``: one letter per position, the observed base, with height = its
        score (as in DeepLIFT / IG logos). ``"all"``: all bases stacked by score.
        Default is ``"observed"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. Default is a new figure.
    title : str, optional
        Title. Default is the sequence id and range.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"position": [1, 1, 1, 1, 2, 2, 2, 2], "base": list("ACGTACGT"),
    ...                    "score": [0.5, 0, 0, 0, 0, 0, -0.2, 0],
    ...                    "observed": [1, 0, 0, 0, 0, 0, 1, 0]})
    >>> fig = plot_logo(df)
    >>> len(fig.axes[0].patches)      # one glyph per non-zero score
    2
    """
    hint = "the attribution table (result.attribution_table())"
    required = ("position", "base", "score") + (("observed",) if mode == "observed" else ())
    if mode not in ("observed", "all"):
        raise InputError(f"`mode` must be 'observed' or 'all'; got {mode!r}.")
    check_frame(attribution, "attribution", required, hint)
    rows, chosen, note = select_sequence(attribution, seq_id, "attribution")

    positions = rows["position"].to_numpy()
    lo, hi = int(positions.min()), int(positions.max())
    start = lo if start is None else start
    end = hi if end is None else end
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ArgumentTypeError(f"`{name}` must be an int (1-based position); got {value!r}.")
    if not lo <= start <= end <= hi:
        raise InputError(
            f"start = {start}, end = {end} is not inside the table's positions {lo}..{hi}; "
            "pass 1-based positions with start <= end."
        )
    if end - start + 1 > _LOGO_WARN_POSITIONS:
        warnings.warn(
            f"drawing a logo of {end - start + 1} positions is slow and unreadable; "
            "pass start= and end= to zoom in.",
            DeepGInterpretWarning,
            stacklevel=2,
        )

    rows = rows[(rows["position"] >= start) & (rows["position"] <= end)]
    values = rows["score"].to_numpy(dtype=np.float64)
    if mode == "observed":
        values = values * rows["observed"].to_numpy(dtype=np.float64)
    base = rows["base"]
    letters = (
        list(base.cat.categories)
        if isinstance(base.dtype, pd.CategoricalDtype)
        else sorted(base.unique())
    )
    long = pd.DataFrame(
        {
            "position": rows["position"].to_numpy(dtype=np.int64),
            "base": base.astype(str).to_numpy(),
            "score": values,
        }
    )
    if long.duplicated(["position", "base"]).any():
        raise InputError(
            "`attribution` has several rows for the same position and base; pass one "
            "sequence (seq_id=) of a single attribution table."
        )
    matrix = (
        long.pivot(index="position", columns="base", values="score")
        .reindex(columns=[str(b) for b in letters])
        .fillna(0.0)
    )

    import logomaker  # imported here: it is slow to import and only logos need it

    fig, ax = figure_and_axes(ax, (min(20.0, max(4.0, 0.3 * len(matrix))), 2.5))
    logomaker.Logo(matrix, ax=ax, color_scheme="classic")
    logo_limits(ax, matrix)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel("position (1-based)")
    ax.set_ylabel("score" if mode == "all" else "score (observed base)")
    default = f"{chosen}:{start}-{end}" if chosen is not None else f"{start}-{end}"
    ax.set_title((title if title is not None else default) + note)
    return fig


__all__ = ["plot_per_locus", "plot_logo"]
