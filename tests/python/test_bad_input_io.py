"""Bad input as a careless user gives it: FASTA files, odd containers, ids, one-hot
arrays that are not one-hot, other vocabularies, memory budgets. Every case must end
in a package error that says what to do (or be read correctly), never a raw traceback."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pytest

from deepg_interpret import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    InputError,
    SequenceError,
    ShapeError,
    decode,
    encode,
    read_fasta,
)
from deepg_interpret.core.batching import parse_memory_budget
from deepg_interpret.results.tables import attribution_table, per_locus_table

FASTA = ">one desc\nACGT\nAC\n>two\nGGGGGG\n"
RECORDS = [("one", "ACGTAC"), ("two", "GGGGGG")]


# -- FASTA files ----------------------------------------------------------------------

def test_fasta_without_header_says_to_add_one(tmp_path):
    path = tmp_path / "plain.fasta"
    path.write_text("ACGTACGT\nACGT\n")
    with pytest.raises(SequenceError, match=r"does not start with a header.*'ACGTACGT'.*>seq_1"):
        read_fasta(path)
    with pytest.raises(SequenceError, match="header"):
        encode(str(path))


def test_fasta_with_byte_order_mark_reads_correctly(tmp_path):
    path = tmp_path / "windows.fasta"
    path.write_bytes(b"\xef\xbb\xbf" + FASTA.replace("\n", "\r\n").encode())
    assert read_fasta(path) == RECORDS
    gz = tmp_path / "windows.fa.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf" + FASTA.encode()))
    assert read_fasta(gz) == RECORDS


def test_leading_blank_lines_and_comments_are_skipped(tmp_path):
    path = tmp_path / "x.fasta"
    path.write_text("\n\n;old comment\n" + FASTA)
    assert read_fasta(path) == RECORDS


def test_gzip_is_detected_by_content_not_by_suffix(tmp_path):
    gz_content = tmp_path / "looks_plain.fasta"
    gz_content.write_bytes(gzip.compress(FASTA.encode()))
    plain_content = tmp_path / "looks_gzipped.fa.gz"
    plain_content.write_text(FASTA)
    assert read_fasta(gz_content) == RECORDS
    assert read_fasta(plain_content) == RECORDS
    assert encode(str(gz_content)).seq_ids == ["one", "two"]


def test_truncated_gzip_says_truncated(tmp_path):
    data = gzip.compress((">a\n" + "ACGT" * 5000 + "\n").encode())
    path = tmp_path / "cut.fa.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SequenceError, match="truncated/corrupt"):
        read_fasta(path)
    path.write_bytes(data[:2])  # nothing but the magic bytes
    with pytest.raises(SequenceError, match="truncated/corrupt"):
        read_fasta(path)


def test_binary_file_is_not_fasta(tmp_path):
    path = tmp_path / "model.fasta"
    path.write_bytes(b">a\n\xff\xfe\x00\x01")
    with pytest.raises(SequenceError, match="not a text file"):
        read_fasta(path)


def test_directory_is_called_a_directory(tmp_path):
    folder = tmp_path / "genomes.fasta"
    folder.mkdir()
    for given in (folder, str(folder)):
        with pytest.raises(SequenceError, match="is a directory.*pass a FASTA file"):
            encode(given)
    with pytest.raises(SequenceError, match="is a directory"):
        read_fasta(tmp_path)


def test_missing_file_and_path_like_strings(tmp_path):
    with pytest.raises(SequenceError, match="does not exist"):
        read_fasta(tmp_path / "nope.fasta")
    with pytest.raises(SequenceError, match="meant as a file path"):
        encode("reads.txt")


# -- odd containers -----------------------------------------------------------------

def test_bytes_are_read_as_ascii_dna():
    np.testing.assert_array_equal(encode(b"ACGT").onehot, encode("ACGT").onehot)
    assert encode([b"ACGT", "GGCC"]).sequences() == ["ACGT", "GGCC"]
    with pytest.raises(SequenceError, match="not ASCII"):
        encode(b"AC\xffGT")


def test_numpy_string_arrays_are_lists_of_sequences():
    enc = encode(np.array(["ACGT", "GGCC"]))
    assert enc.seq_ids == ["seq_1", "seq_2"] and enc.sequences() == ["ACGT", "GGCC"]
    assert encode(np.array([b"ACGT", b"GGCC"])).sequences() == ["ACGT", "GGCC"]
    assert encode(np.array(["ACGT", "GG"], dtype=object), maxlen=4, pad="right").onehot.shape == (2, 4, 4)
    assert encode(np.array("ACGT")).sequences() == ["ACGT"]
    with pytest.raises(ArgumentTypeError, match="2-D array of strings"):
        encode(np.array([["A", "C"], ["G", "T"]]))
    with pytest.raises(ArgumentTypeError, match="neither numbers"):
        encode(np.array([{"a": 1}], dtype=object))


def test_list_of_arrays_says_to_stack():
    with pytest.raises(ArgumentTypeError, match="np.stack"):
        encode([np.eye(4), np.eye(4)])


# -- ids ------------------------------------------------------------------------------

def test_repeated_ids_are_rejected_never_merged(tmp_path):
    with pytest.raises(SequenceError, match=r"repeated names: 'a' \(2 times\).*unique"):
        encode(["ACGT", "GGCC", "TTTT"], seq_ids=["a", "a", "b"])
    with pytest.raises(SequenceError, match="'x'.*unique"):
        encode(np.eye(4, dtype=np.float32)[None].repeat(2, axis=0), seq_ids=["x", "x"])
    with pytest.raises(SequenceError, match="'1'"):
        encode({1: "ACGT", "1": "GGCC"})  # dict keys that collide as strings
    path = tmp_path / "dups.fasta"
    path.write_text(">chr1 first\nACGT\n>chr2\nGGCC\n>chr1 again\nTTTT\n")
    with pytest.raises(SequenceError, match=r"repeated record ids: 'chr1' \(2 times\)"):
        encode(str(path))
    with pytest.raises(SequenceError, match="repeated"):
        read_fasta(path, check_ids=True)
    # the plain reader (deepG training folders reuse headers) returns the records as they are
    assert [name for name, _ in read_fasta(path)] == ["chr1", "chr2", "chr1"]
    # unique names given with seq_ids fix it
    assert encode(str(path), seq_ids=["a", "b", "c"]).seq_ids == ["a", "b", "c"]


def test_empty_fasta_id_names_the_record(tmp_path):
    path = tmp_path / "anon.fasta"
    path.write_text(">a\nACGT\n>\nGGCC\n")
    with pytest.raises(SequenceError, match=r"record 2 has an empty id.*'>seq_2'"):
        encode(str(path))
    with pytest.raises(SequenceError, match="record 2"):
        read_fasta(path, check_ids=True)
    assert read_fasta(path) == [("a", "ACGT"), ("", "GGCC")]
    assert encode(str(path), seq_ids=["a", "b"]).seq_ids == ["a", "b"]
    with pytest.raises(SequenceError, match="empty name"):
        encode(["ACGT"], seq_ids=[""])


def test_seq_ids_single_string_and_wrong_type():
    assert encode("ACGT", seq_ids="mine").seq_ids == ["mine"]
    with pytest.raises(ArgumentTypeError, match="seq_ids must be a list"):
        encode("ACGT", seq_ids=5)
    with pytest.raises(SequenceError, match="1 names for 2 sequences"):
        encode(["ACGT", "GGCC"], seq_ids=["a"])


# -- one-hot arrays that are not one-hot -----------------------------------------------

@pytest.mark.parametrize(
    "row, message",
    [
        ([7.0, 7.0, 7.0, 7.0], r"above 1 \(largest 7\)"),
        ([-1.0, 0.0, 1.0, 1.0], r"negative values \(smallest -1\)"),
        ([0.3, 0.7, 0.0, 0.0], "fractional values such as 0.3"),
        ([1.0, 1.0, 0.0, 0.0], "more than one 1"),
    ],
)
def test_rows_that_are_not_one_hot_warn(row, message):
    arr = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0]]
    arr[3] = row
    arr = np.stack([np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0]], arr])
    with pytest.warns(DeepGInterpretWarning, match=r"1 of 10 row\(s\).*not one-hot") as caught:
        enc = encode(arr)
    text = str(caught[0].message)
    assert "sequence 2, position 4" in text
    assert pytest.importorskip("re").search(message, text)
    assert enc.ambiguous[1].tolist() == [False, False, False, True, False]
    np.testing.assert_array_equal(enc.onehot, arr)  # passed on as given


def test_legitimate_n_encodings_do_not_warn():
    arr = np.eye(4, dtype=np.float32)[[0, 1, 2, 3]]
    arr[1] = 0.0  # deepG ambiguous_nuc = "zero"
    arr[2] = 0.25  # deepG ambiguous_nuc = "equal"
    five = np.eye(5, dtype=np.float32)[[0, 4]]
    five[1] = 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = encode(arr)
        encode(np.float64(arr))  # R doubles
        encode(five)
        encode(arr.astype(np.int64))
    assert enc.ambiguous[0].tolist() == [False, True, True, False]


# -- other vocabularies ---------------------------------------------------------------

def test_arrays_with_any_channel_count_get_generic_labels():
    arr = np.eye(5, dtype=np.float32)[[0, 1, 4, 2]]
    enc = encode(arr, vocabulary=None)
    assert enc.vocabulary == ("ch1", "ch2", "ch3", "ch4", "ch5")
    assert enc.sequences() == ["ch1 ch2 ch5 ch3"]
    assert encode(arr).vocabulary == enc.vocabulary  # None is the default
    assert encode(np.eye(4, dtype=np.float32)).vocabulary == ("A", "C", "G", "T")
    assert encode(np.eye(3, dtype=np.float32)).vocabulary == ("ch1", "ch2", "ch3")
    # a vocabulary given explicitly must match; labels may be longer than one letter for arrays
    assert encode(arr, vocabulary="ACGTN").vocabulary == ("A", "C", "G", "T", "N")
    assert encode(arr, vocabulary=["a", "c", "g", "t", "gap"]).vocabulary[-1] == "gap"
    with pytest.raises(ShapeError, match="5 channels.*vocabulary=None"):
        encode(arr, vocabulary="ACGT")
    with pytest.raises(SequenceError, match="repeated labels"):
        encode(arr, vocabulary=["x", "x", "y", "z", "w"])
    # strings: None means A, C, G, T, and labels must be single letters
    assert encode("ACGT", vocabulary=None).vocabulary == ("A", "C", "G", "T")
    with pytest.raises(SequenceError, match="single ASCII letters"):
        encode("ACGT", vocabulary=["ch1", "ch2", "ch3", "ch4"])


def test_generic_labels_work_in_decode_and_tables():
    arr = np.eye(5, dtype=np.float32)[[0, 1, 4, 2]]
    arr[3] = 0.0
    enc = encode(np.stack([arr, arr]), seq_ids=["a", "b"])
    assert decode(arr) == ["ch1 ch2 ch5 N"]
    assert decode(arr, ["A", "C", "G", "T", "-"]) == ["AC-N"]
    assert enc.subset([1]).vocabulary == enc.vocabulary
    scores = np.arange(enc.onehot.size, dtype=np.float32).reshape(enc.onehot.shape)
    table = attribution_table(scores, enc)
    assert list(table["base"].cat.categories) == ["ch1", "ch2", "ch3", "ch4", "ch5"]
    locus = per_locus_table(scores, enc)
    assert list(locus["ref_base"].cat.categories) == ["ch1", "ch2", "ch3", "ch4", "ch5", "N"]
    assert locus["ref_base"].astype(str).tolist()[:4] == ["ch1", "ch2", "ch5", "N"]


# -- memory budgets -------------------------------------------------------------------

@pytest.mark.parametrize(
    "budget", ["0", "-5G", "inf", float("inf"), float("nan"), "", "abc", "0.5", 0, -1, "1e400",
               np.float32("nan"), True, [1]],
)
def test_unusable_memory_budgets_say_what_to_use(budget):
    with pytest.raises(InputError, match=r"use a positive size like '512M' or '2G'"):
        parse_memory_budget(budget)


def test_memory_budget_units_and_environment(monkeypatch):
    assert parse_memory_budget("2 GiB") == 2 << 30
    assert parse_memory_budget("1.5g") == 3 << 29
    assert parse_memory_budget("1T") == 1 << 40
    assert parse_memory_budget(np.int64(4096)) == 4096
    assert parse_memory_budget(np.float32(2048)) == 2048
    monkeypatch.setenv("DEEPG_INTERPRET_MEMORY_BUDGET", "0")
    with pytest.raises(InputError, match=r"\$DEEPG_INTERPRET_MEMORY_BUDGET = '0'"):
        parse_memory_budget(None)
    monkeypatch.setenv("DEEPG_INTERPRET_MEMORY_BUDGET", "")
    assert parse_memory_budget(None) == 1 << 30
