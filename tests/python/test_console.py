"""A clean console: no TensorFlow start-up noise, one device line, the user's log level kept.

The subprocesses get the environment of a user who set nothing (no TF_CPP_MIN_LOG_LEVEL,
which conftest.py and the Makefile set for the rest of the suite).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deepg_interpret.model import tf_runtime

MODEL = Path(__file__).resolve().parents[2] / "inst" / "extdata" / "demo_model.h5"
DEVICE_LINE = "deepg-interpret: TensorFlow "
NOISE = ("cuInit", "absl::InitializeLog", "oneDNN", "cudart_stub", "cpu_feature_guard",
         "Unable to register")

# First model load, twice (file, then the adapter's model): the environment as the engine
# leaves it, and what it added or changed.
LOAD_TWICE = """
import json, os, sys, warnings
before = dict(os.environ)
import deepg_interpret as dg
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.DeepGInterpretWarning)
    model = dg.load_model(sys.argv[1])
dg.load_model(model.keras_model, output="logit")
after = dict(os.environ)
print(json.dumps({"level": after.get("TF_CPP_MIN_LOG_LEVEL"),
                  "added": sorted(set(after) - set(before)),
                  "changed": sorted(k for k in before if after.get(k) != before[k])}))
"""


def user_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_CPP_", "DEEPG_INTERPRET_"))}
    env.update(extra)
    return env


def run(args, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=user_env(**extra), timeout=300, stdin=subprocess.DEVNULL)


def device_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(DEVICE_LINE)]


def assert_clean(stderr: str) -> None:
    for word in NOISE:
        assert word not in stderr, f"{word!r} on stderr:\n{stderr}"
    lines = device_lines(stderr)
    assert len(lines) == 1, stderr
    assert " on CPU (" in lines[0] or " on GPU: " in lines[0]


def test_cli_stderr_is_clean_and_stdout_has_only_the_table():
    done = run(["-m", "deepg_interpret.cli", "info", "--model", str(MODEL)])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["maxlen"] == 200  # the device line is not on stdout
    assert_clean(done.stderr)


@pytest.mark.tf215  # TF 2.15 prints other noise ("Unable to register cuDNN factory", ...)
def test_first_model_load_is_clean_and_sets_only_an_unset_log_level():
    done = run(["-c", LOAD_TWICE, str(MODEL)])
    assert done.returncode == 0, done.stderr
    assert_clean(done.stderr)
    env = json.loads(done.stdout.strip().splitlines()[-1])
    assert env["level"] == tf_runtime.DEFAULT_LOG_LEVEL
    assert not [k for k in env["added"] if k.startswith(("DEEPG_", "CUDA_")) or
                (k.startswith("TF_CPP_") and k != "TF_CPP_MIN_LOG_LEVEL")]


def test_a_users_log_level_is_kept_and_quiet_drops_the_line():
    done = run(["-c", LOAD_TWICE, str(MODEL)], TF_CPP_MIN_LOG_LEVEL="0",
               DEEPG_INTERPRET_QUIET="1")
    assert done.returncode == 0, done.stderr
    env = json.loads(done.stdout.strip().splitlines()[-1])
    assert env["level"] == "0" and env["changed"] == []
    assert not [k for k in env["added"] if k.startswith(("TF_CPP_", "DEEPG_", "CUDA_"))]
    assert device_lines(done.stderr) == []


STARTUP = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796298867.884008    9248 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1796298868.060354    9248 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
my own line
2024-01-31 12:00:00.457317: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered
2024-01-31 12:00:03.436730: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT
E0000 00:00:1796298878.404252    9248 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
E0000 00:00:1796298878.404252    9248 other.cc:1] a real error
"""


@pytest.mark.parametrize("level, kept", [
    (0, STARTUP.splitlines()),
    (1, ["my own line", STARTUP.splitlines()[5], STARTUP.splitlines()[6],
         STARTUP.splitlines()[7], STARTUP.splitlines()[8]]),
    (2, ["my own line", STARTUP.splitlines()[8]]),
    (3, ["my own line"]),
])
def test_filter_drops_what_the_level_hides(monkeypatch, level, kept):
    monkeypatch.setattr(tf_runtime, "_nvidia_device_nodes", lambda: False)
    assert tf_runtime.filter_lines(STARTUP, level).splitlines() == kept


def test_cuinit_errors_are_kept_where_there_is_a_gpu(monkeypatch):
    monkeypatch.setattr(tf_runtime, "_nvidia_device_nodes", lambda: True)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert "cuInit" in tf_runtime.filter_lines(STARTUP, 2)


def test_device_line_once_through_the_reporter(monkeypatch):
    monkeypatch.delenv(tf_runtime.ENV_QUIET, raising=False)
    monkeypatch.setattr(tf_runtime, "_announced", False)
    monkeypatch.setattr(tf_runtime, "tensorflow", lambda: None)  # no TF import here
    monkeypatch.setattr(tf_runtime, "device_line", lambda tf: DEVICE_LINE + "x on CPU (test)")
    lines = []
    previous = tf_runtime.set_reporter(lines.append)
    try:
        tf_runtime.announce_device()
        tf_runtime.announce_device()
    finally:
        tf_runtime.set_reporter(previous)
    assert len(lines) == 1 and lines[0].startswith(DEVICE_LINE)
