test_that("dgi_simulate_motifs returns sequences and the truth table", {
  skip_if_no_engine()
  sim <- dgi_simulate_motifs(n = 20, length = 100, motif = "TATAATGC", seed = 1)
  expect_named(sim, c("sequences", "truth"))
  expect_identical(class(sim$sequences), "data.frame")
  expect_named(sim$sequences, c("seq_id", "label", "sequence"))
  expect_named(sim$truth, c("seq_id", "label", "motif", "start", "end", "strand"))
  expect_equal(levels(sim$sequences$label), c("no_motif", "motif"))
  expect_equal(sum(sim$sequences$label == "motif"), 10L)
  expect_type(sim$truth$start, "integer")
  expect_type(sim$truth$end, "integer")
  expect_true(all(nchar(sim$sequences$sequence) == 100))
  # 1-based closed intervals: the planted copy is where the truth says
  seqs <- stats::setNames(sim$sequences$sequence, sim$sequences$seq_id)
  expect_equal(unique(substr(seqs[sim$truth$seq_id], sim$truth$start, sim$truth$end)),
               "TATAATGC")
  expect_setequal(sim$truth$seq_id, sim$sequences$seq_id[sim$sequences$label == "motif"])
  expect_equal(attr(sim$truth, "settings")$seed, 1L)
  # same data as the engine with the same seed
  synthetic <- reticulate::import("deepg_interpret.synthetic", convert = FALSE)
  ds <- synthetic$simulate_motifs(20L, 100L, "TATAATGC", seed = 1L)
  expect_equal(sim$sequences$sequence, reticulate::py_to_r(ds$sequences))
  # set.seed() makes it reproducible without a seed
  set.seed(5)
  a <- dgi_simulate_motifs(n = 6, length = 40, motif = "low")
  set.seed(5)
  b <- dgi_simulate_motifs(n = 6, length = 40, motif = "low")
  expect_identical(a$sequences$sequence, b$sequences$sequence)
})

test_that("motif forms, positions and deepG's training folders", {
  skip_if_no_engine()
  pwm <- matrix(c(.7, .1, .1, .1,
                  .1, .7, .1, .1,
                  .1, .1, .7, .1), ncol = 4, byrow = TRUE)
  sim <- dgi_simulate_motifs(n = 6, length = 50, motif = list(pwm, "GGGG"), seed = 2)
  expect_setequal(unique(sim$truth$motif), c("pwm_1", "GGGG"))
  fixed <- dgi_simulate_motifs(n = 4, length = 60, motif = "ACGTACGT", position = 11, seed = 3)
  expect_equal(unique(fixed$truth$start), 11L)
  recurrent <- dgi_simulate_motifs(n = 2, length = 300, motif = "ACGTACGT", recur_every = 100,
                                   share = 1, seed = 4)
  copies <- table(recurrent$truth$seq_id)
  expect_equal(length(copies), 2L)
  expect_true(all(copies >= 2L)) # about every 100 bp
  expect_true(all(diff(recurrent$truth$start[recurrent$truth$seq_id == names(copies)[1]]) >= 80))
  dir <- withr::local_tempdir()
  out <- dgi_simulate_motifs(n = 20, length = 50, motif = "TATAAT", seed = 5,
                             label_names = c("bacteria", "virus"), path = dir)
  expect_named(out, c("sequences", "truth", "folders"))
  expect_equal(basename(out$folders$train_dirs), c("bacteria", "virus"))
  expect_true(all(dir.exists(out$folders$validation_dirs)))
  expect_true(file.exists(out$folders$truth_csv))
  fasta <- list.files(out$folders$train_dirs[2], pattern = "\\.fasta$", full.names = TRUE)
  expect_gt(length(fasta), 0L)
  expect_equal(levels(out$sequences$label), c("bacteria", "virus"))
  # an existing layout is not overwritten silently
  expect_error(dgi_simulate_motifs(n = 20, length = 50, motif = "TATAAT", seed = 5, path = dir),
               "`path`")
})

test_that("dgi_simulate_motifs checks its arguments in R terms", {
  skip_if_no_engine()
  expect_error(dgi_simulate_motifs(n = 0), "`n`")
  expect_error(dgi_simulate_motifs(n = 10, share = 1.5), "`share`")
  expect_error(dgi_simulate_motifs(n = 10, length = 10, motif = "high"),
               "`motif`.*31 bp long", class = "dgi_sequence_error")
  expect_error(dgi_simulate_motifs(n = 10, motif = 42), "`motif`")
  expect_error(dgi_simulate_motifs(n = 10, position = 0), "`position`")
  expect_error(dgi_simulate_motifs(n = 10, label_names = "a"), "`label_names`")
  expect_error(dgi_simulate_motifs(n = 10, background = c(1, 1, 1, 1)), "`background`")
})

test_that("explanations are scored against planted motifs like the engine does", {
  skip_if_no_engine()
  model <- dgi_load_model(system.file("extdata", "demo_model.h5", package = "deepGinterpret"),
                          class_names = c("no_motif", "motif"))
  sim <- dgi_simulate_motifs(n = 10, length = 200, motif = "high", seed = 3)
  res <- dgi_integrated_gradients(model, sim$sequences, target = "motif", steps = 20,
                                  table = "all")
  scores <- dgi_score_explanations(res, sim$truth, method = "ig_zero")
  expect_named(scores, c("seq_id", "label", "motif", "method", "n_motif_positions", "k",
                         "auroc", "auprc", "top_k_hit_rate", "avg_match_percent"))
  expect_type(scores$n_motif_positions, "integer")
  expect_equal(nrow(scores), 5L)
  expect_equal(unique(scores$method), "ig_zero")
  expect_true(all(scores$auroc > 0.6)) # a trained model finds its motif
  expect_equal(sort(attr(scores, "settings")$skipped_seq_ids),
               sort(sim$sequences$seq_id[sim$sequences$label == "no_motif"]))
  # the attribution table gives the same scores (summed per position in R)
  expect_equal(dgi_score_explanations(res$attribution, sim$truth, method = "ig_zero")$auroc,
               scores$auroc)
  # numbers equal the engine's on the same per-locus table
  evaluate <- reticulate::import("deepg_interpret.analysis.evaluate", convert = FALSE)
  py <- evaluate$score_explanations(deepGinterpret:::r_frame(res$per_locus),
                                    deepGinterpret:::r_frame(sim$truth))
  py_auroc <- reticulate::py_to_r(py$auroc$to_numpy())
  expect_equal(scores$auroc, as.vector(py_auroc), tolerance = 1e-12)
  expect_error(dgi_score_explanations(res, sim$truth, score = "nope"), "lacks the column")
  expect_error(dgi_score_explanations(res, data.frame(seq_id = "a")), "`truth`")
})
