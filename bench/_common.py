"""Shared helpers for the ``bench/`` scripts.

Everything that touches TensorFlow is imported lazily, so an orchestrating
process can stay small and leave the heavy work (and its memory) to fresh
worker subprocesses, one configuration each: peak RSS is then the
configuration's own, not polluted by what ran before it.

The benchmark model is deepG's ``create_model_lstm_cnn`` layout
(``python/deepg_interpret/reference_models.py``); where that module is missing
the same stack is built here with Keras 3:

- block 1: ``Conv1D(relu, padding="same")`` -> ``MaxPooling1D`` -> ``BatchNormalization``
- block 2: ``Conv1D(relu, padding="same")`` -> ``BatchNormalization`` -> ``MaxPooling1D``
- ``Flatten`` (deepG's default) or ``GlobalAveragePooling1D`` (``gap = TRUE``)
- ``Dense(2, softmax)``
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
MIB = 1 << 20

# deepG-like CNN (issue: filters 32/64, kernel 12, pool 3, two conv blocks)
MODEL_KW = dict(
    kernel_size=(12, 12),
    filters=(32, 64),
    pool_size=(3, 3),
    layer_dense=(2,),
    padding="same",
    last_layer_activation="softmax",
)


# --------------------------------------------------------------------------- machine
def machine_info() -> dict:
    """nproc, usable cores, total memory, CPU model, load average."""
    cpu = None
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    total = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    total = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = None
    return {
        "nproc": os.cpu_count(),
        "usable_cores": usable,
        "cpu_model": cpu or platform.processor(),
        "memory_total_bytes": total,
        "memory_total_gib": None if total is None else round(total / (1 << 30), 1),
        "platform": platform.platform(),
        "loadavg_1_5_15": load,
    }


def versions() -> dict:
    """Versions of the stack, read from the imported modules (call inside a worker)."""
    import keras
    import tensorflow as tf

    import deepg_interpret

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "deepg_interpret": deepg_interpret.__version__,
    }


# --------------------------------------------------------------------------- memory
def proc_status() -> dict:
    """VmRSS and VmHWM (peak RSS) of this process, in bytes."""
    out = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) * 1024
    return out


# --------------------------------------------------------------------------- files
def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder + ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be read by all
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(statistics.median(values)) if values else None


def timed(fn):
    """(wall seconds, result) of one call."""
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def timed_cpu(fn):
    """(wall seconds, process CPU seconds, result) of one call.

    CPU time sums every thread of this process. On a shared machine it barely
    moves when other jobs steal cores, while wall time does, so ratios of CPU
    times are the steadier check of the wall-time ratios.
    """
    cpu = time.process_time()
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, time.process_time() - cpu, result


# --------------------------------------------------------------------------- workers
def run_worker(script: Path, spec: dict, *, timeout: float = 900.0) -> dict:
    """Run ``script --worker SPEC`` in a fresh interpreter; return its result dict.

    The child prints one line ``RESULT {json}``. Its own peak RSS comes back
    twice: as the child's ``VmHWM`` (in the result) and as ``ru_maxrss`` from
    ``os.wait4`` on that one child (``child_ru_maxrss_bytes``), so earlier
    children never leak into a later configuration's number.
    """
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.pop("DEEPG_INTERPRET_MEMORY_BUDGET", None)  # measure the default budget
    cmd = [sys.executable, str(script), "--worker", json.dumps(spec)]
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        deadline = began + timeout
        rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, rusage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - began
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    result = None
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
    if result is None:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-15:])
        result = {
            "error": f"worker exited with {proc.returncode}"
            + (" (timed out)" if wall > timeout else "")
            + f": {tail}"
        }
    result["child_ru_maxrss_bytes"] = int(rusage.ru_maxrss) * 1024 if rusage else None
    result["process_wall_s"] = round(wall, 2)
    return result


# --------------------------------------------------------------------------- model + data
def build_model(maxlen: int | None, *, gap: bool, seed: int = 0):
    """deepG-shaped CNN; returns (keras model, description dict)."""
    try:
        from deepg_interpret.synthetic.reference_models import create_model_lstm_cnn
    except ImportError:
        create_model_lstm_cnn = None
    if create_model_lstm_cnn is not None:
        model = create_model_lstm_cnn(
            maxlen=maxlen, gap=gap, seed=seed, compile=False, backend="keras3", **MODEL_KW
        )
        source = "deepg_interpret.synthetic.reference_models.create_model_lstm_cnn"
    else:
        model = _build_model_keras3(maxlen, gap=gap, seed=seed)
        source = "bench/_common.py (Keras 3, deepG create_model_lstm_cnn layout)"
    describe = {
        "source": source,
        "head": "gap" if gap else "flatten",
        "input_shape": [None if d is None else int(d) for d in model.inputs[0].shape],
        "params": int(model.count_params()),
        "layers": [type(layer).__name__ for layer in model.layers],
        **{k: list(v) if isinstance(v, tuple) else v for k, v in MODEL_KW.items()},
    }
    return model, describe


def _build_model_keras3(maxlen, *, gap, seed):
    import keras
    from keras import layers

    init = iter(range(seed, seed + 100))
    stack = [keras.Input((maxlen, 4))]
    for i, (filters, kernel, pool) in enumerate(
        zip(MODEL_KW["filters"], MODEL_KW["kernel_size"], MODEL_KW["pool_size"])
    ):
        stack.append(
            layers.Conv1D(
                filters,
                kernel,
                padding="same",
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(next(init)),
            )
        )
        block = [layers.MaxPooling1D(pool), layers.BatchNormalization(momentum=0.99)]
        stack.extend(block if i == 0 else block[::-1])
    stack.append(layers.GlobalAveragePooling1D() if gap else layers.Flatten())
    stack.append(
        layers.Dense(
            2, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(next(init))
        )
    )
    return keras.Sequential(stack)


def random_onehot(n: int, length: int, seed: int = 0) -> np.ndarray:
    """float32 (n, length, 4) one-hot DNA, uniform bases."""
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n, length))]


# --------------------------------------------------------------------------- deepG's IG
# deepG (R/visualization.R, integrated_gradients / compute_gradients / gradients_stepwise /
# integral_approximation) runs eagerly through reticulate; reproduced here op for op.
def _deepg_path(x: np.ndarray, steps: int):
    """deepG's interpolate_seq with a zero baseline: (steps + 1, L, C) float32 tensor."""
    import tensorflow as tf

    baseline = np.zeros_like(x)  # (1, L, C)
    alphas = tf.linspace(0.0, 1.0, steps + 1)[:, tf.newaxis, tf.newaxis]
    path = baseline + alphas * (x - baseline)
    return tf.cast(path, tf.float32), baseline


def _deepg_integral(gradients):
    import tensorflow as tf

    grads = (gradients[:-1] + gradients[1:]) / tf.constant(2.0)
    return tf.math.reduce_mean(grads, axis=0)


def _deepg_gradients(model, input_tensor, target: int):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(input_tensor)
        probs = model(input_tensor)[:, target]
    return tape.gradient(probs, input_tensor)


def deepg_ig_one_batch(model, x: np.ndarray, target: int, steps: int = 50) -> np.ndarray:
    """deepG default (pred_stepwise = FALSE): every interpolation point in one batch."""
    path, baseline = _deepg_path(x, steps)
    path_gradients = _deepg_gradients(model, path, target)
    avg_grads = _deepg_integral(path_gradients)
    return ((x - path[0]) * avg_grads)[0].numpy()


def deepg_ig_stepwise(model, x: np.ndarray, target: int, steps: int = 50) -> np.ndarray:
    """deepG ``pred_stepwise = TRUE``: one interpolation point per model call."""
    import tensorflow as tf

    path, baseline = _deepg_path(x, steps)
    grads = []
    for j in range(path.shape[0]):
        point = tf.cast(np.asarray(path[j])[None], path.dtype)
        grads.append(tf.squeeze(_deepg_gradients(model, point, target)))
    path_gradients = tf.stack(grads)
    avg_grads = _deepg_integral(path_gradients)
    return ((x - path[0]) * avg_grads)[0].numpy()
