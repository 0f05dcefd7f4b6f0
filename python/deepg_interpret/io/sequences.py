"""Turn DNA (strings, FASTA files, one-hot arrays) into model-ready one-hot arrays.

Follows deepG's conventions: vocabulary order ``A, C, G, T`` (case-insensitive),
ambiguous bases (``N`` and the IUPAC codes) encoded as all-zero rows by default
(deepG's ``ambiguous_nuc = "zero"``), ``"equal"`` (1/C per channel) or
``"discard"`` (drop every window that contains one). Sequences longer than the
model's ``maxlen`` are cut into windows, like deepG's prediction over a genome.
"""

from __future__ import annotations

import gzip
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArgumentTypeError, DeepGInterpretWarning, SequenceError, ShapeError

DNA_VOCABULARY: tuple[str, ...] = ("A", "C", "G", "T")
AMBIGUOUS_MODES = ("zero", "equal", "discard")
PAD_MODES = (None, "left", "right")
IUPAC_AMBIGUOUS = "NRYSWKMBDHV"
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".ffn", ".fas", ".faa", ".seq")

# Codes used in the lookup table: >= 0 is a channel index.
_AMBIGUOUS = -1
_INVALID = -2


@dataclass
class EncodedSequences:
    """One-hot encoded sequences plus where every row came from.

    Attributes
    ----------
    onehot : np.ndarray
        float32, shape ``(n, L, C)``.
    seq_ids : list of str
        One name per row; window rows are named ``"id:start-end"``.
    source_ids : list of str
        The input sequence each row came from.
    starts : np.ndarray
        int64 ``(n,)``: 1-based position of the row's first base in its source
        sequence (padding counts as positions before/after the sequence).
    ambiguous : np.ndarray
        bool ``(n, L)``: True where the input was not a vocabulary base (N, IUPAC
        codes, padding, or a one-hot row that is not exactly one-hot).
    vocabulary : tuple of str
        Channel names in order.
    """

    onehot: np.ndarray
    seq_ids: list[str]
    source_ids: list[str]
    starts: np.ndarray
    ambiguous: np.ndarray
    vocabulary: tuple[str, ...] = DNA_VOCABULARY

    def __len__(self) -> int:
        return int(self.onehot.shape[0])

    @property
    def length(self) -> int:
        """Length ``L`` of every row."""
        return int(self.onehot.shape[1])

    def sequences(self) -> list[str]:
        """Decode the rows back to strings (ambiguous rows become ``N``)."""
        return decode(self.onehot, self.vocabulary)

    def subset(self, rows) -> EncodedSequences:
        """Rows ``rows`` (indices or a boolean mask) as a new object."""
        rows = np.arange(len(self))[rows]
        return EncodedSequences(
            onehot=self.onehot[rows],
            seq_ids=[self.seq_ids[i] for i in rows],
            source_ids=[self.source_ids[i] for i in rows],
            starts=self.starts[rows],
            ambiguous=self.ambiguous[rows],
            vocabulary=self.vocabulary,
        )


def _lookup_table(vocabulary: tuple[str, ...]) -> np.ndarray:
    table = np.full(256, _INVALID, dtype=np.int16)
    for code in IUPAC_AMBIGUOUS:
        table[ord(code)] = _AMBIGUOUS
        table[ord(code.lower())] = _AMBIGUOUS
    for i, letter in enumerate(vocabulary):
        table[ord(letter.upper())] = i
        table[ord(letter.lower())] = i
    return table


def _check_vocabulary(vocabulary) -> tuple[str, ...]:
    if isinstance(vocabulary, str):
        vocabulary = tuple(vocabulary)
    try:
        vocabulary = tuple(str(v) for v in vocabulary)
    except TypeError as exc:
        raise ArgumentTypeError(
            f"vocabulary must be a sequence of single letters such as ('A', 'C', 'G', 'T'), "
            f"got {type(vocabulary).__name__}"
        ) from exc
    if not vocabulary or any(len(v) != 1 for v in vocabulary):
        raise SequenceError(
            f"vocabulary must be single letters such as ('A', 'C', 'G', 'T'), got {vocabulary!r}"
        )
    if len({v.upper() for v in vocabulary}) != len(vocabulary):
        raise SequenceError(f"vocabulary has repeated letters: {vocabulary!r}")
    return tuple(v.upper() for v in vocabulary)


def _encode_string(seq: str, name: str, table: np.ndarray, n_channels: int,
                   ambiguous: str) -> tuple[np.ndarray, np.ndarray]:
    seq = "".join(seq.split())  # FASTA line breaks / stray whitespace
    if not seq:
        raise SequenceError(f"sequence {name!r} is empty; pass at least one base")
    try:
        raw = np.frombuffer(seq.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as exc:
        bad = next(i for i, ch in enumerate(seq) if ord(ch) > 127)
        raise SequenceError(
            f"sequence {name!r} has the non-DNA character {seq[bad]!r} at position {bad + 1}; "
            f"only the vocabulary letters and IUPAC codes ({IUPAC_AMBIGUOUS}) are allowed"
        ) from exc
    codes = table[raw]
    invalid = np.flatnonzero(codes == _INVALID)
    if invalid.size:
        first = int(invalid[0])
        shown = sorted(set(seq[i] for i in invalid[:1000]))
        raise SequenceError(
            f"sequence {name!r} has {invalid.size} non-DNA character(s) {shown} "
            f"(first at position {first + 1}); only the vocabulary letters and IUPAC ambiguity "
            f"codes ({IUPAC_AMBIGUOUS}) are allowed. Remove them or map them to N first."
        )
    onehot = np.zeros((codes.size, n_channels), dtype=np.float32)
    known = codes >= 0
    onehot[np.flatnonzero(known), codes[known]] = 1.0
    amb = ~known
    if ambiguous == "equal":
        onehot[amb] = 1.0 / n_channels
    return onehot, amb


def _ambiguous_rows(onehot: np.ndarray) -> np.ndarray:
    """Rows that are not exactly one-hot (zero rows, 0.25 rows, soft values)."""
    return ~((onehot.max(axis=-1) == 1.0) & (onehot.sum(axis=-1) == 1.0))


def read_fasta(path) -> list[tuple[str, str]]:
    """Read a (possibly gzipped) FASTA file into ``(id, sequence)`` pairs.

    Uses Biopython's parser. Raises :class:`SequenceError` for a missing or
    empty file.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fasta")
    >>> _ = open(p, "w").write(">s1\\nACGT\\n>s2\\nGGCC\\n")
    >>> read_fasta(p)
    [('s1', 'ACGT'), ('s2', 'GGCC')]
    """
    from Bio import SeqIO

    path = Path(path)
    if not path.is_file():
        raise SequenceError(f"FASTA file {str(path)!r} does not exist; check the path")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        records = [(rec.id, str(rec.seq)) for rec in SeqIO.parse(handle, "fasta")]
    if not records:
        raise SequenceError(
            f"FASTA file {str(path)!r} holds no sequences (is it FASTA? records start with '>')"
        )
    return records


def is_fasta_name(name: str) -> bool:
    """True for FASTA file names (``x.fasta``, ``x.fa.gz``, ...)."""
    lowered = str(name).lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return lowered.endswith(FASTA_SUFFIXES)


def looks_like_path(text: str) -> bool:
    """A string meant as a file path rather than DNA (has a slash or a FASTA suffix)."""
    return os.sep in text or "/" in text or is_fasta_name(text)


def _sources(sequences, seq_ids, table, vocabulary, ambiguous):
    """Yield ``(id, onehot (L, C), ambiguous (L,))`` for every input sequence."""
    n_channels = len(vocabulary)
    if isinstance(sequences, np.ndarray) or type(sequences).__module__.startswith("tensorflow"):
        arr = np.asarray(sequences, dtype=np.float32)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ShapeError(
                f"a one-hot array must have shape (L, C) or (n, L, C); got shape {arr.shape}"
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise SequenceError(f"the one-hot array is empty (shape {arr.shape})")
        if arr.shape[2] != n_channels:
            raise ShapeError(
                f"the one-hot array has {arr.shape[2]} channels but the vocabulary "
                f"{vocabulary} has {n_channels}; pass vocabulary= with one letter per channel"
            )
        if not np.isfinite(arr).all():
            raise SequenceError("the one-hot array contains NaN or infinite values")
        ids = list(seq_ids) if seq_ids is not None else [f"seq_{i + 1}" for i in range(arr.shape[0])]
        if len(ids) != arr.shape[0]:
            raise SequenceError(f"seq_ids has {len(ids)} names for {arr.shape[0]} sequences")
        arr = np.ascontiguousarray(arr)
        for i in range(arr.shape[0]):
            yield str(ids[i]), arr[i], _ambiguous_rows(arr[i])
        return

    if isinstance(sequences, (str, os.PathLike)):
        text = os.fspath(sequences)
        if isinstance(sequences, os.PathLike) or os.path.isfile(text) or looks_like_path(text):
            pairs = read_fasta(text)
        else:
            pairs = [("seq_1", text)]
    elif isinstance(sequences, Mapping):
        pairs = [(str(k), v) for k, v in sequences.items()]
    elif isinstance(sequences, Sequence):
        if len(sequences) == 0:
            raise SequenceError("no sequences given (an empty list); pass at least one sequence")
        pairs = []
        for i, s in enumerate(sequences):
            if not isinstance(s, str):
                raise ArgumentTypeError(
                    f"sequence {i + 1} is a {type(s).__name__}; a list must hold DNA strings"
                )
            pairs.append((f"seq_{i + 1}", s))
    else:
        raise ArgumentTypeError(
            "sequences must be a DNA string, a FASTA path, a list or dict of DNA strings, or a "
            f"one-hot array (n, L, C); got {type(sequences).__name__}"
        )
    if seq_ids is not None:
        if len(seq_ids) != len(pairs):
            raise SequenceError(f"seq_ids has {len(seq_ids)} names for {len(pairs)} sequences")
        pairs = [(str(n), s) for n, (_, s) in zip(seq_ids, pairs)]
    for name, seq in pairs:
        if not isinstance(seq, str):
            raise ArgumentTypeError(f"sequence {name!r} is a {type(seq).__name__}, not a DNA string")
        onehot, amb = _encode_string(seq, name, table, n_channels, ambiguous)
        yield name, onehot, amb


def _window_starts(length: int, maxlen: int, step: int) -> np.ndarray:
    starts = np.arange(0, length - maxlen + 1, step)
    if starts[-1] + maxlen < length:
        # One more window flush with the end, so every base is covered.
        starts = np.append(starts, length - maxlen)
    return starts


def encode(sequences, *, maxlen: int | None = None, window_step: int | None = None,
           pad: str | None = None, vocabulary=DNA_VOCABULARY, ambiguous: str = "zero",
           seq_ids=None) -> EncodedSequences:
    """One-hot encode DNA for a deepG/Keras model.

    Parameters
    ----------
    sequences : str, path, list of str, dict, np.ndarray or EncodedSequences
        A DNA string, a FASTA file path (gzip ok), a list or ``{id: sequence}``
        dict of DNA strings, or a one-hot array ``(L, C)`` / ``(n, L, C)``.
    maxlen : int, optional
        Bring every sequence to this length. Longer ones are cut into windows
        (``window_step`` needed); shorter ones need ``pad``. Default is None:
        keep lengths (they must then all be equal).
    window_step : int, optional
        Distance between window starts for sequences longer than ``maxlen``. A
        last window flush with the end is added so every base is covered.
    pad : {None, "left", "right"}
        Pad sequences shorter than ``maxlen`` with all-zero rows on this side.
        Default is None (shorter sequences raise an error).
    vocabulary : sequence of str
        Channel letters in order. Default is deepG's ``("A", "C", "G", "T")``.
    ambiguous : {"zero", "equal", "discard"}
        Encoding of N and IUPAC codes: all-zero rows (deepG default), 1/C per
        channel, or drop the windows that contain any.
    seq_ids : list of str, optional
        Names for the sequences (default: FASTA ids, dict keys or ``seq_1..``).

    Returns
    -------
    EncodedSequences
        ``onehot`` float32 ``(n, L, C)`` plus ids, 1-based starts and an
        ambiguity mask.

    Examples
    --------
    >>> enc = encode(["ACGTN", "GGCCA"])
    >>> enc.onehot.shape
    (2, 5, 4)
    >>> enc.ambiguous[0].tolist()
    [False, False, False, False, True]
    >>> encode("ACGTACGTAC", maxlen=4, window_step=3).seq_ids
    ['seq_1:1-4', 'seq_1:4-7', 'seq_1:7-10']
    """
    if isinstance(sequences, EncodedSequences):
        if maxlen is not None and sequences.length != maxlen:
            raise SequenceError(
                f"the encoded sequences have length {sequences.length} but maxlen = {maxlen}; "
                "encode them again from the DNA with maxlen= and window_step= or pad="
            )
        return sequences
    vocabulary = _check_vocabulary(vocabulary)
    if ambiguous not in AMBIGUOUS_MODES:
        raise SequenceError(f"ambiguous must be one of {AMBIGUOUS_MODES}, got {ambiguous!r}")
    if pad not in PAD_MODES:
        raise SequenceError(f"pad must be None, 'left' or 'right', got {pad!r}")
    if maxlen is not None:
        if isinstance(maxlen, bool) or int(maxlen) != maxlen or maxlen < 1:
            raise SequenceError(f"maxlen must be a positive integer, got {maxlen!r}")
        maxlen = int(maxlen)
    if window_step is not None:
        if isinstance(window_step, bool) or int(window_step) != window_step or window_step < 1:
            raise SequenceError(f"window_step must be a positive integer, got {window_step!r}")
        window_step = int(window_step)

    table = _lookup_table(vocabulary)
    rows, amb_rows, ids, source_ids, starts = [], [], [], [], []
    lengths = []
    for index, (name, onehot, amb) in enumerate(_sources(sequences, seq_ids, table, vocabulary, ambiguous)):
        length = onehot.shape[0]
        lengths.append(length)
        if maxlen is None or length == maxlen:
            rows.append(onehot)
            amb_rows.append(amb)
            ids.append(name)
            source_ids.append(name)
            starts.append(1)
        elif length > maxlen:
            if window_step is None:
                raise SequenceError(
                    f"sequence {index + 1} ({name!r}) has length {length} but the model expects "
                    f"maxlen = {maxlen}; pass window_step= (e.g. window_step={maxlen}) to cut it "
                    "into windows, or trim it"
                )
            for s in _window_starts(length, maxlen, window_step):
                rows.append(onehot[s:s + maxlen])
                amb_rows.append(amb[s:s + maxlen])
                ids.append(f"{name}:{s + 1}-{s + maxlen}")
                source_ids.append(name)
                starts.append(int(s) + 1)
        else:
            if pad is None:
                raise SequenceError(
                    f"sequence {index + 1} ({name!r}) has length {length} but the model expects "
                    f"maxlen = {maxlen}; pass pad='left' (as deepG) or pad='right' to fill it "
                    "with all-zero rows"
                )
            fill = maxlen - length
            padded = np.zeros((maxlen, onehot.shape[1]), dtype=np.float32)
            pad_amb = np.ones(maxlen, dtype=bool)
            offset = fill if pad == "left" else 0
            padded[offset:offset + length] = onehot
            pad_amb[offset:offset + length] = amb
            rows.append(padded)
            amb_rows.append(pad_amb)
            ids.append(name)
            source_ids.append(name)
            starts.append(1 - offset)

    if maxlen is None and len(set(lengths)) > 1:
        shown = sorted(set(lengths))[:5]
        raise SequenceError(
            f"the sequences have different lengths ({', '.join(map(str, shown))}, ...); pass "
            "maxlen= (with window_step= for longer and pad= for shorter ones) to bring them to "
            "one length"
        )
    encoded = EncodedSequences(
        onehot=np.stack(rows).astype(np.float32, copy=False),
        seq_ids=ids,
        source_ids=source_ids,
        starts=np.asarray(starts, dtype=np.int64),
        ambiguous=np.stack(amb_rows),
        vocabulary=vocabulary,
    )
    if ambiguous == "discard":
        keep = ~encoded.ambiguous.any(axis=1)
        if not keep.all():
            dropped = [encoded.seq_ids[i] for i in np.flatnonzero(~keep)]
            if not keep.any():
                raise SequenceError(
                    "every sequence (window) contains ambiguous bases and ambiguous='discard' "
                    "dropped them all; use ambiguous='zero' or 'equal'"
                )
            warnings.warn(
                f"ambiguous='discard' dropped {len(dropped)} window(s) with ambiguous bases: "
                f"{', '.join(dropped[:5])}{' ...' if len(dropped) > 5 else ''}",
                DeepGInterpretWarning,
                stacklevel=2,
            )
            encoded = encoded.subset(keep)
    return encoded


def decode(onehot, vocabulary=DNA_VOCABULARY) -> list[str]:
    """Decode one-hot rows to strings; rows that are not one-hot become ``N``.

    Examples
    --------
    >>> decode(encode("ACGNT").onehot)
    ['ACGNT']
    """
    vocabulary = _check_vocabulary(vocabulary)
    arr = np.asarray(onehot)
    if arr.ndim == 2:
        arr = arr[None]
    letters = np.array(list(vocabulary) + ["N"])
    idx = arr.argmax(axis=-1)
    idx[_ambiguous_rows(arr)] = len(vocabulary)
    return ["".join(row) for row in letters[idx]]


__all__ = ["DNA_VOCABULARY", "EncodedSequences", "encode", "decode", "read_fasta"]
