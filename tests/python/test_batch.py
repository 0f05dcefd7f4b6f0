"""Batch runs (deepg_interpret.batch): resumable Parquet output over many genomes.

Ground truth: the method called directly on each genome (the batch must store exactly
its tables), an uninterrupted run (a run killed with SIGKILL and resumed must end
equal to it), and hand-made broken inputs (a corrupt FASTA must fail alone).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import integrated_gradients, read_batch, run_batch
from deepg_interpret.batch.command import command_arguments
from deepg_interpret.batch.manifest import read_label_folders, read_manifest_table
from deepg_interpret.batch.store import batch_status
from deepg_interpret.cli import build_parser, main
from deepg_interpret.errors import ArgumentTypeError, InputError, OutputBusyError
from deepg_interpret.io.locks import output_lock

MAXLEN = 50
SETTINGS = {"target": 1, "steps": 4, "window_step": 25}
REPO = Path(__file__).resolve().parents[2]


def _genome(rng, n):
    return "".join(rng.choice(list("ACGT"), n))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A tiny Conv1D model (.keras) and six genomes of 1.2-2.4 kb (two contigs each)."""
    import keras

    root = tmp_path_factory.mktemp("batch")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((MAXLEN, 4)), keras.layers.Conv1D(4, 5, activation="relu"),
        keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(2, activation="softmax"),
    ])
    model.save(root / "model.keras")
    rng = np.random.default_rng(1)
    (root / "genomes").mkdir()
    rows = ["sample_id,fasta,label"]
    for i in range(6):
        text = f">chr\n{_genome(rng, 1000 + 200 * i)}\n>plasmid\n{_genome(rng, 200)}\n"
        (root / "genomes" / f"g{i}.fasta").write_text(text)
        rows.append(f"g{i},genomes/g{i}.fasta,{'spo' if i % 2 else 'non'}")
    (root / "genomes.csv").write_text("\n".join(rows) + "\n")
    reference = root / "reference"
    status = run_batch(root / "genomes.csv", root / "model.keras", method="ig", out=reference,
                       settings=SETTINGS, progress=False)
    return {"root": root, "model": root / "model.keras", "manifest": root / "genomes.csv",
            "reference": reference, "status": status}


def _tables(out):
    return {t: read_batch(out, t) for t in ("per_locus", "summary")}


def test_batch_stores_exactly_the_method_tables(data):
    status = data["status"]
    assert status["status"].tolist() == ["done"] * 6
    assert status["bases"].tolist() == [1200 + 200 * i for i in range(6)]
    per_locus = read_batch(data["reference"], "per_locus")
    summary = read_batch(data["reference"], "summary")
    assert list(per_locus.columns[:2]) == ["sample_id", "label"]
    for i in (0, 5):  # the method run directly on the genome is the ground truth
        direct = integrated_gradients(str(data["model"]),
                                      str(data["root"] / "genomes" / f"g{i}.fasta"),
                                      progress=False, **SETTINGS)
        for name, stored in (("per_locus", per_locus), ("summary", summary)):
            mine = stored[stored["sample_id"] == f"g{i}"].drop(columns=["sample_id", "label"])
            pd.testing.assert_frame_equal(mine.reset_index(drop=True), direct.table(name),
                                          check_categorical=False)
    assert len(per_locus) == sum(1200 + 200 * i for i in range(6))
    assert set(per_locus.loc[per_locus["sample_id"] == "g1", "label"]) == {"spo"}
    record = json.loads((data["reference"] / "_run.json").read_text())
    assert record["settings"]["steps"] == 4 and record["settings"]["baseline"] == "zero"
    assert record["tables"] == ["per_locus", "summary"]
    assert {"tensorflow", "numpy", "pyarrow", "deepg-interpret"} <= set(record["versions"])
    assert len(record["model_sha256"]) == 64


def test_dataset_is_hive_partitioned_and_readable_by_pyarrow(data):
    import pyarrow.dataset as ds

    out = data["reference"]
    assert sorted(p.name for p in (out / "summary").iterdir()) == [f"sample_id=g{i}"
                                                                     for i in range(6)]
    # a half-written part of a killed run lies in a hidden folder: readers skip it
    hidden = out / "per_locus" / ".sample_id=g9.0123456789ab.tmp"
    hidden.mkdir()
    shutil.copy(out / "per_locus" / "sample_id=g0" / "part-0.parquet", hidden)
    try:
        table = ds.dataset(out / "per_locus", format="parquet", partitioning="hive").to_table()
    finally:
        shutil.rmtree(hidden)
    assert table.num_rows == len(read_batch(out, "per_locus"))
    assert set(table.column("sample_id").to_pylist()) == {f"g{i}" for i in range(6)}


def test_sigkill_midway_then_resume_equals_uninterrupted_run(data, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "deepg_interpret.cli", "run", "--manifest",
           str(data["manifest"]), "--model", str(data["model"]), "--method", "ig", "--target",
           "1", "--steps", "4", "--window-step", "25", "--out", str(out), "--quiet"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob("summary/sample_id=*/part-0.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "no part appeared within 60 s"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = batch_status(out)
    assert (before["status"] == "done").sum() < 6, "the run finished before the kill"
    for part in out.glob("*/sample_id=*/part-0.parquet"):  # visible parts are whole
        pd.read_parquet(part)
    status = run_batch(data["manifest"], data["model"], method="ig", out=out,
                       settings=SETTINGS, progress=False)
    assert status["status"].tolist() == ["done"] * 6
    assert status.attrs["n_skipped"] == int((before["status"] == "done").sum())
    assert not list(out.glob("*/.*.tmp")), "temporaries of the killed run were left"
    for name, frame in _tables(out).items():
        pd.testing.assert_frame_equal(frame, _tables(data["reference"])[name], obj=name)


def test_corrupt_fasta_fails_alone_and_is_retried(data, tmp_path):
    root = tmp_path
    (root / "bad.fasta").write_bytes(b"\x00\x01\x02 not a fasta")
    (root / "m.tsv").write_text(
        "sample_id\tfasta\n"
        f"g0\t{data['root'] / 'genomes' / 'g0.fasta'}\n"
        "broken\tbad.fasta\n"
        "missing\tnowhere.fasta\n"
        f"g1\t{data['root'] / 'genomes' / 'g1.fasta'}\n")
    argv = ["run", "--manifest", str(root / "m.tsv"), "--model", str(data["model"]),
            "--target", "1", "--steps", "4", "--window-step", "25", "--out", str(root / "o"),
            "--quiet"]
    assert main(argv) == 1  # some samples failed
    status = batch_status(root / "o").set_index("sample_id")
    assert status.loc[["g0", "g1"], "status"].tolist() == ["done", "done"]
    assert status.loc["broken", "status"] == "failed"
    assert "SequenceError" in status.loc["broken", "error"]
    assert "nowhere.fasta" in status.loc["missing", "error"]
    assert sorted(read_batch(root / "o", "summary")["sample_id"].unique()) == ["g0", "g1"]
    # fix one input: the next run retries only the failed ones
    (root / "bad.fasta").write_text((data["root"] / "genomes" / "g2.fasta").read_text())
    again = run_batch(root / "m.tsv", data["model"], out=root / "o", settings=SETTINGS,
                      progress=False).set_index("sample_id")
    assert again.attrs["n_skipped"] == 2
    assert again.loc["broken", "status"] == "done" and again.loc["broken", "attempts"] == 2
    assert again.loc["missing", "status"] == "failed" and again.loc["g0", "attempts"] == 1
    ref = read_batch(data["reference"], "per_locus", samples=["g2"])
    mine = read_batch(root / "o", "per_locus", samples=["broken"])
    np.testing.assert_array_equal(mine["score_sum"], ref["score_sum"])


def test_other_settings_on_the_same_output_raise_or_overwrite(data, tmp_path):
    manifest = [{"sample_id": "g0", "fasta": str(data["root"] / "genomes" / "g0.fasta")}]
    out = tmp_path / "o"
    run_batch(manifest, data["model"], out=out, settings=SETTINGS, progress=False)
    with pytest.raises(InputError, match="other settings \\(steps: was 4, now 6\\)"):
        run_batch(manifest, data["model"], out=out, settings={**SETTINGS, "steps": 6},
                  progress=False)
    # batching never changes results, so it may change between runs
    again = run_batch(manifest, data["model"], out=out, progress=False,
                      settings={**SETTINGS, "batch_size": 7})
    assert again.attrs["n_skipped"] == 1
    fresh = run_batch(manifest, data["model"], out=out, settings={**SETTINGS, "steps": 6},
                      overwrite=True, progress=False)
    assert fresh.attrs["n_skipped"] == 0
    assert read_batch(out, "summary")["steps"].unique().tolist() == [6]


def test_second_writer_is_refused_while_the_first_holds_the_lock(data, tmp_path):
    manifest = [{"sample_id": "g0", "fasta": str(data["root"] / "genomes" / "g0.fasta")}]
    out = tmp_path / "o"
    out.mkdir()
    held, release = threading.Event(), threading.Event()

    def hold():
        with output_lock(out / "_run.json", lock_timeout=0):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(OutputBusyError, match="Another deepg-interpret run"):
            run_batch(manifest, data["model"], out=out, settings=SETTINGS, progress=False)
    finally:
        release.set()
        thread.join()


def test_bad_arguments_are_clear_errors(data, tmp_path):
    model, manifest = data["model"], data["manifest"]
    with pytest.raises(ArgumentTypeError, match="not arguments of integrated_gradients"):
        run_batch(manifest, model, out=tmp_path / "a", settings={"target": 1, "stepz": 3})
    with pytest.raises(InputError, match="needs \\['target'\\]"):
        run_batch(manifest, model, out=tmp_path / "a", settings={})
    with pytest.raises(InputError, match="not registered"):
        run_batch(manifest, model, method="nope", out=tmp_path / "a", settings=SETTINGS)
    with pytest.raises(InputError, match="not an existing model"):
        run_batch(manifest, tmp_path / "none.h5", out=tmp_path / "a", settings=SETTINGS)
    with pytest.raises(InputError, match="tables"):
        run_batch(manifest, model, out=tmp_path / "a", settings=SETTINGS, tables="genez")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x.txt").write_text("mine")
    with pytest.raises(InputError, match="already holds other files"):
        run_batch(manifest, model, out=tmp_path / "busy", settings=SETTINGS)
    assert not (tmp_path / "a").exists()  # nothing written on bad arguments


def test_manifest_and_label_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.csv").write_text("sample_id,fasta,gff\nA1,../a.fa,a.gff\n")
    sample = read_manifest_table(tmp_path / "sub" / "m.csv")[0]
    assert sample.fasta == str(tmp_path / "a.fa")  # relative to the manifest's folder
    assert sample.gff == str(tmp_path / "sub" / "a.gff")
    for text, message in (("sample_id,path\nA,a.fa\n", "lacks the column"),
                          ("sample_id,fasta\nA,a.fa\nA,b.fa\n", "appears twice"),
                          ("sample_id,fasta\na/b,a.fa\n", "cannot name an output partition")):
        (tmp_path / "bad.csv").write_text(text)
        with pytest.raises(InputError, match=message):
            read_manifest_table(tmp_path / "bad.csv")
    # deepG label folders, with and without train/validation splits
    for cls, split in (("spo", "train"), ("non", "validation")):
        folder = tmp_path / "tree" / split / cls
        folder.mkdir(parents=True)
        (folder / f"{cls}_1.fasta.gz").write_bytes(b"")
        (folder / f"{cls}_1.gff3").write_text("##gff-version 3\n")
    samples = read_label_folders(tmp_path / "tree")
    assert [(s.sample_id, s.label) for s in samples] == [("spo_1", "spo"), ("non_1", "non")]
    assert samples[0].gff.endswith("spo_1.gff3")


def test_cli_flags_and_spec_files(data, tmp_path):
    spec = tmp_path / "ig.json"
    spec.write_text(json.dumps({"method": "ig", "settings": {"target": 0, "steps": 9,
                                "method": "gauss_legendre"}, "tables": "all", "workers": 2}))
    args = build_parser().parse_args(
        ["run", "--manifest", "m.csv", "--model", "m.keras", "--out", "o", "--spec", str(spec),
         "--steps", "12", "--window-step", "100", "--baseline", "uniform"])
    kw = command_arguments(args)
    assert kw["method"] == "integrated_gradients" and kw["workers"] == 2
    assert kw["tables"] == "all"
    assert kw["settings"] == {"target": 0, "steps": 12, "method": "gauss_legendre",
                              "window_step": 100, "baseline": "uniform"}  # flags win
    args = build_parser().parse_args(["run", "--manifest", "m", "--model", "m", "--out", "o",
                                      "--method", "saliency", "--target", "1", "--steps", "3"])
    with pytest.raises(InputError, match="--steps is not an option of saliency"):
        command_arguments(args)
    args = build_parser().parse_args(["run", "--manifest", "m", "--model", "m", "--out", "o",
                                      "--target", "1", "--ig-method", "simpson"])
    with pytest.raises(InputError, match="choose one of"):
        command_arguments(args)


def test_ray_missing_is_a_clear_error(data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    manifest = [{"sample_id": "g0", "fasta": str(data["root"] / "genomes" / "g0.fasta")}]
    with pytest.raises(InputError, match=r"pip install 'ray>=2.9'"):
        run_batch(manifest, data["model"], out=tmp_path / "o", settings=SETTINGS,
                  engine="ray", progress=False)
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_gff_adds_a_gene_table(data, tmp_path):
    from deepg_interpret.genes import gene_scores

    gff = tmp_path / "g0.gff3"
    gff.write_text("##gff-version 3\n"
                   "chr\ttest\tgene\t101\t400\t.\t+\t.\tID=geneA;Name=spoA\n"
                   "chr\ttest\tgene\t601\t900\t.\t-\t.\tID=geneB\n")
    fasta = data["root"] / "genomes" / "g0.fasta"
    manifest = [{"sample_id": "g0", "fasta": str(fasta), "gff": str(gff)}]
    status = run_batch(manifest, data["model"], out=tmp_path / "o", settings=SETTINGS,
                       progress=False)
    assert status["status"].tolist() == ["done"], status["error"].tolist()
    genes = read_batch(tmp_path / "o", "genes")
    per_locus = read_batch(tmp_path / "o", "per_locus").drop(columns="sample_id")
    expected = gene_scores(per_locus, gff, sequence_lengths={"chr": 1000, "plasmid": 200})
    pd.testing.assert_frame_equal(genes.drop(columns="sample_id"), expected,
                                  check_categorical=False)
    assert {"geneA", "geneB"} <= set(genes["gene_id"])


def test_progress_bar_shows_throughput(data, tmp_path, capsys):
    manifest = [{"sample_id": "g0", "fasta": str(data["root"] / "genomes" / "g0.fasta")}]
    run_batch(manifest, data["model"], out=tmp_path / "o", settings=SETTINGS, progress=True)
    err = capsys.readouterr().err
    assert "1/1" in err and "samples/h=" in err and "bases/s=" in err


def test_yaml_spec(tmp_path):
    pytest.importorskip("yaml")  # PyYAML: optional, JSON specs need nothing
    from deepg_interpret.batch.command import read_spec

    spec = tmp_path / "ig.yaml"
    spec.write_text("method: ig\nsettings:\n  target: 1\n  steps: 50\n  window_step: 200\n"
                    "engine: ray\n")
    assert read_spec(spec) == {"method": "ig", "engine": "ray",
                               "settings": {"target": 1, "steps": 50, "window_step": 200}}
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    with pytest.raises(InputError, match="must be a mapping"):
        read_spec(tmp_path / "bad.yaml")
