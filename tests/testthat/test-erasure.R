# Occlusion and evolutionary erasure from R: tables equal the engine's, erasing by
# hand gives the same numbers, planted motifs are found, bad input reads as R errors.

motif_model <- function(motif, length_bp) {
  if (!is.null(.test_cache$motif_model)) return(.test_cache$motif_model)
  keras <- keras_module()
  m <- nchar(motif)
  inp <- keras$Input(shape = list(NULL, 4L))
  conv <- keras$layers$Conv1D(1L, as.integer(m), activation = "relu")
  dense <- keras$layers$Dense(2L, activation = "softmax")
  model <- keras$Model(inp, dense(keras$layers$GlobalAveragePooling1D()(conv(inp))))
  w <- one_hot(motif)[1, , ]
  conv$set_weights(list(array(w, dim = c(m, 4L, 1L)), array(-(m - 1), dim = 1L)))
  dense$set_weights(list(matrix(c(-length_bp / 2, length_bp / 2), nrow = 1),
                         array(c(3, -3), dim = 2L)))
  .test_cache$motif_model <- model
  model
}

planted_genome <- function() {
  motif <- "GATTACACGTCA"
  dna <- random_dna(1, 3000, seed = 7)
  for (p in c(401, 1501, 2601)) substr(dna, p, p + 11) <- motif
  list(dna = unname(dna), motif = motif, starts = c(401, 1501, 2601))
}

test_that("dgi_occlusion equals erasing by hand and predicting", {
  skip_if_no_engine()
  g <- planted_genome()
  model <- motif_model(g$motif, 3000)
  occ <- dgi_occlusion(model, c(g = g$dna), target = 2, window = 500, stride = 500)
  expect_identical(class(occ), "data.frame")
  expect_named(occ, c("seq_id", "start", "end", "f_reference", "f_erased", "drop"))
  expect_type(occ$start, "integer")
  expect_equal(occ$start, seq(1L, 2501L, by = 500L))
  x <- one_hot(g$dna)
  erased <- x[rep(1, nrow(occ)), , , drop = FALSE]
  for (i in seq_len(nrow(occ))) erased[i, occ$start[i]:occ$end[i], ] <- 0
  by_hand <- model$predict(erased, verbose = 0L)[, 2]
  expect_close(occ$f_erased, by_hand)
  expect_equal(occ$drop, occ$f_reference - occ$f_erased)
  # windows holding a motif are the only ones with a drop
  has_motif <- vapply(seq_len(nrow(occ)), function(i) {
    any(g$starts >= occ$start[i] & g$starts + 11 <= occ$end[i])
  }, logical(1))
  expect_true(all(occ$drop[has_motif] > 0.01))
  expect_true(all(abs(occ$drop[!has_motif]) < 1e-6))
  loci <- dgi_occlusion(model, c(g = g$dna), target = 2, window = 500, table = "per_locus")
  expect_named(loci, c("seq_id", "position", "ref_base", "score_sum", "n_occlusions"))
  expect_equal(nrow(loci), 3000L)
  expect_s3_class(dgi_plot_per_locus(loci, k = 10), "ggplot")
})

test_that("dgi_evolutionary_erasure finds the planted motifs, tables match the engine", {
  skip_if_no_engine()
  g <- planted_genome()
  model <- motif_model(g$motif, 3000)
  res <- dgi_evolutionary_erasure(model, g$dna, target = 2, segment_length = 100,
                                  budget = 0.1, generations = 8, restarts = 2, n_null = 20,
                                  seed = 3)
  expect_named(res, c("segments", "history", "summary", "null"))
  expect_named(res$segments, c("run", "start", "end", "frequency"))
  expect_named(res$history, c("run", "generation", "best", "mean"))
  expect_type(res$segments$start, "integer")
  s <- res$summary
  expect_equal(s$target, 2L)
  expect_lte(s$erased_share, 0.1)
  expect_gt(s$best, max(res$null$drop))
  expect_equal(s$p_value, 1 / 21)
  best <- res$segments[res$segments$run == s$best_run, ]
  hit <- vapply(g$starts, function(p) any(best$start <= p + 11 & best$end >= p), logical(1))
  expect_true(all(hit))
  eng <- engine_module()
  py <- eng$evolutionary_erasure(model, g$dna, target = 1L, segment_length = 100L,
                                 budget = 0.1, generations = 8L, restarts = 2L, n_null = 20L,
                                 seed = 3L, progress = FALSE)
  py_segments <- dgi_frame(py$segments_table())
  expect_equal(res$segments$start, as.integer(py_segments$start))
  expect_close(res$summary$best, reticulate::py_to_r(py$best_drop)) # a drop of probabilities
  expect_s3_class(dgi_plot_erasure(res), "ggplot")
  expect_s3_class(dgi_plot_erasure(res$segments, run = 2), "ggplot")
})

test_that("bad input reads as R errors naming the argument", {
  skip_if_no_engine()
  g <- planted_genome()
  model <- motif_model(g$motif, 3000)
  expect_error(dgi_evolutionary_erasure(model, g$dna, target = 2, segment_length = 5000,
                                        n_segments = 1),
               "cannot fit the sequence of 3000")
  expect_error(dgi_evolutionary_erasure(model, g$dna, target = 2, segment_length = 10,
                                        budget = 1.5),
               class = "dgi_argument_error")
  expect_error(dgi_evolutionary_erasure(model, g$dna, target = 2, segment_length = 10,
                                        budget = 0),
               "strictly between 0 and 1")
  expect_error(dgi_evolutionary_erasure(model, g$dna, target = 3, segment_length = 10,
                                        n_segments = 2),
               "out of range")
  expect_error(dgi_evolutionary_erasure(model, g$dna, target = 2, segment_length = 100,
                                        n_segments = 20, budget = 0.1),
               "over budget")
  expect_error(dgi_occlusion(model, g$dna, target = 2, window = 4000), "larger than sequence")
  # a stride past the window would leave bases between windows uncovered
  expect_error(dgi_occlusion(model, g$dna, target = 2, window = 10, stride = 30),
               "stride = 30 > window = 10 leaves bases uncovered.*pass stride <= window",
               class = "dgi_error")
  expect_error(dgi_occlusion(model, g$dna, target = 0, window = 10), "1-based")
  expect_error(dgi_occlusion(model, g$dna, target = 2, window = 10, baseline = "zeros"),
               class = "dgi_error")
})
