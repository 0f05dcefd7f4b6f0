"""Load a Keras model from a path: ``.keras``, HDF5 checkpoints, SavedModel directories.

Picks the loader from the file (an HDF5 checkpoint's ``keras_version``: Keras 2
checkpoints such as deepG's go to ``tf_keras`` first), falls back to the other
loader, and reads HDF5 files once in a child process with a time limit first,
because a damaged file can hang the HDF5 library for good in the process that opens
it. :mod:`.models` wraps what this returns in a :class:`~.models.ModelAdapter`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from ..errors import ModelError

LOADERS = ("auto", "keras3", "tf_keras")
# deepG's custom layers (R classes: only deepG's load_cp() can rebuild them).
DEEPG_R_LAYERS = ("layer_pos_embedding", "layer_pos_sinusoid", "layer_transformer_block",
                  "layer_euc_dist", "layer_cosine_sim", "layer_aggregate_time_dist")
# Seconds the HDF5 integrity probe may take (see _probe_hdf5); "0" turns the probe off.
ENV_HDF5_PROBE_TIMEOUT = "DEEPG_INTERPRET_HDF5_PROBE_TIMEOUT"
HDF5_PROBE_BASE_SECONDS = 5.0
HDF5_PROBE_BYTES_PER_SECOND = 50 * (1 << 20)  # extra time for big files on slow disks
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _keras3():
    """The Keras 3 module, or None when only Keras 2 is installed (TF <= 2.15)."""
    try:
        import keras
    except ImportError:  # pragma: no cover - keras ships with tensorflow
        return None
    return keras if int(keras.__version__.split(".")[0]) >= 3 else None


def _keras2():
    """Keras 2: the tf_keras package, or ``keras`` itself on TF <= 2.15."""
    try:
        import tf_keras

        return tf_keras
    except ImportError:
        import keras

        if int(keras.__version__.split(".")[0]) < 3:
            return keras
        raise ModelError(
            "this model needs Keras 2, but tf_keras is not installed; run "
            "`pip install tf_keras` (from R: dgi_install())"
        ) from None


def _keras2_for(custom_objects):
    """Keras 2 for loading: ``keras`` itself when the custom objects are its classes
    (deepG's R layers on TF 2.15), else :func:`_keras2`."""
    for value in (custom_objects or {}).values():
        cls = value if isinstance(value, type) else type(value)
        if any((c.__module__ or "").split(".")[0] == "keras" for c in cls.__mro__):
            import keras

            if int(keras.__version__.split(".")[0]) < 3:
                return keras
    return _keras2()


def _h5_keras_version(path: Path) -> str | None:
    try:
        import h5py

        with h5py.File(path, "r") as handle:
            version = handle.attrs.get("keras_version")
    except Exception:  # not HDF5 or unreadable: let the loaders report it
        return None
    if isinstance(version, bytes):
        version = version.decode()
    return None if version is None else str(version)


# Run in a child process: opens the file with h5py, reads every attribute and dataset
# (what Keras does when it loads), prints the checkpoint's keras_version as JSON.
# Exit codes: 0 readable, 2 h5py failed on the file, 3 h5py could not be imported.
_PROBE_CODE = r"""
import json, sys
try:
    import h5py
except Exception as exc:
    sys.stderr.write(f"h5py unavailable: {exc}")
    sys.exit(3)

def visit(name, obj):
    for key in obj.attrs:
        obj.attrs[key]
    if isinstance(obj, h5py.Dataset) and obj.size:
        obj[()]

try:
    with h5py.File(sys.argv[1], "r") as handle:
        for key in handle.attrs:
            handle.attrs[key]
        handle.visititems(visit)
        version = handle.attrs.get("keras_version")
except Exception as exc:
    sys.stderr.write(f"{type(exc).__name__}: {exc}")
    sys.exit(2)
if isinstance(version, bytes):
    version = version.decode()
print(json.dumps({"keras_version": None if version is None else str(version)}))
"""


def _python_executable() -> str | None:
    """The Python interpreter of this environment (under R, ``sys.executable`` may be R)."""
    exe = sys.executable
    if exe and os.path.basename(exe).lower().startswith("python") and os.path.isfile(exe):
        return exe
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for folder in (os.path.join(sys.exec_prefix, "bin"), sys.exec_prefix):
        for name in (f"python{version}", "python3", "python", "python.exe"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
    return None


def _probe_timeout(path: Path) -> float:
    """Seconds the probe may take: ``$DEEPG_INTERPRET_HDF5_PROBE_TIMEOUT``, else 5 s plus
    1 s per 50 MiB of file. 0 turns the probe off."""
    text = os.environ.get(ENV_HDF5_PROBE_TIMEOUT, "").strip()
    if text:
        try:
            value = float(text)
        except ValueError:
            raise ModelError(
                f"${ENV_HDF5_PROBE_TIMEOUT} = {text!r} is not a number of seconds; set it to "
                "e.g. 30 (or 0 to skip the check of HDF5 files)"
            ) from None
        if not value >= 0:
            raise ModelError(
                f"${ENV_HDF5_PROBE_TIMEOUT} = {text!r} must be 0 (skip the check) or a positive "
                "number of seconds, e.g. 30"
            )
        return value
    return HDF5_PROBE_BASE_SECONDS + path.stat().st_size / HDF5_PROBE_BYTES_PER_SECOND


def _probe_hdf5(path: Path) -> tuple[bool, str | None]:
    """Read an HDF5 file in a child process with a time limit before opening it here.

    A damaged HDF5 file can make the HDF5 library loop forever (ignoring Ctrl-C) in
    the process that opens it; in a child process it is simply killed. Returns
    ``(probed, keras_version)``; ``probed`` is False when the probe could not run
    (no interpreter or h5py for the child, or turned off) and the file is opened as
    before. Raises :class:`ModelError` when the file is corrupt.
    """
    limit = _probe_timeout(path)
    exe = _python_executable()
    if limit == 0 or exe is None:
        return False, None
    fix = "re-save or re-download the checkpoint"
    try:
        done = subprocess.run(
            [exe, "-c", _PROBE_CODE, str(path)], capture_output=True, text=True,
            timeout=limit, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise ModelError(
            f"the file {str(path)!r} looks corrupt (reading its HDF5 structure did not finish "
            f"within {limit:g} s); {fix}. If the file is fine but very large or on a slow "
            f"disk, allow more time with the environment variable {ENV_HDF5_PROBE_TIMEOUT} "
            "(seconds; 0 skips this check)"
        ) from None
    except OSError:  # the interpreter could not be started: load as before
        return False, None
    if done.returncode == 0:
        try:
            return True, json.loads(done.stdout.strip().splitlines()[-1]).get("keras_version")
        except (ValueError, IndexError, AttributeError):
            return True, None
    if done.returncode == 2 or done.returncode < 0:
        detail = (done.stderr.strip().splitlines() or [""])[-1][:300]
        if done.returncode < 0:
            detail = f"the HDF5 library crashed reading it (signal {-done.returncode})"
        raise ModelError(f"the file {str(path)!r} looks corrupt ({detail}); {fix}")
    return False, None  # h5py missing in the child, or an unexpected failure: load as before


def load_path(path: Path, loader: str, custom_objects):
    """Load a model file; returns (model, loader used, note for the user or None)."""
    if not path.exists():
        raise ModelError(f"model file {str(path)!r} does not exist; check the path")
    suffix = path.suffix.lower()
    errors = []
    if path.is_dir():
        order = ["tf_keras"]  # SavedModel directories: Keras 3 cannot load them as models
        if not (path / "saved_model.pb").exists():
            raise ModelError(
                f"{str(path)!r} is a directory but not a TensorFlow SavedModel (no saved_model.pb); "
                "pass a .keras, .h5/.hdf5 file or a SavedModel directory"
            )
        _check_saved_model_pb(path / "saved_model.pb")
    elif suffix in (".h5", ".hdf5"):
        if not _is_hdf5(path):
            raise ModelError(
                f"{str(path)!r} is not an HDF5 model file; pass a Keras checkpoint "
                "(.h5/.hdf5 or .keras) or a SavedModel directory"
            )
        # A damaged file can hang the HDF5 library for good: check it in a child first.
        probed, version = _probe_hdf5(path)
        if not probed:
            version = _h5_keras_version(path)
        # Keras 2 checkpoints (deepG's, keras_version 2.x) go straight to tf_keras: Keras 3
        # rejects batch_input_shape and other legacy configs.
        order = ["tf_keras", "keras3"] if (version or "2").startswith("2") else ["keras3", "tf_keras"]
    elif suffix == ".keras":
        if _is_hdf5(path):  # Keras 2 wrote HDF5 under any name
            _probe_hdf5(path)
        elif path.is_file():
            _check_keras_archive(path)
        order = ["keras3", "tf_keras"]
    else:
        raise ModelError(
            f"{str(path)!r} is not a model file this package can read; pass a .keras or "
            ".h5/.hdf5 file or a SavedModel directory"
        )
    if loader != "auto":
        order = [loader]
    for name in order:
        if name == "keras3" and _keras3() is None:
            errors.append("keras3: Keras 3 is not installed")
            continue
        try:
            module = _keras3() if name == "keras3" else _keras2_for(custom_objects)
            model = module.models.load_model(
                str(path), compile=False, custom_objects=custom_objects
            )
        except Exception as exc:  # each Keras raises its own types
            errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        note = None
        if len(order) > 1 and name != order[0]:
            note = f"{order[0]} could not read {path.name}; loaded it with {name} instead"
        elif name == "tf_keras" and path.is_file():
            note = f"{path.name} is a Keras 2 checkpoint; loaded it with tf_keras (Keras 2)"
        return model, name, note
    unknown = sorted(set(re.findall(r"Unknown layer: '?([A-Za-z0-9_.]+)", " ".join(errors))))
    if unknown and not custom_objects:
        deepg = [name for name in unknown if name in DEEPG_R_LAYERS]
        raise ModelError(
            f"could not load the model from {str(path)!r}: it uses the custom layer(s) "
            f"{unknown}, which the file does not define"
            + (". They are deepG's layers, defined in R: load the checkpoint with deepG's "
               "load_cp() and pass the model object" if deepg else "")
            + "; or pass custom_objects={'Name': LayerClass}"
        )
    raise ModelError(
        f"could not load the model from {str(path)!r}. Tried: " + " | ".join(errors)
        + ". If it needs custom layers, pass custom_objects={'Name': Layer}."
    )


def _first_bytes(path: Path, n: int = 16) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(n)
    except OSError:
        return b""


def _check_keras_archive(path: Path) -> None:
    """Raise ModelError unless a ``.keras`` file (not HDF5) is a readable zip archive.

    Keras 3 says "File not found" for a ``.keras`` file that exists but is no zip.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        size = path.stat().st_size
        raise ModelError(
            f"{str(path)!r} exists ({size} bytes) but is not a valid Keras archive: a .keras "
            f"file is a zip archive (config.json, model.weights.h5), this one starts with "
            f"{_first_bytes(path)!r} ({type(exc).__name__}: {exc}). It is damaged, truncated or "
            "not a model: save the model again with model.save('model.keras') or download it "
            "again; a Keras 2 / deepG checkpoint is an .h5/.hdf5 file, pass that instead"
        ) from None
    if "config.json" not in names:
        raise ModelError(
            f"{str(path)!r} is a zip archive but not a Keras archive (no config.json inside; it "
            f"holds {sorted(names)[:5]}); save the model again with model.save('model.keras')"
        )


def _check_saved_model_pb(pb: Path) -> None:
    """Raise ModelError naming ``saved_model.pb`` when it cannot be parsed (no graph)."""
    try:
        from google.protobuf.message import DecodeError
        from tensorflow.core.protobuf import saved_model_pb2
    except ImportError:  # pragma: no cover - the loader reports it
        return
    message = saved_model_pb2.SavedModel()
    try:
        message.ParseFromString(pb.read_bytes())
        ok = len(message.meta_graphs) > 0
        detail = "it holds no graph (empty or cut short)"
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        ok, detail = False, f"{type(exc).__name__}: {str(exc)[:200]}"
    if not ok:
        raise ModelError(
            f"the SavedModel folder {str(pb.parent)!r} has a corrupt {str(pb)!r} ({detail}); "
            "that file is the model's graph: copy or export the SavedModel folder again "
            "(all of it, saved_model.pb with variables/), or pass a .keras/.h5 file of the model"
        )


def _is_hdf5(path: Path) -> bool:
    """HDF5 signature at offset 0, or after a user block (512, 1024, 2048, ... bytes)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            offset = 0
            while offset + 8 <= size:
                handle.seek(offset)
                if handle.read(8) == HDF5_MAGIC:
                    return True
                offset = 512 if offset == 0 else offset * 2
    except OSError:
        return False
    return False



__all__ = ["LOADERS", "HDF5_MAGIC", "ENV_HDF5_PROBE_TIMEOUT"]
