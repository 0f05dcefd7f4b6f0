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


def _without_padding(df: pd.DataFrame, inputs: EncodedSequences, per_position: int) -> pd.DataFrame:
    """Rows of positions that belong to the sequence: ``pad=`` rows are not positions of it."""
    if inputs.padding is None or not inputs.padding.any():
        return df
    keep = np.repeat(~inputs.padding.ravel(), per_position)
    return df.loc[keep].reset_index(drop=True)


def attribution_table(attributions: np.ndarray, inputs: EncodedSequences,
                      attrs: dict | None = None) -> pd.DataFrame:
    """``seq_id, position, base, score, observed``: one row per sequence, position and base.

    Rows added by ``pad=`` are left out: positions run over the sequence itself.
    """
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
    return r_friendly(_without_padding(df, inputs, channels), attrs)


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
    return r_friendly(_without_padding(df, inputs, 1), attrs)


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


def attribution_summary_table(seq_ids, target: int, f_input, score_sum,
                              attrs: dict | None = None) -> pd.DataFrame:
    """``seq_id, target, f_input, score_sum``: one row per sequence (saliency, grad x input)."""
    f_input = np.asarray(f_input, dtype=np.float64)
    df = pd.DataFrame({
        "seq_id": list(seq_ids),
        "target": np.full(len(f_input), target, dtype=np.int32),
        "f_input": f_input,
        "score_sum": np.asarray(score_sum, dtype=np.float64),
    })
    return r_friendly(df, attrs)


__all__ = ["attribution_table", "per_locus_table", "ig_summary_table", "attribution_summary_table",
           "r_friendly", "write_table"]


def write_table(df: pd.DataFrame, path, *, format_of=None) -> str:
    """Write ``df`` to ``.parquet``/``.csv``/``.tsv`` (``.gz`` ok); returns the path.

    Without ``format_of`` the write is atomic: the file appears complete or not at
    all (written to a temporary file in the same folder and renamed). With
    ``format_of`` (the final name, whose suffix picks the format) ``path`` is written
    directly: that is how a set writer fills its temporary files.
    """
    from pathlib import Path

    from .io.files import atomic_write, table_format

    path = Path(path)
    target = Path(format_of) if format_of is not None else path
    kind = table_format(target)
    gzip = target.name.lower().endswith(".gz")

    def write(tmp):
        if kind == "parquet":
            out = df.copy()
            out.attrs = {k: v for k, v in df.attrs.items() if isinstance(v, (str, int, float, bool))}
            out.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False, sep="," if kind == "csv" else "\t",
                      compression="gzip" if gzip else None)

    if format_of is not None:
        write(path)
    else:
        atomic_write(path, write)
    return str(path)


# ---- tables from arrays and frames held outside a result (R's matrices, filtered tables) ----

def _reject_duplicates(ids, what: str) -> None:
    seen, repeated = set(), []
    for i in ids:
        if i in seen and i not in repeated:
            repeated.append(i)
        seen.add(i)
    if repeated:
        shown = ", ".join(repr(r) for r in repeated[:5]) + (" ..." if len(repeated) > 5 else "")
        from .errors import InputError

        raise InputError(f"{what} has duplicated ids {shown}; give every sequence its own id")


def attribution_table_from_array(scores, onehot=None, *, seq_ids=None, start: int = 1,
                                 vocabulary=None, attrs: dict | None = None) -> pd.DataFrame:
    """The attribution table of scores held as an array (no method result needed).

    For scores computed elsewhere, e.g. the ``(L, C)`` matrix of deepG's
    ``integrated_gradients()`` or of the R drop-in.

    Parameters
    ----------
    scores : array-like
        ``(L, C)`` or ``(n, L, C)`` scores.
    onehot : array-like, optional
        The one-hot input, same shape as ``scores``; marks the ``observed`` channel
        (as in results: exactly one-hot rows only). Default None: ``observed`` is
        missing (a nullable boolean column of NA).
    seq_ids : list of str, optional
        One unique id per sequence. Default ``seq_1, seq_2, ...``.
    start : int
        1-based position of the first row. Default 1.
    vocabulary : sequence of str, optional
        Channel labels. Default None: ``A, C, G, T`` for 4 channels, else
        ``ch1 .. chC``.
    attrs : dict, optional
        Settings stored in ``df.attrs``.

    Returns
    -------
    pd.DataFrame
        ``seq_id, position, base, score, observed``.

    Examples
    --------
    >>> m = np.array([[0.1, 0, 0, 0], [0, 0.5, 0, 0]])
    >>> attribution_table_from_array(m, m != 0)["observed"].tolist()[:5]
    [True, False, False, False, False]
    """
    from .errors import InputError, ShapeError
    from .io.sequences import encode

    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2:
        scores = scores[None]
    if scores.ndim != 3 or 0 in scores.shape:
        raise ShapeError(
            f"scores has shape {scores.shape}; pass a (length, channels) matrix or an "
            "(n, length, channels) array"
        )
    n, length, channels = scores.shape
    if seq_ids is None:
        seq_ids = [f"seq_{i + 1}" for i in range(n)]
    seq_ids = [str(s) for s in ([seq_ids] if isinstance(seq_ids, str) else seq_ids)]
    if len(seq_ids) != n:
        raise InputError(f"seq_ids has {len(seq_ids)} ids for {n} sequences; give one per sequence")
    _reject_duplicates(seq_ids, "seq_ids")
    if isinstance(start, (bool, np.bool_)) or not float(start).is_integer():
        raise InputError(f"start must be a whole number (1-based position), got {start!r}")
    if onehot is None:
        x = np.zeros(scores.shape, dtype=np.float32)
    else:
        x = np.asarray(onehot, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        if x.shape != scores.shape:
            raise ShapeError(
                f"onehot has shape {x.shape} but scores has shape {scores.shape}; pass the "
                "one-hot input the scores were computed for"
            )
    inputs = encode(x, vocabulary=vocabulary, seq_ids=seq_ids)
    inputs.starts = np.full(n, int(start), dtype=np.int64)
    df = attribution_table(scores, inputs, attrs)
    if onehot is None:
        df["observed"] = pd.array([pd.NA] * len(df), dtype="boolean")
    return df


def _vocabulary_of(base: pd.Series) -> tuple[list[str], np.ndarray]:
    """Channel labels and 0-based codes of a ``base`` column (categorical or strings)."""
    from .io.sequences import DNA_VOCABULARY

    if isinstance(base.dtype, pd.CategoricalDtype):
        labels = [str(c) for c in base.cat.categories]
        return labels, base.cat.codes.to_numpy().astype(np.int64)
    values = base.astype("string")
    present = [v for v in pd.unique(values.dropna())]
    if set(present) <= set(DNA_VOCABULARY):
        labels = list(DNA_VOCABULARY)
    else:
        labels = sorted(present)
    codes = pd.Categorical(values, categories=labels).codes.astype(np.int64)
    return labels, codes


def per_locus_from_attribution(table: pd.DataFrame, attrs: dict | None = None) -> pd.DataFrame:
    """The per-locus table of a long attribution table (e.g. a filtered one, or one from R).

    Gives what :func:`per_locus_table` gives for a result: per sequence and
    position the sum and absolute sum of the scores, the observed base and its
    score, and the base with the highest score (the first in channel order on
    ties; missing scores are skipped).

    Parameters
    ----------
    table : pd.DataFrame
        Columns ``seq_id, position, base, score`` and optionally ``observed``
        (True for the input's base; missing or NA means unknown). ``base`` may be
        a Categorical (its categories are the channel order) or strings.
    attrs : dict, optional
        Settings added to ``table.attrs`` in the result's ``attrs``.

    Returns
    -------
    pd.DataFrame
        ``seq_id, position, ref_base, score_sum, score_abs_sum, score_ref, max_base``,
        sequences in order of first appearance, positions ascending. ``ref_base`` is
        ``N`` and ``score_ref`` NaN where not exactly one base is observed.

    Examples
    --------
    >>> t = pd.DataFrame({"seq_id": "s", "position": [1, 1, 1, 1],
    ...                   "base": list("ACGT"), "score": [0.1, 0.3, 0.0, -0.2],
    ...                   "observed": [True, False, False, False]})
    >>> per_locus_from_attribution(t)[["ref_base", "score_sum", "max_base"]].values.tolist()
    [['A', 0.2, 'C']]
    """
    from .errors import InputError

    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table must be a DataFrame, got {type(table).__name__}")
    missing = [c for c in ("seq_id", "position", "base", "score") if c not in table.columns]
    if missing:
        raise InputError(
            f"the attribution table lacks the column(s) {missing}; it needs seq_id, position, "
            "base, score (and observed)"
        )
    labels, base_codes = _vocabulary_of(table["base"])
    if (base_codes < 0).any():
        row = int(np.flatnonzero(base_codes < 0)[0])
        raise InputError(f"the attribution table has a missing base in row {row + 1}")
    if table["position"].isna().any():
        raise InputError("the attribution table has missing positions")
    seq_codes, seq_uniques = pd.factorize(table["seq_id"].astype(str), sort=False)
    position = table["position"].to_numpy(dtype=np.int64)
    score = table["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    if "observed" in table.columns:
        observed = table["observed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        observed = np.zeros(len(table), dtype=bool)

    order = np.lexsort((base_codes, position, seq_codes))
    seq_s, pos_s, base_s = seq_codes[order], position[order], base_codes[order]
    score_s, obs_s = score[order], observed[order]
    if len(order):
        new = np.r_[True, (seq_s[1:] != seq_s[:-1]) | (pos_s[1:] != pos_s[:-1])]
    else:
        new = np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    n_groups = starts.size

    def per_group(values, how=np.add):
        return how.reduceat(values, starts) if n_groups else values[:0]

    score_sum = per_group(score_s)
    score_abs_sum = per_group(np.abs(score_s))
    n_observed = per_group(obs_s.astype(np.int64))
    # the observed base where exactly one is observed
    missing_label = "N" if "N" not in labels else "?"
    ref_codes = np.full(n_groups, len(labels), dtype=np.int64)
    score_ref = np.full(n_groups, np.nan)
    single = obs_s & (n_observed[group] == 1) if n_groups else obs_s
    ref_codes[group[single]] = base_s[single]
    score_ref[group[single]] = score_s[single]
    # the highest score per position (NaN skipped; ties: first channel)
    ranked = np.where(np.isnan(score_s), -np.inf, score_s)
    top = per_group(ranked, np.maximum)
    is_top = ranked == (top[group] if n_groups else ranked)
    first_top = np.unique(group[is_top], return_index=True)[1]
    max_codes = base_s[np.flatnonzero(is_top)[first_top]]

    df = pd.DataFrame({
        "seq_id": np.asarray(seq_uniques, dtype=object)[seq_s[starts]],
        "position": pos_s[starts],
        "ref_base": pd.Categorical.from_codes(ref_codes, categories=labels + [missing_label]),
        "score_sum": score_sum,
        "score_abs_sum": score_abs_sum,
        "score_ref": score_ref,
        "max_base": pd.Categorical.from_codes(max_codes, categories=labels),
    })
    merged = {**dict(table.attrs or {}), **(attrs or {})}
    return r_friendly(df, merged)


__all__ += ["attribution_table_from_array", "per_locus_from_attribution"]
