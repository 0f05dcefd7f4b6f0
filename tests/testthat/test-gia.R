# Global Importance Analysis from R: a hand-set motif detector (Conv1D whose filter is
# the motif's one-hot, global max pool, dense) where the answer is known by embedding
# by hand and calling predict(); tables, 1-based targets, errors in R terms.

gia_detector <- function(motif = "TGCATG", maxlen = 30L) {
  if (is.null(.test_cache$gia_detector)) {
    keras <- keras_module()
    w <- nchar(motif)
    inp <- keras$Input(shape = c(maxlen, 4L))
    conv <- keras$layers$Conv1D(1L, as.integer(w), use_bias = FALSE)
    pooled <- keras$layers$GlobalMaxPooling1D()(conv(inp))
    dense <- keras$layers$Dense(2L, activation = "softmax")
    model <- keras$Model(inp, dense(pooled))
    filt <- one_hot(motif)[1, , ] - 0.25
    np <- reticulate::import("numpy", convert = FALSE)
    conv$set_weights(list(np$asarray(array(filt, c(w, 4L, 1L)), dtype = "float32")))
    dense$set_weights(list(np$asarray(matrix(c(-1, 1), 1L), dtype = "float32"),
                           np$zeros(2L, dtype = "float32")))
    .test_cache$gia_detector <- model
  }
  .test_cache$gia_detector
}

test_that("dgi_global_importance equals embedding by hand and predicting", {
  skip_if_no_engine()
  model <- gia_detector()
  bg <- one_hot(random_dna(12, 30, seed = 3))
  res <- dgi_global_importance(model, target = 2, patterns = c(motif = "TGCATG"),
                               positions = c(4, 20), background = bg, table = "all")
  expect_named(res, c("global", "local"))
  g <- res$global
  expect_identical(class(g), "data.frame")
  expect_named(g, c("experiment", "pattern", "position", "global_importance", "sd", "ci_low",
                    "ci_high", "n"))
  expect_type(g$position, "integer")
  expect_type(g$n, "integer")
  expect_equal(g$pattern, c("motif", "motif"))
  expect_equal(attr(g, "settings")$target, 2L)
  local <- res$local
  expect_named(local, c("experiment", "pattern", "position", "background_id", "f_background",
                        "f_embedded", "effect"))
  np <- reticulate::import("numpy", convert = FALSE)
  predict2 <- function(x) {
    model$predict(np$asarray(x, dtype = "float32"), verbose = 0L)[, 2]
  }
  f_bg <- predict2(bg)
  for (pos in c(4, 20)) {
    emb <- bg
    emb[, pos:(pos + 5), ] <- rep(one_hot("TGCATG")[1, , ], each = 12)
    f_emb <- predict2(emb)
    rows <- local[local$position == pos, ]
    expect_equal(rows$background_id, 1:12)
    expect_close(rows$f_background, f_bg)
    expect_close(rows$f_embedded, f_emb)
    effect <- f_emb - f_bg
    row <- g[g$position == pos, ]
    # effects are differences of probabilities: their noise is 1e-7 of 1, not of the effect
    expect_close(row$global_importance, mean(effect))
    expect_close(row$sd, sd(effect))
    half <- stats::qt(0.975, 11) * sd(effect) / sqrt(12)
    expect_close(row$ci_high, mean(effect) + half)
  }
})

test_that("GIA experiments return their tables and plots", {
  skip_if_no_engine()
  model <- gia_detector()
  top <- dgi_gia_kmer_scan(model, 2, k = 3, position = 10, n_backgrounds = 4, seed = 1, top = 5)
  expect_equal(top$rank, 1:5)
  expect_true(grepl(top$pattern[1], "TGCATG", fixed = TRUE))  # a piece of the motif
  logo <- dgi_gia_variant_scan(model, 2, "TGCATG", position = 10, n_backgrounds = 10, seed = 1)
  expect_named(logo, c("pattern", "variant_position", "base", "global_importance", "delta",
                       "is_reference"))
  best <- logo[order(-logo$global_importance), ]
  best <- best[!duplicated(best$variant_position), ]
  expect_true(all(best$is_reference))  # the motif's own base is best at every position
  fit <- dgi_gia_multiplicity(model, 2, "TGCATG", positions = c(1, 10, 20), n_backgrounds = 10,
                              seed = 1)
  expect_named(fit, c("experiment", "pattern", "slope", "intercept", "r2", "n_points"))
  inter <- dgi_gia_interaction(model, 2, "TGCATG", "TGCATG", position_a = 1, positions_b = 20,
                               n_backgrounds = 10, seed = 1, output = "logit")
  expect_lt(inter$interaction, 0)  # max pooling: two copies are worth one
  scan <- dgi_gia_position_scan(model, 2, "TGCATG", positions = c(1, 10), n_backgrounds = 5,
                                seed = 1, table = "all")
  expect_s3_class(dgi_plot_gia(scan), "ggplot")
  expect_s3_class(dgi_plot_gia_curve(scan), "ggplot")
  expect_s3_class(dgi_plot_gia_logo(logo, engine = "ggplot2"), "ggplot")
  gc <- dgi_gia_gc_flanks(model, 2, "TGCATG", position = 10, flank = 3, gc_levels = c(0, 1),
                          n_backgrounds = 4, seed = 1)
  expect_equal(gc$with_pattern, c(TRUE, FALSE, TRUE, FALSE, TRUE))
  sp <- dgi_gia_spacing(model, 2, "TGC", "ATG", position_a = 1, spacings = c(0, 2),
                        n_backgrounds = 4, seed = 1)
  expect_equal(sp$position_b, c(4L, 6L))
  set.seed(5)
  a <- dgi_gia_position_scan(model, 2, "TGCATG", positions = 5, n_backgrounds = 5)
  set.seed(5)
  b <- dgi_gia_position_scan(model, 2, "TGCATG", positions = 5, n_backgrounds = 5)
  expect_equal(a$global_importance, b$global_importance)
})

test_that("bad GIA input gives R errors that name the argument", {
  skip_if_no_engine()
  model <- gia_detector()
  expect_error(dgi_global_importance(model, 2, "TGCXTG", 1, n_backgrounds = 2),
               class = "dgi_error", regexp = "patterns")
  expect_error(dgi_global_importance(model, 2, strrep("A", 31), 1, n_backgrounds = 2),
               regexp = "longer than the sequences")
  expect_error(dgi_global_importance(model, 2, "TGCATG", 30, n_backgrounds = 2),
               regexp = "out of range")
  expect_error(dgi_global_importance(model, 2, "TGCATG", 0, n_backgrounds = 2),
               class = "dgi_error", regexp = "positions")
  expect_error(dgi_global_importance(model, 2, "TGCATG", 1, n_backgrounds = 0),
               class = "dgi_error", regexp = "n_backgrounds")
  expect_error(dgi_global_importance(model, 0, "TGCATG", 1, n_backgrounds = 2),
               class = "dgi_error", regexp = "1-based")
  expect_error(dgi_gia_kmer_scan(model, 2, k = 9, position = 1, n_backgrounds = 4,
                                 memory_budget = "8M"), regexp = "k = 9")
  expect_error(dgi_global_importance(model, 2, "TGCATG", 1, background = "profile",
                                     n_backgrounds = 2), class = "dgi_error",
               regexp = "background")
})
