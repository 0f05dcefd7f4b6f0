"""Issue 26: errors name the real problem, over every public entry point that takes the input.

One parametrized test per class of mistake: non-DNA input (protein, GenBank digits, a space),
mistyped keywords and scalar baselines, raw errors from underneath (damaged model files,
ISM ``fast=True``), annotation files (repeated IDs, attributes ``.``, GTF inside a ``.gff``),
and overlapping GIA patterns.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from deepg_interpret import (
    encode,
    evolutionary_erasure,
    integrated_gradients,
    ism,
    occlusion,
    read_fasta,
)
from deepg_interpret.checks import check_baseline_name
from deepg_interpret.dna.baselines import BASELINE_NAMES
from deepg_interpret.errors import (
    ArgumentTypeError,
    BaselineError,
    DeepGInterpretWarning,
    InputError,
    ModelError,
    SequenceError,
)
from deepg_interpret.io.annotations import read_annotation
from deepg_interpret.methods.gia.embed import global_importance
from deepg_interpret.methods.gia.experiments import interaction, multiplicity
from deepg_interpret.methods.gradients import saliency
from deepg_interpret.model.adapter import load_model

MAXLEN = 20


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((MAXLEN, 4)), keras.layers.Conv1D(2, 3),
                             keras.layers.Flatten(), keras.layers.Dense(2)])


# --------------------------------------------------------------------------- 1. not DNA
# All shorter than the model's 20 bp: the old error was "pass pad=" (length advice).
PROTEIN = "MKVLAAGIVGLLLA"  # L at 4, 11, 12, 13 and I at 8
GENBANK = "1 acgtacgt 61 ac"
SPACE = "ACGTAC GTACGTAC"
NOT_DNA = {
    "protein": (PROTEIN, r"is not DNA: it has 5 non-DNA characters \['I', 'L'\] \(first 'L' at "
                         r"position 4\); it looks like a protein"),
    "digits": (GENBANK, r"is not DNA: it has 3 non-DNA characters \['1', '6'\] \(first '1' at "
                        r"position 1\); digits are not bases"),
    "space": (SPACE, r"is not DNA: it has 1 non-DNA character \[' '\] \(first ' ' at position 7\)"
                     r"; spaces are not bases"),
}


def _write_fasta(tmp_path, seq: str):
    path = tmp_path / "records.fasta"
    path.write_text(f">ok\n{'ACGT' * 5}\n>bad_record some description\n{seq}\n")
    return path


ENTRY_POINTS = {
    "encode": lambda m, s: encode(s, maxlen=MAXLEN),
    "integrated_gradients": lambda m, s: integrated_gradients(m, s, target=0, steps=4,
                                                              progress=False),
    "saliency": lambda m, s: saliency(m, s, target=0, progress=False),
    "ism": lambda m, s: ism(m, s, target=0, progress=False),
    "occlusion": lambda m, s: occlusion(m, s, target=0, window=5, progress=False),
    "evolutionary_erasure": lambda m, s: evolutionary_erasure(
        m, s, target=0, segment_length=5, n_segments=1, generations=1, restarts=1, n_null=0,
        progress=False),
}


@pytest.mark.parametrize("kind", sorted(NOT_DNA))
@pytest.mark.parametrize("entry", list(ENTRY_POINTS) + ["encode_fasta", "read_fasta"])
def test_non_dna_input_is_named_before_length_advice(model, tmp_path, entry, kind):
    seq, message = NOT_DNA[kind]
    if entry in ("encode_fasta", "read_fasta"):
        if kind == "space":
            # Not an error in a file: FASTA readers (Biopython, deepG) drop blanks in
            # sequence lines, so the record reads as the sequence without them.
            path = _write_fasta(tmp_path, seq)
            joined = seq.replace(" ", "")
            if entry == "read_fasta":
                assert read_fasta(path)[1][1] == joined
            else:
                enc = encode(path, maxlen=MAXLEN, pad="right")  # 14 bases once joined
                assert enc.seq_ids == ["ok", "bad_record"]
                assert int(enc.onehot[1].sum()) == len(joined)
            return
        path = _write_fasta(tmp_path, seq.replace(" ", "") if kind == "protein" else seq)
        call = (lambda: encode(path, maxlen=MAXLEN)) if entry == "encode_fasta" else (
            lambda: read_fasta(path))
        where = r"record 2 \('bad_record'\) "  # Biopython joins GENBANK without blanks
    else:
        call = lambda: ENTRY_POINTS[entry](model, seq)  # noqa: E731
        where = r"sequence 'seq_1' "
    with pytest.raises(SequenceError, match=where + message) as caught:
        call()
    assert "pad=" not in str(caught.value) and "window_step" not in str(caught.value)


def test_non_dna_checked_for_every_sequence_before_lengths():
    # sequence 1 is too short (length advice), sequence 2 is a protein: the protein is named
    with pytest.raises(SequenceError, match=r"sequence 'seq_2' is not DNA"):
        encode(["ACG", PROTEIN * 2], maxlen=MAXLEN)


@pytest.mark.parametrize("seq, expected", [
    ("acgtn", "ACGTN"),                       # lowercase
    ("ACGTRYSWKMBDHVN", "ACGT" + "N" * 11),   # IUPAC codes are ambiguous, not "not DNA"
    ("ACGT\nACGT\n", "ACGTACGT"),             # line breaks of a multi-line string
    ("  ACGT  ", "ACGT"),                     # blanks around the sequence
    ("MKV", "NNN"),                           # IUPAC letters only: not told from DNA
])
def test_dna_still_encodes(seq, expected):
    assert encode(seq).sequences() == [expected]


def test_stray_marks_still_warn_and_not_dna_can_be_forced():
    with pytest.warns(DeepGInterpretWarning, match=r"outside the vocabulary \['\|'\]"):
        encode("|ACGTACGT|")
    with pytest.warns(DeepGInterpretWarning, match=r"outside the vocabulary \['E'\]"):
        encode("ACGTEACGTACGTACGTACGTACGTACGTACGT")  # one odd letter in 33 is no protein
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert encode("1 ACGT", unknown="ambiguous").sequences() == ["NACGT"]
    with pytest.raises(SequenceError, match="not DNA.*digits"):
        encode("ACGT1", unknown="error")


# --------------------------------------------------------------------------- 2. typos
@pytest.mark.parametrize("call, message", [
    (lambda m: integrated_gradients(m, "ACGT" * 5, target=0, n_steps=5),
     r"integrated_gradients\(\) got an unexpected argument 'n_steps'\. Did you mean 'steps'\?"),
    (lambda m: ism(m, "ACGT" * 5, target=0, fastt=True),
     r"ism\(\) got an unexpected argument 'fastt'\. Did you mean 'fast'\?"),
    (lambda m: occlusion(m, "ACGT" * 5, target=0, windw=5),
     r"occlusion\(\) got an unexpected argument 'windw'\. Did you mean 'window'\?"),
    (lambda m: saliency(m, "ACGT" * 5, target=0, progres=False),  # through a helper
     r"saliency\(\) got an unexpected argument 'progres'\. Did you mean 'progress'\?"),
    (lambda m: evolutionary_erasure(m, "ACGT" * 5, target=0, segment_length=5, restart=2),
     r"evolutionary_erasure\(\) got an unexpected argument 'restart'\. Did you mean 'restarts'\?"),
    # an encoding option still wins where it is the nearest name
    (lambda m: integrated_gradients(m, "ACGT" * 5, target=0, window_stp=5),
     r"'window_stp'\. Did you mean 'window_step'\?"),
])
def test_typo_suggests_the_methods_own_argument_first(model, call, message):
    with pytest.raises(ArgumentTypeError, match=message):
        call(model)


@pytest.mark.parametrize("baseline", [None, 0])
@pytest.mark.parametrize("entry", [
    "integrated_gradients", "occlusion", "evolutionary_erasure",
    "check_baseline_name"])
def test_scalar_baseline_lists_the_names(model, entry, baseline):
    calls = {
        "integrated_gradients": lambda: integrated_gradients(model, "ACGT" * 5, target=0,
                                                             baseline=baseline, progress=False),
        "occlusion": lambda: occlusion(model, "ACGT" * 5, target=0, window=5, baseline=baseline,
                                       progress=False),
        "evolutionary_erasure": lambda: evolutionary_erasure(
            model, "ACGT" * 5, target=0, segment_length=5, baseline=baseline, progress=False),
        "check_baseline_name": lambda: check_baseline_name(baseline, BASELINE_NAMES),
    }
    with pytest.raises(BaselineError, match=rf"baseline`? = {baseline!r} is .*'zero'.*Did you "
                                            r"mean 'zero'\?") as caught:
        calls[entry]()
    assert "shape ()" not in str(caught.value)


def test_check_baseline_name_passes_names_and_arrays():
    arr = np.zeros((5, 4), np.float32)
    assert check_baseline_name(arr, BASELINE_NAMES) is arr
    assert check_baseline_name("shuffle", BASELINE_NAMES) == "shuffle"
    with pytest.raises(BaselineError, match="Did you mean 'uniform'"):
        check_baseline_name(0.25, BASELINE_NAMES)
    with pytest.raises(BaselineError, match="Did you mean 'dinuc_shuffle'"):
        check_baseline_name("dinuc_shufle", BASELINE_NAMES)


# --------------------------------------------------------------------------- 3. raw errors
def _garbage_keras(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"not a zip")
    return path


def _truncated_keras(tmp_path):
    path = tmp_path / "whole.keras"
    keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(),
                      keras.layers.Dense(1)]).save(path)
    cut = tmp_path / "cut.keras"
    data = path.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    return cut


def _corrupt_saved_model(tmp_path):
    folder = tmp_path / "saved"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"\xff\xfe this is not a protobuf")
    return folder


def _empty_saved_model(tmp_path):
    folder = tmp_path / "saved_empty"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"")
    return folder


@pytest.mark.parametrize("make, message", [
    (_garbage_keras, r"model\.keras' exists \(9 bytes\) but is not a valid Keras archive.*"
                     r"b'not a zip'.*save the model again"),
    (_truncated_keras, r"cut\.keras' exists .* but is not a valid Keras archive"),
    (_corrupt_saved_model, r"has a corrupt '.*saved_model\.pb' \(DecodeError.*export the "
                           r"SavedModel folder again"),
    (_empty_saved_model, r"has a corrupt '.*saved_model\.pb' \(it holds no graph"),
])
@pytest.mark.parametrize("entry", ["load_model", "integrated_gradients"])
def test_damaged_model_files_say_what_is_wrong(tmp_path, make, message, entry):
    path = make(tmp_path)
    with pytest.raises(ModelError, match=message) as caught:
        if entry == "load_model":
            load_model(path)
        else:
            integrated_gradients(path, "ACGT" * 2, target=0, progress=False)
    assert "File not found" not in str(caught.value)


@pytest.mark.parametrize("layers", [
    [keras.layers.LSTM(3)],
    [keras.layers.ZeroPadding1D(2), keras.layers.Conv1D(2, 3), keras.layers.Flatten()],
], ids=["lstm", "zero_padding"])
def test_ism_fast_true_on_an_unsupported_model_says_use_auto(layers):
    m = keras.Sequential([keras.Input((MAXLEN, 4)), *layers, keras.layers.Dense(2)])
    with pytest.raises(ModelError, match=r"fast=True but the fast ISM path cannot run on this "
                                         r"model: .*Use fast='auto'"):
        ism(m, "ACGT" * 5, target=0, fast=True, progress=False)
    assert ism(m, "ACGT" * 5, target=0, fast="auto", progress=False).path == "naive"


# --------------------------------------------------------------------------- 4. annotations
HEADER = "##gff-version 3\n"


def _gff(tmp_path, body, name="a.gff"):
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


@pytest.mark.parametrize("entry", ["read_annotation", "as_annotation"])
def test_repeated_ids_warn_with_id_and_count(tmp_path, entry):
    from deepg_interpret.io.annotations import as_annotation

    path = _gff(tmp_path, "c1\ts\tCDS\t1\t10\t.\t+\t0\tID=g1\n"
                          "c1\ts\tCDS\t20\t30\t.\t+\t0\tID=g1\n"
                          "c1\ts\tCDS\t40\t50\t.\t+\t0\tID=g1\n"
                          "c1\ts\tCDS\t60\t70\t.\t+\t0\tID=g2\n")
    read = read_annotation if entry == "read_annotation" else as_annotation
    with pytest.warns(DeepGInterpretWarning, match=r"a\.gff: 1 ID\(s\) are given to several "
                                                   r"features: 'g1' \(3 times\)"):
        ann = read(path)
    assert ann["gene_id"].tolist() == ["g1", "g1", "g1", "g2"]  # every line stays a row


def test_unique_ids_do_not_warn(tmp_path):
    path = _gff(tmp_path, "c1\ts\tCDS\t1\t10\t.\t+\t0\tID=g1\nc1\ts\tCDS\t20\t30\t.\t+\t0\tID=g2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_annotation(path)


def test_attribute_column_dot_gets_the_documented_fallback(tmp_path):
    path = _gff(tmp_path, "c1\ts\tCDS\t5\t10\t.\t+\t0\t.\nc1\ts\tCDS\t20\t30\t.\t-\t0\tID=g2\n")
    assert read_annotation(path)["gene_id"].tolist() == ["c1:5-10", "g2"]


@pytest.mark.parametrize("name, fmt", [("a.gff", None), ("a.gff3", None), ("a.gff", "gff3")])
def test_gtf_attributes_in_a_gff_are_parsed_as_gtf(tmp_path, name, fmt):
    path = _gff(tmp_path, 'c1\ts\tCDS\t1\t10\t.\t+\t0\tgene_id "x"; transcript_id "y";\n'
                          'c1\ts\tCDS\t20\t30\t.\t+\t0\tgene_id "z"; gene_name "abcD";\n', name)
    with pytest.warns(DeepGInterpretWarning, match=r"attributes are in GTF syntax.*parsed them as "
                                                   r"GTF\. Rename the file to \.gtf"):
        ann = read_annotation(path, format=fmt)
    assert ann[["gene_id", "name"]].values.tolist() == [["x", ""], ["z", "abcD"]]


# --------------------------------------------------------------------------- 5. GIA overlaps
OVERLAP = r"`{arg}`: .* overlap by {n} bp, so the later one would overwrite the other"


@pytest.mark.parametrize("call, arg, n", [
    (lambda m: multiplicity(m, target=0, pattern="ACGT", positions=[1, 3], n_backgrounds=2,
                            seed=0, progress=False), "positions", 2),
    (lambda m: interaction(m, target=0, pattern_a="ACGT", pattern_b="TTT", position_a=2,
                           positions_b=[10, 4], n_backgrounds=2, seed=0, progress=False),
     "positions_b", 2),
    (lambda m: interaction(m, target=0, pattern_a="ACG", pattern_b="TTTTT", position_a=5,
                           positions_b=[1], n_backgrounds=2, seed=0, progress=False),
     "positions_b", 1),
    (lambda m: global_importance(m, target=0, patterns=["ACGT", "TT"], positions=[1, 4],
                                 together=True, n_backgrounds=2, seed=0, progress=False),
     "positions", 1),
])
def test_overlapping_patterns_are_refused_by_one_rule(model, call, arg, n):
    with pytest.raises(InputError, match=OVERLAP.format(arg=arg, n=n)):
        call(model)


def test_adjacent_patterns_are_fine(model):
    res = interaction(model, target=0, pattern_a="ACG", pattern_b="TTT", position_a=2,
                      positions_b=[5], n_backgrounds=2, seed=0, progress=False)
    assert res.interaction_table()["position_b"].tolist() == [5]
    multiplicity(model, target=0, pattern="ACGT", positions=[1, 5], n_backgrounds=2, seed=0,
                 progress=False)
