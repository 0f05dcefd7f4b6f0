"""Per-base attribution results (saliency, gradient x input, Integrated Gradients)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from ..dna.sequences import EncodedSequences
from .base import MethodResult
from .tables import attribution_summary_table, attribution_table, ig_summary_table, per_locus_table


@dataclass
class AttributionResult(MethodResult):
    """Per-base attribution scores (saliency, gradient x input; base of IG's result).

    Attributes
    ----------
    attributions : np.ndarray
        float32 ``(n, L, C)``: one score per row of ``inputs`` (a sequence or a
        window), position and channel; zero where ``inputs.padding`` is set.
    inputs : EncodedSequences
        The encoded inputs (ids, 1-based starts, ambiguity mask, windows).
    method : str
        ``"saliency"``, ``"gradient_x_input"`` or ``"integrated_gradients"``.
    target, target_name
        0-based output index explained, and its class name if known.
    f_input : np.ndarray
        Model output (the explained target) at the inputs, ``(n,)``.
    settings : dict
        Everything needed to reproduce the run; copied into every table's ``attrs``.
    """

    TABLES: ClassVar[tuple[str, ...]] = ("attribution", "per_locus", "summary")

    attributions: np.ndarray
    inputs: EncodedSequences
    method: str
    target: int
    target_name: str | None
    f_input: np.ndarray
    settings: dict = field(default_factory=dict)

    def _attrs(self) -> dict:
        return {**self.settings, "method": self.method, "target": self.target,
                "target_name": self.target_name}

    @property
    def seq_ids(self) -> list[str]:
        return self.inputs.seq_ids

    @property
    def score_sums(self) -> np.ndarray:
        """Sum of every score per sequence, ``(n,)`` float64."""
        return self.attributions.sum(axis=(1, 2), dtype=np.float64)

    def attribution_table(self, stitch: bool = True) -> pd.DataFrame:
        """``seq_id, position, base, score, observed`` (one row per position and base).

        Plus ``member, member_position`` (set models) and ``n_windows`` (windows,
        stitched: the mean score of the windows covering a genome position);
        ``stitch=False`` keeps every window's rows with a ``window`` column. See
        :func:`deepg_interpret.results.tables.attribution_table`.
        """
        return attribution_table(self.attributions, self.inputs, self._attrs(), stitch=stitch)

    def per_locus_table(self, stitch: bool = True) -> pd.DataFrame:
        """``seq_id, position, ref_base, score_sum, score_abs_sum, score_ref, max_base``.

        Extra columns and ``stitch`` as in :meth:`attribution_table`.
        """
        return per_locus_table(self.attributions, self.inputs, self._attrs(), stitch=stitch)

    def summary_table(self) -> pd.DataFrame:
        """``seq_id, target, f_input, score_sum`` per forward pass.

        For windows: one row per window, with ``window, start, end`` after ``seq_id``.
        """
        return attribution_summary_table(self.inputs, self.target, self.f_input,
                                         self.score_sums, self._attrs())

    def __repr__(self) -> str:
        n, length, channels = self.attributions.shape
        target = f"{self.target}" + (f" ({self.target_name})" if self.target_name else "")
        return (f"{type(self).__name__}(method={self.method!r}, n={n}, length={length}, "
                f"channels={channels}, target={target})")


@dataclass
class IntegratedGradientsResult(AttributionResult):
    """Integrated Gradients: attributions plus the baseline's output.

    Attributes
    ----------
    f_baseline : np.ndarray
        Model output at the baselines (mean over ``n_baselines``), ``(n,)``.
    """

    f_baseline: np.ndarray = None

    @property
    def delta(self) -> np.ndarray:
        """Completeness gap ``F(x) - F(x') - sum(IG)`` per sequence."""
        return self.f_input - self.f_baseline - self.score_sums

    def summary_table(self) -> pd.DataFrame:
        """``seq_id, target, baseline, steps, f_input, f_baseline, ig_sum, delta`` per forward pass.

        For windows: one row per window, with ``window, start, end`` after ``seq_id``.
        """
        return ig_summary_table(
            self.inputs, self.target, str(self.settings.get("baseline", "explicit")),
            int(self.settings.get("steps", 0)), self.f_input, self.f_baseline, self.score_sums,
            self._attrs(),
        )


__all__ = ["AttributionResult", "IntegratedGradientsResult"]
