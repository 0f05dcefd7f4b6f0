"""Class optimization (Deep Motif) against models whose optimum is known.

Ground truth: a hand-set motif detector (one Conv1D filter = +1 on the motif's bases,
-1/3 elsewhere, global max pool, Dense) is maximized exactly by any input that holds
the motif once, so the best window's consensus must be the motif; a model trained on
data with a planted motif must have learned that motif.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import class_optimization, match_motifs
from deepg_interpret.errors import InputError, ShapeError
from deepg_interpret.results import ClassOptimizationResult

# JASPAR MA0139.2 (CTCF) consensus: the planted motif is also a real one.
CTCF = "GCCACCAGGGGGCGC"
MAXLEN = 30


def detector(motif: str, maxlen: int = MAXLEN):
    import keras

    w = len(motif)
    inp = keras.Input((maxlen, 4))
    conv = keras.layers.Conv1D(1, w, name="filter")(inp)
    pooled = keras.layers.GlobalMaxPooling1D()(conv)
    out = keras.layers.Dense(1, activation="sigmoid", name="head")(pooled)
    model = keras.Model(inp, out)
    kernel = np.full((w, 4, 1), -1 / 3, np.float32)
    for i, base in enumerate(motif):
        kernel[i, "ACGT".index(base), 0] = 1.0
    model.get_layer("filter").set_weights([kernel, np.zeros(1, np.float32)])
    # logit = matches - mismatches / 3 - w / 2: w / 2 at the motif, below 0 without it
    model.get_layer("head").set_weights([np.ones((1, 1), np.float32),
                                         np.array([-w / 2], np.float32)])
    return model


@pytest.fixture(scope="module")
def ctcf_model():
    return detector(CTCF)


@pytest.fixture(scope="module")
def l2_result(ctcf_model):
    return class_optimization(ctcf_model, target=0, restarts=4, steps=120, seed=1,
                              progress=False)


def test_best_window_is_the_planted_motif(l2_result):
    window = l2_result.best_window(len(CTCF))
    assert window.consensus == CTCF
    assert l2_result.consensus(len(CTCF)) == CTCF
    # the exact optimum of the hand-set logit is w / 2 = 7.5 (clipped S is one-hot there)
    assert l2_result.f_consensus.max() == pytest.approx(len(CTCF) / 2, abs=1e-4)
    assert window.end - window.start + 1 == len(CTCF)
    assert window.information.min() > 0.9  # sharp columns (0.91 bits: one-hot S, pseudocount 0.1)


def test_best_window_is_the_top_match_in_jaspar_and_extra(l2_result):
    window = l2_result.best_window(len(CTCF))
    hits = match_motifs(window, extra={"planted": CTCF})
    assert hits["name"].iloc[0] == "planted"
    jaspar = hits[hits["source"] != "extra"]
    assert jaspar["name"].iloc[0] == "CTCF"
    assert jaspar["motif_id"].iloc[0].startswith("MA0139")
    assert jaspar["p_value"].iloc[0] < 1e-4


@pytest.mark.parametrize("parametrization", ["softmax", "gumbel_softmax"])
def test_simplex_parametrizations_find_the_motif(ctcf_model, parametrization):
    res = class_optimization(ctcf_model, target=0, restarts=3, steps=100, seed=2,
                             parametrization=parametrization, progress=False)
    assert res.consensus(len(CTCF)) == CTCF
    np.testing.assert_allclose(res.sequences.sum(axis=-1), 1.0, atol=1e-5)  # on the simplex
    # The entropy penalty sharpens every column, also those the model ignores (so the
    # highest-information window then no longer singles out the motif).
    sharp = class_optimization(ctcf_model, target=0, restarts=3, steps=100, seed=2,
                               parametrization=parametrization, entropy=0.05, progress=False)
    info = [r.summary_table()["information"].mean() for r in (res, sharp)]
    assert info[1] > info[0] + 5
    assert sharp.f_consensus.max() == pytest.approx(len(CTCF) / 2, abs=1e-4)


def test_large_lambda_shrinks_to_uniform(ctcf_model, l2_result):
    res = class_optimization(ctcf_model, target=0, restarts=2, steps=40, seed=1, l2=100.0,
                             progress=False)
    assert np.abs(res.pwms - 0.25).max() < 0.02
    assert res.summary_table()["information"].max() < 0.5
    # while the default lambda keeps a sharp motif
    assert l2_result.summary_table()["information"].max() > 10


def test_seeded_and_independent_of_batching(ctcf_model):
    kw = dict(target=0, restarts=3, steps=30, seed=7, progress=False,
              parametrization="gumbel_softmax")
    a = class_optimization(ctcf_model, **kw)
    b = class_optimization(ctcf_model, batch_size=1, **kw)
    np.testing.assert_allclose(a.sequences, b.sequences, atol=1e-4)
    c = class_optimization(ctcf_model, **{**kw, "seed": 8})
    assert not np.allclose(a.sequences, c.sequences, atol=1e-3)


def test_tables_follow_the_schema(l2_result):
    pwm = l2_result.pwm_table()
    assert list(pwm.columns) == ["restart", "position", "base", "probability"]
    assert pwm["restart"].dtype == np.int32 and pwm["position"].dtype == np.int32
    assert list(pwm["base"].cat.categories) == ["A", "C", "G", "T"]
    assert len(pwm) == 4 * MAXLEN * 4
    sums = pwm.groupby(["restart", "position"])["probability"].sum()
    np.testing.assert_allclose(sums, 1.0)
    trace = l2_result.trace_table()
    assert list(trace.columns[:3]) == ["restart", "step", "objective"]
    assert len(trace) == 4 * 120
    best = trace[trace.restart == l2_result.best_restart]
    assert best["objective"].iloc[-1] > best["objective"].iloc[0]
    assert isinstance(l2_result, ClassOptimizationResult)
    assert set(l2_result.tables()) == {"pwm", "trace", "summary"}
    assert pwm.attrs["method"] == "class_optimization" and pwm.attrs["pseudocount"] == 0.1
    window = l2_result.best_window(len(CTCF)).table()
    assert window.attrs["consensus"] == CTCF
    assert window["position"].min() == l2_result.best_window(len(CTCF)).start


def test_flanks_stay_fixed_and_positions_count_them(ctcf_model):
    # Restarts guard against local optima (e.g. the motif's last base pushed onto the
    # fixed flank: one mismatch); the best restart must hold the whole motif.
    res = class_optimization(ctcf_model, target=0, flanks=("A" * 5, "T" * 5), restarts=8,
                             steps=100, seed=3, progress=False)
    assert res.f_consensus.max() == pytest.approx(len(CTCF) / 2, abs=1e-4)
    assert res.sequences.shape[1] == MAXLEN - 10
    assert res.pwm_table()["position"].min() == 6
    window = res.best_window(len(CTCF))
    assert window.consensus == CTCF and 6 <= window.start <= 25 - len(CTCF) + 1


def test_given_starts(ctcf_model):
    start = "A" * 10 + CTCF + "A" * 5
    res = class_optimization(ctcf_model, target=0, start=start, steps=5, l2=0.0,
                             progress=False)
    assert res.n_restarts == 1
    assert res.consensus() == start  # already optimal: the clipped ascent keeps it
    two = class_optimization(ctcf_model, target=0, start=[start, start[::-1]], steps=2,
                             progress=False)
    assert two.n_restarts == 2 and two.consensus(restart=2) == start[::-1]


def test_trained_model_learns_the_planted_motif():
    import keras

    from deepg_interpret.dna.sequences import encode
    from deepg_interpret.synthetic import simulate_motifs

    motif = "AGATAAGA"  # GATA core
    data = simulate_motifs(n=600, length=30, motif=motif, seed=3)
    x, y = encode(data.sequences).onehot, data.labels
    keras.utils.set_random_seed(0)
    inp = keras.Input((30, 4))
    hidden = keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(8, 8, activation="relu")(inp))
    model = keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.9  # it learned the task
    res = class_optimization(model, target=0, restarts=6, steps=100, seed=1, progress=False)
    assert res.consensus(len(motif)) == motif


def test_bad_input(ctcf_model, l2_result):
    with pytest.raises(InputError, match="larger than the optimized window"):
        l2_result.best_window(MAXLEN + 1)
    with pytest.raises(InputError, match="l2"):
        class_optimization(ctcf_model, target=0, l2=-1, progress=False)
    with pytest.raises(InputError, match="parametrization"):
        class_optimization(ctcf_model, target=0, parametrization="sigmoid", progress=False)
    with pytest.raises(InputError, match="maxlen = 30"):
        class_optimization(ctcf_model, target=0, length=20, progress=False)
    with pytest.raises(ShapeError, match="length 5"):
        class_optimization(ctcf_model, target=0, start="ACGTA", progress=False)
    with pytest.raises(InputError, match="restart"):
        l2_result.best_window(5, restart=9)
    with pytest.raises(InputError, match="pair"):
        class_optimization(ctcf_model, target=0, flanks="ACGT", progress=False)
    assert isinstance(l2_result.summary_table(), pd.DataFrame)
