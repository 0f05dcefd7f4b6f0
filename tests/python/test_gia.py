"""Global Importance Analysis against ground truth.

- a hand-set motif detector (Conv1D whose filter is a motif's one-hot, global max pool,
  dense): GIA equals embedding by hand and calling model.predict;
- a hand-set linear model with sum pooling: multiplicity is exactly linear (r2 = 1,
  intercept 0, slope = one copy's effect) and the interaction of two patterns is 0;
- a model trained on planted-motif data: the top 6-mer of a k-mer scan lies in the motif
  and the variant scan ranks the planted base first at most motif positions;
- backgrounds: seeded, profile / shuffle / dinucleotide shuffle / sample keep what they
  promise;
- bad input raises the package's errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepg_interpret.errors import BaselineError, DeepGInterpretWarning, InputError, SequenceError
from deepg_interpret.methods import gia
from deepg_interpret.methods.gia.inputs import make_backgrounds, make_pattern

MOTIF = "TGCATGCA"
L = 40


def _keras():
    import keras

    return keras


def _detector(length=L, motif=MOTIF, pool="max"):
    """Conv filter = motif one-hot minus 0.25 (score = matches - w/4), pool, dense(2).

    With ``pool="sum"`` the model is linear in the one-hot input."""
    k = _keras()
    w = len(motif)
    inp = k.Input((length, 4))
    conv = k.layers.Conv1D(1, w, use_bias=False)(inp)
    if pool == "max":
        pooled = k.layers.GlobalMaxPooling1D()(conv)
    else:  # sum pooling: the linear model below
        pooled = k.layers.Lambda(lambda t: k.ops.sum(t, axis=1))(conv)
    out = k.layers.Dense(2, activation="softmax" if pool == "max" else None)(pooled)
    model = k.Model(inp, out)
    filt = np.eye(4)[["ACGT".index(c) for c in motif]] - 0.25
    model.layers[1].set_weights([filt[:, :, None].astype("float32")])
    model.layers[-1].set_weights([np.array([[-1.0, 1.0]], "float32"), np.zeros(2, "float32")])
    return model


@pytest.fixture(scope="module")
def detector():
    return _detector()


@pytest.fixture(scope="module")
def linear():
    return _detector(motif="GGGTTTAC", pool="sum")


def _embed_by_hand(x, motif, start0):
    x = x.copy()
    for i, c in enumerate(motif):
        if c != "N":
            x[:, start0 + i] = np.eye(4, dtype="float32")["ACGT".index(c)]
    return x


def test_gia_equals_embedding_by_hand(detector):
    rng = np.random.default_rng(3)
    bg = np.eye(4, dtype="float32")[rng.integers(0, 4, (25, L))]
    res = gia.global_importance(detector, target=1, patterns=[MOTIF, "TGNATG"],
                                positions=[5, 20], background=bg, progress=False, batch_size=7)
    local = res.local_table()
    assert list(local.columns[:7]) == ["experiment", "pattern", "position", "background_id",
                                       "f_background", "f_embedded", "effect"]
    f_bg = detector.predict(bg, verbose=0)[:, 1]
    for pattern in (MOTIF, "TGNATG"):
        for pos in (5, 20):
            f_emb = detector.predict(_embed_by_hand(bg, pattern, pos - 1), verbose=0)[:, 1]
            rows = local[(local.pattern == pattern) & (local.position == pos)]
            assert rows["background_id"].tolist() == list(range(1, 26))
            np.testing.assert_allclose(rows["f_background"], f_bg, atol=1e-6)
            np.testing.assert_allclose(rows["f_embedded"], f_emb, atol=1e-6)
            g = res.global_table()
            row = g[(g.pattern == pattern) & (g.position == pos)].iloc[0]
            effect = f_emb - f_bg
            assert row["global_importance"] == pytest.approx(effect.mean(), abs=1e-6)
            assert row["sd"] == pytest.approx(effect.std(ddof=1), abs=1e-6)
            half = 2.0638985616280205 * effect.std(ddof=1) / 5  # t_{24, 0.975} sd / sqrt(25)
            assert row["ci_low"] == pytest.approx(effect.mean() - half, abs=1e-6)
            assert row["n"] == 25
    # the full motif raises the motif class on every background
    full = res.effects[0]
    assert (full > 0).all()
    assert res.global_table()["n"].dtype == np.int32


def test_together_and_seeded_backgrounds(detector):
    a = gia.global_importance(detector, target=1, patterns={"a": MOTIF, "b": "AAAA"},
                              positions=[2, 30], together=True, n_backgrounds=30, seed=5,
                              progress=False)
    b = gia.global_importance(detector, target=1, patterns={"a": MOTIF, "b": "AAAA"},
                              positions=[2, 30], together=True, n_backgrounds=30, seed=5,
                              progress=False, batch_size=4)
    assert a.global_table()["pattern"].tolist() == ["a+b"]
    # The model's outputs differ only by float32 noise of another batch composition (about
    # 1e-7 of the output's size), so they are compared at 1e-6 of it.
    scale = max(1.0, float(np.abs(a.f_embedded).max()))
    np.testing.assert_allclose(a.f_embedded, b.f_embedded, rtol=0, atol=1e-6 * scale)


def test_iupac_degenerate_codes_drawn_per_background():
    p = make_pattern("ARN")
    draws = p.draw(np.random.default_rng(0), 400)
    assert set(draws[:, 0]) == {0}
    assert set(draws[:, 1]) == {0, 2}  # R = A or G
    assert set(draws[:, 2]) == {255}   # N keeps the background
    pwm = make_pattern(np.array([[0.5, 0.5, 0, 0], [0, 0, 0, 1.0]]))
    assert set(pwm.draw(np.random.default_rng(1), 200)[:, 0]) == {0, 1}


def test_multiplicity_is_linear_where_the_model_is(linear):
    # Sum pooling of a linear filter is linear, and away from the edges (positions 8..33 are
    # seen by all 8 filter offsets) position-invariant; backgrounds repeating a random 8-mer
    # make every copy replace the same bases, so each copy adds exactly the same effect.
    rng = np.random.default_rng(0)
    bg = np.eye(4, dtype="float32")[np.tile(rng.integers(0, 4, (20, 8)), (1, L // 8))]
    res = gia.multiplicity(linear, target=1, pattern=MOTIF, positions=[9, 17, 25],
                           background=bg, output="logit", progress=False)
    fit = res.fit_table().iloc[0]
    one = res.global_table()["global_importance"].iloc[0]
    assert fit["r2"] == pytest.approx(1.0, abs=1e-9)
    assert fit["slope"] == pytest.approx(one, rel=1e-4)
    assert fit["intercept"] == pytest.approx(0.0, abs=1e-3)
    assert res.global_table()["copies"].tolist() == [1, 2, 3]
    assert abs(one) > 0.5
    inter = gia.interaction(linear, target=1, pattern_a=MOTIF, pattern_b="GGGGCC",
                            position_a=2, positions_b=[15, 30], n_backgrounds=10, seed=1,
                            output="logit", progress=False).interaction_table()
    np.testing.assert_allclose(inter["interaction"], 0.0, atol=1e-4)


def test_interaction_is_detected_by_max_pool(detector):
    # With max pooling two copies are worth one: f(AB) - f(A) - f(B) + f(none) < 0.
    res = gia.interaction(detector, target=1, pattern_a=MOTIF, pattern_b=MOTIF, position_a=2,
                          positions_b=[25], n_backgrounds=20, seed=1, output="logit",
                          progress=False)
    row = res.interaction_table().iloc[0]
    assert row["interaction"] < -1.0 and row["ci_high"] < 0
    assert set(res.global_table()["condition"]) == {"A", "B", "AB"}


def test_experiments_tables(detector):
    scan = gia.position_scan(detector, target=1, pattern=MOTIF, n_backgrounds=8, seed=0,
                             progress=False)
    assert scan.global_table()["position"].tolist() == list(range(1, L - len(MOTIF) + 2))
    sp = gia.spacing(detector, target=1, pattern_a="TGCA", pattern_b="TGCA", position_a=1,
                     spacings=[0, 3], n_backgrounds=8, seed=0, progress=False)
    assert sp.global_table()["position_b"].tolist() == [5, 8]
    gc = gia.gc_flanks(detector, target=1, pattern=MOTIF, position=15, flank=4,
                       gc_levels=[0, 1], n_backgrounds=8, seed=0, progress=False)
    table = gc.global_table()
    assert table["with_pattern"].tolist() == [True, False, True, False, True]
    # GC = 1 flanks are made of G/C only (checked through the drawn pattern)
    block = make_pattern(np.tile([0, 0.5, 0.5, 0], (4, 1)))
    assert set(block.draw(np.random.default_rng(0), 50).ravel()) <= {1, 2}


@pytest.fixture(scope="module")
def trained():
    """A small CNN trained on planted TGCATGCA (a few seconds)."""
    from deepg_interpret.synthetic import simulate_motifs
    from deepg_interpret.synthetic.training import train_model

    k = _keras()
    k.utils.set_random_seed(0)
    data = simulate_motifs(n=1500, length=60, motif=MOTIF, share=0.5, seed=4)
    model = k.Sequential([k.Input((60, 4)), k.layers.Conv1D(8, 8, activation="relu"),
                          k.layers.GlobalMaxPooling1D(), k.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=k.optimizers.Adam(0.02), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    info = train_model(model, data.onehot(), data.labels, epochs=15, batch_size=64, patience=3,
                       seed=0)
    return model, info


def test_trained_model_kmer_and_variant_scan(trained):
    model, _ = trained
    kmers = gia.kmer_scan(model, target=1, k=6, position=25, n_backgrounds=12, seed=0,
                          output="logit", progress=False, top=5)
    top = kmers.top_table()
    assert top["rank"].tolist() == [1, 2, 3, 4, 5]
    assert top["pattern"].iloc[0] in MOTIF, top.head()
    variants = gia.variant_scan(model, target=1, pattern=MOTIF, position=25, n_backgrounds=30,
                                seed=0, output="logit", progress=False)
    logo = variants.logo_table()
    best = logo.loc[logo.groupby("variant_position")["global_importance"].idxmax()]
    hits = (best["base"].to_numpy() == np.array(list(MOTIF))).sum()
    assert hits >= 6, best
    assert logo.loc[logo.is_reference, "delta"].abs().max() < 1e-9


def test_backgrounds_null_models(tmp_path):
    fasta = tmp_path / "real.fasta"
    fasta.write_text(">a\n" + "ACGT" * 10 + "\n>b\n" + "GGCC" * 5 + "\n")
    with pytest.warns(DeepGInterpretWarning, match="all 3 are used"):
        real, desc = make_backgrounds(str(fasta), n=5, length=20, seed=0)  # real sequences
    assert desc == {"kind": "sample", "n_source": 3}  # a: two 20 bp windows, b: one
    assert {"".join("ACGT"[i] for i in row) for row in real.argmax(-1)} == {
        "ACGT" * 5, "GGCC" * 5}
    src = ["ACGTACGTAA" * 2, "GGGGCCCCTT" * 2]
    x, desc = make_backgrounds("profile", n=200, length=20, source=src, seed=1)
    assert desc["kind"] == "profile"
    first = x[:, 0].argmax(-1)
    assert set(first.tolist()) == {0, 2}  # position 1 is A or G in the source
    sh, _ = make_backgrounds("shuffle", n=5, length=20, source=src, seed=1)
    source_counts = [np.eye(4)[["ACGT".index(b) for b in s]].sum(0) for s in src]
    for counts in sh.sum(axis=1):  # a shuffle keeps the base counts of its source sequence
        assert any((counts == c).all() for c in source_counts)
    di, _ = make_backgrounds("dinuc_shuffle", n=5, length=20, source=src, seed=2)
    assert di.shape == (5, 20, 4)
    sa, _ = make_backgrounds("sample", n=2, length=20, source=src, seed=0)
    assert sorted(map(tuple, sa.argmax(-1).tolist())) == sorted(
        tuple("ACGT".index(c) for c in s) for s in src)
    a, _ = make_backgrounds("iid", n=3, length=20, seed=9)
    b, _ = make_backgrounds("iid", n=3, length=20, seed=9)
    np.testing.assert_array_equal(a, b)
    g, desc = make_backgrounds([0, 0.5, 0.5, 0], n=3, length=20, seed=9)
    assert set(g.argmax(-1).ravel().tolist()) <= {1, 2}
    with pytest.warns(DeepGInterpretWarning, match="fewer than n_backgrounds"):
        make_backgrounds("sample", n=5, length=20, source=src, seed=0)


def test_bad_input(detector):
    kw = dict(target=1, n_backgrounds=4, seed=0, progress=False)
    with pytest.raises(InputError, match="longer than the sequences"):
        gia.global_importance(detector, patterns="A" * 41, positions=1, **kw)
    with pytest.raises(InputError, match="out of range"):
        gia.global_importance(detector, patterns=MOTIF, positions=40, **kw)
    with pytest.raises(InputError, match=">= 1"):
        gia.global_importance(detector, patterns=MOTIF, positions=0, **kw)
    with pytest.raises(SequenceError, match="not IUPAC"):
        gia.global_importance(detector, patterns="TGCXTG", positions=1, **kw)
    with pytest.raises(InputError, match="n_backgrounds"):
        gia.global_importance(detector, patterns=MOTIF, positions=1, target=1, n_backgrounds=0)
    with pytest.raises(InputError, match="zero sequences"):
        gia.global_importance(detector, patterns=MOTIF, positions=1, target=1,
                              background=np.zeros((0, L, 4), "float32"))
    with pytest.raises(InputError, match="k = 9"):
        gia.kmer_scan(detector, k=9, position=1, memory_budget="8M", **kw)
    with pytest.raises(BaselineError, match="needs `source=`"):
        gia.global_importance(detector, patterns=MOTIF, positions=1, background="profile", **kw)
    with pytest.raises(BaselineError, match="not a null model"):
        gia.global_importance(detector, patterns=MOTIF, positions=1, background="gauss", **kw)
    with pytest.raises(InputError, match="overlap"):
        gia.multiplicity(detector, pattern=MOTIF, positions=[1, 4], **kw)


def test_tables_cross_to_r_cleanly(detector):
    res = gia.variant_scan(detector, target=1, pattern="TGCA", position=3, n_backgrounds=3,
                           seed=0, progress=False)
    for name, df in res.tables().items():
        assert isinstance(df.index, pd.RangeIndex), name
        assert not any(str(t) == "int64" for t in df.dtypes), name
    assert "t-based" in res.global_table().attrs["ci"]


def test_plots_and_logo_matrix(detector, tmp_path):
    from deepg_interpret.plots import (
        gia_logo_matrix,
        plot_gia_curve,
        plot_gia_effects,
        plot_gia_logo,
        save_figure,
    )

    variants = gia.variant_scan(detector, target=1, pattern=MOTIF, position=10,
                                n_backgrounds=10, seed=0, output="logit", progress=False)
    matrix = gia_logo_matrix(variants)
    assert "".join(matrix.idxmax(axis=1)) == MOTIF  # the detector prefers its own motif
    np.testing.assert_allclose(matrix.sum(axis=1), 0.0, atol=1e-9)
    save_figure(plot_gia_logo(variants), tmp_path / "logo.png")
    scan = gia.position_scan(detector, target=1, pattern=MOTIF, positions=[1, 10, 20],
                             n_backgrounds=6, seed=0, progress=False)
    fig = plot_gia_effects(scan)
    assert len(fig.axes[0].collections[0].get_offsets()) == 3  # one mean marker per condition
    assert plot_gia_curve(scan).axes[0].get_xlabel() == "position"
    with pytest.raises(InputError, match="curve axis"):
        plot_gia_curve(scan, x="effect")


def test_variable_length_and_set_models():
    k = _keras()
    inp = k.Input((None, 4))
    pooled = k.layers.GlobalMaxPooling1D()(k.layers.Conv1D(2, 3)(inp))
    any_length = k.Model(inp, k.layers.Dense(1)(pooled))
    with pytest.raises(InputError, match="length="):
        gia.global_importance(any_length, target=0, patterns="ACGT", positions=2,
                              n_backgrounds=3, progress=False)
    res = gia.global_importance(any_length, target=0, patterns="ACGT", positions=[2, 15],
                                length=20, n_backgrounds=3, seed=0, progress=False)
    assert res.settings["length"] == 20
    inp = k.Input((3, 10, 4))  # time-distributed set: 3 members of 10 bp
    flat = k.layers.Flatten()(k.layers.TimeDistributed(k.layers.Flatten())(inp))
    members = k.Model(inp, k.layers.Dense(2, activation="softmax")(flat))
    bg = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (4, 30))]
    res = gia.global_importance(members, target=1, patterns="ACGT", positions=[25], background=bg,
                                progress=False)
    by_hand = _embed_by_hand(bg, "ACGT", 24).reshape(4, 3, 10, 4)
    expected = members.predict(by_hand, verbose=0)[:, 1]
    np.testing.assert_allclose(res.f_embedded[0], expected, atol=1e-6)
