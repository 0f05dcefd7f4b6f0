"""Figures (matplotlib), one module per kind of result; every function returns a Figure.

``_common.py`` holds the shared checks and :func:`save_figure` (atomic writes);
``attribution.py`` the per-locus track and sequence logo. A new method adds its
figures in a module of its own here and re-exports them below.
"""

from .attribution import plot_logo, plot_per_locus
from .common import save_figure
from .erasure import plot_erasure
from .genome import plot_genome_track
from .gia import gia_logo_matrix, plot_gia_curve, plot_gia_effects, plot_gia_logo
from .pwm import plot_pwm

__all__ = ["plot_per_locus", "plot_logo", "save_figure", "plot_erasure",
           "plot_genome_track",
           "plot_gia_effects", "plot_gia_logo", "plot_gia_curve", "gia_logo_matrix",
           "plot_pwm"]
