"""Figures (matplotlib), one module per kind of result; every function returns a Figure.

``_common.py`` holds the shared checks and :func:`save_figure` (atomic writes);
``attribution.py`` the per-locus track and sequence logo. A new method adds its
figures in a module of its own here and re-exports them below.
"""

from ._common import save_figure
from .attribution import plot_logo, plot_per_locus

__all__ = ["plot_per_locus", "plot_logo", "save_figure"]
