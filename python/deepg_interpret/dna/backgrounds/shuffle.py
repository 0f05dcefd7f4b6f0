"""Shuffled backgrounds: positions permuted, or dinucleotide counts kept exactly.

Two layers with the same random streams: code arrays (``(L,)`` integers, e.g. the
``uint8`` codes of :mod:`deepg_interpret.dna.alphabet`) and one-hot sequences ``(L, C)``.
For the same Generator state, ``dinuc_shuffle(x)`` and ``dinuc_shuffle_codes`` of the
matching codes give the same shuffles.

Examples
--------
>>> import numpy as np
>>> codes = np.array([0, 1, 2, 0, 1, 3, 0, 2], dtype=np.uint8)      # ACGACTAG
>>> out = dinuc_shuffle_codes(codes, np.random.default_rng(0), n=2)
>>> out.shape, out.dtype, bool((out[:, 0] == 0).all() and (out[:, -1] == 2).all())
((2, 8), dtype('uint8'), True)
"""

from __future__ import annotations

import numpy as np

from ...checks import as_generator
from ...errors import ArgumentTypeError, ShapeError
from .onehot import check_count, check_onehot, to_symbols

__all__ = ["shuffle_positions", "shuffle_codes", "dinuc_shuffle", "dinuc_shuffle_codes"]


def _position_orders(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """(n, L) random permutations of ``0 .. L - 1``, one per row."""
    return np.argsort(rng.random((n, length)), axis=1)


def _check_codes(codes) -> np.ndarray:
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.size == 0:
        raise ShapeError(
            f"`codes` has shape {codes.shape} but one non-empty sequence of codes (L,) is "
            "expected; pass a single row (e.g. codes[i])."
        )
    if not np.issubdtype(codes.dtype, np.integer) or (codes.size and codes.min() < 0):
        raise ArgumentTypeError(
            f"`codes` must hold non-negative integers (A=0, C=1, G=2, T=3); got dtype "
            f"{codes.dtype}. Use deepg_interpret.dna.alphabet to turn strings into codes."
        )
    return codes


def shuffle_positions(x, rng, n=1) -> np.ndarray:
    """Permute the rows (positions) of a sequence: deepG's ``baseline_type = "shuffle"``.

    Parameters
    ----------
    x : np.ndarray
        One sequence, shape ``(L, C)``.
    rng : np.random.Generator
        Random stream (``np.random.default_rng(seed)``); an int seed or None also works.
    n : int
        Number of shuffles. Default is 1.

    Returns
    -------
    np.ndarray
        ``float32`` array ``(n, L, C)``; each item holds the same multiset of rows as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(4, dtype="float32")[[0, 0, 1, 3]]
    >>> out = shuffle_positions(x, np.random.default_rng(1), n=2)
    >>> out.shape, out.sum(axis=1).tolist()[0]
    ((2, 4, 4), [2.0, 1.0, 0.0, 1.0])
    """
    x = check_onehot(x)
    n = check_count(n)
    rng = as_generator(rng, "rng")
    return x[_position_orders(rng, n, x.shape[0])]


def shuffle_codes(codes, rng, n=1) -> np.ndarray:
    """Permute the positions of a code sequence (same stream as :func:`shuffle_positions`).

    Parameters
    ----------
    codes : np.ndarray
        One sequence of integer codes, shape ``(L,)``.
    rng : np.random.Generator, int or None
        Random stream.
    n : int
        Number of shuffles. Default is 1.

    Returns
    -------
    np.ndarray
        ``(n, L)``, dtype of ``codes``.

    Examples
    --------
    >>> import numpy as np
    >>> out = shuffle_codes(np.array([0, 0, 1, 3]), np.random.default_rng(1), n=2)
    >>> sorted(out[0].tolist())
    [0, 0, 1, 3]
    """
    codes = _check_codes(codes)
    n = check_count(n)
    rng = as_generator(rng, "rng")
    return codes[_position_orders(rng, n, codes.size)]


def _wilson_last_edges(
    root: int,
    degree: np.ndarray,
    first: np.ndarray,
    order: np.ndarray,
    dst: np.ndarray,
    rng: np.random.Generator,
) -> list[int]:
    """Edge ids of a uniform random arborescence pointing to ``root`` (Wilson's algorithm).

    Picking a uniformly random out-edge (edges counted with multiplicity) at each step
    makes every labelled arborescence equally likely, which is what the Euler-path
    shuffle needs for a uniform draw among sequences with the same dinucleotide counts.
    """
    n_symbols = degree.size
    in_tree = np.zeros(n_symbols, dtype=bool)
    in_tree[root] = True
    in_tree[degree == 0] = True  # letters without outgoing edges are not part of the walk
    next_edge = np.full(n_symbols, -1, dtype=np.int64)
    for start in range(n_symbols):
        u = start
        while not in_tree[u]:
            edge = order[first[u] + rng.integers(degree[u])]
            next_edge[u] = edge  # overwriting erases loops
            u = dst[edge]
        u = start
        while not in_tree[u]:
            in_tree[u] = True
            u = dst[next_edge[u]]
    return [int(e) for e in next_edge if e >= 0]


def _dinuc_shuffle_symbols(
    symbols: np.ndarray, n_symbols: int, rng: np.random.Generator
) -> np.ndarray:
    """One Euler-path shuffle of a sequence of symbols ``0 .. n_symbols - 1`` (length >= 2).

    Altschul & Erickson 1985, Kandel et al. 1996.
    """
    length = symbols.size
    src, dst = symbols[:-1], symbols[1:]
    degree = np.bincount(src, minlength=n_symbols)
    first = np.concatenate([[0], np.cumsum(degree)[:-1]])
    order = np.argsort(src, kind="stable")

    last_edges = _wilson_last_edges(int(symbols[-1]), degree, first, order, dst, rng)

    # Random order of each letter's outgoing edges, with its tree edge forced to the end
    # (key 2 > any uniform draw), then grouped by letter.
    keys = rng.random(length - 1)
    keys[last_edges] = 2.0
    successors = dst[np.lexsort((keys, src))]
    per_symbol = np.split(successors, np.cumsum(degree)[:-1])
    takers = [iter(s.tolist()).__next__ for s in per_symbol]

    # The walk itself is inherently sequential; a bound-method call per step keeps it
    # at ~0.1 us per base.
    out = [0] * length
    v = int(symbols[0])
    out[0] = v
    for i in range(1, length):
        v = takers[v]()
        out[i] = v
    return np.asarray(out, dtype=np.int64)


def _dinuc_shuffles(symbols: np.ndarray, n_symbols: int, n: int, rng) -> np.ndarray:
    """(n, L) shuffles of ``symbols`` (int64); sequences under 3 symbols are repeated."""
    if symbols.size < 3:
        # At most one dinucleotide: the only sequence with these counts is the input.
        return np.repeat(symbols[None], n, axis=0)
    return np.stack([_dinuc_shuffle_symbols(symbols, n_symbols, rng) for _ in range(n)])


def dinuc_shuffle(x, rng, n=1) -> np.ndarray:
    """Shuffle a sequence keeping its dinucleotide counts exactly.

    Uses the Euler-path method (Altschul & Erickson 1985; Kandel et al. 1996): a random
    "last-edge" arborescence of the transition graph (drawn with Wilson's algorithm), a
    random order of the remaining edges, then the walk from the first letter. Every
    sequence with the same dinucleotide counts (and hence the same first and last
    letter) is equally likely. Non-one-hot rows (``N`` as all-zero or ``1/C``) count
    as extra letters, so their neighbours are kept consistent too.

    Parameters
    ----------
    x : np.ndarray
        One sequence, shape ``(L, C)``.
    rng : np.random.Generator
        Random stream (``np.random.default_rng(seed)``); an int seed or None also works.
    n : int
        Number of shuffles. Default is 1.

    Returns
    -------
    np.ndarray
        ``float32`` array ``(n, L, C)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(4, dtype="float32")[[0, 1, 2, 0, 1, 3, 0, 2]]   # ACGACTAG
    >>> out = dinuc_shuffle(x, np.random.default_rng(0), n=4)
    >>> out.shape, bool((out[:, 0] == x[0]).all())
    ((4, 8, 4), True)
    """
    x = check_onehot(x)
    n = check_count(n)
    rng = as_generator(rng, "rng")
    symbols, table = to_symbols(x)
    return table[_dinuc_shuffles(symbols, table.shape[0], n, rng)]


def dinuc_shuffle_codes(codes, rng, n=1) -> np.ndarray:
    """:func:`dinuc_shuffle` on integer codes: dinucleotide counts kept exactly.

    Every distinct value is a letter (so 255 for ``N`` keeps its neighbours too).
    For one-hot ``x`` without ``N`` rows and its codes ``x.argmax(1)``, the same
    Generator state gives the same shuffles as :func:`dinuc_shuffle`.

    Parameters
    ----------
    codes : np.ndarray
        One sequence of non-negative integer codes, shape ``(L,)``.
    rng : np.random.Generator, int or None
        Random stream.
    n : int
        Number of shuffles. Default is 1.

    Returns
    -------
    np.ndarray
        ``(n, L)``, dtype of ``codes``.

    Examples
    --------
    >>> import numpy as np
    >>> out = dinuc_shuffle_codes(np.array([0, 1, 0, 2, 0, 1]), 0, n=3)
    >>> out.shape, out[:, 0].tolist(), out[:, -1].tolist()
    ((3, 6), [0, 0, 0], [1, 1, 1])
    """
    codes = _check_codes(codes)
    n = check_count(n)
    rng = as_generator(rng, "rng")
    # Dense symbols in value order, so the walk's stream does not depend on gaps in the codes.
    values, symbols = np.unique(codes, return_inverse=True)
    shuffled = _dinuc_shuffles(symbols.reshape(-1).astype(np.int64), values.size, n, rng)
    return values[shuffled].astype(codes.dtype, copy=False)
