"""Arrays -> tidy pandas DataFrames: the contract with R (see conventions.md).

Long format, one row per observation, 1-based ``position`` relative to the source
sequence, ``int32`` integer columns (reticulate turns int64 into R doubles),
``base`` as a Categorical (an R factor), a plain RangeIndex, settings in
``df.attrs``.

Beyond the conventions' columns, the position tables (attribution, per-locus) carry
``member`` and ``member_position`` for set (time-distributed) models and
``n_windows`` for sequences cut into windows (windows are stitched: one row per
source sequence and genome position, scores averaged over the windows that cover
it), and the summaries one row per window with ``window, start, end`` after
``seq_id``. See :func:`attribution_table` and :func:`ig_summary_table`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.decisions import argmax_decided, decision_keys, decision_step
from ..dna.sequences import EncodedSequences


def r_friendly(df: pd.DataFrame, attrs: dict | None = None) -> pd.DataFrame:
    """RangeIndex, int32 integer columns, settings in ``attrs``."""
    df = df.reset_index(drop=True)
    for col in df.columns:
        if pd.api.types.is_integer_dtype(df[col]) and not isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(np.int32)
    if attrs:
        df.attrs.update({k: v for k, v in attrs.items() if v is not None})
    return df


# Extra columns of the position tables, after the conventions' columns, in this order.
# ``window`` is a key column and comes right after ``seq_id`` (per-window tables only).
EXTRA_POSITION_COLUMNS = ("member", "member_position", "n_windows")


class _Layout(NamedTuple):
    """The table rows of an ``(n, L, ...)`` array: which cells, grouped how, with which keys."""

    cells: np.ndarray          # flat indices i * L + j of the cells that are positions
    group: np.ndarray | None   # table row of every cell when windows are stitched, else None
    first: np.ndarray | None   # the first cell (index into cells) of every table row
    counts: np.ndarray | None  # cells per table row (windows covering the position)
    keys: dict                 # seq_id, [window], position: one value per table row
    extra: dict                # member, member_position, n_windows: one value per table row

    @property
    def n_rows(self) -> int:
        return len(self.keys["position"])


def sequence_layout(inputs: EncodedSequences, stitch: bool = True) -> _Layout:
    """Rows of the position tables of ``inputs``.

    Padding (``pad=``, ragged lengths) is left out. Windows of one source sequence
    are stitched (``stitch=True``): one row per source sequence and genome position,
    in order of first appearance and position, ``n_windows`` counting the windows
    that cover it; with ``stitch=False`` every window keeps its rows, keyed by
    ``window``. Set-model rows carry ``member`` and ``member_position`` (not when
    windows are stitched: a genome position lies in different members of
    different windows).
    """
    n, length = len(inputs), inputs.length
    keep = np.ones(n * length, dtype=bool) if inputs.padding is None else ~inputs.padding.ravel()
    cells = np.flatnonzero(keep)
    row, offset = np.divmod(cells, length)
    position = (inputs.starts[row] + offset).astype(np.int32)
    members = {}
    if inputs.member_length:
        m = int(inputs.member_length)
        members = {"member": (offset // m + 1).astype(np.int32),
                   "member_position": (offset % m + 1).astype(np.int32)}
    if not inputs.windowed:
        ids = np.asarray(inputs.seq_ids, dtype=object)
        return _Layout(cells, None, None, None, {"seq_id": ids[row], "position": position},
                       members)
    source = np.asarray(inputs.source_ids, dtype=object)[row]
    if not stitch:
        keys = {"seq_id": source, "window": inputs.window[row].astype(np.int32),
                "position": position}
        return _Layout(cells, None, None, None, keys, members)
    codes, uniques = pd.factorize(source, sort=False)
    order = np.lexsort((position, codes))  # stable: earlier windows first at a position
    c_sorted, p_sorted = codes[order], position[order]
    new = np.r_[True, (c_sorted[1:] != c_sorted[:-1]) | (p_sorted[1:] != p_sorted[:-1])]
    group = np.empty(len(cells), dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    first = order[np.flatnonzero(new)]
    counts = np.bincount(group)
    keys = {"seq_id": np.asarray(uniques, dtype=object)[codes[first]],
            "position": position[first]}
    return _Layout(cells, group, first, counts, keys, {"n_windows": counts.astype(np.int32)})


def _cell_values(arr: np.ndarray, layout: _Layout) -> np.ndarray:
    return arr.reshape((-1,) + arr.shape[2:])[layout.cells]


def _mean_per_row(arr: np.ndarray, layout: _Layout) -> np.ndarray:
    """float64 values per table row: the mean over the windows covering it."""
    values = _cell_values(arr, layout).astype(np.float64)
    if layout.group is None:
        return values
    flat = values.reshape(len(values), -1)
    out = np.stack([np.bincount(layout.group, weights=flat[:, c], minlength=layout.n_rows)
                    for c in range(flat.shape[1])], axis=1)
    out /= layout.counts[:, None]
    return out.reshape((layout.n_rows,) + values.shape[1:])


def first_per_row(arr: np.ndarray, layout: _Layout) -> np.ndarray:
    """Values per table row from the first window covering it (the input is the same in all)."""
    values = _cell_values(arr, layout)
    return values if layout.first is None else values[layout.first]


def position_frame(layout: _Layout, columns: dict, repeat: int = 1) -> pd.DataFrame:
    """Key columns, ``columns``, then the extra columns; keys and extras repeated ``repeat``x."""
    def rep(v):
        return v if repeat == 1 else np.repeat(v, repeat)

    data = {name: rep(v) for name, v in layout.keys.items()}
    data.update(columns)
    data.update({name: rep(layout.extra[name]) for name in EXTRA_POSITION_COLUMNS
                 if name in layout.extra})
    return pd.DataFrame(data)


def attribution_table(attributions: np.ndarray, inputs: EncodedSequences,
                      attrs: dict | None = None, *, stitch: bool = True) -> pd.DataFrame:
    """``seq_id, position, base, score, observed``: one row per sequence, position and base.

    Parameters
    ----------
    attributions : np.ndarray
        ``(n, L, C)`` scores, rows as in ``inputs``.
    inputs : EncodedSequences
    attrs : dict, optional
        Settings stored in ``df.attrs``.
    stitch : bool
        Windows of a longer sequence: one row per source sequence, genome position
        and base, with the mean of the windows' scores (default), or the rows of
        every window with its ``window`` column (``False``).

    Returns
    -------
    pd.DataFrame
        ``seq_id`` (the source sequence's id), ``position`` (1-based in the source
        sequence), ``base`` (Categorical, the vocabulary), ``score``, ``observed``,
        plus, when they apply (in this order):

        - ``window`` (int32, right after ``seq_id``; ``stitch=False`` only): 1-based
          window index in the source sequence;
        - ``member``, ``member_position`` (int32; set models): the 1-based set
          member the position belongs to and the position within it, so
          ``position = (member - 1) * member_length + member_position`` for an input
          of whole members; left out of stitched windows;
        - ``n_windows`` (int32; stitched windows): how many windows cover the
          position; ``score`` is the mean of their scores.

        Rows added by ``pad=`` (or to fit sequences of different lengths) are left
        out: positions run over the sequence itself.

    Examples
    --------
    >>> from deepg_interpret.dna.sequences import encode
    >>> enc = encode("ACGTAC", maxlen=4, window_step=2)      # windows 1-4 and 3-6
    >>> scores = np.stack([np.full((4, 4), 1.0), np.full((4, 4), 3.0)]).astype("float32")
    >>> t = attribution_table(scores, enc)
    >>> t[t.base == "A"][["seq_id", "position", "score", "n_windows"]].values.tolist()[:4]
    [['seq_1', 1, 1.0, 1], ['seq_1', 2, 1.0, 1], ['seq_1', 3, 2.0, 2], ['seq_1', 4, 2.0, 2]]
    """
    channels = attributions.shape[2]
    layout = sequence_layout(inputs, stitch)
    scores = _mean_per_row(attributions, layout)
    observed = first_per_row((inputs.onehot == 1.0) & ~inputs.ambiguous[:, :, None], layout)
    df = position_frame(layout, {
        "base": pd.Categorical.from_codes(np.tile(np.arange(channels), layout.n_rows),
                                          categories=list(inputs.vocabulary)),
        "score": scores.reshape(-1),
        "observed": observed.reshape(-1),
    }, repeat=channels)
    return r_friendly(df, attrs)


def ref_base_categorical(codes, vocabulary) -> pd.Categorical:
    """Reference bases as a Categorical: the vocabulary plus one level for ambiguous rows.

    ``codes`` index the vocabulary; ``len(vocabulary)`` marks an ambiguous base, shown as
    ``"N"`` (``"?"`` when the vocabulary has its own N).
    """
    vocab = list(vocabulary)
    return pd.Categorical.from_codes(codes, categories=vocab + ["N" if "N" not in vocab else "?"])


def per_locus_table(attributions: np.ndarray, inputs: EncodedSequences,
                    attrs: dict | None = None, *, stitch: bool = True) -> pd.DataFrame:
    """``seq_id, position, ref_base, score_sum, score_abs_sum, score_ref, max_base``.

    ``score_ref`` is the score of the observed base (NaN where the input base was
    ambiguous); ``max_base`` the base with the highest score. Rows, ``stitch`` and
    the extra columns (``window``, ``member``, ``member_position``, ``n_windows``)
    as in :func:`attribution_table`; stitched windows are stitched per base first
    (mean over the windows), and every column is computed from those scores, so
    this table is :func:`per_locus_from_attribution` of the attribution table.
    """
    channels = attributions.shape[2]
    vocab = list(inputs.vocabulary)
    layout = sequence_layout(inputs, stitch)
    scores = _mean_per_row(attributions, layout)
    ambiguous = first_per_row(inputs.ambiguous, layout)
    ref_codes = first_per_row(inputs.onehot, layout).argmax(axis=-1)
    ref_codes[ambiguous] = channels  # -> "N"
    score_ref = np.take_along_axis(scores, np.minimum(ref_codes, channels - 1)[:, None],
                                   axis=-1)[:, 0]
    score_ref[ambiguous] = np.nan
    df = position_frame(layout, {
        "ref_base": ref_base_categorical(ref_codes, vocab),
        "score_sum": scores.sum(axis=-1),
        "score_abs_sum": np.abs(scores).sum(axis=-1),
        "score_ref": score_ref,
        "max_base": pd.Categorical.from_codes(_max_codes(scores), categories=vocab),
    })
    return r_friendly(df, attrs)


def _max_codes(scores: np.ndarray) -> np.ndarray:
    """The highest-scoring channel per row, compared on the decision grid of the table's
    largest score (:mod:`.core.decisions`: float noise cannot swap near-equal bases);
    ties go to the first channel."""
    return argmax_decided(scores, decision_step(scores), axis=-1)


def summary_keys(ids) -> dict:
    """``seq_id`` per forward pass; for windows also ``window, start, end``."""
    if not isinstance(ids, EncodedSequences):
        return {"seq_id": list(ids)}
    inputs = ids
    if not inputs.windowed:
        return {"seq_id": list(inputs.seq_ids)}
    length = inputs.length
    first = np.zeros(len(inputs), dtype=np.int64)
    last = np.full(len(inputs), length - 1, dtype=np.int64)
    if inputs.padding is not None:
        kept = ~inputs.padding
        first = kept.argmax(axis=1)
        last = length - 1 - kept[:, ::-1].argmax(axis=1)
    return {"seq_id": list(inputs.source_ids), "window": inputs.window.astype(np.int32),
            "start": (inputs.starts + first).astype(np.int32),
            "end": (inputs.starts + last).astype(np.int32)}


def ig_summary_table(seq_ids, target: int, baseline: str, steps: int, f_input, f_baseline,
                     ig_sum, attrs: dict | None = None) -> pd.DataFrame:
    """``seq_id, target, baseline, steps, f_input, f_baseline, ig_sum, delta`` (completeness gap).

    One row per forward pass. ``seq_ids`` is a list of ids or the
    :class:`EncodedSequences`; for sequences cut into windows the rows are windows:
    ``seq_id`` is the source sequence's id, followed by ``window`` (1-based index),
    ``start`` and ``end`` (1-based closed range of the window in the source sequence).
    """
    f_input = np.asarray(f_input, dtype=np.float64)
    f_baseline = np.asarray(f_baseline, dtype=np.float64)
    ig_sum = np.asarray(ig_sum, dtype=np.float64)
    df = pd.DataFrame({
        **summary_keys(seq_ids),
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
    """``seq_id, target, f_input, score_sum``: one row per forward pass (saliency, grad x input).

    ``seq_ids`` as in :func:`ig_summary_table` (windows add ``window, start, end``).
    """
    f_input = np.asarray(f_input, dtype=np.float64)
    df = pd.DataFrame({
        **summary_keys(seq_ids),
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

    from ..io.files import atomic_write, table_format

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
        from ..errors import InputError

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
    from ..dna.sequences import encode
    from ..errors import InputError, ShapeError

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
    from ..dna.sequences import DNA_VOCABULARY

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
        a Categorical (its categories are the channel order) or strings. A
        ``window`` column (per-window rows) is part of the key; ``member``,
        ``member_position`` and ``n_windows`` are carried over (their value at the
        position's first row).
    attrs : dict, optional
        Settings added to ``table.attrs`` in the result's ``attrs``.

    Returns
    -------
    pd.DataFrame
        ``seq_id, position, ref_base, score_sum, score_abs_sum, score_ref, max_base``,
        sequences in order of first appearance, positions ascending. ``ref_base`` is
        ``N`` and ``score_ref`` NaN where not exactly one base is observed. With
        ``window`` (after ``seq_id``; windows ascending within a sequence) and the
        carried columns, in the order of :func:`per_locus_table`.

    Examples
    --------
    >>> t = pd.DataFrame({"seq_id": "s", "position": [1, 1, 1, 1],
    ...                   "base": list("ACGT"), "score": [0.25, 0.5, 0.0, -0.25],
    ...                   "observed": [True, False, False, False]})
    >>> per_locus_from_attribution(t)[["ref_base", "score_sum", "max_base"]].values.tolist()
    [['A', 0.5, 'C']]
    """
    from ..errors import InputError

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
    has_window = "window" in table.columns
    if has_window:
        if table["window"].isna().any():
            raise InputError("the attribution table has missing windows")
        window = table["window"].to_numpy(dtype=np.int64)
        shifted = window - (window.min() if len(window) else 0)
        # sequences in order of first appearance, windows ascending within each
        key_codes = seq_codes.astype(np.int64) * (int(shifted.max(initial=0)) + 1) + shifted
    else:
        key_codes = seq_codes
    position = table["position"].to_numpy(dtype=np.int64)
    score = table["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    if "observed" in table.columns:
        observed = table["observed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        observed = np.zeros(len(table), dtype=bool)

    order = np.lexsort((base_codes, position, key_codes))
    key_s, pos_s, base_s = key_codes[order], position[order], base_codes[order]
    seq_s = seq_codes[order]
    score_s, obs_s = score[order], observed[order]
    if len(order):
        new = np.r_[True, (key_s[1:] != key_s[:-1]) | (pos_s[1:] != pos_s[:-1])]
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
    # the highest score per position (NaN skipped; on the decision grid of the table's
    # largest score, as _max_codes; ties: first channel)
    ranked = decision_keys(score_s, decision_step(score_s))
    top = per_group(ranked, np.maximum)
    is_top = ranked == (top[group] if n_groups else ranked)
    first_top = np.unique(group[is_top], return_index=True)[1]
    max_codes = base_s[np.flatnonzero(is_top)[first_top]]

    keys = {"seq_id": np.asarray(seq_uniques, dtype=object)[seq_s[starts]]}
    if has_window:
        keys["window"] = window[order][starts]
    df = pd.DataFrame({
        **keys,
        "position": pos_s[starts],
        "ref_base": pd.Categorical.from_codes(ref_codes, categories=labels + [missing_label]),
        "score_sum": score_sum,
        "score_abs_sum": score_abs_sum,
        "score_ref": score_ref,
        "max_base": pd.Categorical.from_codes(max_codes, categories=labels),
    })
    for name in EXTRA_POSITION_COLUMNS:
        if name in table.columns:
            df[name] = table[name].to_numpy()[order][starts]
    merged = {**dict(table.attrs or {}), **(attrs or {})}
    return r_friendly(df, merged)


__all__ += ["attribution_table_from_array", "per_locus_from_attribution"]
