"""The embedded R session of :mod:`deepg_interpret.r_bridge.rdata` (rpy2), with R run under the GIL.

rpy2 calls R through cffi, which releases Python's GIL while R runs. reticulate
< 1.31 (Debian 12's is 1.28) frees Python objects from R finalizers without
taking the GIL, so an R garbage collection inside an rpy2 call aborts the
process ("PyThreadState_Get: the function must be called with the GIL held",
rstudio/reticulate#1236) once R code has used reticulate. Here R's C API is
called through ``ctypes.PyDLL``, which keeps the GIL, for all R code that may
touch reticulate, and R's garbage is freed before control returns to rpy2.
rpy2 is imported on first use only.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from ..errors import DeepGInterpretError

INSTALL_HINT = 'install it with `pip install "deepg-interpret[r]"` (rpy2 >= 3.5.17, < 3.6)'
NA_INT = -(2**31)
INT32_MAX = 2**31 - 1
# R's NA_real_: a NaN whose low word is 1954 (R's NaN is another NaN).
NA_REAL = np.array([0x7FF00000000007A2], dtype=np.uint64).view(np.float64)[0]


class RUnavailableError(DeepGInterpretError, ImportError):
    """rpy2 or R is missing (or cannot start): install the extra ``r``."""


class RError(DeepGInterpretError, RuntimeError):
    """R code run through :func:`run_r` failed; ``r_classes`` holds the R condition classes."""

    def __init__(self, message: str, r_classes=()):
        super().__init__(message)
        self.r_classes = list(r_classes)


# ---- the embedded R session ---------------------------------------------------

_SESSION = None


class _Session:
    """rpy2's embedded R, plus R's C API called with Python's GIL held.

    rpy2 calls R through cffi, which releases the GIL; reticulate < 1.31 then frees
    Python objects (R finalizers) without it and the process aborts. ctypes.PyDLL
    keeps the GIL during the call, so R code run by :meth:`execute` is safe.
    """

    def __init__(self, ri):
        import atexit
        import ctypes
        import platform

        import rpy2.situation
        from rpy2.rinterface_lib import openrlib

        self.ri = ri
        self.lock = openrlib.rlock
        path = rpy2.situation.get_rlib_path(openrlib.R_HOME, platform.system())
        lib = ctypes.PyDLL(path)
        vp, c_int = ctypes.c_void_p, ctypes.c_int
        for name, restype, argtypes in [
            ("Rf_mkCharLenCE", vp, [ctypes.c_char_p, c_int, c_int]),
            ("Rf_ScalarString", vp, [vp]),
            ("R_ParseVector", vp, [vp, c_int, ctypes.POINTER(c_int), vp]),
            ("R_tryEval", vp, [vp, vp, ctypes.POINTER(c_int)]),
            ("Rf_protect", vp, [vp]),
            ("Rf_unprotect", None, [c_int]),
            ("VECTOR_ELT", vp, [vp, ctypes.c_ssize_t]),
            ("Rf_xlength", ctypes.c_ssize_t, [vp]),
            ("R_RunExitFinalizers", None, []),
            ("Rf_install", vp, [ctypes.c_char_p]),
            ("Rf_defineVar", None, [vp, vp, vp]),
        ]:
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        self.lib, self.ctypes = lib, ctypes
        self.nil = vp.in_dll(lib, "R_NilValue").value
        self.global_env = vp.in_dll(lib, "R_GlobalEnv").value
        # rpy2 ends R at exit (registered when R started); atexit runs this first.
        atexit.register(self.finalize)

    def _string(self, value: str):
        raw = value.encode("utf-8")
        return self.lib.Rf_ScalarString(self.lib.Rf_mkCharLenCE(raw, len(raw), 1))  # CE_UTF8

    def execute(self, code: str, strings: dict | None = None) -> None:
        """Parse and evaluate ``code`` in R's global environment, holding the GIL, after
        defining ``strings`` (R name -> str) there."""
        lib, ctypes = self.lib, self.ctypes
        with self.lock:
            for name, value in (strings or {}).items():
                string = lib.Rf_protect(self._string(value))
                lib.Rf_defineVar(lib.Rf_install(name.encode()), string, self.global_env)
                lib.Rf_unprotect(1)
            text = lib.Rf_protect(self._string(code))
            status = ctypes.c_int(0)
            exprs = lib.Rf_protect(lib.R_ParseVector(text, -1, ctypes.byref(status), self.nil))
            try:
                if status.value != 1:  # PARSE_OK
                    raise RError(f"R could not parse the code (status {status.value}):\n{code}")
                for i in range(lib.Rf_xlength(exprs)):
                    failed = ctypes.c_int(0)
                    lib.R_tryEval(lib.VECTOR_ELT(exprs, i), self.global_env, ctypes.byref(failed))
                    if failed.value:
                        raise RError("R failed to run internal code; see the R message above")
            finally:
                lib.Rf_unprotect(2)

    def collect(self) -> None:
        """Free R's garbage (Python objects held by reticulate among it) with the GIL held."""
        self.execute('if (isNamespaceLoaded("reticulate")) invisible(gc())')

    def finalize(self) -> None:
        """At exit, before rpy2 ends R: run R's finalizers while Python can still take them.

        rpy2's event callback is unhooked too: R may process events while Python shuts
        down, when cffi can no longer call into Python (R checks the pointer for NULL).
        """
        try:
            self.execute('invisible(gc())')
            with self.lock:
                self.lib.R_RunExitFinalizers()
                self.ctypes.c_void_p.in_dll(self.lib, "ptr_R_ProcessEvents").value = None
        except Exception:  # noqa: BLE001 - at exit, nothing left to report to
            pass


@contextlib.contextmanager
def _library_path_kept():
    """Undo R's start-up change of LD_LIBRARY_PATH for the rest of the process.

    R puts its own library folders (``/usr/lib/R/lib:/usr/lib/x86_64-linux-gnu:...``)
    first in LD_LIBRARY_PATH when it starts; R is loaded by then, but every child process
    inherits the path, and a child Python then loads the system's libssl instead of its
    own ("_ssl...so: undefined symbol"), which breaks pyarrow, ray and the CLI in
    subprocesses started after an R session.
    """
    before = os.environ.get("LD_LIBRARY_PATH")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
            os.unsetenv("LD_LIBRARY_PATH")
        else:
            os.environ["LD_LIBRARY_PATH"] = before


def r_session() -> _Session:
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        import rpy2  # noqa: F401
    except ImportError as exc:
        raise RUnavailableError(
            f"R data and R sessions need the Python package rpy2, which is not installed ({exc}); "
            f"{INSTALL_HINT}. R itself must be installed too (Debian: apt-get install r-base-dev)."
        ) from exc
    try:
        import rpy2.rinterface as ri

        with _library_path_kept():
            ri.initr()
    except Exception as exc:  # noqa: BLE001 - rpy2 raises many kinds when R is unusable
        raise RUnavailableError(
            f"rpy2 is installed but cannot start R ({type(exc).__name__}: {exc}). Install R "
            "(>= 4.2; `R RHOME` must work) and an rpy2 built for it: rpy2 3.6 needs R >= 4.4 "
            '("undefined symbol: R_getVar" on R 4.2); with R 4.2/4.3 use '
            f'`pip install "rpy2>=3.5.17,<3.6"`, or {INSTALL_HINT}.'
        ) from exc
    _SESSION = _Session(ri)
    return _SESSION


# R code run by run_r(): the user's code, errors caught, values holding Python
# objects refused (they would be freed later, outside run_r), then R's garbage freed.
_RUN = """
local({
  code <- get(".dgi_rpy2_code", envir = globalenv())
  rm(".dgi_rpy2_code", envir = globalenv())
  holds_python <- function(x) {
    inherits(x, "python.builtin.object") ||
      (is.list(x) && length(x) > 0L && any(vapply(x, holds_python, logical(1))))
  }
  result <- tryCatch(
    list(value = eval(parse(text = code, keep.source = FALSE), envir = globalenv()),
         error = NULL),
    error = function(e) list(value = NULL, error = c(conditionMessage(e), class(e))))
  if (is.null(result$error) && holds_python(result$value)) {
    result <- list(value = NULL, error = c(paste(
      "the value of the R code holds Python objects (reticulate);",
      "end the code with plain R data (vectors, lists, data.frames)"), "dgi_python_value"))
  }
  assign(".dgi_rpy2_result", result, envir = globalenv())
})
if (isNamespaceLoaded("reticulate")) invisible(gc())
"""



def evaluate(code: str, inputs: dict):
    """Run ``code`` through :data:`_RUN` after assigning ``inputs`` (name -> rpy2 object)
    in R's global environment; the value as an rpy2 object, or :class:`RError`.

    Make the inputs after :meth:`_Session.collect`: rpy2 allocates R memory with the
    GIL released, which must not free Python objects (the garbage of R code run
    outside this module). After ``_RUN`` no such garbage is left.
    """
    session = r_session()
    ri = session.ri
    for name, value in inputs.items():
        ri.globalenv[name] = value
    session.execute(_RUN, {".dgi_rpy2_code": code})
    result = ri.globalenv.find(".dgi_rpy2_result")
    ri.baseenv["rm"](".dgi_rpy2_result", envir=ri.globalenv)
    value, error = result[0], result[1]
    if error is not ri.NULL:
        messages = list(error)
        raise RError(f"R error: {messages[0]}", r_classes=messages[1:])
    return value


def r_structure(obj, **attributes):
    """R's ``structure()``: attributes set as R sets them (class bits, compact row names)."""
    return r_session().ri.baseenv["structure"](obj, **attributes)


def r_plain(value):
    """Plain Python -> R, as reticulate's py_to_r() converts it (the R package's settings).

    Lists of one scalar type become atomic vectors, other lists R lists, dicts
    named lists. Unlike reticulate 1.28, integers outside R's integer range
    become doubles (reticulate wraps them around).
    """
    ri = r_session().ri
    if value is None:
        return ri.NULL
    if isinstance(value, (bool, np.bool_)):
        return ri.BoolSexpVector([bool(value)])
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return (ri.IntSexpVector([value]) if -INT32_MAX <= value <= INT32_MAX
                else ri.FloatSexpVector([float(value)]))
    if isinstance(value, (float, np.floating)):
        return ri.FloatSexpVector([float(value)])
    if isinstance(value, str):
        return ri.StrSexpVector([value])
    if isinstance(value, dict):
        out = ri.ListSexpVector([r_plain(v) for v in value.values()])
        return r_structure(out, names=ri.StrSexpVector([str(k) for k in value]))
    if isinstance(value, (list, tuple)):
        kinds = {type(v) for v in value}
        if len(value) and kinds == {bool}:
            return ri.BoolSexpVector(list(value))
        if len(value) and kinds == {int} and all(-INT32_MAX <= v <= INT32_MAX for v in value):
            return ri.IntSexpVector(list(value))
        if len(value) and kinds == {float}:
            return ri.FloatSexpVector(list(value))
        if len(value) and kinds == {str}:
            return ri.StrSexpVector(list(value))
        return ri.ListSexpVector([r_plain(v) for v in value])
    return ri.StrSexpVector([str(value)])
