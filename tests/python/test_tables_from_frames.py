"""Tables built from arrays and frames held outside a result (what the R side sends)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepg_interpret.dna.sequences import encode
from deepg_interpret.errors import InputError, ShapeError
from deepg_interpret.results.tables import (
    attribution_table,
    attribution_table_from_array,
    per_locus_from_attribution,
    per_locus_table,
)


def _inputs(n=3, length=20, channels=4, seed=0, n_ambiguous=2):
    rng = np.random.default_rng(seed)
    x = np.eye(channels, dtype=np.float32)[rng.integers(0, channels, (n, length))]
    for _ in range(n_ambiguous):
        x[rng.integers(n), rng.integers(length)] = 0.0
    scores = rng.normal(size=x.shape).astype(np.float32)
    return x, scores


# -- attribution_table_from_array -------------------------------------------------------

def test_from_array_equals_the_result_table():
    x, scores = _inputs()
    ids = ["b", "a", "c"]
    expected = attribution_table(scores, encode(x, seq_ids=ids))
    got = attribution_table_from_array(scores, x, seq_ids=ids)
    pd.testing.assert_frame_equal(got, expected)


def test_from_array_matrix_start_and_missing_observed():
    m = np.array([[0.1, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0, -0.2]])
    t = attribution_table_from_array(m, start=11, attrs={"method": "ig"})
    assert t.columns.tolist() == ["seq_id", "position", "base", "score", "observed"]
    assert t["seq_id"].unique().tolist() == ["seq_1"]
    assert t["position"].dtype == np.int32
    assert t["position"].tolist() == [11] * 4 + [12] * 4 + [13] * 4
    assert list(t["base"].cat.categories) == ["A", "C", "G", "T"]
    assert t["observed"].dtype == "boolean" and t["observed"].isna().all()
    assert t.attrs["method"] == "ig"
    observed = attribution_table_from_array(m, m != 0)
    assert observed["score"][observed["observed"]].tolist() == [0.1, 0.5, -0.2]


def test_from_array_channel_labels():
    scores = np.zeros((2, 3, 6))
    assert list(attribution_table_from_array(scores)["base"].cat.categories) == [
        f"ch{i}" for i in range(1, 7)]
    vocab = ["A", "C", "G", "T", "N", "X"]
    assert list(attribution_table_from_array(scores, vocabulary=vocab)["base"].cat.categories) == vocab


def test_from_array_errors():
    with pytest.raises(ShapeError, match="scores has shape"):
        attribution_table_from_array(np.zeros(5))
    with pytest.raises(ShapeError, match="onehot has shape"):
        attribution_table_from_array(np.zeros((3, 4)), np.zeros((2, 4)))
    with pytest.raises(InputError, match="2 ids for 1 sequences"):
        attribution_table_from_array(np.zeros((3, 4)), seq_ids=["a", "b"])
    with pytest.raises(InputError, match="duplicated ids 'a'"):
        attribution_table_from_array(np.zeros((2, 3, 4)), seq_ids=["a", "a"])
    with pytest.raises(InputError, match="start"):
        attribution_table_from_array(np.zeros((3, 4)), start=1.5)
    with pytest.raises(ShapeError):
        attribution_table_from_array(np.zeros((3, 5)), vocabulary="ACGT")


# -- per_locus_from_attribution ---------------------------------------------------------

@pytest.mark.parametrize("channels", [4, 6])
def test_per_locus_from_attribution_equals_the_result_table(channels):
    x, scores = _inputs(channels=channels, seed=channels)
    inputs = encode(x, seq_ids=["s1", "s2", "s3"])
    expected = per_locus_table(scores, inputs)
    table = attribution_table(scores, inputs)
    pd.testing.assert_frame_equal(per_locus_from_attribution(table), expected)
    # the rows in any order give the same table (sequences in order of first appearance)
    shuffled = table.iloc[np.random.default_rng(1).permutation(len(table))]
    first = pd.unique(shuffled["seq_id"])
    got = per_locus_from_attribution(shuffled)
    assert pd.unique(got["seq_id"]).tolist() == list(first)
    got = got.set_index(["seq_id", "position"]).loc[expected.set_index(["seq_id", "position"]).index]
    pd.testing.assert_frame_equal(got.reset_index(), expected)


def test_per_locus_from_a_string_base_column_and_no_observed():
    t = pd.DataFrame({"seq_id": "s", "position": [2, 2, 2, 2, 1, 1, 1, 1],
                      "base": list("ACGTACGT"), "score": [0, 1, 1, 0, -1, -2, np.nan, -3]})
    loci = per_locus_from_attribution(t)
    assert loci["position"].tolist() == [1, 2]
    assert list(loci["max_base"].cat.categories) == list("ACGT")
    assert loci["max_base"].astype(str).tolist() == ["A", "C"]  # NaN skipped; ties: first
    assert loci["ref_base"].astype(str).tolist() == ["N", "N"]
    assert loci["score_ref"].isna().all()
    assert np.isnan(loci["score_sum"][0]) and loci["score_sum"][1] == 2
    other = per_locus_from_attribution(t.assign(base=list("QRSTQRST")))
    assert list(other["max_base"].cat.categories) == list("QRST")


def test_per_locus_observed_na_and_two_observed_bases():
    t = pd.DataFrame({"seq_id": ["a"] * 8, "position": [1] * 4 + [2] * 4,
                      "base": pd.Categorical(list("ACGTACGT"), categories=list("ACGT")),
                      "score": np.arange(8.0),
                      "observed": pd.array([True, None, False, False, True, True, False, False],
                                           dtype="boolean")})
    t.attrs = {"method": "saliency"}
    loci = per_locus_from_attribution(t, attrs={"note": "x"})
    assert loci["ref_base"].astype(str).tolist() == ["A", "N"]  # NA counts as not observed
    assert loci["score_ref"].tolist()[0] == 0.0 and np.isnan(loci["score_ref"][1])
    assert loci.attrs == {"method": "saliency", "note": "x"}


def test_per_locus_vocabulary_with_n_uses_question_mark():
    x = np.eye(6, dtype=np.float32)[[0, 4, 5]]
    x[1] = 0.0
    scores = np.ones((1, 3, 6), dtype=np.float32)
    vocab = ["A", "C", "G", "T", "N", "X"]
    table = attribution_table_from_array(scores, x, vocabulary=vocab)
    loci = per_locus_from_attribution(table)
    assert list(loci["ref_base"].cat.categories) == vocab + ["?"]
    assert loci["ref_base"].astype(str).tolist() == ["A", "?", "X"]


def test_per_locus_errors_and_empty():
    with pytest.raises(InputError, match="lacks the column"):
        per_locus_from_attribution(pd.DataFrame({"seq_id": ["a"]}))
    with pytest.raises(InputError, match="DataFrame"):
        per_locus_from_attribution([1, 2])
    bad = pd.DataFrame({"seq_id": "a", "position": [1], "base": pd.Categorical([None], ["A"]),
                        "score": [1.0]})
    with pytest.raises(InputError, match="missing base"):
        per_locus_from_attribution(bad)
    empty = pd.DataFrame({"seq_id": pd.Series([], dtype=object), "position": np.array([], int),
                          "base": pd.Categorical([], categories=list("ACGT")),
                          "score": np.array([], float)})
    out = per_locus_from_attribution(empty)
    assert len(out) == 0 and out.columns.tolist()[-1] == "max_base"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3), length=st.integers(1, 12), channels=st.integers(2, 6),
       seed=st.integers(0, 2**16))
def test_per_locus_round_trip_property(n, length, channels, seed):
    x, scores = _inputs(n, length, channels, seed, n_ambiguous=1)
    ids = [f"id{i}" for i in range(n)]
    table = attribution_table_from_array(scores, x, seq_ids=ids, start=seed % 7 - 3)
    loci = per_locus_from_attribution(table)
    inputs = encode(x, seq_ids=ids)
    inputs.starts[:] = seed % 7 - 3
    pd.testing.assert_frame_equal(loci, per_locus_table(scores, inputs))
