"""Per-gene scores and gene-set tests: which genes and regions drive a prediction.

The poster's genome-level analysis (a deepG model predicting sporulation from a
bacterial genome): per-locus IG scores are summed per gene, genes are ranked by
the quantile position of their score, and one asks whether phenotype genes
(sporulation, stress) rank high and whether non-coding regions matter.

:func:`gene_scores` aggregates any per-locus table (IG, saliency, ISM, occlusion, ...)
over the features of an annotation and over the gaps between them, with cumulative
sums (one pass over the genome, no loop over genes). :func:`gene_set_test` asks
whether a set of genes is shifted toward high scores, with a rank test and a
permutation null that keeps the feature lengths.
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np
import pandas as pd

from ..checks import as_generator, check_choice, check_int, check_seed
from ..core.summaries import benjamini_hochberg, rolling_mean
from ..errors import ArgumentTypeError, InputError
from ..io.annotations import as_annotation, check_annotation, noncoding_intervals
from ..results.tables import r_friendly

GENE_COLUMNS = ("gene_id", "name", "product", "type", "start", "end", "strand", "score_sum",
                "score_mean", "score_max", "score_abs_mean", "quantile")
GENE_EXTRA_COLUMNS = ("seq_id", "length", "n_loci")
SET_TEST_COLUMNS = ("gene_set", "n_genes", "statistic", "effect", "p_value", "q_value")
RANK_STATISTICS = ("score_sum", "score_mean", "score_max", "score_abs_mean")
MAX_PERMUTATIONS = 1_000_000


def _per_locus_frame(per_locus) -> pd.DataFrame:
    if hasattr(per_locus, "per_locus_table"):  # a method's result object
        return per_locus.per_locus_table()
    if not isinstance(per_locus, pd.DataFrame):
        raise ArgumentTypeError(
            "per_locus must be a per-locus DataFrame (seq_id, position, score columns) or a "
            f"method result; got {type(per_locus).__name__}")
    return per_locus


_ONE_ROW_FIX = ("pass one row per position (a result's per_locus_table() stitches windows; "
                "stitch=False tables keep them apart)")


def locus_index(per_locus: pd.DataFrame, lengths: dict[str, int]) -> tuple[np.ndarray, dict]:
    """Each row's 0-based place on one axis of the contigs laid end to end, and their offsets.

    ``lengths`` (``{seq_id: length}``, in axis order) must name every contig of
    ``per_locus`` (else :class:`InputError`).
    """
    seq_ids = list(lengths)
    offsets = dict(zip(seq_ids, np.concatenate([[0], np.cumsum([lengths[s] for s in seq_ids])])))
    base = per_locus["seq_id"].astype(str).map(offsets)  # vectorised: one row per base
    if base.isna().any():
        unknown = sorted(set(per_locus["seq_id"].astype(str)[base.isna()]))[:5]
        raise InputError(f"per_locus has contig(s) {unknown} that sequence_lengths lacks "
                         f"(it has {seq_ids[:5]})")
    index = base.to_numpy(np.int64) + per_locus["position"].to_numpy(np.int64) - 1
    return index, offsets


def check_one_row_per_locus(per_locus: pd.DataFrame, index: np.ndarray, size: int, *,
                            what: str = "per_locus", fix: str = _ONE_ROW_FIX) -> None:
    """Refuse repeated ``(seq_id, position)`` rows (per strand, with a ``strand`` column).

    ``index`` and ``size``: :func:`locus_index` of ``per_locus`` and the axis length.
    One pass over the axis (O(L), no sort). The :class:`InputError` names a repeated
    locus and ``fix``; for a table with a ``sample_id`` column holding several samples
    (a batch run's :func:`~deepg_interpret.read_batch`) it says to take one sample at a
    time, since their contigs may share names.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"seq_id": ["c", "c"], "position": [1, 1], "score_sum": [1.0, 2.0]})
    >>> index, _ = locus_index(t, {"c": 1})
    >>> check_one_row_per_locus(t, index, 1)
    Traceback (most recent call last):
    ...
    deepg_interpret.errors.InputError: per_locus has repeated (seq_id, position) rows ...
    """
    stranded = "strand" in per_locus.columns
    for name in ("+", "-") if stranded else ("all",):
        keep = (np.ones(len(per_locus), dtype=bool) if name == "all"
                else per_locus["strand"].astype(str).to_numpy() == name)
        rows = index[keep]
        seen = np.zeros(size, dtype=bool)
        seen[rows] = True
        n_repeats = rows.size - int(np.count_nonzero(seen))
        if not n_repeats:
            continue
        _, first = np.unique(rows, return_index=True)  # the error path only
        repeat = np.ones(rows.size, dtype=bool)
        repeat[first] = False
        row = per_locus[keep].iloc[int(np.flatnonzero(repeat)[0])]
        hint = ""
        if "sample_id" in per_locus.columns and per_locus["sample_id"].nunique() > 1:
            hint = (f"; the table holds {per_locus['sample_id'].nunique()} samples (column "
                    "sample_id), whose contigs may share names: take one sample's rows at a time")
        raise InputError(
            f"{what} has repeated (seq_id, position) rows" + ("" if name == "all" else
            f" on strand {name}") + f" ({n_repeats} repeats, e.g. seq_id {row['seq_id']!r} "
            f"position {int(row['position'])}){hint}; {fix}")


def _tracks(per_locus: pd.DataFrame, score: str, lengths: dict[str, int], smooth):
    """Scores on one concatenated genome axis per strand track, and each contig's offset."""
    seq_ids = list(lengths)
    total = int(sum(lengths.values()))
    stranded = "strand" in per_locus.columns
    names = ("+", "-") if stranded else ("all",)
    tracks = {}
    index, offsets = locus_index(per_locus, lengths)
    check_one_row_per_locus(per_locus, index, total)
    values = pd.to_numeric(per_locus[score], errors="coerce").to_numpy(np.float64)
    for name in names:
        track = np.full(total, np.nan)
        keep = slice(None) if name == "all" else per_locus["strand"].astype(str).to_numpy() == name
        track[index[keep]] = values[keep]
        if smooth is not None:
            for s in seq_ids:
                lo, hi = offsets[s], offsets[s] + lengths[s]
                track[lo:hi] = rolling_mean(track[lo:hi], smooth)
        tracks[name] = track
    if stranded:
        # Unstranded features (non-coding gaps, "." genes) see the mean of both strands.
        with np.errstate(invalid="ignore"):
            both = np.nanmean(np.stack([tracks["+"], tracks["-"]]), axis=0)
        tracks["."] = both
    return tracks, offsets


def _interval_stats(track: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> dict[str, np.ndarray]:
    """Sum, mean, max and mean |x| of ``track[lo:hi]`` per interval, NaN skipped, O(L + n)."""
    finite = np.isfinite(track)
    clean = np.where(finite, track, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(clean)])
    cabs = np.concatenate([[0.0], np.cumsum(np.abs(clean))])
    ccount = np.concatenate([[0], np.cumsum(finite)])
    n = ccount[hi] - ccount[lo]
    total = csum[hi] - csum[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        abs_mean = np.where(n > 0, (cabs[hi] - cabs[lo]) / n, np.nan)
    # fmax.reduceat over [lo0, hi0, lo1, hi1, ...]: even slots are the intervals (lo < hi);
    # odd slots are the stretches between them and are discarded. A sentinel keeps hi < len.
    padded = np.append(track, np.nan)
    bounds = np.empty(2 * lo.size, dtype=np.int64)
    bounds[0::2], bounds[1::2] = lo, hi
    maxima = np.fmax.reduceat(padded, bounds)[0::2] if lo.size else np.zeros(0)
    return {"score_sum": np.where(n > 0, total, np.nan), "score_mean": mean,
            "score_max": maxima, "score_abs_mean": abs_mean, "n_loci": n}


def quantile_ranks(values) -> np.ndarray:
    """Fraction of the finite ``values`` that are ``<=`` each value (1.0 = top); NaN stays NaN.

    Examples
    --------
    >>> quantile_ranks([3.0, 1.0, 2.0, 2.0]).tolist()
    [1.0, 0.25, 0.75, 0.75]
    """
    arr = np.asarray(values, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    if ok.any():
        ranks = pd.Series(arr[ok]).rank(method="max").to_numpy()
        out[ok] = ranks / ok.sum()
    return out


def gene_scores(per_locus, annotation, *, score: str = "score_sum", rank_by: str = "score_mean",
                smooth: int | None = None, noncoding: bool = True, min_noncoding: int = 1,
                types="default", sequence_lengths: dict | None = None) -> pd.DataFrame:
    """Aggregate a per-locus score over every gene (and every gap between genes).

    Parameters
    ----------
    per_locus : pandas.DataFrame or method result
        ``seq_id, position`` (1-based) and the ``score`` column, e.g. a method's
        ``per_locus_table()`` (windows already stitched). With a ``strand`` column
        (``+``/``-``: scores of the forward and of the reverse-complement input, see
        :func:`deepg_interpret.analysis.genome.stranded_per_locus`) a gene takes the scores of
        its own strand; features on ``.`` and the gaps take the mean of both.
    annotation : str, path or pandas.DataFrame
        GFF3/GTF path or a table (see :func:`deepg_interpret.io.annotations.as_annotation`).
    score : str
        Per-locus column to aggregate. Default ``"score_sum"`` (the poster's sum over bases).
    rank_by : str
        Feature statistic the ``quantile`` ranks: ``score_mean`` (default: does not
        favour long genes), ``score_sum``, ``score_max`` or ``score_abs_mean``.
    smooth : int, optional
        Rolling mean of ``k`` loci applied per contig first (the poster: 50). Default None.
    noncoding : bool
        Add the gaps between features as ``type = "noncoding"`` rows. Default True.
    min_noncoding : int
        Shortest gap kept. Default 1.
    types : "default", None or list of str
        Feature types of a GFF path to keep (see ``read_annotation``).
    sequence_lengths : dict, optional
        ``{seq_id: length}``; default: the last position of each contig in ``per_locus``.

    Returns
    -------
    pandas.DataFrame
        ``gene_id, name, product, type, start, end, strand, score_sum, score_mean,
        score_max, score_abs_mean, quantile`` plus ``seq_id, length, n_loci`` (loci
        with a score), one row per feature, in genome order. ``quantile`` is the
        fraction of all rows whose ``rank_by`` is ``<=`` this row's (1.0 = top).

    Raises
    ------
    InputError
        Annotation contigs missing from ``per_locus`` or features beyond them.

    Examples
    --------
    >>> import pandas as pd
    >>> loci = pd.DataFrame({"seq_id": "c", "position": range(1, 11),
    ...                      "score_sum": [0, 0, 1, 1, 1, 0, 0, 4, 0, 0.0]})
    >>> ann = pd.DataFrame({"seq_id": ["c"], "gene_id": ["g1"], "start": [3], "end": [5],
    ...                     "strand": ["+"]})
    >>> genes = gene_scores(loci, ann)
    >>> genes[["gene_id", "start", "end", "score_sum"]].values.tolist()
    [['noncoding:c:1-2', 1, 2, 0.0], ['g1', 3, 5, 3.0], ['noncoding:c:6-10', 6, 10, 4.0]]
    >>> genes["quantile"].round(2).tolist()    # by score_mean: 0, 1, 0.8
    [0.33, 1.0, 0.67]
    """
    loci = _per_locus_frame(per_locus)
    missing = [c for c in ("seq_id", "position", score) if c not in loci.columns]
    if missing:
        raise InputError(f"per_locus lacks column(s) {missing}; it has {list(loci.columns)} "
                         f"(pass score= one of its numeric columns)")
    check_choice(rank_by, "rank_by", RANK_STATISTICS)
    if smooth is not None:
        smooth = check_int(smooth, "smooth", 1)
    min_noncoding = check_int(min_noncoding, "min_noncoding", 1)
    if sequence_lengths is None:
        last = loci.groupby(loci["seq_id"].astype(str), sort=False)["position"].max()
        sequence_lengths = {str(k): int(v) for k, v in last.items()}
    else:
        sequence_lengths = {str(k): check_int(v, f"sequence_lengths[{k!r}]", 1)
                            for k, v in sequence_lengths.items()}
    ann = as_annotation(annotation, types=None if isinstance(annotation, pd.DataFrame) else types)
    check_annotation(ann, sequence_lengths, what="annotation (against the per-locus scores)")
    ann = ann[ann["seq_id"].isin(list(sequence_lengths))]
    features = ann[["seq_id", "gene_id", "name", "product", "type", "start", "end", "strand"]]
    if noncoding:
        gaps = noncoding_intervals(ann, sequence_lengths, min_length=min_noncoding)
        features = pd.concat([features, gaps[features.columns]], ignore_index=True)
        features = features.sort_values(["seq_id", "start", "end"], kind="stable",
                                        key=lambda c: c.map({s: i for i, s in
                                                             enumerate(sequence_lengths)})
                                        if c.name == "seq_id" else c)
        features = features.reset_index(drop=True)
    tracks, offsets = _tracks(loci, score, sequence_lengths, smooth)
    base = features["seq_id"].map(offsets).to_numpy(np.int64)
    lo = base + features["start"].to_numpy(np.int64) - 1
    hi = base + features["end"].to_numpy(np.int64)
    stats = {k: np.full(len(features), np.nan) for k in RANK_STATISTICS}
    stats["n_loci"] = np.zeros(len(features), dtype=np.int64)
    strand = features["strand"].to_numpy().astype(str)
    for name, track in tracks.items():
        rows = (np.ones(len(features), bool) if name == "all"
                else strand == name)
        if rows.any():
            for key, values in _interval_stats(track, lo[rows], hi[rows]).items():
                stats[key][rows] = values
    out = features[["gene_id", "name", "product", "type", "start", "end", "strand"]].copy()
    for key in RANK_STATISTICS:
        out[key] = stats[key]
    out["quantile"] = quantile_ranks(stats[rank_by])
    out["seq_id"] = features["seq_id"].to_numpy()
    out["length"] = (features["end"] - features["start"] + 1).to_numpy(np.int64)
    out["n_loci"] = stats["n_loci"]
    attrs = {k: v for k, v in loci.attrs.items() if isinstance(v, (str, int, float, bool))}
    attrs.update({"score": score, "rank_by": rank_by, "smooth": smooth,
                  "stranded": "strand" in loci.columns})
    return r_friendly(out, attrs)


# --------------------------------------------------------------------------- set tests
def _set_members(spec, table: pd.DataFrame, label: str) -> np.ndarray:
    if isinstance(spec, str):
        try:
            pattern = re.compile(spec, re.IGNORECASE)
        except re.error as exc:
            raise InputError(f"gene set {label!r}: {spec!r} is not a regular expression ({exc})"
                             ) from None
        return table["product"].astype(str).str.contains(pattern).to_numpy()
    if isinstance(spec, (list, tuple, set, frozenset, pd.Series, pd.Index, np.ndarray)):
        wanted = {str(x) for x in spec}
        return (table["gene_id"].astype(str).isin(wanted)
                | table["name"].astype(str).isin(wanted)).to_numpy()
    raise ArgumentTypeError(
        f"gene set {label!r} must be a product pattern (str) or a list of gene ids/names; "
        f"got {type(spec).__name__}")


def gene_set_mask(gene_table: pd.DataFrame, spec, label: str = "set") -> np.ndarray:
    """Boolean mask of the rows of ``gene_table`` in a set (product regex or list of ids/names).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"gene_id": ["a", "b"], "name": ["spoIIA", ""],
    ...                   "product": ["x", "Sporulation protein"]})
    >>> gene_set_mask(t, "sporulation").tolist(), gene_set_mask(t, ["spoIIA"]).tolist()
    ([False, True], [True, False])
    """
    return _set_members(spec, gene_table, label)


def _as_sets(sets) -> dict:
    if isinstance(sets, dict):
        if not sets:
            raise InputError("sets is empty; give {name: pattern or list of genes}")
        return {str(k): v for k, v in sets.items()}
    if isinstance(sets, str):
        return {sets: sets}
    return {"set1": sets}


def _mann_whitney_p(u: float, n1: int, n0: int, ranks: np.ndarray) -> float:
    """One-sided (greater) normal-approximation p of U with the tie correction.

    Formula: Mann & Whitney (1947); tie term as in Lehmann, *Nonparametrics* (1975).
    """
    n = n1 + n0
    _, counts = np.unique(ranks, return_counts=True)
    tie = float(((counts ** 3) - counts).sum()) / (n * (n - 1)) if n > 1 else 0.0
    var = n1 * n0 / 12.0 * ((n + 1) - tie)
    if var <= 0:
        return 1.0
    z = (u - n1 * n0 / 2.0 - 0.5) / math.sqrt(var)  # continuity correction
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _length_strata(lengths: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index per feature: quantiles of log length, so each stratum holds similar lengths."""
    if n_bins == 1 or lengths.size < 2:
        return np.zeros(lengths.size, dtype=np.int64)
    edges = np.unique(np.quantile(np.log(lengths), np.linspace(0, 1, n_bins + 1))[1:-1])
    return np.searchsorted(edges, np.log(lengths), side="right")


def _permutation_u(ranks, strata, member, n_permutations, rng, chunk=256) -> np.ndarray:
    """Rank sums of random sets with the members' count per length stratum kept."""
    sums = np.zeros(n_permutations)
    for b in np.unique(strata[member]):
        pool = ranks[strata == b]
        k = int(np.count_nonzero(member & (strata == b)))
        if k == pool.size:
            sums += pool.sum()
            continue
        for lo in range(0, n_permutations, chunk):
            hi = min(lo + chunk, n_permutations)
            keys = rng.random((hi - lo, pool.size))
            pick = np.argpartition(keys, k - 1, axis=1)[:, :k]
            sums[lo:hi] += pool[pick].sum(axis=1)
    return sums


def gene_set_test(gene_table: pd.DataFrame, sets, *, score: str = "score_mean",
                  n_permutations: int = 1000, seed: int | None = None, n_length_bins: int = 10,
                  include_noncoding: bool = False) -> pd.DataFrame:
    """Are the genes of a set shifted toward high scores? Rank test + length-keeping null.

    For each set, the Mann-Whitney U of the set's scores against the other
    features' (ranks over the universe, ties averaged) is compared with ``U`` of
    random sets that draw the same number of features from each length stratum
    (``n_length_bins`` quantiles of log length), so long genes, whose sums and
    maxima are larger by construction, do not pass for a shift.

    Parameters
    ----------
    gene_table : pandas.DataFrame
        :func:`gene_scores`' table (``gene_id, name, product, type, start, end``, the score).
    sets : dict, str or list
        ``{name: spec}``; a spec is a case-insensitive regular expression on
        ``product`` (``"sporulation"``) or a list of gene ids / names. A bare str or
        list is one set.
    score : str
        Column compared. Default ``"score_mean"``.
    n_permutations : int
        Random sets per set. Default 1000 (p-values >= 1/1001).
    seed : int, optional
        Seed; each set draws from a stream of its own, derived from the seed and the
        set's name (a set's p-value does not depend on the other sets).
    n_length_bins : int
        Length strata of the null. Default 10 (1 = plain permutation).
    include_noncoding : bool
        Put the non-coding gaps in the universe. Default False (genes only).

    Returns
    -------
    pandas.DataFrame
        ``gene_set, n_genes, statistic`` (U), ``effect`` (U / (n1 n0): probability
        that a set gene outscores another feature; 0.5 = no shift), ``p_value``
        (one-sided permutation p, ``(1 + #{U* >= U}) / (1 + n_permutations)``),
        ``q_value`` (Benjamini-Hochberg over the sets), plus ``p_rank`` (the
        Mann-Whitney normal approximation, lengths ignored).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"gene_id": list("abcdef"), "name": "", "type": "CDS",
    ...                   "product": ["spore coat", "spore", "x", "y", "z", "w"],
    ...                   "start": 1, "end": 100, "score_mean": [9.0, 8, 1, 2, 3, 4]})
    >>> r = gene_set_test(t, {"spo": "spore"}, seed=0)
    >>> r[["gene_set", "n_genes", "effect"]].values.tolist()
    [['spo', 2, 1.0]]
    """
    if not isinstance(gene_table, pd.DataFrame):
        raise ArgumentTypeError(f"gene_table must be gene_scores()' DataFrame; got "
                                f"{type(gene_table).__name__}")
    need = [c for c in ("gene_id", "name", "product", "start", "end", score)
            if c not in gene_table.columns]
    if need:
        raise InputError(f"gene_table lacks column(s) {need}; pass gene_scores()' table "
                         f"(score= one of its columns)")
    n_permutations = check_int(n_permutations, "n_permutations", 1, MAX_PERMUTATIONS)
    n_length_bins = check_int(n_length_bins, "n_length_bins", 1, 1000)
    seed = check_seed(seed)
    table = gene_table
    if not include_noncoding and "type" in table.columns:
        table = table[table["type"] != "noncoding"]
    table = table[np.isfinite(pd.to_numeric(table[score], errors="coerce"))].reset_index(drop=True)
    specs = _as_sets(sets)
    values = table[score].to_numpy(np.float64)
    ranks = pd.Series(values).rank(method="average").to_numpy()
    lengths = (table["end"] - table["start"] + 1).to_numpy(np.float64)
    strata = _length_strata(lengths, n_length_bins)
    root = np.random.SeedSequence(seed)
    rows = []
    for label, spec in specs.items():
        # A stream per set name, so a set's p-value does not depend on the other sets.
        stream = np.random.SeedSequence(root.entropy, spawn_key=(zlib.crc32(label.encode()),))
        member = _set_members(spec, table, label)
        n1, n0 = int(member.sum()), int((~member).sum())
        if n1 == 0 or n0 == 0:
            raise InputError(
                f"gene set {label!r} has {n1} of {len(table)} features; a test needs at least "
                "one feature in the set and one outside (check the pattern or the ids)")
        u = float(ranks[member].sum() - n1 * (n1 + 1) / 2.0)
        null = _permutation_u(ranks, strata, member, n_permutations,
                              as_generator(np.random.default_rng(stream))) - n1 * (n1 + 1) / 2.0
        # Rank sums are multiples of 0.5: a 1e-9 margin only absorbs rounding.
        p_perm = (1.0 + np.count_nonzero(null >= u - 1e-9)) / (1.0 + n_permutations)
        rows.append({"gene_set": label, "n_genes": n1, "statistic": u,
                     "effect": u / (n1 * n0), "p_value": p_perm,
                     "p_rank": _mann_whitney_p(u, n1, n0, ranks)})
    out = pd.DataFrame(rows)
    out.insert(5, "q_value", benjamini_hochberg(out["p_value"].to_numpy()))
    return r_friendly(out, {"score": score, "n_permutations": n_permutations, "seed": seed,
                            "n_length_bins": n_length_bins, "null": "length-stratified",
                            "include_noncoding": include_noncoding})


__all__ = ["gene_scores", "gene_set_test", "gene_set_mask", "quantile_ranks",
           "check_one_row_per_locus", "locus_index", "GENE_COLUMNS", "SET_TEST_COLUMNS"]
