# Batch runs: the R wrappers hand samples and settings to the engine's run_batch()
# and read its Parquet dataset back; ground truth is the method run directly.

batch_fixture <- function() {
  if (!is.null(.test_cache$batch)) return(.test_cache$batch)
  dir <- withr::local_tempdir(.local_envir = globalenv())
  keras <- keras_module()
  keras$utils$set_random_seed(4L)
  model <- keras$Sequential(list(
    keras$Input(shape = c(40L, 4L)), keras$layers$Conv1D(3L, 5L, activation = "relu"),
    keras$layers$GlobalAveragePooling1D(), keras$layers$Dense(2L, activation = "softmax")
  ))
  path <- file.path(dir, "model.keras")
  model$save(path)
  dna <- random_dna(2, 400, seed = 3)
  for (i in 1:2) writeLines(c(">chr", dna[i]), file.path(dir, paste0("g", i, ".fasta")))
  writeBin(as.raw(c(0, 1, 2, 255)), file.path(dir, "broken.fasta"))
  samples <- data.frame(sample_id = c("g1", "broken", "g2"),
                        fasta = file.path(dir, c("g1.fasta", "broken.fasta", "g2.fasta")),
                        label = c("spo", "spo", "non"))
  .test_cache$batch <- list(dir = dir, model = path, samples = samples)
  .test_cache$batch
}

test_that("dgi_run_batch runs every sample, fails the broken one, and resumes", {
  skip_if_no_engine()
  b <- batch_fixture()
  out <- file.path(b$dir, "out")
  status <- dgi_run_batch(b$samples, b$model, out, method = "ig", target = 2, steps = 4,
                          window_step = 20)
  expect_s3_class(status, "data.frame")
  expect_equal(status$sample_id, c("g1", "broken", "g2"))
  expect_equal(status$status, c("done", "failed", "done"))
  expect_match(status$error[2], "SequenceError")
  expect_equal(status$bases, c(400L, NA, 400L))
  expect_equal(attr(status, "n_failed"), 1L)

  per_locus <- dgi_read_batch(out, "per_locus", reader = "engine")
  expect_equal(levels(per_locus$sample_id), c("g1", "g2"))
  expect_equal(names(per_locus)[1:4], c("sample_id", "label", "seq_id", "position"))
  expect_equal(nrow(per_locus), 800L)
  # ground truth: the method run directly on the genome
  direct <- dgi_integrated_gradients(b$model, b$samples$fasta[3], target = 2, steps = 4,
                                     window_step = 20, table = "per_locus")
  mine <- per_locus[per_locus$sample_id == "g2", ]
  expect_equal(mine$position, direct$position)
  expect_close(mine$score_sum, direct$score_sum, scale = 0)
  summary <- dgi_read_batch(out, "summary", reader = "engine")
  expect_equal(unique(summary$target), 2L)  # 1-based in R, as deepG's target_class_idx
  expect_equal(attr(summary, "settings")$steps, 4L)
  expect_equal(dgi_read_batch(out, "status")$status, c("done", "failed", "done"))

  again <- dgi_run_batch(b$samples, b$model, out, method = "ig", target = 2, steps = 4,
                         window_step = 20)
  expect_equal(attr(again, "n_skipped"), 2L)
  expect_equal(again$attempts, c(1L, 2L, 1L))

  if (requireNamespace("arrow", quietly = TRUE)) {
    expect_equal(dgi_read_batch(out, "per_locus", reader = "arrow")$score_sum,
                 per_locus$score_sum)
  }
})

test_that("dgi_run_batch explains bad arguments in R terms", {
  skip_if_no_engine()
  b <- batch_fixture()
  out <- file.path(b$dir, "bad")
  expect_error(dgi_run_batch(b$samples, list(1), out, target = 1), class = "dgi_argument_error")
  expect_error(dgi_run_batch(b$samples, b$model, out), "target", class = "dgi_argument_error")
  expect_error(dgi_run_batch(b$samples, b$model, out, target = 1, stepz = 3),
               "not arguments of integrated_gradients", class = "dgi_engine_error")
  expect_error(dgi_run_batch(b$samples, b$model, out, target = 5, steps = 2),
               class = "dgi_engine_error")
  expect_error(dgi_run_batch(data.frame(x = 1), b$model, out, target = 1),
               "sample_id", class = "dgi_argument_error")
  expect_error(dgi_read_batch(file.path(b$dir, "nothing")), "holds no batch run",
               class = "dgi_engine_error")
})

test_that("dgi_run_batch redoes a finished sample whose FASTA changed, and says so", {
  skip_if_no_engine()
  b <- batch_fixture()
  dir <- withr::local_tempdir()
  file.copy(b$samples$fasta[c(1, 3)], file.path(dir, c("g1.fasta", "g2.fasta")))
  samples <- data.frame(sample_id = c("g1", "g2"),
                        fasta = file.path(dir, c("g1.fasta", "g2.fasta")))
  out <- file.path(dir, "out")
  first <- dgi_run_batch(samples, b$model, out, target = 2, steps = 4, window_step = 20)
  expect_true("redone_reason" %in% names(first))
  expect_equal(first$redone_reason, c(NA_character_, NA_character_))
  expect_equal(attr(first, "n_redone"), 0L)

  writeLines(c(">chr", random_dna(1, 400, seed = 11)), file.path(dir, "g2.fasta"))
  expect_message(
    again <- dgi_run_batch(samples, b$model, out, target = 2, steps = 4, window_step = 20),
    "g2: fasta changed")
  expect_equal(again$attempts, c(1L, 2L))
  expect_equal(again$redone_reason, c(NA, "fasta changed"))
  expect_equal(attr(again, "n_redone"), 1L)
  expect_equal(attr(again, "n_skipped"), 1L)
  # the stored scores are the new sequence's, as the method run directly gives them
  direct <- dgi_integrated_gradients(b$model, file.path(dir, "g2.fasta"), target = 2, steps = 4,
                                     window_step = 20, table = "per_locus")
  loci <- dgi_read_batch(out, "per_locus", samples = "g2", reader = "engine")
  expect_close(loci$score_sum, direct$score_sum, scale = 0)  # another process: float32 noise only
  expect_equal(dgi_read_batch(out, "status")$redone_reason, c(NA, "fasta changed"))
})
