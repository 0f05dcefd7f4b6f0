# deepG's set (time-distributed) models, create_model_lstm_cnn_time_dist(): input
# (None, samples_per_target, maxlen, 4). deepG's own integrated_gradients() fails on
# them (it multiplies the 4-D input by 3-D path gradients), so the reference here is
# completeness: with a zero baseline the scores sum to f(x) - f(0).

set_onehot <- function(samples, maxlen, seed) {
  idx <- withr::with_seed(seed, sample(1:4, samples * maxlen, replace = TRUE))
  x <- array(0, dim = c(1L, samples, maxlen, 4L))
  cells <- as.matrix(expand.grid(b = 1L, m = seq_len(samples), p = seq_len(maxlen)))
  x[cbind(cells, idx)] <- 1
  x
}

set_models <- list(
  cnn_sum = function() create_model_lstm_cnn_time_dist(
    maxlen = 50, samples_per_target = 3, kernel_size = c(6, 6), filters = c(8, 8),
    pool_size = c(2, 2), layer_dense = 2, aggregation_method = "sum", verbose = FALSE,
    model_seed = 1),
  cnn_lstm_time_dist = function() create_model_lstm_cnn_time_dist(
    maxlen = 50, samples_per_target = 3, kernel_size = 6, filters = 8, pool_size = 2,
    layer_dense = 2, lstm_time_dist = 8, verbose = FALSE, model_seed = 1)
)

for (kind in names(set_models)) {
  test_that(paste0("IG explains deepG's time-distributed set model (", kind, ") on dim c(1, 3, 50, 4)"), {
    skip_if_no_deepg_stack()
    model <- set_models[[kind]]()
    expect_equal(unlist(model$input_shape), c(3L, 50L, 4L))
    x <- set_onehot(3L, 50L, seed = 21)
    target <- 2L
    f_x <- predict(model, x, verbose = 0)[1, target]
    f_0 <- predict(model, array(0, dim = dim(x)), verbose = 0)[1, target]
    gap <- abs(f_x - f_0)

    # deepG's own integrated_gradients() cannot: there is no deepG reference
    expect_error(integrated_gradients(input_seq = x, target_class_idx = target, model = model))

    # the drop-in: one maxlen x 4 slice per set member, scores summing to f(x) - f(0)
    ours <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = target,
                                           model = model, m_steps = 50)
    expect_equal(dim(ours), c(3L, 50L, 4L))
    expect_equal(dimnames(ours)[[3]], c("A", "C", "G", "T"))
    expect_gt(max(abs(ours)), 0)
    expect_true(all(ours[x[1, , , ] == 0] == 0)) # zero baseline: only observed bases score
    expect_lt(abs(sum(ours) - (f_x - f_0)), 0.05 * gap + 1e-4)

    # the tidy function on the same array: member columns, the same numbers, completeness
    res <- dgi_integrated_gradients(model, x, target = target, steps = 50, table = "all")
    att <- res$attribution
    expect_named(att, c(ATTRIBUTION_COLS, "member", "member_position"))
    expect_equal(range(att$position), c(1L, 150L))
    expect_equal(att$member, (att$position - 1L) %/% 50L + 1L)
    expect_equal(att$member_position, (att$position - 1L) %% 50L + 1L)
    cell <- cbind(att$member, att$member_position, as.integer(att$base))
    expect_lt(max(abs(att$score - ours[cell])), 1e-5 * max(abs(ours)))
    sm <- res$summary
    expect_named(sm, IG_SUMMARY_COLS)
    expect_equal(sm$f_input, f_x, tolerance = 1e-5)
    expect_equal(sm$f_baseline, f_0, tolerance = 1e-5)
    expect_close(sm$ig_sum, sum(att$score)) # about f(x) - f(0): scale 1, not the gap
    expect_lt(abs(sm$delta), 0.05 * gap + 1e-4)
    # more steps close the completeness gap further
    fine <- dgi_integrated_gradients(model, x, target = target, steps = 400,
                                     method = "gauss_legendre", table = "summary")
    expect_lt(abs(fine$delta), 0.01 * gap + 1e-5)

    pl <- res$per_locus
    expect_named(pl, c(PER_LOCUS_COLS, "member", "member_position"))
    expect_equal(nrow(pl), 150L)
  })
}
