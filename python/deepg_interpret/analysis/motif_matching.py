"""Name a PWM: compare it with known motifs (JASPAR, a MEME file, the user's own) by Tomtom.

Tomtom (Gupta et al. 2007, Genome Biology 8:R24) scores every alignment of the query
with a target motif on both strands by summing column similarities, and turns the
best score into a p-value with a null distribution built from the query's columns
scored against every column of the collection. ``memelite`` (Schreiber) implements it
(the "complete score" variant, similarity = minus the Euclidean distance of columns,
binned); the p-values are corrected for the number of offsets tried. q-values are
Benjamini-Hochberg over the motifs compared, as Tomtom reports them.

Examples
--------
>>> import numpy as np
>>> hits = match_motifs("AGATAAGA", database=None,
...                     extra={"gata": "AGATAAGA", "ctcf": "CCACCAGGGGGCGC"})
>>> hits["name"].iloc[0]
'gata'
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..checks import check_int
from ..core.decisions import decision_keys, decision_step, relative_keys
from ..core.summaries import benjamini_hochberg
from ..dna.motifs import make_motif
from ..errors import ArgumentTypeError, DeepGInterpretWarning, InputError
from ..io.motif_databases import (
    EMPTY,
    JASPAR_COLLECTIONS,
    MotifCollection,
    check_pwm,
    motifs_from_mapping,
    read_jaspar,
    read_meme,
)
from ..results.class_optimization import ClassOptimizationResult, MotifWindow
from ..results.tables import r_friendly

DATABASES = ("jaspar",)
# memelite warns below 25 targets: the null then rests on few columns.
FEW_TARGETS = 25
MATCH_COLUMNS = ("motif_id", "name", "offset", "strand", "score", "p_value", "q_value",
                 "overlap", "source")


def as_pwm(pwm) -> np.ndarray:
    """Any PWM a user has -> float64 (width, 4), rows summing to 1."""
    if isinstance(pwm, MotifWindow):
        return check_pwm(pwm.pwm)
    if isinstance(pwm, ClassOptimizationResult):
        raise InputError(
            "`pwm` is a whole class optimization result; pass one window, e.g. "
            "result.best_window(12), or one restart's PWM result.pwms[0]")
    if isinstance(pwm, str):
        return make_motif(pwm, arg="pwm").probs
    if isinstance(pwm, pd.DataFrame):
        return _pwm_from_frame(pwm)
    return check_pwm(pwm)


def _pwm_from_frame(df: pd.DataFrame) -> np.ndarray:
    if {"position", "base", "probability"} <= set(df.columns):
        if "restart" in df.columns and df["restart"].nunique() > 1:
            raise InputError(
                "`pwm` holds the PWMs of several restarts; pick one, e.g. "
                "table[table.restart == 1], or use result.best_window(width).table()")
        wide = df.pivot_table(index="position", columns="base", values="probability",
                              observed=False, aggfunc="first")
        missing = [b for b in "ACGT" if b not in wide.columns]
        if missing:
            raise InputError(f"`pwm` table has no rows for base(s) {missing}; it needs "
                             "position, base (A, C, G, T) and probability columns")
        return check_pwm(wide[list("ACGT")].to_numpy())
    if set("ACGT") <= set(df.columns):
        return check_pwm(df[list("ACGT")].to_numpy())
    raise InputError(
        "`pwm` table needs columns position, base, probability (a PWM table) or A, C, G, T "
        f"(one row per position); it has {list(df.columns)}")


def _collection(database, collection, tax_group, release) -> MotifCollection:
    if database is None:
        return EMPTY
    if not isinstance(database, (str, os.PathLike)):
        raise ArgumentTypeError(
            f"`database` must be 'jaspar', a MEME-format file path or None, got "
            f"{type(database).__name__}")
    if isinstance(database, str) and database.lower() in DATABASES:
        return read_jaspar(release=release, collection=collection, tax_group=tax_group)
    if isinstance(database, str) and not os.path.exists(os.path.expanduser(database)):
        raise InputError(
            f"database = {database!r} is unknown: use 'jaspar' (JASPAR {JASPAR_COLLECTIONS[0]} "
            "via pyjaspar), the path of a MEME-format motif file, or None to match only "
            "`extra`")
    return read_meme(database)


def _tomtom(query: np.ndarray, targets: MotifCollection):
    try:
        from memelite import tomtom
    except ImportError:
        raise InputError("match_motifs needs memelite (Tomtom): `pip install "
                         "'memelite>=0.5,<0.6'`") from None
    with warnings.catch_warnings():
        # Our own warning below says what a small collection means for the p-values.
        warnings.simplefilter("ignore")
        p, score, offset, overlap, strand = tomtom(
            [query.T.copy()], [t.T.copy() for t in targets.pwms], reverse_complement=True)
    return p[0], score[0], offset[0], overlap[0], strand[0]


def match_motifs(pwm, *, database="jaspar", collection: str = "CORE",
                 tax_group: str | None = "vertebrates", release: str | None = None,
                 extra: Mapping | None = None, top: int | None = None) -> pd.DataFrame:
    """Known motifs most similar to ``pwm`` (Tomtom, both strands), best first.

    Parameters
    ----------
    pwm : array, DataFrame, str or MotifWindow
        The query: a matrix ``(width, 4)`` over ``A, C, G, T`` whose rows sum to 1, a PWM
        table (``position, base, probability`` of one restart, e.g.
        ``result.best_window(12).table()``, or columns ``A, C, G, T``), a consensus /
        IUPAC string, or a :class:`~deepg_interpret.results.MotifWindow`.
    database : "jaspar", path or None
        ``"jaspar"``: the JASPAR release shipped with ``pyjaspar``; a path: a MEME-format
        motif file; None: only ``extra``. Default is "jaspar".
    collection, tax_group, release
        JASPAR only: collection (default "CORE"), taxonomic group (default
        "vertebrates"; None for all) and release (default None: the newest shipped).
    extra : dict, optional
        The user's own motifs, ``{name: consensus string or PWM (w, 4)}``, compared
        together with the database (``source`` = "extra").
    top : int, optional
        Keep the best ``top`` rows. Default None: every motif.

    Returns
    -------
    pandas.DataFrame
        One row per motif, best (smallest p-value) first: ``motif_id, name, offset,
        strand, score, p_value, q_value, overlap, source``. ``strand`` is ``"+"`` for
        the motif as given and ``"-"`` for its reverse complement; ``offset``: query
        column ``i`` (0-based) faces motif column ``i + offset`` on that strand (so -2:
        the motif starts at the query's third base); ``score``: Tomtom's binned
        similarity (higher is closer); ``overlap``: aligned columns. Settings (database,
        release, query width, seconds) in ``attrs``.

    Examples
    --------
    >>> hits = match_motifs("AGATAAGA", database=None, extra={"gata": "AGATAAGA"})
    >>> list(hits.columns[:7])
    ['motif_id', 'name', 'offset', 'strand', 'score', 'p_value', 'q_value']
    """
    began = time.perf_counter()
    query = as_pwm(pwm)
    if top is not None:
        top = check_int(top, "top", 1)
    targets = _collection(database, collection, tax_group, release)
    if extra is not None:
        targets = targets + motifs_from_mapping(extra)
    if len(targets) == 0:
        raise InputError("nothing to compare with: database=None and no `extra` motifs; pass "
                         "database='jaspar', a MEME file, or extra={'name': 'ACGT...'}")
    if len(targets) < FEW_TARGETS:
        warnings.warn(
            f"only {len(targets)} motifs to compare with: Tomtom's null distribution is built "
            "from the collection's columns, so p-values from fewer than "
            f"{FEW_TARGETS} motifs are rough; rank by them, do not trust their size "
            "(add database='jaspar')", DeepGInterpretWarning, stacklevel=2)
    p, score, offset, overlap, strand = _tomtom(query, targets)
    p = np.clip(np.nan_to_num(p, nan=1.0), 0.0, 1.0)
    df = pd.DataFrame({
        "motif_id": list(targets.ids),
        "name": list(targets.names),
        "offset": offset.astype(np.int32),
        "strand": np.where(strand.astype(int) == 1, "-", "+"),
        "score": score.astype(np.float64),
        "p_value": p,
        "q_value": benjamini_hochberg(p),
        "overlap": overlap.astype(np.int32),
        "source": list(targets.sources),
    })
    # Ranked on keys float noise cannot reorder (core.decisions): p to 4 significant
    # digits, then the score on the grid of the best score; ties keep the collection's order.
    score_keys = decision_keys(df["score"].to_numpy(), decision_step(df["score"].to_numpy()))
    order = np.lexsort((np.arange(len(df)), -score_keys, relative_keys(df["p_value"].to_numpy())))
    df = df.iloc[order]
    if top is not None:
        df = df.head(top)
    is_jaspar = isinstance(database, str) and database.lower() in DATABASES
    settings = {"method": "match_motifs", "database": None if database is None
                else os.fspath(database), "collection": collection, "tax_group": tax_group,
                "release": (release or _newest_release()) if is_jaspar else None,
                "n_motifs": len(targets), "query_width": len(query),
                "query_consensus": "".join("ACGT"[i] for i in query.argmax(axis=1)),
                "seconds": time.perf_counter() - began}
    return r_friendly(df, settings)


def _newest_release() -> str:
    from ..io.motif_databases import jaspar_releases

    return jaspar_releases()[0]


__all__ = ["match_motifs", "as_pwm", "MATCH_COLUMNS"]
