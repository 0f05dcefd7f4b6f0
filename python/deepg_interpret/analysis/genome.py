"""Whole genomes end to end: FASTA + annotation + model -> gene table; genome-browser tracks.

:func:`explain_genome` scores a genome with any registered per-base method (window by
window when the genome is longer than the model's maxlen, stitched back into genome
coordinates, overlapping windows averaged), then aggregates per gene and per
non-coding gap (:func:`deepg_interpret.methods.genes.gene_scores`). :func:`write_bedgraph`
writes per-locus (optionally smoothed) scores for IGV and other browsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import check_choice, check_int
from ..core.summaries import rolling_mean
from ..dna.fasta import read_fasta
from ..errors import ArgumentTypeError, InputError
from ..io.annotations import as_annotation, check_annotation, read_gff_sequences
from ..io.files import SAFE_NAME, atomic_write
from ..methods.genes import check_one_row_per_locus, gene_scores, locus_index
from ..methods.gradients import STRANDS
from ..methods.registry import get_method
from ..results.tables import r_friendly

# "stranded": forward and reverse-complement runs kept apart, each gene scored on its own
# strand (the reverse run, mapped back, reads minus-strand genes in their sense).
GENOME_STRANDS = STRANDS + ("stranded",)
_BEDGRAPH_FIX = ("write one track per sample with by='sample_id' (or by= another column that "
                 "tells the tracks apart), or pass one row per position")


def stranded_per_locus(forward: pd.DataFrame, reverse: pd.DataFrame) -> pd.DataFrame:
    """Stack the per-locus tables of a forward and a reverse run with a ``strand`` column.

    ``reverse`` is the table of ``strand="reverse"`` (already in forward coordinates);
    rows get ``strand = "+"`` and ``"-"``, which :func:`gene_scores` uses to score each
    gene on its own strand.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"seq_id": ["c"], "position": [1], "score_sum": [1.0]})
    >>> stranded_per_locus(f, f.assign(score_sum=2.0))["strand"].tolist()
    ['+', '-']
    """
    both = pd.concat([forward.assign(strand="+"), reverse.assign(strand="-")], ignore_index=True)
    return r_friendly(both, {**forward.attrs, "strand": "stranded"})


@dataclass
class GenomeExplanation:
    """What :func:`explain_genome` returns.

    Attributes
    ----------
    genes : pandas.DataFrame
        One row per feature and non-coding gap (see :func:`gene_scores`).
    per_locus : pandas.DataFrame
        Stitched per-locus scores (``strand`` column for ``strand="stranded"``).
    results : list
        The method's result object(s) (one, or forward and reverse for "stranded").
    settings : dict
    """

    genes: pd.DataFrame
    per_locus: pd.DataFrame
    results: list
    settings: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"genes": self.genes, "per_locus": self.per_locus}

    def to_frame(self) -> pd.DataFrame:
        return self.genes


def _genome_sequences(fasta, annotation) -> dict[str, str] | object:
    if fasta is None:
        if isinstance(annotation, (str, Path)):
            found = read_gff_sequences(annotation)
            if found:
                return found
        raise InputError("fasta is None and the annotation has no ##FASTA section; pass the "
                         "genome FASTA")
    if isinstance(fasta, (str, Path)) and Path(str(fasta)).exists():
        return dict(read_fasta(fasta, check_ids=True))
    if isinstance(fasta, dict):
        return {str(k): v for k, v in fasta.items()}
    if isinstance(fasta, str) and set(fasta.upper()) <= set("ACGTN"):
        return {"seq_1": fasta}
    raise ArgumentTypeError("fasta must be a FASTA path, a {id: sequence} dict or one DNA "
                            f"string; got {type(fasta).__name__}")


def explain_genome(model, fasta, annotation, *, target, method: str = "integrated_gradients",
                   window_step: int | None = None, strand: str = "forward",
                   score: str = "score_sum", smooth: int | None = None,
                   rank_by: str = "score_mean", noncoding: bool = True, types="default",
                   memory_budget=None, batch_size=None, progress: bool = True,
                   **method_options) -> GenomeExplanation:
    """Explain a model on a whole genome and score every gene: one call from FASTA + GFF.

    Parameters
    ----------
    model : keras model, path or ModelAdapter
    fasta : str, path, dict or None
        The genome (one or more contigs). None: the annotation's ``##FASTA`` section
        (Prokka's GFF carries one).
    annotation : str, path or pandas.DataFrame
        GFF3/GTF path or annotation table; contig names must match the FASTA ids.
    target : int or str
        Output explained.
    method : str
        A registered per-base method (default ``"integrated_gradients"``).
    window_step : int, optional
        Contigs longer than the model's maxlen are cut into windows ``window_step``
        apart and stitched (overlaps averaged). Default: ``maxlen`` (no overlap) when
        needed; models with an open length (maxlen None) take whole contigs.
    strand : {"forward", "reverse", "both", "stranded"}
        Passed to the gradient methods; ``"stranded"`` runs forward and reverse apart and
        scores each gene on its own strand (gaps on the mean). Default ``"forward"``.
    score, smooth, rank_by, noncoding, types
        See :func:`gene_scores`.
    memory_budget, batch_size, progress
        Passed to the method.
    **method_options
        The method's own arguments (``steps``, ``baseline``, ``output``, ``class_names``,
        ``maxlen``, ...).

    Returns
    -------
    GenomeExplanation
        ``.genes`` (gene table), ``.per_locus``, ``.results``.

    Examples
    --------
    >>> import keras, pandas as pd
    >>> m = keras.Sequential([keras.Input((None, 4)), keras.layers.Conv1D(2, 3),
    ...                       keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    >>> ann = pd.DataFrame({"seq_id": ["chr"], "gene_id": ["g1"], "start": [5], "end": [20],
    ...                     "strand": ["+"]})
    >>> out = explain_genome(m, {"chr": "ACGT" * 10}, ann, target=0, steps=5, progress=False)
    >>> out.genes[["gene_id", "start", "end"]].values.tolist()
    [['noncoding:chr:1-4', 1, 4], ['g1', 5, 20], ['noncoding:chr:21-40', 21, 40]]
    """
    from ..model.adapter import load_model

    strand = check_choice(strand, "strand", GENOME_STRANDS)
    spec = get_method(method)
    has_strand = any(o.name == "strand" for o in spec.options)
    if strand != "forward" and not has_strand:
        raise InputError(f"method {method!r} has no strand option; use strand='forward' or a "
                         "gradient method (integrated_gradients, saliency, gradient_x_input)")
    sequences = _genome_sequences(fasta, annotation)
    lengths = {k: len(v) for k, v in sequences.items()}
    ann = as_annotation(annotation, types=None if isinstance(annotation, pd.DataFrame) else types)
    # Before any model work: contig names and coordinates against the FASTA.
    check_annotation(ann, lengths, what="annotation (against the FASTA)")
    adapter = model if hasattr(model, "item_shape") else load_model(model)
    maxlen = method_options.get("maxlen")
    model_len = adapter.item_shape[-2]
    if maxlen is None and model_len is not None:
        maxlen = int(np.prod(adapter.item_shape[:-1]))
    if window_step is None and maxlen is not None and max(lengths.values()) > maxlen:
        window_step = maxlen
    if window_step is not None:
        window_step = check_int(window_step, "window_step", 1)
        method_options.setdefault("maxlen", maxlen)
    runs = ("forward", "reverse") if strand == "stranded" else (strand,)
    results, tables = [], []
    for one in runs:
        kwargs = dict(method_options)
        if has_strand:
            kwargs["strand"] = one
        result = spec.run(adapter, sequences, target=target, window_step=window_step,
                          memory_budget=memory_budget, batch_size=batch_size,
                          progress=progress, **kwargs)
        results.append(result)
        tables.append(result.per_locus_table())
    per_locus = tables[0] if len(tables) == 1 else stranded_per_locus(*tables)
    genes = gene_scores(per_locus, ann, score=score, rank_by=rank_by, smooth=smooth,
                        noncoding=noncoding, sequence_lengths=lengths)
    settings = {**results[0].settings, "window_step": window_step, "strand": strand,
                "gene_score": score, "smooth": smooth}
    genes.attrs.update({k: v for k, v in settings.items() if isinstance(v, (str, int, float))})
    return GenomeExplanation(genes=genes, per_locus=per_locus, results=results, settings=settings)


def bedgraph_frame(per_locus: pd.DataFrame, *, score: str = "score_sum",
                   smooth: int | None = None) -> pd.DataFrame:
    """bedGraph rows ``chrom, start, end, value`` (0-based half-open), equal runs merged.

    ``smooth`` applies :func:`deepg_interpret.core.summaries.rolling_mean` per contig first.
    Positions without a score (NaN) are left out. Repeated ``(seq_id, position)`` rows
    (several samples or strands in one table) raise :class:`InputError`
    (:func:`deepg_interpret.methods.genes.check_one_row_per_locus`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"seq_id": "c", "position": [1, 2, 3], "score_sum": [1.0, 1.0, 2.0]})
    >>> bedgraph_frame(t).values.tolist()
    [['c', 0, 2, 1.0], ['c', 2, 3, 2.0]]
    """
    for col in ("seq_id", "position", score):
        if col not in per_locus.columns:
            raise InputError(f"per_locus lacks column {col!r}; it has {list(per_locus.columns)}")
    if "strand" in per_locus.columns:
        raise InputError("per_locus has a strand column; write one strand at a time "
                         "(per_locus[per_locus.strand == '+'])")
    if smooth is not None:
        smooth = check_int(smooth, "smooth", 1)
    if len(per_locus):
        last = per_locus.groupby(per_locus["seq_id"].astype(str), sort=False)["position"].max()
        lengths = {str(k): int(v) for k, v in last.items()}
        index, _ = locus_index(per_locus, lengths)
        check_one_row_per_locus(per_locus, index, int(sum(lengths.values())), fix=_BEDGRAPH_FIX)
    parts = []
    for seq_id, rows in per_locus.groupby(per_locus["seq_id"].astype(str), sort=False):
        rows = rows.sort_values("position")
        pos = rows["position"].to_numpy(np.int64)
        values = rows[score].to_numpy(np.float64)
        if smooth is not None:
            values = rolling_mean(values, smooth)
        keep = np.isfinite(values)
        pos, values = pos[keep], values[keep]
        if not pos.size:
            continue
        # A new run starts where the value changes or a position is skipped.
        new = np.ones(pos.size, dtype=bool)
        new[1:] = (values[1:] != values[:-1]) | (pos[1:] != pos[:-1] + 1)
        first = np.flatnonzero(new)
        last = np.append(first[1:], pos.size) - 1
        parts.append(pd.DataFrame({"chrom": seq_id, "start": pos[first] - 1, "end": pos[last],
                                   "value": values[first]}))
    if not parts:
        return pd.DataFrame({"chrom": [], "start": [], "end": [], "value": []})
    return pd.concat(parts, ignore_index=True)


def _bedgraph_writer(frame: pd.DataFrame, name: str):
    header = f'track type=bedGraph name="{name}" description="deepg-interpret {name}"\n'

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="\n") as handle:
            handle.write(header)
            frame.to_csv(handle, sep="\t", header=False, index=False, float_format="%.6g")

    return write


def bedgraph_paths(path, values) -> dict[str, Path]:
    """The file of each track of ``write_bedgraph(by=)``: ``<stem>.<value><suffix>``.

    The value goes before the path's last suffix (``tracks/ig.bedgraph`` and sample
    ``g1``: ``tracks/ig.g1.bedgraph``; no suffix: ``<name>.<value>``).

    Examples
    --------
    >>> {k: str(v) for k, v in bedgraph_paths("tracks/ig.bedgraph", ["g1", "g2"]).items()}
    {'g1': 'tracks/ig.g1.bedgraph', 'g2': 'tracks/ig.g2.bedgraph'}
    """
    path = Path(path)
    suffix = path.suffix
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return {str(v): path.with_name(f"{stem}.{v}{suffix}") for v in values}


def write_bedgraph(per_locus: pd.DataFrame, path, *, score: str = "score_sum",
                   smooth: int | None = None, track_name: str | None = None,
                   by: str | None = None):
    """Write per-locus scores as a bedGraph track (IGV, UCSC), atomically.

    Parameters
    ----------
    per_locus : pandas.DataFrame
        ``seq_id, position`` and ``score``, one row per position (repeated
        ``(seq_id, position)`` rows raise :class:`InputError`: pass ``by=``).
    path : str or path
        Output ``.bedgraph`` / ``.bedGraph`` / ``.bg`` file; with ``by``, the pattern
        of the files' names (see ``by``).
    score : str
        Column written. Default ``"score_sum"``.
    smooth : int, optional
        Rolling mean of ``k`` loci first (the poster: 50).
    track_name : str, optional
        ``track`` line name. Default: the score (and ``_k<smooth>``); with ``by``,
        the value in front (``"g1 score_sum"``).
    by : str, optional
        Column that tells tracks apart, e.g. ``"sample_id"`` for a batch run's
        :func:`~deepg_interpret.read_batch` table (samples whose contigs share names):
        one file per value, named ``<stem>.<value><suffix>`` from ``path``
        (``tracks/ig.bedgraph`` -> ``tracks/ig.g1.bedgraph``, ``tracks/ig.g2.bedgraph``;
        :func:`bedgraph_paths`), in order of first appearance. The files are committed
        as one set (:func:`~deepg_interpret.io.file_sets.write_file_set`: all appear or
        none changes; the set's manifest ``<first file>.manifest.json`` lies beside
        them). Values must be non-empty and use letters, digits and ``. _ + -`` only.
        Default None: one track.

    Returns
    -------
    pathlib.Path, or dict of str to pathlib.Path
        The file; with ``by``, ``{value: file}``.

    Raises
    ------
    InputError
        Missing columns, repeated ``(seq_id, position)`` rows within a track, a
        missing ``by`` column, or a ``by`` value that cannot name a file.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> t = pd.DataFrame({"seq_id": "c", "position": [1, 2], "score_sum": [0.5, 1.0]})
    >>> p = write_bedgraph(t, os.path.join(tempfile.mkdtemp(), "x.bedgraph"))
    >>> p.read_text().splitlines()[1]
    'c\\t0\\t1\\t0.5'
    >>> two = pd.concat([t.assign(sample_id="g1"), t.assign(sample_id="g2")])
    >>> files = write_bedgraph(two, os.path.join(tempfile.mkdtemp(), "x.bedgraph"),
    ...                        by="sample_id")
    >>> sorted(f.name for f in files.values())
    ['x.g1.bedgraph', 'x.g2.bedgraph']
    """
    name = track_name or (score + (f"_k{smooth}" if smooth else ""))
    if by is None:
        frame = bedgraph_frame(per_locus, score=score, smooth=smooth)
        return atomic_write(path, _bedgraph_writer(frame, name))
    if not isinstance(by, str) or by not in getattr(per_locus, "columns", ()):
        raise InputError(f"by = {by!r} is not a column of per_locus (it has "
                         f"{list(getattr(per_locus, 'columns', []))}); pass the column that "
                         "tells the tracks apart, e.g. by='sample_id'")
    if per_locus[by].isna().any():
        raise InputError(f"column {by!r} has missing values; every row needs its track's name")
    keys = per_locus[by].astype(str)
    bad = [v for v in dict.fromkeys(keys) if not SAFE_NAME.fullmatch(v)]
    if bad:
        raise InputError(f"{by} values {bad[:5]} cannot be part of a file name; use letters, "
                         "digits and . _ + - only (e.g. 'GCF_000009045.1')")
    if keys.empty:
        raise InputError(f"per_locus has no rows, so by = {by!r} gives no track to write")
    paths = bedgraph_paths(path, dict.fromkeys(keys))
    writers = {}
    for value, rows in per_locus.groupby(keys, sort=False):
        frame = bedgraph_frame(rows, score=score, smooth=smooth)
        writers[paths[value]] = _bedgraph_writer(frame, f"{value} {name}")
    from ..io.file_sets import write_file_set

    write_file_set(writers, metadata={"function": "write_bedgraph", "by": by, "score": score,
                                      "smooth": smooth, "tracks": list(paths)})
    return paths


# --------------------------------------------------------------------------- command line
def _cmd_genes(args) -> int:
    from ..io.file_sets import check_replaceable, write_file_set
    from ..io.files import check_output_paths
    from ..model.adapter import load_model
    from ..results.tables import write_table

    outputs = [Path(args.out)] + ([Path(args.per_locus)] if args.per_locus else [])
    check_output_paths(outputs, tables=True)  # before the model work, not after
    if args.bedgraph:
        check_output_paths([args.bedgraph, *outputs])
    check_replaceable(outputs + ([Path(args.bedgraph)] if args.bedgraph else []),
                      overwrite=args.overwrite)
    class_names = [c.strip() for c in args.class_names.split(",")] if args.class_names else None
    model = load_model(args.model, output=args.output, class_names=class_names)
    try:
        target = int(args.target)
    except ValueError:
        target = args.target
    options = {"steps": args.steps} if args.method == "integrated_gradients" else {}
    run = explain_genome(model, args.fasta, args.gff, target=target, method=args.method,
                         window_step=args.window_step, strand=args.strand, smooth=args.smooth,
                         memory_budget=args.memory_budget, progress=not args.quiet, **options)
    frames = {outputs[0]: run.genes}
    if args.per_locus:
        frames[outputs[1]] = run.per_locus
    writers = {path: (lambda tmp, df=df, path=path: write_table(df, tmp, format_of=path))
               for path, df in frames.items()}
    if args.bedgraph:  # one set with the tables: all files appear together or none
        track = run.per_locus
        if "strand" in track.columns:
            track = track[track["strand"] == "+"]
        writers[Path(args.bedgraph)] = lambda tmp: write_bedgraph(track, tmp, smooth=args.smooth)
    written = write_file_set(
        writers, metadata={"command": "genes",
                           "arguments": {k: v for k, v in vars(args).items() if k != "func"}})
    if not args.quiet:
        print(f"{len(run.genes)} features; wrote {', '.join(map(str, frames))}"
              + (f" and {args.bedgraph}" if args.bedgraph else "")
              + f" (run {written.run_id})")
    return 0


def add_genes_parser(sub) -> None:
    """The ``genes`` sub-command of ``deepg-interpret`` (FASTA + GFF + model -> gene table)."""
    p = sub.add_parser("genes", help="score every gene of a genome (FASTA + GFF + model)",
                       description="Explain a model on a whole genome and aggregate per gene "
                                   "and per non-coding gap (deepg_interpret.explain_genome).")
    p.add_argument("--model", required=True, help="checkpoint (.h5/.hdf5/.keras)")
    p.add_argument("--fasta", help="genome FASTA (default: the GFF's ##FASTA section)")
    p.add_argument("--gff", required=True, help="GFF3/GTF annotation (Prokka's works)")
    p.add_argument("--target", required=True, help="0-based output index or class name")
    p.add_argument("--class-names", help="comma-separated output names")
    p.add_argument("--method", default="integrated_gradients",
                   help="registered per-base method (default integrated_gradients)")
    p.add_argument("--steps", type=int, default=50, help="IG steps (default 50)")
    p.add_argument("--window-step", type=int, help="window step for genomes longer than maxlen")
    p.add_argument("--strand", default="forward", choices=GENOME_STRANDS)
    p.add_argument("--smooth", type=int, help="rolling mean width before aggregation (e.g. 50)")
    p.add_argument("--output", default="probability", choices=("probability", "logit"))
    p.add_argument("--memory-budget", default=None, help="per batch, e.g. 512M or 2G")
    p.add_argument("--per-locus", help="also write the per-locus table here")
    p.add_argument("--bedgraph", help="also write a bedGraph track here")
    p.add_argument("--out", required=True, help="gene table: .parquet, .csv or .tsv (.gz ok)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace output files that deepg-interpret did not write")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_genes)


__all__ = ["explain_genome", "GenomeExplanation", "stranded_per_locus", "write_bedgraph",
           "bedgraph_frame", "bedgraph_paths", "add_genes_parser", "GENOME_STRANDS"]
