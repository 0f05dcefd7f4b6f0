"""Whole genomes end to end: planted motifs in genes, stitching, reverse complement, CLI.

Ground truth: hand-set models. A motif detector (a Conv1D filter that fires only on
an exact 10-bp motif) decides the class of a synthetic genome whose motifs sit inside
chosen genes; a position-wise model (kernel 1, summed over positions) whose windowed
attributions must equal the single pass; linear models whose reverse-complement
attributions are known in closed form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import (
    encode,
    explain_genome,
    gene_set_test,
    gradient_x_input,
    integrated_gradients,
    saliency,
)
from deepg_interpret.errors import InputError
from deepg_interpret.methods.gradients import strand_flip

MOTIF = "GATTACACGT"
GENOME = 40_000


def _motif_detector(k, motif: str = MOTIF):
    """relu(matches - (len - 0.5)) per offset: > 0 only on an exact match; mean-pooled."""
    w = np.zeros((len(motif), 4, 1), np.float32)
    for i, base in enumerate(motif):
        w[i, "ACGT".index(base), 0] = 1.0
    inp = k.Input((None, 4))
    conv = k.layers.Conv1D(1, len(motif), activation="relu")
    dense = k.layers.Dense(1, activation="sigmoid")
    out = dense(k.layers.GlobalAveragePooling1D()(conv(inp)))
    model = k.Model(inp, out)
    conv.set_weights([w, np.array([-(len(motif) - 0.5)], np.float32)])
    dense.set_weights([np.array([[20_000.0]], np.float32), np.array([-1.0], np.float32)])
    return model


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


@pytest.fixture(scope="module")
def planted():
    """A 40 kb genome, 40 genes; the motif planted 3x inside 6 'sporulation' genes."""
    rng = np.random.default_rng(11)
    seq = rng.choice(list("ACGT"), GENOME)
    starts = np.arange(200, GENOME - 1_000, 980) + rng.integers(0, 100, 40)
    ends = starts + rng.integers(300, 800, 40)
    product = np.array(["hypothetical protein"] * 40, dtype=object)
    chosen = rng.choice(40, 6, replace=False)
    for g in chosen:
        product[g] = "stage II sporulation protein"
        for offset in (30, 130, 230):
            seq[starts[g] + offset: starts[g] + offset + len(MOTIF)] = list(MOTIF)
    ann = pd.DataFrame({"seq_id": "chr", "gene_id": [f"g{i}" for i in range(40)],
                        "name": "", "product": product, "type": "CDS", "start": starts,
                        "end": ends, "strand": rng.choice(["+", "-"], 40)})
    untouched = [f"g{i}" for i in range(40) if i not in chosen][:6]
    return {"chr": "".join(seq)}, ann, [f"g{i}" for i in chosen], untouched


def test_planted_genes_rank_top_and_set_test_rejects(keras, planted):
    genome, ann, chosen, untouched = planted
    model = _motif_detector(keras)
    assert float(model(encode(genome["chr"]).onehot)[0, 0]) > 0.9  # the class: motif present
    run = explain_genome(model, genome, ann, target=0, steps=20, progress=False)
    genes = run.genes.set_index("gene_id")
    # The six planted genes are the six top features (of 40 genes + 41 gaps): quantiles
    # 76/81 .. 81/81.
    assert set(genes["quantile"].nlargest(6).index) == set(chosen)
    assert (genes.loc[chosen, "quantile"] > 0.93).all()
    others = genes.drop(index=chosen)["score_sum"].abs().max()
    assert genes.loc[chosen, "score_sum"].min() > 10 * others
    res = gene_set_test(run.genes, {"sporulation": "sporulation", "untouched": untouched},
                        n_permutations=999, seed=0).set_index("gene_set")
    assert res.loc["sporulation", "p_value"] < 0.01 and res.loc["sporulation", "effect"] == 1.0
    assert res.loc["untouched", "p_value"] > 0.2
    assert res.loc["sporulation", "q_value"] < 0.05
    # Only exact motif copies get attribution: every planted copy, nothing else.
    assert (run.per_locus["score_sum"] > 0).sum() == 6 * 3 * len(MOTIF)


def test_contig_mismatch_fails_before_model_work(keras, planted):
    genome, ann, _, _ = planted
    with pytest.raises(InputError, match="must match the FASTA ids"):
        explain_genome(_motif_detector(keras), {"other": genome["chr"]}, ann, target=0)
    with pytest.raises(InputError, match="no strand option"):
        explain_genome(_motif_detector(keras), genome, ann, target=0, method="ism",
                       strand="both")


def _pointwise_sum_model(k, seed=0):
    """F(x) = sum_j h(x_j): each position's attribution depends on that position alone."""
    k.utils.set_random_seed(seed)
    inp = k.Input((None, 4))
    h = k.layers.Conv1D(6, 1, activation="tanh")(inp)
    h = k.layers.Conv1D(1, 1)(h)
    out = k.layers.Lambda(lambda t: k.ops.sum(t, axis=1))(h)
    return k.Model(inp, out)


def test_windowed_attributions_equal_single_pass(keras):
    model = _pointwise_sum_model(keras)
    seq = "".join(np.random.default_rng(3).choice(list("ACGT"), 2_345))
    single = integrated_gradients(model, seq, target=0, steps=16, progress=False,
                                  output="logit").per_locus_table()
    windowed = integrated_gradients(model, seq, target=0, steps=16, progress=False,
                                    output="logit", maxlen=500, window_step=300)
    stitched = windowed.per_locus_table()
    assert len(windowed.attributions) == 8 and stitched["n_windows"].max() == 3  # + flush window
    np.testing.assert_allclose(stitched["score_sum"], single["score_sum"], rtol=1e-5, atol=1e-6)
    assert (stitched["position"].to_numpy() == np.arange(1, 2_346)).all()


def test_explain_genome_cuts_windows_for_fixed_maxlen(keras):
    model = keras.Sequential([keras.Input((300, 4)), keras.layers.Conv1D(2, 5, activation="relu"),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    seq = "".join(np.random.default_rng(4).choice(list("ACGT"), 1_000))
    ann = pd.DataFrame({"seq_id": "s", "start": [100, 600], "end": [400, 950],
                        "strand": ["+", "-"]})
    run = explain_genome(model, {"s": seq}, ann, target=0, steps=4, progress=False,
                         output="logit")
    assert run.settings["window_step"] == 300 and len(run.results[0].attributions) == 4
    assert len(run.per_locus) == 1_000
    row = run.genes[run.genes["gene_id"] == "s:100-400"].iloc[0]
    assert row["score_sum"] == pytest.approx(run.per_locus["score_sum"][99:400].sum(), rel=1e-6)


# --------------------------------------------------------------------------- strands
def _linear(k, weights: np.ndarray):
    model = k.Sequential([k.Input(weights.shape), k.layers.Flatten(),
                          k.layers.Dense(1, use_bias=False)])
    model.layers[-1].set_weights([weights.reshape(-1, 1)])
    return model


def test_reverse_maps_back_to_forward_coordinates(keras):
    rng = np.random.default_rng(5)
    w = rng.normal(size=(12, 4)).astype(np.float32)
    seq = "ACGTTGCAAGCT"
    x = encode(seq).onehot[0]
    model = _linear(keras, w)
    # On the reverse complement, forward base j (channel c) sits at L-1-j as the complement
    # channel (A<->T, C<->G = channel 3 - c), so its gradient is w[L-1-j, 3-c].
    expect_grad = w[::-1, ::-1]
    rev = saliency(model, seq, target=0, strand="reverse", progress=False, output="logit")
    np.testing.assert_allclose(rev.attributions[0], expect_grad, atol=1e-6)
    gxi = gradient_x_input(model, seq, target=0, strand="reverse", progress=False,
                           output="logit")
    np.testing.assert_allclose(gxi.attributions[0], expect_grad * x, atol=1e-6)
    ig = integrated_gradients(model, seq, target=0, strand="both", steps=8, progress=False,
                              output="logit")
    np.testing.assert_allclose(ig.attributions[0], (w + expect_grad) / 2 * x, atol=1e-5)
    assert ig.settings["strand"] == "both"
    assert ig.summary_table()["delta"].abs().max() < 1e-4


def test_both_strands_exact_on_a_strand_symmetric_model(keras):
    rng = np.random.default_rng(6)
    w = rng.normal(size=(20, 4)).astype(np.float32)
    w = (w + w[::-1, ::-1]) / 2  # F(revcomp(x)) == F(x) for every x
    inp = keras.Input((20, 4))
    hidden = keras.layers.Dense(1, use_bias=False)
    model = keras.Model(inp, keras.layers.Activation("sigmoid")(hidden(keras.layers.Flatten()(inp))))
    hidden.set_weights([w.reshape(-1, 1)])
    seqs = ["".join(rng.choice(list("ACGT"), 20)) for _ in range(3)]
    kw = dict(target=0, steps=24, progress=False)
    fwd = integrated_gradients(model, seqs, strand="forward", **kw)
    rev = integrated_gradients(model, seqs, strand="reverse", **kw)
    both = integrated_gradients(model, seqs, strand="both", **kw)
    np.testing.assert_allclose(rev.attributions, fwd.attributions, atol=2e-6)
    np.testing.assert_allclose(both.attributions, fwd.attributions, atol=2e-6)
    np.testing.assert_allclose(both.f_input, fwd.f_input, atol=1e-6)


def test_strand_flip_keeps_ragged_padding_and_rejects_other_vocabularies():
    enc = encode(["AAC", "ACGTA"], ragged=True)
    rc, flip = strand_flip(enc)
    from deepg_interpret import decode

    assert [s.rstrip("N") for s in decode(rc.onehot)] == ["GTT", "TACGT"]
    assert (rc.padding == enc.padding).all()
    assert (flip(rc.onehot) == enc.onehot).all()
    with pytest.raises(InputError, match="DNA vocabulary"):
        strand_flip(encode(["AB"], vocabulary=("A", "B")))


def test_cli_genes(keras, tmp_path, planted, capsys):
    from deepg_interpret.cli import main

    genome, ann, chosen, _ = planted
    model_path = tmp_path / "m.keras"
    _motif_detector(keras).save(model_path)
    fasta = tmp_path / "g.fasta"
    fasta.write_text(">chr\n" + genome["chr"] + "\n")
    gff = tmp_path / "g.gff"
    gff.write_text("##gff-version 3\n" + "".join(
        f"chr\ttest\tCDS\t{r.start}\t{r.end}\t.\t{r.strand}\t0\tID={r.gene_id};product={r.product}\n"
        for r in ann.itertuples()))
    code = main(["genes", "--model", str(model_path), "--fasta", str(fasta), "--gff", str(gff),
                 "--target", "0", "--steps", "8", "--out", str(tmp_path / "genes.tsv"),
                 "--bedgraph", str(tmp_path / "ig.bedgraph"), "--quiet"])
    assert code == 0
    table = pd.read_csv(tmp_path / "genes.tsv", sep="\t")
    top = table[table["type"] == "CDS"].nlargest(6, "score_sum")["gene_id"]
    assert set(top) == set(chosen)
    assert (tmp_path / "ig.bedgraph").read_text().startswith("track type=bedGraph")


def test_set_model_genome_in_windows(keras):
    """Time-distributed set model (n, samples, maxlen, 4): windows of samples * maxlen bases."""
    inp = keras.Input((3, 50, 4))
    h = keras.layers.TimeDistributed(keras.layers.Conv1D(2, 5))(inp)
    h = keras.layers.TimeDistributed(keras.layers.GlobalAveragePooling1D())(h)
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    seq = "".join(np.random.default_rng(0).choice(list("ACGT"), 1_000))
    ann = pd.DataFrame({"seq_id": "s", "start": [10, 500], "end": [200, 900],
                        "strand": ["+", "-"]})
    run = explain_genome(model, {"s": seq}, ann, target=0, steps=4, progress=False,
                         output="logit", strand="both")
    assert run.settings["window_step"] == 150 and len(run.per_locus) == 1_000
    row = run.genes[run.genes["gene_id"] == "s:500-900"].iloc[0]
    assert row["score_sum"] == pytest.approx(run.per_locus["score_sum"][499:900].sum(), rel=1e-6)


def test_stranded_scores_each_gene_on_its_own_strand(keras):
    model = _pointwise_sum_model(keras, seed=2)
    seq = "".join(np.random.default_rng(8).choice(list("ACGT"), 600))
    ann = pd.DataFrame({"seq_id": "s", "gene_id": ["p", "m"], "start": [50, 300],
                        "end": [250, 550], "strand": ["+", "-"]})
    run = explain_genome(model, {"s": seq}, ann, target=0, steps=4, progress=False,
                         output="logit", strand="stranded")
    fwd, rev = (r.per_locus_table()["score_sum"].to_numpy() for r in run.results)
    assert [r.settings["strand"] for r in run.results] == ["forward", "reverse"]
    genes = run.genes.set_index("gene_id")
    assert genes.loc["p", "score_sum"] == pytest.approx(fwd[49:250].sum(), rel=1e-6)
    assert genes.loc["m", "score_sum"] == pytest.approx(rev[299:550].sum(), rel=1e-6)
    assert not np.allclose(fwd, rev)  # the model is not strand-symmetric
