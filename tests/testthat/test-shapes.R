# Inputs beyond c(n, maxlen, 4): deepG's set models (4-D arrays), windowed genomes
# (tables in genome positions, windows stitched), variable-length models.

# A linear set model (None, members, maxlen, 4): F(x) = sum(W * x) + 0.1, so Integrated
# Gradients from a zero baseline is exactly x * W. Returns the model and W as an R
# array c(members, maxlen, 4).
linear_set_model <- function(members = 3L, maxlen = 10L, seed = 1) {
  keras <- keras_module()
  inp <- keras$Input(shape = c(members, maxlen, 4L))
  out <- keras$layers$Dense(1L)(keras$layers$Flatten()(inp))
  model <- keras$Model(inp, out)
  w <- withr::with_seed(seed, stats::rnorm(members * maxlen * 4))
  model$layers[[3]]$set_weights(list(
    reticulate::np_array(matrix(w, ncol = 1), dtype = "float32"),
    reticulate::np_array(0.1, dtype = "float32")$reshape(1L)
  ))
  # Flatten runs in C order over (members, maxlen, 4): channel fastest
  w_arr <- aperm(array(w, dim = c(4L, maxlen, members)), c(3L, 2L, 1L))
  list(model = model, w = w_arr)
}

linear_model_r <- function(maxlen = 10L, seed = 2) {
  keras <- keras_module()
  inp <- keras$Input(shape = c(maxlen, 4L))
  out <- keras$layers$Dense(1L)(keras$layers$Flatten()(inp))
  model <- keras$Model(inp, out)
  w <- withr::with_seed(seed, stats::rnorm(maxlen * 4))
  model$layers[[3]]$set_weights(list(
    reticulate::np_array(matrix(w, ncol = 1), dtype = "float32"),
    reticulate::np_array(0.3, dtype = "float32")$reshape(1L)
  ))
  model
}

set_array <- function(n, members, maxlen, seed = 1) {
  x <- array(0, dim = c(n, members, maxlen, 4L))
  idx <- withr::with_seed(seed, sample(1:4, n * members * maxlen, replace = TRUE))
  cells <- as.matrix(expand.grid(i = seq_len(n), m = seq_len(members), p = seq_len(maxlen)))
  x[cbind(cells, idx)] <- 1
  x
}

test_that("set models take deepG's 4-D arrays; tables say which member a position is in", {
  skip_if_no_engine()
  lin <- linear_set_model()
  x <- set_array(2L, 3L, 10L, seed = 3)
  res <- dgi_integrated_gradients(lin$model, x, target = 1, steps = 4, table = "all")
  att <- res$attribution
  expect_named(att, c("seq_id", "position", "base", "score", "observed", "member",
                      "member_position"))
  expect_type(att$member, "integer")
  expect_type(att$member_position, "integer")
  expect_equal(range(att$position), c(1L, 30L))
  expect_equal(att$member, (att$position - 1L) %/% 10L + 1L)
  expect_equal(att$member_position, (att$position - 1L) %% 10L + 1L)
  # every score is x * W at (member, member_position, base)
  i <- match(att$seq_id, c("seq_1", "seq_2"))
  cell <- cbind(att$member, att$member_position, as.integer(att$base))
  expect_equal(att$score, x[cbind(i, cell)] * lin$w[cell], tolerance = 1e-5)
  expect_equal(sum(att$observed), 2 * 30)
  expect_equal(names(res$per_locus)[8:9], c("member", "member_position"))
  # completeness
  sm <- res$summary
  # f is a float32 sum of 120 terms: its noise is 1e-7 of their magnitudes, not of f
  expect_close(sm$ig_sum, sm$f_input - sm$f_baseline,
               scale = max(tapply(abs(att$score), att$seq_id, sum)))
  expect_equal(sm$f_baseline, c(0.1, 0.1), tolerance = 1e-6)
  # the per-locus plot marks where members start
  p <- dgi_plot_per_locus(res, k = 3)
  expect_silent(b <- ggplot2::ggplot_build(p))
  expect_true(any(vapply(p$layers, function(l) inherits(l$geom, "GeomVline"), logical(1))))
})

test_that("the drop-in explains a set model on dim c(1, samples, maxlen, 4)", {
  skip_if_no_engine()
  lin <- linear_set_model()
  x <- set_array(1L, 3L, 10L, seed = 4)
  ig <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1, model = lin$model)
  expect_equal(dim(ig), c(3L, 10L, 4L))
  expect_equal(dimnames(ig)[[3]], c("A", "C", "G", "T"))
  expect_equal(unname(ig), x[1, , , ] * lin$w, tolerance = 1e-5)
  # random baselines run (positions of each member shuffled)
  set.seed(1)
  sh <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1, model = lin$model,
                                       baseline_type = "shuffle", num_baseline_repeats = 2)
  expect_equal(dim(sh), c(3L, 10L, 4L))
  un <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1, model = lin$model,
                                       baseline_type = "unif", m_steps = 5)
  expect_equal(dim(un), c(3L, 10L, 4L))
  # 4-D arrays are for set models only; the members must match the model
  expect_error(dgi_integrated_gradients(test_model(), array(0, dim = c(1, 2, 25, 4)), target = 1),
               "set \\(time-distributed\\) models")
  expect_error(dgi_integrated_gradients_deepg(input_seq = array(0, dim = c(1, 2, 25, 4)),
                                              target_class_idx = 1, model = test_model()),
               "set of sequences")
  expect_error(dgi_integrated_gradients(lin$model, set_array(1L, 2L, 10L), target = 1),
               "expects dim c\\(n, 3, 10, 4\\)")
  # strings of samples * maxlen bases are cut into the members, as the array
  dna <- random_dna(1, 30, seed = 9)
  from_string <- dgi_gradient_x_input(lin$model, dna, target = 1)
  from_array <- dgi_gradient_x_input(lin$model, aperm(array(one_hot(dna), dim = c(1, 10, 3, 4)),
                                                      c(1, 3, 2, 4)), target = 1)
  expect_close(from_string, from_array, scale = 0)
})

test_that("windowed genomes keep the sequence id and genome positions, windows stitched", {
  skip_if_no_engine()
  model <- linear_model_r()
  dna <- c(chr = random_dna(1, 25, seed = 5), plasmid = random_dna(1, 10, seed = 6))
  res <- dgi_integrated_gradients(model, dna, target = 1, steps = 2, window_step = 5,
                                  table = "all")
  att <- res$attribution
  expect_named(att, c("seq_id", "position", "base", "score", "observed", "n_windows"))
  expect_equal(unique(att$seq_id), c("chr", "plasmid"))
  expect_equal(unique(att$position[att$seq_id == "chr"]), 1:25)
  expect_type(att$n_windows, "integer")
  chr_windows <- att$n_windows[att$seq_id == "chr" & att$base == "A"]
  expect_equal(chr_windows, c(rep(1L, 5), rep(2L, 15), rep(1L, 5)))

  pl <- res$per_locus
  expect_named(pl, c("seq_id", "position", "ref_base", "score_sum", "score_abs_sum",
                     "score_ref", "max_base", "n_windows"))
  expect_false(anyDuplicated(pl[c("seq_id", "position")]) > 0)
  expect_equal(nrow(pl), 25 + 10)
  expect_equal(paste(pl$ref_base[pl$seq_id == "chr"], collapse = ""), unname(dna["chr"]))
  # the per-locus table is the attribution table summed per position (same rule)
  again <- dgi_per_locus(att)
  attr(again, "settings") <- attr(pl, "settings")
  expect_equal(again, pl, tolerance = 1e-12)

  sm <- res$summary
  expect_named(sm, c("seq_id", "window", "start", "end", "target", "baseline", "steps",
                     "f_input", "f_baseline", "ig_sum", "delta"))
  expect_equal(sm$seq_id, c(rep("chr", 4), "plasmid"))
  expect_equal(sm$window, c(1:4, 1L))
  expect_equal(sm$start, c(1L, 6L, 11L, 16L, 1L))
  expect_equal(sm$end, c(10L, 15L, 20L, 25L, 10L))
  expect_lt(max(abs(sm$delta)), 1e-4)
})

test_that("dgi_plot_per_locus draws one panel per source sequence", {
  skip_if_no_engine()
  model <- linear_model_r()
  dna <- c(chr = random_dna(1, 40, seed = 7), plasmid = random_dna(1, 20, seed = 8))
  res <- dgi_saliency(model, dna, target = 1, window_step = 5, table = "all")
  p <- dgi_plot_per_locus(res, k = 3)
  b <- ggplot2::ggplot_build(p)
  expect_equal(length(unique(b$layout$layout$PANEL)), 2L)
  expect_equal(as.character(b$layout$layout$seq_id), c("chr", "plasmid"))
  expect_equal(nrow(b$data[[2]]), 40 + 20) # one point per genome position
  # a table with one row per window (e.g. built by hand) is stitched the same way
  pl <- res$per_locus
  per_window <- rbind(cbind(pl, window = 1L), cbind(pl, window = 2L))
  per_window$score_sum[per_window$window == 2L] <- per_window$score_sum[per_window$window == 2L] + 2
  p2 <- dgi_plot_per_locus(per_window, k = 3)
  b2 <- ggplot2::ggplot_build(p2)
  expect_equal(length(unique(b2$layout$layout$PANEL)), 2L)
  expect_equal(b2$data[[2]]$y, b$data[[2]]$y + 1, tolerance = 1e-12)
})

test_that("variable-length models take sequences of different lengths in one call", {
  skip_if_no_engine()
  keras <- keras_module()
  keras$utils$set_random_seed(4L)
  inp <- keras$Input(shape = list(NULL, 4L))
  h <- keras$layers$Conv1D(4L, 3L, activation = "relu")(inp)
  out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$GlobalAveragePooling1D()(h))
  model <- keras$Model(inp, out)
  dna <- c(a = random_dna(1, 12, seed = 1), b = random_dna(1, 20, seed = 2),
           c = random_dna(1, 16, seed = 3))
  res <- dgi_integrated_gradients(model, dna, target = 2, steps = 10, table = "all")
  expect_equal(res$summary$seq_id, c("a", "b", "c"))
  expect_equal(as.vector(table(res$per_locus$seq_id)[c("a", "b", "c")]), c(12L, 20L, 16L))
  for (id in names(dna)) {
    alone <- dgi_integrated_gradients(model, dna[id], target = 2, steps = 10, table = "all")
    for (tab in names(alone)) {
      part <- res[[tab]][res[[tab]]$seq_id == id, , drop = FALSE]
      rownames(part) <- NULL
      attr(part, "settings") <- attr(alone[[tab]], "settings")
      # scores on their own scale; the summary's f_input, ig_sum, delta on probabilities
      expect_close(part, alone[[tab]], scale = if (tab == "summary") 1 else 0)
    }
  }
})
