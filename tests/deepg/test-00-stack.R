test_that("the real deepG stack is the one in use", {
  skip_if_no_deepg_stack()
  expect_equal(as.character(packageVersion("deepG")), "0.3.1")
  expect_equal(as.character(packageVersion("keras")), "2.15.0")
  # R keras/tensorflow >= 2.13 need reticulate >= 1.31 (Debian's 1.28 must not win)
  expect_true(packageVersion("reticulate") >= "1.31")
  # the TF 2.15 virtualenv named by RETICULATE_PYTHON (compare prefixes: the venv's python
  # is a symlink to the system one)
  if (nzchar(Sys.getenv("RETICULATE_PYTHON"))) {
    sys <- reticulate::import("sys")
    expect_equal(normalizePath(reticulate::py_to_r(sys$prefix)),
                 normalizePath(file.path(dirname(Sys.getenv("RETICULATE_PYTHON")), "..")))
  }
  tf <- reticulate::import("tensorflow")
  expect_match(reticulate::py_to_r(tf$`__version__`), "^2\\.15\\.")
  # deepG builds Keras 2 models (R keras 2.15 on tf.keras 2.15)
  expect_match(reticulate::py_to_r(reticulate::import("keras")$`__version__`), "^2\\.15\\.")
  expect_true(deepGinterpret::dgi_available())
})
