"""The command line: IG on a FASTA file into Parquet/CSV, model info, simulation, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from conftest import conv_lstm_model, keras_default, random_dna
from deepg_interpret import DeepGInterpretWarning
from deepg_interpret.cli import main


@pytest.fixture
def model_and_fasta(tmp_path):
    model_path = tmp_path / "model.keras"
    conv_lstm_model(keras_default(), maxlen=60).save(model_path)
    fasta = tmp_path / "seqs.fasta"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(random_dna(3, 60))))
    return model_path, fasta


def test_ig_writes_three_tables(model_and_fasta, tmp_path, capsys):
    model, fasta = model_and_fasta
    out = tmp_path / "res" / "ig.parquet"
    code = main(["ig", "--model", str(model), "--fasta", str(fasta), "--target", "pos",
                 "--class-names", "neg,pos", "--steps", "8", "--baseline", "dinuc_shuffle",
                 "--seed", "1", "--out", str(out)])
    assert code == 0
    att = pd.read_parquet(out)
    loc = pd.read_parquet(tmp_path / "res" / "ig.per_locus.parquet")
    summ = pd.read_parquet(tmp_path / "res" / "ig.summary.parquet")
    assert len(att) == 3 * 60 * 4 and len(loc) == 3 * 60 and summ["seq_id"].tolist() == ["s0", "s1", "s2"]
    assert summ["baseline"].eq("dinuc_shuffle").all() and summ["target"].eq(1).all()
    assert "completeness gap" in capsys.readouterr().out
    assert not list((tmp_path / "res").glob(".*tmp"))  # atomic writes leave no temp files


def test_single_csv_table(model_and_fasta, tmp_path):
    model, fasta = model_and_fasta
    out = tmp_path / "loc.csv"
    assert main(["ig", "--model", str(model), "--fasta", str(fasta), "--target", "0", "--steps", "4",
                 "--table", "per_locus", "--out", str(out), "--quiet"]) == 0
    assert list(pd.read_csv(out).columns)[:3] == ["seq_id", "position", "ref_base"]


def test_errors_are_one_line_with_advice(model_and_fasta, tmp_path, capsys):
    model, fasta = model_and_fasta
    code = main(["ig", "--model", str(model), "--fasta", str(fasta), "--target", "virus",
                 "--out", str(tmp_path / "x.csv"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "class_names" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_info_and_simulate(model_and_fasta, tmp_path, capsys):
    model, _ = model_and_fasta
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeepGInterpretWarning)
        assert main(["info", "--model", str(model)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["maxlen"] == 60 and info["n_outputs"] == 2
    assert main(["simulate", "--preset", "entropy_high", "--n", "40", "--length", "100",
                 "--out", str(tmp_path / "sim"), "--quiet"]) == 0
    assert list((tmp_path / "sim" / "train").iterdir())


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "deepg_interpret.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("deepg-interpret ")


def test_every_registered_method_is_a_subcommand(model_and_fasta, tmp_path, capsys):
    from deepg_interpret.methods.registry import command_line_methods

    model, fasta = model_and_fasta
    assert main(["methods"]) == 0
    listed = capsys.readouterr().out
    for spec in command_line_methods():
        command = spec.cli_name or spec.name.replace("_", "-")
        assert command in listed
        out = tmp_path / command / "res.csv"
        extra = ["--steps", "2"] if spec.name == "integrated_gradients" else []
        assert main([command, "--model", str(model), "--fasta", str(fasta), "--target", "1",
                     "--out", str(out), "--quiet", *extra]) == 0
        for i, table in enumerate(spec.tables):
            path = out if i == 0 else out.with_name(f"res.{table}.csv")
            assert list(pd.read_csv(path).columns)  # every table of the result was written


def test_outputs_are_one_set_with_a_manifest(model_and_fasta, tmp_path):
    from deepg_interpret.io.file_sets import check_file_set

    model, fasta = model_and_fasta
    out = tmp_path / "ig.parquet"
    assert main(["ig", "--model", str(model), "--fasta", str(fasta), "--target", "0",
                 "--steps", "2", "--out", str(out), "--quiet"]) == 0
    info = check_file_set(out)
    assert len(info["paths"]) == 3 and info["metadata"]["method"] == "integrated_gradients"
    first_run = info["run_id"]
    # a second run whose writing fails (a table path taken by a directory) changes nothing
    out2 = tmp_path / "ig.per_locus.parquet"
    out2.unlink()
    out2.mkdir()
    code = main(["ig", "--model", str(model), "--fasta", str(fasta), "--target", "0",
                 "--steps", "2", "--out", str(out), "--quiet"])
    assert code == 2
    assert pd.read_parquet(out).shape[0] == 3 * 60 * 4
    assert json.loads((tmp_path / "ig.parquet.manifest.json").read_text())["run_id"] == first_run


@pytest.mark.parametrize("out_name, message", [
    ("result.xlsx", "suffix|format"),
    ("folder", "folder|directory"),
])
def test_bad_outputs_fail_before_the_work(model_and_fasta, tmp_path, capsys, monkeypatch,
                                         out_name, message):
    import deepg_interpret.methods.registry as registry

    model, fasta = model_and_fasta
    out = tmp_path / out_name
    if out_name == "folder":
        out.mkdir()
    calls = []
    monkeypatch.setattr(registry.MethodSpec, "run", lambda *a, **k: calls.append(1))
    code = main(["saliency", "--model", str(model), "--fasta", str(fasta), "--target", "0",
                 "--out", str(out), "--quiet", "--table", "attribution"])
    err = capsys.readouterr().err
    assert code == 2 and not calls and "Traceback" not in err
    assert __import__("re").search(message, err, __import__("re").I)


def test_read_only_output_folder_is_reported_up_front(model_and_fasta, capsys):
    model, fasta = model_and_fasta
    code = main(["saliency", "--model", str(model), "--fasta", str(fasta), "--target", "0",
                 "--out", "/proc/deepg_interpret_cannot_write_here.csv", "--quiet"])
    assert code == 2 and "Traceback" not in capsys.readouterr().err


def test_out_does_not_replace_a_file_the_tool_did_not_write(model_and_fasta, tmp_path, capsys):
    model, fasta = model_and_fasta
    mine = tmp_path / "notes.csv"
    mine.write_text("my own numbers\n")
    args = ["saliency", "--model", str(model), "--fasta", str(fasta), "--target", "0",
            "--table", "per_locus", "--out", str(mine), "--quiet"]
    assert main(args) != 0
    assert "not written by deepg-interpret" in capsys.readouterr().err
    assert mine.read_text() == "my own numbers\n"  # untouched
    assert main(args + ["--overwrite"]) == 0
    assert len(pd.read_csv(mine)) == 3 * 60
    assert main(args) == 0  # our own set: a rerun replaces it without --overwrite


def test_completeness_gap_of_an_all_n_input_is_na(model_and_fasta, tmp_path, capsys):
    model, _ = model_and_fasta
    fasta = tmp_path / "n.fasta"
    fasta.write_text(">allN\n" + "N" * 60 + "\n")
    code = main(["ig", "--model", str(model), "--fasta", str(fasta), "--target", "0",
                 "--steps", "4", "--ambiguous", "zero", "--out", str(tmp_path / "n.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "completeness gap n/a (F(input) equals F(baseline)" in out and "nan" not in out


def test_spec_syntax_errors_give_the_line(tmp_path):
    pytest.importorskip("yaml")
    from deepg_interpret.cli.batch import read_spec
    from deepg_interpret.errors import InputError

    bad = tmp_path / "ig.yaml"
    bad.write_text("method: integrated_gradients\nsettings:\n  steps: 50\n   target: [1\n")
    with pytest.raises(InputError, match=r"not valid YAML at line \d+, column \d+"):
        read_spec(bad)
    bad_json = tmp_path / "ig.json"
    bad_json.write_text('{"method": "ig",\n "settings": {steps: 5}}\n')
    with pytest.raises(InputError, match=r"not valid JSON at line 2, column \d+"):
        read_spec(bad_json)
