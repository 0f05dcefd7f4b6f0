"""Arrays -> tidy pandas DataFrames: the contract with R (see conventions.md).

Long format, one row per observation, 1-based ``position`` relative to the source
sequence, ``int32`` integer columns (reticulate turns int64 into R doubles),
``base`` as a Categorical (an R factor), a plain RangeIndex, settings in
``df.attrs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io.sequences import EncodedSequences


def r_friendly(df: pd.DataFrame, attrs: dict | None = None) -> pd.DataFrame:
    """RangeIndex, int32 integer columns, settings in ``attrs``."""
    df = df.reset_index(drop=True)
    for col in df.columns:
        if pd.api.types.is_integer_dtype(df[col]) and not isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(np.int32)
    if attrs:
        df.attrs.update({k: v for k, v in attrs.items() if v is not None})
    return df


def _positions(inputs: EncodedSequences) -> np.ndarray:
    length = inputs.length
    return (inputs.starts[:, None] + np.arange(length)[None, :]).astype(np.int32)


def _row_ids(inputs: EncodedSequences, per_row: int) -> np.ndarray:
    return np.repeat(np.asarray(inputs.seq_ids, dtype=object), per_row)


def attribution_table(attributions: np.ndarray, inputs: EncodedSequences,
                      attrs: dict | None = None) -> pd.DataFrame:
    """``seq_id, position, base, score, observed``: one row per sequence, position and base."""
    n, length, channels = attributions.shape
    vocab = list(inputs.vocabulary)
    observed = (inputs.onehot == 1.0) & ~inputs.ambiguous[:, :, None]
    df = pd.DataFrame({
        "seq_id": _row_ids(inputs, length * channels),
        "position": np.repeat(_positions(inputs).ravel(), channels),
        "base": pd.Categorical.from_codes(np.tile(np.arange(channels), n * length), categories=vocab),
        "score": attributions.reshape(-1).astype(np.float64),
        "observed": observed.reshape(-1),
    })
    return r_friendly(df, attrs)


def per_locus_table(attributions: np.ndarray, inputs: EncodedSequences,
                    attrs: dict | None = None) -> pd.DataFrame:
    """``seq_id, position, ref_base, score_sum, score_abs_sum, score_ref, max_base``.

    ``score_ref`` is the score of the observed base (NaN where the input base was
    ambiguous); ``max_base`` the base with the highest score.
    """
    n, length, channels = attributions.shape
    vocab = list(inputs.vocabulary)
    ref_codes = inputs.onehot.argmax(axis=-1)
    ref_codes[inputs.ambiguous] = channels  # -> "N"
    score_ref = np.take_along_axis(attributions, np.minimum(ref_codes, channels - 1)[..., None],
                                   axis=-1)[..., 0].astype(np.float64)
    score_ref[inputs.ambiguous] = np.nan
    df = pd.DataFrame({
        "seq_id": _row_ids(inputs, length),
        "position": _positions(inputs).ravel(),
        "ref_base": pd.Categorical.from_codes(ref_codes.ravel(), categories=vocab + ["N"]
                                              if "N" not in vocab else vocab + ["?"]),
        "score_sum": attributions.sum(axis=-1, dtype=np.float64).ravel(),
        "score_abs_sum": np.abs(attributions).sum(axis=-1, dtype=np.float64).ravel(),
        "score_ref": score_ref.ravel(),
        "max_base": pd.Categorical.from_codes(attributions.argmax(axis=-1).ravel(), categories=vocab),
    })
    return r_friendly(df, attrs)


def ig_summary_table(seq_ids, target: int, baseline: str, steps: int, f_input, f_baseline,
                     ig_sum, attrs: dict | None = None) -> pd.DataFrame:
    """``seq_id, target, baseline, steps, f_input, f_baseline, ig_sum, delta`` (completeness gap)."""
    f_input = np.asarray(f_input, dtype=np.float64)
    f_baseline = np.asarray(f_baseline, dtype=np.float64)
    ig_sum = np.asarray(ig_sum, dtype=np.float64)
    df = pd.DataFrame({
        "seq_id": list(seq_ids),
        "target": np.full(len(f_input), target, dtype=np.int32),
        "baseline": baseline,
        "steps": np.full(len(f_input), steps, dtype=np.int32),
        "f_input": f_input,
        "f_baseline": f_baseline,
        "ig_sum": ig_sum,
        "delta": f_input - f_baseline - ig_sum,
    })
    return r_friendly(df, attrs)


__all__ = ["attribution_table", "per_locus_table", "ig_summary_table", "r_friendly", "write_table"]


def write_table(df: pd.DataFrame, path) -> str:
    """Write ``df`` to ``.parquet``/``.csv``/``.tsv`` (``.gz`` ok) atomically; returns the path.

    The file appears complete or not at all: it is written to a temporary file in
    the same folder and renamed, so an interrupted job never leaves half a table,
    and an existing result is only replaced once the new one is whole.
    """
    from pathlib import Path

    from .errors import InputError
    from .io.files import atomic_write

    path = Path(path)
    name = path.name.lower()
    if name.endswith(".parquet"):
        kind = "parquet"
    elif name.endswith((".csv", ".csv.gz")):
        kind = "csv"
    elif name.endswith((".tsv", ".tsv.gz", ".txt")):
        kind = "tsv"
    else:
        raise InputError(f"cannot tell the format of {str(path)!r}; end it in .parquet, .csv or .tsv")
    def write(tmp):
        if kind == "parquet":
            out = df.copy()
            out.attrs = {k: v for k, v in df.attrs.items() if isinstance(v, (str, int, float, bool))}
            out.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False, sep="," if kind == "csv" else "\t",
                      compression="gzip" if name.endswith(".gz") else None)

    atomic_write(path, write)
    return str(path)
