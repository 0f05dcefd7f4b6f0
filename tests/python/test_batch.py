"""Batch runs (deepg_interpret.batch): resumable Parquet output over many genomes.

Ground truth: the method called directly on each genome (the batch must store exactly
its tables), an uninterrupted run (a run killed with SIGKILL and resumed must end
equal to it), and hand-made broken inputs (a corrupt FASTA must fail alone).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import integrated_gradients, read_batch, run_batch
from deepg_interpret.batch import manifest as manifest_module
from deepg_interpret.batch.manifest import fingerprint, read_label_folders, read_manifest_table
from deepg_interpret.batch.store import batch_status, canonical_json
from deepg_interpret.cli import build_parser, main
from deepg_interpret.cli.batch import command_arguments
from deepg_interpret.errors import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    InputError,
    OutputBusyError,
)
from deepg_interpret.io.locks import output_lock

MAXLEN = 50
SETTINGS = {"target": 1, "steps": 4, "window_step": 25}
REPO = Path(__file__).resolve().parents[2]


def _genome(rng, n):
    return "".join(rng.choice(list("ACGT"), n))


def _save_model(path, seed=0):
    """The tiny Conv1D model of the batch tests, its weights drawn with ``seed``."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((MAXLEN, 4)), keras.layers.Conv1D(4, 5, activation="relu"),
        keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(2, activation="softmax"),
    ])
    model.save(path)
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A tiny Conv1D model (.keras) and six genomes of 1.2-2.4 kb (two contigs each)."""
    root = tmp_path_factory.mktemp("batch")
    _save_model(root / "model.keras")
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
    model_sha = record["inputs"]["model"]
    assert model_sha.startswith("sha256:") and len(model_sha) == len("sha256:") + 64
    fasta = data["root"] / "genomes" / "g0.fasta"
    assert record["samples"]["g0"]["inputs"] == {"model": model_sha, "fasta": fingerprint(fasta),
                                                 "gff": None}
    assert status["redone_reason"].isna().all()


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
    from deepg_interpret.methods.genes import gene_scores

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
    from deepg_interpret.cli.batch import read_spec

    spec = tmp_path / "ig.yaml"
    spec.write_text("method: ig\nsettings:\n  target: 1\n  steps: 50\n  window_step: 200\n"
                    "engine: ray\n")
    assert read_spec(spec) == {"method": "ig", "engine": "ray",
                               "settings": {"target": 1, "steps": 50, "window_step": 200}}
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    with pytest.raises(InputError, match="must be a mapping"):
        read_spec(tmp_path / "bad.yaml")


# --------------------------------------------------------------------------- changed inputs
def _redo_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, DeepGInterpretWarning)
            and "redoing" in str(w.message)]


def _resume(manifest, model, out):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = run_batch(manifest, model, out=out, settings=SETTINGS, progress=False)
    return status.set_index("sample_id"), _redo_warnings(caught)


def _scores(out, sample):
    return read_batch(out, "per_locus", samples=[sample])["score_sum"].to_numpy()


def _reasons(status) -> list:
    """``redone_reason`` with missing as None (NaN or None by pandas version: 2 vs 3)."""
    return [r if isinstance(r, str) else None for r in status["redone_reason"]]


def test_resume_redoes_exactly_the_samples_whose_inputs_changed(data, tmp_path):
    genomes = data["root"] / "genomes"
    for i in range(3):
        shutil.copy(genomes / f"g{i}.fasta", tmp_path / f"g{i}.fasta")
    gff = tmp_path / "g2.gff3"
    gff.write_text("##gff-version 3\nchr\ttest\tgene\t101\t400\t.\t+\t.\tID=geneA\n")
    model = shutil.copy(data["model"], tmp_path / "model.keras")
    manifest = [{"sample_id": f"g{i}", "fasta": str(tmp_path / f"g{i}.fasta")} for i in range(3)]
    manifest[2]["gff"] = str(gff)
    out = tmp_path / "o"
    first = run_batch(manifest, model, out=out, settings=SETTINGS, progress=False)
    assert first["status"].tolist() == ["done"] * 3
    started = first.set_index("sample_id")["started"]

    # unchanged inputs (the same content under a new time stamp): nothing is redone
    os.utime(tmp_path / "g0.fasta", ns=(1, 1))
    status, redo = _resume(manifest, model, out)
    assert status.attrs["n_skipped"] == 3 and status.attrs["n_redone"] == 0 and not redo
    assert status["attempts"].tolist() == [1, 1, 1]
    assert status["started"].equals(started)

    # another sequence in g1's FASTA: g1 alone is redone and holds the new sequence's scores
    (tmp_path / "g1.fasta").write_text((genomes / "g3.fasta").read_text())
    status, redo = _resume(manifest, model, out)
    assert status.attrs["n_skipped"] == 2 and status.attrs["n_redone"] == 1
    assert status["attempts"].tolist() == [1, 2, 1]
    assert _reasons(status) == [None, "fasta changed", None]
    assert len(redo) == 1 and "g1: fasta changed" in redo[0] and "g1.fasta" in redo[0]
    assert status.loc[["g0", "g2"], "started"].equals(started[["g0", "g2"]])
    np.testing.assert_array_equal(_scores(out, "g1"), _scores(data["reference"], "g3"))
    np.testing.assert_array_equal(_scores(out, "g0"), _scores(data["reference"], "g0"))
    assert status.loc["g1", "bases"] == 1800

    # another annotation for g2: g2 alone is redone, its gene table follows the new GFF
    assert read_batch(out, "genes")["gene_id"].tolist()[1] == "geneA"
    gff.write_text("##gff-version 3\nchr\ttest\tgene\t201\t300\t.\t-\t.\tID=geneB\n")
    status, redo = _resume(manifest, model, out)
    assert status["attempts"].tolist() == [1, 2, 2]
    assert _reasons(status) == [None, "fasta changed", "gff changed"]
    assert len(redo) == 1 and "g2: gff changed" in redo[0]
    genes = read_batch(out, "genes")
    assert "geneB" in set(genes["gene_id"]) and "geneA" not in set(genes["gene_id"])

    # another model in the same file: every sample is redone with it
    _save_model(tmp_path / "model.keras", seed=7)
    status, redo = _resume(manifest, model, out)
    assert status.attrs["n_skipped"] == 0 and status.attrs["n_redone"] == 3
    assert status["attempts"].tolist() == [2, 3, 3]
    assert _reasons(status) == ["model changed"] * 3
    assert len(redo) == 1 and "The model changed" in redo[0]
    direct = integrated_gradients(str(model), str(tmp_path / "g0.fasta"), progress=False,
                                  **SETTINGS).table("per_locus")
    np.testing.assert_array_equal(_scores(out, "g0"), direct["score_sum"].to_numpy())
    assert not np.allclose(_scores(out, "g0"), _scores(data["reference"], "g0"))
    record = json.loads((out / "_run.json").read_text())
    assert record["inputs"]["model"] == fingerprint(model)
    assert {e["inputs"]["model"] for e in record["samples"].values()} == {fingerprint(model)}

    # and then a resume with nothing changed redoes nothing
    status, redo = _resume(manifest, model, out)
    assert status.attrs["n_skipped"] == 3 and not redo
    assert status["attempts"].tolist() == [2, 3, 3]


def test_redo_that_fails_leaves_no_old_parts_and_old_runs_are_redone(data, tmp_path, capsys):
    genomes = data["root"] / "genomes"
    for i in range(2):
        shutil.copy(genomes / f"g{i}.fasta", tmp_path / f"g{i}.fasta")
    manifest = [{"sample_id": f"g{i}", "fasta": str(tmp_path / f"g{i}.fasta")} for i in range(2)]
    model = shutil.copy(data["model"], tmp_path / "model.keras")
    out = tmp_path / "o"
    run_batch(manifest, model, out=out, settings=SETTINGS, progress=False)
    # the new input is broken: the sample fails, and the old numbers are not served
    (tmp_path / "g1.fasta").write_bytes(b"\x00\x01 not a fasta")
    status, redo = _resume(manifest, model, out)
    assert status.loc["g1", "status"] == "failed" and "SequenceError" in status.loc["g1", "error"]
    assert status.loc["g1", "redone_reason"] == "fasta changed" and len(redo) == 1
    assert read_batch(out, "per_locus")["sample_id"].unique().tolist() == ["g0"]
    assert not (out / "per_locus" / "sample_id=g1").exists()
    assert not (out / "summary" / "sample_id=g1").exists()
    # a finished sample recorded without fingerprints (an older run) is redone; the CLI says so
    record = json.loads((out / "_run.json").read_text())
    del record["samples"]["g0"]["inputs"]
    (out / "_run.json").write_text(json.dumps(record))
    pd.DataFrame(manifest).to_csv(tmp_path / "m.csv", index=False)
    capsys.readouterr()
    with pytest.warns(DeepGInterpretWarning, match="g0: inputs not fingerprinted"):
        assert main(["run", "--manifest", str(tmp_path / "m.csv"), "--model", str(model),
                     "--target", "1", "--steps", "4", "--window-step", "25", "--out", str(out),
                     ]) == 1  # g1 still fails
    assert "1 redone because their inputs changed" in capsys.readouterr().out
    status = batch_status(out).set_index("sample_id")
    assert status.loc["g0", "attempts"] == 2
    assert status.loc["g0", "redone_reason"] == "inputs not fingerprinted (an older run)"
    assert status.loc["g1", "attempts"] == 3 and pd.isna(status.loc["g1", "redone_reason"])
    # a finished sample whose FASTA was deleted is kept, with a warning
    (tmp_path / "g0.fasta").unlink()
    with pytest.warns(DeepGInterpretWarning, match=r"no longer exist.*g0 \(fasta\)"):
        status = run_batch(manifest, model, out=out, settings=SETTINGS, progress=False)
    assert status.set_index("sample_id").loc["g0", "status"] == "done"
    assert "g0" in read_batch(out, "summary")["sample_id"].tolist()
    # ... but not once the model changed: its old numbers would mix two models
    _save_model(model, seed=3)
    status, redo = _resume(manifest, model, out)
    assert status.loc["g0", "status"] == "failed" and "g0.fasta" in status.loc["g0", "error"]
    assert status.loc["g0", "redone_reason"] == "model, fasta changed"
    assert not (out / "summary" / "sample_id=g0").exists()


def test_fingerprint_rule_for_big_files_and_folders(tmp_path, monkeypatch):
    small = tmp_path / "small.fasta"
    small.write_text(">c\nACGT\n")
    assert fingerprint(small) == "sha256:" + hashlib.sha256(small.read_bytes()).hexdigest()
    os.utime(small, ns=(5, 5))  # whole-file hashes ignore the time stamp
    assert fingerprint(small) == "sha256:" + hashlib.sha256(small.read_bytes()).hexdigest()
    # above the limit: size, mtime_ns and the SHA-256 of the first and last MiB
    monkeypatch.setattr(manifest_module, "FULL_HASH_LIMIT", 1 << 20)
    big = tmp_path / "big.fasta"
    data = bytearray(os.urandom(3 << 20))
    big.write_bytes(bytes(data))
    os.utime(big, ns=(10**18, 10**18))
    before = fingerprint(big)
    ends = hashlib.sha256(bytes(data[: 1 << 20]) + bytes(data[-(1 << 20):])).hexdigest()
    assert before == f"size={3 << 20};mtime_ns={10**18};sha256-ends:{ends}"
    data[(3 << 20) // 2] ^= 1  # the middle, with size and time stamp kept: not seen (documented)
    big.write_bytes(bytes(data))
    os.utime(big, ns=(10**18, 10**18))
    assert fingerprint(big) == before
    data[-1] ^= 1  # the last MiB: seen
    big.write_bytes(bytes(data))
    os.utime(big, ns=(10**18, 10**18))
    assert fingerprint(big) != before
    os.utime(big, ns=(10**18 + 1, 10**18 + 1))  # touched: counts as changed
    assert fingerprint(big).startswith(f"size={3 << 20};mtime_ns={10**18 + 1};")
    # a SavedModel folder: every file under it
    saved = tmp_path / "saved"
    (saved / "variables").mkdir(parents=True)
    (saved / "saved_model.pb").write_bytes(b"graph")
    (saved / "variables" / "variables.data").write_bytes(b"weights")
    tree = fingerprint(saved)
    assert tree.startswith("tree-sha256:")
    (saved / "variables" / "variables.data").write_bytes(b"other weights")
    assert fingerprint(saved) != tree
    assert fingerprint(tmp_path / "nothing") is None


def test_settings_are_compared_as_canonical_json(data, tmp_path):
    assert canonical_json({"a": np.float32(0.1), "b": 50.0, "c": (1, 2)}) == \
        canonical_json({"c": [1, 2], "b": 50, "a": 0.1})
    assert canonical_json(float("nan")) == canonical_json(np.float64("nan"))
    assert canonical_json(0.1) != canonical_json(0.1000001)
    assert canonical_json(True) != canonical_json(1)
    manifest = [{"sample_id": "g0", "fasta": str(data["root"] / "genomes" / "g0.fasta")}]
    out = tmp_path / "o"
    run_batch(manifest, data["model"], out=out, settings=SETTINGS, progress=False)
    # R hands whole numbers over as doubles, numpy code as numpy scalars: the same settings
    again = run_batch(manifest, data["model"], out=out, progress=False,
                      settings={"target": np.int64(1), "steps": 4.0, "window_step": 25.0})
    assert again.attrs["n_skipped"] == 1
    with pytest.raises(InputError, match="other settings \\(steps: was 4, now 4.5\\)"):
        run_batch(manifest, data["model"], out=out, settings={**SETTINGS, "steps": 4.5},
                  progress=False)
