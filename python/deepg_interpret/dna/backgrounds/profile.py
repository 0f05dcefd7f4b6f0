"""Position-profile backgrounds: every position drawn from its own base frequencies.

A profile (L, 4) is the base frequency at each position of a set of equal-length
sequences. Sampling from it keeps position-dependent biases (a GC-rich start, a
conserved splice site) while averaging away motifs that occur at varying places;
Koo et al.'s Global Importance Analysis uses it as its default null model.

Examples
--------
>>> import numpy as np
>>> codes = np.array([[0, 1, 2], [0, 3, 2]], dtype=np.uint8)
>>> position_profile(codes).tolist()[1]
[0.0, 0.5, 0.0, 0.5]
>>> sample_profile_codes(np.random.default_rng(0), 3, position_profile(codes))[:, 0].tolist()
[0, 0, 0]
"""

from __future__ import annotations

import numpy as np

from ...checks import check_int
from ...errors import InputError, ShapeError
from .iid import inner_cdf

__all__ = ["position_profile", "sample_profile_codes"]


def position_profile(codes, *, pseudocount: float = 0.0) -> np.ndarray:
    """Base frequencies per position (L, 4) of equal-length code sequences.

    Parameters
    ----------
    codes : np.ndarray
        ``(n, L)`` integer codes A=0, C=1, G=2, T=3; other codes (``N`` = 255) are
        not counted.
    pseudocount : float
        Added to every count before normalising (so no base has probability 0).
        Default is 0.

    Returns
    -------
    np.ndarray
        float64 ``(L, 4)``, rows summing to 1 (a position without any valid base
        gets uniform frequencies).

    Examples
    --------
    >>> position_profile(np.array([[0, 0], [1, 255]])).tolist()
    [[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]
    """
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[0] == 0 or codes.shape[1] == 0:
        raise ShapeError(
            f"a profile needs codes of shape (n, L) with n, L >= 1; got shape {codes.shape}. "
            "Pass equal-length sequences."
        )
    if not np.isfinite(pseudocount) or pseudocount < 0:
        raise InputError(f"`pseudocount` must be >= 0; got {pseudocount}.")
    counts = np.stack([(codes == b).sum(axis=0) for b in range(4)], axis=1).astype(np.float64)
    counts += pseudocount
    totals = counts.sum(axis=1, keepdims=True)
    return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.25)


def sample_profile_codes(rng: np.random.Generator, n: int, profile: np.ndarray) -> np.ndarray:
    """``(n, L)`` uint8 codes, position ``j`` drawn from ``profile[j]`` (inverse CDF).

    Examples
    --------
    >>> p = np.array([[1.0, 0, 0, 0], [0, 0, 0, 1.0]])
    >>> sample_profile_codes(np.random.default_rng(1), 2, p).tolist()
    [[0, 3], [0, 3]]
    """
    n = check_int(n, "n", 1)
    profile = np.asarray(profile, dtype=np.float64)
    if profile.ndim != 2 or profile.shape[1] != 4:
        raise ShapeError(f"`profile` must have shape (L, 4); got {profile.shape}.")
    boundaries = inner_cdf(profile)  # (L, 3)
    u = rng.random((n, profile.shape[0]))
    return (u[:, :, None] >= boundaries[None]).sum(axis=2).astype(np.uint8)
