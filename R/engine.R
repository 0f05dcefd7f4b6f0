# Finding, checking and installing the Python engine.

#' Is the Python engine available?
#'
#' Checks, without raising an error, that Python can be started and that the
#' engine `deepg_interpret` can be imported with a NumPy that this reticulate
#' can hand arrays to. Use it to guard code (as the examples in this package
#' do). Note that the first call starts Python; the interpreter cannot be
#' changed afterwards without restarting R.
#'
#' @returns `TRUE` or `FALSE`.
#' @seealso [dgi_config()] to see which Python is in use, [dgi_install()] to
#'   set up the engine.
#' @export
#' @examples
#' dgi_available()
dgi_available <- function() {
  isTRUE(tryCatch(dgi_engine_status()$ok, error = function(e) FALSE))
}

# Check once per session (success is cached; failure is re-checked so that an
# engine installed into the running Python is picked up).
dgi_engine_status <- function() {
  if (isTRUE(.dgi$engine_ok)) {
    return(list(ok = TRUE))
  }
  if (!reticulate::py_available(initialize = TRUE)) {
    return(list(ok = FALSE, reason = "no_python"))
  }
  if (!reticulate::py_module_available("deepg_interpret")) {
    return(list(ok = FALSE, reason = "no_engine"))
  }
  np_version <- tryCatch(
    reticulate::py_to_r(reticulate::import("numpy", convert = FALSE)$`__version__`),
    error = function(e) NA_character_
  )
  if (!numpy_compatible(np_version)) {
    return(list(ok = FALSE, reason = "numpy", numpy = np_version))
  }
  if (!reticulate::py_module_available(BRIDGE_MODULE)) {
    return(list(ok = FALSE, reason = "old_engine"))
  }
  .dgi$engine_ok <- TRUE
  list(ok = TRUE)
}

# reticulate < 1.38 cannot convert R arrays for NumPy 2 ("incompatible NumPy
# binary version").
numpy_compatible <- function(np_version,
                             reticulate_version = utils::packageVersion("reticulate")) {
  if (is.na(np_version)) {
    return(FALSE)
  }
  major <- as.integer(strsplit(np_version, ".", fixed = TRUE)[[1]][1])
  major < 2L || reticulate_version >= "1.38"
}

# The engine module, after checking it can be used; an R error that says what
# to run otherwise.
dgi_engine <- function() {
  status <- dgi_engine_status()
  if (!isTRUE(status$ok)) {
    dgi_abort_no_engine(status = status)
  }
  # `engine` is NULL when Python was already running without the engine at load
  # time (the engine may have been installed into it since).
  eng <- engine %||% (.dgi$engine <- .dgi$engine %||% reticulate::import("deepg_interpret"))
  if (is.null(.dgi$device_reporter)) register_device_reporter()
  eng
}

python_in_use <- function() {
  if (!reticulate::py_available(initialize = FALSE)) {
    return(NULL)
  }
  cfg <- tryCatch(reticulate::py_config(), error = function(e) NULL)
  if (is.null(cfg)) NULL else cfg$python
}

# Was Python started (by reticulate, another package or the user) before this
# package was loaded? Then it could not choose the engine's Python.
python_started_before_load <- function() {
  py <- .dgi$python_at_load
  !is.null(py) && !is.na(py)
}

# Bullets that explain why the engine cannot be used and what to run.
no_engine_bullets <- function(reason, py = python_in_use(), numpy = NULL) {
  head <- switch(reason,
    numpy = paste0(
      "The engine needs NumPy < 2 with this reticulate (",
      as.character(utils::packageVersion("reticulate")),
      "); the Python in use has NumPy ", numpy, "."
    ),
    no_python = "No Python was found for the engine {.pkg deepg_interpret}.",
    old_engine = "The engine {.pkg deepg_interpret} in this Python is older than the R package (it lacks {.field deepg_interpret.r_bridge}).",
    "The Python engine {.pkg deepg_interpret} is not available."
  )
  bullets <- c(head)
  if (!is.null(py)) {
    bullets <- c(bullets, "x" = "Python in use: {.path {py}}.")
    if (python_started_before_load() && reason %in% c("no_engine", "old_engine")) {
      bullets <- c(bullets,
        "x" = "This Python was already running when deepGinterpret was loaded (started by reticulate or another package), and it lacks the engine; a running Python cannot be replaced within an R session.",
        "i" = "Restart R and load deepGinterpret before anything else starts Python."
      )
    }
  }
  bullets <- c(bullets,
    "i" = "Run {.code deepGinterpret::dgi_install()} to create the virtualenv {.val {DGI_ENVNAME}} with the engine, then restart R.",
    "i" = "Or set {.envvar RETICULATE_PYTHON} to a Python that has the engine (for example in {.file ~/.Renviron}) and restart R."
  )
  if (identical(reason, "numpy")) {
    bullets <- c(bullets,
      "i" = "Or run {.code pip install \"numpy>=1.26,<2\"} in that Python and restart R."
    )
  }
  bullets
}

dgi_abort_no_engine <- function(detail = NULL, status = NULL) {
  reason <- if (is.null(status)) "no_engine" else status$reason
  py <- python_in_use() # the bullets below interpolate {py} and {detail} here
  bullets <- no_engine_bullets(reason, py = py, numpy = status$numpy)
  if (!is.null(detail) && nzchar(detail)) {
    bullets <- append(bullets, c("x" = "{detail}"), after = 1L)
  }
  cli::cli_abort(bullets, class = c("dgi_engine_missing", "dgi_error"), call = NULL)
}

#' Show which Python, TensorFlow, Keras and engine are in use
#'
#' Starts Python if needed (through the same search as the rest of the
#' package) and reports the interpreter, how it was chosen, and the versions
#' of NumPy, TensorFlow, Keras, tf_keras and the engine `deepg_interpret`.
#' When the engine cannot be used it says why and what to do, for example when
#' another Python without the engine was already running before the package
#' was loaded (then R must be restarted).
#'
#' @returns Invisibly, a list of class `dgi_config` with elements `python`,
#'   `python_version`, `chosen_by`, `reticulate`, `numpy`, `tensorflow`, `keras`,
#'   `tf_keras`, `engine`, `engine_path`, `available`, `problem` (`NA` when
#'   the engine is ready, else a short explanation) and `deepg_problem` (`NA`
#'   unless R keras 2, deepG's, cannot work with this Python's Keras). Missing
#'   modules are `NA`.
#' @seealso [dgi_install()], [dgi_available()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' dgi_config()
dgi_config <- function() {
  empty <- list(numpy = NA_character_, tensorflow = NA_character_, keras = NA_character_,
                tf_keras = NA_character_, engine = NA_character_, engine_path = NA_character_)
  cfg <- tryCatch(reticulate::py_config(), error = function(e) e)
  if (inherits(cfg, "error")) {
    out <- structure(c(list(
      python = NA_character_, python_version = NA_character_,
      chosen_by = conditionMessage(cfg),
      reticulate = as.character(utils::packageVersion("reticulate"))
    ), empty, list(available = FALSE, problem = "No Python could be started.")),
    class = "dgi_config")
    print(out)
    return(invisible(out))
  }
  status <- tryCatch(dgi_engine_status(), error = function(e) {
    list(ok = FALSE, reason = "no_engine", detail = conditionMessage(e))
  })
  versions <- if (isTRUE(status$ok)) {
    tryCatch(py_helpers()$versions(), error = function(e) py_versions_fallback())
  } else {
    tryCatch(py_versions_fallback(), error = function(e) list())
  }
  versions <- utils::modifyList(empty, Filter(Negate(is.null), versions))
  chosen_by <- if (python_started_before_load()) {
    "already running when deepGinterpret was loaded"
  } else if (!is.null(cfg$forced)) {
    cfg$forced
  } else if (grepl(DGI_ENVNAME, cfg$python, fixed = TRUE)) {
    paste0("the virtualenv \"", DGI_ENVNAME, "\"")
  } else {
    "reticulate's default search"
  }
  problem <- if (isTRUE(status$ok)) NA_character_ else config_problem(status, cfg$python)
  deepg_problem <- keras_mismatch(versions$keras, r_keras_version())
  out <- structure(list(
    python = cfg$python,
    python_version = as.character(cfg$version),
    chosen_by = chosen_by,
    reticulate = as.character(utils::packageVersion("reticulate")),
    numpy = versions$numpy,
    tensorflow = versions$tensorflow,
    keras = versions$keras,
    tf_keras = versions$tf_keras,
    engine = versions$engine,
    engine_path = versions$engine_path,
    available = isTRUE(status$ok),
    problem = problem,
    deepg_problem = deepg_problem
  ), class = "dgi_config")
  print(out)
  invisible(out)
}

# R keras 2 (deepG's front end) drives Keras 2 only: in a Python whose `keras` is
# Keras 3, deepG's create_model_*() fails ("no applicable method for 'compile'").
# NA when there is no R keras 2 or the Python's Keras matches it.
keras_mismatch <- function(py_keras, r_keras) {
  if (is.null(py_keras) || is.na(py_keras) || is.na(r_keras)) return(NA_character_)
  if (package_version(r_keras) >= "3" || package_version(py_keras) < "3") return(NA_character_)
  paste0("R keras ", r_keras, " (deepG's) needs Keras 2 (TensorFlow <= 2.15) in this Python, ",
         "but it has Keras ", py_keras, ": deepG's create_model_*() and train_model() will ",
         "fail here. Run deepGinterpret::dgi_install() (it puts the engine into R keras' ",
         "environment, or makes one with TensorFlow 2.15) and restart R.")
}

# One paragraph for dgi_config(): what is wrong and what to do.
config_problem <- function(status, python) {
  reason <- status$reason %||% "no_engine"
  what <- switch(reason,
    numpy = paste0("The engine needs NumPy < 2 with reticulate ",
                   as.character(utils::packageVersion("reticulate")), " (this Python has ",
                   status$numpy, "); run pip install \"numpy>=1.26,<2\" in it."),
    no_python = "No Python was found.",
    old_engine = paste0("The engine in ", python, " is older than this R package; ",
                        "reinstall it with deepGinterpret::dgi_install()."),
    paste0("The Python in use (", python, ") does not have the engine deepg_interpret.")
  )
  if (python_started_before_load() && reason %in% c("no_engine", "old_engine")) {
    what <- paste0(what, " That Python was already running when deepGinterpret was loaded ",
                   "(started by reticulate or another package) and cannot be replaced in this ",
                   "session: restart R and load deepGinterpret before anything else starts ",
                   "Python.")
  }
  paste0(what, " Set RETICULATE_PYTHON to a Python with the engine (e.g. in ~/.Renviron) ",
         "or run deepGinterpret::dgi_install(), then restart R.")
}

#' @export
print.dgi_config <- function(x, ...) {
  show <- function(v, missing = "(not installed)") {
    if (is.null(v) || length(v) == 0 || is.na(v)) missing else v
  }
  python <- if (is.null(x$python) || is.na(x$python)) {
    "(none found)"
  } else {
    paste0(x$python, if (!is.na(x$python_version %||% NA)) paste0(" (", x$python_version, ")"))
  }
  engine <- show(x$engine)
  if (!is.null(x$engine_path) && !is.na(x$engine_path)) {
    engine <- paste0(engine, " (", x$engine_path, ")")
  }
  cat("deepGinterpret configuration\n",
      "  Python:     ", python, "\n",
      "  chosen by:  ", x$chosen_by, "\n",
      "  reticulate: ", x$reticulate, "\n",
      "  NumPy:      ", show(x$numpy), "\n",
      "  TensorFlow: ", show(x$tensorflow), "\n",
      "  Keras:      ", show(x$keras), "\n",
      "  tf_keras:   ", show(x$tf_keras), "\n",
      "  engine:     ", engine, "\n", sep = "")
  if (isTRUE(x$available)) {
    cat("The engine is ready.\n")
  } else {
    cat("The engine is not usable.\n")
    problem <- x$problem %||% NA_character_
    if (is.na(problem)) {
      problem <- "Run deepGinterpret::dgi_install() and restart R."
    }
    cat(strwrap(problem, width = 78, prefix = "  "), sep = "\n")
  }
  deepg_problem <- x$deepg_problem %||% NA_character_
  if (!is.na(deepg_problem)) {
    cat("deepG will not work with this Python:\n")
    cat(strwrap(deepg_problem, width = 78, prefix = "  "), sep = "\n")
  }
  invisible(x)
}
