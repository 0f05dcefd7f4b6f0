"""Inputs of Global Importance Analysis: null-model backgrounds and patterns to embed.

Backgrounds (:func:`make_backgrounds`) are drawn once, up front, from one seed, so the
same seed gives the same backgrounds whatever the batching, and every experiment of a
run compares against the same population. Patterns (:func:`make_pattern`) are DNA /
IUPAC strings or PWMs; a string's fixed letters overwrite the background, ``N`` keeps
the background base, degenerate codes (R, Y, ...) and PWM rows are drawn per
background.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...checks import check_int
from ...dna.alphabet import BASES, INVALID_CODE, IUPAC_CODES, codes_to_onehot
from ...dna.backgrounds import MarkovModel, background_sampler, dinuc_shuffle, shuffle_positions
from ...dna.backgrounds.profile import position_profile, sample_profile_codes
from ...dna.fasta import is_fasta_name
from ...dna.motifs import Motif, check_iupac, make_motif
from ...dna.sequences import DNA_VOCABULARY, EncodedSequences, encode
from ...errors import (
    ArgumentTypeError,
    BaselineError,
    DeepGInterpretWarning,
    InputError,
    SequenceError,
    ShapeError,
)

BACKGROUND_KINDS = ("iid", "profile", "shuffle", "dinuc_shuffle", "sample")
# More backgrounds than this are a typo (10^6 x 1 kb is already 16 GB of one-hot rows).
MAX_BACKGROUNDS = 1_000_000


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Pattern:
    """A pattern to embed.

    ``codes`` (w,) uint8: the base code per position, 255 where the background is
    kept (``N``) or where the base is drawn (``probs`` row not one-hot). ``probs``
    (w, 4) is None for fixed strings; else the rows to draw from, with all-zero rows
    where the background is kept.
    """

    name: str
    codes: np.ndarray
    probs: np.ndarray | None = None

    @property
    def width(self) -> int:
        return int(self.codes.shape[0])

    @property
    def random(self) -> bool:
        return self.probs is not None

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, w) uint8 codes; 255 keeps the background base."""
        if self.probs is None:
            return np.broadcast_to(self.codes, (n, self.width)).copy()
        kept = self.probs.sum(axis=1) <= 0  # background kept: any row will do for the draw
        out = sample_profile_codes(rng, n, np.where(kept[:, None], 0.25, self.probs))
        out[:, kept] = INVALID_CODE
        return out


def check_no_overlap(spans, arg: str) -> None:
    """Raise :class:`InputError` when two embedded patterns share a base.

    ``spans``: ``(start, width, label)`` with 0-based ``start``. One rule for every
    experiment that embeds several patterns (``multiplicity``, ``interaction``): the
    later pattern would overwrite part of the earlier one, so what is measured is not
    the two patterns.
    """
    ordered = sorted(spans, key=lambda span: (span[0], span[1]))
    reach = None  # the span that ends last so far
    for span in ordered:
        if reach is not None and span[0] < reach[0] + reach[1]:
            (a, wa, la), (b, wb, lb) = reach, span
            raise InputError(
                f"`{arg}`: {la} at {a + 1}-{a + wa} ({wa} bp) and {lb} at {b + 1}-{b + wb} "
                f"({wb} bp) overlap by {min(a + wa, b + wb) - b} bp, so the later one would "
                f"overwrite the other; place them apart (the second starting at {a + wa + 1} or "
                "later)."
            )
        if reach is None or span[0] + span[1] > reach[0] + reach[1]:
            reach = span


def _pattern_from_string(text: str, arg: str) -> Pattern:
    upper = text.strip().upper()
    if not upper:
        raise SequenceError(f"`{arg}` is an empty string; pass a DNA/IUPAC pattern such as 'TGCATG'.")
    check_iupac(upper, text, arg, "(N keeps the background base)")
    codes = np.full(len(upper), INVALID_CODE, dtype=np.uint8)
    probs = np.zeros((len(upper), 4))
    degenerate = False
    for i, c in enumerate(upper):  # once per pattern position
        if c in BASES:
            codes[i] = BASES.index(c)
            probs[i, codes[i]] = 1.0
        elif c != "N":
            degenerate = True
            allowed = [BASES.index(b) for b in IUPAC_CODES[c]]
            probs[i, allowed] = 1.0 / len(allowed)
    return Pattern(upper, codes, probs if degenerate else None)


def make_pattern(spec: Any, arg: str = "patterns", name: str | None = None) -> Pattern:
    """A :class:`Pattern` from a DNA/IUPAC string, a PWM (w, 4) or a :class:`Motif`.

    Examples
    --------
    >>> p = make_pattern("TGNR")
    >>> p.codes.tolist(), p.random
    ([3, 2, 255, 255], True)
    """
    if isinstance(spec, Pattern):
        return spec
    if isinstance(spec, Motif) and spec.pattern is not None:
        pattern = _pattern_from_string(spec.pattern, arg)
        return Pattern(name or spec.name, pattern.codes, pattern.probs)
    if isinstance(spec, str):
        pattern = _pattern_from_string(spec, arg)
        return pattern if name is None else Pattern(name, pattern.codes, pattern.probs)
    if isinstance(spec, (list, tuple)) and spec and all(isinstance(r, (list, tuple)) for r in spec):
        spec = np.asarray(spec, dtype=float)
    if isinstance(spec, Motif) or hasattr(spec, "shape"):
        motif = make_motif(spec, arg=arg)
        codes = np.where(motif.probs.max(axis=1) >= 1.0, motif.probs.argmax(axis=1),
                         INVALID_CODE).astype(np.uint8)
        label = name or (motif.name if motif.name != "pwm" else f"pwm:{motif.consensus}")
        return Pattern(label, codes, motif.probs)
    raise ArgumentTypeError(
        f"`{arg}` must be a DNA/IUPAC string, a PWM array (w, 4) or a Motif; got "
        f"{type(spec).__name__}."
    )


def onehot_of_codes(codes: np.ndarray) -> np.ndarray:
    """uint8 codes (..., w) -> float32 one-hot (..., w, 4); 255 -> all-zero rows."""
    return codes_to_onehot(codes)


# --------------------------------------------------------------------------- backgrounds


def _codes_of_onehot(x: np.ndarray) -> np.ndarray:
    """(n, L, 4) -> (n, L) codes; rows that are not exactly one-hot become 255."""
    is_base = (x == 1).sum(axis=-1) == 1
    is_base &= (x == 0).sum(axis=-1) == x.shape[-1] - 1
    return np.where(is_base, x.argmax(axis=-1), INVALID_CODE).astype(np.uint8)


def _source_onehot(source, length: int, kind: str) -> np.ndarray:
    if source is None:
        raise BaselineError(
            f"background = {kind!r} needs `source=`: sequences (strings, a FASTA path or a "
            f"one-hot array (m, {length}, 4)) to build the null model from."
        )
    if isinstance(source, EncodedSequences):
        x = source.onehot
    else:
        try:
            x = encode(source, maxlen=length, window_step=length, vocabulary=DNA_VOCABULARY,
                       unknown="ambiguous").onehot
        except InputError as exc:
            raise BaselineError(
                f"source of background = {kind!r}: {exc}. The null model needs sequences of at "
                f"least the model's length ({length} bp); longer ones are cut into {length} bp "
                "windows."
            ) from None
    if x.ndim != 3 or x.shape[1] != length or x.shape[2] != 4:
        raise BaselineError(
            f"source of background = {kind!r} has shape {x.shape}; expected (m, {length}, 4)."
        )
    return np.asarray(x, dtype=np.float32)


def _explicit_backgrounds(background, length: int | None, n_channels: int) -> np.ndarray:
    x = np.asarray(background, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ShapeError(
            f"`background` as an array must have shape (n, L, C); got {x.shape}."
        )
    if x.shape[0] == 0:
        raise InputError(
            "`background` holds zero sequences; GIA needs at least one background (the paper "
            "uses 1,000)."
        )
    if x.shape[2] != n_channels or (length is not None and x.shape[1] != length):
        raise ShapeError(
            f"`background` has shape {x.shape} but the model expects (n, {length or 'L'}, "
            f"{n_channels})."
        )
    if not np.isfinite(x).all():
        raise InputError("`background` contains NaN or infinite values.")
    return x


def make_backgrounds(background: Any, *, n: int, length: int | None, n_channels: int = 4,
                     source=None, gc=None, seed=None) -> tuple[np.ndarray, dict]:
    """Draw the null-model backgrounds: float32 one-hot ``(n, L, C)`` and a description.

    Parameters
    ----------
    background : str, 4 frequencies, dict, MarkovModel or np.ndarray
        ``"iid"`` (uniform, or ``gc=``), 4 base frequencies (A, C, G, T) or a dict
        base -> frequency, a :class:`MarkovModel`; ``"profile"`` (position profile of
        ``source``), ``"shuffle"`` / ``"dinuc_shuffle"`` (of sequences drawn from
        ``source``), ``"sample"`` (``source`` sequences / windows themselves, drawn
        without replacement), a FASTA path (same as ``"sample"``), or an explicit
        array ``(n, L, C)`` (used as it is; ``n`` is ignored).
    n : int
        Number of backgrounds.
    length : int or None
        Sequence length (the model's maxlen).
    source : sequences, optional
        Strings, a FASTA path or a one-hot array; longer sequences are cut into
        non-overlapping windows of ``length``.
    gc : float, optional
        GC content of an iid background.
    seed : int or None

    Examples
    --------
    >>> x, desc = make_backgrounds("iid", n=3, length=10, seed=1)
    >>> x.shape, desc["kind"]
    ((3, 10, 4), 'iid')
    """
    if isinstance(background, (np.ndarray, EncodedSequences)) or (
            hasattr(background, "shape") and not isinstance(background, MarkovModel)):
        arr = background.onehot if isinstance(background, EncodedSequences) else background
        x = _explicit_backgrounds(arr, length, n_channels)
        return x, {"kind": "explicit", "n": int(x.shape[0])}
    n = check_int(n, "n_backgrounds", 1, MAX_BACKGROUNDS)
    if length is None:
        raise ShapeError(
            "the model takes sequences of any length; pass `length=` (background length in bp) "
            "or an explicit background array (n, L, 4)."
        )
    if n_channels != 4:
        raise ShapeError(
            f"random backgrounds are DNA (A, C, G, T) but the model has {n_channels} channels; "
            "pass an explicit background array (n, L, C)."
        )
    rng = np.random.default_rng(seed)
    if isinstance(background, str) and is_fasta_name(background):
        source, background = background, "sample"
    if isinstance(background, str) and background in BACKGROUND_KINDS[1:]:
        x = _source_onehot(source, length, background)
        if background == "profile":
            profile = position_profile(_codes_of_onehot(x))
            codes = sample_profile_codes(rng, n, profile)
            return onehot_of_codes(codes), {"kind": "profile", "n_source": int(x.shape[0])}
        if background == "sample":
            if x.shape[0] < n:
                warnings.warn(
                    f"background = 'sample': the source holds {x.shape[0]} sequences of "
                    f"{length} bp, fewer than n_backgrounds = {n}; all {x.shape[0]} are used.",
                    DeepGInterpretWarning, stacklevel=3)
                n = x.shape[0]
            pick = np.sort(rng.choice(x.shape[0], size=n, replace=False))
            return x[pick].copy(), {"kind": "sample", "n_source": int(x.shape[0])}
        shuffle = shuffle_positions if background == "shuffle" else dinuc_shuffle
        picks = rng.integers(0, x.shape[0], size=n)
        out = np.empty((n, length, 4), dtype=np.float32)
        for i, j in enumerate(picks):  # one shuffle per background, all from one stream
            out[i] = shuffle(x[j], rng, 1)[0]
        return out, {"kind": background, "n_source": int(x.shape[0])}
    if isinstance(background, str) and background != "iid":
        raise BaselineError(
            f"background = {background!r} is not a null model; choose one of "
            f"{BACKGROUND_KINDS}, a FASTA path, 4 base frequencies (A, C, G, T), a MarkovModel "
            "or an explicit array (n, L, 4)."
        )
    if source is not None:
        raise InputError(
            "`source=` is only used by background = 'profile', 'shuffle', 'dinuc_shuffle' or "
            "'sample'; drop it or choose one of those."
        )
    try:
        sampler, desc = background_sampler(background, gc)
    except InputError as exc:
        raise BaselineError(str(exc)) from None
    return onehot_of_codes(sampler(rng, n, length)), desc


__all__ = ["Pattern", "make_pattern", "make_backgrounds", "onehot_of_codes", "BACKGROUND_KINDS",
           "MAX_BACKGROUNDS"]
