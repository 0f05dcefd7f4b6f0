"""Gene tables, gene-set tests and bedGraph tracks.

Ground truth: per-gene statistics recomputed by plain loops over the per-locus
scores (on the real E. coli annotation), hand-computed quantiles and q-values, and
a score that grows with gene length (the rank test is fooled, the length-keeping
null is not).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import gene_scores, gene_set_test, write_bedgraph
from deepg_interpret.analysis.genome import stranded_per_locus
from deepg_interpret.core.summaries import benjamini_hochberg, rolling_mean
from deepg_interpret.errors import ArgumentTypeError, InputError
from deepg_interpret.io.annotations import read_annotation
from deepg_interpret.methods.genes import GENE_COLUMNS, SET_TEST_COLUMNS

EXTDATA = Path(__file__).resolve().parents[2] / "inst" / "extdata"
GFF = EXTDATA / "ecoli_326kb.prokka.gff.gz"
L = 326_620
SEQ = "U00096.3"


@pytest.fixture(scope="module")
def ecoli():
    return read_annotation(GFF)


@pytest.fixture(scope="module")
def per_locus():
    rng = np.random.default_rng(7)
    return pd.DataFrame({"seq_id": SEQ, "position": np.arange(1, L + 1, dtype=np.int32),
                         "score_sum": rng.normal(size=L), "score_abs_sum": rng.random(L)})


@pytest.fixture(scope="module")
def genes(per_locus, ecoli):
    return gene_scores(per_locus, ecoli)


def _loop_stats(values: np.ndarray, start: int, end: int):
    part = values[start - 1:end]
    total = 0.0
    for v in part:  # deliberately a plain loop: independent of the cumulative sums
        total += v
    return total, total / len(part), max(part), sum(abs(v) for v in part) / len(part)


def test_every_feature_with_its_coordinates(genes, ecoli):
    assert list(genes.columns[:len(GENE_COLUMNS)]) == list(GENE_COLUMNS)
    coding = genes[genes["type"] != "noncoding"]
    assert coding["type"].value_counts().to_dict() == {"CDS": 304, "tRNA": 5, "rRNA": 2}
    assert (set(zip(coding["gene_id"], coding["start"], coding["end"], coding["strand"]))
            == set(zip(ecoli["gene_id"], ecoli["start"], ecoli["end"], ecoli["strand"])))
    assert genes["start"].dtype == np.int32 and genes["n_loci"].dtype == np.int32
    # Features plus gaps cover the genome: lengths of the gaps + union of features = L.
    gaps = genes[genes["type"] == "noncoding"]
    covered = np.zeros(L + 1, bool)
    for s, e in zip(coding["start"], coding["end"]):
        covered[s:e + 1] = True
    assert gaps["length"].sum() + covered.sum() == L


def test_per_gene_statistics_equal_a_plain_loop(genes, per_locus):
    values = per_locus["score_sum"].to_numpy()
    rows = genes.sample(60, random_state=0)  # a loop over all 570 is slow in pure Python
    for row in rows.itertuples(index=False):
        total, mean, top, abs_mean = _loop_stats(values, row.start, row.end)
        assert row.score_sum == pytest.approx(total, rel=1e-9, abs=1e-9)
        assert row.score_mean == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert row.score_max == top
        assert row.score_abs_mean == pytest.approx(abs_mean, rel=1e-9)
        assert row.n_loci == row.end - row.start + 1
    # quantile: share of all rows whose score_mean is <= this row's.
    means = genes["score_mean"].to_numpy()
    for row in rows.itertuples(index=False):
        assert row.quantile == pytest.approx(np.mean(means <= row.score_mean))


def test_other_score_column_rank_and_smoothing(per_locus, ecoli):
    out = gene_scores(per_locus, ecoli, score="score_abs_sum", rank_by="score_sum", smooth=50)
    smoothed = rolling_mean(per_locus["score_abs_sum"].to_numpy(), 50)
    for row in out.sample(20, random_state=1).itertuples(index=False):
        assert row.score_sum == pytest.approx(smoothed[row.start - 1:row.end].sum(), rel=1e-9)
    top = out.loc[out["score_sum"].idxmax()]
    assert top["quantile"] == 1.0
    assert out.attrs["smooth"] == 50 and out.attrs["score"] == "score_abs_sum"


def test_strand_aware_scores():
    pos = np.arange(1, 21)
    fwd = pd.DataFrame({"seq_id": "c", "position": pos, "score_sum": np.full(20, 1.0)})
    rev = fwd.assign(score_sum=np.full(20, 3.0))
    ann = pd.DataFrame({"seq_id": "c", "gene_id": ["p", "m", "u"], "start": [1, 6, 11],
                        "end": [5, 10, 15], "strand": ["+", "-", "."]})
    out = gene_scores(stranded_per_locus(fwd, rev), ann).set_index("gene_id")
    assert out.loc["p", "score_mean"] == 1.0    # forward scores for a + gene
    assert out.loc["m", "score_mean"] == 3.0    # reverse scores for a - gene
    assert out.loc["u", "score_mean"] == 2.0    # both strands averaged for '.'
    assert out.loc["noncoding:c:16-20", "score_sum"] == 10.0


def test_missing_loci_are_skipped_not_zero():
    loci = pd.DataFrame({"seq_id": "c", "position": [1, 2, 4], "score_sum": [1.0, 3.0, 5.0]})
    ann = pd.DataFrame({"seq_id": ["c"], "start": [1], "end": [4]})
    row = gene_scores(loci, ann, noncoding=False).iloc[0]
    assert (row["score_sum"], row["score_mean"], row["n_loci"]) == (9.0, 3.0, 3)


def test_aggregation_is_fast_for_10k_genes():
    rng = np.random.default_rng(0)
    n_bp, n_genes = 1_000_000, 10_000
    loci = pd.DataFrame({"seq_id": "g", "position": np.arange(1, n_bp + 1),
                         "score_sum": rng.normal(size=n_bp)})
    starts = np.sort(rng.choice(n_bp - 2_000, n_genes, replace=False)) + 1
    ann = pd.DataFrame({"seq_id": "g", "start": starts,
                        "end": starts + rng.integers(100, 1_500, n_genes),
                        "strand": rng.choice(["+", "-"], n_genes)})
    gene_scores(loci, ann)  # warm-up (imports)
    # CPU time of this process: other jobs on a shared machine barely move it.
    best = min(_cpu_seconds(lambda: gene_scores(loci, ann)) for _ in range(2))
    assert best < 1.0, f"10k genes on 1 Mbp took {best:.2f} CPU s"


def _cpu_seconds(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def test_gene_scores_errors(per_locus, ecoli):
    with pytest.raises(InputError, match=r"contig\(s\) \['U00096.3'\]"):
        gene_scores(per_locus.assign(seq_id="chr1"), ecoli)
    with pytest.raises(InputError, match="beyond contig U00096.3 of length 1000"):
        gene_scores(per_locus.iloc[:1000], ecoli)
    with pytest.raises(InputError, match=r"lacks column\(s\) \['ig'\]"):
        gene_scores(per_locus, ecoli, score="ig")
    with pytest.raises(InputError, match="rank_by"):
        gene_scores(per_locus, ecoli, rank_by="median")
    with pytest.raises(ArgumentTypeError, match="per-locus DataFrame"):
        gene_scores([1, 2], ecoli)
    twice = pd.concat([per_locus.iloc[:10], per_locus.iloc[:10]])
    with pytest.raises(InputError, match="repeated"):
        gene_scores(twice, ecoli.iloc[:1].assign(end=5, start=1), noncoding=False)


# --------------------------------------------------------------------------- set tests
def _length_confounded_table(seed=0):
    """Scores that are sums over genes: long genes score high with no signal at all."""
    rng = np.random.default_rng(seed)
    n = 400
    length = rng.integers(100, 3_000, n)
    table = pd.DataFrame({"gene_id": [f"g{i}" for i in range(n)], "name": "",
                          "product": "hypothetical protein", "type": "CDS",
                          "start": 1, "end": length,
                          "score_sum": length * 0.01 + rng.normal(size=n)})
    return table, length


def test_length_keeping_null_is_not_fooled_by_long_genes():
    table, length = _length_confounded_table()
    long_ids = table["gene_id"][np.argsort(length)[-150:]].sample(30, random_state=0).tolist()
    res = gene_set_test(table, {"long": long_ids}, score="score_sum", n_permutations=999, seed=1)
    assert list(res.columns[:len(SET_TEST_COLUMNS)]) == list(SET_TEST_COLUMNS)
    row = res.iloc[0]
    assert row["p_rank"] < 1e-6          # the plain rank test sees a "shift" ...
    assert row["p_value"] > 0.05         # ... which the length-stratified null explains
    plain = gene_set_test(table, {"long": long_ids}, score="score_sum", n_permutations=999,
                          seed=1, n_length_bins=1)
    assert plain["p_value"].iloc[0] < 0.01  # without strata the permutation null is fooled too


def test_planted_shift_is_found_and_statistics_are_exact():
    table, _ = _length_confounded_table(1)
    table["score_mean"] = np.random.default_rng(2).normal(size=len(table))
    table.loc[:19, "score_mean"] += 3.0
    table.loc[:19, "product"] = "stage V sporulation protein"
    res = gene_set_test(table, {"spore": "Sporulation", "ids": table["gene_id"][200:230].tolist(),
                                "names": ["g300", "g301", "g302", "g303"]},
                        n_permutations=500, seed=3).set_index("gene_set")
    ranks = table["score_mean"].rank().to_numpy()
    u = ranks[:20].sum() - 20 * 21 / 2
    assert res.loc["spore", "statistic"] == u
    assert res.loc["spore", "effect"] == pytest.approx(u / (20 * 380))
    assert res.loc["spore", "n_genes"] == 20 and res.loc["spore", "p_value"] == 1 / 501
    assert res.loc["ids", "p_value"] > 0.05
    assert res["q_value"].tolist() == pytest.approx(benjamini_hochberg(res["p_value"]).tolist())
    alone = gene_set_test(table, {"ids": table["gene_id"][200:230].tolist()},
                          n_permutations=500, seed=3)
    assert alone["p_value"].iloc[0] == res.loc["ids", "p_value"]  # independent of other sets


def test_benjamini_hochberg_by_hand():
    q = benjamini_hochberg([0.01, 0.02, 0.03, 0.5])
    # p * m / rank = 0.04, 0.04, 0.04, 0.5; step-up minimum from the top.
    assert q.tolist() == pytest.approx([0.04, 0.04, 0.04, 0.5])


def test_set_test_errors():
    table, _ = _length_confounded_table()
    table["score_mean"] = 1.0
    with pytest.raises(InputError, match="has 0 of 400 features"):
        gene_set_test(table, {"none": "sporulation"})
    with pytest.raises(InputError, match="not a regular expression"):
        gene_set_test(table, {"bad": "spo(("})
    with pytest.raises(ArgumentTypeError, match="product pattern"):
        gene_set_test(table, {"bad": 3})
    with pytest.raises(InputError, match="lacks column"):
        gene_set_test(table.drop(columns="product"), "x")


# --------------------------------------------------------------------------- bedGraph
def test_bedgraph_round_trip(tmp_path, per_locus):
    small = per_locus.iloc[:5_000].copy()
    small.loc[10:19, "score_sum"] = 0.25  # a run of equal values becomes one line
    path = write_bedgraph(small, tmp_path / "t.bedgraph")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("track type=bedGraph")
    body = pd.read_csv(path, sep="\t", skiprows=1, header=None,
                       names=["chrom", "start", "end", "value"])
    expanded = np.repeat(body["value"].to_numpy(), body["end"] - body["start"])
    assert len(expanded) == 5_000 and body["start"].iloc[0] == 0
    np.testing.assert_allclose(expanded, small["score_sum"], rtol=1e-5, atol=1e-6)
    assert len(body) == 5_000 - 9
    smooth = write_bedgraph(small, tmp_path / "s.bedgraph", smooth=50)
    values = pd.read_csv(smooth, sep="\t", skiprows=1, header=None)[3].to_numpy()
    np.testing.assert_allclose(values, rolling_mean(small["score_sum"], 50), rtol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.bedgraph", "t.bedgraph"]


def _two_samples():
    """A batch-style table: two samples whose contigs share the name ctgA."""
    rng = np.random.default_rng(3)
    one = pd.DataFrame({"seq_id": "ctgA", "position": np.arange(1, 41, dtype=np.int32)})
    table = pd.concat([one.assign(sample_id="s1", score_sum=rng.normal(size=40)),
                       one.assign(sample_id="s2", score_sum=rng.normal(size=40))],
                      ignore_index=True)
    table["sample_id"] = pd.Categorical(table["sample_id"], categories=["s1", "s2", "unused"])
    return table[["sample_id", "seq_id", "position", "score_sum"]]


def test_bedgraph_refuses_repeated_loci(tmp_path):
    table = _two_samples()
    with pytest.raises(InputError, match=r"repeated \(seq_id, position\) rows \(40 repeats, "
                       r"e.g. seq_id 'ctgA' position 1\); the table holds 2 samples .*"
                       r"by='sample_id'"):
        write_bedgraph(table, tmp_path / "ig.bedgraph")
    assert not list(tmp_path.iterdir())  # nothing written
    # gene_scores refuses the same table through the same check
    ann = pd.DataFrame({"seq_id": ["ctgA"], "gene_id": ["g"], "start": [1], "end": [10],
                        "strand": ["+"]})
    with pytest.raises(InputError, match=r"repeated \(seq_id, position\) rows.*2 samples"):
        gene_scores(table, ann)


def test_bedgraph_by_sample_writes_one_track_per_sample(tmp_path):
    from deepg_interpret.io.file_sets import check_file_set

    table = _two_samples()
    files = write_bedgraph(table, tmp_path / "ig.bedgraph", by="sample_id")
    assert {k: v.name for k, v in files.items()} == {"s1": "ig.s1.bedgraph",
                                                      "s2": "ig.s2.bedgraph"}
    for sample, path in files.items():  # each equals the sample's own track
        alone = write_bedgraph(table[table["sample_id"] == sample].drop(columns="sample_id"),
                               tmp_path / f"alone_{sample}.bedgraph")
        mine, theirs = path.read_text().splitlines(), alone.read_text().splitlines()
        assert mine[1:] == theirs[1:] and len(mine) == 41
        assert f'name="{sample} score_sum"' in mine[0]
    assert check_file_set(files["s1"])["metadata"]["tracks"] == ["s1", "s2"]
    with pytest.raises(InputError, match="not a column of per_locus"):
        write_bedgraph(table, tmp_path / "x.bedgraph", by="sample")
    bad = table.assign(sample_id=table["sample_id"].astype(str).str.replace("s1", "s/1"))
    with pytest.raises(InputError, match=r"\['s/1'\] cannot be part of a file name"):
        write_bedgraph(bad, tmp_path / "x.bedgraph", by="sample_id")
    # repeats within one track are still refused
    with pytest.raises(InputError, match="repeated"):
        write_bedgraph(pd.concat([table, table.iloc[:1]]), tmp_path / "y.bedgraph",
                       by="sample_id")
    assert not list(tmp_path.glob("[xy].*"))


def test_genome_track_plot(per_locus, genes):
    from matplotlib.collections import PolyCollection

    from deepg_interpret.plots import plot_genome_track

    fig = plot_genome_track(per_locus, genes, region=(1, 40_000), highlight="chaperone")
    ax, gax = fig.axes
    polys = [c for c in gax.collections if isinstance(c, PolyCollection)][0]
    colours = polys.get_facecolors()
    red = np.isclose(colours[:, 0], 0xC4 / 255) & np.isclose(colours[:, 1], 0x4E / 255)
    in_view = genes[(genes["type"] != "noncoding") & (genes["start"] <= 40_000)]
    assert len(colours) == len(in_view)
    assert red.sum() == in_view["product"].str.contains("chaperone", case=False).sum() > 0
