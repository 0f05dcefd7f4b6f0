# deepG's multi-input models. deepG's own integrated_gradients() handles a list of one-hot
# inputs (create_model_lstm_cnn_multi_input, create_model_lstm_cnn_target_middle): every
# input is interpolated from its baseline, one matrix per input; the drop-in must give the
# same. deepG fails on label_input models (2D label input), so there they are checked by
# completeness and against the model itself, through dgi_integrated_gradients() with
# other_inputs.

multi_input_model <- function() {
  if (is.null(.deepg_models$multi_input)) {
    .deepg_models$multi_input <- create_model_lstm_cnn_multi_input(
      maxlen = 50, samples_per_target = 3, kernel_size = 6, filters = 8, pool_size = 2,
      layer_dense = 2, aggregation_method = "sum", verbose = FALSE, model_seed = 1)
  }
  .deepg_models$multi_input
}

target_middle_model <- function() {
  if (is.null(.deepg_models$target_middle)) {
    .deepg_models$target_middle <- create_model_lstm_cnn_target_middle(
      maxlen = 50, layer_lstm = 8, layer_dense = 4, verbose = FALSE, model_seed = 1)
  }
  .deepg_models$target_middle
}

label_input_model <- function() {
  if (is.null(.deepg_models$label_input)) {
    .deepg_models$label_input <- create_model_lstm_cnn(
      maxlen = 60, kernel_size = 6, filters = 8, pool_size = 3, layer_dense = 3,
      label_input = 3, verbose = FALSE, model_seed = 1)
  }
  .deepg_models$label_input
}

test_that("the drop-in matches deepG on a multi-input set model, one matrix per input", {
  skip_if_no_deepg_stack()
  model <- multi_input_model()
  expect_length(model$inputs, 3)
  xs <- lapply(1:3, function(k) random_onehot(50, seed = 30 + k))
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 2, model = model)
  expect_length(theirs, 3)
  expect_equal(dim(as.array(theirs[[1]])), c(50L, 4L))

  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 2, model = model)
  expect_type(ours, "list")
  expect_length(ours, 3)
  for (i in 1:3) expect_matches_deepg(ours[[i]], theirs[[i]])
  expect_equal(colnames(ours[[3]]), c("A", "C", "G", "T"))

  # random baselines: deepG's draws, input by input, after the same set.seed()
  set.seed(5)
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 1, model = model,
                                 baseline_type = "shuffle", m_steps = 20)
  set.seed(5)
  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 1, model = model,
                                         baseline_type = "shuffle", m_steps = 20)
  for (i in 1:3) expect_matches_deepg(ours[[i]], theirs[[i]])

  # repeated baselines: deepG stacks the lists into one c(3, 50, 4) tensor; so do we
  set.seed(6)
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 2, model = model,
                                 baseline_type = "shuffle", m_steps = 10,
                                 num_baseline_repeats = 2)
  set.seed(6)
  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 2, model = model,
                                         baseline_type = "shuffle", m_steps = 10,
                                         num_baseline_repeats = 2)
  theirs <- as.array(theirs)
  expect_equal(dim(ours), dim(theirs))
  expect_lt(rel_diff(ours, theirs), REL_TOL)

  # pred_stepwise: deepG's one-point-at-a-time path for lists
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 2, model = model,
                                 m_steps = 10, pred_stepwise = TRUE)
  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 2, model = model,
                                         m_steps = 10, pred_stepwise = TRUE)
  for (i in 1:3) expect_matches_deepg(ours[[i]], theirs[[i]])

  # the tidy functions: a sequence is the three samples concatenated (deepG's
  # multi_input layout); completeness over all inputs together
  dna <- stats::setNames(random_dna(2, 150, seed = 3), c("a", "b"))
  res <- dgi_integrated_gradients(model, dna, target = 2, input_index = "all", table = "all")
  expect_equal(range(res$per_locus$position), c(1L, 150L))
  expect_true(all(abs(res$summary$delta) < 0.01))
  # ... and they agree with deepG on each sample
  theirs <- integrated_gradients(
    input_seq = lapply(0:2, function(k) dna_to_onehot(substr(dna[["a"]], 50 * k + 1, 50 * k + 50))),
    target_class_idx = 2, model = model)
  mat <- attribution_matrix(res$attribution[res$attribution$seq_id == "a", ])
  for (k in 1:3) expect_matches_deepg(mat[50 * (k - 1) + 1:50, ], theirs[[k]])
})

test_that("the drop-in matches deepG on a target-middle model (two inputs)", {
  skip_if_no_deepg_stack()
  model <- target_middle_model()
  expect_length(model$inputs, 2)
  xs <- list(random_onehot(25, seed = 41), random_onehot(25, seed = 42))
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 3, model = model)
  expect_length(theirs, 2)

  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 3, model = model)
  expect_length(ours, 2)
  for (i in 1:2) expect_matches_deepg(ours[[i]], theirs[[i]])

  # the tidy functions with deepG's target_middle_lstm layout: one sequence of 51 bases,
  # input 1 = bases 1..25, base 26 predicted, input 2 = bases 51..27 (reversed)
  dna <- random_dna(1, 51, seed = 43)
  res <- dgi_integrated_gradients(model, dna, target = 3, input_index = "target_middle",
                                  table = "all")
  expect_equal(nrow(res$per_locus), 51L)
  expect_equal(res$per_locus$score_sum[26], 0)
  expect_lt(abs(res$summary$delta), 0.01)
  x <- dna_to_onehot(dna)
  left <- x[, 1:25, , drop = FALSE]
  right <- x[, 51:27, , drop = FALSE]
  theirs <- integrated_gradients(input_seq = list(left, right), target_class_idx = 3,
                                 model = model)
  mat <- attribution_matrix(res$attribution)
  expect_matches_deepg(mat[1:25, ], theirs[[1]])
  expect_matches_deepg(mat[51:27, ], theirs[[2]])
})

test_that("a label_input model is explained with other_inputs (deepG's IG cannot)", {
  skip_if_no_deepg_stack()
  model <- label_input_model()
  expect_equal(unlist(model$inputs[[1]]$shape$as_list()), 3L)
  expect_equal(unlist(model$inputs[[2]]$shape$as_list()), c(60L, 4L))
  x <- random_onehot(60, seed = 51)
  label <- c(0, 1, 0)
  # deepG's own integrated_gradients() fails on the 2D label input
  expect_error(suppressWarnings(integrated_gradients(
    input_seq = list(matrix(label, 1), x), target_class_idx = 2, model = model)))

  # ours, without the label: an R error naming the inputs in R terms
  err <- expect_error(dgi_integrated_gradients(model, x, target = 2),
                      class = "dgi_argument_error")
  msg <- conditionMessage(err)
  expect_match(msg, "input 1 `[^`]+`, shape \\(NULL, 3\\) <- needs a value")
  expect_match(msg, "input 2 `[^`]+`, shape \\(NULL, 60, 4\\) \\(explained\\)")
  expect_match(msg, "other_inputs = list(c(<3 numbers>), NULL)", fixed = TRUE)
  # the drop-in refuses it the same way deepG does, and says what to use instead
  expect_error(dgi_integrated_gradients_deepg(input_seq = list(matrix(label, 1), x),
                                              target_class_idx = 2, model = model),
               "not a one-hot sequence input")

  res <- dgi_integrated_gradients(model, x, target = 2, other_inputs = list(label, NULL),
                                  steps = 100, table = "all")
  expect_equal(nrow(res$attribution), 60 * 4)
  # completeness, and F(x) is the model on (label, x)
  expect_lt(abs(res$summary$delta), 0.01)
  f <- as.array(model(list(tensorflow::tf$constant(matrix(label, 1), dtype = "float32"),
                           tensorflow::tf$constant(x, dtype = "float32"))))
  expect_equal(res$summary$f_input, f[1, 2], tolerance = 1e-5)
  # the baseline keeps the label: F(label, zeros)
  f0 <- as.array(model(list(tensorflow::tf$constant(matrix(label, 1), dtype = "float32"),
                            tensorflow::tf$zeros(c(1L, 60L, 4L)))))
  expect_equal(res$summary$f_baseline, f0[1, 2], tolerance = 1e-5)
  # another label changes the explanation
  other <- dgi_integrated_gradients(model, x, target = 2, other_inputs = list(c(1, 0, 0), NULL))
  expect_false(isTRUE(all.equal(other$score, res$attribution$score)))
  # a handle with the label and 1-based input_index
  handle <- dgi_load_model(model, input_index = 2, other_inputs = list(label, NULL))
  sal <- dgi_saliency(handle, x, target = 2)
  expect_equal(nrow(sal), 60 * 4)
})
