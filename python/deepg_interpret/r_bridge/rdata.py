"""R data and R sessions from Python, through rpy2 (the optional extra ``r``).

Where Python users meet R:

- :func:`read_r_data` reads deepG's R data (``.rds``, ``.rda``/``.RData``: deepG's
  example data sets, one-hot arrays from ``seq_encoding_label()``, label tables)
  into what the engine takes: DNA strings, ``float32`` arrays ``(n, L, C)``,
  pandas DataFrames.
- :func:`to_r` hands an engine table to R as the ``data.frame`` the R package
  deepGinterpret returns (same column types, factor levels, 1-based targets,
  settings in ``attr(x, "settings")``), e.g. for Jupyter ``%%R -i`` cells.
- :func:`run_r` evaluates R code (for example the R package itself) in the
  embedded R session and returns the value as Python data (:func:`from_r`).

rpy2 is imported on first use, so the engine works without R. Install it with
``pip install "deepg-interpret[r]"`` (rpy2 >= 3.5.17, < 3.6: rpy2 3.6 needs
R >= 4.4, and Debian 12 ships R 4.2).

R code that calls Python through reticulate (the R package deepGinterpret does)
should run through :func:`run_r`: reticulate < 1.31 (Debian's is 1.28) frees
Python objects without taking Python's GIL, which aborts the process when that
happens inside an rpy2 call (rstudio/reticulate#1236). :func:`run_r` keeps the
GIL while R runs, and collects R's garbage before it returns.

Examples
--------
deepG's own data (e.g. ``read_r_data("deepG/data/crispr_sample.rda")``) read the same
way as this file that R writes:

>>> import os, tempfile
>>> from deepg_interpret.r_bridge.rdata import read_r_data, run_r
>>> path = os.path.join(tempfile.mkdtemp(), "seqs.rds")
>>> _ = run_r(f"saveRDS(c('ACGTACGTAC', 'TTTTGGGG'), '{path}')")
>>> read_r_data(path)
['ACGTACGTAC', 'TTTTGGGG']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ArgumentTypeError, InputError
from . import frame_columns, frame_from_r
from .rsession import (
    INSTALL_HINT,
    INT32_MAX,
    NA_INT,
    NA_REAL,
    RError,
    RUnavailableError,
    evaluate,
    r_plain,
    r_session,
    r_structure,
)


def run_r(code: str, *, convert: bool = True, **inputs):
    """Evaluate R code in the embedded R session (rpy2) and return its value.

    The code runs in R's global environment, like a Jupyter ``%%R`` cell, but
    with Python's GIL held, so R code that calls Python through reticulate (the
    R package deepGinterpret) is safe with reticulate < 1.31 (see the module
    notes). Inside that R session reticulate uses this Python process: Python
    objects (a Keras model) reach R through ``reticulate::import()`` of a module.

    Parameters
    ----------
    code : str
        R code; its last value is returned. It must be plain R data (vectors,
        lists, data.frames), not Python objects.
    convert : bool
        True (default): the value as Python data (:func:`from_r`); False: the
        rpy2 object.
    **inputs
        Values assigned in R's global environment first: DataFrames (as
        :func:`to_r`), numpy arrays (R arrays with the same ``[i, j, k]``
        elements), str, int, float, bool, lists, dicts, or rpy2 objects.

    Returns
    -------
    object
        See ``convert``.

    Raises
    ------
    RError
        The R code failed (the R message and condition classes are kept).

    Examples
    --------
    >>> run_r("x * 2L", x=np.arange(3, dtype=np.int32)).tolist()
    [0, 2, 4]
    """
    if not isinstance(code, str):
        raise ArgumentTypeError(f"code must be a string of R code, got {type(code).__name__}")
    if inputs:
        r_session().collect()
    converted = {}
    for name, value in inputs.items():
        # keyword names cannot start with a dot: a leading "_dgi_" stands for ".dgi_"
        r_name = "." + name[1:] if name.startswith("_dgi_") else name
        converted[r_name] = _to_r_value(value, name)
    value = evaluate(code, converted)
    return from_r(value) if convert else value


# ---- R -> Python ----------------------------------------------------------------

def _attr(obj, name: str):
    return obj.do_slot(name) if name in obj.list_attrs() else None


def _strings(vec) -> list:
    na = r_session().ri.NA_Character
    return [None if s is na else str(s) for s in vec]


def _numbers(vec, rtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Values and NA mask of an R logical/integer/double/raw/complex vector."""
    if rtype in ("integer", "logical"):
        values = np.array(vec.memoryview(), dtype=np.int32)
        return values, values == NA_INT
    if rtype == "double":
        values = np.array(vec.memoryview(), dtype=np.float64)
        return values, np.isnan(values)
    if rtype == "raw":
        values = np.frombuffer(bytes(vec), dtype=np.uint8).copy()
        return values, np.zeros(values.shape, dtype=bool)
    values = np.array([complex(z) for z in vec], dtype=np.complex128)
    return values, np.isnan(values)


def _rtype(obj) -> str:
    return {10: "logical", 13: "integer", 14: "double", 15: "complex", 16: "character",
            19: "list", 24: "raw", 0: "NULL", 1: "symbol", 3: "function", 4: "environment",
            6: "call", 7: "function", 8: "function", 20: "expression", 22: "external pointer",
            25: "S4 object"}.get(int(obj.typeof), f"R object of type {int(obj.typeof)}")


def _r_class(obj) -> list[str]:
    cls = _attr(obj, "class")
    return list(cls) if cls is not None else []


def from_r(obj):
    """An R object (rpy2) as Python data for the engine.

    - character vector -> list of str (``NA`` -> None); named -> dict
    - factor -> ``pd.Categorical`` with the same levels
    - array or matrix (``dim``) of numbers -> ``float32`` numpy array of the same
      shape and the same element at ``[i, j, k]`` (R stores arrays column-major;
      R's ``x[i + 1, j + 1, k + 1]`` is ``a[i, j, k]``), NA -> NaN; logical -> bool
    - other vectors -> numpy (integer -> int32, or float64 with NaN where NA;
      logical -> bool, or float64 with NaN where NA); named -> ``pd.Series``
    - data.frame -> DataFrame (the same types as the R package's bridge:
      integer -> int32 (float64 with NaN where NA), factor -> Categorical,
      logical -> nullable boolean, character -> object, Date -> datetime); character row
      names become the index
    - list -> dict when every element is named, else list; NULL -> None

    Raises
    ------
    InputError
        For R objects without a data equivalent (functions, environments, ...).
    """
    ri = r_session().ri
    if obj is ri.NULL or int(obj.typeof) == 0:
        return None
    classes = _r_class(obj)
    if "data.frame" in classes:
        return _frame(obj)
    rtype = _rtype(obj)
    names = _attr(obj, "names")
    names = _strings(names) if names is not None else None
    if rtype == "list":
        items = [from_r(v) for v in obj]
        if names is not None and all(names):
            return dict(zip(names, items))
        if names is not None and any(names):
            return {n or str(i + 1): v for i, (n, v) in enumerate(zip(names, items))}
        return items
    if rtype not in ("logical", "integer", "double", "complex", "raw", "character"):
        shown = "/".join(classes) or rtype
        raise InputError(f"the R object is a {shown}, which has no data equivalent in Python; "
                         "save vectors, arrays, data.frames or lists of them")
    if "factor" in classes:
        codes, na = _numbers(obj, "integer")
        levels = _strings(_attr(obj, "levels") or [])
        return pd.Categorical.from_codes(np.where(na, -1, codes - 1), categories=levels)
    dim = _attr(obj, "dim")
    if dim is not None:
        shape = tuple(int(d) for d in dim)
        if rtype == "character":
            flat = np.array(_strings(obj), dtype=object)
        else:
            flat, na = _numbers(obj, rtype)
            if rtype in ("integer", "double"):
                flat = flat.astype(np.float32)
                flat[na] = np.nan
            elif rtype == "logical":
                flat = flat.astype(bool) if not na.any() else np.where(na, np.nan, flat)
        return np.ascontiguousarray(flat.reshape(shape, order="F"))
    if rtype == "character":
        values = _strings(obj)
        return dict(zip(names, values)) if names is not None and all(names) else values
    values, na = _numbers(obj, rtype)
    if rtype in ("integer", "logical") and na.any():
        values = np.where(na, np.nan, values.astype(np.float64))
    elif rtype == "logical":
        values = values.astype(bool)
    if names is not None:
        return pd.Series(values, index=names)
    return values


def _frame(obj) -> pd.DataFrame:
    names = _strings(_attr(obj, "names") or [])
    row_names = _attr(obj, "row.names")
    n_rows = len(row_names) if row_names is not None else (len(obj[0]) if len(obj) else 0)
    columns = []
    for name, col in zip(names, obj):
        rtype, classes = _rtype(col), _r_class(col)
        level = None
        if "factor" in classes:
            kind = "factor"
            values, na = _numbers(col, "integer")
            level = _strings(_attr(col, "levels") or [])
        elif rtype in ("logical", "integer", "double") and _attr(col, "dim") is None:
            kind = rtype
            values, na = _numbers(col, rtype)
            if "Date" in classes or "POSIXct" in classes:
                unit = "D" if "Date" in classes else "s"
                when = pd.to_datetime(np.where(na, np.nan, values), unit=unit,
                                      utc=unit == "s")
                columns.append(pd.Series(when, name=name))
                continue
        elif rtype == "character":
            kind = "character"
            strings = _strings(col)
            na = np.array([s is None for s in strings], dtype=bool)
            values = np.array(["" if s is None else s for s in strings], dtype=object)
        else:  # list columns, matrices in a column, ...
            value = from_r(col)
            columns.append(pd.Series(list(value) if isinstance(value, (list, np.ndarray))
                                     else [value] * n_rows, name=name, dtype=object))
            continue
        part = frame_from_r([name], [kind], [values], [level], [na], n_rows)
        columns.append(part[name])
    df = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=pd.RangeIndex(n_rows))
    if row_names is not None and _rtype(row_names) == "character":
        df.index = pd.Index(_strings(row_names))
    else:
        df.index = pd.RangeIndex(n_rows)
    return df


# ---- files ----------------------------------------------------------------------

def _sniff(path: Path) -> str:
    """``"rds"`` or ``"rda"`` from the file's first bytes (any compression R writes)."""
    import bz2
    import gzip
    import lzma

    with open(path, "rb") as fh:
        head = fh.read(8)
    opener = {b"\x1f\x8b": gzip.open, b"BZ": bz2.open, b"\xfd7": lzma.open}.get(head[:2])
    try:
        if opener is not None:
            with opener(path, "rb") as fh:
                head = fh.read(5)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise InputError(f"path {str(path)!r} is not a readable R data file ({exc})") from exc
    if head[:3] in (b"RDX", b"RDA", b"RDB"):
        return "rda"
    if head[:2] in (b"X\n", b"A\n", b"B\n"):
        return "rds"
    raise InputError(
        f"path {str(path)!r} is not an R data file: expected a file written by R's saveRDS() "
        "(.rds) or save() (.rda/.RData)")


_READ = """
local({
  path <- @PATH@; kind <- @KIND@; name <- @NAME@
  if (kind == "rds") {
    obj <- readRDS(path)
    if (is.null(name)) return(list(found = TRUE, value = obj, names = NULL))
    if (!is.list(obj) || !name %in% names(obj)) {
      return(list(found = FALSE, value = NULL, names = names(obj)))
    }
    return(list(found = TRUE, value = obj[[name]], names = names(obj)))
  }
  env <- new.env()
  objects <- load(path, envir = env)
  pick <- if (is.null(name) && length(objects) == 1L) objects else name
  if (is.null(pick) || !pick %in% objects) {
    return(list(found = FALSE, value = NULL, names = objects))
  }
  list(found = TRUE, value = get(pick, envir = env), names = objects)
})
"""


def _r_string(value: str) -> str:
    """``value`` as an R string literal."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def read_r_data(path, name: str | None = None):
    """Read an R data file (``.rds``, ``.rda``, ``.RData``) into engine inputs.

    deepG's example data (``data(crispr_sample)``, ``ecoli_small``), one-hot
    arrays from ``seq_encoding_label()`` (``dim c(n, maxlen, 4)``), label
    matrices and tables saved from R become what the engine takes (see
    :func:`from_r` for every type): character vectors -> list of DNA strings
    (a named vector -> dict, names kept); numeric arrays ``c(n, maxlen, C)`` ->
    ``float32`` ``(n, maxlen, C)`` with ``a[i, j, k]`` equal to R's
    ``x[i + 1, j + 1, k + 1]``; matrices ``c(maxlen, C)`` -> ``(maxlen, C)``;
    data.frames -> DataFrames; lists -> dicts.

    Parameters
    ----------
    path : str or path-like
        The file; its format is read from its first bytes (saveRDS or save,
        any compression), not its suffix.
    name : str, optional
        For ``.rda`` files with several objects, the one to read; for ``.rds``
        files holding a named list, the element to read. Default None: the only
        object (an error lists the names when there are several).

    Returns
    -------
    object
        list, dict, numpy array, DataFrame, ...

    Raises
    ------
    InputError
        The file does not exist or is not R data; ``name`` is not in it.
    RUnavailableError
        rpy2 or R is missing: ``pip install "deepg-interpret[r]"``.

    Examples
    --------
    A one-hot array as deepG's generators hold it (samples, maxlen, 4):

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "onehot.rds")
    >>> _ = run_r(f"x <- array(0, c(2, 5, 4)); x[, , 1] <- 1; saveRDS(x, '{path}')")
    >>> x = read_r_data(path)
    >>> x.shape, x.dtype, x[0, 0].tolist()
    ((2, 5, 4), dtype('float32'), [1.0, 0.0, 0.0, 0.0])

    ``x`` then goes to any method as it is (``integrated_gradients(model, x, target=0)``).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"path must be a file path, got {type(path).__name__}")
    if name is not None and not isinstance(name, str):
        raise ArgumentTypeError(f"name must be a string (an object's name), got {type(name).__name__}")
    file = Path(path).expanduser()
    if not file.is_file():
        raise InputError(f"path {str(path)!r} does not exist or is not a file")
    kind = _sniff(file)
    code = (_READ.replace("@PATH@", _r_string(str(file.resolve())))
            .replace("@KIND@", _r_string(kind))
            .replace("@NAME@", "NULL" if name is None else _r_string(name)))
    try:
        result = run_r(code, convert=False)
    except RError as exc:
        raise InputError(f"R could not read {str(path)!r}: {exc}") from exc
    found, value, names = bool(result[0][0]), result[1], result[2]
    available = _strings(names) if int(names.typeof) != 0 else []
    if not found:
        listed = ", ".join(repr(n) for n in available) or "none"
        what = "objects" if kind == "rda" else "named elements"
        if name is None:
            raise InputError(f"{str(path)!r} holds {len(available)} objects ({listed}); "
                             "pick one with name=")
        raise InputError(f"name={name!r} is not in {str(path)!r}; its {what}: {listed}")
    return from_r(value)


# ---- Python -> R ----------------------------------------------------------------

def _r_column(kind: str, value: np.ndarray, level, na: np.ndarray):
    ri = r_session().ri
    if kind in ("integer", "factor", "character", "logical"):
        codes = np.ascontiguousarray(value, dtype=np.int32).copy()
        if kind in ("factor", "character"):
            codes[codes < 1] = NA_INT
        codes[na] = NA_INT
        if kind == "logical":
            return ri.BoolSexpVector.from_memoryview(memoryview(codes))
        vec = ri.IntSexpVector.from_memoryview(memoryview(codes))
        levels = ri.StrSexpVector([str(v) for v in (level if level is not None else [])])
        if kind == "character":
            return ri.baseenv["["](levels, vec)
        if kind == "factor":
            return r_structure(vec, levels=levels, **{"class": ri.StrSexpVector(["factor"])})
        return vec
    values = np.ascontiguousarray(value, dtype=np.float64).copy()
    values[na] = NA_REAL
    return ri.FloatSexpVector.from_memoryview(memoryview(values))


def to_r(df: pd.DataFrame, *, one_based_targets: bool = True):
    """An engine table as the R ``data.frame`` the R package deepGinterpret returns.

    The columns cross as in the R package (one converter,
    :func:`deepg_interpret.r_bridge.frame_columns`): int32 columns -> R
    integers, Categoricals (``base``, ``ref_base``, ...) -> factors with the
    same levels, strings (``seq_id``) -> character, bool -> logical, floats ->
    double (missing -> ``NA``); a plain data.frame (no pandas index);
    ``df.attrs`` -> ``attr(x, "settings")`` (a named list, as reticulate
    converts it). As in the R package, string ``base``/``ref_base``/
    ``alt_base``/``max_base`` columns become factors (A, C, G, T first) and
    whole-number floats in ``position``, ``start``, ``end``, ``target``, ...
    become integers.

    Parameters
    ----------
    df : pd.DataFrame
        An engine table (e.g. ``result.table("attribution")``).
    one_based_targets : bool
        True (default): the ``target`` column and ``settings$target`` count
        classes from 1, as the R package's method wrappers return them (Python
        counts from 0). False: unchanged.

    Returns
    -------
    rpy2.rinterface.ListSexpVector
        The data.frame; rpy2 passes it to R unchanged (``%%R -i``,
        ``rpy2.robjects.globalenv["x"] = ...``).

    Examples
    --------
    In Jupyter, with ``%load_ext rpy2.ipython``:

    >>> import keras
    >>> from deepg_interpret import integrated_gradients
    >>> model = keras.Sequential([keras.Input((100, 4)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(2)])
    >>> ig = integrated_gradients(model, "ACGT" * 25, target=1, steps=4, progress=False)
    >>> ig_r = to_r(ig.table("per_locus"))
    >>> run_r("c(nrow(ig_r), class(ig_r$position))", ig_r=ig_r)
    ['100', 'integer']

    and then an R cell::

        %%R -i ig_r
        str(ig_r)                        # position int, ref_base Factor w/ 5 levels
        attr(ig_r, "settings")$target    # 2 (1-based)
        deepGinterpret::dgi_plot_per_locus(ig_r)
    """
    if not isinstance(df, pd.DataFrame):
        raise ArgumentTypeError(f"df must be a pandas DataFrame (an engine table), got {type(df).__name__}")
    r_session().collect()
    return _frame_to_r(df, one_based_targets)


def _frame_to_r(df: pd.DataFrame, one_based_targets: bool):
    ri = r_session().ri
    names, kinds, values, levels, nas, attrs = frame_columns(df)
    if one_based_targets:
        if "target" in names:
            i = names.index("target")
            if kinds[i] in ("integer", "double"):
                values[i] = values[i] + 1
        if isinstance(attrs.get("target"), int) and not isinstance(attrs["target"], bool):
            attrs["target"] = attrs["target"] + 1
    columns = [_r_column(k, v, lv, na) for k, v, lv, na in zip(kinds, values, levels, nas)]
    n_rows = len(df)
    row_names = np.array([NA_INT, -n_rows] if n_rows else [], dtype=np.int32)
    return r_structure(ri.ListSexpVector(columns), **{
        "names": ri.StrSexpVector(names),
        "class": ri.StrSexpVector(["data.frame"]),
        "row.names": ri.IntSexpVector.from_memoryview(memoryview(row_names)),
        "settings": r_plain(attrs) if attrs else ri.ListSexpVector([]),
    })


def _to_r_value(value, name: str = "value"):
    """A Python input of :func:`run_r` -> an rpy2 object."""
    from rpy2.rinterface_lib.sexp import Sexp

    ri = r_session().ri
    if isinstance(value, Sexp):
        return value
    if isinstance(value, pd.DataFrame):
        return _frame_to_r(value, one_based_targets=False)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise ArgumentTypeError(f"{name}: numpy arrays must be numeric or bool, got {value.dtype}")
        flat = value.ravel(order="F")
        if value.dtype.kind == "b":
            vec = ri.BoolSexpVector.from_memoryview(memoryview(flat.astype(np.int32)))
        elif value.dtype.kind in "iu" and value.size and np.abs(value).max() <= INT32_MAX:
            vec = ri.IntSexpVector.from_memoryview(memoryview(flat.astype(np.int32)))
        else:
            vec = ri.FloatSexpVector.from_memoryview(memoryview(flat.astype(np.float64)))
        if value.ndim > 1:
            return r_structure(vec, dim=ri.IntSexpVector(list(value.shape)))
        return vec
    if value is None or isinstance(value, (bool, int, float, str, list, tuple, dict, np.generic)):
        return r_plain(value)
    raise ArgumentTypeError(f"{name}: cannot hand a {type(value).__name__} to R; pass a DataFrame, "
                            "a numpy array, plain Python data or an rpy2 object")


__all__ = ["read_r_data", "from_r", "to_r", "run_r", "RError", "RUnavailableError", "INSTALL_HINT"]
