"""Evolutionary erasure: planted motifs found, budget kept, seeded, resumable, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import MOTIF_COUNTED, assert_tables_close, keras_default, motif_counter, random_dna
from deepg_interpret import EvolutionaryErasureResult, InputError, TargetError, evolutionary_erasure
from deepg_interpret.methods.erasure_search import SegmentSpace, crossover, mutate, select
from deepg_interpret.plots import plot_erasure

MOTIF = MOTIF_COUNTED
LENGTH = 12_000
PLANTED = (700, 2345, 5010, 7777, 9100, 11020)  # 0-based starts


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    seq = rng.choice(list("ACGT"), LENGTH)
    for p in PLANTED:
        seq[p:p + len(MOTIF)] = list(MOTIF)
    return "".join(seq), motif_counter(LENGTH)


@pytest.fixture(scope="module")
def planted_result(planted):
    seq, model = planted
    return evolutionary_erasure(model, seq, target=1, segment_length=100, budget=0.1, seed=3,
                                n_null=200, progress=False)


def test_best_mask_covers_the_planted_motifs_and_beats_the_null(planted, planted_result):
    res = planted_result
    mask = res.mask()
    hit = [bool(mask[p:p + len(MOTIF)].any()) for p in PLANTED]
    assert np.mean(hit) >= 0.9
    assert mask.mean() <= 0.1 + 1e-12 and res.erased_share <= 0.1
    summary = res.summary_table()
    assert summary["best"].iloc[0] > res.null_drops.max()  # beats every mask of the null
    assert summary["p_value"].iloc[0] == pytest.approx(1 / 201)
    null = res.null_drops
    assert summary["z"].iloc[0] == pytest.approx((res.best_drop - null.mean()) / null.std(ddof=1))
    # the final prediction is the model's output on the erased sequence, done by hand
    seq, model = planted
    x = np.eye(4, dtype=np.float32)[["ACGT".index(c) for c in seq]]
    x[mask] = 0.0
    by_hand = float(model.predict(x[None], verbose=0)[0, 1])
    assert summary["f_erased"].iloc[0] == pytest.approx(by_hand, abs=1e-5)
    assert summary["f_reference"].iloc[0] - summary["f_erased"].iloc[0] == pytest.approx(
        summary["best"].iloc[0], abs=1e-5)


def test_tables_follow_the_conventions(planted_result):
    res = planted_result
    seg, hist = res.segments_table(), res.history_table()
    assert list(seg.columns) == ["run", "start", "end", "frequency"]
    assert list(hist.columns) == ["run", "generation", "best", "mean"]
    assert seg["start"].dtype == np.int32 and (seg["end"] - seg["start"] + 1 == 100).all()
    assert sorted(seg["run"].unique()) == [1, 2, 3] and seg.groupby("run").size().eq(12).all()
    assert seg["frequency"].between(1 / 3, 1).all()
    # segments found by every restart have frequency 1 and are in every run's mask
    for start in seg.loc[seg.frequency == 1, "start"].unique():
        assert (seg.start == start).sum() == 3
    # the best never gets worse within a run (elitism)
    for _, h in hist.groupby("run"):
        assert (np.diff(h["best"]) >= -1e-12).all()
    assert set(res.tables()) == {"segments", "history", "summary", "null"}
    assert res.null_table()["drop"].shape == (200,)
    assert isinstance(res, EvolutionaryErasureResult)


@pytest.fixture(scope="module")
def small():
    seq = random_dna(1, 600, seed=4)[0]
    seq = seq[:100] + MOTIF + seq[112:300] + MOTIF + seq[312:]
    return seq, motif_counter(600)


@pytest.mark.parametrize("grid", [True, False])
def test_budget_is_never_exceeded(small, grid):
    seq, model = small
    rng = np.random.default_rng(1 if grid else 2)
    for _ in range(8):
        seg_len = int(rng.integers(5, 60))
        budget = float(rng.uniform(0.05, 0.5))
        n_max = int(np.floor(budget * 600 / seg_len))
        if n_max < 1:
            continue
        n = int(rng.integers(1, n_max + 1))
        res = evolutionary_erasure(model, seq, target=1, segment_length=seg_len, n_segments=n,
                                   budget=budget, grid=grid, population=8, generations=4,
                                   restarts=2, n_null=3, seed=int(rng.integers(1000)),
                                   fast=False, progress=False)
        for run in range(2):
            mask = res.mask(run)
            assert mask.sum() <= budget * 600 + 1e-9
            assert len(res.run_starts[run]) == n
        assert res.run_starts.max() + seg_len <= 600


@pytest.mark.parametrize("fast", [True, False])
def test_same_seed_same_result_whatever_the_batch_size(small, fast):
    seq, model = small
    kw = dict(target=1, segment_length=20, n_segments=4, population=10, generations=6,
              restarts=2, n_null=10, fast=fast, progress=False)
    a = evolutionary_erasure(model, seq, seed=5, batch_size=3, **kw)
    b = evolutionary_erasure(model, seq, seed=5, batch_size=64, **kw)
    c = evolutionary_erasure(model, seq, seed=6, **kw)
    assert a.settings["fast_path"] is fast  # the motif counter is a pooling chain
    # Segments, runs and generations exactly (decisions on quantized drops); the drops
    # themselves (softmax outputs) within float32 noise of another batch size.
    for name in ("segments", "history", "summary", "null"):
        assert_tables_close(a.table(name), b.table(name), obj=name)
    assert not np.array_equal(a.null_drops, c.null_drops)
    if fast:  # a drawn seed is recorded and reruns the same search
        d = evolutionary_erasure(model, seq, seed=None, **kw)
        e = evolutionary_erasure(model, seq, seed=d.settings["seed_used"], **kw)
        assert_tables_close(d.history_table(), e.history_table(), obj="history")


def test_resumed_run_equals_uninterrupted(small, tmp_path):
    seq, model = small
    kw = dict(target=1, segment_length=20, n_segments=4, population=10, generations=8,
              restarts=2, patience=100, n_null=10, seed=9, progress=False)
    whole = evolutionary_erasure(model, seq, **kw)
    path = tmp_path / "erasure.npz"
    seen = []

    class Stop(Exception):
        pass

    def stop_after(run, generation, best):
        seen.append((run, generation))
        if len(seen) == 11:  # in the middle of the second restart
            raise Stop

    with pytest.raises(Stop):
        evolutionary_erasure(model, seq, checkpoint=path, on_generation=stop_after, **kw)
    assert path.exists()
    resumed = evolutionary_erasure(model, seq, checkpoint=path, **kw)
    for name in ("segments", "history", "summary", "null"):
        pd.testing.assert_frame_equal(whole.table(name), resumed.table(name))
    # it did resume: generations evaluated before the stop came from the checkpoint
    assert resumed.settings["n_evaluated"] < whole.settings["n_evaluated"]
    # a finished checkpoint gives the same answer again, without new generations
    again = evolutionary_erasure(model, seq, checkpoint=path, **kw)
    pd.testing.assert_frame_equal(whole.history_table(), again.history_table())
    assert again.settings["n_evaluated"] <= 1 + 10 + 1  # reference, null, final prediction
    with pytest.raises(InputError, match="belongs to another run: n_segments"):
        evolutionary_erasure(model, seq, checkpoint=path, **{**kw, "n_segments": 3})
    with pytest.raises(InputError, match="is a folder; it must be a file path"):
        evolutionary_erasure(model, seq, checkpoint=tmp_path, **kw)
    with pytest.raises(InputError, match="its folder .* does not exist"):
        evolutionary_erasure(model, seq, checkpoint=tmp_path / "nope" / "e.npz", **kw)


def test_set_model_and_fixed_length_model():
    k = keras_default()
    set_model = k.Sequential([k.Input((3, 50, 4)),
                              k.layers.TimeDistributed(k.layers.Conv1D(2, 5)),
                              k.layers.Flatten(), k.layers.Dense(2, activation="softmax")])
    seq = random_dna(1, 150, seed=3)[0]
    res = evolutionary_erasure(set_model, seq, target=0, segment_length=10, n_segments=3,
                               generations=3, restarts=1, n_null=5, seed=1, progress=False)
    assert res.length == 150 and res.mask().sum() == 30
    x = np.eye(4, dtype=np.float32)[["ACGT".index(c) for c in seq]]
    x[res.mask()] = 0
    by_hand = float(set_model.predict(x.reshape(1, 3, 50, 4), verbose=0)[0, 0])
    assert res.f_erased == pytest.approx(by_hand, abs=1e-5)


def test_operators_keep_segment_sets_valid():
    space = SegmentSpace(1000, 10, 7, grid=False)
    rng = np.random.default_rng(0)
    pop = space.random(rng, 30)
    for _ in range(200):
        a, b = pop[rng.integers(30)], pop[rng.integers(30)]
        child = mutate(crossover(a, b, rng), space, rng, rate=0.5)
        assert len(np.unique(child)) == 7 and child.min() >= 0
        assert child.max() < space.n_positions and np.all(np.diff(child) > 0)
    fitness = np.arange(30, dtype=float)
    picks = select(fitness, rng, 2000, "tournament")
    assert picks.mean() > 19  # best of 3 favours the fitter half
    assert select(fitness, rng, 2000, "rank").mean() > 17


@pytest.mark.parametrize("kwargs, error, message", [
    ({"segment_length": 700, "n_segments": 1}, InputError, "cannot fit the sequence of 600"),
    ({"segment_length": 100, "n_segments": 7}, InputError, "cannot fit the sequence"),
    ({"segment_length": 10, "budget": 0.0}, InputError, "outside \\(0, 1\\)"),
    ({"segment_length": 10, "budget": 1.0}, InputError, "outside \\(0, 1\\)"),
    ({"segment_length": 10, "budget": 1.5}, InputError, "outside \\(0, 1\\)"),
    ({"segment_length": 10, "n_segments": 20, "budget": 0.1}, InputError,
     "over budget = 0.1; pass at most n_segments = 6"),
    ({"segment_length": 10}, InputError, "give n_segments, or a budget"),
    ({"segment_length": 10, "n_segments": 2, "target": 5}, TargetError, "target"),
    ({"segment_length": 10, "n_segments": 2, "selection": "roulette"}, InputError,
     "choose one of"),
])
def test_bad_input_is_explained(small, kwargs, error, message):
    seq, model = small
    with pytest.raises(error, match=message):
        evolutionary_erasure(model, seq, **{"target": 1, **kwargs}, progress=False)


def test_several_sequences_are_refused(small):
    _, model = small
    with pytest.raises(InputError, match="explains one model input, got 2"):
        evolutionary_erasure(model, random_dna(2, 600), target=1, segment_length=10,
                             n_segments=2, progress=False)


def test_erasure_track_plot(planted_result):
    fig = plot_erasure(segments=planted_result)
    assert len(fig.axes[0].patches) == 12
    line = fig.axes[0].lines[-1].get_ydata()
    assert line.max() == 1.0 and len(line) == LENGTH


def test_set_models_are_searched_over_their_members_concatenated():
    # deepG's time-distributed set models: input (n, members, maxlen, 4); the search
    # runs over the members' bases concatenated, and f_erased is the model's output
    # on the masked members.
    k = keras_default()
    k.utils.set_random_seed(1)
    inp = k.Input((3, 40, 4))
    x = k.layers.TimeDistributed(k.layers.Conv1D(4, 5, activation="relu"))(inp)
    x = k.layers.TimeDistributed(k.layers.GlobalMaxPooling1D())(x)
    model = k.Model(inp, k.layers.Dense(2, activation="softmax")(k.layers.Flatten()(x)))
    seq = random_dna(1, 120, seed=4)[0]
    res = evolutionary_erasure(model, seq, target=1, segment_length=10, budget=0.2,
                               restarts=2, n_null=20, seed=1, progress=False)
    mask = res.mask()
    assert mask.shape == (120,) and mask.mean() <= 0.2
    onehot = np.eye(4, dtype=np.float32)[["ACGT".index(b) for b in seq]]
    onehot[mask] = 0.0  # deepG's blank
    by_hand = model.predict(onehot.reshape(1, 3, 40, 4), verbose=0)[0, 1]
    summary = res.summary_table().iloc[0]
    assert summary["f_erased"] == pytest.approx(by_hand, abs=1e-6)
    assert summary["best"] == pytest.approx(summary["f_reference"] - by_hand, abs=1e-6)
