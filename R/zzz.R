# The Python engine, bound lazily: loading the package never starts Python.
engine <- NULL

# Package-level state (Python helpers, model cache, engine check result, the
# Python that was already running when the package was loaded).
.dgi <- new.env(parent = emptyenv())

# Name of the virtualenv dgi_install() creates and reticulate searches.
DGI_ENVNAME <- "r-deepg-interpret"

# reticulate's delay_load priority of that environment: below R tensorflow (5)
# and R keras (0), so attaching this package never switches deepG's Python.
DGI_PRIORITY <- -1L

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
  # searched by reticulate (after RETICULATE_PYTHON), at a priority BELOW R
  # tensorflow's (5) and keras' (0): one R session has one Python, and deepG's
  # R keras must keep the Python it was set up with (dgi_install() puts the
  # engine there). Ours is chosen only when no other package asks for one.
  engine <<- reticulate::import(
    "deepg_interpret",
    delay_load = list(
      environment = DGI_ENVNAME,
      priority = DGI_PRIORITY,
      on_error = function(e) dgi_abort_no_engine(conditionMessage(e))
    )
  )
  invisible()
}
