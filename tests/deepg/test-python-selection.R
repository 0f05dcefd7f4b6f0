# Fault: attaching deepGinterpret switched deepG's Python. A user with R keras' virtualenv
# "r-tensorflow" (TF 2.15 / Keras 2) and the engine's own "r-deepg-interpret" (TF 2.21 /
# Keras 3) must keep deepG working after library(deepGinterpret), in either load order.

selection_session <- function(load_order) {
  workon <- withr::local_tempdir(.local_envir = parent.frame())
  root <- normalizePath(file.path(testthat::test_path(), "..", ".."))
  # the two environments, as named virtualenvs under WORKON_HOME (links to the project's)
  file.symlink(file.path(root, ".venv-tf215"), file.path(workon, "r-tensorflow"))
  file.symlink(file.path(root, ".venv"), file.path(workon, "r-deepg-interpret"))
  script <- withr::local_tempfile(fileext = ".R", .local_envir = parent.frame())
  writeLines(c(
    sprintf("for (p in %s) suppressPackageStartupMessages(library(p, character.only = TRUE))",
            deparse(load_order)),
    "library(reticulate)",
    "m <- deepG::create_model_lstm_cnn(maxlen = 30, filters = 4, kernel_size = 5,",
    "                                  pool_size = 2, layer_dense = 2, verbose = FALSE)",
    "cat('PYTHON', reticulate::py_config()$python, '\\n')",
    "cat('KERAS', reticulate::py_to_r(reticulate::import('keras')$`__version__`), '\\n')",
    "x <- array(diag(4)[sample(4, 30, TRUE), ], dim = c(1, 30, 4))",
    "ig <- deepGinterpret::dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1, model = m)",
    "cat('IG', paste(dim(ig), collapse = 'x'), '\\n')",
    "print(deepGinterpret::dgi_config())"
  ), script)
  rscript <- file.path(R.home("bin"), "Rscript")
  out <- withr::with_envvar(
    c(WORKON_HOME = workon, RETICULATE_PYTHON = NA, RETICULATE_PYTHON_ENV = NA,
      RETICULATE_PYTHON_FALLBACK = NA, VIRTUAL_ENV = NA, R_LIBS = Sys.getenv("R_LIBS")),
    suppressWarnings(system2(rscript, c("--vanilla", shQuote(script)), stdout = TRUE,
                             stderr = TRUE)))
  list(out = paste(out, collapse = "\n"), workon = workon)
}

test_that("library(deepGinterpret) never takes deepG's Python away", {
  skip_if_no_deepg_stack()
  for (order in list(c("deepG", "keras", "deepGinterpret"),
                     c("deepGinterpret", "deepG", "keras"))) {
    res <- selection_session(order)
    info <- paste("load order:", paste(order, collapse = ", "), "\n", res$out)
    expect_match(res$out, "PYTHON [^\n]*(r-tensorflow|venv-tf215)", info = info)
    expect_match(res$out, "KERAS 2\\.15", info = info)
    expect_match(res$out, "IG 30x4", info = info)          # deepG's model explained
    expect_match(res$out, "The engine is ready", info = info)
    expect_false(grepl("deepG will not work with this Python", res$out), info = info)
  }
})
