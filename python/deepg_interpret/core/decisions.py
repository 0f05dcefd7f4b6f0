"""Decisions that float noise cannot flip: quantized comparison with fixed tie-breaks.

float32 model outputs differ by about 1e-7 of their size between CPUs, oneDNN on or
off, thread counts and batch compositions. A search, ranking or selection that
compares raw outputs turns such a difference into another answer (another parent in
the genetic algorithm, another "best" restart, another top position). Every decision
of the engine therefore compares *keys*, not values:

``key = round(value / step)``, with ``step = DECISION_RESOLUTION * 10**ceil(log10(scale))``

where ``scale`` is a size of the quantity that the method fixes up front (the
reference output for erasure, the largest output or score for rankings), taken to its
power of ten so that noise in ``scale`` itself does not move the grid. Values whose
keys are equal are ties, broken by a fixed key (population index, restart number,
position, motif id), never by the float order. With a resolution of ``1e-4`` of the
scale a decision can only change when a value lies within the noise (about
``1e-7 * scale``) of a grid edge: about 1 in 500 values, and then only if another
candidate sits in the neighbouring cell. Reported numbers are never rounded: only the
comparison is.
"""

from __future__ import annotations

import math

import numpy as np

DECISION_RESOLUTION = 1e-4  # share of the scale's power of ten below which values tie


def decision_step(scale, resolution: float = DECISION_RESOLUTION) -> float:
    """Grid step for values of size ``scale``: ``resolution`` times its power of ten.

    A zero, NaN or infinite scale counts as 1 (outputs of order one).

    Examples
    --------
    >>> decision_step(0.93), decision_step(12.5), decision_step(0.0)
    (0.0001, 0.01, 0.0001)
    """
    scale = float(np.nanmax(np.abs(np.asarray(scale, dtype=np.float64)), initial=0.0))
    if not math.isfinite(scale) or scale <= 0.0:
        scale = 1.0
    # Round-trip through a string so that 10**-2 * 1e-4 prints as 1e-06, not 1.0000000000000002e-06.
    return float(f"{resolution * 10.0 ** math.ceil(math.log10(scale)):.12g}")


def decision_keys(values, step: float) -> np.ndarray:
    """Keys ``round(values / step)`` (float64 integers); NaN ranks lowest (``-inf``).

    Examples
    --------
    >>> decision_keys([0.12344, 0.12346, float("nan")], 1e-4).tolist()
    [1234.0, 1235.0, -inf]
    """
    v = np.asarray(values, dtype=np.float64)
    keys = np.rint(v / step)
    return np.where(np.isnan(v), -np.inf, keys)


def relative_keys(values, digits: int = 4) -> np.ndarray:
    """Keys of values that span orders of magnitude (p-values): ``digits`` significant
    digits, so ``1.23456e-9`` and ``1.23457e-9`` tie; NaN ranks highest.

    Examples
    --------
    >>> relative_keys([1.23456e-9, 1.23457e-9, 0.5]).tolist()
    [1.235e-09, 1.235e-09, 0.5]
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.array([float(f"{x:.{digits - 1}e}") if np.isfinite(x) else np.inf for x in v.ravel()],
                   dtype=np.float64)
    return out.reshape(v.shape)


def argmax_decided(values, step: float, axis: int | None = None):
    """Index of the largest value by key (along ``axis``: an array); ties go to the
    first index.

    Examples
    --------
    >>> argmax_decided([0.50001, 0.50004, 0.3], 1e-4)  # a tie at this resolution
    0
    >>> argmax_decided([[0.1, 0.7], [0.40001, 0.4]], 1e-4, axis=-1).tolist()
    [1, 0]
    """
    if axis is None:
        return int(np.argmax(decision_keys(values, step)))
    return np.argmax(decision_keys(values, step), axis=axis)


def order_decided(values, step: float, *tiebreak, descending: bool = True) -> np.ndarray:
    """Indices sorted by key (largest first by default), ties by ``tiebreak`` arrays in
    turn (ascending), then by index.

    Examples
    --------
    >>> order_decided([0.2, 0.50001, 0.50004], 1e-4, [9, 7, 3]).tolist()
    [2, 1, 0]
    """
    keys = decision_keys(values, step)
    primary = -keys if descending else np.where(np.isneginf(keys), np.inf, keys)
    index = np.arange(len(keys))
    # lexsort sorts by the last key first.
    columns = [index] + [np.asarray(t) for t in reversed(tiebreak)] + [primary]
    return np.lexsort(columns)


__all__ = ["DECISION_RESOLUTION", "decision_step", "decision_keys", "relative_keys",
           "argmax_decided", "order_decided"]
