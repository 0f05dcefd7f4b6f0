# Bad input from R gives R errors that name the R argument.

test_that("argument type errors are R errors before Python is asked", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(1, 50, seed = 21)
  expect_error(dgi_integrated_gradients(list(a = 1), dna, target = 1),
               "`model` must be a Keras model, not a list", class = "dgi_argument_error")
  expect_error(dgi_integrated_gradients(42, dna, target = 1), "`model` must be a Keras model")
  expect_error(dgi_integrated_gradients(reticulate::py_eval("[1, 2]"), dna, target = 1),
               "`model` must be a Keras model")
  expect_error(dgi_integrated_gradients(model, dna, target = 0),
               "`target` = 0 is out of range.*1-based", class = "dgi_argument_error")
  expect_error(dgi_integrated_gradients(model, dna, target = 3),
               "`target` = 3 is out of range: the model has 2 outputs")
  expect_error(dgi_integrated_gradients(model, dna, target = 1.5), "`target` must be")
  expect_error(dgi_integrated_gradients(model, dna, target = c(1, 2)), "`target` must be")
  expect_error(dgi_integrated_gradients(model, dna, target = "virus"),
               "`target` = \"virus\" is a class name, but the model has no class names")
  expect_error(dgi_integrated_gradients(model, dna), "`target` is missing")
  expect_error(dgi_integrated_gradients(model, substr(dna, 1, 42), target = 1),
               "`sequences`: sequence 1 .* has length 42 but the model expects maxlen = 50")
  expect_error(dgi_integrated_gradients(model, paste0(dna, "ACGT"), target = 1),
               "window_step")
  # like deepG, characters outside the vocabulary are ambiguous (deepG's ecoli_small
  # starts and ends with "|"), with an R warning that names them
  expect_warning(dgi_integrated_gradients(model, sub("^.", "X", dna), target = 1, steps = 2),
                 "outside the vocabulary \\['X'\\] \\(first at position 1\\)")
  ecoli_like <- paste0("|", substr(dna, 2, 49), "|")
  expect_warning(loc <- dgi_saliency(model, ecoli_like, target = 1, table = "per_locus"),
                 "2 character")
  expect_equal(as.character(loc$ref_base[c(1, 50)]), c("N", "N"))
  expect_error(dgi_integrated_gradients(model, NA_character_, target = 1), "`sequences`")
  expect_error(dgi_integrated_gradients(model, 1:10, target = 1), "`sequences`")
  expect_error(dgi_integrated_gradients(model, array(0, c(1, 50, 5)), target = 1),
               "`sequences` has 5 channels")
  expect_error(dgi_integrated_gradients(model, "missing_file.fasta", target = 1),
               "FASTA file .* does not exist")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, baseline = "unif"),
               "`baseline` = \"unif\" is unknown.*uniform")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, baseline = "bogus"),
               "`baseline` = \"bogus\" is unknown")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, baseline = matrix(0, 10, 4)),
               "`baseline` has length 10")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, baseline = "background"),
               "`background` is needed")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, steps = 0), "`steps`")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, method = "simpson"), "`method`")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, pad = "both"), "`pad`")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, table = "wide"), "`table`")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, progress = "yes"), "`progress`")
  expect_error(dgi_load_model(model, class_names = c("a", "b", "c")), "class_names")
  expect_error(dgi_load_model("no/such/model.h5"), "`model`: the model file .* does not exist")
  expect_error(dgi_load_model(model, output = "softmax"), "`output`")
})

test_that("engine exceptions are caught by class and rethrown with the R argument", {
  skip_if_no_engine()
  model <- test_model()
  # a file that is not a model: the engine's ModelError, reported for `model`
  bad <- withr::local_tempfile(fileext = ".h5")
  writeLines("not a model", bad)
  err <- expect_error(dgi_load_model(bad), class = "dgi_model_error")
  expect_match(conditionMessage(err), "`model`")
  expect_s3_class(err, "dgi_engine_error")
  # an empty FASTA file: the engine's SequenceError, reported for `sequences`
  empty <- withr::local_tempfile(fileext = ".fasta")
  writeLines(character(), empty)
  err <- expect_error(dgi_integrated_gradients(model, empty, target = 1),
                      class = "dgi_sequence_error")
  expect_match(conditionMessage(err), "`sequences`")
  expect_s3_class(err, "dgi_input_error")
  # a FASTA sequence of the wrong length
  fasta <- withr::local_tempfile(fileext = ".fa")
  writeLines(c(">short", "ACGTACGT"), fasta)
  err <- expect_error(dgi_integrated_gradients(model, fasta, target = 1),
                      class = "dgi_sequence_error")
  expect_match(conditionMessage(err), "`sequences`.*maxlen = 50")
  # errors in Python that are not the engine's still read as R errors
  info <- list(classes = list("ZeroDivisionError", "ArithmeticError", "Exception"),
               message = "division by zero")
  err <- expect_error(deepGinterpret:::dgi_translate_error(info), class = "dgi_python_error")
  expect_match(conditionMessage(err), "ZeroDivisionError")
  # a TargetError maps to the argument the caller names
  info <- list(classes = list("TargetError", "InputError", "DeepGInterpretError", "ValueError",
                              "Exception"), message = "target 7 is out of range")
  err <- expect_error(deepGinterpret:::dgi_translate_error(info, c(TargetError = "target_class_idx")),
                      class = "dgi_target_error")
  expect_match(conditionMessage(err), "`target_class_idx`: target 7")
})

test_that("engine warnings become R warnings", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(2, 50, seed = 22)
  substr(dna[2], 10, 10) <- "N"
  expect_warning(
    res <- dgi_integrated_gradients(model, dna, target = 1, steps = 4, ambiguous = "discard"),
    class = "dgi_engine_warning"
  )
  expect_equal(unique(res$seq_id), "seq_1")
})

test_that("careless numbers are R errors naming the argument, never tracebacks", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(1, 50, seed = 22)
  for (budget in list(Inf, -1, 0, "inf", "-5G", "0", "lots", NA)) {
    err <- expect_error(dgi_saliency(model, dna, target = 1, memory_budget = budget))
    expect_match(conditionMessage(err), "memory_budget")
    expect_s3_class(err, "dgi_error")
  }
  for (steps in list(NULL, NA, 1e9, 2.5, "10")) {
    expect_error(dgi_integrated_gradients(model, dna, target = 1, steps = steps), "steps")
  }
  for (seed in list("abc", 1.5, -1)) {
    expect_error(dgi_integrated_gradients(model, dna, target = 1, baseline = "shuffle",
                                          seed = seed), "seed")
  }
  expect_error(dgi_integrated_gradients(model, dna, target = 1, n_baselines = 0), "n_baselines")
  # duplicated class names reach the engine's check
  expect_error(dgi_load_model(model, class_names = c("a", "a")), "class_names")
})

test_that("errors never echo a whole sequence", {
  genome <- paste(rep("ACGT", 5000), collapse = "")
  err <- expect_error(dgi_integrated_gradients_deepg(input_seq = genome, target_class_idx = 1,
                                                     model = NULL))
  expect_lt(nchar(conditionMessage(err)), 600)
  expect_match(deepGinterpret:::describe(genome), "a string of 20000 characters")
})
