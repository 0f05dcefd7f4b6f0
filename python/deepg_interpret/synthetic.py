"""Synthetic ground truth: random DNA with planted motifs, in deepG's training layout.

The datasets reproduce the experiments of the deepG interpretability poster
(Y. Han, LMU Munich / HZI, "Interpreting Sequence-based Deep Learning Models for
Genomic Data"), where a CNN is trained on synthetic data and Integrated Gradients
is checked against the known motif positions:

* **Experiment 1, motif information entropy**: 10,000 random 600 bp sequences
  sampled from A, C, G, T, 50 % of them carrying one 30 bp motif of high, medium,
  low (``TATAG`` x 6) or lowest (``A`` x 30) entropy (:data:`MOTIF_PRESETS`;
  the high motif has 31 bases as printed on the poster and is kept as is).
  Presets ``entropy_high`` ... ``entropy_lowest``.
* **Experiment 2, single vs recurrent motif**: the high-entropy motif recurring
  about every 100 bp. Preset ``recurrent_high``.
* **Experiment 3, motif length**: motifs of 10, 20 and 50 bp. Presets
  ``length_10``, ``length_20``, ``length_50``.

Building blocks: backgrounds (:func:`iid_background` with base frequencies or GC
content, :func:`fit_markov` for an order-k Markov chain fitted to a real genome),
motifs (fixed or IUPAC strings, PWMs sampled per copy; :func:`motif_entropy`,
:func:`pwm_information_content`, :func:`motif_summary`), planting
(:func:`simulate_motifs`: share of positive sequences, fixed or random position,
several motifs, recurrence, both strands) and a truth table ``seq_id, label,
motif, start, end, strand`` (1-based, closed) for every planted copy.

Writers produce deepG's ``train_type = "label_folder"`` layout
(``root/train/<class>/*.fasta``, ``root/validation/<class>/*.fasta``) plus the truth
table as CSV and Parquet; readers give sequences, labels and truth back.

Everything works on integer code arrays (A=0, C=1, G=2, T=3, ``uint8``) and turns
them into strings once at the end, so 10,000 x 600 bp take well under a second.
Randomness: every public function takes ``seed=None | int | np.random.Generator``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from .errors import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    InputError,
    SequenceError,
    ShapeError,
)
from .io.files import atomic_write
from .io.sequences import is_fasta_name, looks_like_path, read_fasta

__all__ = [
    "MOTIF_PRESETS",
    "LENGTH_MOTIF_50",
    "PRESET_NAMES",
    "IUPAC_CODES",
    "TRUTH_COLUMNS",
    "Motif",
    "MarkovModel",
    "SyntheticDataset",
    "make_motif",
    "iid_background",
    "fit_markov",
    "kmer_frequencies",
    "motif_entropy",
    "pwm_information_content",
    "motif_summary",
    "simulate_motifs",
    "preset",
    "write_deepg_folders",
    "read_deepg_folders",
    "write_truth",
    "read_truth",
]

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

#: The poster's 30 bp motifs of decreasing information entropy (``high`` is 31 bases
#: as printed on the poster; kept as is so results compare with the poster).
MOTIF_PRESETS: dict[str, str] = {
    "high": "GGTTCGACACGAGTATAGCTAGTATACTCCG",
    "medium": "TATAGCGCAGCCCTTATGGAGAGTCCATGA",
    "low": "TATAG" * 6,
    "lowest": "A" * 30,
}

#: Motif of the length presets: ``length_k`` plants its first k bases. Drawn once,
#: uniformly from A, C, G, T with ``np.random.default_rng(20240603)``, and fixed here so
#: the motif does not change with the dataset seed (the motifs are nested, so longer
#: ones extend shorter ones).
LENGTH_MOTIF_50 = "TGAATTCCGTCAGGTCGGAGGCATGTCATCTACAGTTAAGACCTATGATC"

_PRESETS: dict[str, dict[str, Any]] = {
    "entropy_high": {"motif": "high"},
    "entropy_medium": {"motif": "medium"},
    "entropy_low": {"motif": "low"},
    "entropy_lowest": {"motif": "lowest"},
    "recurrent_high": {"motif": "high", "recur_every": 100},
    "length_10": {"motif": LENGTH_MOTIF_50[:10]},
    "length_20": {"motif": LENGTH_MOTIF_50[:20]},
    "length_50": {"motif": LENGTH_MOTIF_50},
}
#: Names accepted by :func:`preset`.
PRESET_NAMES: tuple[str, ...] = tuple(_PRESETS)

#: IUPAC nucleotide codes and the bases each one allows.
IUPAC_CODES: dict[str, str] = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip

#: Columns of the truth table (one row per planted copy).
TRUTH_COLUMNS: tuple[str, ...] = ("seq_id", "label", "motif", "start", "end", "strand")

_BASES = "ACGT"
_LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)  # code -> ASCII byte
_INVALID = 255
# ASCII byte -> code (upper and lower case); everything else is invalid (N, IUPAC, '-').
_CODE_OF_BYTE = np.full(256, _INVALID, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _CODE_OF_BYTE[_b] = _i
    _CODE_OF_BYTE[_b + 32] = _i
_MAX_MARKOV_ORDER = 10
# Rows of random numbers drawn at once are capped at this many elements (float64:
# 32 MiB), so a 100 x 1 Mbp background does not allocate gigabytes of uniforms.
_CHUNK_ELEMENTS = 1 << 22

MotifSpec = Union[str, np.ndarray, pd.DataFrame, "Motif"]


# --------------------------------------------------------------------------------------
# Small helpers: validation, seeds, code <-> string
# --------------------------------------------------------------------------------------


def _rng(seed: Any, arg: str = "seed") -> np.random.Generator:
    """The one place a seed becomes a Generator (public boundary)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise InputError(
                f"`{arg}` must be a non-negative integer; got {seed}. Pass e.g. {arg}=1."
            )
        return np.random.default_rng(seed)
    raise ArgumentTypeError(
        f"`{arg}` must be None, an int or a numpy.random.Generator; got {type(seed).__name__} "
        f"({seed!r}). Pass e.g. {arg}=1 for a reproducible result."
    )


def _seed_setting(seed: Any) -> Any:
    """JSON-safe record of a seed for ``settings``."""
    if isinstance(seed, np.random.Generator):
        return "Generator"
    return None if seed is None else int(seed)


def _check_int(value: Any, arg: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)  # R passes 600 as 600.0; accept whole numbers
        else:
            raise ArgumentTypeError(
                f"`{arg}` must be an integer; got {type(value).__name__} ({value!r}). "
                f"Pass a whole number, e.g. {arg}={minimum if minimum is not None else 1}."
            )
    value = int(value)
    if minimum is not None and value < minimum:
        raise InputError(f"`{arg}` must be >= {minimum}; got {value}. Pass a larger value.")
    if maximum is not None and value > maximum:
        raise InputError(f"`{arg}` must be <= {maximum}; got {value}. Pass a smaller value.")
    return value


def _check_fraction(value: Any, arg: str, *, upper_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"`{arg}` must be a number in [0, 1]; got {type(value).__name__} ({value!r}). "
            f"Pass e.g. {arg}=0.5."
        )
    value = float(value)
    hi_ok = value < 1 if upper_open else value <= 1
    if not (math.isfinite(value) and value >= 0 and hi_ok):
        interval = "[0, 1)" if upper_open else "[0, 1]"
        raise InputError(
            f"`{arg}` must lie in {interval}; got {value}. Pass a fraction, e.g. {arg}=0.5 for half."
        )
    return value


def _codes_to_strings(codes: np.ndarray) -> list[str]:
    """(n, L) codes 0..3 -> n DNA strings.

    One fancy-index lookup turns codes into ASCII bytes; viewing each row as one
    fixed-width bytes item avoids any per-base Python work.
    """
    n, length = codes.shape
    if length == 0:
        return [""] * n
    letters = np.ascontiguousarray(_LETTERS[codes])
    return letters.view(f"S{length}").ravel().astype(str).tolist()


def _strings_to_codes(sequences: Sequence[str]) -> np.ndarray:
    """Equal-length strings -> (n, L) uint8 codes; non-ACGT characters become 255."""
    n = len(sequences)
    length = len(sequences[0]) if n else 0
    # "replace" keeps one byte per character, so rows stay aligned for non-ASCII input.
    buf = "".join(sequences).encode("ascii", errors="replace")
    return _CODE_OF_BYTE[np.frombuffer(buf, dtype=np.uint8)].reshape(n, length)


def _sequence_to_codes(sequence: str) -> np.ndarray:
    """One string of any length -> (L,) uint8 codes; non-ACGT characters become 255."""
    return _CODE_OF_BYTE[np.frombuffer(sequence.encode("ascii", errors="replace"), dtype=np.uint8)]


def _cdf3(probs: np.ndarray) -> np.ndarray:
    """Inner cumulative boundaries (..., 3) of categorical rows (..., 4).

    A draw ``u ~ U[0, 1)`` maps to base ``(u >= cdf3).sum(-1)``. Boundaries after
    which only zero-probability bases follow are set to exactly 1, so rounding in
    ``cumsum`` can never emit a base of probability 0.
    """
    cdf = np.cumsum(probs, axis=-1)
    cdf = cdf / cdf[..., -1:]
    tail = np.cumsum(probs[..., ::-1], axis=-1)[..., ::-1]  # mass at or after each base
    cdf3 = cdf[..., :3].copy()
    cdf3[tail[..., 1:] <= 0] = 1.0
    return cdf3


def _package_version() -> str | None:
    package = sys.modules.get(__name__.rpartition(".")[0])
    return getattr(package, "__version__", None)


def _json_safe(obj: Any) -> Any:
    """Settings as plain Python (JSON / Parquet metadata / reticulate friendly)."""
    return json.loads(json.dumps(obj, default=_json_default))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)  # Path and anything else: its text


# --------------------------------------------------------------------------------------
# Backgrounds
# --------------------------------------------------------------------------------------


def _resolve_probs(probs: Any, gc: Any, *, arg: str = "probs") -> np.ndarray:
    """Base probabilities (4,) in A, C, G, T order from ``probs`` or ``gc``."""
    if probs is not None and gc is not None:
        raise InputError(
            f"pass either `{arg}` (base frequencies) or `gc` (GC content), not both; got "
            f"{arg}={probs!r} and gc={gc!r}. Drop one of them."
        )
    if gc is not None:
        g = _check_fraction(gc, "gc")
        return np.array([(1 - g) / 2, g / 2, g / 2, (1 - g) / 2])
    if probs is None:
        return np.full(4, 0.25)
    if isinstance(probs, Mapping):
        unknown = sorted(set(map(str, probs)) - set(_BASES) - set(_BASES.lower()))
        if unknown:
            raise InputError(
                f"`{arg}` has keys {unknown} that are not bases; expected keys among A, C, G, T, "
                f'e.g. {arg}={{"A": 0.3, "C": 0.2, "G": 0.2, "T": 0.3}}.'
            )
        upper = {str(k).upper(): v for k, v in probs.items()}
        probs = [upper.get(b, 0.0) for b in _BASES]
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


def _sample_iid_codes(rng: np.random.Generator, n: int, length: int, p: np.ndarray) -> np.ndarray:
    """(n, L) uint8 codes, every base drawn independently from ``p``.

    Inverse-CDF sampling on a block of uniforms (three comparisons per base) is
    several times faster than ``rng.choice(p=...)``; drawing the uniforms in row
    chunks caps memory and gives the same stream as one big draw.
    """
    out = np.empty((n, length), dtype=np.uint8)
    cdf3 = _cdf3(p)
    rows = max(1, _CHUNK_ELEMENTS // max(length, 1))
    for lo in range(0, n, rows):
        u = rng.random((min(rows, n - lo), length))
        out[lo : lo + rows] = np.searchsorted(cdf3, u, side="right")
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
    n = _check_int(n, "n", 1)
    length = _check_int(length, "length", 1)
    p = _resolve_probs(probs, gc)
    codes = _sample_iid_codes(_rng(seed), n, length, p)
    return codes if return_codes else _codes_to_strings(codes)


def _kmer_index(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index (0 .. 4**k - 1, lexicographic A<C<G<T) of every overlapping k-mer of
    ``codes`` (1-D) and a mask of the k-mers free of invalid (non-ACGT) bases."""
    n_windows = codes.size - k + 1
    if n_windows <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    # A window is valid when the running count of invalid bases does not grow inside it.
    bad = np.concatenate([[0], np.cumsum(codes == _INVALID)])
    valid = (bad[k:] - bad[:-k]) == 0
    idx = np.zeros(n_windows, dtype=np.int64)
    for j in range(k):  # loop over the k digits, each step vectorised over all windows
        idx = idx * 4 + codes[j : j + n_windows]
    return idx, valid


def _kmer_counts(codes: np.ndarray, k: int) -> np.ndarray:
    if k == 0:
        return np.array([float(np.count_nonzero(codes != _INVALID))])
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
    return _sequence_to_codes(joined)


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
    k = _check_int(k, "k", 1, 12)
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
        self.order = _check_int(self.order, "order", 0, _MAX_MARKOV_ORDER)
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
        n = _check_int(n, "n", 1)
        length = _check_int(length, "length", 1)
        rng = _rng(seed)
        if block_length is None or block_length >= length:
            codes = self._sample_codes(rng, n, length)
        else:
            block_length = _check_int(block_length, "block_length", max(1, self.order + 1))
            n_blocks = -(-length // block_length)
            blocks = self._sample_codes(rng, n * n_blocks, block_length)
            codes = np.ascontiguousarray(blocks.reshape(n, n_blocks * block_length)[:, :length])
        return codes if return_codes else _codes_to_strings(codes)

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
        cdf3 = _cdf3(self.transitions)  # (n_states, 3)
        # The chain is sequential along the sequence, so step through positions; each
        # step draws the next base of all n sequences at once (gather + 3 comparisons).
        cols = max(1, _CHUNK_ELEMENTS // n)
        for lo in range(k, length, cols):
            hi = min(lo + cols, length)
            u = rng.random((hi - lo, n))  # position-major: row t is contiguous
            for t in range(lo, hi):
                base = (u[t - lo, :, None] >= cdf3[state]).sum(axis=1)
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
    order = _check_int(order, "order", 0, _MAX_MARKOV_ORDER)
    if isinstance(pseudocount, bool) or not isinstance(pseudocount, (int, float, np.number)):
        raise ArgumentTypeError(
            f"`pseudocount` must be a number >= 0; got {type(pseudocount).__name__}. Pass e.g. 1."
        )
    pseudocount = float(pseudocount)
    if not (math.isfinite(pseudocount) and pseudocount >= 0):
        raise InputError(f"`pseudocount` must be finite and >= 0; got {pseudocount}. Pass e.g. 1.")
    sequences, source = _source_sequences(sequence_or_fasta, "sequence_or_fasta")
    codes = _concat_codes(sequences)
    n_bases = int(np.count_nonzero(codes != _INVALID))
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


# --------------------------------------------------------------------------------------
# Motifs
# --------------------------------------------------------------------------------------


@dataclass(eq=False)
class Motif:
    """A motif to plant: a fixed string, an IUPAC string or a PWM.

    Every motif is held as a probability matrix (w, 4) over A, C, G, T: one-hot
    for fixed bases, uniform over the allowed bases for IUPAC codes, the rows of
    a PWM. Each planted copy is sampled from it (fixed motifs always give the
    same string). Build one with :func:`make_motif`.

    Attributes
    ----------
    name : str
        Label in the truth table's ``motif`` column: the (upper-case) string for
        string motifs, ``"pwm_1"`` ... for PWMs unless named.
    probs : numpy.ndarray
        float64 (w, 4), rows sum to 1.
    kind : str
        ``"fixed"``, ``"iupac"`` or ``"pwm"``.
    pattern : str or None
        The DNA/IUPAC string, None for PWMs.
    """

    name: str
    probs: np.ndarray
    kind: str
    pattern: str | None = None

    @property
    def width(self) -> int:
        """Motif length in bp."""
        return int(self.probs.shape[0])

    @property
    def consensus(self) -> str:
        """Most probable base at every position."""
        return "".join(_BASES[i] for i in self.probs.argmax(axis=1))

    def sample(self, n: int, seed: Any = None) -> np.ndarray:
        """``uint8`` codes (n, w) of ``n`` copies, each position drawn from its row."""
        n = _check_int(n, "n", 0)
        return self._sample_codes(_rng(seed), n)

    def _sample_codes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "fixed":  # no randomness needed (and none consumed)
            return np.broadcast_to(
                self.probs.argmax(axis=1).astype(np.uint8), (n, self.width)
            ).copy()
        u = rng.random((n, self.width))
        return (u[:, :, None] >= _cdf3(self.probs)[None]).sum(axis=2).astype(np.uint8)

    def matches(self, sequence: str, strand: str = "+") -> bool:
        """Whether ``sequence`` (w bases) could have been sampled from this motif.

        On ``strand="-"`` the reverse complement of ``sequence`` is checked.
        """
        if len(sequence) != self.width:
            return False
        codes = _sequence_to_codes(sequence)
        if np.any(codes == _INVALID):
            return False
        if strand == "-":
            codes = 3 - codes[::-1]
        return bool(np.all(self.probs[np.arange(self.width), codes] > 0))

    def describe(self) -> dict:
        """JSON-safe summary: name, kind, width, consensus, k-mer entropies, IC."""
        out = {
            "name": self.name,
            "kind": self.kind,
            "width": self.width,
            "pattern": self.pattern,
            "consensus": self.consensus,
        }
        for k in (1, 2, 3):
            out[f"entropy_k{k}"] = _entropy_of_probs(self.probs, k) if k <= self.width else None
        out["information_content"] = _information_content(self.probs)
        if self.kind == "pwm":
            out["pwm"] = self.probs.tolist()
        return out


def _motif_from_string(text: str, arg: str, name: str | None) -> Motif:
    preset_key = text.strip().lower()
    if preset_key in MOTIF_PRESETS:
        text = MOTIF_PRESETS[preset_key]
    if len(text) == 0:
        raise SequenceError(
            f"`{arg}` is an empty string; pass a DNA/IUPAC motif such as 'TATAAT', a PWM "
            f"array (w, 4), or a preset name ({', '.join(MOTIF_PRESETS)})."
        )
    upper = text.upper()
    bad = [(i + 1, c) for i, c in enumerate(upper) if c not in IUPAC_CODES]
    if bad:
        pos, char = bad[0]
        raise SequenceError(
            f"`{arg}` = {text!r} has {len(bad)} character(s) that are not IUPAC nucleotide codes, "
            f"the first {char!r} at position {pos}; allowed are {''.join(IUPAC_CODES)} "
            f"(N = any base) or a preset name ({', '.join(MOTIF_PRESETS)}). Remove or replace it."
        )
    probs = np.zeros((len(upper), 4))
    for i, c in enumerate(upper):  # once per motif position, not per planted base
        allowed = [_BASES.index(b) for b in IUPAC_CODES[c]]
        probs[i, allowed] = 1.0 / len(allowed)
    kind = "fixed" if set(upper) <= set(_BASES) else "iupac"
    return Motif(name=name or upper, probs=probs, kind=kind, pattern=upper)


def _motif_from_matrix(matrix: Any, arg: str, name: str | None) -> Motif:
    if isinstance(matrix, pd.DataFrame):
        cols = [str(c).upper() for c in matrix.columns]
        if set(_BASES) <= set(cols):
            matrix = matrix.set_axis(cols, axis=1)[list(_BASES)]
    try:
        pwm = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"`{arg}` could not be read as a numeric PWM; pass an array of shape (w, 4) with "
            "columns A, C, G, T."
        ) from None
    if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] < 1:
        hint = (
            " It looks transposed (4, w): pass `pwm.T`."
            if pwm.ndim == 2 and pwm.shape[0] == 4
            else ""
        )
        raise ShapeError(
            f"`{arg}` must be a PWM of shape (w, 4) (rows = positions, columns A, C, G, T); got "
            f"shape {pwm.shape}.{hint}"
        )
    if not np.all(np.isfinite(pwm)) or np.any(pwm < 0):
        raise InputError(
            f"`{arg}` (PWM) must hold finite, non-negative probabilities or counts; it has "
            "negative or non-finite entries. Pass probabilities (rows summing to 1) or counts, "
            "not log-odds scores."
        )
    sums = pwm.sum(axis=1)
    if np.any(sums <= 0):
        row = int(np.flatnonzero(sums <= 0)[0]) + 1
        raise InputError(f"`{arg}` (PWM) row {row} is all zero; every position needs some mass.")
    # Rows are normalised, so count matrices (JASPAR) work as well as probabilities.
    return Motif(name=name or "pwm", probs=pwm / sums[:, None], kind="pwm", pattern=None)


def make_motif(spec: MotifSpec, name: str | None = None, *, arg: str = "motif") -> Motif:
    """Turn a motif specification into a :class:`Motif`.

    Parameters
    ----------
    spec : str, numpy.ndarray, pandas.DataFrame or Motif
        A preset name (``"high"``, ``"medium"``, ``"low"``, ``"lowest"``), a DNA
        or IUPAC string (case-insensitive; ``N`` = any base, ``R`` = A/G, ...), or a
        PWM (w, 4) of probabilities or counts with columns A, C, G, T.
    name : str, optional
        Name for the truth table. Default: the string itself, or ``"pwm"``.

    Returns
    -------
    Motif

    Examples
    --------
    >>> make_motif("TATRAT").kind
    'iupac'
    >>> make_motif("high").width
    31
    """
    if isinstance(spec, Motif):
        return spec if name is None else Motif(name, spec.probs, spec.kind, spec.pattern)
    if isinstance(spec, str):
        return _motif_from_string(spec, arg, name)
    if isinstance(spec, (np.ndarray, pd.DataFrame)):
        return _motif_from_matrix(spec, arg, name)
    raise ArgumentTypeError(
        f"`{arg}` must be a preset name, a DNA/IUPAC string, a PWM array (w, 4) or a Motif; got "
        f"{type(spec).__name__}. Wrap a PWM given as nested lists in numpy.asarray()."
    )


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def _entropy_of_probs(probs: np.ndarray, k: int) -> float:
    """Entropy of the expected k-mer composition of a motif probability matrix.

    For a fixed string the rows are one-hot and this is exactly the entropy of the
    string's overlapping k-mer counts; IUPAC codes and PWMs contribute the expected
    composition (each window's k-mer distribution is the product of its rows).
    """
    w = probs.shape[0]
    m = w - k + 1
    joint = probs[:m]
    for j in range(1, k):  # outer product with the next row of every window at once
        joint = (joint[:, :, None] * probs[j : j + m][:, None, :]).reshape(m, -1)
    return _entropy(joint.mean(axis=0))


def _information_content(probs: np.ndarray) -> float:
    rows = np.where(probs > 0, probs * np.log2(np.where(probs > 0, probs, 1.0)), 0.0)
    return float((2.0 + rows.sum(axis=1)).sum()) + 0.0


def motif_entropy(motif: MotifSpec, k: int = 1) -> float:
    """Shannon entropy (bits) of a motif's k-mer composition.

    The motif's overlapping k-mers are counted and ``H = -sum p log2 p`` is taken
    over their relative frequencies: ``A`` x 30 gives 0, ``TATAG`` x 6 gives 1.52
    (k = 1), a balanced motif about 2 (the maximum for k = 1 is 2, for k-mers
    ``min(2k, log2(w - k + 1))``). The poster's high and medium motifs differ little
    at k = 1 (both ~2.0) but do at k = 2 and 3. For IUPAC motifs and PWMs the
    expected composition of sampled copies is used.

    Parameters
    ----------
    motif : str, numpy.ndarray or Motif
        Preset name, DNA/IUPAC string or PWM (w, 4).
    k : int
        k-mer length, 1 <= k <= motif width. Default is 1.

    Returns
    -------
    float
        Entropy in bits.

    Examples
    --------
    >>> round(motif_entropy("TATAG" * 6, k=1), 2)
    1.52
    >>> motif_entropy("lowest")
    0.0
    """
    m = make_motif(motif)
    k = _check_int(k, "k", 1)
    if k > m.width:
        raise InputError(
            f"`k` = {k} exceeds the motif width {m.width}; pass k between 1 and {m.width}."
        )
    return _entropy_of_probs(m.probs, k)


def pwm_information_content(pwm: MotifSpec) -> float:
    """Information content of a PWM in bits: ``sum over positions of (2 - H_i)``.

    ``H_i = -sum_b p_ib log2 p_ib`` is the entropy of position i against a uniform
    background, so a fixed base gives 2 bits, an even choice of two bases 1 bit
    and a uniform position 0.

    Parameters
    ----------
    pwm : numpy.ndarray, pandas.DataFrame, str or Motif
        PWM (w, 4) with columns A, C, G, T, as probabilities or counts (rows are
        normalised). A DNA/IUPAC string is read as its probability matrix.

    Returns
    -------
    float
        Bits, between 0 and 2 w.

    Examples
    --------
    >>> import numpy as np
    >>> pwm_information_content(np.array([[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.25] * 4]))
    3.0
    """
    return _information_content(make_motif(pwm, arg="pwm").probs)


def motif_summary(motifs: MotifSpec | Sequence[MotifSpec]) -> pd.DataFrame:
    """Entropy and information content of one or several motifs, one row each.

    Parameters
    ----------
    motifs : motif spec or list of them
        As accepted by :func:`make_motif`; ``list(MOTIF_PRESETS)`` gives the poster's.

    Returns
    -------
    pandas.DataFrame
        Columns ``motif, kind, width, entropy_k1, entropy_k2, entropy_k3,
        information_content`` (``width`` int32; entropies NaN where k > width).

    Examples
    --------
    >>> motif_summary(["high", "lowest"])["entropy_k1"].round(2).tolist()
    [2.0, 0.0]
    """
    specs = _as_spec_list(motifs)
    rows = []
    for i, spec in enumerate(specs):
        m = make_motif(spec, arg=f"motifs[{i}]")
        d = m.describe()
        rows.append(
            {
                "motif": m.name,
                "kind": m.kind,
                "width": m.width,
                **{f"entropy_k{k}": d[f"entropy_k{k}"] for k in (1, 2, 3)},
                "information_content": d["information_content"],
            }
        )
    df = pd.DataFrame(rows)
    df["width"] = df["width"].astype("int32")
    for k in (1, 2, 3):
        df[f"entropy_k{k}"] = df[f"entropy_k{k}"].astype(float)
    return df.reset_index(drop=True)


def _as_spec_list(motif: Any) -> list[Any]:
    if isinstance(motif, (list, tuple)):
        if len(motif) == 0:
            raise InputError("`motif` is an empty list; pass at least one motif.")
        return list(motif)
    return [motif]


def _resolve_motifs(motif: Any) -> list[Motif]:
    specs = _as_spec_list(motif)
    motifs = []
    for i, spec in enumerate(specs):
        arg = "motif" if len(specs) == 1 else f"motif[{i}]"
        m = make_motif(spec, arg=arg)
        if m.kind == "pwm" and not isinstance(spec, Motif):
            m = Motif(f"pwm_{i + 1}", m.probs, m.kind, None)
        motifs.append(m)
    return motifs


# --------------------------------------------------------------------------------------
# The dataset
# --------------------------------------------------------------------------------------


def _empty_truth() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seq_id": pd.Series([], dtype=object),
            "label": pd.Series([], dtype="int32"),
            "motif": pd.Series([], dtype=object),
            "start": pd.Series([], dtype="int32"),
            "end": pd.Series([], dtype="int32"),
            "strand": pd.Series([], dtype=object),
        }
    )


def _normalise_truth(df: pd.DataFrame, arg: str = "truth") -> pd.DataFrame:
    missing = [c for c in TRUTH_COLUMNS[:5] if c not in df.columns]
    if missing:
        raise InputError(
            f"`{arg}` lacks the truth-table column(s) {missing}; expected columns "
            f"{list(TRUTH_COLUMNS)} (strand optional)."
        )
    out = df.copy()
    if "strand" not in out.columns:
        out["strand"] = "+"
    for col in ("seq_id", "motif", "strand"):
        out[col] = out[col].astype(str).astype(object)
    for col in ("label", "start", "end"):
        out[col] = out[col].astype("int32")
    rest = [c for c in out.columns if c not in TRUTH_COLUMNS]
    out = out[list(TRUTH_COLUMNS) + rest].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


@dataclass
class SyntheticDataset:
    """Sequences with class labels and the truth table of planted motif copies.

    Attributes
    ----------
    sequences : list of str
        DNA strings.
    seq_ids : list of str
        One id per sequence (``"seq_00001"``, ...).
    labels : numpy.ndarray
        int32 (n,), index into ``label_names``: 1 = carries the motif(s), 0 = not.
    label_names : tuple of str
        Class names, also the deepG class folder names. Default is
        ``("no_motif", "motif")``.
    truth : pandas.DataFrame
        One row per planted copy: ``seq_id, label, motif, start, end, strand``;
        start/end int32, 1-based and closed, on the forward strand of the sequence;
        ``strand`` "+" or "-" (the copy is the motif's reverse complement on "-").
    settings : dict
        How the data were made (JSON-safe).

    Examples
    --------
    >>> ds = simulate_motifs(20, 100, "TATAAT", seed=1)
    >>> ds.onehot().shape, int(ds.labels.sum())
    ((20, 100, 4), 10)
    """

    sequences: list[str]
    seq_ids: list[str]
    labels: np.ndarray
    label_names: tuple[str, ...] = ("no_motif", "motif")
    truth: pd.DataFrame = field(default_factory=_empty_truth)
    settings: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sequences = list(self.sequences)
        self.seq_ids = [str(s) for s in self.seq_ids]
        self.labels = np.asarray(self.labels).astype(np.int32).reshape(-1)
        self.label_names = tuple(str(x) for x in self.label_names)
        n = len(self.sequences)
        if len(self.seq_ids) != n or self.labels.shape[0] != n:
            raise ShapeError(
                f"`sequences`, `seq_ids` and `labels` must have one entry per sequence; got "
                f"{n}, {len(self.seq_ids)} and {self.labels.shape[0]}."
            )
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.label_names)):
            raise InputError(
                f"`labels` must index `label_names` {self.label_names} (0..{len(self.label_names) - 1}); "
                f"got values {sorted(set(self.labels.tolist()))}."
            )
        self.truth = _normalise_truth(self.truth if self.truth is not None else _empty_truth())

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def length(self) -> int | None:
        """Common sequence length, or None if lengths differ (or no sequences)."""
        lengths = {len(s) for s in self.sequences}
        return lengths.pop() if len(lengths) == 1 else None

    def _codes(self) -> np.ndarray:
        length = self.length
        if length is None and self.sequences:
            lens = sorted({len(s) for s in self.sequences})
            raise ShapeError(
                f"sequences have different lengths ({lens[0]}..{lens[-1]} bp); onehot() and "
                "motif_mask() need equal lengths. Use deepg_interpret.io.encode(..., maxlen=, "
                "pad=) to cut or pad them."
            )
        return _strings_to_codes(self.sequences)

    def onehot(self) -> np.ndarray:
        """float32 (n, L, 4) one-hot in the order A, C, G, T; non-ACGT -> all-zero row.

        Examples
        --------
        >>> SyntheticDataset(["ACGN"], ["s1"], [0]).onehot()[0].tolist()
        [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
        """
        codes = self._codes()
        # An identity matrix with a fifth all-zero row: invalid codes (255) map to row 4.
        table = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])
        return table[np.minimum(codes, 4)]

    def motif_mask(self) -> np.ndarray:
        """bool (n, L): True at every position inside a planted copy (from ``truth``)."""
        n, length = len(self), (self.length or 0)
        mask = np.zeros((n, length), dtype=bool)
        if self.truth.empty or n == 0:
            return mask
        self._codes()  # raises for unequal lengths
        ids = pd.Index(self.seq_ids)
        if not ids.is_unique:
            raise InputError(
                "`seq_ids` are not unique, so truth rows cannot be matched to sequences."
            )
        rows = ids.get_indexer(self.truth["seq_id"])
        if np.any(rows < 0):
            unknown = self.truth["seq_id"][rows < 0].iloc[0]
            raise InputError(f"truth row names seq_id {unknown!r}, which is not among `seq_ids`.")
        start = self.truth["start"].to_numpy(np.int64) - 1
        end = self.truth["end"].to_numpy(np.int64)
        if np.any(start < 0) or np.any(end > length) or np.any(end <= start):
            raise InputError(f"truth has intervals outside 1..{length}; check `start`/`end`.")
        # Difference array: +1 at each start, -1 after each end, cumulative sum > 0 inside.
        diff = np.zeros((n, length + 1), dtype=np.int32)
        np.add.at(diff, (rows, start), 1)
        np.add.at(diff, (rows, end), -1)
        return np.cumsum(diff[:, :length], axis=1) > 0

    def to_frame(self) -> pd.DataFrame:
        """One row per sequence: ``seq_id, label (int32), sequence``; settings in ``attrs``."""
        df = pd.DataFrame(
            {
                "seq_id": pd.Series(self.seq_ids, dtype=object),
                "label": self.labels.astype(np.int32),
                "sequence": pd.Series(self.sequences, dtype=object),
            }
        )
        df.attrs = {"label_names": list(self.label_names), **_json_safe(self.settings)}
        return df

    def subset(self, index: Sequence[int] | np.ndarray) -> SyntheticDataset:
        """The sequences at ``index`` (0-based positions) with their truth rows."""
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        ids = [self.seq_ids[i] for i in index]
        truth = self.truth[self.truth["seq_id"].isin(set(ids))].reset_index(drop=True)
        return SyntheticDataset(
            sequences=[self.sequences[i] for i in index],
            seq_ids=ids,
            labels=self.labels[index],
            label_names=self.label_names,
            truth=truth,
            settings=dict(self.settings),
        )


# --------------------------------------------------------------------------------------
# Planting
# --------------------------------------------------------------------------------------


def _resolve_background(background: Any, gc: Any) -> tuple[Callable, dict]:
    """A sampler ``(rng, n, length) -> codes`` and its JSON-safe description."""
    if isinstance(background, MarkovModel):
        if gc is not None:
            raise InputError(
                f"`gc` = {gc} only applies to background='iid'; a MarkovModel background has the "
                "composition of its source. Drop `gc=` or use background='iid'."
            )
        return background._sample_codes, background.describe()
    if background is None or (isinstance(background, str) and background.lower() == "iid"):
        p = _resolve_probs(None, gc, arg="background")
    elif isinstance(background, str):
        raise InputError(
            f"`background` = {background!r} is not understood; expected 'iid', a MarkovModel "
            "(fit_markov('genome.fasta', order=3)) or 4 base frequencies (A, C, G, T)."
        )
    else:
        p = _resolve_probs(background, gc, arg="background")
    return (lambda rng, n, length: _sample_iid_codes(rng, n, length, p)), {
        "kind": "iid",
        "probs": p.tolist(),
    }


def _random_layout(
    rng: np.random.Generator, n_pos: int, length: int, widths: np.ndarray
) -> np.ndarray:
    """Random non-overlapping 0-based starts (n_pos, k) for k copies of given widths.

    Per sequence: shuffle the order of the copies, draw k gap positions in the
    free space ``length - sum(widths)`` (sorted), and add the widths of the copies
    to their left. All sequences at once; one copy reduces to a uniform start.
    """
    k = widths.size
    free = length - int(widths.sum())
    order = np.argsort(rng.random((n_pos, k)), axis=1)  # left-to-right order of the copies
    gaps = np.sort(rng.integers(0, free + 1, size=(n_pos, k)), axis=1)
    w_ordered = widths[order]
    starts_ordered = gaps + np.cumsum(w_ordered, axis=1) - w_ordered
    starts = np.empty_like(starts_ordered)
    np.put_along_axis(starts, order, starts_ordered, axis=1)
    return starts


def simulate_motifs(
    n: int = 10_000,
    length: int = 600,
    motif: MotifSpec | Sequence[MotifSpec] = "high",
    *,
    share: float = 0.5,
    position: str | int | Sequence[int] = "random",
    n_copies: int | None = None,
    recur_every: int | None = None,
    recur_jitter: int | None = None,
    both_strands: bool = False,
    background: str | MarkovModel | Any = "iid",
    gc: float | None = None,
    seed: Any = None,
    label_names: tuple[str, str] = ("no_motif", "motif"),
) -> SyntheticDataset:
    """Random sequences, a share of them carrying planted motifs (label 1).

    Parameters
    ----------
    n : int
        Number of sequences. Default is 10,000 (the poster).
    length : int
        Sequence length in bp. Default is 600 (the poster).
    motif : motif spec or list of them
        A preset name (``"high"``, ``"medium"``, ``"low"``, ``"lowest"``), a DNA
        or IUPAC string (IUPAC positions sampled per copy), a PWM array (w, 4)
        (sampled per copy), a :class:`Motif`, or a list of those: every positive
        sequence then carries every motif (non-overlapping). Default is ``"high"``.
    share : float
        Fraction of sequences that carry the motif(s), in [0, 1]; exactly
        ``round(share * n)`` sequences, chosen at random, get label 1. Default 0.5.
    position : "random", int or list of int
        ``"random"``: uniform, non-overlapping starts. An int: the 1-based start
        of the (single) copy in every positive sequence (with ``recur_every``: of
        the first copy). A list: one 1-based start per copy, in motif order (copies
        of motif 1, then motif 2, ...). Default is ``"random"``.
    n_copies : int, optional
        Copies of each motif per positive sequence. Default: 1, or with
        ``recur_every`` as many as fit.
    recur_every : int, optional
        Plant copies about every ``d`` bp (the poster's recurrent motif, d = 100):
        the first start is random in ``[j, j + d)`` (or ``position``), copy i sits
        at ``first + i d`` moved by a random jitter in ``[-j, j]``; copies cycle
        through the motifs. Must be >= the longest motif. Default None.
    recur_jitter : int, optional
        ``j`` above; default ``min(d // 10, (d - w) // 2)``, which keeps copies from
        overlapping (w = longest motif).
    both_strands : bool
        Plant each copy on the forward or reverse strand with probability 1/2
        (reverse strand = reverse complement; see the truth's ``strand``).
        Default is False (forward only).
    background : "iid", MarkovModel or 4 base frequencies
        How the sequences are drawn before planting. Default is ``"iid"``
        (uniform, or with ``gc``).
    gc : float, optional
        GC content of the iid background.
    seed : None, int or numpy.random.Generator
        Randomness. Default is None.
    label_names : tuple of str
        Class names for label 0 and 1 (deepG folder names). Default
        ``("no_motif", "motif")``.

    Returns
    -------
    SyntheticDataset
        ``truth`` has one row per planted copy; ``settings`` records the call
        with each motif's entropy (k = 1..3) and information content.

    Notes
    -----
    Negative sequences are plain background; a short or low-complexity motif can
    occur in them by chance (unlikely for the presets: a 30 bp motif about
    600 / 4**30 times per sequence).

    Examples
    --------
    >>> ds = simulate_motifs(100, 200, "TATAAT", share=0.5, seed=1)
    >>> ds.truth.columns.tolist()
    ['seq_id', 'label', 'motif', 'start', 'end', 'strand']
    >>> ds.sequences[ds.seq_ids.index(ds.truth.seq_id[0])][ds.truth.start[0] - 1 : ds.truth.end[0]]
    'TATAAT'
    """
    n = _check_int(n, "n", 1)
    length = _check_int(length, "length", 1)
    share = _check_fraction(share, "share")
    rng = _rng(seed)
    motifs = _resolve_motifs(motif)
    widths_m = np.array([m.width for m in motifs], dtype=np.int64)
    w_max = int(widths_m.max())
    if w_max > length:
        i = int(widths_m.argmax())
        raise SequenceError(
            f"motif {motifs[i].name!r} is {w_max} bp long but `length` = {length}; pass a "
            "shorter motif or a longer `length`."
        )
    if not isinstance(both_strands, (bool, np.bool_)):
        raise ArgumentTypeError(f"`both_strands` must be True or False; got {both_strands!r}.")
    if not (isinstance(label_names, (list, tuple)) and len(label_names) == 2):
        raise InputError(
            f"`label_names` must be two class names (label 0, label 1); got {label_names!r}. "
            "Pass e.g. ('no_motif', 'motif')."
        )
    label_names = (str(label_names[0]), str(label_names[1]))
    if label_names[0] == label_names[1] or any(not s or "/" in s for s in label_names):
        raise InputError(
            f"`label_names` must be two different, non-empty folder names; got {label_names!r}."
        )
    sample_background, bg_desc = _resolve_background(background, gc)
    if n_copies is not None:
        n_copies = _check_int(n_copies, "n_copies", 1)

    # ---- where the copies go: arrays over all planted copies ---------------------------
    if recur_every is not None:
        layout = _recurrent_plan(length, widths_m, position, n_copies, recur_every, recur_jitter)
    else:
        layout = _fixed_or_random_plan(length, widths_m, position, n_copies or 1)

    # ---- draw (fixed order of RNG use: background, labels, layout, strands, motifs) ----
    codes = sample_background(rng, n, length)
    n_pos = int(math.floor(share * n + 0.5))
    labels = np.zeros(n, dtype=np.int32)
    labels[rng.permutation(n)[:n_pos]] = 1
    pos_rows = np.flatnonzero(labels)
    rows, starts, motif_idx = layout(rng, n_pos)
    rows = pos_rows[rows]
    minus = rng.random(rows.size) < 0.5 if both_strands else np.zeros(rows.size, dtype=bool)

    for j, m in enumerate(motifs):
        sel = np.flatnonzero(motif_idx == j)
        if sel.size == 0:
            continue
        copies = m._sample_codes(rng, sel.size)
        flip = minus[sel]
        # Reverse complement: reverse the positions; with A,C,G,T = 0..3, complement = 3 - code.
        copies[flip] = 3 - copies[flip, ::-1]
        cols = starts[sel, None] + np.arange(m.width)
        codes[rows[sel, None], cols] = copies  # all copies of this motif in one assignment

    width_of_copy = widths_m[motif_idx]
    order = np.lexsort((starts, rows))
    seq_ids = _make_ids(n)
    names = np.array([m.name for m in motifs], dtype=object)
    truth = pd.DataFrame(
        {
            "seq_id": np.array(seq_ids, dtype=object)[rows[order]],
            "label": np.ones(order.size, dtype=np.int32),
            "motif": names[motif_idx[order]],
            "start": (starts[order] + 1).astype(np.int32),
            "end": (starts[order] + width_of_copy[order]).astype(np.int32),
            "strand": np.where(minus[order], "-", "+").astype(object),
        }
    )
    settings = _json_safe(
        {
            "generator": "simulate_motifs",
            "n": n,
            "length": length,
            "share": share,
            "n_positive": n_pos,
            "position": position
            if isinstance(position, (str, int, float, np.number))
            else list(position),
            "n_copies": n_copies,
            "recur_every": recur_every,
            "recur_jitter": layout.jitter if recur_every is not None else None,
            "both_strands": bool(both_strands),
            "background": bg_desc,
            "motifs": [m.describe() for m in motifs],
            "label_names": list(label_names),
            "seed": _seed_setting(seed),
            "version": _package_version(),
        }
    )
    truth.attrs = {"settings": settings}
    return SyntheticDataset(
        sequences=_codes_to_strings(codes),
        seq_ids=seq_ids,
        labels=labels,
        label_names=label_names,
        truth=truth,
        settings=settings,
    )


def _make_ids(n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"seq_{i:0{width}d}" for i in range(1, n + 1)]


class _Layout:
    """Callable ``(rng, n_pos) -> (rows, starts, motif_idx)`` over all planted copies
    (rows index the positive sequences, starts are 0-based)."""

    def __init__(self, fn: Callable, jitter: int | None = None) -> None:
        self.fn = fn
        self.jitter = jitter

    def __call__(self, rng: np.random.Generator, n_pos: int):
        return self.fn(rng, n_pos)


def _fixed_or_random_plan(
    length: int, widths_m: np.ndarray, position: Any, n_copies: int
) -> _Layout:
    # Copy slots in motif order: motif 0 x n_copies, motif 1 x n_copies, ...
    slot_motif = np.repeat(np.arange(widths_m.size), n_copies)
    slot_width = widths_m[slot_motif]
    k = slot_motif.size
    if int(slot_width.sum()) > length:
        raise InputError(
            f"{k} non-overlapping copies need {int(slot_width.sum())} bp but `length` = {length}; "
            "pass fewer `n_copies`/motifs or a longer `length`."
        )

    def expand(n_pos: int, starts: np.ndarray):
        rows = np.repeat(np.arange(n_pos), k)
        return rows, starts.reshape(-1).astype(np.int64), np.tile(slot_motif, n_pos)

    if isinstance(position, str):
        if position != "random":
            raise InputError(
                f"`position` = {position!r} is not understood; pass 'random', a 1-based start "
                "(int) or a list of starts, one per copy."
            )
        return _Layout(
            lambda rng, n_pos: expand(n_pos, _random_layout(rng, n_pos, length, slot_width))
        )

    fixed = _fixed_starts(position, k, slot_width, length)
    return _Layout(lambda rng, n_pos: expand(n_pos, np.tile(fixed, (n_pos, 1))))


def _fixed_starts(position: Any, k: int, slot_width: np.ndarray, length: int) -> np.ndarray:
    if isinstance(position, (int, float, np.number)) and not isinstance(position, bool):
        if k != 1:
            raise InputError(
                f"`position` = {position} fixes one start, but each positive sequence gets {k} "
                "copies; pass a list of 1-based starts (one per copy, in motif order), "
                "position='random', or `recur_every=`."
            )
        position = [position]
    if not isinstance(position, (list, tuple, np.ndarray)):
        raise ArgumentTypeError(
            f"`position` must be 'random', an int or a list of ints; got {type(position).__name__}."
        )
    if len(position) != k:
        raise InputError(
            f"`position` gives {len(position)} start(s) but each positive sequence gets {k} "
            "copies; pass one 1-based start per copy, in motif order."
        )
    starts = np.array([_check_int(p, "position", 1) for p in position], dtype=np.int64) - 1
    ends = starts + slot_width
    if np.any(ends > length):
        i = int(np.flatnonzero(ends > length)[0])
        raise InputError(
            f"`position` {starts[i] + 1} puts a {slot_width[i]} bp copy at {starts[i] + 1}..{ends[i]}, "
            f"past the sequence end ({length}); pass a start <= {length - slot_width[i] + 1}."
        )
    o = np.argsort(starts)
    if np.any(starts[o][1:] < ends[o][:-1]):
        raise InputError(
            f"`position` = {list(position)} makes copies overlap; space the starts by at least "
            "the motif widths."
        )
    return starts


def _recurrent_plan(
    length: int,
    widths_m: np.ndarray,
    position: Any,
    n_copies: int | None,
    recur_every: Any,
    recur_jitter: Any,
) -> _Layout:
    w_max = int(widths_m.max())
    d = _check_int(recur_every, "recur_every", 1)
    if d < w_max:
        raise InputError(
            f"`recur_every` = {d} is shorter than the motif ({w_max} bp), so copies would "
            f"overlap; pass recur_every >= {w_max}."
        )
    j_max = (d - w_max) // 2
    if recur_jitter is None:
        j = min(d // 10, j_max)
    else:
        j = _check_int(recur_jitter, "recur_jitter", 0)
        if j > j_max:
            raise InputError(
                f"`recur_jitter` = {j} lets copies {d} bp apart overlap a {w_max} bp motif; pass "
                f"recur_jitter <= {j_max} (= (recur_every - width) // 2)."
            )
    m = widths_m.size
    fixed_first = None
    if not (isinstance(position, str) and position == "random"):
        if isinstance(position, (str, bool)) or not isinstance(position, (int, float, np.number)):
            raise InputError(
                f"with `recur_every`, `position` must be 'random' or the 1-based start of the first "
                f"copy (int); got {position!r}."
            )
        fixed_first = _check_int(position, "position", 1, length - w_max + 1) - 1
    # Copy i may start anywhere in [first + i d - j, first + i d + j]; it counts if it fits
    # even at +j, so jitter never pushes a copy past the end.
    if fixed_first is not None:
        lo = hi = fixed_first
    else:  # first anchor in [j, j + d) so the whole chain is shifted uniformly
        lo, hi = j, min(j + d - 1, length - w_max - j)
        if hi < lo:  # too short for the jitter margin: any start that fits
            lo, hi = 0, length - w_max
    if n_copies is not None:
        hi = min(hi, length - w_max - j - (n_copies - 1) * d)
        if hi < lo:
            need = lo + (n_copies - 1) * d + j + w_max
            raise InputError(
                f"{n_copies} copies every {recur_every} bp (jitter {j}) need {need} bp but "
                f"`length` = {length}; pass fewer `n_copies` or a longer `length`."
            )
    elif lo + w_max > length:
        raise InputError(
            f"no copy fits: the first start {lo + 1} plus the motif ({w_max} bp) passes `length` = "
            f"{length}; pass a smaller `position` or a longer `length`."
        )
    k_max = n_copies if n_copies is not None else max(1, (length - w_max - j - lo) // d + 1)

    def plan(rng: np.random.Generator, n_pos: int):
        first = rng.integers(lo, hi + 1, size=n_pos) if fixed_first is None else np.full(n_pos, lo)
        i = np.arange(k_max)
        anchors = first[:, None] + i[None, :] * d
        jitter = rng.integers(-j, j + 1, size=(n_pos, k_max))
        if fixed_first is not None:
            jitter[:, 0] = 0  # the given position is exact
        starts = anchors + jitter
        if n_copies is None:
            keep = anchors + j + w_max <= length  # the first copy always fits (checked above)
            keep[:, 0] = True
        else:
            keep = np.ones_like(anchors, dtype=bool)
        starts = np.clip(starts, 0, length - w_max)
        rows = np.broadcast_to(np.arange(n_pos)[:, None], anchors.shape)[keep]
        motif_idx = np.broadcast_to(i % m, anchors.shape)[keep]
        return rows, starts[keep].astype(np.int64), motif_idx

    return _Layout(plan, jitter=j)


def preset(name: str, *, n: int = 10_000, length: int = 600, seed: Any = None) -> SyntheticDataset:
    """The poster's synthetic datasets, ready made.

    ==================  =====================================================
    name                dataset (50 % of sequences carry the motif)
    ==================  =====================================================
    ``entropy_high``    ``GGTTCGACACGAGTATAGCTAGTATACTCCG`` (31 bp as printed)
    ``entropy_medium``  ``TATAGCGCAGCCCTTATGGAGAGTCCATGA``
    ``entropy_low``     ``TATAG`` x 6
    ``entropy_lowest``  ``A`` x 30
    ``recurrent_high``  the high motif about every 100 bp (jitter +-10)
    ``length_10/20/50`` the first 10/20/50 bases of :data:`LENGTH_MOTIF_50`
    ==================  =====================================================

    Backgrounds are iid uniform, copies on the forward strand at random positions.

    Parameters
    ----------
    name : str
        One of :data:`PRESET_NAMES`.
    n, length : int
        Number and length of sequences. Default 10,000 x 600 bp (the poster).
    seed : None, int or numpy.random.Generator
        Randomness. Default is None.

    Returns
    -------
    SyntheticDataset

    Examples
    --------
    >>> ds = preset("entropy_low", n=10, length=100, seed=0)
    >>> ds.truth["motif"].iloc[0]
    'TATAGTATAGTATAGTATAGTATAGTATAG'
    """
    if not isinstance(name, str) or name not in _PRESETS:
        raise InputError(
            f"`name` = {name!r} is not a preset; choose one of {', '.join(PRESET_NAMES)}."
        )
    ds = simulate_motifs(n, length, share=0.5, seed=seed, **_PRESETS[name])
    ds.settings["preset"] = name
    ds.truth.attrs["settings"] = ds.settings
    return ds


# --------------------------------------------------------------------------------------
# Writers and readers
# --------------------------------------------------------------------------------------


def _write_fasta(path: Path, ids: Sequence[str], sequences: Sequence[str]) -> None:
    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    records = (SeqRecord(Seq(s), id=i, description="") for i, s in zip(ids, sequences))

    def write(tmp: Path) -> None:
        with open(tmp, "w") as handle:
            SeqIO.write(records, handle, "fasta")

    atomic_write(path, write)


def _check_dataset(dataset: Any, arg: str = "dataset") -> SyntheticDataset:
    if not isinstance(dataset, SyntheticDataset):
        raise ArgumentTypeError(
            f"`{arg}` must be a SyntheticDataset (from simulate_motifs() or preset()); got "
            f"{type(dataset).__name__}."
        )
    return dataset


@functools.lru_cache(maxsize=1)
def _pyarrow_problem() -> str | None:
    """None if Parquet can be written, else why not."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except Exception as exc:  # ImportError, or a binary mismatch with numpy
        return f"{type(exc).__name__}: {exc}"
    return None


def write_deepg_folders(
    dataset: SyntheticDataset,
    root: str | os.PathLike,
    *,
    validation_share: float = 0.2,
    seqs_per_file: int = 1000,
    seed: Any = None,
    overwrite: bool = False,
) -> dict:
    """Write a dataset in deepG's ``label_folder`` training layout.

    ::

        root/train/<class>/<class>_001.fasta ...      (class = label name)
        root/validation/<class>/<class>_001.fasta ...
        root/truth.csv, root/truth.parquet             (all planted copies)
        root/settings.json                             (dataset + split settings)

    so that in R::

        deepG::train_model(train_type = "label_folder",
                           path = c("root/train/no_motif", "root/train/motif"),
                           path_val = c("root/validation/no_motif", "root/validation/motif"),
                           vocabulary_label = c("no_motif", "motif"), ...)

    The split is stratified by class and seeded; sequences keep their ids in the
    FASTA headers. Every file is written atomically (temp file + os.replace).

    Parameters
    ----------
    dataset : SyntheticDataset
    root : str or path
        Output folder (created).
    validation_share : float
        Fraction of each class for validation, in [0, 1); with 0 the validation
        folders are created but stay empty. Default 0.2.
    seqs_per_file : int
        Sequences per FASTA file. Default 1000.
    seed : None, int or numpy.random.Generator
        Randomness of the split. Default is None.
    overwrite : bool
        Replace an existing layout under ``root`` (stale ``*.fasta`` files in the
        class folders are removed). Default False: an existing layout raises.

    Returns
    -------
    dict
        ``root``; ``train`` / ``validation``: class -> list of FASTA paths;
        ``train_dirs`` / ``validation_dirs``: class folders in label order (deepG's
        ``path`` / ``path_val``); ``label_names``; ``truth_csv``; ``truth_parquet``
        (None, with a warning, if Parquet cannot be written); ``settings``.
        Paths are strings.

    Examples
    --------
    >>> import tempfile
    >>> ds = simulate_motifs(20, 50, "TATAAT", seed=0)
    >>> paths = write_deepg_folders(ds, tempfile.mkdtemp(), seed=0)
    >>> sorted(paths["train"])
    ['motif', 'no_motif']
    """
    dataset = _check_dataset(dataset)
    validation_share = _check_fraction(validation_share, "validation_share", upper_open=True)
    seqs_per_file = _check_int(seqs_per_file, "seqs_per_file", 1)
    rng = _rng(seed)
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise InputError(f"`root` = '{root}' exists and is not a folder; pass a folder path.")
    existing = [p for s in ("train", "validation") for p in (root / s).glob("*/*") if p.is_file()]
    if existing and not overwrite:
        raise InputError(
            f"`root` = '{root}' already holds a deepG layout ({len(existing)} files under "
            "train/ and validation/); pass overwrite=True to replace it or choose a new folder."
        )
    if len(dataset) == 0:
        raise InputError("`dataset` holds no sequences; nothing to write.")

    # Stratified split: shuffle each class, send the first round(share * size) to validation.
    split_of = np.empty(len(dataset), dtype=object)
    for c in range(len(dataset.label_names)):
        members = np.flatnonzero(dataset.labels == c)
        members = members[rng.permutation(members.size)]
        n_val = int(math.floor(validation_share * members.size + 0.5))
        split_of[members[:n_val]] = "validation"
        split_of[members[n_val:]] = "train"

    out: dict[str, Any] = {"root": str(root), "label_names": list(dataset.label_names)}
    written: set[Path] = set()
    for split in ("train", "validation"):
        out[split] = {}
        out[f"{split}_dirs"] = []
        for c, cname in enumerate(dataset.label_names):
            folder = root / split / cname
            folder.mkdir(parents=True, exist_ok=True)
            out[f"{split}_dirs"].append(str(folder))
            idx = np.flatnonzero((dataset.labels == c) & (split_of == split))
            n_files = -(-idx.size // seqs_per_file)
            digits = max(3, len(str(n_files)))
            files = []
            for f in range(n_files):  # one loop step per file, not per sequence
                chunk = idx[f * seqs_per_file : (f + 1) * seqs_per_file]
                path = folder / f"{cname}_{f + 1:0{digits}d}.fasta"
                _write_fasta(
                    path, [dataset.seq_ids[i] for i in chunk], [dataset.sequences[i] for i in chunk]
                )
                files.append(str(path))
                written.add(path)
            out[split][cname] = files
            if idx.size == 0 and (split == "train" or validation_share > 0):
                warnings.warn(
                    f"write_deepg_folders: class {cname!r} has no {split} sequences, so "
                    f"'{folder}' is empty and deepG cannot read it; use more sequences or a "
                    "`share` strictly between 0 and 1.",
                    DeepGInterpretWarning,
                    stacklevel=2,
                )
    if overwrite:  # stale FASTA files from an earlier, larger run would leak into training
        for split in ("train", "validation"):
            for p in (root / split).glob("*/*"):
                if p.is_file() and is_fasta_name(p.name) and p not in written:
                    p.unlink()

    out["truth_csv"] = write_truth(dataset, root / "truth.csv")
    problem = _pyarrow_problem()
    if problem is None:
        out["truth_parquet"] = write_truth(dataset, root / "truth.parquet")
    else:
        out["truth_parquet"] = None
        warnings.warn(
            f"write_deepg_folders: truth.parquet not written because pyarrow cannot be used "
            f"({problem}); truth.csv was written. Install a pyarrow that matches your numpy.",
            DeepGInterpretWarning,
            stacklevel=2,
        )
    settings = {
        **dataset.settings,
        "label_names": list(dataset.label_names),
        "split": {
            "validation_share": validation_share,
            "seqs_per_file": seqs_per_file,
            "seed": _seed_setting(seed),
            "n_train": int(np.sum(split_of == "train")),
            "n_validation": int(np.sum(split_of == "validation")),
        },
    }
    settings_path = root / "settings.json"
    text = json.dumps(_json_safe(settings), indent=2)
    atomic_write(settings_path, lambda tmp: tmp.write_text(text))
    out["settings"] = str(settings_path)
    return out


def _fasta_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and is_fasta_name(p.name)
    )  # fmt: skip


def read_deepg_folders(root: str | os.PathLike, split: str = "train") -> SyntheticDataset:
    """Read a deepG ``label_folder`` layout back: sequences, labels and truth.

    Parameters
    ----------
    root : str or path
        Folder written by :func:`write_deepg_folders` (or any
        ``root/<split>/<class>/*.fasta`` tree).
    split : str
        ``"train"``, ``"validation"`` or ``"all"`` (both). Default ``"train"``.

    Returns
    -------
    SyntheticDataset
        Labels follow ``label_names`` from ``root/settings.json`` when present, else
        ``("no_motif", "motif")`` for those two folders, else the sorted folder
        names. Sequences are ordered by id when ids are unique (so the written
        order comes back). ``truth`` holds the rows of ``root/truth.parquet`` (or
        ``truth.csv``) for these sequences; empty if there is none.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> _ = write_deepg_folders(simulate_motifs(20, 50, "TATAAT", seed=0), root, seed=0)
    >>> len(read_deepg_folders(root, "all"))
    20
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(
            f"`root` = '{root}' is not an existing folder; pass the folder you wrote to."
        )
    if split not in ("train", "validation", "all"):
        raise InputError(
            f"`split` = {split!r} is not understood; pass 'train', 'validation' or 'all'."
        )
    splits = ["train", "validation"] if split == "all" else [split]
    settings: dict = {}
    settings_path = root / "settings.json"
    if settings_path.is_file():
        with contextlib.suppress(ValueError, OSError):
            settings = json.loads(settings_path.read_text())

    class_dirs: dict[str, list[Path]] = {}
    for s in splits:
        folder = root / s
        if not folder.is_dir():
            if split == "all":
                continue
            found = sorted(p.name for p in root.iterdir() if p.is_dir())
            raise InputError(
                f"`split` = {split!r}: '{folder}' does not exist (folders in root: {found}); pass "
                "a split that was written."
            )
        for d in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            class_dirs.setdefault(d.name, []).append(d)
    if not class_dirs:
        raise InputError(f"no class folders under '{root}' for split {split!r}; nothing to read.")

    names = set(class_dirs)
    saved = settings.get("label_names")
    if isinstance(saved, list) and names <= set(saved):
        label_names = tuple(saved)
    elif names == {"no_motif", "motif"}:
        label_names = ("no_motif", "motif")
    else:
        label_names = tuple(sorted(names))

    ids: list[str] = []
    seqs: list[str] = []
    labels: list[int] = []
    for c, cname in enumerate(label_names):
        for d in class_dirs.get(cname, []):
            for path in _fasta_files(d):
                records = read_fasta(path)
                ids.extend(r[0] for r in records)
                seqs.extend(r[1].upper() for r in records)
                labels.extend([c] * len(records))
    if not seqs:
        raise InputError(f"no FASTA sequences under '{root}' for split {split!r}.")

    order = np.arange(len(ids))
    if len(set(ids)) == len(ids):
        order = np.argsort(np.array(ids, dtype=object), kind="stable")
    ids = [ids[i] for i in order]
    seqs = [seqs[i] for i in order]
    labels_arr = np.asarray(labels, dtype=np.int32)[order]

    truth = _empty_truth()
    for fname in ("truth.parquet", "truth.csv"):
        path = root / fname
        if path.is_file():
            if fname.endswith(".parquet") and _pyarrow_problem() is not None:
                continue
            full = read_truth(path)
            truth = full[full["seq_id"].isin(set(ids))].reset_index(drop=True)
            break
    settings = (
        {**settings, "root": str(root), "split": split}
        if settings
        else {"root": str(root), "split": split}
    )
    return SyntheticDataset(
        sequences=seqs,
        seq_ids=ids,
        labels=labels_arr,
        label_names=label_names,
        truth=truth,
        settings=settings,
    )


def _truth_path(path: Any, arg: str = "path") -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"`{arg}` must be a file path (str); got {type(path).__name__}.")
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(
            f"`{arg}` = '{p}' has suffix {suffix or '(none)'!r}; expected '.csv' or '.parquet' "
            "(the format follows the suffix)."
        )
    return p, suffix


def write_truth(dataset: SyntheticDataset | pd.DataFrame, path: str | os.PathLike) -> str:
    """Write the truth table to CSV or Parquet (by suffix), atomically.

    Parameters
    ----------
    dataset : SyntheticDataset or pandas.DataFrame
        A dataset (its ``truth``) or a truth table.
    path : str or path
        Ends in ``.csv`` or ``.parquet``.

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import tempfile, os
    >>> ds = simulate_motifs(10, 50, "TATAAT", seed=0)
    >>> p = write_truth(ds, os.path.join(tempfile.mkdtemp(), "truth.csv"))
    >>> read_truth(p).equals(ds.truth)
    True
    """
    if isinstance(dataset, SyntheticDataset):
        truth = dataset.truth
    elif isinstance(dataset, pd.DataFrame):
        truth = _normalise_truth(dataset, "dataset")
    else:
        raise ArgumentTypeError(
            f"`dataset` must be a SyntheticDataset or a truth DataFrame; got {type(dataset).__name__}."
        )
    p, suffix = _truth_path(path)
    if suffix == ".parquet":
        problem = _pyarrow_problem()
        if problem is not None:
            raise InputError(
                f"cannot write Parquet '{p}': pyarrow is not usable ({problem}). Install a pyarrow "
                "that matches your numpy (pyarrow < 26 for numpy 1.x), or write '.csv'."
            )
        frame = truth.copy()
        frame.attrs = _json_safe(truth.attrs)  # kept by pandas in the Parquet metadata
        atomic_write(p, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        atomic_write(p, lambda tmp: truth.to_csv(tmp, index=False))
    return str(p)


def read_truth(path: str | os.PathLike) -> pd.DataFrame:
    """Read a truth table written by :func:`write_truth` (CSV or Parquet, by suffix).

    Parameters
    ----------
    path : str or path

    Returns
    -------
    pandas.DataFrame
        ``seq_id, label, motif, start, end, strand`` (label/start/end int32,
        1-based closed), RangeIndex.

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_truth(simulate_motifs(10, 50, "TATAAT", seed=0), os.path.join(tempfile.mkdtemp(), "t.csv"))
    >>> read_truth(p).dtypes["start"]
    dtype('int32')
    """
    p, suffix = _truth_path(path)
    if not p.is_file():
        raise InputError(f"`path` = '{p}' does not exist; pass the truth file you wrote.")
    if suffix == ".parquet":
        problem = _pyarrow_problem()
        if problem is not None:
            raise InputError(
                f"cannot read Parquet '{p}': pyarrow is not usable ({problem}). Read the '.csv' "
                "copy or install a pyarrow that matches your numpy."
            )
        df = pd.read_parquet(p)
    else:
        df = pd.read_csv(
            p, dtype={"seq_id": str, "motif": str, "strand": str}, keep_default_na=False
        )
    return _normalise_truth(df, "path")
