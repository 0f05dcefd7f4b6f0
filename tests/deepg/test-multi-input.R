# deepG's multi-input and set models. deepG's own integrated_gradients() handles a list of
# one-hot inputs (create_model_lstm_cnn_multi_input, create_model_lstm_cnn_target_middle);
# it fails on label_input models (2D label input) and on time-distributed set models
# (4D input), so there is no deepG reference for those.

test_that("deepG's integrated_gradients() explains a multi-input set model, one matrix per input", {
  skip_if_no_deepg_stack()
  model <- create_model_lstm_cnn_multi_input(
    maxlen = 50, samples_per_target = 3, kernel_size = 6, filters = 8, pool_size = 2,
    layer_dense = 2, aggregation_method = "sum", verbose = FALSE, model_seed = 1)
  expect_length(model$inputs, 3)
  xs <- lapply(1:3, function(k) random_onehot(50, seed = 30 + k))
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 2, model = model)
  expect_length(theirs, 3)
  expect_equal(dim(as.array(theirs[[1]])), c(50L, 4L))

  skip(paste(
    "not supported yet: dgi_integrated_gradients_deepg() rejects list input_seq",
    "(\"`input_seq` is a list (a multi-input model); the drop-in explains single-input models.\")"
  ))
  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 2, model = model)
  expect_length(ours, 3)
  for (i in 1:3) expect_matches_deepg(ours[[i]], theirs[[i]])
})

test_that("deepG's integrated_gradients() explains a target-middle model (two inputs)", {
  skip_if_no_deepg_stack()
  model <- create_model_lstm_cnn_target_middle(maxlen = 50, layer_lstm = 8, layer_dense = 4,
                                               verbose = FALSE, model_seed = 1)
  expect_length(model$inputs, 2)
  xs <- list(random_onehot(25, seed = 41), random_onehot(25, seed = 42))
  theirs <- integrated_gradients(input_seq = xs, target_class_idx = 3, model = model)
  expect_length(theirs, 2)

  skip(paste(
    "not supported yet: dgi_integrated_gradients_deepg() rejects list input_seq",
    "(\"`input_seq` is a list (a multi-input model); the drop-in explains single-input models.\")"
  ))
  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 3, model = model)
  expect_length(ours, 2)
  for (i in 1:2) expect_matches_deepg(ours[[i]], theirs[[i]])
})
