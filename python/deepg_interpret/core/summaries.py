"""Summaries of per-locus attribution scores (the poster's figures and numbers).

- :func:`rolling_mean`: the smoothed line over a per-locus score track.
- :func:`avg_match_percent` and :func:`match_percent` (Avg.Match%, the one definition):
  how often the top-scoring base is the motif base, compared on the decision grid.
- :func:`quantile_position`: where an interval (gene, motif) ranks among all windows
  of the same length.

Positions are 1-based and intervals closed, like every table of the package.

Examples
--------
>>> import numpy as np
>>> from deepg_interpret.core.summaries import quantile_position
>>> scores = np.zeros(100); scores[40:50] = 1.0
>>> quantile_position(scores, 41, 50)
1.0
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentTypeError, InputError, SequenceError, ShapeError
from .decisions import decision_keys, decision_step

_DNA = "ACGT"
_STATS = ("mean", "sum", "max")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _scores_1d(values, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ShapeError(
            f"`{name}` has shape {arr.shape} but a 1D array of per-locus scores is expected; "
            "pass one sequence's scores (e.g. the score_sum column of one seq_id)."
        )
    if arr.size == 0:
        raise ShapeError(f"`{name}` is empty; pass at least one score.")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ArgumentTypeError(f"`{name}` must be numeric; got dtype {arr.dtype}.")
    return arr.astype(np.float64)


def rolling_mean(values, k=50, *, center=True) -> np.ndarray:
    """Moving average that keeps the length of ``values``.

    Each output is the mean of the ``k`` values around it (``center=True``: from
    ``i - k//2`` to ``i + (k-1)//2``, as ``pandas.Series.rolling(k, center=True)``) or
    ending at it (``center=False``). Near the edges only the available values are used
    (``min_periods=1``); NaN values are skipped. Runs in O(L) via cumulative sums.

    Parameters
    ----------
    values : array-like
        1D scores, shape ``(L,)``.
    k : int
        Window length, >= 1. Default is 50.
    center : bool
        Centre the window on each position. Default is True.

    Returns
    -------
    np.ndarray
        ``float64`` array ``(L,)``.

    Examples
    --------
    >>> rolling_mean([0.0, 1.0, 2.0, 3.0, 4.0], k=3).tolist()
    [0.5, 1.0, 2.0, 3.0, 3.5]
    """
    arr = _scores_1d(values, "values")
    if not _is_int(k) or k < 1:
        raise InputError(f"`k` must be an int >= 1 (the window length); got {k!r}.")
    k = int(k)
    length = arr.size
    finite = ~np.isnan(arr)
    csum = np.concatenate([[0.0], np.cumsum(np.where(finite, arr, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(finite)])
    idx = np.arange(length)
    if center:
        lo, hi = idx - k // 2, idx + (k - 1) // 2
    else:
        lo, hi = idx - k + 1, idx
    lo = np.clip(lo, 0, length)
    hi = np.clip(hi + 1, 0, length)  # exclusive end
    count = ccount[hi] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (csum[hi] - csum[lo]) / count, np.nan)


def avg_match_percent(attributions, motif, start) -> float:
    """Share (%) of motif positions where the top-scoring base is the motif base.

    Parameters
    ----------
    attributions : np.ndarray
        Scores of one sequence, shape ``(L, 4)``, channel order A, C, G, T.
    motif : str
        Motif of A/C/G/T (case-insensitive); ``N`` positions are skipped.
    start : int
        1-based position of the motif's first base in the sequence.

    Returns
    -------
    float
        Percentage in ``[0, 100]``. A position counts as a match only when the motif
        base's score is strictly the largest of the four (ties, e.g. all-zero scores,
        are misses, so zero attributions never earn credit).

    Examples
    --------
    >>> import numpy as np
    >>> att = np.zeros((6, 4)); att[[1, 2, 3], [0, 1, 0]] = 1.0   # A at 2, C at 3, A at 4
    >>> avg_match_percent(att, "ACGT", 2)
    50.0
    """
    att = np.asarray(attributions)
    if att.ndim != 2 or att.shape[1] != 4:
        raise ShapeError(
            f"`attributions` has shape {att.shape} but (L, 4) scores of one sequence are "
            "expected (channel order A, C, G, T); pass result.attributions[i]."
        )
    if not isinstance(motif, str) or not motif:
        raise ArgumentTypeError(f"`motif` must be a non-empty string of A/C/G/T; got {motif!r}.")
    motif_up = motif.upper()
    bad = sorted(set(motif_up) - set(_DNA + "N"))
    if bad:
        raise SequenceError(
            f"`motif` {motif!r} has characters {''.join(bad)!r}; only A, C, G, T and N "
            "(skipped) are allowed."
        )
    if not _is_int(start):
        raise ArgumentTypeError(f"`start` must be an int (1-based position); got {start!r}.")
    length = att.shape[0]
    end = int(start) + len(motif) - 1
    if start < 1 or end > length:
        raise InputError(
            f"motif of length {len(motif)} at start = {start} covers {start}..{end}, outside "
            f"the sequence 1..{length}; pass a 1-based start between 1 and {length - len(motif) + 1}."
        )
    keep = np.array([c != "N" for c in motif_up])
    if not keep.any():
        raise InputError(f"`motif` {motif!r} is all N; nothing to score.")
    window = att[start - 1 : end][keep].astype(np.float64)
    if not np.isfinite(window).all():
        raise InputError("`attributions` has NaN or infinite values inside the motif.")
    truth = np.array([_DNA.index(c) for c in motif_up if c != "N"])
    return match_percent(window, truth, np.ones(truth.size, dtype=bool))


def match_percent(attributions, true_base, mask) -> float:
    """Avg.Match%: percentage of masked positions whose highest-scoring base is the true base.

    Parameters
    ----------
    attributions : array_like, shape (L, C)
        Attribution per position and base.
    true_base : array_like of int, shape (L,)
        Index of the true base per position (``-1`` = unknown, e.g. ``N``; counts as a miss).
    mask : array_like of bool, shape (L,)
        Positions to score (the motif).

    Returns
    -------
    float
        0-100, or NaN if the mask is empty. A tie for the highest score counts as a miss
        (with a zero baseline the unobserved bases all get exactly 0, and a motif base
        with a negative score must not "match" by tie-breaking).

    Examples
    --------
    >>> a = np.array([[0.5, 0, 0, 0], [0, 0, 0.2, 0.9]])
    >>> match_percent(a, [0, 2], [True, True])
    50.0
    """
    a = np.asarray(attributions, dtype="float64")
    t = np.asarray(true_base, dtype="int64").ravel()
    m = np.asarray(mask, dtype=bool).ravel()
    if a.ndim != 2 or a.shape[0] != t.size or t.size != m.size:
        raise ShapeError(
            f"`attributions` must be (L, C) with L = len(true_base) = len(mask); got "
            f"{a.shape}, {t.size} and {m.size}."
        )
    if not m.any():
        return float("nan")
    a, t = a[m], t[m]
    # Bases are compared on the decision grid of the largest score (core.decisions), so a
    # near-tie that float noise could break either way counts as a tie on every machine.
    a = decision_keys(a, decision_step(a))
    best = a.max(axis=1)
    known = t >= 0
    hit = np.zeros(t.size, dtype=bool)
    rows = np.flatnonzero(known)
    true_score = a[rows, t[rows]]
    unique_max = (a[rows] == best[rows, None]).sum(axis=1) == 1
    hit[rows] = (true_score == best[rows]) & unique_max
    return float(100.0 * hit.mean())


def _window_max(arr: np.ndarray, w: int) -> np.ndarray:
    """Max of every length-``w`` window in O(L) (van Herk / Gil-Werman)."""
    length = arr.size
    n_blocks = -(-length // w)
    padded = np.full(n_blocks * w, -np.inf)
    padded[:length] = arr
    blocks = padded.reshape(n_blocks, w)
    prefix = np.maximum.accumulate(blocks, axis=1).ravel()
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    starts = np.arange(length - w + 1)
    return np.maximum(suffix[starts], prefix[starts + w - 1])


def quantile_position(scores, start, end, *, stat="mean") -> float:
    """Rank of an interval's score among all windows of the same length.

    The statistic (``mean``, ``sum`` or ``max`` of ``scores`` over ``start..end``) is
    compared with the same statistic of every window of that length sliding over the
    sequence (``L - w + 1`` windows, the interval's own included). The result is the
    fraction of windows whose statistic is ``<=`` the interval's: 1.0 means no window
    scores higher. Windows equal up to floating-point rounding count as ties.

    Parameters
    ----------
    scores : array-like
        Per-locus scores of one sequence, shape ``(L,)`` (e.g. ``score_sum``).
    start, end : int
        1-based closed interval, ``1 <= start <= end <= L``.
    stat : {"mean", "sum", "max"}
        Window statistic. Default is ``"mean"`` (same ranking as ``"sum"``).

    Returns
    -------
    float
        Quantile in ``(0, 1]``.

    Examples
    --------
    >>> quantile_position([1, 2, 3, 4, 5], 2, 3)     # windows 3, 5, 7, 9 -> 5 is 2nd of 4
    0.5
    """
    arr = _scores_1d(scores, "scores")
    if not np.isfinite(arr).all():
        raise InputError("`scores` has NaN or infinite values; drop or fill them first.")
    if stat not in _STATS:
        raise InputError(f"`stat` must be one of {', '.join(_STATS)}; got {stat!r}.")
    for name, value in (("start", start), ("end", end)):
        if not _is_int(value):
            raise ArgumentTypeError(f"`{name}` must be an int (1-based position); got {value!r}.")
    length = arr.size
    if not 1 <= start <= end <= length:
        raise InputError(
            f"interval start = {start}, end = {end} is not inside the sequence 1..{length}; "
            "pass 1-based positions with 1 <= start <= end <= length."
        )
    w = int(end) - int(start) + 1
    if stat == "max":
        window = _window_max(arr, w)
        tol = 0.0  # a max is exact
    else:
        csum = np.concatenate([[0.0], np.cumsum(arr)])
        window = csum[w:] - csum[:-w]
        # Cumulative sums drift by rounding; equal windows must still tie.
        tol = 1e-10 * float(np.abs(arr).sum())
        if stat == "mean":
            window, tol = window / w, tol / w
    # The interval's own value from the same array, so it always ties with itself.
    own = window[int(start) - 1]
    return float(np.count_nonzero(window <= own + tol) / window.size)


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values (step-up FDR, capped at 1), in input order; NaN stays NaN.

    Computed by :func:`scipy.stats.false_discovery_control`.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    from scipy.stats import false_discovery_control

    p = np.asarray(p_values, dtype=np.float64).reshape(-1)
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        out[finite] = false_discovery_control(p[finite], method="bh")
    return out


__all__ = ["benjamini_hochberg", "rolling_mean", "avg_match_percent", "match_percent",
           "quantile_position"]
