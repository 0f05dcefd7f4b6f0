"""Motifs to plant: fixed strings, IUPAC patterns and PWMs, with their entropy.

A :class:`Motif` holds a probability matrix (w, 4) over A, C, G, T; every planted
copy is sampled from it. :func:`motif_entropy`, :func:`pwm_information_content` and
:func:`motif_summary` describe how much information a motif carries (the poster's
experiment 1 varies exactly this).

Examples
--------
>>> m = make_motif("TATRAT")
>>> m.kind, m.width, m.consensus
('iupac', 6, 'TATAAT')
>>> round(motif_entropy("TATAG" * 6), 2)
1.52
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import pandas as pd

from ..checks import as_generator, check_int
from ..errors import ArgumentTypeError, InputError, SequenceError, ShapeError
from .alphabet import BASES, INVALID_CODE, IUPAC_CODES, sequence_to_codes
from .backgrounds.iid import inner_cdf

__all__ = [
    "MOTIF_PRESETS",
    "IUPAC_CODES",
    "Motif",
    "MotifSpec",
    "make_motif",
    "motif_entropy",
    "pwm_information_content",
    "motif_summary",
]

#: The poster's 30 bp motifs of decreasing information entropy (``high`` is 31 bases
#: as printed on the poster; kept as is so results compare with the poster).
MOTIF_PRESETS: dict[str, str] = {
    "high": "GGTTCGACACGAGTATAGCTAGTATACTCCG",
    "medium": "TATAGCGCAGCCCTTATGGAGAGTCCATGA",
    "low": "TATAG" * 6,
    "lowest": "A" * 30,
}

MotifSpec = Union[str, np.ndarray, pd.DataFrame, "Motif"]


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
        return "".join(BASES[i] for i in self.probs.argmax(axis=1))

    def sample(self, n: int, seed: Any = None) -> np.ndarray:
        """``uint8`` codes (n, w) of ``n`` copies, each position drawn from its row."""
        n = check_int(n, "n", 0)
        return self._sample_codes(as_generator(seed), n)

    def _sample_codes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "fixed":  # no randomness needed (and none consumed)
            return np.broadcast_to(
                self.probs.argmax(axis=1).astype(np.uint8), (n, self.width)
            ).copy()
        u = rng.random((n, self.width))
        return (u[:, :, None] >= inner_cdf(self.probs)[None]).sum(axis=2).astype(np.uint8)

    def matches(self, sequence: str, strand: str = "+") -> bool:
        """Whether ``sequence`` (w bases) could have been sampled from this motif.

        On ``strand="-"`` the reverse complement of ``sequence`` is checked.
        """
        if len(sequence) != self.width:
            return False
        codes = sequence_to_codes(sequence)
        if np.any(codes == INVALID_CODE):
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
        out["information_content"] = _total_information(self.probs)
        if self.kind == "pwm":
            out["pwm"] = self.probs.tolist()
        return out


def check_iupac(upper: str, text: str, arg: str, note: str) -> None:
    """Raise :class:`SequenceError` unless every letter of ``upper`` is an IUPAC code.

    ``text`` is the string as the user passed it (quoted in the message) and ``note``
    follows the list of allowed codes (what ``N`` means there, other accepted values).

    Examples
    --------
    >>> check_iupac("TATRAT", "tatrat", "motif", "(N = any base)")
    """
    bad = [(i + 1, c) for i, c in enumerate(upper) if c not in IUPAC_CODES]
    if bad:
        pos, char = bad[0]
        raise SequenceError(
            f"`{arg}` = {text!r} has {len(bad)} character(s) that are not IUPAC nucleotide codes, "
            f"the first {char!r} at position {pos}; allowed are {''.join(IUPAC_CODES)} "
            f"{note}. Remove or replace it."
        )


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
    check_iupac(upper, text, arg, f"(N = any base) or a preset name ({', '.join(MOTIF_PRESETS)})")
    probs = np.zeros((len(upper), 4))
    for i, c in enumerate(upper):  # once per motif position, not per planted base
        allowed = [BASES.index(b) for b in IUPAC_CODES[c]]
        probs[i, allowed] = 1.0 / len(allowed)
    kind = "fixed" if set(upper) <= set(BASES) else "iupac"
    return Motif(name=name or upper, probs=probs, kind=kind, pattern=upper)


def _motif_from_matrix(matrix: Any, arg: str, name: str | None) -> Motif:
    if isinstance(matrix, pd.DataFrame):
        cols = [str(c).upper() for c in matrix.columns]
        if set(BASES) <= set(cols):
            matrix = matrix.set_axis(cols, axis=1)[list(BASES)]
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


def information_content(pwm: np.ndarray) -> np.ndarray:
    """Bits per position: ``log2(C) - H_i`` against a uniform background.

    Examples
    --------
    >>> information_content(np.array([[1.0, 0, 0, 0], [0.25] * 4])).round(3).tolist()
    [2.0, 0.0]
    """
    pwm = np.asarray(pwm, dtype=np.float64)
    safe = np.where(pwm > 0, pwm, 1.0)
    return np.log2(pwm.shape[-1]) + (pwm * np.log2(safe)).sum(axis=-1)


def _total_information(probs: np.ndarray) -> float:
    return float(information_content(probs).sum()) + 0.0


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
    k = check_int(k, "k", 1)
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
    return _total_information(make_motif(pwm, arg="pwm").probs)


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


def resolve_motifs(motif: Any) -> list[Motif]:
    specs = _as_spec_list(motif)
    motifs = []
    for i, spec in enumerate(specs):
        arg = "motif" if len(specs) == 1 else f"motif[{i}]"
        m = make_motif(spec, arg=arg)
        if m.kind == "pwm" and not isinstance(spec, Motif):
            m = Motif(f"pwm_{i + 1}", m.probs, m.kind, None)
        motifs.append(m)
    return motifs
