"""TensorFlow's start-up console noise, and the one line that says which device is used.

Importing TensorFlow >= 2.17 on a machine without a GPU writes lines to the process's
standard error (file descriptor 2, from C++) before TensorFlow's own log level applies::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    I0000 ... cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use ...
    E0000 ... cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: ... (303)

``TF_CPP_MIN_LOG_LEVEL`` does not reach them (absl logs them before it is read, and the
cuInit error is level E). :func:`prepare` (run by ``import deepg_interpret``, before the
engine imports TensorFlow anywhere) therefore

- sets ``TF_CPP_MIN_LOG_LEVEL=2`` only when the user has not set it (a user's value is
  never changed), and
- puts a one-shot hook on ``sys.meta_path``: the first ``import tensorflow`` (by the
  engine, Keras, tf_keras or the user) and the first device query run with descriptor 2
  captured; afterwards what TensorFlow would have hidden at that log level anyway is
  dropped (level >= 1: absl's preamble and I lines; >= 2: W lines, the known harmless E
  lines of GPU start-up, and the cuInit error when this machine has no NVIDIA device node;
  >= 3: E lines) and everything else is written to descriptor 2 unchanged.
  ``TF_CPP_MIN_LOG_LEVEL=0`` turns this off (TensorFlow's output exactly as it prints it).

:func:`announce_device` (called at the first model load) then prints one line per process,
e.g. ``deepg-interpret: TensorFlow 2.21.0 on CPU (no GPU found)``, to standard error (R:
as a ``message()``, through :func:`set_reporter`). ``DEEPG_INTERPRET_QUIET=1`` silences it.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
import threading

ENV_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
ENV_QUIET = "DEEPG_INTERPRET_QUIET"
DEFAULT_LOG_LEVEL = "2"
PREFIX = "deepg-interpret:"

_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# absl/glog lines ("I0000 00:00:1796.29 9248 file.cc:31] ...") and TF <= 2.16's own format
# ("2024-01-31 12:00:00.123456: I tensorflow/core/...").
_LOG_LINE = re.compile(
    r"^(?:(?P<a>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<b>[IWEF]) )"
)
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}
# E lines of a normal GPU start-up (TF 2.15-2.17 register CUDA plugins twice).
_HARMLESS_E = re.compile(
    r"Unable to register cu(?:DNN|FFT|BLAS) factory|computation placer already registered"
)
# E lines that only say there is no GPU: harmless where no NVIDIA device node exists
# (or the user hid the GPUs); kept where one does, since then they explain why it is unused.
_NO_GPU_E = re.compile(r"failed call to cuInit|could not retrieve CUDA device count")
# Lines that continue a dropped multi-line message.
_CONTINUATION = re.compile(r"^To enable the following instructions: ")

_lock = threading.RLock()
_filter_depth = 0
_gpus = None  # physical GPU devices, once probed
_announced = False
_reporter = None


def log_level() -> int:
    """TensorFlow's C++ log level as TensorFlow reads it (unset or not a number: 0)."""
    try:
        return int(os.environ.get(ENV_LOG_LEVEL, "0").strip())
    except ValueError:
        return 0


def quiet() -> bool:
    """True when ``$DEEPG_INTERPRET_QUIET`` asks for no device line."""
    return os.environ.get(ENV_QUIET, "").strip().lower() in ("1", "true", "yes", "on")


def _nvidia_device_nodes() -> bool:
    return bool(glob.glob("/dev/nvidia[0-9]*")) or os.path.exists("/dev/nvidiactl")


def _gpus_hidden_by_user() -> bool:
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    return value is not None and value.strip() in ("", "-1")


def filter_lines(text: str, level: int) -> str:
    """``text`` (what TensorFlow wrote while it started) less what ``level`` hides."""
    if level < 1:
        return text
    no_gpu_harmless = not _nvidia_device_nodes() or _gpus_hidden_by_user()
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        match = _LOG_LINE.match(bare)
        if match:
            severity = _SEVERITY[match.group("a") or match.group("b")]
            dropping = severity < level or (level >= 2 and severity == 2 and bool(
                _HARMLESS_E.search(bare) or (no_gpu_harmless and _NO_GPU_E.search(bare))))
        elif bare == _PREAMBLE:
            dropping = True
        elif not (dropping and _CONTINUATION.match(bare)):
            dropping = False
        if not dropping:
            kept.append(line)
    return "".join(kept)


def _write_fd(fd: int, data: bytes) -> None:
    while data:
        try:
            written = os.write(fd, data)
        except OSError:
            return
        data = data[written:]


@contextlib.contextmanager
def filtered_stderr():
    """Capture descriptor 2 for the block, then write it back less TensorFlow's start-up
    noise (see :func:`filter_lines`). Does nothing at ``TF_CPP_MIN_LOG_LEVEL=0``, inside
    another such block, or when descriptor 2 cannot be duplicated."""
    global _filter_depth
    level = log_level()
    saved = None
    with _lock:  # not held while the block runs (imports take their own locks)
        if level >= 1 and not _filter_depth:
            try:
                saved = os.dup(2)
            except OSError:
                saved = None
        if saved is not None:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            capture = tempfile.TemporaryFile()
            os.dup2(capture.fileno(), 2)
            _filter_depth += 1
    if saved is None:
        yield
        return
    try:
        yield
    finally:
        with _lock:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            _filter_depth -= 1
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            capture.close()
        kept = filter_lines(text, level)
        if kept:
            _write_fd(2, kept.encode("utf-8", errors="replace"))


def _probe(tf) -> list:
    """The physical GPUs (the first query initialises CUDA: run inside the filter)."""
    global _gpus
    if _gpus is None:
        try:
            _gpus = list(tf.config.list_physical_devices("GPU"))
        except Exception:  # a broken CUDA set-up: TensorFlow falls back to the CPU
            _gpus = []
    return _gpus


class _Loader(importlib.abc.Loader):
    """Runs TensorFlow's own loader, then the first device query, inside the filter."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # the module keeps TensorFlow's own loader (importlib.resources etc. use it)
        module.__loader__ = self.loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self.loader
        with filtered_stderr():
            self.loader.exec_module(module)
            _probe(module)


class _ImportHook(importlib.abc.MetaPathFinder):
    """One shot: wraps the loader of the first ``import tensorflow``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        uninstall_hook()
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


_hook = _ImportHook()


def uninstall_hook() -> None:
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_hook)


def prepare() -> None:
    """Before TensorFlow is imported: default ``TF_CPP_MIN_LOG_LEVEL`` (only if unset) and
    the import hook. Idempotent; does nothing once TensorFlow is imported."""
    if "tensorflow" in sys.modules:
        return
    if ENV_LOG_LEVEL not in os.environ:
        os.environ[ENV_LOG_LEVEL] = DEFAULT_LOG_LEVEL
    if log_level() >= 1 and _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)


def tensorflow():
    """The ``tensorflow`` module, imported and probed for GPUs inside the filter."""
    with filtered_stderr():
        import tensorflow as tf

        _probe(tf)
    return tf


def device_line(tf=None) -> str:
    """``deepg-interpret: TensorFlow <version> on CPU (why) | on GPU: <name>``."""
    tf = tf or tensorflow()
    gpus = _probe(tf)
    head = f"{PREFIX} TensorFlow {tf.__version__}"
    if gpus:
        names = []
        for gpu in gpus:
            try:
                names.append(tf.config.experimental.get_device_details(gpu).get("device_name"))
            except Exception:
                names.append(None)
            if not names[-1]:
                names[-1] = gpu.name.replace("/physical_device:", "")
        if len(set(names)) == 1:
            what = names[0] if len(names) == 1 else f"{len(names)} x {names[0]}"
        else:
            what = ", ".join(names)
        return f"{head} on GPU: {what}"
    if _gpus_hidden_by_user():
        why = f"GPUs hidden by CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']!r}"
    elif not _nvidia_device_nodes():
        why = "no GPU found"
    else:
        try:
            cuda = tf.test.is_built_with_cuda()
        except Exception:
            cuda = True
        why = ("this machine has an NVIDIA GPU, but this TensorFlow build has no CUDA support"
               if not cuda else
               "this machine has an NVIDIA GPU, but TensorFlow cannot use it (see its log)")
    return f"{head} on CPU ({why})"


def set_reporter(reporter):
    """Where :func:`announce_device` sends its line: a callable taking the line (R's
    package registers ``message()``), or None for standard error. Returns the previous."""
    global _reporter
    previous, _reporter = _reporter, reporter
    return previous


def announce_device() -> None:
    """Once per process (at the first model load): the device line, unless quiet."""
    global _announced
    with _lock:
        if _announced:
            return
        _announced = True
    try:
        tf = tensorflow()
    except Exception:  # no usable TensorFlow: loading the model says what is wrong
        return
    if quiet():
        return
    line = device_line(tf)
    if _reporter is not None:
        try:
            _reporter(line)
            return
        except Exception:
            pass
    with contextlib.suppress(Exception):
        print(line, file=sys.stderr, flush=True)


__all__ = ["prepare", "tensorflow", "device_line", "announce_device", "set_reporter",
           "filter_lines", "filtered_stderr", "log_level", "quiet", "ENV_QUIET"]
