# Installing the Python engine where deepG's Python is.

#' Install the Python engine
#'
#' Installs the engine `deepg-interpret` into the Python that deepG's R keras
#' uses, or creates a virtualenv for it, the way R keras has
#' `install_keras()`. One R session has one Python, so the engine must live in
#' the Python deepG uses: by default it goes into the virtualenv R keras /
#' tensorflow use (`"r-tensorflow"`, made by `keras::install_keras()`, or the
#' virtualenv `RETICULATE_PYTHON` points to) when there is one, keeping its
#' TensorFlow. Otherwise it creates the virtualenv `"r-deepg-interpret"`; when
#' R keras 2 (deepG's) is installed, with TensorFlow 2.15 and Keras 2, which R
#' keras 2 needs. The package never outranks R tensorflow's choice of Python.
#'
#' With reticulate older than 1.38 (Debian's is 1.28) NumPy is pinned below 2,
#' because such a reticulate cannot hand R arrays to NumPy 2.
#'
#' @param envname Name of the virtualenv (under reticulate's `WORKON_HOME`,
#'   usually `~/.virtualenvs`) or a path to one. Default `NULL`: the
#'   environment R keras uses if there is one, else `"r-deepg-interpret"`.
#' @param engine Where pip gets the engine from: a path to a checkout of the
#'   deepg-interpret repository (the folder with `pyproject.toml`), a wheel
#'   file, or a pip requirement. Default is the environment variable
#'   `DGI_ENGINE_SOURCE`, else `"deepg-interpret"`.
#' @param tensorflow `NULL` (default) keeps the TensorFlow of an existing
#'   environment; a new one gets `"2.15"` when R keras 2 is installed, else the
#'   newest TensorFlow the engine supports (2.15 to 2.21). A version such as
#'   `"2.15"` pins TensorFlow and tf_keras to that release.
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
#' # into deepG's Python (or a new TensorFlow 2.15 environment for it)
#' dgi_install()
#' # from a checkout of the repository
#' dgi_install(engine = "~/src/deepg-interpret")
#' }
dgi_install <- function(envname = NULL,
                        engine = NULL,
                        tensorflow = NULL,
                        python = NULL,
                        extra_packages = NULL,
                        new_env = FALSE,
                        pip_options = character()) {
  if (!is.null(envname)) check_string(envname, "envname")
  check_flag(new_env, "new_env")
  venv <- venv_ops()
  plan <- install_plan(envname, tensorflow, venv$exists, r_keras_version(),
                       Sys.getenv("RETICULATE_PYTHON"),
                       venv$tensorflow_version %||% function(envname) NA_character_)
  envname <- plan$envname
  if (nzchar(plan$why)) cli::cli_inform(c("i" = plan$why))
  requirements <- dgi_install_requirements(engine, plan$tensorflow, extra_packages)
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

# Where dgi_install() puts the engine, and which TensorFlow it pins: deepG's
# Python first (the environment R keras/tensorflow use), since one R session
# has one Python. Returns envname, tensorflow (or NULL) and a message.
install_plan <- function(envname, tensorflow, env_exists, r_keras, reticulate_python = "",
                         tf_version_of = function(envname) NA_character_) {
  why <- ""
  if (is.null(envname)) {
    forced_env <- if (nzchar(reticulate_python)) dirname(dirname(reticulate_python)) else ""
    if (nzchar(forced_env) && file.exists(file.path(forced_env, "pyvenv.cfg"))) {
      envname <- forced_env
      why <- paste0("Installing into the virtualenv RETICULATE_PYTHON points to (", forced_env,
                    "), the Python R keras and deepG use.")
    } else if (!is.na(r_keras) && env_exists("r-tensorflow")) {
      envname <- "r-tensorflow"
      why <- "Installing into \"r-tensorflow\", the virtualenv R keras (deepG) uses."
    } else {
      envname <- DGI_ENVNAME
    }
  }
  if (is.null(tensorflow) && env_exists(envname)) {
    # Keep the environment's TensorFlow: unpinned, pip would upgrade it for tf_keras.
    installed <- tf_version_of(envname)
    if (!is.na(installed)) tensorflow <- sub("^([0-9]+\\.[0-9]+).*$", "\\1", installed)
  } else if (is.null(tensorflow) && !is.na(r_keras) && package_version(r_keras) < "3") {
    tensorflow <- "2.15"
    why <- paste0("R keras ", r_keras, " (deepG's) needs TensorFlow 2.15 with Keras 2: ",
                  "the new environment gets them.")
  }
  list(envname = envname, tensorflow = tensorflow, why = why)
}

# Version of the R package keras (deepG's Keras 2 front end), NA if absent.
r_keras_version <- function() {
  if (!requireNamespace("keras", quietly = TRUE)) return(NA_character_)
  as.character(utils::packageVersion("keras"))
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
    python = function(envname) reticulate::virtualenv_python(envname),
    tensorflow_version = function(envname) {
      py <- reticulate::virtualenv_python(envname)
      out <- tryCatch(suppressWarnings(system2(py, c("-c", shQuote(
        "import importlib.metadata as m; print(m.version('tensorflow'))")),
        stdout = TRUE, stderr = FALSE)), error = function(e) character())
      if (length(out) == 1 && grepl("^[0-9]+\\.[0-9]+", out)) out else NA_character_
    }
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
  engine <- check_string(engine, "engine")
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
    tensorflow <- check_string(tensorflow, "tensorflow")
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
