"""Turn DNA (strings, FASTA files, one-hot arrays) into model-ready one-hot arrays.

Follows deepG's conventions: vocabulary order ``A, C, G, T`` (case-insensitive),
ambiguous bases (``N`` and the IUPAC codes) encoded as all-zero rows by default
(deepG's ``ambiguous_nuc = "zero"``), ``"equal"`` (1/C per channel) or
``"discard"`` (drop every window that contains one). Sequences longer than the
model's ``maxlen`` are cut into windows, like deepG's prediction over a genome.

This module gathers the inputs (strings, lists, dicts, FASTA paths, arrays), names
them, cuts or pads them and returns :class:`EncodedSequences`; reading FASTA files
lives in :mod:`.fasta`, coding single sequences and checking one-hot rows in
:mod:`.onehot` (their public names are importable from here too).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentTypeError, DeepGInterpretWarning, SequenceError, ShapeError
from .fasta import (
    check_unique_ids,
    looks_like_path,
    read_fasta,
)
from .onehot import (
    DNA_VOCABULARY,
    UNKNOWN_MODES,
    ambiguous_rows,
    array_vocabulary,
    check_vocabulary,
    encode_string,
    generic_vocabulary,
    lookup_table,
    onehot_array,
    row_kinds,
    warn_not_one_hot,
    warn_unknown,
)

AMBIGUOUS_MODES = ("zero", "equal", "discard")
PAD_MODES = (None, "left", "right")


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
    padding : np.ndarray, optional
        bool ``(n, L)``: True on rows added by ``pad=`` or by ``ragged=True`` (not
        part of the sequence; tables leave them out). None when nothing was padded.
    window : np.ndarray, optional
        int64 ``(n,)``: 1-based index of the row's window in its source sequence
        (window ``k`` starts at the ``k``-th window start, also when
        ``ambiguous="discard"`` dropped earlier windows); rows that are a whole
        sequence have 1. None when no sequence was cut into windows.
    member_length : int, optional
        Set (time-distributed) models: the length of one set member; every row is
        the concatenation of its members (``L = n_members * member_length``). None
        for ordinary models. Set by :func:`~deepg_interpret.core.prepare.prepare`.
    lengths : np.ndarray, optional
        int64 ``(n,)``: each row's own length when the sequences have different
        lengths (``encode(..., ragged=True)``, variable-length models): rows are
        right-padded to the longest and ``padding`` marks the fill. Methods run per
        length group (:func:`~deepg_interpret.core.prepare.run_by_length`), so the
        model never sees the fill. None when every row has the model's length.
    """

    onehot: np.ndarray
    seq_ids: list[str]
    source_ids: list[str]
    starts: np.ndarray
    ambiguous: np.ndarray
    vocabulary: tuple[str, ...] = DNA_VOCABULARY
    padding: np.ndarray | None = None
    window: np.ndarray | None = None
    member_length: int | None = None
    lengths: np.ndarray | None = None

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
            padding=None if self.padding is None else self.padding[rows],
            window=None if self.window is None else self.window[rows],
            member_length=self.member_length,
            lengths=None if self.lengths is None else self.lengths[rows],
        )

    @property
    def windowed(self) -> bool:
        """True when some row is a window of a longer sequence."""
        return self.window is not None


def _ascii(data: bytes, what: str) -> str:
    try:
        return bytes(data).decode("ascii")
    except UnicodeDecodeError as exc:
        raise SequenceError(
            f"{what} is bytes that are not ASCII text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); pass DNA as a str such as 'ACGT'"
        ) from None


def _is_string_array(arr: np.ndarray) -> bool:
    if arr.dtype.kind in "US":
        return True
    if arr.dtype.kind == "O" and arr.size:
        return all(isinstance(v, (str, bytes)) for v in arr.flat)
    return False


def _normalize_input(sequences):
    """Bring bytes, string arrays and tensors to str / list / numeric ndarray form."""
    if isinstance(sequences, (bytes, bytearray)):
        return _ascii(sequences, "sequences")
    if type(sequences).__module__.startswith("tensorflow"):
        try:
            sequences = np.asarray(sequences)
        except Exception as exc:  # tf raises its own types
            raise ArgumentTypeError(
                f"sequences is a {type(sequences).__name__} that cannot become a numpy array "
                f"({exc}); pass a one-hot array (n, L, C) or DNA strings"
            ) from None
    if not isinstance(sequences, np.ndarray):
        return sequences
    if _is_string_array(sequences):
        if sequences.ndim == 0:
            item = sequences.item()
            return _ascii(item, "sequences") if isinstance(item, bytes) else item
        if sequences.ndim != 1:
            raise ArgumentTypeError(
                f"sequences is a {sequences.ndim}-D array of strings with shape "
                f"{sequences.shape}; pass a 1-D array or a list with one DNA string per "
                "sequence (join characters first, e.g. [''.join(row) for row in arr])"
            )
        return [_ascii(v, f"sequence {i + 1}") if isinstance(v, bytes) else str(v)
                for i, v in enumerate(sequences.tolist())]
    if sequences.dtype.kind not in "biuf":
        try:
            return np.asarray(sequences, dtype=np.float32)
        except (TypeError, ValueError):
            raise ArgumentTypeError(
                f"sequences is a numpy array of dtype {sequences.dtype} that is neither numbers "
                "(a one-hot array (n, L, C)) nor strings (DNA, one per sequence); pass one of those"
            ) from None
    return sequences


def _as_id_list(seq_ids) -> list | None:
    if seq_ids is None:
        return None
    if isinstance(seq_ids, (str, bytes)):
        seq_ids = [seq_ids]  # a single name (R hands a length-1 character vector over as str)
    elif isinstance(seq_ids, np.ndarray):
        seq_ids = seq_ids.ravel().tolist()
    try:
        ids = list(seq_ids)
    except TypeError:
        raise ArgumentTypeError(
            f"seq_ids must be a list of names (one per sequence), got {type(seq_ids).__name__}"
        ) from None
    return [v.decode() if isinstance(v, bytes) else str(v) for v in ids]


def _check_ids(ids: list[str], n: int, from_seq_ids: bool) -> None:
    if from_seq_ids and len(ids) != n:
        raise SequenceError(
            f"seq_ids has {len(ids)} names for {n} sequences; give exactly one name per sequence"
        )
    empty = [i + 1 for i, name in enumerate(ids) if not name.strip()]
    if empty:
        what = "seq_ids" if from_seq_ids else "the sequence names"
        raise SequenceError(
            f"{what} has empty name(s) at position(s) {empty[:10]}; give every sequence a "
            "non-empty name"
        )
    check_unique_ids(ids, "seq_ids has repeated names" if from_seq_ids
                      else "the sequences have repeated names")


def _array_sources(arr: np.ndarray, ambiguous: np.ndarray, seq_ids):
    """Yield ``(id, onehot (L, C), ambiguous (L,))`` for every row of a one-hot array."""
    ids = seq_ids if seq_ids is not None else [f"seq_{i + 1}" for i in range(arr.shape[0])]
    _check_ids(ids, arr.shape[0], seq_ids is not None)
    for i in range(arr.shape[0]):
        yield ids[i], arr[i], ambiguous[i]


def _string_pairs(sequences, renamed: bool,
                  check_dna: bool = True) -> tuple[list[tuple[str, object]], str]:
    """``(id, sequence)`` pairs of the non-array inputs, and an error hint for one string."""
    hint = ""
    if isinstance(sequences, (str, os.PathLike)):
        text = os.fspath(sequences)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        if (isinstance(sequences, os.PathLike) or os.path.isfile(text) or os.path.isdir(text)
                or looks_like_path(text)):
            # FASTA ids are checked for repeats unless seq_ids= renames the records.
            return read_fasta(text, check_ids=not renamed, check_dna=check_dna), hint
        if "." in text or "\\" in text:
            # a DNA string holds no '.' or '\\': this was meant as a file (a typo'd path must
            # not be encoded as a sequence of ambiguous bases)
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise SequenceError(
                f"sequences = {shown!r} looks like a file path, but no such file exists; "
                "check the path (it was meant as a file path: DNA strings contain no '.')"
            )
        return [("seq_1", text)], hint
    if isinstance(sequences, Mapping):
        if len(sequences) == 0:
            raise SequenceError("no sequences given (an empty dict); pass at least one sequence")
        return [(str(k), v) for k, v in sequences.items()], hint
    if isinstance(sequences, Sequence):
        if len(sequences) == 0:
            raise SequenceError("no sequences given (an empty list); pass at least one sequence")
        pairs = []
        for i, s in enumerate(sequences):
            if isinstance(s, (bytes, bytearray)):
                s = _ascii(s, f"sequence {i + 1}")
            if not isinstance(s, str):
                extra = ("; to encode one-hot arrays, stack them into one (n, L, C) array with "
                         "np.stack" if isinstance(s, np.ndarray) else "")
                raise ArgumentTypeError(
                    f"sequence {i + 1} is a {type(s).__name__}; a list must hold DNA strings{extra}"
                )
            pairs.append((f"seq_{i + 1}", s))
        return pairs, hint
    raise ArgumentTypeError(
        "sequences must be a DNA string, a FASTA path, a list or dict of DNA strings, or a "
        f"one-hot array (n, L, C); got {type(sequences).__name__}"
    )


def _string_sources(sequences, seq_ids, table, vocabulary, ambiguous, unknown="warn",
                    found=None):
    """Yield ``(id, onehot (L, C), ambiguous (L,))`` for every input string."""
    pairs, hint = _string_pairs(sequences, seq_ids is not None, unknown != "ambiguous")
    if seq_ids is not None:
        _check_ids(seq_ids, len(pairs), True)
        pairs = [(n, s) for n, (_, s) in zip(seq_ids, pairs)]
    else:
        _check_ids([name for name, _ in pairs], len(pairs), False)
    for name, seq in pairs:
        if isinstance(seq, (bytes, bytearray)):
            seq = _ascii(seq, f"sequence {name!r}")
        if not isinstance(seq, str):
            raise ArgumentTypeError(f"sequence {name!r} is a {type(seq).__name__}, not a DNA string")
        onehot, amb = encode_string(seq, name, table, len(vocabulary), ambiguous, hint,
                                     unknown, found)
        yield name, onehot, amb



def _window_starts(length: int, maxlen: int, step: int) -> np.ndarray:
    starts = np.arange(0, length - maxlen + 1, step)
    if starts[-1] + maxlen < length:
        # One more window flush with the end, so every base is covered.
        starts = np.append(starts, length - maxlen)
    return starts


def encode(sequences, *, maxlen: int | None = None, window_step: int | None = None,
           pad: str | None = None, vocabulary=None, ambiguous: str = "zero",
           seq_ids=None, ragged: bool = False, unknown: str = "warn") -> EncodedSequences:
    """One-hot encode DNA for a deepG/Keras model.

    Parameters
    ----------
    sequences : str, path, bytes, list of str, dict, np.ndarray or EncodedSequences
        A DNA string (``bytes`` are read as ASCII), a FASTA file path (gzip ok,
        recognised by content), a list, 1-D numpy array of strings or
        ``{id: sequence}`` dict of DNA strings, or a one-hot array ``(L, C)`` /
        ``(n, L, C)`` (an ``EncodedSequences`` is returned as it is).
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
    vocabulary : sequence of str, optional
        Channel labels in order. Default is None, which means deepG's
        ``("A", "C", "G", "T")`` for strings and FASTA files. For a one-hot array
        with ``C`` channels, None means ``("A", "C", "G", "T")`` when ``C == 4`` and
        the generic labels ``("ch1", ..., "chC")`` otherwise (they become the
        ``base`` levels of the tables). A vocabulary given explicitly must have one
        label per channel; for strings the labels must be single letters, for
        arrays any distinct labels.
    ambiguous : {"zero", "equal", "discard"}
        Encoding of N and IUPAC codes: all-zero rows (deepG default), 1/C per
        channel, or drop the windows that contain any.
    seq_ids : list of str, optional
        Names for the sequences (default: FASTA ids, dict keys or ``seq_1..``).
        Names must be non-empty and unique; repeated names raise
        :class:`SequenceError` (nothing is merged). A single str names a single
        sequence.
    unknown : {"warn", "ambiguous", "error"}
        Characters in DNA strings that are neither vocabulary letters nor IUPAC codes
        (``|`` in deepG's ``ecoli_small``, ``U``): encoded as ambiguous like ``N`` (as
        deepG does) with a warning naming them (``"warn"``, the default), without one
        (``"ambiguous"``), or rejected (``"error"``). Input that is not DNA at all raises
        :class:`SequenceError` unless ``"ambiguous"``: digits (GenBank position numbers),
        spaces or tabs inside a sequence, and proteins (amino-acid letters such as
        ``E, F, I, L, P, Q`` in more than 5% of the sequence); the message names the
        characters, the first 1-based position and their count. Line breaks in a string
        are dropped; ``"ambiguous"`` also drops spaces and encodes digits as N.
    ragged : bool
        With ``maxlen=None``: accept sequences of different lengths, right-padded
        to the longest (``padding`` marks the fill, ``lengths`` holds each row's
        length), for variable-length models; methods run them per length group.
        Default is False (different lengths raise :class:`SequenceError`).

    Returns
    -------
    EncodedSequences
        ``onehot`` float32 ``(n, L, C)`` plus ids, 1-based starts and an
        ambiguity mask.

    Warns
    -----
    DeepGInterpretWarning
        For a one-hot array with rows that are neither one-hot nor an encoding of
        N (all zeros or 1/C each), e.g. a row of 7s, negative or soft values.

    Examples
    --------
    >>> enc = encode(["ACGTN", "GGCCA"])
    >>> enc.onehot.shape
    (2, 5, 4)
    >>> enc.ambiguous[0].tolist()
    [False, False, False, False, True]
    >>> encode("ACGTACGTAC", maxlen=4, window_step=3).seq_ids
    ['seq_1:1-4', 'seq_1:4-7', 'seq_1:7-10']
    >>> encode("ACGTACGTAC", maxlen=4, window_step=3).window.tolist()
    [1, 2, 3]
    >>> encode(["ACG", "ACGTA"], ragged=True).lengths.tolist()
    [3, 5]
    >>> encode(np.eye(5, dtype="float32")).vocabulary
    ('ch1', 'ch2', 'ch3', 'ch4', 'ch5')
    """
    if isinstance(sequences, EncodedSequences):
        if maxlen is not None and sequences.length != maxlen:
            raise SequenceError(
                f"the encoded sequences have length {sequences.length} but maxlen = {maxlen}; "
                "encode them again from the DNA with maxlen= and window_step= or pad="
            )
        return sequences
    if ambiguous not in AMBIGUOUS_MODES:
        raise SequenceError(f"ambiguous must be one of {AMBIGUOUS_MODES}, got {ambiguous!r}")
    if pad not in PAD_MODES:
        raise SequenceError(f"pad must be None, 'left' or 'right', got {pad!r}")
    if unknown not in UNKNOWN_MODES:
        raise SequenceError(f"unknown must be one of {UNKNOWN_MODES}, got {unknown!r}")
    maxlen = _positive_int(maxlen, "maxlen")
    window_step = _positive_int(window_step, "window_step")
    seq_ids = _as_id_list(seq_ids)

    sequences = _normalize_input(sequences)
    unknown_found: list = []  # characters outside the vocabulary: one warning for the call
    if isinstance(sequences, np.ndarray):
        arr = onehot_array(sequences)
        vocabulary = array_vocabulary(vocabulary, arr.shape[2])
        one_hot, n_code = row_kinds(arr)
        warn_not_one_hot(arr, vocabulary, one_hot, n_code)
        sources = _array_sources(arr, ~one_hot, seq_ids)
    else:
        vocabulary = DNA_VOCABULARY if vocabulary is None else check_vocabulary(vocabulary)
        # Every string is checked (not DNA, outside the vocabulary) before any length check.
        sources = list(_string_sources(sequences, seq_ids, lookup_table(vocabulary), vocabulary,
                                       ambiguous, unknown, unknown_found))

    rows, amb_rows, ids, source_ids, starts, windows = [], [], [], [], [], []
    pad_rows: dict[int, tuple[int, int]] = {}  # row -> where the sequence sits in it
    any_window = False
    lengths = []
    for index, (name, onehot, amb) in enumerate(sources):
        length = onehot.shape[0]
        lengths.append(length)
        if maxlen is None or length == maxlen:
            rows.append(onehot)
            amb_rows.append(amb)
            ids.append(name)
            source_ids.append(name)
            starts.append(1)
            windows.append(1)
        elif length > maxlen:
            if window_step is None:
                raise SequenceError(
                    f"sequence {index + 1} ({name!r}) has length {length} but the model expects "
                    f"maxlen = {maxlen}; pass window_step= (e.g. window_step={maxlen}) to cut it "
                    "into windows, or trim it"
                )
            for k, s in enumerate(_window_starts(length, maxlen, window_step)):
                rows.append(onehot[s:s + maxlen])
                amb_rows.append(amb[s:s + maxlen])
                ids.append(f"{name}:{s + 1}-{s + maxlen}")
                source_ids.append(name)
                starts.append(int(s) + 1)
                windows.append(k + 1)
                any_window = True
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
            pad_rows[len(rows) - 1] = (offset, offset + length)
            ids.append(name)
            source_ids.append(name)
            starts.append(1 - offset)
            windows.append(1)

    warn_unknown(unknown_found)
    row_lengths = None
    if maxlen is None and len(set(lengths)) > 1:
        if not ragged:
            shown = sorted(set(lengths))[:5]
            raise SequenceError(
                f"the sequences have different lengths ({', '.join(map(str, shown))}, ...); "
                "pass maxlen= (with window_step= for longer and pad= for shorter ones) to bring "
                "them to one length"
            )
        # Variable-length model: right-pad to the longest; methods run per length group.
        longest = max(lengths)
        row_lengths = np.asarray(lengths, dtype=np.int64)
        for row, length in enumerate(lengths):
            if length < longest:
                rows[row] = np.concatenate(
                    [rows[row], np.zeros((longest - length, rows[row].shape[1]), np.float32)])
                amb_rows[row] = np.concatenate([amb_rows[row], np.ones(longest - length, bool)])
                pad_rows[row] = (0, length)
        maxlen = longest
    padding = None
    if pad_rows:
        padding = np.zeros((len(rows), maxlen), dtype=bool)
        for row, (first, stop) in pad_rows.items():
            padding[row] = True
            padding[row, first:stop] = False
    encoded = EncodedSequences(
        onehot=np.stack(rows).astype(np.float32, copy=False),
        seq_ids=ids,
        source_ids=source_ids,
        starts=np.asarray(starts, dtype=np.int64),
        ambiguous=np.stack(amb_rows),
        vocabulary=vocabulary,
        padding=padding,
        window=np.asarray(windows, dtype=np.int64) if any_window else None,
        lengths=row_lengths,
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


def _positive_int(value, name: str) -> int | None:
    if value is None:
        return None
    try:
        ok = not isinstance(value, (bool, np.bool_)) and int(value) == value and value >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise SequenceError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def decode(onehot, vocabulary=None) -> list[str]:
    """Decode one-hot rows to strings; rows that are not one-hot become ``N``.

    ``vocabulary`` None means ``A, C, G, T`` for 4 channels and ``ch1 .. chC``
    otherwise. With single-letter labels each row is one string of letters; with
    longer labels (``ch1``, ...) the labels of a row are joined by spaces.

    Examples
    --------
    >>> decode(encode("ACGNT").onehot)
    ['ACGNT']
    >>> decode(np.eye(5, dtype="float32")[[0, 4]])
    ['ch1 ch5']
    """
    arr = np.asarray(onehot)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ShapeError(f"decode needs a one-hot array (L, C) or (n, L, C); got shape {arr.shape}")
    vocabulary = array_vocabulary(vocabulary, arr.shape[-1])
    letters = np.array(list(vocabulary) + ["N"], dtype=object)
    idx = arr.argmax(axis=-1)
    idx[ambiguous_rows(arr)] = len(vocabulary)
    sep = "" if all(len(v) == 1 for v in vocabulary) else " "
    return [sep.join(row) for row in letters[idx]]


__all__ = ["DNA_VOCABULARY", "EncodedSequences", "encode", "decode", "read_fasta",
           "generic_vocabulary"]
