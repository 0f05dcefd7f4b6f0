# Where the engine goes: deepG's Python first, never outranking R tensorflow's choice.

test_that("the package's Python priority stays below R tensorflow's and keras'", {
  # R tensorflow registers its environments at priority 5, R keras at 0 (reticulate's
  # delay_load): the higher wins, so ours must be lower than both.
  expect_lt(deepGinterpret:::DGI_PRIORITY, 0L)
})

test_that("dgi_install() targets the Python deepG's R keras uses", {
  plan <- deepGinterpret:::install_plan
  none <- function(envname) FALSE
  tf_env <- function(envname) identical(envname, "r-tensorflow")
  # R keras 2 with its "r-tensorflow" environment: the engine goes there, TF kept as it is
  p <- plan(NULL, NULL, tf_env, "2.15.0", tf_version_of = function(e) "2.15.1")
  expect_equal(p$envname, "r-tensorflow")
  expect_equal(p$tensorflow, "2.15")
  expect_match(p$why, "R keras")
  # RETICULATE_PYTHON pointing into a virtualenv wins
  venv <- withr::local_tempdir()
  dir.create(file.path(venv, "bin"))
  writeLines("home = /usr/bin", file.path(venv, "pyvenv.cfg"))
  p <- plan(NULL, NULL, function(e) e %in% c("r-tensorflow", venv), "2.15.0",
            file.path(venv, "bin", "python"),
            tf_version_of = function(e) "2.16.2")
  expect_equal(p$envname, venv)
  expect_equal(p$tensorflow, "2.16")
  # R keras 2 without an environment: a new one with TensorFlow 2.15 / Keras 2
  p <- plan(NULL, NULL, none, "2.15.0")
  expect_equal(p$envname, "r-deepg-interpret")
  expect_equal(p$tensorflow, "2.15")
  # no R keras: the engine's own environment, newest supported TensorFlow
  p <- plan(NULL, NULL, none, NA_character_)
  expect_equal(p$envname, "r-deepg-interpret")
  expect_null(p$tensorflow)
  # an explicit choice is kept
  p <- plan("my-env", "2.17", tf_env, "2.15.0")
  expect_equal(p[c("envname", "tensorflow")], list(envname = "my-env", tensorflow = "2.17"))
})

test_that("dgi_config() flags a Python whose Keras deepG's R keras cannot drive", {
  mismatch <- deepGinterpret:::keras_mismatch
  expect_match(mismatch("3.13.0", "2.15.0"), "R keras 2.15.0 .*needs Keras 2.*dgi_install")
  expect_true(is.na(mismatch("2.15.0", "2.15.0")))
  expect_true(is.na(mismatch("3.13.0", NA_character_)))
  expect_true(is.na(mismatch(NA_character_, "2.15.0")))
  cfg <- structure(list(python = "/x/bin/python", python_version = "3.11", chosen_by = "test",
                        reticulate = "1.28", numpy = "1.26.4", tensorflow = "2.21.0",
                        keras = "3.13.0", tf_keras = NA, engine = "0.1.0", engine_path = NA,
                        available = TRUE, problem = NA_character_,
                        deepg_problem = mismatch("3.13.0", "2.15.0")),
                   class = "dgi_config")
  out <- paste(capture.output(print(cfg)), collapse = "\n")
  expect_match(out, "deepG will not work with this Python")
  expect_false(grepl("(not installed) ((not installed))", out, fixed = TRUE))
})
