"""Result containers shared by the methods (arrays plus their tidy tables)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .io.sequences import EncodedSequences
from .tables import attribution_table, ig_summary_table, per_locus_table


@dataclass
class AttributionResult:
    """Per-base attribution scores for a set of sequences.

    Attributes
    ----------
    attributions : np.ndarray
        float32 ``(n, L, C)``: one score per sequence, position and base.
    inputs : EncodedSequences
        The encoded inputs (ids, 1-based starts, ambiguity mask).
    method : str
        ``"integrated_gradients"``, ``"saliency"`` or ``"gradient_x_input"``.
    target, target_name
        0-based output index explained, and its class name if known.
    f_input, f_baseline : np.ndarray
        Model output (the explained target) at the inputs and, for IG, the
        mean over baselines.
    settings : dict
        Everything needed to reproduce the run; copied into every table's ``attrs``.
    """

    attributions: np.ndarray
    inputs: EncodedSequences
    method: str
    target: int
    target_name: str | None
    f_input: np.ndarray
    f_baseline: np.ndarray | None
    settings: dict = field(default_factory=dict)

    def _attrs(self) -> dict:
        return {**self.settings, "method": self.method, "target": self.target,
                "target_name": self.target_name}

    @property
    def seq_ids(self) -> list[str]:
        return self.inputs.seq_ids

    @property
    def delta(self) -> np.ndarray | None:
        """Completeness gap ``F(x) - F(x') - sum(IG)`` per sequence (IG only)."""
        if self.f_baseline is None:
            return None
        return self.f_input - self.f_baseline - self.attributions.sum(axis=(1, 2), dtype=np.float64)

    def attribution_table(self) -> pd.DataFrame:
        """``seq_id, position, base, score, observed`` (one row per position and base)."""
        return attribution_table(self.attributions, self.inputs, self._attrs())

    def per_locus_table(self) -> pd.DataFrame:
        """``seq_id, position, ref_base, score_sum, score_abs_sum, score_ref, max_base``."""
        return per_locus_table(self.attributions, self.inputs, self._attrs())

    def summary_table(self) -> pd.DataFrame:
        """``seq_id, target, baseline, steps, f_input, f_baseline, ig_sum, delta`` per sequence."""
        f_baseline = self.f_baseline if self.f_baseline is not None else np.full(len(self.f_input), np.nan)
        return ig_summary_table(
            self.inputs.seq_ids, self.target, str(self.settings.get("baseline", "none")),
            int(self.settings.get("steps", 0)), self.f_input, f_baseline,
            self.attributions.sum(axis=(1, 2), dtype=np.float64), self._attrs(),
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables by name: ``attribution``, ``per_locus``, ``summary``."""
        return {"attribution": self.attribution_table(), "per_locus": self.per_locus_table(),
                "summary": self.summary_table()}

    def to_frame(self) -> pd.DataFrame:
        """The attribution table."""
        return self.attribution_table()

    def __repr__(self) -> str:
        n, length, channels = self.attributions.shape
        target = f"{self.target}" + (f" ({self.target_name})" if self.target_name else "")
        return (f"AttributionResult(method={self.method!r}, n={n}, length={length}, "
                f"channels={channels}, target={target})")
