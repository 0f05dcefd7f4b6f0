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
  engine %||% (.dgi$engine <- .dgi$engine %||% reticulate::import("deepg_interpret"))
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
#'   `tf_keras`, `engine`, `engine_path`, `available` and `problem` (`NA` when
#'   the engine is ready, else a short explanation). Missing modules are `NA`.
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
    problem = problem
  ), class = "dgi_config")
  print(out)
  invisible(out)
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
  invisible(x)
}

#' Install the Python engine into a virtualenv
#'
#' Creates (or updates) a Python virtualenv and installs the engine
#' `deepg-interpret` with TensorFlow and Keras into it, the way R keras has
#' `install_keras()`. After a restart of R the package finds the environment
#' by its name; nothing else needs to be configured.
#'
#' With reticulate older than 1.38 (Debian's is 1.28) NumPy is pinned below 2,
#' because such a reticulate cannot hand R arrays to NumPy 2.
#'
#' deepG with R keras (Keras 2) needs TensorFlow <= 2.15 in the same Python:
#' use `tensorflow = "2.15"`, or install the engine into the environment deepG
#' already uses, for example `dgi_install(envname = "r-reticulate")`.
#'
#' @param envname Name of the virtualenv (created under reticulate's
#'   `WORKON_HOME`, usually `~/.virtualenvs`) or a path to one. Default is
#'   `"r-deepg-interpret"`, the name the package searches for.
#' @param engine Where pip gets the engine from: a path to a checkout of the
#'   deepg-interpret repository (the folder with `pyproject.toml`), a wheel
#'   file, or a pip requirement. Default is the environment variable
#'   `DGI_ENGINE_SOURCE`, else `"deepg-interpret"`.
#' @param tensorflow `NULL` (default) lets pip choose the TensorFlow the engine
#'   supports (2.15 to 2.21); a version such as `"2.15"` pins TensorFlow and
#'   tf_keras to that release.
#' @param python Python interpreter used to create the virtualenv. Default
#'   `NULL` lets reticulate choose.
#' @param extra_packages Further pip requirements to install. Default `NULL`.
#' @param new_env If `TRUE`, remove an existing environment of that name first.
#'   Default `FALSE`.
#' @param pip_options Extra options for `pip install`, e.g.
#'   `"--index-url=..."`. Default none.
#' @returns Invisibly, the path of the environment's Python.
#' @seealso [dgi_config()]
#' @export
#' @examples
#' \dontrun{
#' # from a checkout of the repository
#' dgi_install(engine = "~/src/deepg-interpret")
#' # next to deepG's R keras (TensorFlow 2.15)
#' dgi_install(tensorflow = "2.15")
#' }
dgi_install <- function(envname = DGI_ENVNAME,
                        engine = NULL,
                        tensorflow = NULL,
                        python = NULL,
                        extra_packages = NULL,
                        new_env = FALSE,
                        pip_options = character()) {
  check_string(envname, "envname")
  check_flag(new_env, "new_env")
  requirements <- dgi_install_requirements(engine, tensorflow, extra_packages)
  venv <- venv_ops()
  if (isTRUE(new_env) && venv$exists(envname)) {
    venv$remove(envname)
  }
  if (!venv$exists(envname)) {
    cli::cli_inform("Creating the virtualenv {.val {envname}}.")
    venv$create(envname, python)
  }
  cli::cli_inform(c("Installing into {.val {envname}}:", "*" = "{requirements}"))
  venv$install(envname, requirements, pip_options)
  py <- venv$python(envname)
  bullets <- c("v" = "Installed the engine into {.path {py}}.")
  if (reticulate::py_available(initialize = FALSE)) {
    bullets <- c(bullets, "!" = "Python is already running in this session: restart R to use it.")
  } else if (!identical(envname, DGI_ENVNAME)) {
    bullets <- c(bullets, "i" = "Set {.code Sys.setenv(RETICULATE_PYTHON = \"{py}\")} (or add it to {.file ~/.Renviron}) so the package finds it.")
  }
  cli::cli_inform(bullets)
  invisible(py)
}

# The virtualenv operations dgi_install() uses (replaceable in tests through
# .dgi$venv_ops, so the install flow can be checked without a network).
venv_ops <- function() {
  .dgi$venv_ops %||% list(
    exists = function(envname) reticulate::virtualenv_exists(envname),
    remove = function(envname) reticulate::virtualenv_remove(envname, confirm = FALSE),
    # packages = FALSE: no pip/setuptools upgrade here; pip installs what is needed next.
    create = function(envname, python) {
      reticulate::virtualenv_create(envname, python = python, packages = FALSE)
    },
    install = function(envname, packages, pip_options) {
      reticulate::virtualenv_install(envname, packages = packages, ignore_installed = FALSE,
                                     pip_options = pip_options)
    },
    python = function(envname) reticulate::virtualenv_python(envname)
  )
}

# pip requirements for dgi_install(); separate so it can be tested.
dgi_install_requirements <- function(engine = NULL, tensorflow = NULL,
                                     extra_packages = NULL,
                                     reticulate_version = utils::packageVersion("reticulate")) {
  if (is.null(engine)) {
    engine <- Sys.getenv("DGI_ENGINE_SOURCE", unset = "")
    if (!nzchar(engine)) engine <- "deepg-interpret"
  }
  check_string(engine, "engine")
  path <- path.expand(engine)
  if (dir.exists(path)) {
    if (!file.exists(file.path(path, "pyproject.toml"))) {
      cli::cli_abort(c(
        "{.arg engine} is a folder without {.file pyproject.toml}: {.path {path}}.",
        "i" = "Pass the root of a deepg-interpret checkout, a wheel file or a pip requirement."
      ), call = NULL)
    }
    engine <- normalizePath(path, mustWork = TRUE)
  } else if (grepl("\\.whl$", engine)) {
    if (!file.exists(path)) {
      cli::cli_abort("{.arg engine}: the wheel {.path {path}} does not exist.", call = NULL)
    }
    engine <- normalizePath(path, mustWork = TRUE)
  }
  reqs <- engine
  if (!is.null(tensorflow)) {
    check_string(tensorflow, "tensorflow")
    if (!grepl("^[0-9]+\\.[0-9]+$", tensorflow)) {
      cli::cli_abort(c(
        "{.arg tensorflow} must be a release such as {.val 2.15}, not {.val {tensorflow}}."
      ), call = NULL)
    }
    reqs <- c(reqs, sprintf("tensorflow==%s.*", tensorflow), sprintf("tf_keras==%s.*", tensorflow))
  }
  if (reticulate_version < "1.38") {
    reqs <- c(reqs, "numpy>=1.26,<2", "pandas>=2.1,<2.4")
  }
  c(reqs, extra_packages)
}
