"""Sequence logos of PWMs: class optimization windows, matched motifs, any matrix.

Examples
--------
>>> import numpy as np
>>> from deepg_interpret.plots import plot_pwm
>>> fig = plot_pwm(np.array([[0.7, 0.1, 0.1, 0.1], [0.25] * 4, [0, 0, 0, 1.0]]))
>>> fig.axes[0].get_ylabel()
'bits'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.motif_matching import as_pwm
from ..checks import check_choice
from ..dna.motifs import information_content
from ..results.class_optimization import MotifWindow
from .common import figure_and_axes, logo_limits

PWM_KINDS = ("information", "probability")


def _first_position(pwm) -> int:
    if isinstance(pwm, MotifWindow):
        return pwm.start
    if isinstance(pwm, pd.DataFrame) and "position" in pwm.columns and len(pwm):
        return int(pwm["position"].min())
    return 1


def plot_pwm(pwm, *, kind: str = "information", ax=None, title=None) -> Figure:
    """Sequence logo of a PWM.

    Parameters
    ----------
    pwm : array, DataFrame, str or MotifWindow
        As for :func:`~deepg_interpret.match_motifs`: a matrix ``(width, 4)`` whose rows
        sum to 1, a PWM table of one restart (``position, base, probability``), a
        consensus string or ``result.best_window(width)``.
    kind : {"information", "probability"}
        Letter heights in bits (``p * IC`` of the position, the usual logo) or as
        probabilities. Default is "information".
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. Default is a new figure.
    title : str, optional
        Title. Default is the consensus (and the window for a MotifWindow).

    Returns
    -------
    matplotlib.figure.Figure
    """
    kind = check_choice(kind, "kind", PWM_KINDS)
    probs = as_pwm(pwm)
    first = _first_position(pwm)
    heights = probs * information_content(probs)[:, None] if kind == "information" else probs
    matrix = pd.DataFrame(heights, columns=list("ACGT"),
                          index=pd.RangeIndex(first, first + len(probs), name="position"))

    import logomaker  # slow to import; only logos need it

    fig, ax = figure_and_axes(ax, (min(20.0, max(3.0, 0.45 * len(matrix))), 2.5))
    logomaker.Logo(matrix, ax=ax, color_scheme="classic")
    logo_limits(ax, matrix, y=False)  # y: the fixed scale below
    ax.set_ylim(0, 2.0 if kind == "information" else 1.0)
    ax.set_xlabel("position (1-based)")
    ax.set_ylabel("bits" if kind == "information" else "probability")
    consensus = "".join("ACGT"[i] for i in np.argmax(probs, axis=1))
    default = consensus
    if isinstance(pwm, MotifWindow):
        default = f"restart {pwm.restart}, {pwm.start}-{pwm.end}: {pwm.consensus}"
    ax.set_title(title if title is not None else default)
    return fig


__all__ = ["plot_pwm", "PWM_KINDS"]
