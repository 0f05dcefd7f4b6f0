# Small Python helpers used at the R/Python boundary. They live in a private
# namespace (not in __main__) and are created on first use.

PY_HELPERS <- '
import warnings as _warnings


def call(fn, args, kwargs):
    """Call fn; return ("ok", value, warnings) or ("error", info, warnings)."""
    try:
        from deepg_interpret.errors import DeepGInterpretWarning as _W
    except Exception:  # engine missing or too old
        _W = None
    with _warnings.catch_warnings(record=True) as caught:
        if _W is not None:
            _warnings.simplefilter("always", _W)
        try:
            value = fn(*args, **kwargs)
            status = "ok"
        except Exception as exc:  # noqa: BLE001 - translated to an R error
            status = "error"
            value = {
                "classes": [c.__name__ for c in type(exc).__mro__],
                "module": type(exc).__module__,
                "message": str(exc),
            }
    ours, others = [], []
    for w in caught:
        if _W is not None and issubclass(w.category, _W):
            ours.append(str(w.message))
        else:
            others.append(w)
    for w in others:  # show as Python would have
        _warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return status, value, ours


def _plain(value):
    """attrs values -> plain Python (R-convertible)."""
    import numpy as _np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, _np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, _np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def frame_columns(df):
    """A pandas DataFrame -> (names, kinds, values, levels, na masks, attrs).

    Converting column by column keeps pandas index objects and pandas
    conversion warnings out of R.
    """
    import numpy as _np
    import pandas as pd

    names, kinds, values, levels, nas = [], [], [], [], []
    for name in df.columns:
        col = df[name]
        na = col.isna().to_numpy(dtype=bool)
        level = None
        if isinstance(col.dtype, pd.CategoricalDtype):
            kind = "factor"
            value = col.cat.codes.to_numpy().astype("int32") + 1
            level = _np.array([str(c) for c in col.cat.categories], dtype=str)
        elif pd.api.types.is_bool_dtype(col.dtype):
            kind = "logical"
            value = col.fillna(False).to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(col.dtype):
            filled = col.fillna(0).to_numpy().astype("int64")
            if filled.size == 0 or (filled.min() > -2**31 and filled.max() < 2**31):
                kind = "integer"
                value = filled.astype("int32")
            else:
                kind = "double"
                value = filled.astype("float64")
        elif pd.api.types.is_float_dtype(col.dtype):
            kind = "double"
            value = col.to_numpy(dtype="float64", na_value=_np.nan)
        else:
            # factorize: few distinct strings (seq_id) cross to R once, codes as int32
            kind = "character"
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            value = codes.astype("int32") + 1
            level = _np.array([str(u) for u in uniques], dtype=str)
        names.append(str(name))
        kinds.append(kind)
        values.append(value)
        levels.append(level)
        nas.append(na)
    return names, kinds, values, levels, nas, _plain(dict(getattr(df, "attrs", {}) or {}))


def versions():
    import importlib.metadata as md
    import importlib.util as iu

    def v(name):
        try:
            return md.version(name)
        except Exception:
            return None

    spec = iu.find_spec("deepg_interpret")
    engine = None
    if spec is not None:
        try:
            import deepg_interpret
            engine = getattr(deepg_interpret, "__version__", None) or v("deepg-interpret")
        except Exception as exc:  # noqa: BLE001
            engine = "unusable: " + str(exc)
    return {
        "numpy": v("numpy"),
        "tensorflow": v("tensorflow") or v("tensorflow-cpu"),
        "keras": v("keras"),
        "tf_keras": v("tf_keras") or v("tf-keras"),
        "engine": engine,
        "engine_path": None if spec is None else str(spec.origin),
    }


def is_keras_model(obj):
    """True for Keras 3 / tf_keras / tf.keras models (without importing TF twice)."""
    for klass in type(obj).__mro__:
        mod = klass.__module__ or ""
        if klass.__name__ in ("Model", "Functional", "Sequential") and (
            mod.startswith("keras") or mod.startswith("tf_keras") or mod.startswith("tensorflow")
        ):
            return True
    return False


def numpy_float32(x):
    import numpy as _np

    return _np.ascontiguousarray(_np.asarray(x, dtype=_np.float32))


def to_numpy(x):
    """tf tensors and array-likes -> numpy (float64 for R)."""
    import numpy as _np

    if hasattr(x, "numpy"):
        x = x.numpy()
    return _np.asarray(x, dtype=_np.float64)
'

py_helpers <- function() {
  if (is.null(.dgi$helpers)) {
    types <- reticulate::import("types", convert = FALSE)
    module <- types$ModuleType("deepGinterpret_helpers")
    builtins <- reticulate::import_builtins(convert = FALSE)
    builtins$exec(PY_HELPERS, module$`__dict__`)
    helpers <- list(
      call = module[["call"]],
      frame_columns = module[["frame_columns"]],
      versions = function() reticulate::py_to_r(module[["versions"]]()),
      is_keras_model = function(x) {
        reticulate::py_to_r(module[["is_keras_model"]](x))
      },
      numpy_float32 = module[["numpy_float32"]],
      to_numpy = function(x) {
        reticulate::py_to_r(module[["to_numpy"]](x))
      }
    )
    .dgi$helpers <- helpers
  }
  .dgi$helpers
}
