"""Encoding DNA the way deepG does: vocabulary order, ambiguity, windows, padding, errors."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepg_interpret import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    SequenceError,
    ShapeError,
    decode,
    encode,
    read_fasta,
)


def test_vocabulary_order_and_case():
    enc = encode("acgT")
    assert enc.onehot.dtype == np.float32
    np.testing.assert_array_equal(enc.onehot[0], np.eye(4))
    assert enc.seq_ids == ["seq_1"] and enc.starts.tolist() == [1]


@pytest.mark.parametrize("mode, row", [("zero", [0, 0, 0, 0]), ("equal", [0.25] * 4)])
def test_ambiguous_bases(mode, row):
    enc = encode(["ANRT"], ambiguous=mode)
    np.testing.assert_allclose(enc.onehot[0, 1], row)
    np.testing.assert_allclose(enc.onehot[0, 2], row)  # IUPAC R is ambiguous too
    assert enc.ambiguous[0].tolist() == [False, True, True, False]


def test_discard_drops_windows_with_ambiguous_bases():
    with pytest.warns(DeepGInterpretWarning, match="dropped 1 window"):
        enc = encode({"a": "ACGT", "b": "ACNT"}, ambiguous="discard")
    assert enc.seq_ids == ["a"]
    with pytest.raises(SequenceError, match="dropped them all"):
        encode(["NNNN"], ambiguous="discard")


def test_larger_vocabulary_makes_n_a_channel():
    enc = encode("ACGTN", vocabulary="ACGTN")
    assert enc.onehot.shape == (1, 5, 5)
    assert not enc.ambiguous.any()


def test_windows_cover_the_whole_sequence():
    enc = encode("ACGTACGTAC", maxlen=4, window_step=3)
    assert enc.seq_ids == ["seq_1:1-4", "seq_1:4-7", "seq_1:7-10"]
    assert enc.starts.tolist() == [1, 4, 7]
    # step 4 leaves bases 9..10 uncovered by regular windows: a flush-right window is added
    enc = encode("ACGTACGTAC", maxlen=4, window_step=4)
    assert enc.starts.tolist() == [1, 5, 7]
    assert enc.sequences()[-1] == "GTAC"
    assert set(enc.source_ids) == {"seq_1"}


def test_padding_left_and_right():
    left = encode("ACG", maxlen=5, pad="left")
    assert left.sequences() == ["NNACG"] and left.starts.tolist() == [-1]
    assert left.ambiguous[0].tolist() == [True, True, False, False, False]
    right = encode("ACG", maxlen=5, pad="right")
    assert right.sequences() == ["ACGNN"] and right.starts.tolist() == [1]


def test_fasta_plain_and_gzip(tmp_path):
    text = ">one desc\nACGT\nAC\n>two\nGGGGGG\n"
    plain = tmp_path / "x.fasta"
    plain.write_text(text)
    gz = tmp_path / "x.fa.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(text)
    assert read_fasta(plain) == [("one", "ACGTAC"), ("two", "GGGGGG")]
    for path in (plain, str(gz)):
        enc = encode(path)
        assert enc.seq_ids == ["one", "two"] and enc.onehot.shape == (2, 6, 4)


def test_arrays_pass_through_and_flag_ambiguous_rows():
    arr = np.eye(4, dtype=np.float32)[[0, 1, 2, 3]]
    arr[2] = 0.0
    enc = encode(arr)
    assert enc.onehot.shape == (1, 4, 4)
    assert enc.ambiguous[0].tolist() == [False, False, True, False]
    # R hands arrays over in Fortran order: same values must come out
    enc_f = encode(np.asfortranarray(np.stack([arr, arr])))
    np.testing.assert_array_equal(enc_f.onehot[1], arr)


@given(st.lists(st.text(alphabet="ACGTN", min_size=1, max_size=60), min_size=1, max_size=5))
@settings(max_examples=60, deadline=None)
def test_decode_inverts_encode(seqs):
    enc = encode({f"s{i}": s for i, s in enumerate(seqs)}, maxlen=60, pad="right")
    decoded = enc.sequences()
    for s, d in zip(seqs, decoded):
        assert d[: len(s)] == s


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: encode(""), SequenceError, "empty"),
        (lambda: encode("ACGTXACGT", unknown="error"), SequenceError,
         r"outside the vocabulary \['X'\].*position 5.*unknown='ambiguous'"),
        (lambda: encode("ACGTÄ", unknown="error"), SequenceError, "non-DNA character"),
        (lambda: encode("ACGT", unknown="drop"), SequenceError, "unknown must be one of"),
        (lambda: encode(["ACGT", 5]), ArgumentTypeError, "sequence 2"),
        (lambda: encode(42), ArgumentTypeError, "DNA string"),
        (lambda: encode([]), SequenceError, "empty list"),
        (lambda: encode(["ACGT", "ACGTAA"]), SequenceError, "different lengths"),
        (lambda: encode("ACGTACGT", maxlen=4), SequenceError, "window_step="),
        (lambda: encode("ACG", maxlen=4), SequenceError, "pad='left'"),
        (lambda: encode(np.zeros((2, 5, 3)), vocabulary="ACGT"), ShapeError, "3 channels"),
        (lambda: encode(np.zeros(5)), ShapeError, r"\(L, C\)"),
        (lambda: encode(np.full((5, 4), np.nan)), SequenceError, "NaN"),
        (lambda: encode("missing/file.fasta"), SequenceError, "does not exist"),
        (lambda: encode("ACGT", ambiguous="drop"), SequenceError, "ambiguous must be"),
        (lambda: encode("ACGT", maxlen=0), SequenceError, "maxlen"),
    ],
)
def test_bad_input_says_what_to_do(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_decode_marks_non_one_hot_rows():
    assert decode(np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0.25] * 4], np.float32)) == ["ANN"]


def test_characters_outside_the_vocabulary_are_ambiguous_as_in_deepg():
    """deepG encodes any character outside its vocabulary as ambiguous (its example genome
    ecoli_small starts and ends with '|'): so do we, with a warning unless asked not to."""
    import warnings

    from deepg_interpret import DeepGInterpretWarning

    with pytest.warns(DeepGInterpretWarning, match=r"2 character\(s\) outside the vocabulary \['\|'\]"):
        enc = encode("|ACGTACGT|")
    with warnings.catch_warnings(record=True) as caught:  # one warning per call, not per sequence
        warnings.simplefilter("always")
        encode(["|ACG", "AC|G", "ACGT"])
    assert len(caught) == 1 and "2 sequences (first 'seq_1') had 2 character(s)" in str(caught[0].message)
    assert enc.ambiguous[0].tolist() == [True] + [False] * 8 + [True]
    assert not enc.onehot[0, [0, 9]].any()  # all-zero rows, like N with ambiguous="zero"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = encode("|ACGTACGT|", unknown="ambiguous", ambiguous="equal")
    np.testing.assert_allclose(quiet.onehot[0, 0], 0.25)
    with pytest.warns(DeepGInterpretWarning, match="outside the vocabulary"):
        assert encode("ACGÄ").ambiguous[0].tolist() == [False, False, False, True]
