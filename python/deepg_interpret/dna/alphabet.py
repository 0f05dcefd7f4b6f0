"""The DNA alphabet as integer codes: A=0, C=1, G=2, T=3 (``uint8``), 255 = not a base.

The data generators (:mod:`.backgrounds`, :mod:`.motifs`, :mod:`.synthetic`) work on
code arrays and turn them into strings or one-hot arrays once, at the end; this
module holds the lookup tables for those conversions. Everything is a table lookup
over whole arrays (no per-base Python work), so 10,000 x 600 bp convert in
milliseconds.

Examples
--------
>>> codes = strings_to_codes(["ACGT", "TTNA"])
>>> codes.tolist()
[[0, 1, 2, 3], [3, 3, 255, 0]]
>>> codes_to_strings(codes[:1])
['ACGT']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BASES", "INVALID_CODE", "IUPAC_CODES"]

#: The bases in code order (code i is ``BASES[i]``); also deepG's channel order.
BASES = "ACGT"

#: Code of every character that is not A, C, G or T (N, IUPAC codes, '-', NUL).
INVALID_CODE = 255

#: IUPAC nucleotide codes and the bases each one allows.
IUPAC_CODES: dict[str, str] = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip

_LETTERS = np.frombuffer(BASES.encode("ascii"), dtype=np.uint8)  # code -> ASCII byte
# ASCII byte -> code (upper and lower case); everything else is invalid (N, IUPAC, '-').
_CODE_OF_BYTE = np.full(256, INVALID_CODE, dtype=np.uint8)
for _i, _b in enumerate(BASES.encode("ascii")):
    _CODE_OF_BYTE[_b] = _i
    _CODE_OF_BYTE[_b + 32] = _i
del _i, _b
# One-hot rows by code: the identity for A, C, G, T and a fifth all-zero row that
# every invalid code is clipped to.
_ONEHOT_ROWS = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])


def codes_to_strings(codes: np.ndarray) -> list[str]:
    """(n, L) codes 0..3 -> n DNA strings.

    One fancy-index lookup turns codes into ASCII bytes; viewing each row as one
    fixed-width bytes item avoids any per-base Python work.

    Examples
    --------
    >>> codes_to_strings(np.array([[0, 1], [3, 2]], dtype=np.uint8))
    ['AC', 'TG']
    """
    n, length = codes.shape
    if length == 0:
        return [""] * n
    letters = np.ascontiguousarray(_LETTERS[codes])
    return letters.view(f"S{length}").ravel().astype(str).tolist()


def strings_to_codes(sequences: Sequence[str]) -> np.ndarray:
    """Equal-length strings -> (n, L) uint8 codes; non-ACGT characters become 255.

    Examples
    --------
    >>> strings_to_codes(["acgN"]).tolist()
    [[0, 1, 2, 255]]
    """
    n = len(sequences)
    length = len(sequences[0]) if n else 0
    # "replace" keeps one byte per character, so rows stay aligned for non-ASCII input.
    buf = "".join(sequences).encode("ascii", errors="replace")
    return _CODE_OF_BYTE[np.frombuffer(buf, dtype=np.uint8)].reshape(n, length)


def sequence_to_codes(sequence: str) -> np.ndarray:
    """One string of any length -> (L,) uint8 codes; non-ACGT characters become 255.

    Examples
    --------
    >>> sequence_to_codes("GATTACA").tolist()
    [2, 0, 3, 3, 0, 1, 0]
    """
    return _CODE_OF_BYTE[np.frombuffer(sequence.encode("ascii", errors="replace"), dtype=np.uint8)]


def codes_to_onehot(codes: np.ndarray) -> np.ndarray:
    """Codes (..., L) -> float32 one-hot (..., L, 4) in the order A, C, G, T.

    Invalid codes (255) become all-zero rows, deepG's encoding of ``N``.

    Examples
    --------
    >>> codes_to_onehot(np.array([1, 255], dtype=np.uint8)).tolist()
    [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    return _ONEHOT_ROWS[np.minimum(codes, 4)]
