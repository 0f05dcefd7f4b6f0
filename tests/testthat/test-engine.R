test_that("loading the package does not start Python", {
  rscript <- file.path(R.home("bin"), "Rscript")
  code <- "suppressMessages(library(deepGinterpret)); cat(reticulate::py_available())"
  out <- withr::with_envvar(
    c(R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep)),
    system2(rscript, c("--vanilla", "-e", shQuote(code)), stdout = TRUE, stderr = FALSE)
  )
  expect_equal(tail(out, 1), "FALSE")
})

test_that("a missing engine gives an R error that says what to run", {
  expect_error(
    deepGinterpret:::dgi_abort_no_engine(status = list(reason = "no_engine")),
    "dgi_install\\(\\)",
    class = "dgi_engine_missing"
  )
  expect_error(
    deepGinterpret:::dgi_abort_no_engine(status = list(reason = "numpy", numpy = "2.1.0")),
    "NumPy < 2"
  )
})

test_that("a Python without the engine is reported, not crashed on", {
  skip_if_no_engine()
  # A fresh R whose RETICULATE_PYTHON has no engine: dgi_available() is FALSE,
  # the wrappers fail with the install hint and dgi_config() says what is missing.
  # The Python: a fresh virtualenv (no pip, no packages) made from the engine's interpreter
  base_python <- reticulate::py_config()$python
  env <- withr::local_tempdir()
  status <- system2(base_python, c("-m", "venv", "--without-pip", shQuote(env)),
                    stdout = FALSE, stderr = FALSE)
  expect_equal(status, 0L)
  sys_python <- file.path(env, "bin", "python")
  rscript <- file.path(R.home("bin"), "Rscript")
  code <- paste(
    "suppressMessages(library(deepGinterpret))",
    "cat(dgi_available(), '\\n')",
    "e <- tryCatch(dgi_integrated_gradients('model.h5', 'ACGT', 1), error = function(e) e)",
    "cat(class(e)[1], '\\n')",
    "e <- tryCatch(dgi_load_model(reticulate::py_eval('object()', convert = FALSE)), error = function(e) e)",
    "cat(conditionMessage(e), '\\n')",
    "invisible(dgi_config())",
    sep = "; "
  )
  out <- withr::with_envvar(
    c(R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep),
      RETICULATE_PYTHON = unname(sys_python)),
    system2(rscript, c("--vanilla", "-e", shQuote(code)), stdout = TRUE, stderr = TRUE)
  )
  out <- paste(out, collapse = "\n")
  expect_match(out, "FALSE")
  expect_match(out, "dgi_engine_missing")
  expect_match(out, "dgi_install()", fixed = TRUE)
  expect_match(out, "engine:     (not installed)", fixed = TRUE)
  expect_match(out, "The engine is not usable")
})

test_that("the package attaches when another Python without the engine is already running", {
  skip_if_no_engine()
  # A Python without the engine: a fresh virtualenv (no pip, no packages) made
  # from the engine's interpreter, started by reticulate before the package loads.
  base_python <- reticulate::py_config()$python
  env <- withr::local_tempdir()
  status <- system2(base_python, c("-m", "venv", "--without-pip", shQuote(env)),
                    stdout = FALSE, stderr = FALSE)
  expect_equal(status, 0L)
  other_python <- file.path(env, "bin", "python")
  script <- withr::local_tempfile(fileext = ".R")
  writeLines(c(
    sprintf("reticulate::use_python(%s, required = TRUE)", deparse(other_python)),
    "invisible(reticulate::py_config())",
    "stopifnot(reticulate::py_available())",
    "library(deepGinterpret)",
    "cat('attached\\n')",
    "cfg <- dgi_config()",
    "cat('available:', cfg$available, '\\n')",
    "e <- tryCatch(dgi_saliency('model.h5', 'ACGT', 1), error = function(e) e)",
    "cat(class(e)[1], '\\n')",
    "cat(conditionMessage(e), '\\n')"
  ), script)
  rscript <- file.path(R.home("bin"), "Rscript")
  out <- withr::with_envvar(
    c(R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep), RETICULATE_PYTHON = NA),
    withr::with_dir(env, # away from the checkout's pyproject.toml (reticulate's Poetry probe)
      system2(rscript, c("--vanilla", shQuote(script)), stdout = TRUE, stderr = TRUE))
  )
  out <- paste(out, collapse = "\n")
  expect_match(out, "attached")
  expect_match(out, "available: FALSE")
  expect_match(out, other_python, fixed = TRUE)
  flat <- gsub("\\s+", " ", out) # the explanation is wrapped to the console width
  expect_match(flat, "chosen by: already running when deepGinterpret was loaded")
  expect_match(flat, "does not have the engine deepg_interpret")
  expect_match(flat, "cannot be replaced in this session: restart R")
  expect_match(out, "RETICULATE_PYTHON")
  expect_match(out, "dgi_install()", fixed = TRUE)
  expect_match(out, "engine:     (not installed)", fixed = TRUE)
  expect_match(out, "dgi_engine_missing")
  expect_no_match(out, "(not installed) ((not installed))", fixed = TRUE)
})

test_that("dgi_config prints missing pieces once", {
  cfg <- structure(list(
    python = NA_character_, python_version = NA_character_, chosen_by = "no Python",
    reticulate = "1.28", numpy = NA_character_, tensorflow = NA_character_,
    keras = NA_character_, tf_keras = NA_character_, engine = NA_character_,
    engine_path = NA_character_, available = FALSE, problem = "No Python could be started."
  ), class = "dgi_config")
  out <- paste(capture.output(print(cfg)), collapse = "\n")
  expect_match(out, "Python:     (none found)", fixed = TRUE)
  expect_no_match(out, "((not installed))", fixed = TRUE)
  expect_match(out, "NumPy:      (not installed)", fixed = TRUE)
  expect_match(out, "No Python could be started.")
})

test_that("dgi_config reports Python, TensorFlow, Keras and the engine", {
  skip_if_no_engine()
  expect_output(cfg <- dgi_config(), "TensorFlow: ")
  expect_s3_class(cfg, "dgi_config")
  expect_true(cfg$available)
  expect_match(cfg$python, "python")
  expect_false(is.na(cfg$tensorflow))
  expect_false(is.na(cfg$keras))
  expect_false(is.na(cfg$engine))
  expect_equal(cfg$engine, reticulate::py_to_r(engine_module()$`__version__`))
  if (nzchar(Sys.getenv("RETICULATE_PYTHON"))) {
    expect_equal(cfg$chosen_by, "RETICULATE_PYTHON")
    expect_equal(normalizePath(cfg$python), normalizePath(Sys.getenv("RETICULATE_PYTHON")))
  }
  expect_true(numeric_version(cfg$numpy) < "2")
  expect_true(is.na(cfg$problem))
  expect_output(print(cfg), "The engine is ready")
})

test_that("the console is clean: no TensorFlow start-up noise, one device line", {
  skip_if_no_engine()
  # A fresh R of a user who set no TensorFlow log level (the Makefile sets one for the
  # rest of the suite): library() plus a first model load and call.
  rscript <- file.path(R.home("bin"), "Rscript")
  code <- paste(
    "suppressPackageStartupMessages(library(deepGinterpret))",
    "ext <- function(f) system.file('extdata', f, package = 'deepGinterpret')",
    "m <- dgi_load_model(ext('demo_model.h5'), class_names = c('no_motif', 'motif'))",
    "ig <- dgi_integrated_gradients(m, ext('demo_sequences.fasta'), target = 'motif', steps = 2L, progress = FALSE)",
    "cat('rows', nrow(ig), '\\n')",
    sep = "; "
  )
  err <- withr::local_tempfile()
  out <- withr::with_envvar(
    c(R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep),
      RETICULATE_PYTHON = reticulate::py_config()$python,
      TF_CPP_MIN_LOG_LEVEL = NA, DEEPG_INTERPRET_QUIET = NA),
    system2(rscript, c("--vanilla", "-e", shQuote(code)), stdout = TRUE, stderr = err)
  )
  stderr <- readLines(err)
  expect_match(paste(out, collapse = "\n"), "rows [0-9]+")
  for (noise in c("cuInit", "absl::InitializeLog", "oneDNN", "cudart_stub")) {
    expect_false(any(grepl(noise, stderr, fixed = TRUE)), info = paste(stderr, collapse = "\n"))
  }
  device <- grep("^deepg-interpret: TensorFlow ", stderr, value = TRUE)
  expect_length(device, 1L)
  expect_match(device, " on (CPU \\(|GPU: )")
  expect_false(any(grepl("deepg-interpret: TensorFlow", out, fixed = TRUE))) # not on stdout
})

test_that("the device line is an R message that the option silences", {
  expect_message(deepGinterpret:::dgi_report_device("deepg-interpret: x"), "deepg-interpret: x")
  withr::local_options(deepGinterpret.quiet = TRUE)
  expect_silent(deepGinterpret:::dgi_report_device("deepg-interpret: x"))
})
