# The Python engine, bound lazily: loading the package never starts Python.
engine <- NULL

# Package-level state (Python helpers, model cache, engine check result).
.dgi <- new.env(parent = emptyenv())

# Name of the virtualenv dgi_install() creates and reticulate searches.
DGI_ENVNAME <- "r-deepg-interpret"

.onLoad <- function(libname, pkgname) {
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
