"""Result of class optimization: the optimized inputs, their PWMs, traces, best windows.

Restarts are numbered from 1 in the tables and in the arguments of the methods here
(``restart=1`` is the first), like every other index a user sees; ``position`` is the
1-based position in the model's input (flanks included), so a window optimized between
a 20 bp left flank starts at position 21.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from ..checks import check_int
from ..core.decisions import argmax_decided, decision_keys, decision_step
from ..dna.motifs import information_content
from ..errors import InputError
from .base import MethodResult
from .tables import r_friendly

PWM_STEP = decision_step(1.0)  # probabilities: ties below 1e-4


def consensus_of(pwm: np.ndarray, vocabulary: tuple[str, ...]) -> str:
    """The most probable base per position; ``N`` where the maximum is shared (e.g. a
    uniform column), so a flat position never reads as a base. Probabilities are
    compared on a grid of ``1e-4`` (:mod:`~deepg_interpret.core.decisions`), so bases
    closer than that tie and float noise cannot swap the letter."""
    keys = decision_keys(pwm, PWM_STEP)
    top = keys.max(axis=1, keepdims=True)
    shared = (keys == top).sum(axis=1) > 1
    return "".join("N" if tie else vocabulary[i] for i, tie in zip(keys.argmax(axis=1), shared))


def _pwm_frame(pwm: np.ndarray, restart: np.ndarray, position: np.ndarray,
               vocabulary: tuple[str, ...]) -> pd.DataFrame:
    n_rows, channels = pwm.shape
    return pd.DataFrame({
        "restart": np.repeat(restart, channels).astype(np.int32),
        "position": np.repeat(position, channels).astype(np.int32),
        "base": pd.Categorical(np.tile(np.array(vocabulary), n_rows), categories=vocabulary),
        "probability": pwm.reshape(-1),
    })


@dataclass
class MotifWindow:
    """The window of highest information content of one restart's PWM.

    Attributes
    ----------
    pwm : numpy.ndarray
        float64 ``(width, C)``, rows sum to 1.
    restart : int
        1-based restart it comes from.
    start, end : int
        1-based closed interval in the model's input.
    information : numpy.ndarray
        Bits per position of ``pwm``.
    vocabulary : tuple of str
        Channel labels (the PWM's columns).
    """

    pwm: np.ndarray
    restart: int
    start: int
    end: int
    information: np.ndarray
    vocabulary: tuple[str, ...] = ("A", "C", "G", "T")

    @property
    def width(self) -> int:
        return int(self.pwm.shape[0])

    @property
    def consensus(self) -> str:
        """The most probable base at every position (``N`` where tied)."""
        return consensus_of(self.pwm, self.vocabulary)

    @property
    def total_information(self) -> float:
        """Information content of the window in bits."""
        return float(self.information.sum())

    def table(self) -> pd.DataFrame:
        """Tidy PWM: ``restart, position, base, probability`` (plus ``information``)."""
        df = _pwm_frame(self.pwm, np.full(self.width, self.restart),
                        np.arange(self.start, self.end + 1), self.vocabulary)
        df["information"] = np.repeat(self.information, len(self.vocabulary))
        return r_friendly(df, {"consensus": self.consensus, "start": self.start,
                               "end": self.end, "restart": self.restart,
                               "total_information": self.total_information})


@dataclass
class ClassOptimizationResult(MethodResult):
    """Result of :func:`~deepg_interpret.class_optimization`.

    Attributes
    ----------
    sequences : numpy.ndarray
        float32 ``(restarts, W, C)``: the optimized window ``S`` (clipped to ``[0, 1]``
        for ``"l2"``, on the simplex otherwise).
    pwms : numpy.ndarray
        float64 ``(restarts, W, C)``: ``S`` after Laplace smoothing, rows sum to 1.
    objective, output : numpy.ndarray
        float64 ``(restarts, steps)``: the penalized objective and the model's output
        ``f_target(S)`` at every step (before the step's update).
    f_final, f_consensus : numpy.ndarray
        float64 ``(restarts,)``: the output at the final ``S`` and at its consensus
        sequence (one-hot of the most probable base per position).
    window_start : int
        1-based position of the window's first base in the model's input.
    """

    TABLES: ClassVar[tuple[str, ...]] = ("pwm", "trace", "summary")

    sequences: np.ndarray
    pwms: np.ndarray
    objective: np.ndarray
    output: np.ndarray
    f_final: np.ndarray
    f_consensus: np.ndarray
    window_start: int
    vocabulary: tuple[str, ...]
    target: int
    target_name: str | None = None
    settings: dict = field(default_factory=dict)

    @property
    def n_restarts(self) -> int:
        return int(self.pwms.shape[0])

    @property
    def best_restart(self) -> int:
        """1-based restart whose final ``S`` scores highest (``f_final``, compared on the
        decision grid of :mod:`~deepg_interpret.core.decisions`: 1e-4 of the largest
        output's power of ten; ties go to the first restart)."""
        return argmax_decided(self.f_final, decision_step(self.f_final)) + 1

    def _restart(self, restart) -> int:
        if restart is None:
            return self.best_restart
        return check_int(restart, "restart", 1, self.n_restarts)

    def pwm_table(self) -> pd.DataFrame:
        """``restart, position, base, probability``: every restart's PWM."""
        n, width, _ = self.pwms.shape
        positions = np.tile(np.arange(width) + self.window_start, n)
        df = _pwm_frame(self.pwms.reshape(n * width, -1), np.repeat(np.arange(1, n + 1), width),
                        positions, self.vocabulary)
        return r_friendly(df, self._attrs())

    def trace_table(self) -> pd.DataFrame:
        """``restart, step, objective, output``: the optimization's progress."""
        n, steps = self.objective.shape
        df = pd.DataFrame({
            "restart": np.repeat(np.arange(1, n + 1), steps).astype(np.int32),
            "step": np.tile(np.arange(1, steps + 1), n).astype(np.int32),
            "objective": self.objective.reshape(-1),
            "output": self.output.reshape(-1),
        })
        return r_friendly(df, self._attrs())

    def summary_table(self) -> pd.DataFrame:
        """One row per restart: ``restart, objective`` (last step), ``f_final``,
        ``f_consensus``, ``information`` (bits of the whole PWM), ``consensus``."""
        df = pd.DataFrame({
            "restart": np.arange(1, self.n_restarts + 1, dtype=np.int32),
            "objective": self.objective[:, -1],
            "f_final": self.f_final,
            "f_consensus": self.f_consensus,
            "information": information_content(self.pwms).sum(axis=1),
            "consensus": [self.consensus(restart=r + 1) for r in range(self.n_restarts)],
        })
        return r_friendly(df, self._attrs())

    def best_window(self, width: int, restart: int | None = None) -> MotifWindow:
        """The ``width`` bp window of highest information content.

        Parameters
        ----------
        width : int
            Window width in bp (at most the optimized length).
        restart : int, optional
            1-based restart. Default None: :attr:`best_restart`.

        Returns
        -------
        MotifWindow
            ``.pwm`` ``(width, C)``, ``.consensus``, ``.start``/``.end``, ``.table()``.
        """
        total = self.pwms.shape[1]
        width = check_int(width, "width", 1)
        if width > total:
            raise InputError(
                f"`width` = {width} is larger than the optimized window ({total} bp); pass a "
                f"width between 1 and {total}")
        restart = self._restart(restart)
        pwm = self.pwms[restart - 1]
        bits = information_content(pwm)
        sums = np.convolve(bits, np.ones(width), mode="valid")
        # Compared on a grid of 1e-4 of the total's power of ten; ties: the leftmost window.
        first = argmax_decided(sums, decision_step(sums))
        return MotifWindow(pwm=pwm[first:first + width].copy(), restart=restart,
                           start=self.window_start + first,
                           end=self.window_start + first + width - 1,
                           information=bits[first:first + width].copy(),
                           vocabulary=self.vocabulary)

    def consensus(self, width: int | None = None, restart: int | None = None) -> str:
        """Consensus of the best window of ``width`` bp (None: the whole optimized window)."""
        if width is None:
            return consensus_of(self.pwms[self._restart(restart) - 1], self.vocabulary)
        return self.best_window(width, restart).consensus


__all__ = ["ClassOptimizationResult", "MotifWindow", "consensus_of"]
