# deepG-style models built in R through reticulate (deepG itself is not needed):
# the layers of deepG's create_model_lstm_cnn() -- Conv1D, MaxPooling1D,
# BatchNormalization, LSTM, Dense softmax -- on one-hot input (maxlen, 4).
.test_cache <- new.env(parent = emptyenv())

keras_module <- function() {
  if (is.null(.test_cache$keras)) .test_cache$keras <- reticulate::import("keras")
  .test_cache$keras
}

create_model_lstm_cnn_like <- function(maxlen = 50L, n_classes = 2L, lstm = TRUE, seed = 1L) {
  keras <- keras_module()
  keras$utils$set_random_seed(as.integer(seed))
  inp <- keras$Input(shape = c(as.integer(maxlen), 4L))
  x <- keras$layers$Conv1D(8L, 5L, padding = "same", activation = "relu")(inp)
  x <- keras$layers$MaxPooling1D(2L)(x)
  x <- keras$layers$BatchNormalization()(x)
  if (lstm) {
    x <- keras$layers$LSTM(8L)(x)
  } else {
    x <- keras$layers$Flatten()(x)
  }
  x <- keras$layers$Dense(8L, activation = "relu")(x)
  out <- keras$layers$Dense(as.integer(n_classes), activation = "softmax")(x)
  keras$Model(inp, out)
}

# One model per session (building and tracing costs a few seconds).
test_model <- function() {
  if (is.null(.test_cache$model)) .test_cache$model <- create_model_lstm_cnn_like()
  .test_cache$model
}

test_model_3 <- function() {
  if (is.null(.test_cache$model3)) {
    .test_cache$model3 <- create_model_lstm_cnn_like(maxlen = 40L, n_classes = 3L,
                                                    lstm = FALSE, seed = 2L)
  }
  .test_cache$model3
}

random_dna <- function(n, len, seed = 1) {
  withr::with_seed(seed, vapply(seq_len(n), function(i) {
    paste(sample(c("A", "C", "G", "T"), len, replace = TRUE), collapse = "")
  }, character(1)))
}

# deepG's seq_encoding_label() layout: array c(n, maxlen, 4), vocabulary A,C,G,T.
one_hot <- function(dna) {
  n <- length(dna)
  len <- nchar(dna[1])
  x <- array(0, dim = c(n, len, 4))
  for (i in seq_len(n)) {
    idx <- match(strsplit(toupper(dna[i]), "")[[1]], c("A", "C", "G", "T"))
    x[i, , ][cbind(seq_len(len), idx)] <- 1
  }
  x
}

# A model on 6 input channels (deepG's own test checkpoint has 6: a vocabulary
# beyond A, C, G, T), maxlen 30, 2 classes.
test_model_6 <- function() {
  if (is.null(.test_cache$model6)) {
    keras <- keras_module()
    keras$utils$set_random_seed(3L)
    inp <- keras$Input(shape = c(30L, 6L))
    x <- keras$layers$Conv1D(4L, 3L, padding = "same", activation = "relu")(inp)
    x <- keras$layers$Flatten()(x)
    out <- keras$layers$Dense(2L, activation = "softmax")(x)
    .test_cache$model6 <- keras$Model(inp, out)
  }
  .test_cache$model6
}

VOCAB_6 <- c("A", "C", "G", "T", "N", "X")

random_seq <- function(n, len, letters, seed = 1) {
  withr::with_seed(seed, vapply(seq_len(n), function(i) {
    paste(sample(letters, len, replace = TRUE), collapse = "")
  }, character(1)))
}

# One-hot array c(n, len, length(vocabulary)) of strings over `vocabulary`.
one_hot_vocab <- function(x, vocabulary) {
  n <- length(x)
  len <- nchar(x[1])
  out <- array(0, dim = c(n, len, length(vocabulary)))
  for (i in seq_len(n)) {
    idx <- match(strsplit(toupper(x[i]), "")[[1]], vocabulary)
    out[i, , ][cbind(seq_len(len), idx)] <- 1
  }
  out
}

engine_module <- function() reticulate::import("deepg_interpret", convert = FALSE)

# Two TensorFlow computations of the same quantity (engine vs predict() by hand, batched
# vs one by one, fast path vs full, R vs Python, deepG's numbers vs ours) agree only to
# float32 noise: a float32 kernel rounds at ~1e-7 of its output per op, and the summation
# order -- which changes with the CPU, oneDNN on/off (TF_ENABLE_ONEDNN_OPTS), the thread
# count and the batch composition -- moves those last bits (issue 18). That noise is ~1e-7
# of the outputs a value comes from, not of the value: an effect f(x') - f(x) = 0.017 of
# probabilities near 1 moves by ~2e-8, above 1e-6 of itself. So the tolerance is absolute,
# rel * max(scale, max(abs(expected))), and holds for every element (the largest absolute
# difference, not waldo's mean relative one). `scale` is the magnitude of the outputs the
# values come from: 1 for probabilities and differences of them (the default); 0 for
# attribution scores (gradients), whose own largest magnitude is their scale; the sum of
# the terms' magnitudes for a sum of many terms. Lists compare element by element, data
# frames column by column (doubles within tolerance, other columns exactly).
expect_close <- function(actual, expected, scale = 1, rel = 1e-6, label = NULL) {
  if (is.null(label)) label <- deparse1(substitute(actual))
  if (is.data.frame(expected)) {
    testthat::expect_s3_class(actual, "data.frame")
    testthat::expect_identical(names(actual), names(expected), label = paste0("names(", label, ")"))
    testthat::expect_identical(nrow(actual), nrow(expected), label = paste0("nrow(", label, ")"))
    for (col in intersect(names(actual), names(expected))) {
      lab <- paste0(label, "$", col)
      if (is.double(expected[[col]])) {
        expect_close(actual[[col]], expected[[col]], scale = scale, rel = rel, label = lab)
      } else {
        testthat::expect_identical(actual[[col]], expected[[col]], label = lab,
                                   expected.label = paste0("expected$", col))
      }
    }
    return(invisible(actual))
  }
  if (is.list(expected)) {
    testthat::expect_length(actual, length(expected))
    for (i in seq_along(expected)) {
      expect_close(actual[[i]], expected[[i]], scale = scale, rel = rel,
                   label = sprintf("%s[[%d]]", label, i))
    }
    return(invisible(actual))
  }
  a <- as.numeric(actual)
  e <- as.numeric(expected)
  tol <- rel * max(scale, abs(e), na.rm = TRUE)
  if (!identical(length(a), length(e)) || !identical(dim(actual), dim(expected))) {
    msg <- sprintf("%s has length %d and dim (%s); expected length %d and dim (%s)", label,
                   length(a), toString(dim(actual)), length(e), toString(dim(expected)))
    testthat::expect(FALSE, msg)
  } else if (!identical(is.na(a), is.na(e))) {
    testthat::expect(FALSE, sprintf("%s has NA where expected has none, or the reverse", label))
  } else {
    diff <- abs(a - e)
    worst <- if (all(is.na(diff))) 0 else max(diff, na.rm = TRUE)
    at <- if (worst > 0) which.max(diff) else 1L
    testthat::expect(
      worst <= tol,
      sprintf("%s differs from expected by up to %.3g (element %d: %.9g vs %.9g), above the tolerance %.3g = %g * max(scale = %g, max|expected| = %.3g)",
              label, worst, at, a[at], e[at], tol, rel, scale, max(abs(e), na.rm = TRUE))
    )
  }
  invisible(actual)
}
