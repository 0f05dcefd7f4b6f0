"""Occlusion: erased windows against erasing by hand, per-locus means, windows, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import keras_default, linear_model, random_dna, random_one_hot
from deepg_interpret import (
    BaselineError,
    InputError,
    OcclusionResult,
    TargetError,
    occlusion,
    run_method,
)
from deepg_interpret.dna.sequences import encode


@pytest.fixture(scope="module")
def linear():
    return linear_model(keras_default(), maxlen=30, seed=4)


@pytest.fixture(scope="module")
def composition_model():
    """Output depends on base composition only (global average pooling, variable length)."""
    k = keras_default()
    model = k.Sequential([k.Input((None, 4)), k.layers.GlobalAveragePooling1D(),
                          k.layers.Dense(2, activation="softmax")])
    model.layers[-1].set_weights([np.array([[1, -1], [0, 2], [-1, 1], [0.5, 0]], np.float32),
                                  np.zeros(2, np.float32)])
    return model


def test_occlusion_equals_erasing_by_hand(linear):
    model, _ = linear
    x = random_one_hot(2, 30, seed=1)
    res = occlusion(model, x, target=0, window=7, stride=5, progress=False)
    table = res.to_frame()
    assert list(table.columns) == ["seq_id", "start", "end", "f_reference", "f_erased", "drop"]
    # starts every 5 bases plus one flush with the end: 1, 6, 11, 16, 21, 24
    assert table.loc[table.seq_id == "seq_1", "start"].tolist() == [1, 6, 11, 16, 21, 24]
    assert (table["end"] - table["start"] + 1 == 7).all()
    erased = []
    for row in table.itertuples():
        i = int(row.seq_id.split("_")[1]) - 1
        copy = x[i].copy()
        copy[row.start - 1:row.end] = 0.0
        erased.append(copy)
    by_hand = model.predict(np.stack(erased), verbose=0)[:, 0]
    np.testing.assert_allclose(table["f_erased"], by_hand, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(table["f_reference"],
                               np.repeat(model.predict(x, verbose=0)[:, 0], 6), rtol=1e-5)
    np.testing.assert_allclose(table["drop"], table["f_reference"] - table["f_erased"])
    assert table["start"].dtype == np.int32


def test_uniform_fill_matches_the_linear_formula(linear):
    model, w = linear
    x = random_one_hot(1, 30, seed=2)
    res = occlusion(model, x, target=0, window=5, stride=5, baseline="uniform", progress=False)
    table = res.to_frame()
    for row in table.itertuples():
        span = slice(row.start - 1, row.end)
        expected = float(np.sum(w[span] * (x[0, span] - 0.25)))  # F(x) - F(x') for F linear
        assert row.drop == pytest.approx(expected, abs=1e-4)


def test_per_locus_is_the_mean_drop_of_covering_windows(linear):
    model, _ = linear
    res = occlusion(model, random_dna(1, 30, seed=3), target=0, window=6, stride=4,
                    progress=False)
    table, loci = res.to_frame(), res.per_locus_table()
    assert list(loci.columns[:5]) == ["seq_id", "position", "ref_base", "score_sum",
                                      "n_occlusions"]
    for pos in range(1, 31):
        cover = table[(table.start <= pos) & (table.end >= pos)]
        row = loci[loci.position == pos].iloc[0]
        assert row.n_occlusions == len(cover)
        assert row.score_sum == pytest.approx(cover["drop"].mean(), abs=1e-9)


def test_shuffles_keep_composition_so_a_composition_model_sees_no_drop(composition_model):
    seqs = {"a": random_dna(1, 120, seed=5)[0], "b": random_dna(1, 75, seed=6)[0]}
    for baseline in ("shuffle", "dinuc_shuffle"):
        res = occlusion(composition_model, seqs, target=1, window=20, stride=10,
                        baseline=baseline, seed=3, progress=False)
        np.testing.assert_allclose(res.to_frame()["drop"], 0.0, atol=1e-6)
    zero = occlusion(composition_model, seqs, target=1, window=20, stride=10, progress=False)
    assert (zero.to_frame()["drop"].abs() > 1e-4).any()
    # ragged lengths: each sequence keeps its own windows
    assert zero.to_frame().groupby("seq_id")["end"].max().to_dict() == {"a": 120, "b": 75}


def test_random_fills_are_seeded_and_independent_of_batching(linear):
    model, _ = linear
    x = random_one_hot(3, 30, seed=7)
    a = occlusion(model, x, target=0, window=8, stride=3, baseline="shuffle", seed=11,
                  batch_size=2, progress=False).to_frame()
    b = occlusion(model, x, target=0, window=8, stride=3, baseline="shuffle", seed=11,
                  batch_size=64, progress=False).to_frame()
    c = occlusion(model, x, target=0, window=8, stride=3, baseline="shuffle", seed=12,
                  progress=False).to_frame()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-6)
    assert not np.allclose(a["f_erased"], c["f_erased"])


def test_windows_of_a_genome_are_stitched(linear):
    model, _ = linear
    genome = random_dna(1, 70, seed=8)[0]
    res = occlusion(model, {"g": genome}, target=0, window=5, stride=5, window_step=20,
                    progress=False)
    table = res.to_frame()
    assert list(table.columns[:4]) == ["seq_id", "window", "start", "end"]
    assert set(table.seq_id) == {"g"} and table["end"].max() == 70
    loci = res.per_locus_table()
    assert loci["position"].tolist() == list(range(1, 71))
    pos = 25  # in model windows 1 (1-30) and 2 (21-50): both windows' occlusions count
    cover = table[(table.start <= pos) & (table.end >= pos)]
    assert loci.loc[loci.position == pos, "score_sum"].iloc[0] == pytest.approx(
        cover["drop"].mean())
    assert loci.loc[loci.position == pos, "n_occlusions"].iloc[0] == len(cover)


def test_registry_runs_occlusion_and_result_type(linear):
    model, _ = linear
    res = run_method("occlusion", model, random_dna(2, 30, seed=9), target=0, window=10,
                     progress=False)
    assert isinstance(res, OcclusionResult)
    assert res.to_frame().attrs["stride"] == 5 and res.to_frame().attrs["window"] == 10


def test_set_models_occlude_the_members_concatenated():
    k = keras_default()
    model = k.Sequential([k.Input((3, 10, 4)),
                          k.layers.TimeDistributed(k.layers.Flatten()),
                          k.layers.Flatten(), k.layers.Dense(1)])
    x = random_one_hot(1, 30, seed=10)
    res = occlusion(model, x.reshape(1, 3, 10, 4), target=0, window=10, stride=10,
                    progress=False)
    table = res.to_frame()
    assert table[["start", "end"]].values.tolist() == [[1, 10], [11, 20], [21, 30]]
    erased = np.repeat(x, 3, axis=0)
    for j in range(3):
        erased[j, 10 * j:10 * (j + 1)] = 0
    by_hand = model.predict(erased.reshape(3, 3, 10, 4), verbose=0)[:, 0]
    np.testing.assert_allclose(table["f_erased"], by_hand, rtol=1e-5, atol=1e-5)
    assert "member" in res.per_locus_table().columns


@pytest.mark.parametrize("kwargs, error, message", [
    ({"window": 31}, InputError, "window = 31 is larger than sequence"),
    ({"window": 0}, InputError, "`window` must be >= 1"),
    ({"window": 5, "stride": 0}, InputError, "`stride` must be >= 1"),
    ({"window": 10, "stride": 30}, InputError,
     r"stride = 30 > window = 10 leaves bases uncovered .* pass stride <= window"),
    ({"window": 5, "stride": 6}, InputError, r"stride = 6 > window = 5"),
    ({"window": 5, "baseline": "zeros"}, BaselineError, "Did you mean 'zero'"),
    ({"window": 5, "target": 3}, TargetError, "target"),
])
def test_bad_input_is_explained(linear, kwargs, error, message):
    model, _ = linear
    kwargs = {"target": 0, **kwargs}
    with pytest.raises(error, match=message):
        occlusion(model, random_dna(1, 30)[0], progress=False, **kwargs)


def test_window_larger_than_a_short_padded_sequence(linear):
    model, _ = linear
    with pytest.raises(InputError, match="larger than sequence 'short' \\(8 bases\\)"):
        occlusion(model, {"short": "ACGTACGT"}, target=0, window=10, pad="right",
                  progress=False)
    ok = occlusion(model, {"short": "ACGTACGT"}, target=0, window=4, pad="left",
                   progress=False).to_frame()
    assert ok[["start", "end"]].values.tolist() == [[1, 4], [3, 6], [5, 8]]
    assert encode("ACGTACGT", maxlen=30, pad="left").starts[0] == -21


def test_track_plot_of_an_occlusion(linear):
    from deepg_interpret.plots import plot_erasure

    model, _ = linear
    res = occlusion(model, {"s": random_dna(1, 30, seed=11)[0]}, target=0, window=6,
                    progress=False)
    segments = pd.DataFrame({"run": [1], "start": [7], "end": [12], "frequency": [1.0]})
    fig = plot_erasure(res, segments, k=3)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), res.per_locus_table()["score_sum"])
    assert len(ax.patches) == 1
    with pytest.raises(InputError, match="run = 2 is not in `segments`"):
        plot_erasure(res, segments, run=2)
