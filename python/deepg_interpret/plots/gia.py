"""Figures of Global Importance Analysis (the paper's box plots, logos and curves).

Every function takes the tables of a GIA result (or the result itself) and returns a
:class:`matplotlib.figure.Figure` (no pyplot; write it with :func:`save_figure`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from deepg_interpret.plots.gia import plot_gia_effects
>>> local = pd.DataFrame({"pattern": ["A"] * 5 + ["B"] * 5, "position": 3,
...                       "effect": np.r_[np.ones(5), np.zeros(5)]})
>>> len(plot_gia_effects(local).axes)
1
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import InputError
from .common import check_frame, figure_and_axes

_MAX_BOXES = 40
_CURVE_X = ("position", "spacing", "copies", "gc_flank", "position_b")


def _table(obj, name: str) -> pd.DataFrame:
    """A result's table by name, or the DataFrame itself."""
    if hasattr(obj, "table") and hasattr(obj, "TABLES"):
        return obj.table(name)
    return obj


def _condition_labels(df: pd.DataFrame) -> pd.Series:
    label = df["pattern"].astype(str) + " @" + df["position"].astype(str)
    for col in ("copies", "spacing", "gc_flank", "condition"):
        if col in df.columns:
            label = label + f" {col}=" + df[col].astype(str)
    return label


def plot_gia_effects(local, *, max_boxes: int = _MAX_BOXES, ax=None, title=None) -> Figure:
    """Box plot of the local effects of every condition, the global importance marked.

    Parameters
    ----------
    local : pd.DataFrame or GlobalImportanceResult
        The local table (``pattern``, ``position``, ``effect``; experiment columns
        such as ``copies`` or ``spacing`` become part of the labels).
    max_boxes : int
        At most this many conditions (the first ones, in table order). Default 40.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        A red diamond marks each condition's mean (the global importance).
    """
    local = _table(local, "local")
    check_frame(local, "local", ("pattern", "position", "effect"),
                 "the local table (result.local_table())")
    labels = _condition_labels(local)
    order = list(pd.unique(labels))
    if len(order) > max_boxes:
        order = order[:max_boxes]
    groups = [local["effect"].to_numpy(float)[(labels == lab).to_numpy()] for lab in order]
    fig, ax = figure_and_axes(ax, (max(4.0, 0.6 * len(order) + 2), 4.0))
    ax.boxplot(groups, showfliers=False)
    ax.scatter(np.arange(1, len(order) + 1), [g.mean() for g in groups], marker="D",
               color="tab:red", zorder=3, label="global importance (mean)")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xticks(np.arange(1, len(order) + 1), order, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("local effect  f(embedded) - f(background)")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title or "global importance analysis")
    return fig


def gia_logo_matrix(logo) -> pd.DataFrame:
    """(w, 4) matrix of a variant scan: global importance per position and base, minus the
    mean over the 4 bases at that position (so the preferred base stands out)."""
    logo = _table(logo, "logo")
    check_frame(logo, "logo", ("variant_position", "base", "global_importance"),
                 "the logo table (variant_scan(...).logo_table())")
    matrix = logo.pivot_table(index="variant_position", columns="base",
                              values="global_importance", aggfunc="mean")
    matrix = matrix.reindex(columns=list("ACGT"))
    if matrix.isna().any().any():
        raise InputError("the logo table lacks some position/base rows; pass a full variant scan.")
    return matrix.sub(matrix.mean(axis=1), axis=0)


def plot_gia_logo(logo, *, ax=None, title=None) -> Figure:
    """Sequence logo of a variant scan (GIA logo): letter heights are the global importance
    of each single-base variant relative to the mean of the four bases at its position.

    Parameters
    ----------
    logo : pd.DataFrame or VariantScanResult
        ``variant_scan(...).logo_table()``.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Examples
    --------
    >>> import pandas as pd
    >>> logo = pd.DataFrame({"variant_position": [1] * 4 + [2] * 4, "base": list("ACGT") * 2,
    ...                      "global_importance": [1, 0, 0, 0, 0, 0, 2, 0]})
    >>> len(plot_gia_logo(logo).axes)
    1
    """
    import logomaker  # slow to import; only logos need it

    matrix = gia_logo_matrix(logo)
    matrix.index = matrix.index.astype(int)
    fig, ax = figure_and_axes(ax, (max(4.0, 0.5 * len(matrix) + 1), 2.5))
    logomaker.Logo(matrix, ax=ax, color_scheme="classic")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel("pattern position")
    ax.set_ylabel("global importance\n(centred per position)")
    ax.set_title(title or "GIA variant logo")
    return fig


def plot_gia_curve(table, *, x: str | None = None, ax=None, title=None) -> Figure:
    """Global importance (with its confidence band) against position, spacing, copies or
    flank GC content; one line per pattern.

    Parameters
    ----------
    table : pd.DataFrame or GlobalImportanceResult
        The global table (or ``interaction_table()``, plotted against ``position_b``).
    x : str, optional
        Column for the x axis. Default: ``spacing``, ``copies``, ``gc_flank``,
        ``position_b`` (interaction) or ``position``, the first the table has.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"pattern": "A", "position": [1, 2, 3],
    ...                   "global_importance": [0.1, 0.5, 0.2], "ci_low": [0, 0.4, 0.1],
    ...                   "ci_high": [0.2, 0.6, 0.3]})
    >>> plot_gia_curve(t).axes[0].get_xlabel()
    'position'
    """
    table = _table(table, "global")
    y = "interaction" if "interaction" in table.columns else "global_importance"
    if x is None:
        x = next(c for c in ("spacing", "copies", "gc_flank", "position_b", "position")
                 if c in table.columns and (c != "position_b" or y == "interaction"))
    if x not in _CURVE_X:
        raise InputError(f"`x` = {x!r} is not a curve axis; choose one of {_CURVE_X}.")
    check_frame(table, "table", ("pattern", x, y), "a GIA global table")
    fig, ax = figure_and_axes(ax, (7.0, 3.5))
    for pattern, part in table.dropna(subset=[x]).groupby("pattern", sort=False):
        part = part.sort_values(x)
        xs = part[x].to_numpy(float)
        ax.plot(xs, part[y].to_numpy(float), marker="o", ms=3, label=str(pattern))
        if {"ci_low", "ci_high"} <= set(part.columns):
            ax.fill_between(xs, part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float),
                            alpha=0.2)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel(x)
    ax.set_ylabel(y.replace("_", " "))
    if table["pattern"].nunique() <= 10:
        ax.legend(loc="best", fontsize=8)
    ax.set_title(title or f"global importance vs {x}")
    return fig


__all__ = ["plot_gia_effects", "plot_gia_logo", "plot_gia_curve", "gia_logo_matrix"]
