"""Tests of deepg_interpret.synthetic: planted truth, entropies, Markov backgrounds, I/O.

The central proof: for every row of the truth table the sequence slice
``start..end`` (1-based, closed) is the motif (fixed string), matches it (IUPAC
pattern, PWM support), or is its reverse complement on the minus strand.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepg_interpret.errors import (
    ArgumentTypeError,
    DeepGInterpretError,
    DeepGInterpretWarning,
    InputError,
    SequenceError,
    ShapeError,
)
from deepg_interpret.synthetic import (
    IUPAC_CODES,
    LENGTH_MOTIF_50,
    MOTIF_PRESETS,
    PRESET_NAMES,
    TRUTH_COLUMNS,
    MarkovModel,
    SyntheticDataset,
    fit_markov,
    iid_background,
    kmer_frequencies,
    make_motif,
    motif_entropy,
    motif_summary,
    preset,
    pwm_information_content,
    read_deepg_folders,
    read_truth,
    simulate_motifs,
    write_deepg_folders,
    write_truth,
)

DATA = Path(__file__).parent / "data"
ECOLI = DATA / "ecoli_20kb.fasta"
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def revcomp(s: str) -> str:
    return s.translate(COMPLEMENT)[::-1]


def iupac_match(seq: str, pattern: str) -> bool:
    return len(seq) == len(pattern) and all(b in IUPAC_CODES[p] for b, p in zip(seq, pattern))


def ecoli_sequence() -> str:
    return "".join(
        line.strip() for line in ECOLI.read_text().splitlines() if not line.startswith(">")
    )


def reference_entropy(motif: str, k: int) -> float:
    """Independent, plain-Python k-mer entropy (bits)."""
    counts = Counter(motif[i : i + k] for i in range(len(motif) - k + 1))
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values()) + 0.0


def check_truth_matches(ds: SyntheticDataset, patterns: dict[str, object] | None = None) -> None:
    """Every truth row's slice equals / matches its motif, on its strand."""
    by_id = dict(zip(ds.seq_ids, ds.sequences))
    labels = dict(zip(ds.seq_ids, ds.labels.tolist()))
    for row in ds.truth.itertuples(index=False):
        piece = by_id[row.seq_id][row.start - 1 : row.end]
        assert len(piece) == row.end - row.start + 1
        forward = piece if row.strand == "+" else revcomp(piece)
        spec = (patterns or {}).get(row.motif, row.motif)
        if isinstance(spec, np.ndarray):  # PWM: every base must have probability > 0
            idx = ["ACGT".index(b) for b in forward]
            assert np.all(spec[np.arange(len(idx)), idx] > 0)
        else:
            assert iupac_match(forward, spec), (row, piece)
        assert labels[row.seq_id] == 1 == row.label


def check_no_overlap(ds: SyntheticDataset) -> None:
    t = ds.truth.sort_values(["seq_id", "start"])
    same = t["seq_id"].to_numpy()[1:] == t["seq_id"].to_numpy()[:-1]
    assert np.all(t["start"].to_numpy()[1:][same] > t["end"].to_numpy()[:-1][same])


# ---- presets and entropy -------------------------------------------------------------


def test_presets_are_the_posters():
    assert MOTIF_PRESETS["high"] == "GGTTCGACACGAGTATAGCTAGTATACTCCG"
    assert len(MOTIF_PRESETS["high"]) == 31  # as printed on the poster
    assert MOTIF_PRESETS["medium"] == "TATAGCGCAGCCCTTATGGAGAGTCCATGA"
    assert MOTIF_PRESETS["low"] == "TATAG" * 6
    assert MOTIF_PRESETS["lowest"] == "A" * 30
    assert set(PRESET_NAMES) == {
        "entropy_high", "entropy_medium", "entropy_low", "entropy_lowest",
        "recurrent_high", "length_10", "length_20", "length_50",
    }  # fmt: skip


@pytest.mark.parametrize("name", list(MOTIF_PRESETS))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_motif_entropy_matches_plain_python(name, k):
    assert motif_entropy(name, k) == pytest.approx(reference_entropy(MOTIF_PRESETS[name], k))
    assert motif_entropy(MOTIF_PRESETS[name], k) == motif_entropy(name, k)


def test_motif_entropy_poster_values():
    assert motif_entropy("A" * 30, 1) == 0.0
    assert motif_entropy("lowest", 3) == 0.0
    # (TATAG) x 6: T 0.4, A 0.4, G 0.2 -> 1.522 bits
    assert motif_entropy("TATAG" * 6, 1) == pytest.approx(1.5219, abs=1e-4)
    assert motif_entropy("high", 1) == pytest.approx(2.0, abs=0.01)
    assert motif_entropy("medium", 1) == pytest.approx(2.0, abs=0.01)
    # k = 2, 3 separate the motifs that k = 1 cannot
    assert motif_entropy("high", 2) == pytest.approx(3.6193, abs=1e-3)
    assert motif_entropy("medium", 2) == pytest.approx(3.6244, abs=1e-3)
    assert motif_entropy("high", 3) == pytest.approx(4.4442, abs=1e-3)
    assert motif_entropy("medium", 3) == pytest.approx(4.5216, abs=1e-3)
    assert motif_entropy("low", 2) == pytest.approx(1.9046, abs=1e-3)


def test_motif_entropy_of_iupac_and_pwm_is_expected_composition():
    assert motif_entropy("N" * 10, 1) == pytest.approx(2.0)
    assert motif_entropy("N" * 10, 2) == pytest.approx(4.0)
    assert motif_entropy(np.full((8, 4), 0.25), 3) == pytest.approx(6.0)
    # "R" = A or G, each 1/2: composition A .5, G .5 -> 1 bit
    assert motif_entropy("RRRR", 1) == pytest.approx(1.0)


def test_pwm_information_content():
    assert pwm_information_content(np.full((5, 4), 0.25)) == pytest.approx(0.0)
    assert pwm_information_content(np.eye(4)) == pytest.approx(8.0)
    pwm = np.array([[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.25] * 4])
    assert pwm_information_content(pwm) == pytest.approx(3.0)
    # counts are normalised per row (JASPAR count matrices)
    assert pwm_information_content(pwm * 17) == pytest.approx(3.0)
    # strings: fixed base 2 bits, R 1 bit, N 0
    assert pwm_information_content("ARN") == pytest.approx(3.0)
    assert pwm_information_content("lowest") == pytest.approx(60.0)
    # a skewed row: p = (.7, .1, .1, .1)
    h = -(0.7 * math.log2(0.7) + 3 * 0.1 * math.log2(0.1))
    assert pwm_information_content(np.array([[0.7, 0.1, 0.1, 0.1]])) == pytest.approx(2 - h)


def test_motif_summary_reports_entropy_and_ic():
    df = motif_summary(list(MOTIF_PRESETS))
    assert list(df.columns) == [
        "motif", "kind", "width", "entropy_k1", "entropy_k2", "entropy_k3", "information_content",
    ]  # fmt: skip
    assert df["width"].dtype == np.int32
    assert isinstance(df.index, pd.RangeIndex)
    assert df["entropy_k1"].round(2).tolist() == [2.0, 2.0, 1.52, 0.0]
    short = motif_summary("AC")
    assert np.isnan(short["entropy_k3"].iloc[0])


def test_settings_report_motif_entropy():
    ds = simulate_motifs(10, 100, "low", seed=0)
    (info,) = ds.settings["motifs"]
    assert info["entropy_k1"] == pytest.approx(1.5219, abs=1e-4)
    assert info["information_content"] == pytest.approx(60.0)
    json.dumps(ds.settings)  # JSON-safe


# ---- backgrounds ---------------------------------------------------------------------


def test_iid_background_gc_and_probs():
    n, length = 200, 500
    seqs = iid_background(n, length, gc=0.7, seed=3)
    assert len(seqs) == n and {len(s) for s in seqs} == {length}
    joined = "".join(seqs)
    gc = (joined.count("G") + joined.count("C")) / len(joined)
    se = math.sqrt(0.7 * 0.3 / len(joined))  # bases are independent: binomial SE
    assert abs(gc - 0.7) < 5 * se
    codes = iid_background(50, 100, probs={"A": 1.0}, seed=1, return_codes=True)
    assert codes.dtype == np.uint8 and codes.shape == (50, 100) and np.all(codes == 0)
    f = kmer_frequencies(iid_background(100, 1000, probs=[0.1, 0.2, 0.3, 0.4], seed=2), 1)
    assert np.allclose(f, [0.1, 0.2, 0.3, 0.4], atol=5 * math.sqrt(0.25 / 1e5))
    # zero-probability bases never appear
    assert set("".join(iid_background(100, 100, probs=[0.5, 0, 0, 0.5], seed=4))) == {"A", "T"}


def test_markov_reproduces_source_kmer_frequencies():
    """An order-3 chain fitted to E. coli reproduces its k-mer frequencies, k = 1..4.

    Tolerance: the generated frequency of a k-mer of source frequency p, counted in
    N overlapping windows, has binomial SE sqrt(p (1 - p) / N) if windows were
    independent; overlapping windows (each shares bases with 2k - 2 others) and the
    chain's short memory inflate the variance, bounded here by a factor 2k - 1. We
    allow 5 such SEs per k-mer (over 340 k-mers a false alarm has probability
    well below 1e-3); the pseudocount bias (~1/80 of a count per 4-mer) is far below.
    An iid model with the same base composition misses 2-mers by > 30 SEs, so the
    test has power.
    """
    source = ecoli_sequence()
    model = fit_markov(ECOLI, order=3)
    assert isinstance(model, MarkovModel) and model.transitions.shape == (64, 4)
    assert model.n_bases == 20_000
    n, length = 500, 1000
    generated = model.sample(n, length, seed=1)
    for k in (1, 2, 3, 4):
        f_src = kmer_frequencies(source, k)
        f_gen = kmer_frequencies(generated, k)
        se = np.sqrt(f_src * (1 - f_src) / (n * (length - k + 1)) * (2 * k - 1))
        assert np.all(np.abs(f_gen - f_src) <= 5 * se + 1e-12), k
    iid = fit_markov(ECOLI, order=0).sample(n, length, seed=1)
    f_src = kmer_frequencies(source, 2)
    se = np.sqrt(f_src * (1 - f_src) / (n * (length - 1)) * 3)
    assert np.max(np.abs(kmer_frequencies(iid, 2) - f_src) / se) > 10


def test_fit_markov_accepts_string_path_and_list():
    source = ecoli_sequence()
    a = fit_markov(str(ECOLI), order=2)
    b = fit_markov(source.lower(), order=2)
    c = fit_markov([source[:10_000], source[10_000:]], order=2)
    assert np.allclose(a.transitions, b.transitions)
    assert np.allclose(a.transitions, c.transitions, atol=1e-3)  # one k-mer per seam missing
    assert a.describe()["source"] == "fasta:ecoli_20kb.fasta"
    # N and IUPAC characters are skipped, not counted
    m = fit_markov("ACGTNNNNACGT" * 50, order=1, pseudocount=0)
    assert m.transitions[0, 1] == pytest.approx(1.0)  # A is always followed by C


def test_markov_sample_reproducible_and_blocks():
    model = fit_markov(ECOLI, order=3)
    assert model.sample(5, 300, seed=7) == model.sample(5, 300, seed=7)
    assert model.sample(5, 300, seed=7) != model.sample(5, 300, seed=8)
    long = model.sample(2, 50_000, seed=1, block_length=5_000)
    assert [len(s) for s in long] == [50_000, 50_000]
    f = kmer_frequencies(long, 2)
    f_src = kmer_frequencies(ecoli_sequence(), 2)
    assert np.all(np.abs(f - f_src) <= 5 * np.sqrt(f_src * (1 - f_src) / 1e5 * 3))
    # order 0 and very short sequences work
    assert len(fit_markov(ECOLI, order=0).sample(3, 1, seed=0)[0]) == 1
    assert len(model.sample(3, 2, seed=0)[0]) == 2


def test_markov_background_in_simulate():
    model = fit_markov(ECOLI, order=2)
    ds = simulate_motifs(200, 300, "TTGACA", background=model, seed=0)
    check_truth_matches(ds)
    assert ds.settings["background"]["kind"] == "markov"


# ---- planting ------------------------------------------------------------------------


def test_truth_schema_and_share():
    ds = simulate_motifs(101, 200, "high", share=0.3, seed=0)
    assert list(ds.truth.columns) == list(TRUTH_COLUMNS)
    assert isinstance(ds.truth.index, pd.RangeIndex)
    assert ds.truth["start"].dtype == np.int32 and ds.truth["end"].dtype == np.int32
    assert ds.truth["label"].dtype == np.int32
    assert ds.labels.dtype == np.int32 and ds.labels.shape == (101,)
    assert int(ds.labels.sum()) == round(0.3 * 101)
    assert ds.seq_ids[0] == "seq_00001" and len(set(ds.seq_ids)) == 101
    positives = {i for i, lab in zip(ds.seq_ids, ds.labels) if lab == 1}
    assert set(ds.truth["seq_id"]) == positives  # negatives carry nothing
    assert (ds.truth["end"] - ds.truth["start"] + 1 == 31).all()
    check_truth_matches(ds)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_share_extremes(share):
    ds = simulate_motifs(20, 100, "TATAAT", share=share, seed=0)
    assert int(ds.labels.sum()) == int(20 * share)
    assert len(ds.truth) == int(20 * share)


def test_iupac_motif_sampled_per_copy():
    ds = simulate_motifs(300, 100, "TANNNNNNNNAT", seed=1)
    check_truth_matches(ds, {"TANNNNNNNNAT": "TANNNNNNNNAT"})
    planted = {
        s[r.start - 1 : r.end]
        for s, r in zip(
            (dict(zip(ds.seq_ids, ds.sequences))[i] for i in ds.truth["seq_id"]),
            ds.truth.itertuples(),
        )
    }
    assert len(planted) > 100  # the N positions vary between copies


def test_pwm_motif_sampled_per_copy():
    pwm = np.array([[0.9, 0.1, 0, 0], [0, 0, 0.5, 0.5], [0.25] * 4, [0, 1, 0, 0]])
    ds = simulate_motifs(400, 60, pwm, seed=2)
    assert set(ds.truth["motif"]) == {"pwm_1"}
    check_truth_matches(ds, {"pwm_1": pwm})
    by_id = dict(zip(ds.seq_ids, ds.sequences))
    first = Counter(by_id[r.seq_id][r.start - 1] for r in ds.truth.itertuples())
    assert first["A"] / sum(first.values()) == pytest.approx(0.9, abs=0.06)


def test_both_strands_plants_reverse_complements():
    ds = simulate_motifs(400, 80, "GATTACAGG", both_strands=True, seed=3)
    strands = ds.truth["strand"].value_counts()
    assert set(strands.index) == {"+", "-"}
    assert strands["-"] / len(ds.truth) == pytest.approx(0.5, abs=0.1)
    check_truth_matches(ds)
    by_id = dict(zip(ds.seq_ids, ds.sequences))
    row = ds.truth[ds.truth["strand"] == "-"].iloc[0]
    assert by_id[row.seq_id][row.start - 1 : row.end] == revcomp("GATTACAGG")


def test_fixed_position():
    ds = simulate_motifs(50, 200, "TATAAT", position=101, seed=0)
    assert (ds.truth["start"] == 101).all() and (ds.truth["end"] == 106).all()
    check_truth_matches(ds)
    ds = simulate_motifs(50, 200, ["TATAAT", "TTGACA"], position=[150, 10], seed=0)
    starts = ds.truth.groupby("motif")["start"].unique()
    assert list(starts["TATAAT"]) == [150] and list(starts["TTGACA"]) == [10]
    check_truth_matches(ds)
    # R passes whole numbers as doubles
    assert (simulate_motifs(4, 50, "ACGT", position=5.0, seed=0).truth["start"] == 5).all()


def test_several_motifs_and_copies_do_not_overlap():
    motifs = ["TATAAT", "TTGACA", "GGGGCCCC"]
    ds = simulate_motifs(300, 120, motifs, n_copies=2, seed=4)
    counts = ds.truth.groupby("seq_id")["motif"].value_counts()
    assert set(counts.tolist()) == {2}  # every positive: 2 copies of each motif
    assert len(ds.truth) == 150 * 6
    check_truth_matches(ds)
    check_no_overlap(ds)
    mask = ds.motif_mask()
    assert mask.sum() == (ds.truth["end"] - ds.truth["start"] + 1).sum()


def test_random_positions_cover_the_sequence():
    ds = simulate_motifs(2000, 100, "ACGTAC", share=1.0, seed=5)
    starts = ds.truth["start"].to_numpy()
    assert starts.min() == 1 and starts.max() == 95  # uniform over 1..(L - w + 1)
    assert abs(starts.mean() - 48) < 2


def test_recurrent_motif_about_every_d_bp():
    ds = simulate_motifs(400, 600, "high", recur_every=100, seed=6)
    check_truth_matches(ds)
    check_no_overlap(ds)
    per_seq = ds.truth.groupby("seq_id").size()
    assert set(per_seq.unique()) <= {5, 6} and len(per_seq) == 200
    gaps = ds.truth.groupby("seq_id")["start"].diff().dropna()
    assert gaps.between(100 - 20, 100 + 20).all()  # jitter +-10 on both copies
    assert gaps.std() > 0
    assert ds.settings["recur_jitter"] == 10
    fixed = simulate_motifs(10, 600, "TATAAT", recur_every=100, position=1, n_copies=3, seed=0)
    assert (fixed.truth.groupby("seq_id").size() == 3).all()
    assert (fixed.truth.groupby("seq_id")["start"].first() == 1).all()


def test_recurrent_several_motifs_cycle():
    ds = simulate_motifs(50, 500, ["AAAAAAAA", "CCCCCCCC"], recur_every=50, seed=0)
    check_truth_matches(ds)
    check_no_overlap(ds)
    first = ds.truth.groupby("seq_id")["motif"].apply(list)
    assert all(m[:2] == ["AAAAAAAA", "CCCCCCCC"] for m in first)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    length=st.integers(20, 200),
    widths=st.lists(st.integers(1, 8), min_size=1, max_size=3),
    n_copies=st.integers(1, 3),
    both=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_planting_property(length, widths, n_copies, both, seed):
    rng = np.random.default_rng(seed)
    motifs = ["".join(rng.choice(list("ACGTRYN"), w)) for w in widths]
    if sum(widths) * n_copies > length:
        with pytest.raises(InputError, match="length"):
            simulate_motifs(5, length, motifs, n_copies=n_copies, seed=seed)
        return
    ds = simulate_motifs(6, length, motifs, n_copies=n_copies, both_strands=both, seed=seed)
    assert len(ds.truth) == 3 * len(motifs) * n_copies
    assert ds.truth["start"].min() >= 1 and ds.truth["end"].max() <= length
    check_truth_matches(ds)
    check_no_overlap(ds)


def test_length_presets():
    for k in (10, 20, 50):
        ds = preset(f"length_{k}", n=20, length=200, seed=0)
        assert set(ds.truth["motif"]) == {LENGTH_MOTIF_50[:k]}
        check_truth_matches(ds)
        assert ds.settings["preset"] == f"length_{k}"


def test_poster_preset_full_size():
    """The poster's 10,000 x 600 bp dataset (runs in well under a second; not timed)."""
    ds = preset("entropy_high", seed=1)
    assert len(ds) == 10_000 and ds.length == 600
    assert int(ds.labels.sum()) == 5000 and len(ds.truth) == 5000
    assert set(ds.truth["motif"]) == {MOTIF_PRESETS["high"]}
    x = ds.onehot()
    assert x.shape == (10_000, 600, 4) and x.dtype == np.float32
    assert np.all(x.sum(axis=2) == 1)
    check_truth_matches(ds.subset(np.flatnonzero(ds.labels)[:500]))
    rec = preset("recurrent_high", seed=1)
    assert rec.truth.groupby("seq_id").size().between(5, 6).all()


@pytest.mark.parametrize("name", ["entropy_medium", "entropy_low", "entropy_lowest"])
def test_entropy_presets_small(name):
    ds = preset(name, n=40, length=600, seed=0)
    assert set(ds.truth["motif"]) == {MOTIF_PRESETS[name.split("_")[1]]}
    check_truth_matches(ds)


def test_seeds_reproduce():
    kwargs = {"motif": ["high", "TANNAT"], "both_strands": True, "gc": 0.6}
    a = simulate_motifs(50, 300, seed=11, **kwargs)
    b = simulate_motifs(50, 300, seed=11, **kwargs)
    c = simulate_motifs(50, 300, seed=12, **kwargs)
    assert a.sequences == b.sequences and a.truth.equals(b.truth)
    assert np.array_equal(a.labels, b.labels)
    assert a.sequences != c.sequences
    g1 = simulate_motifs(10, 100, "ACGT", seed=np.random.default_rng(5))
    g2 = simulate_motifs(10, 100, "ACGT", seed=np.random.default_rng(5))
    assert g1.sequences == g2.sequences
    assert preset("recurrent_high", n=20, seed=3).truth.equals(
        preset("recurrent_high", n=20, seed=3).truth
    )


# ---- the dataset object --------------------------------------------------------------


def test_onehot_mask_and_frame():
    ds = simulate_motifs(30, 50, "CCCCC", position=11, seed=0)
    x = ds.onehot()
    assert x.shape == (30, 50, 4) and x.dtype == np.float32
    assert "".join("ACGT"[i] for i in x[0].argmax(1)) == ds.sequences[0]
    mask = ds.motif_mask()
    assert mask.dtype == bool and mask.shape == (30, 50)
    assert np.array_equal(mask.any(axis=1), ds.labels == 1)
    assert np.all(mask[ds.labels == 1][:, 10:15]) and not mask[:, :10].any()
    frame = ds.to_frame()
    assert list(frame.columns) == ["seq_id", "label", "sequence"]
    assert frame["label"].dtype == np.int32 and isinstance(frame.index, pd.RangeIndex)
    assert frame.attrs["label_names"] == ["no_motif", "motif"]
    ambiguous = SyntheticDataset(["ACNT"], ["s"], [0]).onehot()
    assert ambiguous[0, 2].sum() == 0
    with pytest.raises(ShapeError, match="different lengths"):
        SyntheticDataset(["ACG", "AC"], ["a", "b"], [0, 1]).onehot()
    with pytest.raises(ShapeError, match="one entry per sequence"):
        SyntheticDataset(["ACG"], ["a", "b"], [0])


# ---- writers and readers -------------------------------------------------------------


def test_deepg_folders_round_trip(tmp_path):
    ds = simulate_motifs(230, 120, ["TATAAT", "GGNNCC"], both_strands=True, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeepGInterpretWarning)  # parquet may be unavailable
        paths = write_deepg_folders(ds, tmp_path, validation_share=0.2, seqs_per_file=40, seed=1)
    for split in ("train", "validation"):
        for cname in ("no_motif", "motif"):
            folder = tmp_path / split / cname
            assert folder.is_dir()
            assert all(p.endswith(".fasta") for p in paths[split][cname])
    assert paths["train_dirs"] == [str(tmp_path / "train" / c) for c in ("no_motif", "motif")]
    assert len(paths["train"]["motif"]) == math.ceil(92 / 40)  # 115 positives, 23 to validation
    assert Path(paths["truth_csv"]).is_file() and Path(paths["settings"]).is_file()
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temp files

    train = read_deepg_folders(tmp_path, "train")
    val = read_deepg_folders(tmp_path, "validation")
    assert len(train) + len(val) == 230 and not set(train.seq_ids) & set(val.seq_ids)
    assert int(val.labels.sum()) == 23 and len(val) == 46  # stratified 20 %
    both = read_deepg_folders(tmp_path, "all")
    assert both.seq_ids == ds.seq_ids and both.sequences == ds.sequences
    assert np.array_equal(both.labels, ds.labels)
    assert both.label_names == ("no_motif", "motif")
    pd.testing.assert_frame_equal(both.truth, ds.truth)
    check_truth_matches(val, {"GGNNCC": "GGNNCC"})
    assert set(val.truth["seq_id"]) <= set(val.seq_ids)
    # same seed -> same split
    other = tmp_path / "again"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeepGInterpretWarning)
        write_deepg_folders(ds, other, seqs_per_file=40, seed=1)
    assert read_deepg_folders(other, "validation").seq_ids == val.seq_ids


def test_deepg_folders_overwrite(tmp_path):
    ds = simulate_motifs(40, 50, "ACGTAC", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeepGInterpretWarning)
        write_deepg_folders(ds, tmp_path, seqs_per_file=5, seed=0)
        with pytest.raises(InputError, match="overwrite=True"):
            write_deepg_folders(ds, tmp_path, seed=0)
        small = simulate_motifs(10, 50, "ACGTAC", seed=0)
        write_deepg_folders(small, tmp_path, seqs_per_file=5, seed=0, overwrite=True)
    assert len(read_deepg_folders(tmp_path, "all")) == 10  # stale files removed


def test_read_plain_label_folders(tmp_path):
    for cname, seqs in {"phage": ["ACGT", "GGGG"], "bacteria": ["TTTT"]}.items():
        (tmp_path / "train" / cname).mkdir(parents=True)
        body = "".join(f">{cname}{i}\n{s}\n" for i, s in enumerate(seqs))
        (tmp_path / "train" / cname / "x.fa").write_text(body)
    ds = read_deepg_folders(tmp_path)
    assert ds.label_names == ("bacteria", "phage") and len(ds) == 3
    assert ds.truth.empty and list(ds.truth.columns) == list(TRUTH_COLUMNS)


def test_truth_csv_round_trip(tmp_path):
    ds = simulate_motifs(40, 80, ["TATAAT", "CCNGG"], both_strands=True, seed=2)
    path = write_truth(ds, tmp_path / "t.csv")
    back = read_truth(path)
    pd.testing.assert_frame_equal(back, ds.truth)
    empty = simulate_motifs(5, 50, "ACGT", share=0, seed=0)
    assert read_truth(write_truth(empty, tmp_path / "e.csv")).equals(empty.truth)


def test_truth_parquet_round_trip(tmp_path):
    try:
        import pyarrow.parquet  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - ImportError or a numpy ABI mismatch
        ds = simulate_motifs(5, 50, "ACGT", seed=0)
        with pytest.raises(InputError, match="pyarrow"):
            write_truth(ds, tmp_path / "t.parquet")
        pytest.skip(f"pyarrow is not usable here: {exc}")
    ds = simulate_motifs(40, 80, "TATAAT", seed=2)
    back = read_truth(write_truth(ds, tmp_path / "t.parquet"))
    pd.testing.assert_frame_equal(back, ds.truth)
    assert back.attrs["settings"]["n"] == 40


# ---- errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"motif": ""}, SequenceError, "`motif` is an empty string"),
        ({"motif": "ACGTX"}, SequenceError, "'X' at position 5"),
        ({"motif": "ACG U"}, SequenceError, "IUPAC"),
        ({"motif": "A" * 101}, SequenceError, "101 bp long but `length` = 100"),
        ({"motif": []}, InputError, "empty list"),
        ({"motif": [[0.25] * 4]}, ArgumentTypeError, "numpy.asarray"),
        ({"motif": np.ones((4, 6))}, ShapeError, "pwm.T"),
        ({"motif": np.array([[1.0, -1, 0, 0]])}, InputError, "non-negative"),
        ({"motif": np.zeros((2, 4))}, InputError, "row 1 is all zero"),
        ({"share": 1.5}, InputError, r"`share` must lie in \[0, 1\]"),
        ({"share": -0.1}, InputError, "share"),
        ({"share": "half"}, ArgumentTypeError, "share"),
        ({"recur_every": 20}, InputError, "`recur_every` = 20 is shorter than the motif"),
        ({"recur_every": 40, "recur_jitter": 10}, InputError, "recur_jitter"),
        ({"recur_every": 40, "n_copies": 5}, InputError, "n_copies"),
        ({"position": 98}, InputError, "past the sequence end"),
        ({"position": 0}, InputError, "`position` must be >= 1"),
        ({"position": "middle"}, InputError, "position"),
        ({"position": [1, 2]}, InputError, "one 1-based start per copy"),
        ({"n_copies": 2, "position": 5}, InputError, "list of 1-based starts"),
        ({"motif": ["ACGTAC", "ACGTAC"], "position": [1, 3]}, InputError, "overlap"),
        ({"n_copies": 20}, InputError, "non-overlapping copies need"),
        ({"gc": 0.5, "background": [0.25] * 4}, InputError, "not both"),
        ({"background": [0.5, 0.5]}, InputError, "4 frequencies"),
        ({"background": [0.5, 0.5, 0.5, 0.5]}, InputError, "sum to 1"),
        ({"background": "markov"}, InputError, "fit_markov"),
        ({"gc": 2}, InputError, "`gc` must lie"),
        ({"seed": "abc"}, ArgumentTypeError, "`seed`"),
        ({"seed": -1}, InputError, "`seed`"),
        ({"n": 0}, InputError, "`n` must be >= 1"),
        ({"n": 2.5}, ArgumentTypeError, "`n` must be an integer"),
        ({"length": "600"}, ArgumentTypeError, "`length`"),
        ({"label_names": ("a", "a")}, InputError, "label_names"),
    ],
)
def test_simulate_errors(kwargs, exc, pattern):
    args = {"n": 10, "length": 100, "motif": "ACGTACGTACGTACGTACGTACGTACGTACG", **kwargs}
    with pytest.raises(exc, match=pattern) as info:
        simulate_motifs(**args)
    assert isinstance(info.value, DeepGInterpretError)
    assert isinstance(info.value, (ValueError, TypeError))


def test_other_errors(tmp_path):
    with pytest.raises(InputError, match="not a preset"):
        preset("entropy_huge")
    with pytest.raises(InputError, match="`k` = 7 exceeds the motif width 6"):
        motif_entropy("ACGTAC", 7)
    with pytest.raises(ShapeError, match=r"\(w, 4\)"):
        pwm_information_content(np.ones(4))
    with pytest.raises(InputError, match="does not exist"):
        fit_markov(str(tmp_path / "missing.fasta"))
    with pytest.raises(SequenceError, match="no run of 4"):
        fit_markov("ACGNNN", order=3)
    with pytest.raises(InputError, match="`order` must be <= 10"):
        fit_markov("ACGT" * 10, order=11)
    with pytest.warns(DeepGInterpretWarning, match="pseudocount"):
        fit_markov("ACGTTGCA" * 4, order=4)
    with pytest.raises(ArgumentTypeError, match="SyntheticDataset"):
        write_deepg_folders(["ACGT"], tmp_path)
    ds = simulate_motifs(10, 50, "ACGT", seed=0)
    with pytest.raises(InputError, match=r"validation_share` must lie in \[0, 1\)"):
        write_deepg_folders(ds, tmp_path, validation_share=1.0)
    with pytest.raises(InputError, match="not an existing folder"):
        read_deepg_folders(tmp_path / "nothing")
    with pytest.raises(InputError, match="`split`"):
        read_deepg_folders(tmp_path, "test")
    with pytest.raises(InputError, match="'.csv' or '.parquet'"):
        write_truth(ds, tmp_path / "truth.tsv")
    with pytest.raises(InputError, match="does not exist"):
        read_truth(tmp_path / "none.csv")
    with pytest.raises(InputError, match="lacks the truth-table column"):
        write_truth(pd.DataFrame({"seq_id": ["a"]}), tmp_path / "t.csv")
    with pytest.raises(InputError, match="`probs` must sum to 1"):
        iid_background(2, 10, probs=[1, 1, 1, 1])
    with pytest.warns(DeepGInterpretWarning) as record:
        write_deepg_folders(simulate_motifs(4, 20, "ACGT", share=0, seed=0), tmp_path / "w")
    assert any("'motif' has no train sequences" in str(w.message) for w in record)


def test_make_motif_kinds():
    assert make_motif("acgt").kind == "fixed" and make_motif("acgt").name == "ACGT"
    assert make_motif("ACGN").kind == "iupac"
    assert make_motif("High").pattern == MOTIF_PRESETS["high"]
    df = pd.DataFrame(np.eye(4)[[3, 0]], columns=list("ACGT"))[["T", "G", "C", "A"]]
    assert make_motif(df).consensus == "TA"  # columns are reordered by name
    m = make_motif("TTGACA")
    assert m.matches("TTGACA") and m.matches(revcomp("TTGACA"), strand="-")
    assert not m.matches("TTGACC")
    assert m.sample(3, seed=0).shape == (3, 6)
