# Skip tests that need the Python engine when it is absent -- except in CI,
# where the Makefile sets DGI_REQUIRE_ENGINE=true and a missing engine fails.
engine_required <- function() {
  tolower(Sys.getenv("DGI_REQUIRE_ENGINE")) %in% c("true", "1", "yes")
}

skip_if_no_engine <- function() {
  if (deepGinterpret::dgi_available()) {
    return(invisible(TRUE))
  }
  msg <- paste0(
    "the Python engine deepg_interpret is not available (RETICULATE_PYTHON = '",
    Sys.getenv("RETICULATE_PYTHON"), "')"
  )
  if (engine_required()) {
    stop("DGI_REQUIRE_ENGINE is set but ", msg, call. = FALSE)
  }
  testthat::skip(msg)
}
