"""Helpers for the R package deepGinterpret (used through reticulate).

The R side imports this module with ``convert = FALSE`` and calls the functions
below; nothing here is meant for Python users. They keep the R/Python boundary
simple:

- :func:`call` runs an engine function and returns a status tuple instead of
  raising, with the engine's warnings collected, so R can rethrow errors and
  warnings as R conditions that name the R argument.
- :func:`frame_columns` splits a DataFrame into plain columns that cross to R
  without pandas index objects or reticulate's type guesses.
- :func:`method_info` and :func:`result_tables` let one generic R function run
  every method of the registry (:mod:`deepg_interpret.methods.registry`).
- :func:`versions`, :func:`is_keras_model`, :func:`numpy_float32`,
  :func:`to_numpy`: small conversions and checks.

Importing this module imports the engine package (but not TensorFlow).

Examples
--------
>>> status, value, warns = call(int, ("12",), {})
>>> status, value, warns
('ok', 12, [])
>>> sorted(method_info("saliency"))
['choices', 'generic', 'inputs', 'kind', 'name', 'options', 'r_wrapper', 'summary', 'tables']
"""

from __future__ import annotations

import contextlib
import signal
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DeepGInterpretWarning
from ..model.keras_backend import is_keras_model

# int32 bounds; R's NA_integer_ is -2**31, so that value cannot be an R integer.
_INT32_MIN = -(2**31) + 1
INT32_MAX = 2**31 - 1


@contextlib.contextmanager
def _interrupts():
    """Records whether SIGINT (Ctrl-C; R's interrupt through reticulate) arrives during
    the block, passing it on to the handler that was there. A list that is non-empty
    once one did. Outside the main thread (no signal handlers there) it records nothing."""
    seen: list[bool] = []
    previous = signal.getsignal(signal.SIGINT)
    # Only a Python-level handler is wrapped: replacing that one changes nothing at the C
    # level, while a handler Python does not own (R's, reported as None) is left alone.
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield seen
        return

    def handler(signum, frame):
        seen.append(True)
        previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def call(fn, args=(), kwargs=None):
    """Call ``fn(*args, **kwargs)`` without raising.

    Returns
    -------
    tuple
        ``("ok", value, warnings)`` or ``("error", info, warnings)``. ``info`` is a
        dict with ``classes`` (the exception's class chain, most specific first),
        ``module`` and ``message``. ``warnings`` lists the messages of the
        :class:`DeepGInterpretWarning` warnings raised during the call; other
        warnings are shown as Python would show them.

    Examples
    --------
    >>> call(lambda: 1 / 0)[1]["classes"][:2]
    ['ZeroDivisionError', 'ArithmeticError']
    """
    kwargs = {} if kwargs is None else dict(kwargs)
    with warnings.catch_warnings(record=True) as caught, _interrupts() as interrupted:
        warnings.simplefilter("always", DeepGInterpretWarning)
        try:
            value = fn(*tuple(args), **kwargs)
            status = "ok"
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - translated to an R error
            status = "error"
            classes = [c.__name__ for c in type(exc).__mro__]
            if interrupted and "KeyboardInterrupt" not in classes:
                # Ctrl-C inside a TensorFlow op surfaces as RuntimeError("Unknown exception
                # occurred"): the interrupt came first, so report that (R interrupts).
                classes = ["KeyboardInterrupt", "BaseException", "object"]
            value = {
                "classes": classes,
                "module": type(exc).__module__,
                "message": "interrupted" if classes[0] == "KeyboardInterrupt" else str(exc),
            }
    ours, others = [], []
    for w in caught:
        (ours if issubclass(w.category, DeepGInterpretWarning) else others).append(w)
    for w in others:  # shown as Python would have shown them
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return status, value, [str(w.message) for w in ours]


def plain(value):
    """``value`` as plain Python (dict, list, str, int, float, bool, None) for R.

    Examples
    --------
    >>> plain({"a": np.int64(3), "b": (np.float32(0.5), None), 1: np.array([1, 2])})
    {'a': 3, 'b': [0.5, None], '1': [1, 2]}
    >>> plain(2**40)  # beyond R's 32-bit integers: a double, as R would hold it
    1099511627776.0
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, int) and not isinstance(value, bool) and not -2**31 < value < 2**31:
        return float(value)  # R integers are 32-bit: reticulate would wrap a bigger int
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# The R schema of the tables (conventions.md): base-like columns are factors (A, C, G, T
# first for DNA), the integer columns R integers, whatever built the frame. Done here,
# once, for both R's dgi_frame() and rdata.to_r().
_R_BASE_COLUMNS = ("base", "ref_base", "alt_base", "max_base")
_R_BASE_LEVELS = ["A", "C", "G", "T"]
_R_INT_COLUMNS = ("position", "start", "end", "steps", "target", "n", "run", "generation",
                  "background_id", "label", "window", "member", "member_position", "n_windows")


def r_schema(df: pd.DataFrame) -> pd.DataFrame:
    """String base columns -> Categoricals (A, C, G, T first for DNA); whole-number floats
    in integer columns -> nullable Int32, as the R package's data.frames have them."""
    changed = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            continue
        if col in _R_BASE_COLUMNS and (pd.api.types.is_object_dtype(s.dtype)
                                       or pd.api.types.is_string_dtype(s.dtype)):
            values = [None if pd.isna(v) else str(v) for v in s.astype(object)]
            present = sorted({v for v in values if v is not None})
            if set(present) <= set(_R_BASE_LEVELS + ["N"]):
                levels = _R_BASE_LEVELS + [v for v in present if v not in _R_BASE_LEVELS]
            else:
                levels = present
            changed[col] = pd.Categorical(values, categories=levels)
        elif col in _R_INT_COLUMNS and pd.api.types.is_float_dtype(s.dtype):
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            missing = np.isnan(v)
            whole = np.where(missing, 0.0, v)
            if (missing | ((whole == np.round(whole)) & (np.abs(whole) < INT32_MAX))).all():
                changed[col] = pd.arrays.IntegerArray(whole.astype(np.int32), missing)
    if not changed:
        return df
    out = df.copy()
    for col, values in changed.items():
        out[col] = values
    return out


def frame_columns(df: pd.DataFrame):
    """Split a DataFrame into what R needs to rebuild it as a plain ``data.frame``.

    Returns
    -------
    tuple
        ``(names, kinds, values, levels, nas, attrs)``: column names; R kinds
        (``"factor"``, ``"integer"``, ``"double"``, ``"logical"``,
        ``"character"``); one numpy array per column (1-based codes for factors
        and characters, 0 where missing); levels (numpy str arrays, None for other
        kinds); boolean NA masks; and ``df.attrs`` as plain Python.

    Integer columns outside the int32 range (or holding R's NA code) become
    doubles. Strings cross as codes into their distinct values, so a ``seq_id``
    column repeated 4 x L times crosses once per sequence.

    Examples
    --------
    >>> names, kinds, *_ = frame_columns(pd.DataFrame({"a": [1, 2], "b": ["x", None]}))
    >>> names, kinds
    (['a', 'b'], ['integer', 'character'])
    """
    df = r_schema(df)
    names, kinds, values, levels, nas = [], [], [], [], []
    for name in df.columns:
        col = df[name]
        na = col.isna().to_numpy(dtype=bool)
        level = None
        if isinstance(col.dtype, pd.CategoricalDtype):
            kind = "factor"
            value = col.cat.codes.to_numpy().astype("int32") + 1
            level = np.array([str(c) for c in col.cat.categories], dtype=str)
        elif pd.api.types.is_bool_dtype(col.dtype):
            kind = "logical"
            value = col.fillna(False).to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(col.dtype):
            filled = col.fillna(0).to_numpy()
            if filled.size == 0 or (filled.min() >= _INT32_MIN and filled.max() <= INT32_MAX):
                kind = "integer"
                value = filled.astype("int32")
            else:
                kind = "double"
                value = filled.astype("float64")
        elif pd.api.types.is_float_dtype(col.dtype):
            kind = "double"
            value = col.to_numpy(dtype="float64", na_value=np.nan)
        else:
            kind = "character"
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            value = codes.astype("int32") + 1
            level = np.array([str(u) for u in uniques], dtype=str)
        names.append(str(name))
        kinds.append(kind)
        values.append(value)
        levels.append(level)
        nas.append(na)
    return names, kinds, values, levels, nas, plain(dict(getattr(df, "attrs", {}) or {}))


def _column(values, n: int) -> np.ndarray:
    # reticulate hands over a length-1 R vector as a scalar and longer ones as lists/arrays
    arr = np.asarray(values if not np.isscalar(values) else [values])
    if arr.size == 1 and n != 1:
        arr = np.repeat(arr, n)
    return arr.reshape(-1)


def frame_from_r(names, kinds, values, levels, nas, n_rows: int) -> pd.DataFrame:
    """Rebuild an R ``data.frame`` as a DataFrame, with R's missing values kept.

    reticulate's own conversion turns a logical NA into True, an integer NA into
    -2147483648 and a character NA into the string "NA"; here every column comes
    with its NA mask instead.

    Parameters
    ----------
    names : list of str
    kinds : list of str
        ``"logical"``, ``"integer"``, ``"double"``, ``"character"`` or ``"factor"``.
    values : list
        One vector per column (factor: 1-based integer codes).
    levels : list
        Factor levels (None for other kinds).
    nas : list
        Boolean NA masks.
    n_rows : int

    Returns
    -------
    pd.DataFrame
        Logical columns with NA as the nullable ``boolean`` dtype, integer columns
        with NA as float64 (NaN), factors as Categoricals, characters as objects
        (None where NA); a RangeIndex.

    Examples
    --------
    >>> df = frame_from_r(["b", "i"], ["logical", "integer"], [[True, True], [1, -2**31]],
    ...                   [None, None], [[False, True], [False, True]], 2)
    >>> df["b"].tolist(), df["i"].tolist()
    ([True, <NA>], [1.0, nan])
    """
    n_rows = int(n_rows)
    columns = {}
    for name, kind, value, level, na in zip(names, kinds, values, levels, nas):
        na = _column(na, n_rows).astype(bool) if n_rows else np.zeros(0, dtype=bool)
        value = _column(value, n_rows) if n_rows else np.asarray([])
        if kind == "logical":
            col = pd.array(value.astype(bool), dtype="boolean")
            if na.any():
                col[na] = pd.NA
        elif kind == "integer":
            col = value.astype(np.int64)
            if na.any():
                col = np.where(na, np.nan, col.astype(np.float64))
            else:
                col = col.astype(np.int32)
        elif kind == "double":
            col = value.astype(np.float64)
        elif kind == "factor":
            # n=1: one level arrives as a scalar and must not be repeated
            categories = [] if level is None else [str(v) for v in _column(level, 1)]
            codes = value.astype(np.int64) - 1
            codes[na] = -1
            col = pd.Categorical.from_codes(codes, categories=categories)
        else:
            col = np.array([None if missing else str(v) for v, missing in zip(value, na)],
                           dtype=object)
        columns[str(name)] = col
    return pd.DataFrame(columns, index=pd.RangeIndex(n_rows))


def _version(name: str):
    import importlib.metadata as md

    try:
        return md.version(name)
    except Exception:  # noqa: BLE001 - not installed or broken metadata
        return None


def versions() -> dict:
    """Versions of NumPy, TensorFlow, Keras, tf_keras and the engine (None if missing).

    Examples
    --------
    >>> sorted(versions())
    ['engine', 'engine_path', 'keras', 'numpy', 'tensorflow', 'tf_keras']
    """
    from ..version import __file__ as version_file
    from ..version import __version__

    return {
        "numpy": _version("numpy"),
        "tensorflow": _version("tensorflow") or _version("tensorflow-cpu"),
        "keras": _version("keras"),
        "tf_keras": _version("tf_keras") or _version("tf-keras"),
        "engine": __version__,
        "engine_path": str(Path(version_file).with_name("__init__.py")),
    }


def numpy_float32(x) -> np.ndarray:
    """A C-contiguous float32 array (R arrays arrive as float64, Fortran order)."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def to_numpy(x) -> np.ndarray:
    """TensorFlow tensors and array-likes -> float64 numpy (what R reads as doubles)."""
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def method_names() -> list[str]:
    """Names of the registered methods."""
    from ..methods.registry import method_names as names

    return list(names())


def method_info(name: str) -> dict:
    """What R needs to know about a registered method, as plain Python.

    Returns
    -------
    dict
        ``name``, ``r_wrapper`` (the R function), ``summary``, ``kind``, ``inputs``,
        ``generic`` (whether ``dgi_explain()`` runs it over model and sequences),
        ``tables`` (table names, the main one first), ``choices`` (argument ->
        allowed values, the common ``output``/``ambiguous``/``pad`` included) and
        ``options`` (each option's name, kind, default, help and choices).

    Examples
    --------
    >>> info = method_info("integrated_gradients")
    >>> info["tables"][0], "dinuc_shuffle" in info["choices"]["baseline"]
    ('attribution', True)
    """
    from ..methods.registry import get_method

    spec = get_method(name)
    choices = {arg: [str(v) for v in values if v is not None]
               for arg, values in spec.all_choices().items()}
    options = [{"name": o.name, "kind": o.kind, "default": o.default, "help": o.help,
                "choices": [str(v) for v in o.choices if v is not None]} for o in spec.options]
    return {"name": spec.name, "r_wrapper": spec.r_wrapper, "summary": spec.summary,
            "kind": spec.kind, "inputs": list(spec.inputs), "generic": spec.on_command_line,
            "tables": list(spec.tables),
            "choices": choices, "options": options}


def method_function(name: str):
    """The tidy function of the registered method ``name``."""
    from ..methods.registry import get_method

    return get_method(name).function


def result_tables(result, which="all") -> dict:
    """Tables of a method's result by name, in the result's order.

    Parameters
    ----------
    result : MethodResult
    which : str or list of str
        A table name, a list of names, or ``"all"`` (every table).

    Returns
    -------
    dict
        name -> DataFrame.
    """
    if isinstance(which, str):
        names = list(result.TABLES) if which == "all" else [which]
    else:
        names = list(which)
    return {name: result.table(name) for name in names}


def model_inputs(model) -> list[dict]:
    """The inputs of a Keras model (or of an adapter's model), for R's argument checks.

    Returns
    -------
    list of dict
        One per input, in input order: ``index`` (0-based), ``name``, ``shape`` (per item,
        None for any length) and ``kind`` (``"sequence"``, ``"set"``, ``"vector"``,
        ``"other"``), see :func:`deepg_interpret.model.inputs.describe_inputs`.
    """
    from ..model.adapter import ModelAdapter
    from ..model.inputs import describe_inputs

    keras_model = model.keras_model if isinstance(model, ModelAdapter) else model
    return [{"index": i.index, "name": i.name, "shape": list(i.shape), "kind": i.kind}
            for i in describe_inputs(keras_model)]


def read_model(path, loader="auto", custom_objects=None):
    """The Keras model in a file (loader as :func:`~deepg_interpret.model.adapter.load_model`);
    R wraps it in an adapter after checking the input arguments against its inputs. How it
    was read (e.g. "loaded it with tf_keras") comes as a :class:`DeepGInterpretWarning`."""
    from pathlib import Path

    from ..model.files import load_path

    model, _used, note = load_path(Path(str(path)).expanduser(), loader,
                                    None if not custom_objects else dict(custom_objects))
    if note:
        warnings.warn(note, DeepGInterpretWarning, stacklevel=2)
    return model


# ---------------------------------------------------------------- engine parts R needs
# R imports only `deepg_interpret` (the public API) and this module; what R needs that
# is not public API gets one function here, so that no R file names an internal path.

def annotation_table(annotation, *, sequence_lengths: dict | None = None, types=None):
    """A GFF/Prokka path or a gene data frame as the engine's gene table (one row per feature)."""
    from ..io.annotations import as_annotation

    return as_annotation(annotation, sequence_lengths=sequence_lengths, types=types)


def gene_set_mask(gene_table, spec, label: str = "set"):
    """Which rows of ``gene_table`` a gene set (product pattern or gene ids) selects."""
    from ..methods.genes import gene_set_mask as mask

    return mask(gene_table, spec, label=label)


def batch_run_manifest(out) -> dict:
    """The run manifest of the batch folder ``out`` (settings, tables, samples)."""
    from ..batch.store import BatchStore

    return BatchStore(out).load()


def set_device_reporter(reporter) -> None:
    """Route the one-line device report (CPU/GPU at first TensorFlow use) to ``reporter``."""
    from ..model.tf_runtime import set_reporter

    set_reporter(reporter)


__all__ = ["annotation_table", "gene_set_mask", "batch_run_manifest", "set_device_reporter",
           "call", "plain", "frame_columns", "frame_from_r", "versions", "is_keras_model", "numpy_float32",
           "to_numpy", "method_names", "method_info", "method_function", "result_tables",
           "model_inputs", "read_model"]
