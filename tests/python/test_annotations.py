"""Annotations: Prokka GFF3 (+ ##FASTA) and .tsv, generic GFF3/GTF, intervals, bad input.

Ground truth: the project's copy of a real Prokka annotation of 326 kb of E. coli
K-12 (304 CDS, 5 tRNA, 2 rRNA), checked against an independent plain-text parse of
the same file, and hand-written small files.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepg_interpret.errors import ArgumentTypeError, InputError
from deepg_interpret.io.annotations import (
    as_annotation,
    check_annotation,
    noncoding_intervals,
    overlapping_features,
    read_annotation,
    read_gff_sequences,
    read_prokka_tsv,
)

EXTDATA = Path(__file__).resolve().parents[2] / "inst" / "extdata"
GFF = EXTDATA / "ecoli_326kb.prokka.gff.gz"
TSV = EXTDATA / "ecoli_326kb.prokka.tsv"
GENOME_LENGTH = 326_620


@pytest.fixture(scope="module")
def ecoli():
    return read_annotation(GFF, prokka_tsv=TSV)


@pytest.fixture(scope="module")
def raw_features():
    """Independent parse: the feature lines before ##FASTA split on tabs."""
    rows = []
    for line in gzip.decompress(GFF.read_bytes()).decode().splitlines():
        if line.startswith("##FASTA"):
            break
        if line and not line.startswith("#"):
            f = line.split("\t")
            ident = dict(kv.split("=", 1) for kv in f[8].split(";"))["ID"]
            rows.append((ident, f[2], int(f[3]), int(f[4]), f[6], f[0]))
    return rows


def test_ecoli_counts_and_known_genes(ecoli):
    counts = ecoli["type"].value_counts().to_dict()
    assert counts == {"CDS": 304, "tRNA": 5, "rRNA": 2}
    thra = ecoli[ecoli["name"] == "thrA"].iloc[0]
    assert (thra["start"], thra["end"], thra["strand"]) == (337, 2799, "+")
    dnak = ecoli[ecoli["name"] == "dnaK"].iloc[0]
    assert (dnak["start"], dnak["end"]) == (12163, 14079)
    assert ecoli.attrs["sequence_lengths"] == {"U00096.3": GENOME_LENGTH}
    assert ecoli["start"].dtype == np.int32 and ecoli.index.equals(pd.RangeIndex(len(ecoli)))


def test_every_feature_appears_with_its_coordinates(ecoli, raw_features):
    assert len(raw_features) == 311
    got = {(r.gene_id, r.type, r.start, r.end, r.strand, r.seq_id)
           for r in ecoli.itertuples(index=False)}
    assert got == set(raw_features)


def test_percent_encoded_products_are_decoded(ecoli):
    raw = gzip.decompress(GFF.read_bytes()).decode()
    assert "%2C" in raw  # Prokka's encoded commas are in the file ...
    assert not ecoli["product"].str.contains("%2C").any()  # ... and decoded in the table
    assert ecoli["product"].str.contains(",").any()


def test_prokka_tsv_matches_gff(ecoli):
    tsv = read_prokka_tsv(TSV)
    merged = tsv.merge(ecoli, on="locus_tag", suffixes=("_tsv", ""))
    assert len(merged) == len(tsv) == 311
    assert (merged["length"] == merged["end"] - merged["start"] + 1).all()
    assert (merged["type_tsv"] == merged["type"]).all()
    assert (ecoli["ec_number"] != "").sum() == (tsv["ec_number"] != "").sum()


def test_fasta_section_is_the_genome():
    seqs = read_gff_sequences(GFF)
    assert list(seqs) == ["U00096.3"] and len(seqs["U00096.3"]) == GENOME_LENGTH
    ref = (Path(__file__).parent / "data" / "ecoli_20kb.fasta").read_text().split("\n", 1)[1]
    ref = ref.replace("\n", "")
    assert seqs["U00096.3"].startswith(ref[:20_000])


def test_noncoding_intervals_partition_the_genome(ecoli):
    gaps = noncoding_intervals(ecoli, ecoli.attrs["sequence_lengths"])
    covered = np.zeros(GENOME_LENGTH + 1, dtype=int)
    for s, e in zip(ecoli["start"], ecoli["end"]):
        covered[s:e + 1] = 1
    in_gap = np.zeros(GENOME_LENGTH + 1, dtype=int)
    for s, e in zip(gaps["start"], gaps["end"]):
        in_gap[s:e + 1] += 1
    # Every base is in exactly one of: a feature, a gap.
    assert (covered[1:] + in_gap[1:] == 1).all()
    assert (gaps["type"] == "noncoding").all() and (gaps["strand"] == ".").all()
    assert gaps.iloc[0][["start", "end"]].tolist() == [1, 336]


def test_overlapping_features_against_a_loop(ecoli):
    windows = pd.DataFrame({"seq_id": "U00096.3", "start": np.arange(1, 300_000, 7_001),
                            "end": np.arange(1, 300_000, 7_001) + 5_000})
    got = overlapping_features(windows, ecoli)
    expect = []
    for i, (ws, we) in enumerate(zip(windows["start"], windows["end"])):
        for gid, gs, ge in zip(ecoli["gene_id"], ecoli["start"], ecoli["end"]):
            shared = min(we, ge) - max(ws, gs) + 1
            if shared > 0:
                expect.append((i, gid, shared))
    assert sorted(map(tuple, got.values.tolist())) == sorted(expect)


def test_gtf_and_generic_gff(tmp_path):
    gtf = tmp_path / "a.gtf"
    gtf.write_text('c1\tsrc\tgene\t5\t50\t.\t-\t.\tgene_id "g1"; gene_name "abcD";\n'
                   'c1\tsrc\tgene\t60\t90\t.\t+\t.\tgene_id "g2";\n')
    ann = read_annotation(gtf)
    assert ann[["gene_id", "name", "start", "end", "strand"]].values.tolist() == [
        ["g1", "abcD", 5, 50, "-"], ["g2", "", 60, 90, "+"]]
    gff = tmp_path / "b.gff3"
    gff.write_text("##gff-version 3\nc1\tsrc\tregion\t1\t100\t.\t+\t.\tID=r\n"
                   "c1\tsrc\tgene\t10\t20\t.\t+\t.\tID=gene1;Name=x\n"
                   "c1\tsrc\tCDS\t10\t20\t.\t+\t0\tID=cds1;Parent=gene1;product=a%3Bb\n")
    assert read_annotation(gff)["gene_id"].tolist() == ["cds1"]  # Prokka-like types first
    assert read_annotation(gff)["product"].tolist() == ["a;b"]
    assert read_annotation(gff, types=["gene"])["gene_id"].tolist() == ["gene1"]
    assert len(read_annotation(gff, types=None)) == 3


def test_granges_like_frame():
    # What R's as.data.frame(GRanges) gives: seqnames, start, end, width, strand "*".
    df = pd.DataFrame({"seqnames": pd.Categorical(["c", "c"]), "start": [1, 10],
                       "end": [5, 12], "width": [5, 3], "strand": ["*", "-"],
                       "gene_id": ["a", "b"]})
    ann = as_annotation(df)
    assert ann[["seq_id", "gene_id", "strand", "type"]].values.tolist() == [
        ["c", "a", ".", "gene"], ["c", "b", "-", "gene"]]
    assert "width" in ann.columns  # extra columns kept


# --------------------------------------------------------------------------- bad input
def _gff(tmp_path, body: str) -> Path:
    p = tmp_path / "bad.gff"
    p.write_text("##gff-version 3\n" + body)
    return p


@pytest.mark.parametrize("body, message", [
    ("c1\tsrc\tCDS\t5\t50\t.\t+\tID=g1\n", "8 tab-separated columns"),
    ("c1\tsrc\tCDS\tfive\t50\t.\t+\t0\tID=g1\n", "start = 'five'"),
    ("c1\tsrc\tCDS\t50\t5\t.\t+\t0\tID=g1\n", "1 <= start <= end"),
    ("c1\tsrc\tCDS\t5\t50\t.\tx\t0\tID=g1\n", "strand 'x'"),
    ("##sequence-region c1 1 40\nc1\tsrc\tCDS\t5\t50\t.\t+\t0\tID=g1\n", "beyond contig c1"),
    ("", "no feature lines"),
])
def test_bad_gff_is_a_clear_error(tmp_path, body, message):
    with pytest.raises(InputError, match=message):
        read_annotation(_gff(tmp_path, body))


def test_contig_names_and_lengths_against_the_fasta(ecoli):
    with pytest.raises(InputError, match=r"contig\(s\) \['U00096.3'\].*must match the FASTA"):
        check_annotation(ecoli, {"chr1": GENOME_LENGTH})
    with pytest.raises(InputError, match="beyond contig U00096.3 of length 100000"):
        check_annotation(ecoli, {"U00096.3": 100_000})


def test_other_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="has no coordinates"):
        read_annotation(TSV)
    with pytest.raises(InputError, match="does not exist"):
        read_annotation(tmp_path / "missing.gff")
    with pytest.raises(InputError, match=r"lacks the column\(s\) \['end'\]"):
        as_annotation(pd.DataFrame({"seq_id": ["c"], "start": [1]}))
    with pytest.raises(ArgumentTypeError, match="GFF3/GTF path or a DataFrame"):
        as_annotation(42)
    (tmp_path / "x.tsv").write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match="lacks Prokka .tsv columns"):
        read_prokka_tsv(tmp_path / "x.tsv")
