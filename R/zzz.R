# The Python engine, bound lazily: loading the package never starts Python.
engine <- NULL

# Package-level state (Python helpers, model cache, engine check result, the
# Python that was already running when the package was loaded).
.dgi <- new.env(parent = emptyenv())

# Name of the virtualenv dgi_install() creates and reticulate searches.
DGI_ENVNAME <- "r-deepg-interpret"

.onLoad <- function(libname, pkgname) {
  # Another package (or the user) may have started Python already. Then
  # reticulate imports at once instead of delaying, so a Python without the
  # engine would make loading fail: attach anyway and let dgi_config() and
  # every wrapper explain what to do.
  if (reticulate::py_available(initialize = FALSE)) {
    .dgi$python_at_load <- tryCatch(reticulate::py_config()$python,
                                    error = function(e) NA_character_)
    engine <<- tryCatch(
      reticulate::import("deepg_interpret", delay_load = TRUE),
      error = function(e) {
        .dgi$load_error <- conditionMessage(e)
        NULL
      }
    )
    return(invisible())
  }
  # delay_load: the module proxy binds on first use. The named environment is
  # searched by reticulate (after RETICULATE_PYTHON). The priority is above the
  # one of R tensorflow/keras: our environment holds TensorFlow and Keras too,
  # so choosing it serves deepG as well.
  engine <<- reticulate::import(
    "deepg_interpret",
    delay_load = list(
      environment = DGI_ENVNAME,
      priority = 20,
      on_error = function(e) dgi_abort_no_engine(conditionMessage(e))
    )
  )
  invisible()
}
