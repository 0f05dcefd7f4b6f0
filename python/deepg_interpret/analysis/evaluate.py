"""Score explanations against planted ground truth.

Synthetic data (``synthetic.py``) records where each motif copy was planted; an
explanation is good if it ranks those positions above the background. This module turns
per-locus scores (IG with any baseline, saliency, gradient x input, ISM, occlusion, ...)
into per-sequence metrics and summaries:

- **AUROC / AUPRC** of the locus scores against the motif mask (scikit-learn's
  ``roc_auc_score`` and ``average_precision_score``; AUPRC's chance level is the motif
  share of the sequence, e.g. 31 / 600 = 0.05).
- **top-k hit rate**: share of the ``k`` highest-scoring positions that lie inside a
  planted motif (``k`` defaults to the number of motif positions, so a perfect ranking
  gives 1).
- **Avg.Match%** (the poster's measure): percentage of motif positions where the base
  with the highest attribution is the true (planted) base.

Sign convention: scores are read as "higher = more important for the explained class".
For IG or gradient x input explaining the class that the motif signals (the positive
class), the motif should receive large *positive* scores, so ``score="score_sum"`` (the
signed sum over bases) is the default. ``score="score_abs_sum"`` ranks by magnitude
whatever the sign, which is the right choice when explaining the negative class or when
positive and negative evidence count alike. Pass ``-scores`` for a method whose scores
are lower-is-more-important (e.g. an occlusion "drop" with the opposite sign).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.decisions import decision_step, order_decided
from ..core.summaries import match_percent
from ..errors import ArgumentTypeError, InputError, ShapeError

METRICS = ("auroc", "auprc", "top_k_hit_rate", "avg_match_percent")
_VOCABULARY = ("A", "C", "G", "T")


# --------------------------------------------------------------------------- array layer
def locus_metrics(scores, mask, *, k: int | None = None) -> dict:
    """AUROC, AUPRC and top-k hit rate of one score vector against one motif mask.

    Parameters
    ----------
    scores : array_like, shape (L,)
        Locus scores, higher = more important.
    mask : array_like of bool, shape (L,)
        True at motif positions.
    k : int, optional
        Number of top positions for the hit rate. Default is ``mask.sum()``.

    Returns
    -------
    dict
        ``n_motif_positions``, ``k``, ``auroc``, ``auprc``, ``top_k_hit_rate``. AUROC and
        AUPRC are NaN when the mask is all False or all True (undefined). Ties in the
        top-k ranking are broken by position (earlier first).

    Examples
    --------
    >>> m = locus_metrics([0.1, 0.9, 0.8, 0.2], [False, True, True, False])
    >>> m["auroc"], m["top_k_hit_rate"]
    (1.0, 1.0)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    s = np.asarray(scores, dtype="float64").ravel()
    m = np.asarray(mask, dtype=bool).ravel()
    if s.shape != m.shape:
        raise ShapeError(
            f"`scores` has {s.size} positions but `mask` has {m.size}; they must match."
        )
    if not np.all(np.isfinite(s)):
        raise InputError(
            "`scores` contains NaN or infinite values; drop or fill them before scoring."
        )
    n_pos = int(m.sum())
    k_eff = n_pos if k is None else int(k)
    k_eff = min(k_eff, s.size)
    if 0 < n_pos < s.size:
        auroc = float(roc_auc_score(m, s))
        auprc = float(average_precision_score(m, s))
    else:
        auroc = auprc = float("nan")
    if k_eff > 0:
        # On the decision grid of the largest score (core.decisions), ties by position.
        top = order_decided(s, decision_step(s))[:k_eff]
        hit = float(m[top].mean())
    else:
        hit = float("nan")
    return {
        "n_motif_positions": n_pos,
        "k": k_eff,
        "auroc": auroc,
        "auprc": auprc,
        "top_k_hit_rate": hit,
    }


# --------------------------------------------------------------------------- input handling
def _check_truth(truth) -> pd.DataFrame:
    if not isinstance(truth, pd.DataFrame):
        raise ArgumentTypeError(
            f"`truth` must be a DataFrame with columns seq_id, start, end (and label, motif), "
            f"got {type(truth).__name__}."
        )
    missing = [c for c in ("seq_id", "start", "end") if c not in truth.columns]
    if missing:
        raise InputError(
            f"`truth` lacks column(s) {missing}; expected the synthetic truth table "
            "(seq_id, label, motif, start, end; 1-based closed intervals)."
        )
    t = truth.copy()
    # Rows without coordinates are sequences without a planted copy (negatives).
    t = t[t["start"].notna() & t["end"].notna()]
    t["seq_id"] = t["seq_id"].astype(str)
    if (t["end"] < t["start"]).any():
        bad = t.loc[t["end"] < t["start"], "seq_id"].iloc[0]
        raise InputError(f"`truth` has end < start for sequence {bad!r}; intervals are start..end.")
    for col in ("label", "motif"):
        if col not in t.columns:
            t[col] = pd.NA
    return t


def _as_id_list(seq_ids, n: int, what: str) -> list[str]:
    if seq_ids is None:
        raise InputError(
            f"`seq_ids` is needed to match the rows of {what} to `truth`; pass one id per "
            "row, e.g. dataset.seq_ids."
        )
    ids = [str(s) for s in seq_ids]
    if len(ids) != n:
        raise ShapeError(f"`seq_ids` has {len(ids)} ids but {what} has {n} rows.")
    return ids


def _true_base_index(sequences, ids: list[str]) -> dict[str, np.ndarray]:
    """seq_id -> index of the observed base per position (-1 where unknown)."""
    if hasattr(sequences, "onehot") and hasattr(sequences, "seq_ids"):
        return _true_base_index(np.asarray(sequences.onehot), list(map(str, sequences.seq_ids)))
    if isinstance(sequences, Mapping):
        return {str(k): _string_to_index(v) for k, v in sequences.items()}
    if isinstance(sequences, np.ndarray) and sequences.ndim == 3:
        if len(sequences) != len(ids):
            raise ShapeError(f"`sequences` has {len(sequences)} rows but there are {len(ids)} ids.")
        idx = sequences.argmax(axis=2).astype("int64")
        idx[sequences.max(axis=2) <= 0] = -1  # all-zero rows (N) have no true base
        return dict(zip(ids, idx))
    if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Sequence):
        raise ArgumentTypeError(
            "`sequences` must be a one-hot array (n, L, C), a list of DNA strings, a dict "
            f"id -> string or an EncodedSequences; got {type(sequences).__name__}."
        )
    if len(sequences) != len(ids):
        raise ShapeError(f"`sequences` has {len(sequences)} entries but there are {len(ids)} ids.")
    return {i: _string_to_index(s) for i, s in zip(ids, sequences)}


def _string_to_index(seq: str) -> np.ndarray:
    lookup = {b: i for i, b in enumerate(_VOCABULARY)}
    return np.array([lookup.get(ch, -1) for ch in str(seq).upper()], dtype="int64")


def _per_sequence_inputs(scores, *, attributions, sequences, seq_ids, score):
    """Bring every accepted input form to seq_id -> (positions, scores, attributions, true base)."""
    # An AttributionResult (duck-typed, so this module does not import methods/).
    if hasattr(scores, "attributions") and hasattr(scores, "inputs"):
        result = scores
        attr = np.asarray(result.attributions, dtype="float32")
        ids = [str(s) for s in result.inputs.seq_ids]
        if attributions is None:
            attributions = attr
        if sequences is None:
            sequences = np.asarray(result.inputs.onehot)
        seq_ids = ids
        # The two sums come straight from the array; other columns from its per-locus table.
        scores = attr if score in ("score_sum", "score_abs_sum") else result.per_locus_table()

    per_seq: dict[str, dict] = {}
    if isinstance(scores, pd.DataFrame):
        missing = [c for c in ("seq_id", "position", score) if c not in scores.columns]
        if missing:
            raise InputError(
                f"`scores` lacks column(s) {missing}; expected a per-locus table (seq_id, "
                f"position, {score}, ...) or pass `score=` naming the score column "
                f"(columns given: {list(scores.columns)})."
            )
        frame = scores.sort_values(["seq_id", "position"], kind="stable")
        has_bases = {"ref_base", "max_base"} <= set(frame.columns)
        for sid, grp in frame.groupby(frame["seq_id"].astype(str), sort=False):
            entry = {
                "positions": grp["position"].to_numpy(dtype="int64"),
                "scores": grp[score].to_numpy(dtype="float64"),
            }
            if has_bases:
                entry["base_match"] = (
                    grp["ref_base"].astype(str).to_numpy() == grp["max_base"].astype(str).to_numpy()
                )
            per_seq[sid] = entry
    elif isinstance(scores, np.ndarray) or isinstance(scores, (list, tuple)):
        arr = np.asarray(scores, dtype="float64")
        if arr.ndim == 3:  # attributions (n, L, C): reduce to a locus score
            if attributions is None:
                attributions = arr
            if score == "score_sum":
                arr = arr.sum(axis=2)
            elif score == "score_abs_sum":
                arr = np.abs(arr).sum(axis=2)
            else:
                raise InputError(
                    f"`score={score!r}` cannot be computed from an attribution array; use "
                    "'score_sum' or 'score_abs_sum', or pass a per-locus table."
                )
        elif arr.ndim != 2:
            raise ShapeError(
                f"`scores` as an array must be (n, L) locus scores or (n, L, C) attributions, "
                f"got shape {arr.shape}."
            )
        ids = _as_id_list(seq_ids, len(arr), "`scores`")
        if len(set(ids)) != len(ids):
            raise InputError("`seq_ids` must be unique.")
        positions = np.arange(1, arr.shape[1] + 1, dtype="int64")
        for sid, row in zip(ids, arr):
            per_seq[sid] = {"positions": positions, "scores": row}
    else:
        raise ArgumentTypeError(
            "`scores` must be a per-locus DataFrame, an array (n, L) or (n, L, C), or an "
            f"AttributionResult; got {type(scores).__name__}."
        )

    if attributions is not None:
        attr = np.asarray(attributions, dtype="float64")
        if attr.ndim != 3:
            raise ShapeError(f"`attributions` must be (n, L, C), got shape {attr.shape}.")
        ids = _as_id_list(seq_ids, len(attr), "`attributions`")
        if sequences is None:
            raise InputError(
                "Avg.Match% needs the true bases: pass `sequences=` (one-hot array, DNA "
                "strings or EncodedSequences) together with `attributions=`."
            )
        bases = _true_base_index(sequences, ids)
        for sid, a in zip(ids, attr):
            if sid in per_seq:
                per_seq[sid]["attributions"] = a
                per_seq[sid]["true_base"] = bases.get(sid)
    return per_seq


# --------------------------------------------------------------------------- tidy layer
def score_explanations(
    scores,
    truth: pd.DataFrame,
    *,
    sequences=None,
    attributions=None,
    seq_ids: Sequence[str] | None = None,
    method: str = "ig",
    score: str = "score_sum",
    k: int | None = None,
) -> pd.DataFrame:
    """Per-sequence agreement of locus scores with the planted motifs.

    Parameters
    ----------
    scores : pandas.DataFrame, numpy.ndarray or AttributionResult
        - a per-locus table with columns ``seq_id``, ``position`` (1-based) and the
          column named by ``score`` (e.g. ``AttributionResult.per_locus_table()``);
          if it also has ``ref_base`` and ``max_base`` those give Avg.Match% when no
          ``attributions`` are passed;
        - an array ``(n, L)`` of locus scores (position ``j`` is ``j + 1``), rows named by
          ``seq_ids``;
        - an array ``(n, L, C)`` of attributions, reduced to locus scores by ``score``
          (``"score_sum"`` or ``"score_abs_sum"``) and also used for Avg.Match%;
        - an ``AttributionResult`` (ids, attributions and sequences are taken from it).
    truth : pandas.DataFrame
        Synthetic truth table ``seq_id, label, motif, start, end`` (1-based closed
        intervals; several rows per sequence for recurrent motifs). Rows with missing
        ``start``/``end`` (sequences without a motif) are ignored.
    sequences : array (n, L, C), list of str, dict or EncodedSequences, optional
        The input sequences, for the true base of Avg.Match%; rows follow ``seq_ids``.
    attributions : numpy.ndarray, optional
        Attributions ``(n, L, C)`` (rows follow ``seq_ids``) for Avg.Match%.
    seq_ids : sequence of str, optional
        Ids of the array rows of ``scores`` / ``attributions`` / ``sequences``.
    method : str
        Label written into the ``method`` column (e.g. ``"ig_dinuc_shuffle"``).
        Default is ``"ig"``.
    score : str
        Column of the per-locus table to rank by; higher = more important. Default is
        ``"score_sum"`` (signed; right for explaining the class the motif signals);
        ``"score_abs_sum"`` ranks by magnitude. See the module docstring.
    k : int, optional
        Positions counted by the top-k hit rate. Default is the number of motif
        positions of each sequence.

    Returns
    -------
    pandas.DataFrame
        One row per scored sequence with at least one planted motif copy:
        ``seq_id, label, motif, method, n_motif_positions (int32), k (int32), auroc,
        auprc, top_k_hit_rate, avg_match_percent`` (NaN without attributions or bases).
        Sequences without a planted copy are skipped (AUROC is undefined without
        positives); their ids are in ``attrs["skipped_seq_ids"]``. ``attrs`` also holds
        ``method``, ``score`` and ``k``.

    Examples
    --------
    >>> truth = pd.DataFrame({"seq_id": ["s1"], "label": ["motif"], "motif": ["high"],
    ...                       "start": [3], "end": [4]})
    >>> s = np.array([[0.0, 0.1, 0.9, 0.8, 0.2]])
    >>> score_explanations(s, truth, seq_ids=["s1"])[["seq_id", "auroc", "top_k_hit_rate"]]
      seq_id  auroc  top_k_hit_rate
    0     s1    1.0             1.0
    """
    if not isinstance(method, str):
        raise ArgumentTypeError(f"`method` must be a string label, got {type(method).__name__}.")
    if not isinstance(score, str):
        raise ArgumentTypeError(f"`score` must be a column name, got {type(score).__name__}.")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise InputError(f"`k` must be a positive int or None, got {k!r}.")
    t = _check_truth(truth)
    per_seq = _per_sequence_inputs(
        scores, attributions=attributions, sequences=sequences, seq_ids=seq_ids, score=score
    )
    groups = {sid: grp for sid, grp in t.groupby("seq_id", sort=False)}

    rows, skipped = [], []
    for sid, entry in per_seq.items():
        grp = groups.get(sid)
        if grp is None:
            skipped.append(sid)
            continue
        pos = entry["positions"]
        mask = np.zeros(pos.size, dtype=bool)
        for start, end in zip(grp["start"].to_numpy(), grp["end"].to_numpy()):
            mask |= (pos >= start) & (pos <= end)
        if not mask.any():  # planted copy lies outside the scored positions
            skipped.append(sid)
            continue
        metrics = locus_metrics(entry["scores"], mask, k=k)
        if "attributions" in entry and entry.get("true_base") is not None:
            idx = pos - 1
            a, tb = entry["attributions"], entry["true_base"]
            if idx.max() >= len(a) or idx.max() >= len(tb):
                raise ShapeError(
                    f"Sequence {sid!r}: positions run to {idx.max() + 1} but its attributions "
                    f"cover {len(a)} and its sequence {len(tb)} positions."
                )
            avg_match = match_percent(a[idx], tb[idx], mask)
        elif "base_match" in entry:
            avg_match = float(100.0 * entry["base_match"][mask].mean())
        else:
            avg_match = float("nan")
        motifs = [str(m) for m in pd.unique(grp["motif"]) if not pd.isna(m)]
        labels = [m for m in pd.unique(grp["label"]) if not pd.isna(m)]
        rows.append(
            {
                "seq_id": sid,
                "label": labels[0] if labels else None,
                "motif": "+".join(motifs) if motifs else None,
                "method": method,
                **metrics,
                "avg_match_percent": avg_match,
            }
        )

    columns = ["seq_id", "label", "motif", "method", "n_motif_positions", "k", *METRICS]
    out = pd.DataFrame(rows, columns=columns)
    out = out.astype({"n_motif_positions": "int32", "k": "int32"}).reset_index(drop=True)
    out.attrs.update(
        {
            "method": method,
            "score": score,
            "k": k,
            "skipped_seq_ids": skipped,
            "n_skipped": len(skipped),
        }
    )
    return out


def summarise_scores(
    frame: pd.DataFrame,
    by: str | Sequence[str] = ("method",),
    *,
    metrics: Sequence[str] | None = None,
    shape: str = "long",
) -> pd.DataFrame:
    """Mean, standard deviation and count of each metric per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`score_explanations` (several can be concatenated, e.g. one per
        method and baseline).
    by : str or sequence of str
        Grouping columns. Default is ``("method",)``; ``("motif", "method")`` gives the
        poster's motif x method table.
    metrics : sequence of str, optional
        Metric columns. Default: those of ``auroc, auprc, top_k_hit_rate,
        avg_match_percent`` present in ``frame``.
    shape : {"long", "wide"}
        ``"long"``: columns ``*by, metric, mean, sd, n`` (one row per group and metric,
        tidy for R/ggplot2). ``"wide"``: one row per group with ``<metric>_mean``,
        ``<metric>_sd``, ``<metric>_n``. Default is ``"long"``.

    Returns
    -------
    pandas.DataFrame
        ``sd`` uses ``ddof=1`` (NaN for a single value); ``n`` (int32) counts non-NaN
        values, so sequences whose AUROC is undefined do not enter the mean.

    Examples
    --------
    >>> f = pd.DataFrame({"method": ["a", "a", "b"], "auroc": [0.9, 1.0, 0.5]})
    >>> summarise_scores(f)
      method metric  mean        sd  n
    0      a  auroc  0.95  0.070711  2
    1      b  auroc  0.50       NaN  1
    """
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentTypeError(f"`frame` must be a DataFrame, got {type(frame).__name__}.")
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise InputError(
            f"`by` names column(s) {missing} that `frame` lacks ({list(frame.columns)})."
        )
    if metrics is None:
        metrics = [m for m in METRICS if m in frame.columns]
    else:
        metrics = list(metrics)
        absent = [m for m in metrics if m not in frame.columns]
        if absent:
            raise InputError(f"`metrics` names column(s) {absent} that `frame` lacks.")
    if not metrics:
        raise InputError(f"`frame` has none of the metric columns {METRICS}; pass `metrics=`.")
    if shape not in ("long", "wide"):
        raise InputError(f"`shape` must be 'long' or 'wide', got {shape!r}.")

    long = frame.melt(id_vars=by, value_vars=metrics, var_name="metric", value_name="value")
    long["metric"] = pd.Categorical(long["metric"], categories=metrics)
    stats = (
        long.groupby([*by, "metric"], observed=True, sort=True, dropna=False)["value"]
        .agg(mean="mean", sd="std", n="count")
        .reset_index()
    )
    stats["n"] = stats["n"].astype("int32")
    stats["metric"] = stats["metric"].astype(str)
    if shape == "wide":
        wide = stats.pivot(index=by, columns="metric", values=["mean", "sd", "n"])
        wide.columns = [f"{metric}_{stat}" for stat, metric in wide.columns]
        order = [f"{m}_{s}" for m in metrics for s in ("mean", "sd", "n")]
        stats = wide[order].reset_index()
        for m in metrics:
            stats[f"{m}_n"] = stats[f"{m}_n"].astype("int32")
    return stats.reset_index(drop=True)


def classification_metrics(y_true, prob, *, positive: int = 1) -> dict:
    """Accuracy, balanced accuracy and AUROC of a classifier's predictions.

    Parameters
    ----------
    y_true : array_like of int, shape (n,)
        0-based true classes.
    prob : array_like, shape (n, n_classes) or (n,)
        Predicted probabilities (a 1-D array or one column = probability of class 1).
    positive : int
        Class whose probability is ranked for the AUROC. Default is 1.

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``balanced_accuracy``, ``auroc`` (NaN with one class only).

    Examples
    --------
    >>> classification_metrics([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])["accuracy"]
    0.6666666666666666
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    y = np.asarray(y_true).astype("int64").ravel()
    p = np.asarray(prob, dtype="float64")
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:
        pred = (p >= 0.5).astype("int64")
        p_pos = p if positive == 1 else 1.0 - p
    elif p.ndim == 2:
        if not 0 <= positive < p.shape[1]:
            raise InputError(f"`positive` = {positive} but `prob` has {p.shape[1]} classes.")
        pred = p.argmax(axis=1)
        p_pos = p[:, positive]
    else:
        raise ShapeError(f"`prob` must be (n,) or (n, n_classes), got shape {p.shape}.")
    if len(y) != len(p):
        raise ShapeError(f"`y_true` has {len(y)} labels but `prob` has {len(p)} rows.")
    classes = np.unique(y)
    auroc = float(roc_auc_score(y == positive, p_pos)) if classes.size > 1 else float("nan")
    return {
        "n": int(len(y)),
        "accuracy": float((pred == y).mean()),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "auroc": auroc,
    }


__all__ = [
    "score_explanations",
    "summarise_scores",
    "locus_metrics",
    "match_percent",
    "classification_metrics",
    "METRICS",
]
