# Models with several inputs (deepG's label_input, multi-input set models, target-middle
# language models) and models on integer tokens (deepG's transformers with embed_dim > 0).

# deepG's integrated_gradients() on a list input_seq (R/visualization.R): every input
# interpolated from its baseline with the same alphas; one matrix per input.
deepg_list_reference_code <- "
def deepg_list_ig(model, xs, baselines, m_steps, target_class_idx):
    import tensorflow as tf
    alphas = tf.linspace(start=0.0, stop=1.0, num=m_steps + 1)[:, tf.newaxis, tf.newaxis]
    xs = [tf.constant(x, dtype=tf.float32) for x in xs]
    bs = [tf.constant(b, dtype=tf.float32) for b in baselines]
    paths = [b + alphas * (x - b) for x, b in zip(xs, bs)]
    with tf.GradientTape() as tape:
        tape.watch(paths)
        probs = model(paths)[:, target_class_idx - 1]
    grads = tape.gradient(probs, paths)
    out = []
    for x, p, g in zip(xs, paths, grads):
        avg = tf.math.reduce_mean((g[:-1] + g[1:]) / tf.constant(2.0), axis=0)
        out.append((((x - p[0, :, :]) * avg)[0, :, :]).numpy())
    return out
"

deepg_list_reference <- function(model, xs, target, m_steps = 50, baseline_type = "zero") {
  if (is.null(.test_cache$deepg_list_ig)) {
    env <- reticulate::py_run_string(deepg_list_reference_code, local = TRUE, convert = TRUE)
    .test_cache$deepg_list_ig <- env$deepg_list_ig
  }
  baselines <- lapply(xs, function(x) {
    d <- dim(x)
    switch(baseline_type,
      zero = array(0, dim = d),
      shuffle = array(x[, sample(d[2]), ], dim = d),
      unif = array(stats::runif(prod(d)), dim = d))
  })
  .test_cache$deepg_list_ig(model, xs, baselines, as.integer(m_steps), as.integer(target))
}

# Two one-hot inputs (10 and 6 positions) -> 3 classes.
two_input_model <- function() {
  if (is.null(.test_cache$two_input)) {
    keras <- keras_module()
    keras$utils$set_random_seed(5L)
    a <- keras$Input(shape = c(10L, 4L))
    b <- keras$Input(shape = c(6L, 4L))
    ha <- keras$layers$Flatten()(keras$layers$Conv1D(3L, 3L, activation = "tanh")(a))
    hb <- keras$layers$Flatten()(keras$layers$Conv1D(3L, 3L, activation = "tanh")(b))
    h <- keras$layers$Dense(6L, activation = "tanh")(keras$layers$Concatenate()(list(ha, hb)))
    .test_cache$two_input <- keras$Model(list(a, b),
                                         keras$layers$Dense(3L, activation = "softmax")(h))
  }
  .test_cache$two_input
}

# deepG's create_model_lstm_cnn(label_input = 3): inputs (None, 3), then (None, 30, 4).
label_input_model <- function() {
  if (is.null(.test_cache$label_input)) {
    keras <- keras_module()
    keras$utils$set_random_seed(6L)
    seq_in <- keras$Input(shape = c(30L, 4L))
    label_in <- keras$Input(shape = list(3L))
    h <- keras$layers$Flatten()(keras$layers$Conv1D(4L, 3L, activation = "relu")(seq_in))
    h <- keras$layers$Concatenate()(list(label_in, h))
    .test_cache$label_input <- keras$Model(list(label_in, seq_in),
                                           keras$layers$Dense(2L, activation = "softmax")(h))
  }
  .test_cache$label_input
}

test_that("a label-input model asks for other_inputs in R terms and uses them", {
  skip_if_no_engine()
  model <- label_input_model()
  dna <- random_dna(2, 30, seed = 3)
  err <- expect_error(dgi_integrated_gradients(model, dna, target = 1),
                      class = "dgi_argument_error")
  msg <- conditionMessage(err)
  expect_match(msg, "`other_inputs` is needed", fixed = TRUE)
  expect_match(msg, "input 1 `[^`]+`, shape \\(NULL, 3\\) <- needs a value")
  expect_match(msg, "input 2 `[^`]+`, shape \\(NULL, 30, 4\\) \\(explained\\)")
  expect_match(msg, "other_inputs = list(c(<3 numbers>), NULL)", fixed = TRUE)
  expect_false(grepl("None", msg, fixed = TRUE))

  expect_error(dgi_saliency(model, dna, target = 1, other_inputs = list(c(1, 0), NULL)),
               "`other_inputs\\[\\[1\\]\\]` has length 2 but input 1 .* dim c\\(3\\)")
  expect_error(dgi_saliency(model, dna, target = 1, other_inputs = list(NULL, NULL)),
               "`other_inputs\\[\\[1\\]\\]` is NULL")
  expect_error(dgi_saliency(model, dna, target = 1, other_inputs = list(c(1, 0, 0))),
               "`other_inputs` has 1 entry but the model has 2 inputs")
  expect_error(dgi_saliency(model, dna, target = 1, other_inputs = c(1, 0, 0)),
               "must be a list")
  expect_error(dgi_saliency(model, dna, target = 1, input_index = 0,
                            other_inputs = list(c(1, 0, 0), NULL)),
               "Inputs are numbered from 1 in R")
  expect_error(dgi_saliency(model, dna, target = 1, input_index = 2,
                            other_inputs = list(c(1, 0, 0), array(0, c(30, 4)))),
               "`other_inputs\\[\\[2\\]\\]` must be NULL")

  label <- c(0, 1, 0)
  res <- dgi_integrated_gradients(model, dna, target = 2, other_inputs = list(label, NULL),
                                  table = "all")
  expect_named(res$attribution, c("seq_id", "position", "base", "score", "observed"))
  expect_equal(nrow(res$attribution), 2 * 30 * 4)
  expect_true(all(abs(res$summary$delta) < 1e-2))
  # the same numbers as the engine called directly (0-based input, None)
  eng <- reticulate::import("deepg_interpret")
  np <- reticulate::import("numpy", convert = FALSE)
  adapter <- eng$load_model(model, input_index = 1L,
                            other_inputs = list(np$array(label, dtype = "float32"), NULL))
  direct <- eng$integrated_gradients(adapter, as.list(dna), target = 1L, progress = FALSE)
  expect_close(res$attribution$score, as.vector(aperm(direct$attributions, c(3, 2, 1))),
               scale = 0)
  # input_index = 2 and the label as deepG's generator gives it (a 1 x 3 matrix)
  same <- dgi_integrated_gradients(model, dna, target = 2, input_index = 2,
                                   other_inputs = list(matrix(label, 1), NULL))
  expect_close(same$score, res$attribution$score, scale = 0)
  # a loaded handle keeps the fixed label; print says so
  handle <- dgi_load_model(model, other_inputs = list(label, NULL))
  expect_close(dgi_gradient_x_input(handle, dna, target = 2)$score,
               dgi_gradient_x_input(model, dna, target = 2,
                                    other_inputs = list(label, NULL))$score, scale = 0)
  expect_output(print(handle), "model inputs: 2; explains input 2, the others fixed")
  # the generic path takes them too
  ex <- dgi_explain("saliency", model, dna, target = 2, other_inputs = list(label, NULL))
  expect_equal(nrow(ex), 2 * 30 * 4)
})

test_that("several one-hot inputs: choose one, or explain them together", {
  skip_if_no_engine()
  model <- two_input_model()
  dna <- random_dna(1, 16, seed = 4)
  expect_error(dgi_integrated_gradients(model, dna, target = 1),
               "2 one-hot inputs; say which to explain with `input_index`")
  expect_error(dgi_integrated_gradients(model, dna, target = 1, input_index = "middle"),
               "must be an input number from 1 to 2, \"all\" or \"target_middle\"")
  joint <- dgi_integrated_gradients(model, dna, target = 3, input_index = "all", table = "all")
  expect_equal(range(joint$per_locus$position), c(1L, 16L))
  expect_true(abs(joint$summary$delta) < 1e-3)
  # one input, the other fixed as a DNA string
  first <- dgi_integrated_gradients(model, substr(dna, 1, 10), target = 3, input_index = 1,
                                    other_inputs = list(NULL, substr(dna, 11, 16)),
                                    table = "summary")
  expect_close(first$f_input, joint$summary$f_input)
  expect_false(isTRUE(all.equal(first$f_baseline, joint$summary$f_baseline)))
  # target_middle: sequence of 10 + 1 + 6 bases, the middle one unseen
  tm <- dgi_integrated_gradients(model, random_dna(1, 17, seed = 5), target = 1,
                                 input_index = "target_middle", table = "per_locus")
  expect_equal(nrow(tm), 17L)
  expect_equal(tm$score_sum[11], 0)
})

test_that("the drop-in explains a list input_seq like deepG: every input interpolated", {
  skip_if_no_engine()
  model <- two_input_model()
  xs <- list(one_hot(random_dna(1, 10, seed = 7)), one_hot(random_dna(1, 6, seed = 8)))
  ours <- dgi_integrated_gradients_deepg(input_seq = xs, target_class_idx = 2, model = model)
  expect_type(ours, "list")
  expect_length(ours, 2)
  expect_equal(dim(ours[[1]]), c(10L, 4L))
  expect_equal(dim(ours[[2]]), c(6L, 4L))
  expect_equal(colnames(ours[[2]]), c("A", "C", "G", "T"))
  ref <- deepg_list_reference(model, xs, target = 2)
  expect_close(ours, ref, scale = 0)
  # deepG's random draws: set.seed() gives deepG's shuffles, input by input
  set.seed(3)
  ours <- dgi_integrated_gradients_deepg(m_steps = 20, baseline_type = "shuffle", input_seq = xs,
                                         target_class_idx = 3, model = model)
  set.seed(3)
  ref <- deepg_list_reference(model, xs, target = 3, m_steps = 20, baseline_type = "shuffle")
  expect_close(ours, ref, scale = 0)
  # completeness over both inputs
  summary <- dgi_integrated_gradients(model, one_hot(random_dna(1, 16, seed = 9)), target = 1,
                                      input_index = "all", table = "summary")
  expect_lt(abs(summary$delta), 1e-3)
  # pred_stepwise only changes the batching
  step <- dgi_integrated_gradients_deepg(m_steps = 5, input_seq = xs, target_class_idx = 2,
                                         model = model, pred_stepwise = TRUE)
  full <- dgi_integrated_gradients_deepg(m_steps = 5, input_seq = xs, target_class_idx = 2,
                                         model = model)
  expect_close(step, full, scale = 0)
  expect_error(dgi_integrated_gradients_deepg(input_seq = xs[1], target_class_idx = 2,
                                              model = model),
               "`input_seq` is a list of 1 but the model has 2 inputs")
  expect_error(dgi_integrated_gradients_deepg(input_seq = rev(xs), target_class_idx = 2,
                                              model = model),
               "`input_seq\\[\\[1\\]\\]` has dim c\\(1, 6, 4\\)")
})

test_that("the drop-in returns deepG's stacked array for repeated baselines", {
  skip_if_no_engine()
  keras <- keras_module()
  keras$utils$set_random_seed(8L)
  ins <- lapply(1:3, function(i) keras$Input(shape = c(12L, 4L)))
  h <- keras$layers$Add()(lapply(ins, function(x) keras$layers$Flatten()(x)))
  model <- keras$Model(ins, keras$layers$Dense(2L, activation = "softmax")(h))
  xs <- lapply(1:3, function(i) one_hot(random_dna(1, 12, seed = 20 + i)))
  set.seed(1)
  ours <- dgi_integrated_gradients_deepg(m_steps = 10, baseline_type = "shuffle", input_seq = xs,
                                         target_class_idx = 1, model = model,
                                         num_baseline_repeats = 2)
  expect_equal(dim(ours), c(3L, 12L, 4L))
  set.seed(1)
  runs <- lapply(1:2, function(r) deepg_list_reference(model, xs, 1, m_steps = 10,
                                                       baseline_type = "shuffle"))
  for (i in 1:3) {
    ref <- (runs[[1]][[i]] + runs[[2]][[i]]) / 2
    expect_close(ours[i, , ], ref, scale = 0)
  }
})

test_that("the drop-in refuses a label-input model in R terms", {
  skip_if_no_engine()
  model <- label_input_model()
  x <- one_hot(random_dna(1, 30, seed = 2))
  expect_error(
    dgi_integrated_gradients_deepg(input_seq = list(matrix(c(1, 0, 0), 1), x),
                                   target_class_idx = 1, model = model),
    "input 1 `[^`]+`, shape \\(NULL, 3\\) is not a one-hot sequence input"
  )
  err <- expect_error(dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1,
                                                     model = model))
  expect_match(conditionMessage(err), "other_inputs", fixed = TRUE)
})

test_that("integer-token models are explained through their embedding, in base terms", {
  skip_if_no_engine()
  keras <- keras_module()
  keras$utils$set_random_seed(9L)
  inp <- keras$Input(shape = list(20L))
  h <- keras$layers$Embedding(6L, 8L)(inp)
  h <- keras$layers$GlobalAveragePooling1D()(keras$layers$Dense(8L, activation = "tanh")(h))
  model <- keras$Model(inp, keras$layers$Dense(2L, activation = "softmax")(h))
  dna <- random_dna(2, 20, seed = 10)
  res <- dgi_integrated_gradients(model, dna, target = 2, table = "all")
  expect_equal(levels(res$attribution$base), c("A", "C", "G", "T"))
  expect_true(all(abs(res$summary$delta) < 1e-3))
  # f_input is the model on deepG's integer coding A = 1, C = 2, G = 3, T = 4
  tokens <- t(vapply(strsplit(dna, ""), function(s) match(s, c("A", "C", "G", "T")), integer(20)))
  pred <- model$predict(reticulate::np_array(tokens, dtype = "float32"), verbose = 0L)
  expect_close(res$summary$f_input, pred[, 2])
  handle <- dgi_load_model(model)
  expect_output(print(handle), "tokens:      A = 1, C = 2, G = 3, T = 4")
  shifted <- dgi_load_model(model, token_codes = c(A = 2, C = 3, G = 4, T = 5))
  expect_output(print(shifted), "A = 2, C = 3, G = 4, T = 5")
  expect_error(dgi_load_model(model, token_codes = c(A = 1.5)), "`token_codes` must give each base")
  expect_error(dgi_load_model(model, token_codes = c(A = 1, C = 2, G = 3, T = 9)),
               "not a token of the model's embedding")
})
