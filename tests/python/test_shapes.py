"""Input shapes beyond (n, maxlen, 4): set models, windowed genomes, variable-length models.

Hand-checkable models: for a linear model F(x) = sum(W * x) + b, Integrated Gradients
with a zero baseline is exactly ``x * W`` (any number of steps), so every table value is
known in advance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import keras_default, random_dna, random_one_hot
from deepg_interpret import encode, gradient_x_input, integrated_gradients, saliency
from deepg_interpret.core.prepare import length_groups, prepare, run_by_length
from deepg_interpret.errors import SequenceError, ShapeError
from deepg_interpret.results.tables import attribution_table, per_locus_from_attribution

pytestmark = pytest.mark.tf215

BASES = "ACGT"


def linear_set_model(k, members: int = 3, maxlen: int = 10, seed: int = 0):
    """A set model (None, members, maxlen, 4) with F(x) = sum(W * x) + 0.1."""
    rng = np.random.default_rng(seed)
    inp = k.Input((members, maxlen, 4))
    out = k.layers.Dense(1)(k.layers.Flatten()(inp))
    model = k.Model(inp, out)
    w = rng.normal(size=(members * maxlen * 4, 1)).astype(np.float32)
    model.layers[-1].set_weights([w, np.array([0.1], np.float32)])
    return model, w.reshape(members, maxlen, 4)


def linear_model(k, maxlen: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    model = k.Sequential([k.Input((maxlen, 4)), k.layers.Flatten(), k.layers.Dense(1)])
    w = rng.normal(size=(maxlen * 4, 1)).astype(np.float32)
    model.layers[-1].set_weights([w, np.array([0.3], np.float32)])
    return model, w.reshape(maxlen, 4)


def any_length_model(k, seed: int = 0):
    k.utils.set_random_seed(seed)
    return k.Sequential([k.Input((None, 4)), k.layers.Conv1D(4, 3, activation="relu"),
                         k.layers.GlobalAveragePooling1D(),
                         k.layers.Dense(2, activation="softmax")])


def onehot_of(dna: str) -> np.ndarray:
    return np.eye(4, dtype=np.float32)[[BASES.index(b) for b in dna]]


# ---- set (time-distributed) models ---------------------------------------------------

def test_set_model_takes_deepgs_4d_array_with_member_columns():
    model, w = linear_set_model(keras_default())
    x = random_one_hot(6, 10, seed=4).reshape(2, 3, 10, 4)  # deepG: (batch, members, maxlen, 4)
    res = integrated_gradients(model, x, target=0, steps=3, progress=False)
    # IG of a linear model from a zero baseline: x * W exactly
    np.testing.assert_allclose(res.attributions, (x * w).reshape(2, 30, 4), atol=1e-6)

    att = res.attribution_table()
    assert list(att.columns) == ["seq_id", "position", "base", "score", "observed",
                                 "member", "member_position"]
    assert att["member"].dtype == np.int32 and att["member_position"].dtype == np.int32
    assert att["position"].min() == 1 and att["position"].max() == 30
    np.testing.assert_array_equal(att["member"], (att["position"] - 1) // 10 + 1)
    np.testing.assert_array_equal(att["member_position"], (att["position"] - 1) % 10 + 1)
    # every row's score is W at (member, member_position, base) times the input there
    s = att.iloc[np.flatnonzero(att["seq_id"] == "seq_2")]
    b = s["base"].cat.codes.to_numpy()
    m, p = s["member"].to_numpy() - 1, s["member_position"].to_numpy() - 1
    np.testing.assert_allclose(s["score"], x[1, m, p, b] * w[m, p, b], atol=1e-6)
    assert (s.loc[s["observed"], "score"].to_numpy() != 0).all()

    loc = res.per_locus_table()
    assert list(loc.columns)[-2:] == ["member", "member_position"] and len(loc) == 2 * 30
    pd.testing.assert_frame_equal(per_locus_from_attribution(att), loc, check_like=False)
    # completeness: sum of scores = F(x) - F(0)
    summ = res.summary_table()
    assert list(summ.columns) == ["seq_id", "target", "baseline", "steps", "f_input",
                                  "f_baseline", "ig_sum", "delta"]
    np.testing.assert_allclose(summ["f_baseline"], 0.1, atol=1e-6)
    np.testing.assert_allclose(summ["ig_sum"], (x * w).sum(axis=(1, 2, 3)), atol=1e-5)
    assert summ["delta"].abs().max() < 1e-5


def test_set_model_string_is_cut_into_members_like_the_array():
    model, _ = linear_set_model(keras_default())
    dna = random_dna(1, 30, seed=7)[0]
    x = onehot_of(dna).reshape(1, 3, 10, 4)
    from_string = gradient_x_input(model, dna, target=0, progress=False).attribution_table()
    from_array = gradient_x_input(model, x, target=0, progress=False).attribution_table()
    pd.testing.assert_frame_equal(from_string, from_array)
    with pytest.raises(SequenceError, match="maxlen = 30"):
        saliency(model, dna[:20], target=0, progress=False)


def test_windowed_set_model_stitches_without_member_columns():
    model, _ = linear_set_model(keras_default(), members=2, maxlen=5)
    res = saliency(model, random_dna(1, 16, seed=2)[0], target=0, window_step=3, progress=False)
    att = res.attribution_table()
    assert "member" not in att.columns and "n_windows" in att.columns
    per_window = res.attribution_table(stitch=False)
    assert {"window", "member", "member_position"} <= set(per_window.columns)


# ---- windows -------------------------------------------------------------------------

def expected_stitched(dna: str, w: np.ndarray, starts: list[int]):
    """Mean over covering windows of x * W[pos - start]; and the window counts."""
    x = onehot_of(dna)
    total = np.zeros_like(x, dtype=np.float64)
    count = np.zeros(len(dna), dtype=int)
    for s in starts:  # 1-based window starts
        total[s - 1:s - 1 + len(w)] += x[s - 1:s - 1 + len(w)] * w
        count[s - 1:s - 1 + len(w)] += 1
    return total / count[:, None], count


def test_windows_keep_genome_positions_and_are_stitched():
    model, w = linear_model(keras_default(), maxlen=10)
    genome = random_dna(1, 25, seed=5)[0]
    other = random_dna(1, 10, seed=6)[0]
    res = integrated_gradients(model, {"chr": genome, "plasmid": other}, target=0, steps=2,
                               window_step=5, progress=False)
    # windows 1-10, 6-15, 11-20, 16-25 of chr; plasmid is one whole row
    assert res.inputs.starts.tolist() == [1, 6, 11, 16, 1]

    att = res.attribution_table()
    assert list(att.columns) == ["seq_id", "position", "base", "score", "observed", "n_windows"]
    assert att["seq_id"].unique().tolist() == ["chr", "plasmid"]
    chr_rows = att[att["seq_id"] == "chr"]
    assert chr_rows["position"].unique().tolist() == list(range(1, 26))
    scores, count = expected_stitched(genome, w, [1, 6, 11, 16])
    np.testing.assert_allclose(chr_rows["score"].to_numpy().reshape(25, 4), scores, atol=1e-6)
    np.testing.assert_array_equal(chr_rows["n_windows"].to_numpy()[::4], count)
    assert count.tolist() == [1] * 5 + [2] * 15 + [1] * 5
    assert (att.loc[att["seq_id"] == "plasmid", "n_windows"] == 1).all()
    # one observed base per genome position, as in the genome
    obs = chr_rows[chr_rows["observed"]]
    assert "".join(obs["base"].astype(str)) == genome

    # per-locus: one row per seq_id and position, computed from the stitched scores
    loc = res.per_locus_table()
    assert not loc.duplicated(["seq_id", "position"]).any() and len(loc) == 25 + 10
    assert list(loc.columns)[-1] == "n_windows"
    pd.testing.assert_frame_equal(per_locus_from_attribution(att), loc)
    assert "".join(loc.loc[loc["seq_id"] == "chr", "ref_base"].astype(str)) == genome

    # summary: one row per window (forward pass), completeness per window
    summ = res.summary_table()
    assert list(summ.columns) == ["seq_id", "window", "start", "end", "target", "baseline",
                                  "steps", "f_input", "f_baseline", "ig_sum", "delta"]
    assert summ[["seq_id", "window", "start", "end"]].values.tolist() == [
        ["chr", 1, 1, 10], ["chr", 2, 6, 15], ["chr", 3, 11, 20], ["chr", 4, 16, 25],
        ["plasmid", 1, 1, 10]]
    assert summ["delta"].abs().max() < 1e-5


def test_per_window_tables_keep_every_window():
    model, w = linear_model(keras_default(), maxlen=10)
    genome = random_dna(1, 25, seed=5)[0]
    res = gradient_x_input(model, genome, target=0, window_step=5, progress=False)
    per_window = res.attribution_table(stitch=False)
    assert list(per_window.columns) == ["seq_id", "window", "position", "base", "score",
                                        "observed"]
    assert len(per_window) == 4 * 10 * 4
    second = per_window[per_window["window"] == 2]
    assert second["position"].unique().tolist() == list(range(6, 16))
    np.testing.assert_allclose(second["score"].to_numpy().reshape(10, 4),
                               onehot_of(genome[5:15]) * w, atol=1e-6)
    loc = res.per_locus_table(stitch=False)
    pd.testing.assert_frame_equal(per_locus_from_attribution(per_window), loc)
    assert list(loc.columns[:3]) == ["seq_id", "window", "position"]
    # the mean of the per-window scores is the stitched table
    mean = per_window.groupby(["seq_id", "position", "base"], observed=True)["score"].mean()
    np.testing.assert_allclose(mean.to_numpy(), res.attribution_table()["score"], atol=1e-12)


def test_discarded_windows_leave_their_positions_uncovered():
    model, _ = linear_model(keras_default(), maxlen=10)
    genome = list(random_dna(1, 25, seed=5)[0])
    genome[6] = "N"  # position 7: in windows 1 (1-10) and 2 (6-15)
    with pytest.warns(match="dropped 2 window"):
        res = saliency(model, "".join(genome), target=0, window_step=5, ambiguous="discard",
                       progress=False)
    summ = res.summary_table()
    assert summ["window"].tolist() == [3, 4] and summ["start"].tolist() == [11, 16]
    loc = res.per_locus_table()
    assert loc["position"].tolist() == list(range(11, 26))
    assert loc["n_windows"].tolist() == [1] * 5 + [2] * 5 + [1] * 5


# ---- variable-length models ----------------------------------------------------------

def test_variable_length_model_takes_sequences_of_different_lengths():
    model = any_length_model(keras_default())
    seqs = dict(zip(["a", "b", "c"], [random_dna(1, n, seed=n)[0] for n in (12, 20, 16)]))
    res = integrated_gradients(model, seqs, target=1, steps=16, progress=False)
    assert res.attributions.shape == (3, 20, 4)
    assert not res.attributions[0, 12:].any() and not res.attributions[2, 16:].any()
    tables = res.tables()
    assert tables["summary"]["seq_id"].tolist() == ["a", "b", "c"]  # input order
    assert tables["per_locus"].groupby("seq_id", sort=False).size().to_dict() == {
        "a": 12, "b": 20, "c": 16}
    for name, dna in seqs.items():
        alone = integrated_gradients(model, {name: dna}, target=1, steps=16,
                                     progress=False).tables()
        for table, df in tables.items():
            part = df[df["seq_id"] == name].reset_index(drop=True)
            part.attrs = alone[table].attrs
            pd.testing.assert_frame_equal(part, alone[table], rtol=1e-5, atol=1e-7)
    assert tables["summary"]["delta"].abs().max() < 1e-3


def test_random_baselines_do_not_depend_on_length_grouping():
    """A sequence's seeded baseline is the same whether its length group is run with
    sequences of other lengths or without them (seeds are per input sequence)."""
    model = any_length_model(keras_default())
    seqs = {"a": random_dna(1, 12, seed=1)[0], "b": random_dna(1, 20, seed=2)[0],
            "c": random_dna(1, 12, seed=3)[0]}
    mixed = integrated_gradients(model, seqs, target=1, steps=8,
                                 baseline="shuffle", seed=3, progress=False)
    # the third sequence keeps its seed (third in the input) whatever the others' lengths
    other = integrated_gradients(model, {"x": seqs["b"], "y": random_dna(1, 20, seed=9)[0],
                                         "c": seqs["c"]},
                                 target=1, steps=8, baseline="shuffle", seed=3, progress=False)
    assert other.f_baseline[2] == pytest.approx(mixed.f_baseline[2], rel=1e-6)


@pytest.mark.parametrize("method", [saliency, gradient_x_input])
def test_variable_length_gradient_methods_match_separate_calls(method):
    model = any_length_model(keras_default())
    seqs = [random_dna(1, n, seed=n)[0] for n in (9, 14, 9)]
    res = method(model, seqs, target=0, progress=False)
    for i, dna in enumerate(seqs):
        alone = method(model, dna, target=0, progress=False)
        np.testing.assert_allclose(res.attributions[i, :len(dna)], alone.attributions[0],
                                   rtol=1e-5, atol=1e-7)
        assert res.f_input[i] == pytest.approx(alone.f_input[0], rel=1e-5)


def test_length_groups_and_run_by_length():
    enc = encode({"a": "ACG", "b": "ACGTA", "c": "TTT"}, ragged=True)
    assert enc.lengths.tolist() == [3, 5, 3] and enc.onehot.shape == (3, 5, 4)
    assert enc.padding[0].tolist() == [False] * 3 + [True] * 2
    groups = length_groups(enc)
    assert [rows.tolist() for rows, _ in groups] == [[0, 2], [1]]
    assert [sub.length for _, sub in groups] == [3, 5]
    assert all(sub.lengths is None and sub.padding is None for _, sub in groups)
    with pytest.raises(SequenceError, match="different lengths"):
        encode(["ACG", "ACGTA"])

    model = any_length_model(keras_default())
    p = prepare(model, enc)
    assert p.inputs.lengths.tolist() == [3, 5, 3]  # mixed lengths: run per length group
    with pytest.raises(ShapeError, match="run_by_length"):
        from deepg_interpret.core.prepare import model_layout

        model_layout(p.adapter, enc)
    seen = []

    def fake(adapter, inputs, *, scale):
        seen.append(inputs.length)
        return (inputs.onehot * scale, np.full(len(inputs), inputs.length), inputs.length)

    arr, per_seq, scalar = run_by_length(fake, p.adapter, enc, scale=2.0)
    assert seen == [3, 5]
    np.testing.assert_array_equal(arr, enc.onehot * 2.0)
    assert per_seq.tolist() == [3, 5, 3] and scalar == [3, 5]
    # the tables leave the fill out
    t = attribution_table(arr, enc)
    assert t.groupby("seq_id", sort=False).size().to_dict() == {"a": 12, "b": 20, "c": 12}
