test_that("models load from files and objects", {
  skip_if_no_engine()
  model <- test_model()
  path <- withr::local_tempfile(fileext = ".keras")
  model$save(path)
  loaded <- dgi_load_model(path, class_names = c("no_motif", "motif"))
  expect_s3_class(loaded, "dgi_model")
  info <- deepGinterpret:::adapter_info(loaded)
  expect_equal(info$maxlen, 50L)
  expect_equal(info$n_outputs, 2L)
  expect_equal(info$class_names, c("no_motif", "motif"))
  dna <- random_dna(1, 50, seed = 31)
  from_file <- dgi_integrated_gradients(path, dna, target = 2, steps = 8)
  from_object <- dgi_integrated_gradients(model, dna, target = 2, steps = 8)
  expect_close(from_file$score, from_object$score, scale = 0)
  by_name <- dgi_integrated_gradients(loaded, dna, target = "motif", steps = 8)
  expect_close(by_name$score, from_object$score, scale = 0)
  expect_error(dgi_integrated_gradients(loaded, dna, target = "nope"),
               "`target` = \"nope\" is not a class of the model")
  # loading again reuses the handle (no reload, no recompiling)
  expect_identical(reticulate::py_id(dgi_load_model(path, class_names = c("no_motif", "motif"))),
                   reticulate::py_id(loaded))
  # new class names give a new handle and leave the old one alone
  renamed <- dgi_load_model(loaded, class_names = c("a", "b"))
  expect_equal(deepGinterpret:::adapter_info(renamed)$class_names, c("a", "b"))
  expect_equal(deepGinterpret:::adapter_info(loaded)$class_names, c("no_motif", "motif"))
  logit <- dgi_load_model(loaded, output = "logit")
  expect_equal(deepGinterpret:::adapter_info(logit)$output, "logit")
  expect_equal(deepGinterpret:::adapter_info(logit)$class_names, c("no_motif", "motif"))
})

test_that("the bundled legacy deepG checkpoint loads and is explained", {
  skip_if_no_engine()
  path <- system.file("extdata", "demo_model.h5", package = "deepGinterpret")
  fasta <- system.file("extdata", "demo_sequences.fasta", package = "deepGinterpret")
  skip_if(!nzchar(path) || !nzchar(fasta), "the bundled demo model is not in this build")
  # a Keras 2 checkpoint: loaded with tf_keras, said in a message (on a fresh load)
  assign("models", NULL, envir = deepGinterpret:::.dgi)
  expect_message(model <- dgi_load_model(path, class_names = c("no_motif", "motif")),
                 "tf_keras", class = "dgi_engine_message")
  info <- deepGinterpret:::adapter_info(model)
  expect_equal(info$maxlen, 200L)
  expect_equal(info$n_outputs, 2L)
  res <- dgi_integrated_gradients(model, fasta, target = "motif", table = "all")
  expect_named(res, c("attribution", "per_locus", "summary"))
  expect_equal(range(res$per_locus$position), c(1L, 200L))
  expect_true(all(abs(res$summary$delta) < 0.05))
  # the planted motif is where the scores are: the highest rolling mean lies in it
  truth <- utils::read.csv(system.file("extdata", "demo_truth.csv", package = "deepGinterpret"))
  for (i in seq_len(nrow(truth))) {
    loci <- res$per_locus[res$per_locus$seq_id == truth$seq_id[i], ]
    peak <- loci$position[which.max(dgi_rolling_mean(loci$score_sum, k = 10))]
    expect_gte(peak, truth$start[i])
    expect_lte(peak, truth$end[i])
  }
})
