"""k-mer frequencies and order-k Markov chain backgrounds fitted to real DNA.

:func:`fit_markov` counts the (k + 1)-mers of a genome (a DNA string, a FASTA file
or a list of strings) and :meth:`MarkovModel.sample` draws sequences with the same
k-mer composition, as codes or strings. Non-ACGT characters break k-mers; no
k-mer spans two FASTA records.

Examples
--------
>>> model = fit_markov("ACGTTGCA" * 50, order=1)
>>> model.sample(2, 12, seed=0, return_codes=True).shape
(2, 12)
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...checks import as_generator, check_int
from ...errors import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    InputError,
    SequenceError,
    ShapeError,
)
from ..alphabet import INVALID_CODE, codes_to_strings, sequence_to_codes
from ..fasta import looks_like_path, read_fasta
from .iid import CHUNK_ELEMENTS, inner_cdf

__all__ = ["MarkovModel", "fit_markov", "kmer_frequencies"]

MAX_MARKOV_ORDER = 10


def _kmer_index(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index (0 .. 4**k - 1, lexicographic A<C<G<T) of every overlapping k-mer of
    ``codes`` (1-D) and a mask of the k-mers free of invalid (non-ACGT) bases."""
    n_windows = codes.size - k + 1
    if n_windows <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    # A window is valid when the running count of invalid bases does not grow inside it.
    bad = np.concatenate([[0], np.cumsum(codes == INVALID_CODE)])
    valid = (bad[k:] - bad[:-k]) == 0
    idx = np.zeros(n_windows, dtype=np.int64)
    for j in range(k):  # loop over the k digits, each step vectorised over all windows
        idx = idx * 4 + codes[j : j + n_windows]
    return idx, valid


def _kmer_counts(codes: np.ndarray, k: int) -> np.ndarray:
    if k == 0:
        return np.array([float(np.count_nonzero(codes != INVALID_CODE))])
    idx, valid = _kmer_index(codes, k)
    return np.bincount(idx[valid], minlength=4**k).astype(float)


def _source_sequences(source: Any, arg: str) -> tuple[list[str], str]:
    """DNA strings and a description from a string, a path, or a list of strings."""
    if isinstance(source, Path) or (isinstance(source, str) and looks_like_path(source)):
        path = Path(source)
        if not path.is_file():
            raise InputError(
                f"`{arg}` looks like a file path but '{path}' does not exist. Pass an existing FASTA "
                "file or the DNA sequence itself as a string."
            )
        records = read_fasta(path)
        return [s for _, s in records], f"fasta:{path.name}"
    if isinstance(source, str):
        if len(source) < 4096 and os.path.isfile(source):  # a bare file name without a FASTA suffix
            return _source_sequences(Path(source), arg)
        return [source], f"sequence ({len(source)} bp)"
    if isinstance(source, (list, tuple)) and all(isinstance(s, str) for s in source) and source:
        return list(source), f"{len(source)} sequences"
    raise ArgumentTypeError(
        f"`{arg}` must be a DNA string, a FASTA path or a list of DNA strings; got "
        f"{type(source).__name__}. Pass e.g. fit_markov('genome.fasta', order=3)."
    )


def _concat_codes(sequences: Sequence[str]) -> np.ndarray:
    """Codes of several sequences joined by an invalid separator, so no k-mer spans two."""
    joined = "\0".join(sequences)  # NUL maps to 255 like any non-ACGT character
    return sequence_to_codes(joined)


def kmer_frequencies(sequences: str | Sequence[str], k: int) -> np.ndarray:
    """Frequencies of the overlapping k-mers of one or several sequences.

    k-mers holding a non-ACGT character are skipped; k-mers never span two
    sequences. Case-insensitive.

    Parameters
    ----------
    sequences : str or list of str
        DNA.
    k : int
        k-mer length (>= 1).

    Returns
    -------
    numpy.ndarray
        float64 (4**k,), summing to 1, in lexicographic order (``AA, AC, ..., TT``
        for k = 2: index = sum of ``code_j * 4**(k - 1 - j)`` with A=0, C=1, G=2, T=3).

    Examples
    --------
    >>> kmer_frequencies("AACC", 1).tolist()
    [0.5, 0.5, 0.0, 0.0]
    """
    k = check_int(k, "k", 1, 12)
    if isinstance(sequences, str):
        sequences = [sequences]
    counts = _kmer_counts(_concat_codes(list(sequences)), k)
    total = counts.sum()
    if total == 0:
        raise SequenceError(
            f"`sequences` hold no {k}-mer of A, C, G, T only; pass longer sequences or a smaller `k`."
        )
    return counts / total


@dataclass(eq=False)
class MarkovModel:
    """An order-k Markov chain over A, C, G, T (use :func:`fit_markov` to build one).

    Attributes
    ----------
    order : int
        Number of preceding bases the next base depends on (0 = iid).
    transitions : numpy.ndarray
        float64 (4**order, 4): ``P(next base | previous order bases)``; the row of a
        context is its lexicographic index (``AAA`` = 0, ``AAC`` = 1, ...).
    initial : numpy.ndarray
        float64 (4**order,): distribution of the first ``order`` bases (the source's
        k-mer frequencies, so sampled chains start near stationarity).
    pseudocount : float
        Added to every transition count before normalising.
    source : str
        What the chain was fitted to.
    n_bases : int
        Number of A/C/G/T bases in the source.
    """

    order: int
    transitions: np.ndarray
    initial: np.ndarray
    pseudocount: float = 1.0
    source: str = ""
    n_bases: int = 0

    def __post_init__(self) -> None:
        self.order = check_int(self.order, "order", 0, MAX_MARKOV_ORDER)
        states = 4**self.order
        self.transitions = np.asarray(self.transitions, dtype=float)
        self.initial = np.asarray(self.initial, dtype=float).reshape(-1)
        if self.transitions.shape != (states, 4) or self.initial.shape != (states,):
            raise ShapeError(
                f"a Markov model of order {self.order} needs `transitions` of shape ({states}, 4) "
                f"and `initial` of shape ({states},); got {self.transitions.shape} and "
                f"{self.initial.shape}. Build it with fit_markov()."
            )
        if not (np.all(np.isfinite(self.transitions)) and np.all(self.transitions >= 0)):
            raise InputError(
                "`transitions` must be finite and non-negative; build it with fit_markov()."
            )
        if np.any(self.transitions.sum(axis=1) <= 0) or self.initial.sum() <= 0:
            raise InputError(
                "every row of `transitions` and `initial` needs positive mass; fit with "
                "pseudocount > 0 or a lower order."
            )
        self.transitions = self.transitions / self.transitions.sum(axis=1, keepdims=True)
        self.initial = self.initial / self.initial.sum()

    def describe(self) -> dict:
        """JSON-safe summary for ``settings``."""
        return {
            "kind": "markov",
            "order": self.order,
            "pseudocount": float(self.pseudocount),
            "source": self.source,
            "n_bases": int(self.n_bases),
        }

    def sample(
        self,
        n: int,
        length: int,
        seed: Any = None,
        *,
        block_length: int | None = None,
        return_codes: bool = False,
    ) -> list[str] | np.ndarray:
        """Sample ``n`` sequences of ``length`` bp from the chain.

        Parameters
        ----------
        n, length : int
            Number and length of sequences.
        seed : None, int or numpy.random.Generator
            Randomness. Default is None.
        block_length : int, optional
            Sample each sequence as independent chains of this many bases, each
            started from ``initial`` (the source's k-mer frequencies, close to the
            stationary distribution), and join them. k-mer frequencies stay right in
            expectation; only the dependence across the joins is lost. A Markov
            chain is sequential, so the sampler steps along positions (vectorised
            over sequences); blocks turn a few very long sequences (a 1 Mbp genome)
            into many short parallel ones, which is much faster. Default is None
            (one exact chain per sequence).
        return_codes : bool
            Return ``uint8`` codes (n, length) instead of strings. Default is False.

        Returns
        -------
        list of str or numpy.ndarray

        Examples
        --------
        >>> model = fit_markov("ACGTACGTTTGACCA" * 20, order=2)
        >>> seqs = model.sample(2, 50, seed=0)
        >>> len(seqs), len(seqs[1])
        (2, 50)
        """
        n = check_int(n, "n", 1)
        length = check_int(length, "length", 1)
        rng = as_generator(seed)
        if block_length is None or block_length >= length:
            codes = self._sample_codes(rng, n, length)
        else:
            block_length = check_int(block_length, "block_length", max(1, self.order + 1))
            n_blocks = -(-length // block_length)
            blocks = self._sample_codes(rng, n * n_blocks, block_length)
            codes = np.ascontiguousarray(blocks.reshape(n, n_blocks * block_length)[:, :length])
        return codes if return_codes else codes_to_strings(codes)

    def _sample_codes(self, rng: np.random.Generator, n: int, length: int) -> np.ndarray:
        k = self.order
        n_states = 4**k
        out = np.empty((n, length), dtype=np.uint8)
        # First k bases: one k-mer state drawn from `initial`, written out digit by digit.
        state = np.searchsorted(np.cumsum(self.initial)[:-1], rng.random(n), side="right")
        state = state.astype(np.int64)
        for j in range(min(k, length)):
            out[:, j] = (state // 4 ** (k - 1 - j)) % 4
        if length <= k:
            return out
        boundaries = inner_cdf(self.transitions)  # (n_states, 3)
        # The chain is sequential along the sequence, so step through positions; each
        # step draws the next base of all n sequences at once (gather + 3 comparisons).
        cols = max(1, CHUNK_ELEMENTS // n)
        for lo in range(k, length, cols):
            hi = min(lo + cols, length)
            u = rng.random((hi - lo, n))  # position-major: row t is contiguous
            for t in range(lo, hi):
                base = (u[t - lo, :, None] >= boundaries[state]).sum(axis=1)
                out[:, t] = base
                state = (state * 4 + base) % n_states
        return out


def fit_markov(
    sequence_or_fasta: str | os.PathLike | Sequence[str],
    order: int = 3,
    *,
    pseudocount: float = 1.0,
) -> MarkovModel:
    """Fit an order-k Markov chain to real DNA (e.g. a bacterial genome).

    Transition probabilities are the (order + 1)-mer counts of the source, plus
    ``pseudocount``, normalised per context. k-mers containing non-ACGT characters
    (N, IUPAC codes) are skipped, and no k-mer spans two FASTA records. Sequences
    sampled from the model reproduce the source's k-mer frequencies for
    k <= order + 1 (within sampling error).

    Parameters
    ----------
    sequence_or_fasta : str, path or list of str
        A DNA string, a path to a (gzipped) FASTA file (all records are used), or
        a list of DNA strings. Case-insensitive.
    order : int
        Markov order k in 0..10 (0 = iid with the source's base composition).
        Default is 3.
    pseudocount : float
        Added to every transition count (Laplace smoothing), so contexts never seen
        in the source still have a distribution. Default is 1.

    Returns
    -------
    MarkovModel
        Call ``.sample(n, length, seed=...)``.

    Examples
    --------
    >>> model = fit_markov("ATGAAACGCATTAGCACCACCATTACCACCACCATCACC" * 10, order=1)
    >>> model.transitions.shape
    (4, 4)
    """
    order = check_int(order, "order", 0, MAX_MARKOV_ORDER)
    if isinstance(pseudocount, bool) or not isinstance(pseudocount, (int, float, np.number)):
        raise ArgumentTypeError(
            f"`pseudocount` must be a number >= 0; got {type(pseudocount).__name__}. Pass e.g. 1."
        )
    pseudocount = float(pseudocount)
    if not (math.isfinite(pseudocount) and pseudocount >= 0):
        raise InputError(f"`pseudocount` must be finite and >= 0; got {pseudocount}. Pass e.g. 1.")
    sequences, source = _source_sequences(sequence_or_fasta, "sequence_or_fasta")
    codes = _concat_codes(sequences)
    n_bases = int(np.count_nonzero(codes != INVALID_CODE))
    counts = _kmer_counts(codes, order + 1)
    if counts.sum() == 0:
        raise SequenceError(
            f"`sequence_or_fasta` ({source}) holds no run of {order + 1} A/C/G/T bases, so an "
            f"order-{order} chain cannot be fitted; pass a longer sequence or a lower `order`."
        )
    n_params = 4 ** (order + 1)
    if counts.sum() < n_params:
        warnings.warn(
            f"fit_markov: {int(counts.sum())} {order + 1}-mers in the source for {n_params} "
            f"transition probabilities; most are set by the pseudocount. Use a lower `order` "
            "or a longer source.",
            DeepGInterpretWarning,
            stacklevel=2,
        )
    transitions = counts.reshape(4**order, 4) + pseudocount
    # Contexts never seen (possible with pseudocount = 0) fall back to base composition.
    empty = transitions.sum(axis=1) == 0
    if np.any(empty):
        transitions[empty] = _kmer_counts(codes, 1) + 1e-12
    initial = _kmer_counts(codes, order) + pseudocount if order else np.ones(1)
    if initial.sum() == 0:
        initial = np.ones_like(initial)
    return MarkovModel(
        order=order,
        transitions=transitions,
        initial=initial,
        pseudocount=pseudocount,
        source=source,
        n_bases=n_bases,
    )
