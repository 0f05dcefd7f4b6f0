"""What every figure module shares: argument checks, axes, intervals, atomic saving.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: nothing is shown, no global figure list grows in long R sessions, and
rendering uses Agg whatever backend the user has selected.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..errors import ArgumentTypeError, InputError
from ..io.files import atomic_write

_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


LETTER_MARGIN = 0.25  # space beside the outer letters of a logo, in positions


def logo_limits(ax: Axes, matrix: pd.DataFrame, *, y: bool = True) -> None:
    """Axis limits that hold every letter of a logomaker logo of ``matrix`` (rows:
    positions): logomaker ends its limits at the outer letters' edges, so the frame
    clips the first and last letter (and, for ``y``, the tallest and deepest stack).
    A quarter letter of margin left and right; 5% of the height above and below."""
    if not len(matrix):
        return
    pos = matrix.index.to_numpy(dtype=np.float64)
    ax.set_xlim(pos.min() - 0.5 - LETTER_MARGIN, pos.max() + 0.5 + LETTER_MARGIN)
    if y:
        top = float(matrix.clip(lower=0).sum(axis=1).max())
        bottom = float(matrix.clip(upper=0).sum(axis=1).min())
        pad = 0.05 * max(top - bottom, 1e-12)
        ax.set_ylim(bottom - pad, top + pad)


def check_frame(df, name: str, required: tuple[str, ...], hint: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ArgumentTypeError(
            f"`{name}` must be a pandas DataFrame ({hint}); got {type(df).__name__}."
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"`{name}` lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns))}. "
            f"Pass {hint}."
        )
    if df.empty:
        raise InputError(f"`{name}` has no rows; pass {hint} with at least one position.")


def select_sequence(df: pd.DataFrame, seq_id, name: str) -> tuple[pd.DataFrame, str | None, str]:
    """Rows of one sequence, its id, and a title note when the choice was implicit."""
    if "seq_id" not in df.columns:
        if seq_id is not None:
            raise InputError(f"`seq_id` = {seq_id!r} was given but `{name}` has no seq_id column.")
        return df, None, ""
    ids = pd.unique(df["seq_id"].astype(str))
    if seq_id is None:
        chosen = ids[0]
        note = f" (first of {len(ids)} sequences; pass seq_id= to choose)" if len(ids) > 1 else ""
    else:
        chosen = str(seq_id)
        note = ""
        if chosen not in ids:
            shown = ", ".join(map(repr, ids[:5])) + (", ..." if len(ids) > 5 else "")
            raise InputError(f"`seq_id` = {seq_id!r} is not in `{name}`; it holds {shown}.")
    return df[df["seq_id"].astype(str) == chosen], chosen, note


def figure_and_axes(ax, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=figsize)
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise ArgumentTypeError(f"`ax` must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return ax.figure, ax


def highlight_intervals(highlight, seq_id) -> list[tuple[float, float]]:
    if highlight is None:
        return []
    if isinstance(highlight, pd.DataFrame):
        # A truth or gene table (start, end, maybe seq_id): keep this sequence's rows.
        if not {"start", "end"} <= set(highlight.columns):
            raise InputError("`highlight` as a DataFrame needs columns start and end.")
        if "seq_id" in highlight.columns and seq_id is not None:
            highlight = highlight[highlight["seq_id"].astype(str) == seq_id]
        highlight = list(zip(highlight["start"], highlight["end"]))
    out = []
    for item in highlight:
        try:
            start, end = item
        except (TypeError, ValueError) as err:
            raise InputError(
                f"`highlight` items must be (start, end) pairs of 1-based positions; got {item!r}."
            ) from err
        if not (np.isscalar(start) and np.isscalar(end)) or start > end:
            raise InputError(
                f"`highlight` interval {item!r} must have start <= end (1-based, closed)."
            )
        out.append((float(start), float(end)))
    return out


def save_figure(fig, path, *, dpi=150) -> None:
    """Write a figure atomically (temp file in the same folder, then ``os.replace``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (as returned by the plot functions).
    path : str or os.PathLike
        Target file; the format comes from the suffix: ``.png``, ``.pdf`` or ``.svg``.
        Its folder must exist.
    dpi : int
        Resolution for PNG. Default is 150.

    Examples
    --------
    >>> import os, tempfile
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(); _ = fig.add_subplot().plot([1, 2])
    >>> out = os.path.join(tempfile.mkdtemp(), "plot.png")
    >>> save_figure(fig, out); os.path.exists(out)
    True
    """
    if not isinstance(fig, Figure):
        raise ArgumentTypeError(
            f"`fig` must be a matplotlib Figure (as returned by plot_per_locus / plot_logo); "
            f"got {type(fig).__name__}."
        )
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"`path` must be a file path (str); got {type(path).__name__}.")
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _FORMATS:
        raise InputError(
            f"`path` {path!r} has suffix {suffix or '(none)'!r}; use one of "
            f"{', '.join(_FORMATS)} to choose the format."
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"the folder of `path` {path!r} does not exist; create {folder!r} first.")
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=_FORMATS[suffix], dpi=dpi,
                                               bbox_inches="tight"))


__all__ = ["save_figure"]
