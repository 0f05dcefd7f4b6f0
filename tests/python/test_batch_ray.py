"""Batch runs on Ray: the same job on Ray actors gives the local run's tables.

One local Ray session (``num_cpus=2``) for the module; skipped only where the
optional ``ray`` extra is not installed (``pip install 'deepg-interpret[ray]'``), and
never under ``make test`` (``DGI_REQUIRE_RAY=true``).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import read_batch, run_batch

if os.environ.get("DGI_REQUIRE_RAY") == "true":  # `make test`: the feature must be tested
    import ray
else:
    ray = pytest.importorskip("ray")

MAXLEN = 40
SETTINGS = {"target": 0, "steps": 3, "window_step": 20}


@pytest.fixture(scope="module")
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    import keras

    root = tmp_path_factory.mktemp("batch_ray")
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((MAXLEN, 4)), keras.layers.Conv1D(3, 7, activation="tanh"),
        keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(2, activation="softmax"),
    ])
    model.save(root / "model.h5")
    rng = np.random.default_rng(7)
    rows = ["sample_id,fasta,label"]
    for i in range(4):
        seq = "".join(rng.choice(list("ACGT"), 800 + 100 * i))
        (root / f"s{i}.fa").write_text(f">contig_{i}\n{seq}\n")
        rows.append(f"s{i},s{i}.fa,{'a' if i < 2 else 'b'}")
    (root / "samples.csv").write_text("\n".join(rows) + "\n")
    local = root / "local"
    status = run_batch(root / "samples.csv", root / "model.h5", method="ig", out=local,
                       settings=SETTINGS, progress=False)
    assert status["status"].tolist() == ["done"] * 4
    return {"root": root, "local": local}


def test_ray_run_equals_local_run(ray_session, data):
    root = data["root"]
    (root / "bad.fa").write_text("ACGT\n>x\nAC\n")  # sequence before any header
    (root / "with_bad.csv").write_text((root / "samples.csv").read_text() + "bad,bad.fa,b\n")
    out = root / "ray"
    status = run_batch(root / "with_bad.csv", root / "model.h5", method="ig", out=out,
                       settings=SETTINGS, engine="ray", workers=2, progress=False)
    assert status["status"].tolist() == ["done"] * 4 + ["failed"]
    assert "header" in status["error"].iloc[4]
    # two actors shared the work, each loading the model once in its own process
    samples = json.loads((out / "_run.json").read_text())["samples"].values()
    assert len({e["worker"] for e in samples if e["status"] == "done"}) == 2
    for table in ("per_locus", "summary"):
        # Same code, same model file, same CPU kernels: identical numbers expected.
        pd.testing.assert_frame_equal(read_batch(out, table), read_batch(data["local"], table),
                                      check_exact=True, obj=table)
    assert ray_session.is_initialized()  # a session the caller started is left running


def test_another_ray_instance_is_explained(data, tmp_path):
    # A Ray head started apart from this run (as `ray start --head` would be on the
    # machine); RAY_ADDRESS makes the run's ray.init() join it, which refuses num_cpus.
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    head = subprocess.Popen([ray_bin, "start", "--head", "--block", f"--port={port}",
                             "--num-cpus=1", "--include-dashboard=false",
                             f"--temp-dir={tmp_path / 'ray'}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)  # the head's processes come up
        code = ("from deepg_interpret import run_batch\n"
                "from deepg_interpret.errors import InputError\n"
                "try:\n"
                f"    run_batch({str(data['root'] / 'samples.csv')!r}, "
                f"{str(data['root'] / 'model.h5')!r}, method='ig', out={str(tmp_path / 'o')!r},"
                f" settings={SETTINGS!r}, engine='ray', workers=1, progress=False)\n"
                "except InputError as e:\n"
                "    print('MESSAGE', e)\n")
        env = {**os.environ, "RAY_ADDRESS": f"127.0.0.1:{port}", "TF_CPP_MIN_LOG_LEVEL": "2"}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, timeout=300)
        assert "MESSAGE Another Ray instance is running" in out.stdout, out.stderr[-2000:]
        assert "address='auto'" in out.stdout and "ray stop" in out.stdout
    finally:
        head.terminate()
        head.wait(timeout=60)
