# deepG's transformers on integer tokens (create_model_transformer() with its default
# embed_dim = 64: input (None, maxlen) of tokens). deepG's own integrated_gradients() cannot
# explain them (gradients do not flow into integers); ours presents the model as a one-hot
# model through its token embedding: a base's one-hot row becomes its token's embedding,
# plus the layer's position term.

token_transformer <- function(pos_encoding = "embedding", vocabulary_size = 4) {
  key <- paste("token", pos_encoding, vocabulary_size)
  if (is.null(.deepg_models[[key]])) {
    .deepg_models[[key]] <- create_model_transformer(
      maxlen = 40, vocabulary_size = vocabulary_size, pos_encoding = pos_encoding,
      head_size = 4, num_heads = 2, ff_dim = 8, dropout = 0, layer_dense = c(8, 2),
      verbose = FALSE, model_seed = 1)
  }
  .deepg_models[[key]]
}

# deepG's own integer encoding of DNA (its tokenizer: A = 1, C = 2, G = 3, T = 4, N = 5).
deepg_tokens <- function(dna) {
  seq_encoding_label(char_sequence = dna, maxlen = nchar(dna), vocabulary = c("a", "c", "g", "t"),
                     start_ind = 1, return_int = TRUE)
}

predict_tokens <- function(model, tokens) {
  as.array(model(tensorflow::tf$constant(tokens, dtype = "float32")))
}

test_that("deepG's default transformer (embed_dim = 64) is explained through its embedding", {
  skip_if_no_deepg_stack()
  for (pos in c("embedding", "sinusoid")) {
    model <- token_transformer(pos)
    expect_equal(unlist(model$input_shape), 40L)
    dna <- stats::setNames(random_dna(2, 40, seed = 60), c("s1", "s2"))
    # deepG's own IG fails on integer input
    expect_error(suppressWarnings(integrated_gradients(
      input_seq = array(deepg_tokens(dna[[1]]) - 1, dim = c(1, 40)), target_class_idx = 2,
      model = model)))
    # vocabulary_size = 4 gives 4 embedding rows: deepG's T = 4 does not fit, so the
    # engine uses A = 0 .. T = 3 and says so
    expect_warning(res <- dgi_integrated_gradients(model, dna, target = 2, steps = 200,
                                                   table = "all"),
                   "cannot\\s+embed\\s+T")
    expect_named(res$attribution, ATTRIBUTION_COLS)
    expect_equal(levels(res$attribution$base), c("A", "C", "G", "T"))
    expect_equal(nrow(res$attribution), 2 * 40 * 4)
    expect_equal(sum(res$attribution$observed), 2 * 40)
    # completeness
    expect_true(all(abs(res$summary$delta) < 0.005 * max(abs(res$summary$ig_sum), 0.01)))
    # F(x) is the model on those tokens
    tokens <- rbind(deepg_tokens(dna[[1]]), deepg_tokens(dna[[2]])) - 1
    expect_equal(res$summary$f_input, predict_tokens(model, tokens)[, 2], tolerance = 1e-5)
    # only the observed base of a position has a non-zero score (zero baseline)
    expect_true(all(res$attribution$score[!res$attribution$observed] == 0))
    sal <- dgi_saliency(model, dna, target = 1)
    expect_named(sal, ATTRIBUTION_COLS)
  }
})

test_that("with room for deepG's integer coding, DNA maps to deepG's own tokens", {
  skip_if_no_deepg_stack()
  model <- token_transformer("embedding", vocabulary_size = 6)
  handle <- dgi_load_model(model)
  expect_output(print(handle), "A = 1, C = 2, G = 3, T = 4")
  dna <- random_dna(3, 40, seed = 61)
  res <- dgi_integrated_gradients(handle, dna, target = 1, table = "summary")
  tokens <- do.call(rbind, lapply(dna, deepg_tokens))
  expect_equal(res$f_input, predict_tokens(model, tokens)[, 1], tolerance = 1e-5)
  expect_true(all(abs(res$delta) < 0.01))
})

test_that("the embedding path agrees with the one-hot (embed_dim = 0) model it wraps", {
  skip_if_no_deepg_stack()
  # deepG's one-hot transformer behind an identity token embedding (token k + 1 -> base k):
  # explaining the token model must give deepG's IG of the one-hot model.
  spec <- deepg_model("transformer_embedding")
  onehot_model <- spec$model
  inp <- keras::layer_input(shape = c(spec$maxlen))
  emb <- keras::layer_embedding(input_dim = 5, output_dim = 4, trainable = FALSE)
  out <- onehot_model(emb(inp))
  emb$set_weights(list(rbind(0, diag(4))))
  token_model <- keras::keras_model(inp, out)
  dna <- random_dna(1, spec$maxlen, seed = 62)
  x <- dna_to_onehot(dna)
  ours <- dgi_integrated_gradients(token_model, dna, target = spec$target)
  theirs <- integrated_gradients(input_seq = x, target_class_idx = spec$target,
                                 model = onehot_model)
  expect_matches_deepg(attribution_matrix(ours), theirs)
  direct <- dgi_integrated_gradients(onehot_model, dna, target = spec$target)
  expect_equal(ours$score, direct$score, tolerance = 1e-5)
})

test_that("a transformer checkpoint: an R error pointing to load_cp(), or custom_objects", {
  skip_if_no_deepg_stack()
  model <- token_transformer("embedding", vocabulary_size = 6)
  path <- withr::local_tempfile(fileext = ".h5")
  suppressWarnings(model$save(path))
  err <- expect_error(suppressMessages(dgi_load_model(path)), class = "dgi_custom_layers_error")
  expect_match(conditionMessage(err), "layer_pos_embedding")
  expect_match(conditionMessage(err), "deepG::load_cp(", fixed = TRUE)
  expect_match(conditionMessage(err), "custom_objects", fixed = TRUE)
  dna <- random_dna(1, 40, seed = 63)
  from_cp <- load_cp(path, verbose = FALSE)
  by_cp <- dgi_integrated_gradients(from_cp, dna, target = 2, steps = 20)
  loaded <- suppressMessages(dgi_load_model(path, custom_objects = list(
    layer_pos_embedding = layer_pos_embedding_wrapper(),
    layer_transformer_block = layer_transformer_block_wrapper())))
  by_path <- dgi_integrated_gradients(loaded, dna, target = 2, steps = 20)
  expect_equal(by_path$score, by_cp$score, tolerance = 1e-5)
})
