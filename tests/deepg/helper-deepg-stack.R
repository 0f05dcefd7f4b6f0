# The real deepG stack: deepG 0.3.1, R keras 2.15, R tensorflow 2.16, reticulate 1.46
# (private library .Rlib-deepg, see `make setup-deepg`) on Python TF 2.15 / Keras 2
# (.venv-tf215). These tests build models with deepG's own constructors, train one with
# train_model(), reload it with load_cp(), and check our functions against deepG's own
# integrated_gradients(). Run with `make test-deepg`; not part of R CMD check.

engine_required <- function() {
  tolower(Sys.getenv("DGI_REQUIRE_ENGINE")) %in% c("true", "1", "yes")
}

stack_pkgs <- c("reticulate", "deepG", "keras", "deepGinterpret")
stack_missing <- stack_pkgs[!vapply(stack_pkgs, requireNamespace, logical(1), quietly = TRUE)]
if (length(stack_missing) && engine_required()) {
  stop("DGI_REQUIRE_ENGINE is set but these R packages are missing: ",
       paste(stack_missing, collapse = ", "), " (run `make setup-deepg`; R_LIBS = '",
       Sys.getenv("R_LIBS"), "')", call. = FALSE)
}

if (!length(stack_missing)) {
  suppressPackageStartupMessages({
    # deepG's integrated_gradients() calls `py$...` unqualified: reticulate must be attached.
    library(reticulate)
    library(deepG)
    library(keras)
    library(deepGinterpret)
  })
}

stack_ok <- function() {
  !length(stack_missing) && isTRUE(deepGinterpret::dgi_available())
}

skip_if_no_deepg_stack <- function() {
  if (stack_ok()) return(invisible(TRUE))
  msg <- if (length(stack_missing)) {
    paste0("R packages missing: ", paste(stack_missing, collapse = ", "))
  } else {
    paste0("the Python engine is not available (RETICULATE_PYTHON = '",
           Sys.getenv("RETICULATE_PYTHON"), "')")
  }
  if (engine_required()) stop("DGI_REQUIRE_ENGINE is set but ", msg, call. = FALSE)
  testthat::skip(msg)
}

# Scores agree when the largest absolute difference is below this fraction of the largest
# absolute deepG score (float32 sums in a different order differ by ~1e-7 of it).
REL_TOL <- 1e-5

rel_diff <- function(ours, theirs) {
  ours <- unname(as.array(ours))
  theirs <- unname(as.array(theirs))
  max(abs(ours - theirs)) / max(abs(theirs))
}

expect_matches_deepg <- function(ours, theirs, tol = REL_TOL) {
  theirs <- as.array(theirs)
  expect_true(is.matrix(ours) && is.numeric(ours))
  expect_equal(dim(ours), dim(theirs))
  expect_gt(max(abs(theirs)), 0) # a vacuous all-zero comparison would prove nothing
  expect_lt(rel_diff(ours, theirs), tol)
}

# Values from two float32 computations (an engine's summary vs R's sum of its scores): the
# noise is ~1e-7 of the outputs they come from, so the tolerance is absolute,
# rel * max(scale, max(abs(expected))), with scale 1 for probabilities and differences of
# them (ig_sum, delta). The vector case of tests/testthat/helper-models.R's expect_close(),
# which test_dir("tests/deepg") does not load.
expect_close <- function(actual, expected, scale = 1, rel = 1e-6) {
  label <- deparse1(substitute(actual))
  a <- as.numeric(actual)
  e <- as.numeric(expected)
  expect_length(a, length(e))
  tol <- rel * max(scale, abs(e), na.rm = TRUE)
  worst <- max(abs(a - e), 0)
  testthat::expect(isTRUE(worst <= tol),
                   sprintf("%s differs from expected by up to %.3g, above the tolerance %.3g",
                           label, worst, tol))
  invisible(actual)
}

# One-hot input as deepG builds it: dim c(1, maxlen, 4), columns A, C, G, T.
random_onehot <- function(maxlen, seed) {
  withr::with_seed(seed, {
    idx <- sample(1:4, maxlen, replace = TRUE)
  })
  x <- array(0, dim = c(1L, maxlen, 4L))
  x[cbind(1L, seq_len(maxlen), idx)] <- 1
  x
}

dna_to_onehot <- function(dna) {
  idx <- match(strsplit(dna, "")[[1]], c("A", "C", "G", "T"))
  x <- array(0, dim = c(1L, length(idx), 4L))
  x[cbind(1L, seq_along(idx), idx)] <- 1
  x
}

random_dna <- function(n, len, seed) {
  withr::with_seed(seed, vapply(seq_len(n), function(i) {
    paste(sample(c("A", "C", "G", "T"), len, replace = TRUE), collapse = "")
  }, ""))
}

# Attribution table of one sequence -> maxlen x 4 matrix (columns A, C, G, T).
attribution_matrix <- function(tab) {
  tab <- tab[order(tab$position, as.integer(tab$base)), ]
  matrix(tab$score, ncol = nlevels(tab$base), byrow = TRUE,
         dimnames = list(NULL, levels(tab$base)))
}

ATTRIBUTION_COLS <- c("seq_id", "position", "base", "score", "observed")
PER_LOCUS_COLS <- c("seq_id", "position", "ref_base", "score_sum", "score_abs_sum",
                    "score_ref", "max_base")
IG_SUMMARY_COLS <- c("seq_id", "target", "baseline", "steps", "f_input", "f_baseline",
                     "ig_sum", "delta")
GRAD_SUMMARY_COLS <- c("seq_id", "target", "f_input", "score_sum")

# Models from deepG's constructors, small so that every test runs in seconds; built once
# per run. Each entry: the model, its maxlen and a target class (1-based).
.deepg_models <- new.env(parent = emptyenv())

deepg_model <- function(kind) {
  if (!is.null(.deepg_models[[kind]])) return(.deepg_models[[kind]])
  spec <- switch(kind,
    cnn = list(maxlen = 60L, target = 2L, build = function() create_model_lstm_cnn(
      maxlen = 60, kernel_size = c(6, 6), filters = c(8, 8), pool_size = c(3, 2),
      layer_dense = c(8, 2), verbose = FALSE, model_seed = 1)),
    cnn_lstm = list(maxlen = 60L, target = 3L, build = function() create_model_lstm_cnn(
      maxlen = 60, kernel_size = 6, filters = 8, pool_size = 3, layer_lstm = 8,
      layer_dense = 3, verbose = FALSE, model_seed = 1)),
    bilstm = list(maxlen = 50L, target = 2L, build = function() create_model_lstm_cnn(
      maxlen = 50, layer_lstm = 8, bidirectional = TRUE, layer_dense = 2,
      verbose = FALSE, model_seed = 1)),
    gap = list(maxlen = 60L, target = 2L, build = function() create_model_lstm_cnn(
      maxlen = 60, kernel_size = c(6, 6), filters = c(8, 8), pool_size = c(2, 2), gap = TRUE,
      layer_dense = c(8, 2), verbose = FALSE, model_seed = 1)),
    residual = list(maxlen = 60L, target = 1L, build = function() create_model_lstm_cnn(
      maxlen = 60, kernel_size = c(6, 6, 6), filters = c(8, 8, 16), pool_size = c(2, 1, 2),
      residual_block = TRUE, layer_dense = 2, verbose = FALSE, model_seed = 1)),
    sigmoid = list(maxlen = 60L, target = 3L, build = function() create_model_lstm_cnn(
      maxlen = 60, kernel_size = 6, filters = 8, pool_size = 3, layer_dense = 3,
      last_layer_activation = "sigmoid", loss_fn = "binary_crossentropy", verbose = FALSE,
      model_seed = 1)),
    genomenet_gap = list(maxlen = 60L, target = 2L, build = function() create_model_genomenet(
      maxlen = 60, number_of_cnn_layers = 2, conv_block_count = 1, kernel_size_0 = 4,
      kernel_size_end = 4, filters_0 = 8, filters_end = 8, dense_layer_units = 8,
      num_targets = 2, model_type = "gap", model_seed = 1)),
    genomenet_recurrent = list(maxlen = 60L, target = 2L, build = function() create_model_genomenet(
      maxlen = 60, number_of_cnn_layers = 2, conv_block_count = 1, kernel_size_0 = 4,
      kernel_size_end = 4, filters_0 = 8, filters_end = 8, dense_layer_units = 8,
      recurrent_units = 8, num_targets = 2, model_type = "recurrent", model_seed = 1)),
    # embed_dim = 0: one-hot input (maxlen, 4); deepG's default embeds integer input.
    transformer_sinusoid = list(maxlen = 50L, target = 2L, build = function() create_model_transformer(
      maxlen = 50, embed_dim = 0, pos_encoding = "sinusoid", head_size = 4, num_heads = 2,
      ff_dim = 8, dropout = 0, layer_dense = c(8, 2), verbose = FALSE, model_seed = 1)),
    transformer_embedding = list(maxlen = 50L, target = 2L, build = function() create_model_transformer(
      maxlen = 50, embed_dim = 0, pos_encoding = "embedding", head_size = 4, num_heads = 2,
      ff_dim = 8, dropout = 0, layer_dense = c(8, 2), verbose = FALSE, model_seed = 1)),
    stop("unknown model kind ", kind)
  )
  spec$model <- spec$build()
  spec$build <- NULL
  .deepg_models[[kind]] <- spec
  spec
}

# Single-input models with one-hot input (maxlen, 4): our functions must match deepG's.
SINGLE_INPUT_KINDS <- c("cnn", "cnn_lstm", "bilstm", "gap", "residual", "sigmoid",
                        "genomenet_gap", "genomenet_recurrent", "transformer_sinusoid",
                        "transformer_embedding")

# A FASTA file per class folder, as deepG's train_type = "label_folder" reads them.
write_fasta_folder <- function(dir, n, len, motif = NULL, seed = 1) {
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  seqs <- random_dna(n, len, seed)
  if (!is.null(motif)) {
    withr::with_seed(seed + 1, {
      starts <- sample(seq_len(len - nchar(motif)), n, replace = TRUE)
    })
    substr(seqs, starts, starts + nchar(motif) - 1L) <- motif
  }
  path <- file.path(dir, "seqs.fasta")
  writeLines(paste0(">", basename(dir), "_", seq_len(n), "\n", seqs), path)
  path
}
