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
