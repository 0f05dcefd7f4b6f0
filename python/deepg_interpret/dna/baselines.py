"""Baselines (reference inputs) for Integrated Gradients on one-hot DNA.

Every function takes one sequence ``x`` of shape ``(L, C)`` (``C`` is the vocabulary
size, usually 4 for A, C, G, T) and returns ``float32`` baselines of shape
``(n, L, C)``. Rows that are not one-hot (all-zero rows for ``N``, or ``1/C`` rows)
are kept as they are by the shufflers: they move around like any other letter.

The samplers themselves (position and dinucleotide shuffles, GC-matched iid bases)
live in :mod:`deepg_interpret.dna.backgrounds`, shared with the synthetic data; this
module names them as baselines and dispatches. Only numpy is needed here; the
methods import this module, never the reverse.

Examples
--------
>>> import numpy as np
>>> from deepg_interpret.dna.baselines import make_baselines
>>> x = np.eye(4, dtype="float32")[[0, 1, 2, 3, 0, 1]]     # ACGTAC
>>> make_baselines(x, "dinuc_shuffle", 3, np.random.default_rng(0)).shape
(3, 6, 4)
"""

from __future__ import annotations

import warnings

import numpy as np

from ..checks import as_generator
from ..errors import ArgumentTypeError, BaselineError, DeepGInterpretWarning
from .backgrounds import dinuc_shuffle, gc_matched, shuffle_positions
from .backgrounds.onehot import check_count, check_onehot
from .sequences import DNA_VOCABULARY

BASELINE_NAMES = ("zero", "uniform", "shuffle", "dinuc_shuffle", "gc_matched", "background")


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


def make_baselines(
    x, baseline, n, rng, *, background=None, vocabulary=DNA_VOCABULARY
) -> np.ndarray:
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
        - ``"gc_matched"``: iid bases with the GC fraction of ``x`` (needs G and C
          channels in ``vocabulary``).
        - ``"background"``: ``n`` sequences drawn from ``background`` (with replacement
          only when ``n`` exceeds their number).

        Or an explicit array of shape ``(L, C)`` (used ``n`` times) or ``(n, L, C)``.
    n : int
        Number of baselines (>= 1).
    rng : np.random.Generator
        Random stream (``np.random.default_rng(seed)``); an int seed or None also works.
    background : np.ndarray, optional
        ``(m, L, C)`` background sequences, required for ``baseline="background"``.
    vocabulary : tuple of str, optional
        Channel letters of ``x`` in order, used by ``"gc_matched"`` to find the G and C
        channels. Default is ``("A", "C", "G", "T")`` (None means the same).

    Returns
    -------
    np.ndarray
        ``float32`` array ``(n, L, C)``.

    Raises
    ------
    BaselineError
        Unknown name, unusable explicit array or background, ``gc_matched`` with a
        vocabulary that has no G or C channel.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(4, dtype="float32")[[0, 1, 2, 3, 3]]
    >>> make_baselines(x, "uniform", 2, np.random.default_rng(0))[0, 0].tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    x = check_onehot(x)
    n = check_count(n)
    rng = as_generator(rng, "rng")

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
        return gc_matched(x, rng, n, vocabulary=vocabulary)
    return _from_background(background, x, n, rng)


__all__ = [
    "BASELINE_NAMES",
    "make_baselines",
    "dinuc_shuffle",
    "shuffle_positions",
    "gc_matched",
]
