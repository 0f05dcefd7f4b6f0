"""Gene annotations: Prokka GFF3 (with its ``##FASTA`` section) and ``.tsv``, generic GFF3, GTF.

Tables and interval arithmetic go through bioframe (pandas-based, pure Python, so it
installs beside numpy 1 and numpy 2): ``bioframe.read_table`` reads the nine GFF
columns, ``bioframe.merge`` / ``bioframe.complement`` give the non-coding gaps and
``bioframe.overlap`` relates windows or segments to genes. bioframe counts 0-based
half-open like BED; every table here is 1-based and closed like GFF, converted at
the boundary (``start - 1``).

The annotation table has one row per feature::

    seq_id, gene_id, name, product, type, start, end, strand, locus_tag, source

``df.attrs["sequence_lengths"]`` holds the contig lengths the file states
(``##sequence-region`` lines and the ``##FASTA`` section), used to check coordinates.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from ..dna.fasta import GZIP_MAGIC
from ..errors import ArgumentTypeError, DeepGInterpretWarning, InputError

ANNOTATION_COLUMNS = ("seq_id", "gene_id", "name", "product", "type", "start", "end", "strand",
                      "locus_tag", "source")
# Feature types Prokka writes for genes; generic files without them fall back to "gene".
DEFAULT_TYPES = ("CDS", "tRNA", "rRNA", "tmRNA", "ncRNA", "misc_RNA")
_GFF_FIELDS = 9
_STRANDS = ("+", "-", ".")
# Column names other tools use for the contig (R GenomicRanges: seqnames; bioframe: chrom).
_SEQ_ALIASES = ("seq_id", "seqnames", "seqid", "chrom", "contig", "seqname")
_ID_ALIASES = ("gene_id", "ID", "locus_tag", "Name")
_GTF_ATTR = re.compile(r'\s*([^\s;]+)\s+"?([^";]*)"?\s*;?')
# GTF attribute syntax: key "value"; (GFF3 writes key=value)
_GTF_SYNTAX = re.compile(r'^\s*[A-Za-z_][\w.]*\s+"[^"]*"\s*(;|$)')


def _looks_like_gtf(column: pd.Series) -> bool:
    """Attributes in GTF syntax (``gene_id "x"; transcript_id "y";``), none in GFF3's ``k=v``."""
    texts = [t for t in column.fillna("").astype(str) if t.strip() not in ("", ".")]
    return bool(texts) and not any("=" in t for t in texts) and any(
        _GTF_SYNTAX.match(t) for t in texts)


def _warn_repeated_ids(gene_id: pd.Series, what: str) -> None:
    """Warn naming ``gene_id`` values that several kept features share."""
    counts = gene_id.value_counts()
    repeated = counts[counts > 1]
    if not len(repeated):
        return
    shown = ", ".join(f"{name!r} ({k} times)" for name, k in repeated.head(5).items())
    more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
    warnings.warn(
        f"{what}: {len(repeated)} ID(s) are given to several features: {shown}{more}. Each "
        "line stays its own row, so gene tables get repeated gene_id rows. GFF3 allows this for "
        "one feature split over several lines (a spliced CDS); otherwise give every feature "
        "a unique ID= (or select the feature types with types=)",
        DeepGInterpretWarning, stacklevel=3,
    )


def _read_text(path: Path) -> str:
    import gzip
    import zlib

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"annotation file {str(path)!r} does not exist; give a GFF3/GTF path") from None
    except IsADirectoryError:
        raise InputError(f"annotation {str(path)!r} is a folder; give a GFF3/GTF file") from None
    try:
        if raw[:2] == GZIP_MAGIC:  # gzip by content, as read_fasta
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise InputError(f"annotation {str(path)!r} is gzip-compressed but truncated/corrupt; "
                         "download or compress it again") from None
    except UnicodeDecodeError:
        raise InputError(f"annotation {str(path)!r} is not text (GFF3/GTF expected)") from None


def _split_gff(text: str) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """Feature lines, ``##sequence-region`` lengths and the ``##FASTA`` records."""
    lines = text.splitlines()
    lengths: dict[str, int] = {}
    fasta: dict[str, str] = {}
    features: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("##FASTA"):
            name, parts = None, []
            for rec in lines[i + 1:] + [">"]:
                if rec.startswith(">"):
                    if name is not None:
                        fasta[name] = "".join(parts).upper()
                    name, parts = rec[1:].split(maxsplit=1)[0] if rec[1:].strip() else None, []
                else:
                    parts.append(rec.strip())
            break
        if line.startswith("##sequence-region"):
            fields = line.split()
            if len(fields) >= 4 and fields[3].isdigit():
                lengths[fields[1]] = int(fields[3])
        elif line.strip() and not line.startswith("#"):
            features.append(line)
    lengths.update({k: len(v) for k, v in fasta.items()})
    return features, lengths, fasta


def _parse_attributes(column: pd.Series, gtf: bool) -> list[dict[str, str]]:
    out = []
    for text in column.fillna(""):
        if gtf:
            out.append({k: v for k, v in _GTF_ATTR.findall(text)})
            continue
        pairs = {}
        for item in text.split(";"):
            key, sep, value = item.partition("=")
            if sep:
                # GFF3 percent-encodes ; = , & in values (Prokka: "%2C" in products).
                pairs[unquote(key.strip())] = unquote(value.strip())
        out.append(pairs)
    return out


def _pick(attrs: list[dict[str, str]], keys: tuple[str, ...]) -> list[str]:
    return [next((a[k] for k in keys if a.get(k)), "") for a in attrs]


def read_annotation(path, *, types="default", format: str | None = None,
                    prokka_tsv=None) -> pd.DataFrame:
    """Read a GFF3 (Prokka's included) or GTF annotation into one row per feature.

    Parameters
    ----------
    path : str or path
        ``.gff``/``.gff3``/``.gtf`` (gzip ok). Prokka's ``##FASTA`` section is read
        for the contig lengths (:func:`read_gff_sequences` returns the sequences).
    types : "default", None or sequence of str
        Feature types to keep. ``"default"``: Prokka's gene types (``CDS, tRNA, rRNA,
        tmRNA, ncRNA, misc_RNA``) or, when a file has none of them, its ``gene``
        features; None keeps every feature.
    format : {"gff3", "gtf"}, optional
        Default: from the suffix (``.gtf`` -> GTF), else GFF3. A GFF3 file whose
        attributes are in GTF syntax (``gene_id "x"; transcript_id "y";``, no
        ``key=value``) is parsed as GTF with a :class:`DeepGInterpretWarning`.
    prokka_tsv : str or path, optional
        Prokka's ``.tsv``: adds its ``ec_number`` and ``cog`` columns by ``locus_tag``.

    Returns
    -------
    pandas.DataFrame
        ``seq_id, gene_id, name, product, type, start, end, strand, locus_tag, source``
        (1-based closed; ``start``/``end`` int32), sorted by contig and start;
        ``attrs["sequence_lengths"]``: ``{seq_id: length}`` stated by the file.
        ``gene_id`` is the ``ID`` (else ``gene_id``, ``locus_tag``, ``transcript_id``,
        ``Name``) attribute; a feature without any (attributes ``.``) gets
        ``seq_id:start-end``, as in :func:`as_annotation`.

    Warns
    -----
    DeepGInterpretWarning
        When kept features share an ``ID`` (each line stays a row: repeated
        ``gene_id`` rows), naming the ids and their counts; when GTF attributes are
        found in a GFF3 file.

    Raises
    ------
    InputError
        A feature line without nine tab-separated columns, coordinates that are not
        whole numbers ``1 <= start <= end``, a strand other than ``+ - .``, or a
        feature beyond the length its contig is given in the file.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.gff")
    >>> _ = open(p, "w").write("##gff-version 3\\nc1\\tx\\tCDS\\t3\\t8\\t.\\t+\\t0\\tID=g1;Name=abc\\n")
    >>> read_annotation(p)[["gene_id", "name", "start", "end"]].values.tolist()
    [['g1', 'abc', 3, 8]]
    """
    import bioframe

    path = Path(path)
    if format is None:
        suffix = path.name.lower().removesuffix(".gz")
        if suffix.endswith(".tsv"):
            raise InputError(
                f"{path.name} looks like Prokka's .tsv, which has no coordinates; read the "
                "GFF (`read_annotation('x.gff', prokka_tsv='x.tsv')` adds the .tsv's columns)")
        format = "gtf" if suffix.endswith(".gtf") else "gff3"
    if format not in ("gff3", "gtf"):
        raise InputError(f"format = {format!r}; choose 'gff3' or 'gtf'")
    features, lengths, _ = _split_gff(_read_text(path))
    if not features:
        raise InputError(f"{path.name} has no feature lines (GFF3/GTF: 9 tab-separated columns)")
    n_fields = np.array([line.count("\t") + 1 for line in features])
    bad = np.flatnonzero(n_fields != _GFF_FIELDS)
    if bad.size:
        line = features[bad[0]]
        raise InputError(
            f"{path.name}: feature {bad[0] + 1} ({line[:60]!r}) has {n_fields[bad[0]]} "
            f"tab-separated columns; GFF3/GTF lines need {_GFF_FIELDS} (seqid, source, type, "
            "start, end, score, strand, phase, attributes)")
    raw = bioframe.read_table(io.StringIO("\n".join(features)), schema="gff", dtype=str,
                              keep_default_na=False, comment=None)
    for col in ("start", "end"):
        if not raw[col].str.fullmatch(r"\d+").all():
            i = int(np.flatnonzero(~raw[col].str.fullmatch(r"\d+"))[0])
            raise InputError(f"{path.name}: feature {i + 1} has {col} = {raw[col][i]!r}; "
                             "coordinates must be whole numbers >= 1")
    if format == "gff3" and _looks_like_gtf(raw["attributes"]):
        warnings.warn(
            f"{path.name} is read as GFF3 but its attributes are in GTF syntax "
            f"({next(t for t in raw['attributes'] if _GTF_SYNTAX.match(t))[:50]!r}: "
            "key \"value\"; instead of key=value); "
            "parsed them as GTF. Rename the file to .gtf (or pass format='gtf') to say so",
            DeepGInterpretWarning, stacklevel=2,
        )
        format = "gtf"
    attrs = _parse_attributes(raw["attributes"], gtf=format == "gtf")
    gene_id = _pick(attrs, ("ID", "gene_id", "locus_tag", "transcript_id", "Name"))
    # No id (attributes '.'): the documented fallback of as_annotation, seq_id:start-end.
    gene_id = [g if g else f"{c}:{a}-{b}"
               for g, c, a, b in zip(gene_id, raw["chrom"], raw["start"], raw["end"])]
    frame = pd.DataFrame({
        "seq_id": raw["chrom"].astype(str),
        "gene_id": gene_id,
        "name": _pick(attrs, ("Name", "gene", "gene_name")),
        "product": _pick(attrs, ("product", "description", "Note")),
        "type": raw["feature"].astype(str),
        "start": raw["start"].astype(np.int64),
        "end": raw["end"].astype(np.int64),
        "strand": raw["strand"].astype(str),
        "locus_tag": _pick(attrs, ("locus_tag",)),
        "source": raw["source"].astype(str),
    })
    frame = _select_types(frame, types)
    _warn_repeated_ids(frame["gene_id"], path.name)
    if prokka_tsv is not None:
        frame = _add_prokka_columns(frame, read_prokka_tsv(prokka_tsv))
    frame.attrs["sequence_lengths"] = lengths
    frame.attrs["path"] = str(path)
    return as_annotation(frame, sequence_lengths=lengths or None, what=path.name)


def _select_types(frame: pd.DataFrame, types) -> pd.DataFrame:
    if types is None:
        return frame
    if isinstance(types, str):
        if types == "default":
            kept = frame[frame["type"].isin(DEFAULT_TYPES)]
            return kept if len(kept) else frame[frame["type"] == "gene"]
        types = (types,)
    return frame[frame["type"].isin(list(types))]


def read_gff_sequences(path) -> dict[str, str]:
    """The sequences of a GFF's ``##FASTA`` section (Prokka appends one), ``{id: sequence}``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.gff")
    >>> _ = open(p, "w").write("c1\\tx\\tCDS\\t1\\t4\\t.\\t+\\t0\\tID=g\\n##FASTA\\n>c1\\nACGT\\n")
    >>> read_gff_sequences(p)
    {'c1': 'ACGT'}
    """
    return _split_gff(_read_text(Path(path)))[2]


def read_prokka_tsv(path) -> pd.DataFrame:
    """Prokka's ``.tsv``: ``locus_tag, type, length, name, ec_number, cog, product``.

    It has no coordinates: use it beside the GFF (``read_annotation(gff, prokka_tsv=)``).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(f"Prokka table {str(path)!r} does not exist") from None
    need = ("locus_tag", "ftype", "length_bp", "gene", "EC_number", "COG", "product")
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise InputError(f"{path.name} lacks Prokka .tsv columns {missing}; its header must be "
                         f"{', '.join(need)}")
    out = pd.DataFrame({"locus_tag": raw["locus_tag"], "type": raw["ftype"],
                        "length": pd.to_numeric(raw["length_bp"]).astype(np.int32),
                        "name": raw["gene"], "ec_number": raw["EC_number"], "cog": raw["COG"],
                        "product": raw["product"]})
    return out


def _add_prokka_columns(frame: pd.DataFrame, tsv: pd.DataFrame) -> pd.DataFrame:
    extra = tsv[["locus_tag", "ec_number", "cog"]].drop_duplicates("locus_tag")
    merged = frame.merge(extra, on="locus_tag", how="left")
    return merged.fillna({"ec_number": "", "cog": ""})


def as_annotation(annotation, *, sequence_lengths: dict | None = None, types=None,
                  what: str = "annotation") -> pd.DataFrame:
    """An annotation table from a path or a DataFrame, checked and in the standard columns.

    DataFrames may name the contig ``seq_id``, ``seqnames`` (R GenomicRanges),
    ``chrom`` or ``seqid``; ``strand`` ``*`` (GenomicRanges' unknown) becomes ``.``;
    missing ``gene_id`` / ``name`` / ``product`` / ``type`` are filled (ids from
    ``ID`` or ``locus_tag``, else ``seq_id:start-end``). With ``sequence_lengths``
    (``{seq_id: length}``) every contig must exist and every feature fit inside it.

    Examples
    --------
    >>> import pandas as pd
    >>> as_annotation(pd.DataFrame({"seqnames": ["c"], "start": [2], "end": [5],
    ...                             "strand": ["*"]}))[["gene_id", "strand"]].values.tolist()
    [['c:2-5', '.']]
    """
    if isinstance(annotation, (str, Path)):
        return as_annotation(read_annotation(annotation, types="default" if types is None
                                             else types),
                             sequence_lengths=sequence_lengths)
    if not isinstance(annotation, pd.DataFrame):
        raise ArgumentTypeError(
            f"{what} must be a GFF3/GTF path or a DataFrame (seq_id, start, end, strand, ...); "
            f"got {type(annotation).__name__}")
    df = annotation.copy()
    seq_col = next((c for c in _SEQ_ALIASES if c in df.columns), None)
    missing = [c for c, ok in (("seq_id", seq_col), ("start", "start" in df), ("end", "end" in df))
               if not ok]
    if missing:
        raise InputError(f"{what} lacks the column(s) {missing}; an annotation table needs "
                         "seq_id (or seqnames/chrom), start, end (1-based, closed) and "
                         f"optionally strand, gene_id, name, product, type; it has {list(df.columns)}")
    df = df.rename(columns={seq_col: "seq_id"}) if seq_col != "seq_id" else df
    df["seq_id"] = df["seq_id"].astype(str)
    for col in ("start", "end"):
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any() or (values != np.round(values)).any():
            i = int(np.flatnonzero(values.isna() | (values != np.round(values)))[0])
            raise InputError(f"{what}: row {i + 1} has {col} = {df[col].iloc[i]!r}; "
                             "coordinates must be whole numbers")
        df[col] = values.astype(np.int64)
    bad = np.flatnonzero((df["start"] < 1) | (df["end"] < df["start"]))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{what}: feature {i + 1} has start = {df['start'].iloc[i]}, end = "
                         f"{df['end'].iloc[i]}; features need 1 <= start <= end (1-based, closed)")
    strand = (df["strand"].astype(str).replace({"*": ".", "": ".", "?": "."})
              if "strand" in df else pd.Series(".", index=df.index))
    if not strand.isin(_STRANDS).all():
        i = int(np.flatnonzero(~strand.isin(_STRANDS))[0])
        raise InputError(f"{what}: feature {i + 1} has strand {strand.iloc[i]!r}; use +, - or .")
    df["strand"] = strand
    if "gene_id" not in df:
        fallback = df["seq_id"] + ":" + df["start"].astype(str) + "-" + df["end"].astype(str)
        ids = next((df[c].astype(str) for c in _ID_ALIASES[1:] if c in df), None)
        df["gene_id"] = fallback if ids is None else ids.where(ids != "", fallback)
    for col, default in (("name", ""), ("product", ""), ("type", "gene"), ("locus_tag", ""),
                         ("source", "")):
        df[col] = df[col].fillna(default).astype(str) if col in df else default
    if types is not None:
        df = _select_types(df, types)
    lengths = sequence_lengths if sequence_lengths is not None else annotation.attrs.get(
        "sequence_lengths") or None
    if lengths:
        check_annotation(df, lengths, what=what)
    extra = [c for c in df.columns if c not in ANNOTATION_COLUMNS]
    out = df[list(ANNOTATION_COLUMNS) + extra].sort_values(["seq_id", "start", "end"], kind="stable")
    out = out.reset_index(drop=True)
    out[["start", "end"]] = out[["start", "end"]].astype(np.int32)
    out.attrs = {"sequence_lengths": dict(lengths or {})}
    return out


def check_annotation(annotation: pd.DataFrame, sequence_lengths: dict, *,
                     what: str = "annotation") -> None:
    """Raise :class:`InputError` unless every feature lies on a known contig, inside it.

    ``sequence_lengths`` maps contig ids (the FASTA's) to their lengths.

    Examples
    --------
    >>> import pandas as pd
    >>> check_annotation(pd.DataFrame({"seq_id": ["c"], "start": [1], "end": [4]}), {"c": 4})
    """
    known = {str(k): int(v) for k, v in sequence_lengths.items()}
    ids = annotation["seq_id"].astype(str)
    unknown = sorted(set(ids) - set(known))
    if unknown:
        raise InputError(
            f"{what} names contig(s) {unknown[:5]} that the sequences do not have (they have "
            f"{sorted(known)[:5]}); the GFF seqid column must match the FASTA ids")
    limit = ids.map(known).to_numpy()
    beyond = np.flatnonzero(annotation["end"].to_numpy() > limit)
    if beyond.size:
        i = int(beyond[0])
        row = annotation.iloc[i]
        raise InputError(
            f"{what}: feature {row.get('gene_id', i + 1)} ends at {int(row['end'])}, beyond "
            f"contig {row['seq_id']} of length {limit[i]} ({beyond.size} feature(s) out of "
            "range); is the annotation for this sequence?")


def _to_bed(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"chrom": df["seq_id"].astype(str).to_numpy(),
                         "start": df["start"].to_numpy(np.int64) - 1,
                         "end": df["end"].to_numpy(np.int64)})


def noncoding_intervals(annotation: pd.DataFrame, sequence_lengths: dict, *,
                        min_length: int = 1) -> pd.DataFrame:
    """Gaps between features (``bioframe.merge`` then ``bioframe.complement``) as features.

    Returns the annotation columns with ``type = "noncoding"``, ``strand = "."`` and
    ``gene_id = "noncoding:<seq_id>:<start>-<end>"``; contigs without features are
    one gap. Gaps shorter than ``min_length`` are dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> ann = pd.DataFrame({"seq_id": ["c", "c"], "start": [3, 6], "end": [4, 7]})
    >>> noncoding_intervals(ann, {"c": 10})[["start", "end"]].values.tolist()
    [[1, 2], [5, 5], [8, 10]]
    """
    import bioframe

    view = pd.DataFrame({"chrom": [str(k) for k in sequence_lengths], "start": 0,
                         "end": [int(v) for v in sequence_lengths.values()]})
    view["name"] = view["chrom"]
    merged = bioframe.merge(_to_bed(annotation)) if len(annotation) else _to_bed(annotation)
    gaps = bioframe.complement(merged, view_df=view)
    gaps = gaps[(gaps["end"] - gaps["start"]) >= min_length]
    start = gaps["start"].to_numpy(np.int64) + 1
    end = gaps["end"].to_numpy(np.int64)
    seq = gaps["chrom"].astype(str).to_numpy()
    ids = [f"noncoding:{s}:{a}-{b}" for s, a, b in zip(seq, start, end)]
    out = pd.DataFrame({"seq_id": seq, "gene_id": ids, "name": "", "product": "",
                        "type": "noncoding", "start": start.astype(np.int32),
                        "end": end.astype(np.int32), "strand": ".", "locus_tag": "",
                        "source": "complement"})
    return out.sort_values(["seq_id", "start"], kind="stable").reset_index(drop=True)


def overlapping_features(intervals: pd.DataFrame, annotation: pd.DataFrame) -> pd.DataFrame:
    """Pairs of (interval, feature) that share at least one base (``bioframe.overlap``).

    ``intervals`` has ``seq_id, start, end`` (1-based closed: windows, occlusion or
    erasure segments); returns ``interval`` (0-based row of ``intervals``), ``gene_id``,
    ``overlap`` (shared bases).

    Examples
    --------
    >>> import pandas as pd
    >>> ann = pd.DataFrame({"seq_id": ["c"], "gene_id": ["g"], "start": [5], "end": [9]})
    >>> overlapping_features(pd.DataFrame({"seq_id": ["c"], "start": [8], "end": [20]}), ann)
       interval gene_id  overlap
    0         0       g        2
    """
    import bioframe

    left, right = _to_bed(intervals), _to_bed(annotation)
    pairs = bioframe.overlap(left, right, how="inner", return_index=True, return_input=False,
                             return_overlap=True, suffixes=("_1", "_2"))
    idx1 = pairs["index_1"].to_numpy(np.int64)
    idx2 = pairs["index_2"].to_numpy(np.int64)
    shared = (pairs["overlap_end"].to_numpy(np.int64) - pairs["overlap_start"].to_numpy(np.int64))
    out = pd.DataFrame({"interval": idx1.astype(np.int32),
                        "gene_id": annotation["gene_id"].to_numpy()[idx2].astype(str),
                        "overlap": shared.astype(np.int32)})
    return out.sort_values(["interval", "gene_id"], kind="stable").reset_index(drop=True)


__all__ = ["read_annotation", "read_gff_sequences", "read_prokka_tsv", "as_annotation",
           "check_annotation", "noncoding_intervals", "overlapping_features",
           "ANNOTATION_COLUMNS", "DEFAULT_TYPES"]
