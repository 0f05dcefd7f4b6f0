# Class optimization and motif matching from R: a hand-set GATA detector (Conv1D
# filter = +1 on the motif's bases, -1/3 elsewhere, global max pool, Dense) is
# maximized by any input holding the motif, so the consensus must be the motif.

gata_detector <- function(motif = "AGATAAGA", maxlen = 16L) {
  keras <- keras_module()
  np <- reticulate::import("numpy", convert = FALSE)
  w <- nchar(motif)
  inp <- keras$Input(shape = c(maxlen, 4L))
  conv <- keras$layers$Conv1D(1L, as.integer(w), name = "filter")(inp)
  out <- keras$layers$Dense(1L, activation = "sigmoid", name = "head")(
    keras$layers$GlobalMaxPooling1D()(conv))
  model <- keras$Model(inp, out)
  kernel <- array(-1 / 3, dim = c(w, 4L, 1L))
  bases <- match(strsplit(motif, "")[[1]], c("A", "C", "G", "T"))
  for (i in seq_len(w)) kernel[i, bases[i], 1L] <- 1
  model$get_layer("filter")$set_weights(list(np$array(kernel, dtype = "float32"),
                                             np$zeros(1L, dtype = "float32")))
  model$get_layer("head")$set_weights(list(np$ones(c(1L, 1L), dtype = "float32"),
                                           np$array(list(-w / 2), dtype = "float32")))
  model
}

test_that("the best window of a hand-set detector is its motif, and JASPAR names it", {
  skip_if_no_engine()
  model <- gata_detector()
  res <- dgi_class_optimization(model, target = 1, restarts = 2, steps = 80, width = 8,
                                seed = 1)
  expect_identical(res$consensus, "AGATAAGA")
  expect_named(res$pwm, c("restart", "position", "base", "probability"))
  expect_type(res$pwm$restart, "integer")
  expect_s3_class(res$pwm$base, "factor")
  expect_equal(nrow(res$pwm), 2 * 16 * 4)
  expect_equal(unname(tapply(res$pwm$probability, list(res$pwm$restart, res$pwm$position), sum)),
               matrix(1, 2, 16), ignore_attr = TRUE)
  expect_equal(nrow(res$trace), 2 * 80)
  expect_equal(max(res$summary$f_consensus), 4, tolerance = 1e-4) # w / 2 at the optimum
  expect_equal(attr(res$pwm, "settings")$parametrization, "l2")

  hits <- dgi_match_motifs(res, extra = list(planted = "AGATAAGA"))
  expect_identical(names(hits)[1:7],
                   c("motif_id", "name", "offset", "strand", "score", "p_value", "q_value"))
  # JASPAR's GATA matrices (TRPS1, Gata3, GATA6, ...) are softer than a one-hot string,
  # so they sit closer to the smoothed query than the planted string itself: the planted
  # motif ranks among the first few, and every JASPAR hit above it is a GATA factor.
  rank <- match("planted", hits$name)
  expect_lte(rank, 5L)
  expect_lt(hits$p_value[rank], 1e-3)
  expect_true(all(grepl("GATA|TRPS1", toupper(hits$name[seq_len(rank - 1L)]))))
  jaspar <- hits[hits$source != "extra", ]
  expect_gte(sum(grepl("GATA", toupper(jaspar$name[1:5]))), 2)
  # best first on p to 4 significant digits (the engine's ranking key, core.decisions):
  # closer p-values tie, so float noise cannot reorder them, and go by score
  expect_false(is.unsorted(as.numeric(sprintf("%.3e", hits$p_value))))

  p <- dgi_plot_pwm(res)
  expect_s3_class(p, "ggplot")
})

test_that("a large lambda shrinks the PWM towards uniform", {
  skip_if_no_engine()
  res <- dgi_class_optimization(gata_detector(), target = 1, restarts = 1, steps = 40,
                                l2 = 100, seed = 1)
  expect_lt(max(abs(res$pwm$probability - 0.25)), 0.02)
})

test_that("matching takes matrices, data frames and strings", {
  skip_if_no_engine()
  m <- rbind(c(0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3), diag(4)[c(3, 1, 4, 1, 1, 3, 1), ] * 0.9 + 0.025)
  colnames(m) <- c("A", "C", "G", "T")
  extra <- list(gata = "AGATAAGA", ctcf = "CCACCAGGGGGCGC", tata = "TATAAA")
  expect_warning(dgi_match_motifs(m, database = NULL, extra = extra),
                 class = "dgi_engine_warning")
  from_matrix <- suppressWarnings(dgi_match_motifs(m, database = NULL, extra = extra))
  expect_identical(from_matrix$name[1], "gata")
  df <- data.frame(position = rep(1:8, each = 4), base = rep(c("A", "C", "G", "T"), 8),
                   probability = as.vector(t(m)))
  from_frame <- suppressWarnings(dgi_match_motifs(df, database = NULL, extra = extra))
  expect_equal(from_frame$p_value, from_matrix$p_value)
})

test_that("bad input gives clear errors", {
  skip_if_no_engine()
  model <- gata_detector()
  expect_error(dgi_class_optimization(model, target = 1, l2 = -1), class = "dgi_argument_error")
  expect_error(dgi_class_optimization(model, target = 1, length = 16, width = 20),
               "larger than the optimized window", class = "dgi_error")
  expect_error(dgi_class_optimization(model, target = 1, parametrization = "sigmoid"),
               class = "dgi_argument_error")
  expect_error(dgi_match_motifs("ACGT", database = "jasper"), "unknown", class = "dgi_error")
  bad <- matrix(0.5, 3, 4)
  expect_error(dgi_match_motifs(bad), "rows do not sum to one", class = "dgi_error")
  expect_error(dgi_match_motifs(matrix(0.25, 4, 3)), "4 \\(A, C, G, T\\)",
               class = "dgi_argument_error")
  expect_error(dgi_plot_pwm(bad), "rows do not sum to one", class = "dgi_argument_error")
})
