"""Backgrounds of independent bases: given base frequencies, a GC content, or the
GC content of a given sequence (GC-matched).

The sampler draws uniforms and maps them through the inverse CDF (three comparisons
per base), in row chunks so memory stays bounded; chunking does not change the
stream, so a seed gives the same bases whatever the chunk size.

Examples
--------
>>> iid_background(2, 8, gc=0.5, seed=1)
['GTATCCTC', 'GATGCTCC']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...checks import as_generator, check_fraction, check_int
from ...errors import ArgumentTypeError, BaselineError, InputError, SequenceError
from ..alphabet import BASES, INVALID_CODE, codes_to_strings
from ..sequences import DNA_VOCABULARY
from .onehot import check_count, check_onehot

__all__ = [
    "iid_background",
    "sample_iid_codes",
    "base_probs",
    "gc_matched",
    "gc_matched_codes",
]

# Rows of random numbers drawn at once are capped at this many elements (float64:
# 32 MiB), so a 100 x 1 Mbp background does not allocate gigabytes of uniforms.
CHUNK_ELEMENTS = 1 << 22


def inner_cdf(probs: np.ndarray) -> np.ndarray:
    """Inner cumulative boundaries (..., K - 1) of categorical rows (..., K).

    A draw ``u ~ U[0, 1)`` maps to category ``(u >= boundaries).sum(-1)``. Boundaries
    after which only zero-probability categories follow are set to exactly 1, so
    rounding in ``cumsum`` can never emit a category of probability 0.
    """
    cdf = np.cumsum(probs, axis=-1)
    cdf = cdf / cdf[..., -1:]
    tail = np.cumsum(probs[..., ::-1], axis=-1)[..., ::-1]  # mass at or after each category
    inner = cdf[..., :-1].copy()
    inner[tail[..., 1:] <= 0] = 1.0
    return inner


def base_probs(probs: Any = None, gc: Any = None, *, arg: str = "probs") -> np.ndarray:
    """Base probabilities (4,) in A, C, G, T order from ``probs`` or ``gc`` (validated).

    Examples
    --------
    >>> base_probs(gc=0.6).tolist()
    [0.2, 0.3, 0.3, 0.2]
    """
    if probs is not None and gc is not None:
        raise InputError(
            f"pass either `{arg}` (base frequencies) or `gc` (GC content), not both; got "
            f"{arg}={probs!r} and gc={gc!r}. Drop one of them."
        )
    if gc is not None:
        g = check_fraction(gc, "gc")
        return np.array([(1 - g) / 2, g / 2, g / 2, (1 - g) / 2])
    if probs is None:
        return np.full(4, 0.25)
    if isinstance(probs, Mapping):
        unknown = sorted(set(map(str, probs)) - set(BASES) - set(BASES.lower()))
        if unknown:
            raise InputError(
                f"`{arg}` has keys {unknown} that are not bases; expected keys among A, C, G, T, "
                f'e.g. {arg}={{"A": 0.3, "C": 0.2, "G": 0.2, "T": 0.3}}.'
            )
        upper = {str(k).upper(): v for k, v in probs.items()}
        probs = [upper.get(b, 0.0) for b in BASES]
    try:
        p = np.asarray(probs, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"`{arg}` must be 4 numbers (A, C, G, T) or a dict base -> frequency; got "
            f"{type(probs).__name__} ({probs!r})."
        ) from None
    if p.size != 4:
        raise InputError(
            f"`{arg}` must hold 4 frequencies in the order A, C, G, T; got {p.size} values "
            f"({p.tolist()}). Pass e.g. {arg}=[0.3, 0.2, 0.2, 0.3]."
        )
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise InputError(
            f"`{arg}` must be finite and non-negative; got {p.tolist()}. Pass frequencies such as "
            "[0.3, 0.2, 0.2, 0.3]."
        )
    if abs(p.sum() - 1.0) > 1e-3:
        raise InputError(
            f"`{arg}` must sum to 1; got {p.tolist()} (sum {p.sum():.6g}). Divide counts by their "
            "total, or pass `gc=` for a GC content."
        )
    return p / p.sum()


def sample_iid_codes(rng: np.random.Generator, n: int, length: int, p: np.ndarray) -> np.ndarray:
    """(n, L) uint8 codes, every position drawn independently from ``p`` (K categories).

    The code-level sampler behind every iid background (no validation: callers pass
    a Generator and probabilities that sum to 1). Inverse-CDF sampling is several
    times faster than ``rng.choice(p=...)`` and uses the same uniforms, so both give
    the same draws.

    Examples
    --------
    >>> sample_iid_codes(np.random.default_rng(0), 2, 5, np.array([0.5, 0, 0, 0.5])).tolist()
    [[3, 0, 0, 0, 3], [3, 3, 3, 3, 3]]
    """
    out = np.empty((n, length), dtype=np.uint8)
    boundaries = inner_cdf(p)
    rows = max(1, CHUNK_ELEMENTS // max(length, 1))
    for lo in range(0, n, rows):
        u = rng.random((min(rows, n - lo), length))
        out[lo : lo + rows] = np.searchsorted(boundaries, u, side="right")
    return out


def iid_background(
    n: int,
    length: int,
    *,
    probs: Any = None,
    gc: float | None = None,
    seed: Any = None,
    return_codes: bool = False,
) -> list[str] | np.ndarray:
    """Random DNA with independent, identically distributed bases.

    Parameters
    ----------
    n : int
        Number of sequences (>= 1).
    length : int
        Length of every sequence in bp (>= 1).
    probs : sequence of 4 floats or dict, optional
        Base frequencies in the order A, C, G, T (or ``{"A": .3, ...}``); must sum
        to 1. Default is uniform (0.25 each).
    gc : float, optional
        GC content in [0, 1] instead of ``probs``: C and G get ``gc / 2`` each,
        A and T ``(1 - gc) / 2``.
    seed : None, int or numpy.random.Generator
        Randomness. Default is None (fresh entropy).
    return_codes : bool
        Return the ``uint8`` code array (n, length) with A=0, C=1, G=2, T=3 instead
        of strings (what the other generators use internally). Default is False.

    Returns
    -------
    list of str or numpy.ndarray
        ``n`` DNA strings of ``length`` bases, or codes (n, length) ``uint8``.

    Examples
    --------
    >>> seqs = iid_background(3, 10, gc=0.6, seed=1)
    >>> len(seqs), len(seqs[0])
    (3, 10)
    """
    n = check_int(n, "n", 1)
    length = check_int(length, "length", 1)
    p = base_probs(probs, gc)
    codes = sample_iid_codes(as_generator(seed), n, length, p)
    return codes if return_codes else codes_to_strings(codes)


# --------------------------------------------------------------------------- GC-matched


def _gc_channels(vocabulary: Any, n_channels: int) -> tuple[list[int], list[int]]:
    """Channel indices of G and C, and of the A/T (or U) channels, found by letter."""
    if vocabulary is None:
        vocabulary = DNA_VOCABULARY
    if isinstance(vocabulary, str):
        vocabulary = tuple(vocabulary)
    try:
        letters = [str(v).upper() for v in vocabulary]
    except TypeError:
        raise ArgumentTypeError(
            f"`vocabulary` must be a tuple of channel letters such as ('A', 'C', 'G', 'T'); "
            f"got {type(vocabulary).__name__}."
        ) from None
    if len(letters) != n_channels:
        raise BaselineError(
            f"baseline='gc_matched' needs DNA in channel order {', '.join(letters)} "
            f"({len(letters)} channels) but `x` has {n_channels} channels; pass `vocabulary=` "
            "with one letter per channel, or use 'dinuc_shuffle', 'shuffle' or an explicit array."
        )
    gc = [i for i, v in enumerate(letters) if v in ("G", "C")]
    at = [i for i, v in enumerate(letters) if v in ("A", "T", "U")]
    if sorted(letters[i] for i in gc) != ["C", "G"] or not at:
        raise BaselineError(
            f"baseline='gc_matched' needs G and C channels (and A/T ones) to match a GC content, "
            f"but the vocabulary is {tuple(letters)}; choose another baseline: 'dinuc_shuffle', "
            "'shuffle', 'uniform', 'zero' or an explicit array."
        )
    return gc, at


def _gc_of_onehot(x: np.ndarray, gc: list[int], at: list[int]) -> float:
    """GC share of the base-channel mass of ``x`` (an ``N`` row of 1/4 counts half GC)."""
    bases = sorted(gc + at)
    total = float(x.sum() if len(bases) == x.shape[1] else x[:, bases].sum())
    if total <= 0:
        raise BaselineError(
            "baseline='gc_matched' needs a GC fraction, but `x` has no A/C/G/T (every row is "
            "all-zero, e.g. all N); use baseline='zero' or 'uniform' for this sequence."
        )
    return float(x[:, sorted(gc)].sum()) / total


def gc_matched(x, rng, n=1, *, vocabulary=DNA_VOCABULARY) -> np.ndarray:
    """Random iid bases with the same GC fraction as ``x``.

    The GC fraction is the C+G share of the base-channel mass of ``x`` (an ``N`` row
    of ``0.25`` counts as half GC, an all-zero row not at all). C and G are equally
    likely, and so are the A/T channels. Every position of the output is a base (no
    ``N``). The G and C channels are found by letter in ``vocabulary``.

    Parameters
    ----------
    x : np.ndarray
        One sequence, shape ``(L, C)``, channels in the order of ``vocabulary``.
    rng : np.random.Generator
        Random stream (``np.random.default_rng(seed)``); an int seed or None also works.
    n : int
        Number of baselines. Default is 1.
    vocabulary : tuple of str, optional
        Channel letters (case-insensitive). Default is ``("A", "C", "G", "T")``
        (None means the same).

    Returns
    -------
    np.ndarray
        ``float32`` one-hot array ``(n, L, C)``.

    Raises
    ------
    BaselineError
        If ``vocabulary`` does not name one letter per channel of ``x``, has no G
        or no C channel (or no A/T channel), or ``x`` holds no base at all.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(4, dtype="float32")[[1, 2, 1, 2, 0, 3, 1, 2]]    # 75 % GC
    >>> out = gc_matched(x, np.random.default_rng(0), n=200)
    >>> bool(abs(out[..., 1:3].sum(axis=-1).mean() - 0.75) < 0.05)
    True
    >>> out = gc_matched(x[:, ::-1], 0, n=200, vocabulary=("T", "G", "C", "A"))
    >>> bool(abs(out[..., 1:3].sum(axis=-1).mean() - 0.75) < 0.05)
    True
    """
    x = check_onehot(x)
    n = check_count(n)
    rng = as_generator(rng, "rng")
    gc_idx, at_idx = _gc_channels(vocabulary, x.shape[1])
    gc = _gc_of_onehot(x, gc_idx, at_idx)
    p = np.zeros(x.shape[1])
    p[gc_idx] = gc / 2
    p[at_idx] = (1 - gc) / len(at_idx)
    codes = sample_iid_codes(rng, n, x.shape[0], p)
    return np.eye(x.shape[1], dtype=np.float32)[codes]


def gc_matched_codes(codes, rng, n=1) -> np.ndarray:
    """iid A/C/G/T codes with the GC fraction of ``codes`` (same stream as :func:`gc_matched`).

    Parameters
    ----------
    codes : np.ndarray
        One sequence of codes ``(L,)`` (A=0, C=1, G=2, T=3; 255 = N, not counted).
    rng : np.random.Generator, int or None
        Random stream.
    n : int
        Number of sequences. Default is 1.

    Returns
    -------
    np.ndarray
        ``uint8`` (n, L).

    Examples
    --------
    >>> import numpy as np
    >>> out = gc_matched_codes(np.array([1, 2, 2, 1, 0, 255]), 0, n=400)
    >>> bool(abs(np.isin(out, [1, 2]).mean() - 0.8) < 0.05)
    True
    """
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.size == 0 or not np.issubdtype(codes.dtype, np.integer):
        raise SequenceError(
            f"`codes` must be one non-empty integer sequence (L,); got shape {codes.shape}, "
            f"dtype {codes.dtype}."
        )
    n = check_count(n)
    rng = as_generator(rng, "rng")
    valid = (codes >= 0) & (codes < 4)
    if not valid.any():
        raise BaselineError(
            "GC-matched sampling needs a GC fraction, but `codes` holds no A/C/G/T; use "
            "another background."
        )
    if np.any(~valid & (codes != INVALID_CODE)):
        raise SequenceError(
            f"`codes` must be 0..3 (A, C, G, T) or {INVALID_CODE} (N); got other values."
        )
    gc = float(np.isin(codes[valid], (1, 2)).mean())
    return sample_iid_codes(rng, n, codes.size, base_probs(gc=gc))
