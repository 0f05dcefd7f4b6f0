"""Results of Global Importance Analysis (Koo et al. 2021): local and global effects.

Every experiment is a set of *conditions* (patterns embedded at positions) evaluated on
the same ``n`` null-model backgrounds. ``local effect = f(embedded) - f(background)`` per
background; the global importance of a condition is the mean local effect, with its
sample standard deviation and a t-based confidence interval of the mean
(``mean +- t_{n-1, (1 + level) / 2} * sd / sqrt(n)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from ..core.decisions import decision_step, order_decided
from ..errors import InputError
from .base import MethodResult
from .tables import r_friendly

_KEYS = ("experiment", "pattern", "position")


def mean_sd_ci(values: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """Row-wise mean, sd (ddof 1), t-based CI bounds of the mean and n, for (k, n) values."""
    from scipy import stats

    values = np.asarray(values, dtype=np.float64)
    n = values.shape[1]
    mean = values.mean(axis=1)
    if n < 2:  # one background: no spread to estimate
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan, nan, n
    sd = values.std(axis=1, ddof=1)
    half = stats.t.ppf((1 + level) / 2, n - 1) * sd / np.sqrt(n)
    return mean, sd, mean - half, mean + half, n


@dataclass
class GlobalImportanceResult(MethodResult):
    """Global Importance Analysis of one experiment.

    Attributes
    ----------
    experiment : str
        ``"embed"``, ``"position_scan"``, ``"multiplicity"``, ``"spacing"``,
        ``"kmer_scan"``, ``"variant_scan"``, ``"gc_flanks"`` or ``"interaction"``.
    conditions : pd.DataFrame
        One row per condition: ``experiment, pattern, position`` (1-based start of the
        first embedded pattern) and the experiment's own columns (``copies``,
        ``spacing``, ``variant_position``, ``base``, ...).
    f_background : np.ndarray
        float64 (n,): the model's output on every background (computed once).
    f_embedded : np.ndarray
        float64 (k, n): output on background ``j`` with condition ``i`` embedded.
    target, target_name : int, str or None
    level : float
        Confidence level of ``ci_low``/``ci_high`` (t-based interval of the mean).
    """

    TABLES: ClassVar[tuple[str, ...]] = ("global", "local")
    experiment: str
    conditions: pd.DataFrame
    f_background: np.ndarray
    f_embedded: np.ndarray
    target: int
    target_name: str | None = None
    level: float = 0.95
    settings: dict = field(default_factory=dict)

    @property
    def effects(self) -> np.ndarray:
        """Local effects (k, n): ``f(embedded) - f(background)``."""
        return self.f_embedded - self.f_background[None, :]

    def _extras(self) -> list[str]:
        return [c for c in self.conditions.columns if c not in _KEYS]

    def _stats(self, values: np.ndarray) -> dict:
        mean, sd, low, high, n = mean_sd_ci(values, self.level)
        return {"global_importance": mean, "sd": sd, "ci_low": low, "ci_high": high,
                "n": np.full(len(mean), n, dtype=np.int32)}

    def global_table(self) -> pd.DataFrame:
        """``experiment, pattern, position, global_importance, sd, ci_low, ci_high, n`` and
        the experiment's columns; one row per condition."""
        cond = self.conditions.reset_index(drop=True)
        df = pd.concat([cond[list(_KEYS)], pd.DataFrame(self._stats(self.effects)),
                        cond[self._extras()]], axis=1)
        return r_friendly(df, self._attrs())

    def local_table(self) -> pd.DataFrame:
        """``experiment, pattern, position, background_id, f_background, f_embedded, effect``
        and the experiment's columns; one row per condition and background (1-based ids)."""
        k, n = self.f_embedded.shape
        cond = self.conditions.reset_index(drop=True)
        rows = np.repeat(np.arange(k), n)
        df = cond[list(_KEYS)].iloc[rows].reset_index(drop=True)
        df["background_id"] = np.tile(np.arange(1, n + 1, dtype=np.int32), k)
        df["f_background"] = np.tile(self.f_background, k)
        df["f_embedded"] = self.f_embedded.reshape(-1)
        df["effect"] = self.effects.reshape(-1)
        extras = cond[self._extras()].iloc[rows].reset_index(drop=True)
        return r_friendly(pd.concat([df, extras], axis=1), self._attrs())

    def _attrs(self) -> dict:
        return {**self.settings, "target": self.target, "target_name": self.target_name,
                "ci": f"t-based {self.level:.0%} interval of the mean"}


@dataclass
class MultiplicityResult(GlobalImportanceResult):
    """1..k copies of a pattern; ``fit_table()``: a line through global importance vs copies."""

    TABLES: ClassVar[tuple[str, ...]] = ("global", "local", "fit")

    def fit_table(self) -> pd.DataFrame:
        """``experiment, pattern, slope, intercept, r2, n_points``: least-squares line of the
        global importance against ``copies`` (1..k), per pattern."""
        table = self.global_table()
        rows = []
        for pattern, part in table.groupby("pattern", sort=False):
            x = part["copies"].to_numpy(float)
            y = part["global_importance"].to_numpy(float)
            if len(x) >= 2:
                slope, intercept = np.polyfit(x, y, 1)
                resid = y - (slope * x + intercept)
                total = ((y - y.mean()) ** 2).sum()
                r2 = 1.0 - (resid ** 2).sum() / total if total > 0 else 1.0
            else:
                slope = intercept = r2 = np.nan
            rows.append({"experiment": self.experiment, "pattern": pattern, "slope": slope,
                         "intercept": intercept, "r2": r2, "n_points": len(x)})
        return r_friendly(pd.DataFrame(rows), self._attrs())


@dataclass
class KmerScanResult(GlobalImportanceResult):
    """Every k-mer at one position; ``top_table()`` ranks them."""

    TABLES: ClassVar[tuple[str, ...]] = ("global", "local", "top")
    top: int = 20

    def top_table(self, top: int | None = None) -> pd.DataFrame:
        """The ``top`` k-mers by global importance: ``rank`` then the global columns."""
        top = self.top if top is None else int(top)
        if top < 1:
            raise InputError(f"`top` must be >= 1; got {top}.")
        table = self.global_table()
        # Ranked on the decision grid of the largest effect (core.decisions), ties in
        # k-mer order, so float noise between machines does not reorder near-equal k-mers.
        gi = table["global_importance"].to_numpy(dtype=np.float64)
        table = table.iloc[order_decided(gi, decision_step(gi))].head(top)
        table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int32))
        return r_friendly(table, self._attrs())


@dataclass
class VariantScanResult(GlobalImportanceResult):
    """Every single-base variant of a pattern; ``logo_table()`` for a GIA logo."""

    TABLES: ClassVar[tuple[str, ...]] = ("global", "local", "logo")

    def logo_table(self) -> pd.DataFrame:
        """``pattern, variant_position, base, global_importance, delta, is_reference`` with
        ``delta`` = importance of the variant minus that of the unchanged pattern."""
        table = self.global_table()
        ref = table.loc[table["variant_position"] == 0, "global_importance"]
        ref_value = float(ref.iloc[0]) if len(ref) else np.nan
        logo = table[table["variant_position"] > 0][
            ["pattern", "variant_position", "base", "global_importance", "is_reference"]].copy()
        logo.insert(4, "delta", logo["global_importance"] - ref_value)
        return r_friendly(logo, self._attrs())


@dataclass
class InteractionResult(GlobalImportanceResult):
    """``f(AB) - f(A) - f(B) + f(none)`` per background; ``interaction_table()``."""

    TABLES: ClassVar[tuple[str, ...]] = ("interaction", "global", "local")

    def interaction_table(self) -> pd.DataFrame:
        """``experiment, pattern, position, position_b, interaction, sd, ci_low, ci_high, n``
        plus the global importance of A, B and AB; one row per pair of positions."""
        cond = self.conditions.reset_index(drop=True)
        rows = []
        for _, part in cond.groupby("pair", sort=True):
            idx = {c: i for i, c in zip(part.index, part["condition"])}
            inter = (self.f_embedded[idx["AB"]] - self.f_embedded[idx["A"]]
                     - self.f_embedded[idx["B"]] + self.f_background)
            stats = self._stats(inter[None])
            ab = cond.loc[idx["AB"]]
            rows.append({
                "experiment": self.experiment, "pattern": ab["pattern"],
                "position": ab["position"], "position_b": ab["position_b"],
                "interaction": stats["global_importance"][0], "sd": stats["sd"][0],
                "ci_low": stats["ci_low"][0], "ci_high": stats["ci_high"][0],
                "n": stats["n"][0],
                "importance_a": self.effects[idx["A"]].mean(),
                "importance_b": self.effects[idx["B"]].mean(),
                "importance_ab": self.effects[idx["AB"]].mean(),
            })
        return r_friendly(pd.DataFrame(rows), self._attrs())


__all__ = ["GlobalImportanceResult", "MultiplicityResult", "KmerScanResult",
           "VariantScanResult", "InteractionResult", "mean_sd_ci"]
