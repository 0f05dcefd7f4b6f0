"""Checks for the one-hot entry points and the row -> symbol mapping of the shufflers.

A one-hot sequence is an array ``(L, C)``; rows that are not one-hot (all-zero ``N``,
``1/C`` rows, soft rows) are kept: the shufflers treat each distinct such row as an
extra letter.
"""

from __future__ import annotations

import numpy as np

from ...errors import ArgumentTypeError, InputError, ShapeError


def check_onehot(x) -> np.ndarray:
    """One sequence ``(L, C)`` as finite ``float32`` (raises for batches, empty or NaN input)."""
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


def check_count(n) -> int:
    """``n`` (number of sequences to draw) as an int >= 1; floats and bools are refused."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ArgumentTypeError(f"`n` must be an int >= 1; got {type(n).__name__} ({n!r}).")
    if n < 1:
        raise InputError(f"`n` must be >= 1 (the number of baselines); got {n}.")
    return int(n)


def to_symbols(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
