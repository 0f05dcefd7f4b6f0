"""ISM: the naive path on every kind of model, tables, regions and bad input.

Ground truth is a hand loop: every mutant through the Keras model itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import conv_lstm_model, keras_default, random_dna, set_seeded_weights
from deepg_interpret import encode, ism
from deepg_interpret.errors import ArgumentTypeError, InputError, TargetError
from test_ism_fast import encoded, hand_ism


@pytest.fixture(scope="module")
def lstm():
    return set_seeded_weights(conv_lstm_model(keras_default(), maxlen=24), seed=4)


@pytest.fixture(scope="module")
def dna():
    seqs = random_dna(2, 24, seed=11)
    seqs[0] = seqs[0][:3] + "N" + seqs[0][4:]
    return seqs


@pytest.fixture(scope="module")
def lstm_results(lstm, dna):
    return {fast: ism(lstm, dna, target=1, fast=fast, progress=False, batch_size=7)
            for fast in (False, True)}


def test_lstm_model_naive_and_fast_equal_the_hand_loop(lstm, dna, lstm_results):
    expected = hand_ism(lstm, encoded(dna), 1)
    assert np.abs(expected).max() > 1e-4
    naive, forced = lstm_results[False], lstm_results[True]
    assert naive.path == "naive"
    np.testing.assert_allclose(naive.deltas, expected, atol=1e-6)
    # conv + pool + batch norm before the LSTM: the fast path windows those, then the LSTM
    # runs on the patched activation (the generic head).
    assert forced.path == "fast"
    np.testing.assert_allclose(forced.deltas, expected, atol=1e-5)
    assert naive.deltas.dtype == np.float32


def test_auto_leaves_recurrent_heads_to_the_naive_path(lstm, dna, lstm_results):
    res = ism(lstm, dna, target=1, start=2, end=2, progress=False)
    assert res.path == "naive" and "LSTM" in res.settings["fast_refused"]
    np.testing.assert_allclose(res.deltas[:, 1], lstm_results[False].deltas[:, 1], atol=1e-6)


def test_ism_table_schema_and_reference_rows(lstm_results, dna):
    res = lstm_results[False]
    table = res.to_frame()
    assert list(table.columns) == ["seq_id", "position", "ref_base", "alt_base", "delta"]
    assert table["position"].dtype == np.int32
    assert list(table["alt_base"].cat.categories) == ["A", "C", "G", "T"]
    assert list(table["ref_base"].cat.categories) == ["A", "C", "G", "T", "N"]
    assert (table["ref_base"].astype(str) != table["alt_base"].astype(str)).all()
    assert len(table) == 2 * 24 * 3 + 1  # the N at seq_1:4 has four mutants
    at_n = table[(table.seq_id == "seq_1") & (table.position == 4)]
    assert (at_n["ref_base"] == "N").all() and len(at_n) == 4
    row = table[(table.seq_id == "seq_2") & (table.position == 10)].iloc[0]
    code = "ACGT".index(str(row.alt_base))
    assert row.delta == pytest.approx(res.deltas[1, 9, code])
    assert dna[1][9] == str(row.ref_base)


def test_per_locus_mean_and_l2_norm(lstm_results):
    res = lstm_results[False]
    per_locus = res.per_locus_table()
    assert list(per_locus.columns[:5]) == ["seq_id", "position", "ref_base", "delta_mean",
                                           "delta_l2"]
    d = res.deltas.astype(np.float64)
    row = per_locus.iloc[24 + 5]  # seq_2, position 6: a plain base, three mutants
    assert row.delta_mean == pytest.approx(d[1, 5].sum() / 3)
    assert row.delta_l2 == pytest.approx(np.sqrt((d[1, 5] ** 2).sum()))
    n_row = per_locus.iloc[3]  # seq_1, position 4: N, four mutants
    assert n_row.delta_mean == pytest.approx(d[0, 3].mean())
    from deepg_interpret.plots import plot_per_locus

    plot_per_locus(per_locus, seq_id="seq_2", k=3)  # the track plot reads it


def test_summary_records_the_path_and_reference(lstm, lstm_results, dna):
    summary = lstm_results[False].summary_table()
    assert summary["path"].tolist() == ["naive", "naive"]
    assert summary["n_mutants"].tolist() == [24 * 3 + 1, 24 * 3]
    f = np.asarray(lstm(encoded(dna), training=False))[:, 1]
    np.testing.assert_allclose(summary["f_reference"], f, atol=1e-6)
    assert summary.attrs["path"] == "naive" and summary.attrs["fast"] == "false"


def test_set_model_takes_the_naive_path(dna):
    k = keras_default()
    inp = k.Input((2, 12, 4))
    hidden = k.layers.TimeDistributed(k.layers.Conv1D(3, 3, activation="relu"))(inp)
    hidden = k.layers.TimeDistributed(k.layers.GlobalAveragePooling1D())(hidden)
    out = k.layers.Dense(2, activation="softmax")(k.layers.Flatten()(hidden))
    model = set_seeded_weights(k.Model(inp, out), seed=2)
    res = ism(model, dna[1], target=0, progress=False)
    assert res.path == "naive" and "set" in res.settings["fast_refused"]
    x = encoded([dna[1]])
    flat_model = lambda m, training=False: model(m.reshape(-1, 2, 12, 4))  # noqa: E731
    np.testing.assert_allclose(res.deltas, hand_ism(flat_model, x, 0), atol=1e-6)
    table = res.ism_table()
    assert {"member", "member_position"} <= set(table.columns)


def test_windows_are_stitched_in_genome_positions():
    k = keras_default()
    model = set_seeded_weights(k.Sequential([
        k.Input((10, 4)), k.layers.Conv1D(3, 3, padding="same", activation="relu"),
        k.layers.Flatten(), k.layers.Dense(1)]), seed=6)
    seq = random_dna(1, 16, seed=3)[0]
    res = ism(model, seq, target=0, window_step=6, progress=False)
    assert res.path == "fast"
    table = res.ism_table()
    assert table["position"].min() == 1 and table["position"].max() == 16
    windows = encode(seq, maxlen=10, window_step=6).onehot
    by_hand = hand_ism(model, windows, 0)  # windows 1-10, 7-16
    row = table[(table.position == 8)].iloc[0]
    code = "ACGT".index(str(row.alt_base))
    assert row.n_windows == 2
    assert row.delta == pytest.approx((by_hand[0, 7, code] + by_hand[1, 1, code]) / 2, abs=1e-6)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"start": 10, "end": 5}, InputError, "start = 10 is after end = 5"),
    ({"end": 25}, InputError, "end = 25 is beyond the sequence"),
    ({"start": 30}, InputError, "start = 30 is beyond the sequence"),
    ({"start": 0}, InputError, "`start` must be >= 1"),
    ({"start": "3"}, ArgumentTypeError, "`start` must be an integer"),
    ({"fast": "maybe"}, InputError, "fast = 'maybe' is not a choice"),
    ({"target": 5}, TargetError, "target = 5 is out of range"),
])
def test_bad_input_gives_clear_errors(lstm, dna, kwargs, error, message):
    kwargs = {"target": 1, **kwargs}
    with pytest.raises(error, match=message):
        ism(lstm, dna, progress=False, **kwargs)


def test_tables_are_r_friendly(lstm_results):
    for name, table in lstm_results[True].tables().items():
        assert isinstance(table.index, pd.RangeIndex), name
        assert table.attrs["method"] == "ism"


def test_mutants_are_built_batch_by_batch(lstm, dna, monkeypatch):
    """Memory holds one batch of mutants: never all 3 L of them."""
    from deepg_interpret.methods import ism as ism_module

    seen = []
    original = ism_module.run_batched

    def spy(fn, n_items, make_batch, consume, **kwargs):
        def recording(a, b):
            batch = make_batch(a, b)
            seen.append(batch[0].shape[0])
            return batch

        return original(fn, n_items, recording, consume, **kwargs)

    monkeypatch.setattr(ism_module, "run_batched", spy)
    ism(lstm, dna[1], target=1, fast=False, batch_size=10, progress=False)
    assert sum(seen) == 24 * 3 and max(seen) == 10 and len(seen) == 8
