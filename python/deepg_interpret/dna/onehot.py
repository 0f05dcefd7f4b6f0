"""One-hot coding of single sequences: vocabularies, DNA strings, one-hot arrays.

Follows deepG's conventions: vocabulary order ``A, C, G, T`` (case-insensitive),
ambiguous bases (``N`` and the IUPAC codes) as all-zero rows (deepG's
``ambiguous_nuc = "zero"``) or 1/C per channel (``"equal"``). Checks one-hot arrays
given directly: shape, finite values, which rows are one-hot, which encode N, and
warns about rows that are neither. :mod:`.sequences` builds on this to encode whole
inputs (ids, windows, padding) into :class:`~.sequences.EncodedSequences`.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np

from ..errors import ArgumentTypeError, DeepGInterpretWarning, SequenceError, ShapeError

DNA_VOCABULARY: tuple[str, ...] = ("A", "C", "G", "T")
IUPAC_AMBIGUOUS = "NRYSWKMBDHV"

# Codes used in the lookup table: >= 0 is a channel index.
_AMBIGUOUS = -1
_INVALID = -2


def generic_vocabulary(n_channels: int) -> tuple[str, ...]:
    """Channel labels ``ch1 .. chC`` for one-hot arrays of a non-DNA model.

    Examples
    --------
    >>> generic_vocabulary(3)
    ('ch1', 'ch2', 'ch3')
    """
    return tuple(f"ch{i + 1}" for i in range(int(n_channels)))


def lookup_table(vocabulary: tuple[str, ...]) -> np.ndarray:
    table = np.full(256, _INVALID, dtype=np.int16)
    for code in IUPAC_AMBIGUOUS:
        table[ord(code)] = _AMBIGUOUS
        table[ord(code.lower())] = _AMBIGUOUS
    for i, letter in enumerate(vocabulary):
        table[ord(letter.upper())] = i
        table[ord(letter.lower())] = i
    return table


def check_vocabulary(vocabulary, *, letters: bool = True) -> tuple[str, ...]:
    """The vocabulary as a tuple of labels.

    ``letters=True`` (encoding strings): single ASCII letters, upper-cased, no repeats.
    ``letters=False`` (one-hot arrays, decoding): any distinct non-empty labels; labels
    that are all single letters are upper-cased as for strings.
    """
    if isinstance(vocabulary, str):
        vocabulary = tuple(vocabulary)
    try:
        vocabulary = tuple(str(v) for v in vocabulary)
    except TypeError as exc:
        raise ArgumentTypeError(
            f"vocabulary must be a sequence of single letters such as ('A', 'C', 'G', 'T') "
            f"(or None for the default), got {type(vocabulary).__name__}"
        ) from exc
    single = all(len(v) == 1 for v in vocabulary)
    if letters:
        if not vocabulary or not single or not all(v.isascii() and v.isalpha() for v in vocabulary):
            raise SequenceError(
                f"vocabulary must be single ASCII letters such as ('A', 'C', 'G', 'T') when "
                f"encoding DNA strings, got {vocabulary!r}; pass vocabulary=None for A, C, G, T"
            )
    elif not vocabulary or any(not v.strip() for v in vocabulary):
        raise SequenceError(
            f"vocabulary must be non-empty channel labels such as ('A', 'C', 'G', 'T'), got "
            f"{vocabulary!r}; pass vocabulary=None for default labels"
        )
    if single:
        vocabulary = tuple(v.upper() for v in vocabulary)
    repeated = sorted(v for v, k in Counter(vocabulary).items() if k > 1)
    if repeated:
        raise SequenceError(
            f"vocabulary has repeated labels {repeated}: {vocabulary!r}; give every channel its "
            "own label, in the order the model was trained on"
        )
    return vocabulary


def array_vocabulary(vocabulary, n_channels: int) -> tuple[str, ...]:
    """Channel labels for a one-hot array with ``n_channels`` channels."""
    if vocabulary is None:
        return DNA_VOCABULARY if n_channels == len(DNA_VOCABULARY) else generic_vocabulary(n_channels)
    vocabulary = check_vocabulary(vocabulary, letters=False)
    if len(vocabulary) != n_channels:
        raise ShapeError(
            f"the one-hot array has {n_channels} channels but vocabulary = {vocabulary} has "
            f"{len(vocabulary)}; pass vocabulary= with one label per channel in the model's "
            f"order, or vocabulary=None (labels {_label_range(n_channels)})"
        )
    return vocabulary


def _label_range(n_channels: int) -> str:
    if n_channels == len(DNA_VOCABULARY):
        return "A, C, G, T"
    labels = generic_vocabulary(n_channels)
    return ", ".join(labels) if n_channels <= 3 else f"{labels[0]} .. {labels[-1]}"


UNKNOWN_MODES = ("warn", "ambiguous", "error")

# Characters that say "this is not DNA" (raised unless unknown='ambiguous'), not stray marks:
# digits (GenBank/EMBL position numbers), spaces inside a sequence, and amino-acid letters
# that are no nucleotide or IUPAC code (a protein FASTA such as a Prokka .faa).
PROTEIN_ONLY = "EFIJLOPQZ*"
_NOT_DNA_KINDS = ("digit", "space", "protein")
_NOT_DNA_CLASS = np.zeros(256, dtype=np.int8)  # 0: fine; 1 + index into _NOT_DNA_KINDS
for _c in "0123456789":
    _NOT_DNA_CLASS[ord(_c)] = 1
for _c in " \t\v\f":
    _NOT_DNA_CLASS[ord(_c)] = 2
for _c in PROTEIN_ONLY:
    _NOT_DNA_CLASS[ord(_c)] = 3
    _NOT_DNA_CLASS[ord(_c.lower())] = 3
# A protein is told from a DNA string with a few odd letters by its share of amino-acid-only
# letters (about a third of a real protein).
_PROTEIN_MIN_COUNT = 3
_PROTEIN_MIN_FRACTION = 0.05
_NOT_DNA_FIX = {
    "digit": ("digits are not bases: they look like GenBank/EMBL position numbers (or a "
              "count); remove them (e.g. re.sub('[^A-Za-z]', '', s)) or export the sequence "
              "as FASTA"),
    "space": "spaces are not bases; remove them (e.g. s.replace(' ', ''))",
    "protein": ("it looks like a protein (amino-acid) sequence; these models read DNA: pass "
                "the nucleotide sequence (e.g. Prokka's .ffn/.fna, not the .faa)"),
}


def not_dna(raw: np.ndarray) -> tuple[str, np.ndarray] | None:
    """``(kind, 0-based positions)`` when the bytes ``raw`` (one per character) are not DNA.

    ``kind`` is ``"digit"``, ``"space"`` or ``"protein"`` (see :data:`PROTEIN_ONLY`);
    None for DNA, also DNA with a few stray characters (those are ``unknown=``'s business).
    """
    classes = _NOT_DNA_CLASS[raw]
    if not classes.any():
        return None
    for code, kind in enumerate(_NOT_DNA_KINDS, start=1):
        where = np.flatnonzero(classes == code)
        if not where.size:
            continue
        if kind == "protein" and (where.size < _PROTEIN_MIN_COUNT
                                  or where.size < _PROTEIN_MIN_FRACTION * raw.size):
            continue
        return kind, where
    return None


def not_dna_message(what: str, seq: str, kind: str, where: np.ndarray,
                    escape: str = "pass unknown='ambiguous' to encode them as N anyway") -> str:
    """``"<what> is not DNA: ..."`` naming the characters, the first position and the count."""
    first = int(where[0])
    shown = sorted(set(seq[i] for i in where[:1000]))
    plural = "character" if where.size == 1 else "characters"
    return (f"{what} is not DNA: it has {where.size} non-DNA {plural} {shown} (first "
            f"{seq[first]!r} at position {first + 1}); {_NOT_DNA_FIX[kind]}. Or {escape}")


def _join_lines(seq: str) -> str:
    """A DNA string without line breaks (multi-line strings) and surrounding blanks.

    Spaces inside a line stay: they are not bases, and :func:`not_dna` reports them.
    """
    if "\n" in seq or "\r" in seq:
        return "".join(line.strip() for line in seq.splitlines())
    return seq.strip()


def encode_string(seq: str, name: str, table: np.ndarray, n_channels: int,
                   ambiguous: str, hint: str = "", unknown: str = "error",
                   found: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    seq = _join_lines(seq)  # line breaks of multi-line strings; spaces inside are not DNA
    if unknown == "ambiguous":
        seq = "".join(seq.split())  # asked to take anything: blanks are dropped as before
    if not seq:
        raise SequenceError(f"sequence {name!r} is empty; pass at least one base")
    if unknown != "ambiguous":
        # Before any length check: a protein or a GenBank dump must not get length advice.
        found_not_dna = not_dna(np.frombuffer(seq.encode("ascii", errors="replace"), np.uint8))
        if found_not_dna is not None:
            raise SequenceError(not_dna_message(f"sequence {name!r}", seq, *found_not_dna)
                                + hint)
    if unknown == "error":
        try:
            raw = np.frombuffer(seq.encode("ascii"), dtype=np.uint8)
        except UnicodeEncodeError as exc:
            bad = next(i for i, ch in enumerate(seq) if ord(ch) > 127)
            raise SequenceError(
                f"sequence {name!r} has the non-DNA character {seq[bad]!r} at position "
                f"{bad + 1}; only the vocabulary letters and IUPAC codes ({IUPAC_AMBIGUOUS}) "
                f"are allowed{hint}"
            ) from exc
    else:  # anything outside ASCII is outside the vocabulary too: one byte per character
        raw = np.frombuffer(seq.encode("ascii", errors="replace"), dtype=np.uint8)
    codes = table[raw]
    invalid = np.flatnonzero(codes == _INVALID)
    if invalid.size:
        first = int(invalid[0])
        shown = sorted(set(seq[i] for i in invalid[:1000]))
        where = (f"sequence {name!r} has {invalid.size} character(s) outside the vocabulary "
                 f"{shown} (first at position {first + 1})")
        if unknown == "error":
            raise SequenceError(
                f"{where}; only the vocabulary letters and IUPAC ambiguity codes "
                f"({IUPAC_AMBIGUOUS}) are allowed. Remove them or map them to N first, or pass "
                f"unknown='ambiguous' to encode them as N as deepG does.{hint}"
            )
        if unknown == "warn" and found is not None:
            found.append((name, int(invalid.size), shown, first + 1))
        codes = codes.copy()
        codes[invalid] = _AMBIGUOUS
    onehot = np.zeros((codes.size, n_channels), dtype=np.float32)
    known = codes >= 0
    onehot[np.flatnonzero(known), codes[known]] = 1.0
    amb = ~known
    if ambiguous == "equal":
        onehot[amb] = 1.0 / n_channels
    return onehot, amb


def warn_unknown(found: list) -> None:
    """One warning for every character outside the vocabulary met in one encode call."""
    if not found:
        return
    total = sum(count for _, count, _, _ in found)
    chars = sorted({c for _, _, shown, _ in found for c in shown})
    name, _, _, first = found[0]
    where = (f"sequence {name!r}" if len(found) == 1
             else f"{len(found)} sequences (first {name!r})")
    warnings.warn(
        f"{where} had {total} character(s) outside the vocabulary {chars[:20]} (first at "
        f"position {first}): encoded as ambiguous (like N), as deepG does; pass "
        "unknown='error' to reject such input or unknown='ambiguous' to accept it without "
        "this warning",
        DeepGInterpretWarning, stacklevel=3,
    )


def row_kinds(onehot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(one_hot, n_code)`` masks over the rows (last axis = channels).

    ``one_hot``: exactly one 1 and zeros elsewhere (max 1, min >= 0, sum 1).
    ``n_code``: a legitimate encoding of N, all zeros (deepG "zero") or 1/C each ("equal").
    """
    channels = onehot.shape[-1]
    if channels <= 64:
        # Column by column: numpy reduces a short last axis slowly (8M values: 10x faster).
        high, low, total = (onehot[..., 0].copy() for _ in range(3))
        for c in range(1, channels):
            column = onehot[..., c]
            np.maximum(high, column, out=high)
            np.minimum(low, column, out=low)
            total += column
    else:
        high, low, total = onehot.max(axis=-1), onehot.min(axis=-1), onehot.sum(axis=-1)
    one_hot = (high == 1.0) & (low >= 0.0) & (total == 1.0)
    equal = (high - low <= 1e-6) & (np.abs(high - 1.0 / onehot.shape[-1]) <= 1e-6)
    return one_hot, ((high == 0.0) & (low == 0.0)) | equal


def ambiguous_rows(onehot: np.ndarray) -> np.ndarray:
    """Rows that are not exactly one-hot (zero rows, 0.25 rows, soft values)."""
    return ~row_kinds(onehot)[0]


def warn_not_one_hot(arr: np.ndarray, vocabulary: tuple[str, ...], one_hot: np.ndarray,
                      n_code: np.ndarray) -> None:
    """Warn about rows that are neither one-hot nor an encoding of N."""
    bad = ~(one_hot | n_code)
    n_bad = int(bad.sum())
    if not n_bad:
        return
    values = arr[bad]
    kinds = []
    if (values > 1).any():
        kinds.append(f"values above 1 (largest {float(values.max()):g})")
    if (values < 0).any():
        kinds.append(f"negative values (smallest {float(values.min()):g})")
    fractional = (values > 0) & (values < 1)
    if fractional.any():
        kinds.append(f"fractional values such as {float(values[fractional][0]):g}")
    if not kinds:
        kinds.append("more than one 1 per position")
    seq_i, pos_i = (int(i) for i in np.argwhere(bad)[0])
    row = ", ".join(f"{v:g}" for v in arr[seq_i, pos_i].tolist())
    warnings.warn(
        f"the one-hot array has {n_bad} of {bad.size} row(s) (positions) that are not one-hot "
        f"and not an encoding of N (all zeros, or 1/C each): {'; '.join(kinds)}. First at "
        f"sequence {seq_i + 1}, position {pos_i + 1}: [{row}]. They are passed to the model "
        f"as given and marked ambiguous (decoded as N); check the encoding (one 1 per position, "
        f"channels in the order {', '.join(vocabulary)}).",
        DeepGInterpretWarning,
        stacklevel=3,
    )


def onehot_array(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ShapeError(
            f"a one-hot array must have shape (L, C) or (n, L, C); got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0 or arr.shape[2] == 0:
        raise SequenceError(f"the one-hot array is empty (shape {arr.shape})")
    if not np.isfinite(arr).all():
        raise SequenceError("the one-hot array contains NaN or infinite values")
    return np.ascontiguousarray(arr)


__all__ = ["DNA_VOCABULARY", "IUPAC_AMBIGUOUS", "PROTEIN_ONLY", "generic_vocabulary", "not_dna"]
