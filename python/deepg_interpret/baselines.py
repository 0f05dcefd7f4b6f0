"""Baselines (reference inputs) for Integrated Gradients on one-hot DNA.

Every function takes one sequence ``x`` of shape ``(L, C)`` (``C`` is the vocabulary
size, usually 4 for A, C, G, T) and returns ``float32`` baselines of shape
``(n, L, C)``. Rows that are not one-hot (all-zero rows for ``N``, or ``1/C`` rows)
are kept as they are by the shufflers: they move around like any other letter.

Only numpy is needed here; the methods import this module, never the reverse.

Examples
--------
>>> import numpy as np
>>> from deepg_interpret.baselines import make_baselines
>>> x = np.eye(4, dtype="float32")[[0, 1, 2, 3, 0, 1]]     # ACGTAC
>>> make_baselines(x, "dinuc_shuffle", 3, np.random.default_rng(0)).shape
(3, 6, 4)
"""

from __future__ import annotations

import warnings

import numpy as np

from .errors import ArgumentTypeError, BaselineError, DeepGInterpretWarning, InputError, ShapeError

BASELINE_NAMES = ("zero", "uniform", "shuffle", "dinuc_shuffle", "gc_matched", "background")

# Channel indices of the DNA vocabulary (A, C, G, T).
_GC_CHANNELS = (1, 2)
_AT_CHANNELS = (0, 3)


# --------------------------------------------------------------------------- validation


def _as_rng(rng) -> np.random.Generator:
    # A Generator passes through unchanged, so callers keep one stream; ints/None are a
    # convenience for interactive use.
    if isinstance(rng, np.random.Generator) or rng is None:
        return np.random.default_rng(rng)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ArgumentTypeError(
        f"`rng` must be a numpy Generator (np.random.default_rng(seed)), an int seed or None; "
        f"got {type(rng).__name__}."
    )


def _check_sequence(x) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as err:  # pragma: no cover - exotic inputs
            raise ArgumentTypeError(
                f"`x` must be a one-hot array of shape (L, C); got {type(x).__name__}."
            ) from err
    if x.ndim != 2:
        raise ShapeError(
            f"`x` has shape {x.shape} but one sequence of shape (L, C) is expected; "
            "pass a single sequence (e.g. onehot[i]), not a batch."
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ShapeError(
            f"`x` has shape {x.shape}; it needs at least one position and one channel."
        )
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise ArgumentTypeError(f"`x` must be a numeric one-hot array; got dtype {x.dtype}.")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise InputError("`x` contains NaN or infinite values; a one-hot sequence must be finite.")
    return x


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ArgumentTypeError(f"`n` must be an int >= 1; got {type(n).__name__} ({n!r}).")
    if n < 1:
        raise InputError(f"`n` must be >= 1 (the number of baselines); got {n}.")
    return int(n)


# --------------------------------------------------------------------------- symbols


def _to_symbols(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer symbol per row and the row table, so ``table[symbols] == x``.

    One-hot rows get their channel index; every other distinct row (all-zero ``N``,
    ``1/C`` rows, soft rows) becomes its own extra symbol, so it is shuffled like a letter.
    """
    n_channels = x.shape[1]
    one_hot = ((x == 1).sum(axis=1) == 1) & ((x == 0).sum(axis=1) == n_channels - 1)
    symbols = np.argmax(x, axis=1).astype(np.int64)
    table = np.eye(n_channels, dtype=np.float32)
    if not one_hot.all():
        other_rows, inverse = np.unique(x[~one_hot], axis=0, return_inverse=True)
        symbols[~one_hot] = n_channels + inverse.reshape(-1)
        table = np.concatenate([table, other_rows.astype(np.float32)])
    return symbols, table


# --------------------------------------------------------------------------- shufflers


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
    x = _check_sequence(x)
    n = _check_n(n)
    rng = _as_rng(rng)
    order = np.argsort(rng.random((n, x.shape[0])), axis=1)
    return x[order]


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
    """One Euler-path shuffle of an integer sequence (Altschul & Erickson 1985, Kandel et al. 1996)."""
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
    x = _check_sequence(x)
    n = _check_n(n)
    rng = _as_rng(rng)
    symbols, table = _to_symbols(x)
    if x.shape[0] < 3:
        # At most one dinucleotide: the only sequence with these counts is x itself.
        return np.repeat(x[None], n, axis=0)
    shuffled = np.stack([_dinuc_shuffle_symbols(symbols, table.shape[0], rng) for _ in range(n)])
    return table[shuffled]


def _gc_fraction(x: np.ndarray) -> float:
    total = float(x.sum())
    if total <= 0:
        raise BaselineError(
            "baseline='gc_matched' needs a GC fraction, but `x` has no A/C/G/T (every row is "
            "all-zero, e.g. all N); use baseline='zero' or 'uniform' for this sequence."
        )
    return float(x[:, list(_GC_CHANNELS)].sum()) / total


def gc_matched(x, rng, n=1) -> np.ndarray:
    """Random iid bases with the same GC fraction as ``x``.

    The GC fraction is the C+G share of the channel mass of ``x`` (an ``N`` row of
    ``0.25`` counts as half GC, an all-zero row not at all). C and G are equally likely,
    and so are A and T. Every position of the output is a base (no ``N``).

    Parameters
    ----------
    x : np.ndarray
        One sequence, shape ``(L, 4)`` in channel order A, C, G, T.
    rng : np.random.Generator
        Random stream (``np.random.default_rng(seed)``); an int seed or None also works.
    n : int
        Number of baselines. Default is 1.

    Returns
    -------
    np.ndarray
        ``float32`` one-hot array ``(n, L, 4)``.

    Raises
    ------
    BaselineError
        If ``x`` does not have 4 channels or holds no base at all.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(4, dtype="float32")[[1, 2, 1, 2, 0, 3, 1, 2]]    # 75 % GC
    >>> out = gc_matched(x, np.random.default_rng(0), n=200)
    >>> bool(abs(out[..., 1:3].sum(axis=-1).mean() - 0.75) < 0.05)
    True
    """
    x = _check_sequence(x)
    n = _check_n(n)
    rng = _as_rng(rng)
    if x.shape[1] != 4:
        raise BaselineError(
            f"baseline='gc_matched' needs DNA in channel order A, C, G, T (4 channels) but `x` "
            f"has {x.shape[1]} channels; use 'dinuc_shuffle', 'shuffle' or an explicit array."
        )
    gc = _gc_fraction(x)
    probs = np.array([1 - gc, gc, gc, 1 - gc]) / 2
    bases = rng.choice(4, size=(n, x.shape[0]), p=probs)
    return np.eye(4, dtype=np.float32)[bases]


# --------------------------------------------------------------------------- dispatcher


def _explicit(baseline: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    seq_shape = x.shape
    L, C = seq_shape
    fix = f"pass an array of shape ({L}, {C}) or (n_baselines, {L}, {C})"
    if baseline.ndim == 2 and baseline.shape == seq_shape:
        out = np.repeat(baseline[None], n, axis=0)
    elif baseline.ndim == 3 and baseline.shape[1:] == seq_shape:
        if baseline.shape[0] != n:
            raise BaselineError(
                f"baseline holds {baseline.shape[0]} baselines but n = {n} were asked for; "
                f"pass n={baseline.shape[0]} or an array of shape ({n}, {L}, {C})."
            )
        out = baseline
    else:
        raise BaselineError(
            f"baseline has shape {baseline.shape} but the sequence is {seq_shape}; {fix}."
        )
    if not np.issubdtype(out.dtype, np.number) and out.dtype != bool:
        raise BaselineError(f"baseline has dtype {out.dtype}; pass a numeric array.")
    out = out.astype(np.float32)
    if not np.isfinite(out).all():
        raise BaselineError("baseline contains NaN or infinite values; pass a finite array.")
    return out


def _from_background(background, x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    L, C = x.shape
    if background is None:
        raise BaselineError(
            "baseline='background' draws from a set of background sequences, but none was "
            f"given; pass background= as an array of shape (m, {L}, {C})."
        )
    background = np.asarray(background)
    if background.ndim == 2:
        background = background[None]
    if background.ndim != 3 or background.shape[1:] != x.shape or background.shape[0] == 0:
        raise BaselineError(
            f"background has shape {background.shape} but the sequence is {x.shape}; "
            f"pass an array of shape (m, {L}, {C}) with m >= 1."
        )
    background = background.astype(np.float32)
    if not np.isfinite(background).all():
        raise BaselineError("background contains NaN or infinite values; pass a finite array.")
    m = background.shape[0]
    picks = rng.choice(m, size=n, replace=n > m)
    return background[picks]


def make_baselines(x, baseline, n, rng, *, background=None) -> np.ndarray:
    """Build ``n`` baselines for one sequence.

    Parameters
    ----------
    x : np.ndarray
        One sequence, shape ``(L, C)``; channel order is the vocabulary (A, C, G, T).
    baseline : str or np.ndarray
        One of :data:`BASELINE_NAMES`:

        - ``"zero"``: all zeros (deepG's default).
        - ``"uniform"``: ``1/C`` everywhere (``0.25`` for DNA).
        - ``"shuffle"``: positions of ``x`` permuted (deepG's ``"shuffle"``).
        - ``"dinuc_shuffle"``: shuffle keeping dinucleotide counts exactly.
        - ``"gc_matched"``: iid bases with the GC fraction of ``x`` (DNA only).
        - ``"background"``: ``n`` sequences drawn from ``background`` (with replacement
          only when ``n`` exceeds their number).

        Or an explicit array of shape ``(L, C)`` (used ``n`` times) or ``(n, L, C)``.
    n : int
        Number of baselines (>= 1).
    rng : np.random.Generator
        Random stream (``np.random.default_rng(seed)``); an int seed or None also works.
    background : np.ndarray, optional
        ``(m, L, C)`` background sequences, required for ``baseline="background"``.

    Returns
    -------
    np.ndarray
        ``float32`` array ``(n, L, C)``.

    Raises
    ------
    BaselineError
        Unknown name, unusable explicit array or background, ``gc_matched`` on a
        non-DNA vocabulary.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(4, dtype="float32")[[0, 1, 2, 3, 3]]
    >>> make_baselines(x, "uniform", 2, np.random.default_rng(0))[0, 0].tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    x = _check_sequence(x)
    n = _check_n(n)
    rng = _as_rng(rng)

    if isinstance(baseline, np.ndarray):
        return _explicit(baseline, x, n)
    if not isinstance(baseline, str):
        raise ArgumentTypeError(
            f"`baseline` must be one of {', '.join(BASELINE_NAMES)} or a numpy array; "
            f"got {type(baseline).__name__} ({baseline!r})."
        )
    if baseline not in BASELINE_NAMES:
        raise BaselineError(
            f"unknown baseline {baseline!r}; use one of {', '.join(BASELINE_NAMES)} "
            "or pass an explicit array."
        )
    if background is not None and baseline != "background":
        warnings.warn(
            f"`background` is ignored with baseline={baseline!r}; use baseline='background' "
            "to draw baselines from it.",
            DeepGInterpretWarning,
            stacklevel=2,
        )

    L, C = x.shape
    if baseline == "zero":
        return np.zeros((n, L, C), dtype=np.float32)
    if baseline == "uniform":
        return np.full((n, L, C), 1.0 / C, dtype=np.float32)
    if baseline == "shuffle":
        return shuffle_positions(x, rng, n)
    if baseline == "dinuc_shuffle":
        return dinuc_shuffle(x, rng, n)
    if baseline == "gc_matched":
        return gc_matched(x, rng, n)
    return _from_background(background, x, n, rng)


__all__ = [
    "BASELINE_NAMES",
    "make_baselines",
    "dinuc_shuffle",
    "shuffle_positions",
    "gc_matched",
]
