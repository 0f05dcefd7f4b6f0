#' Turn an attribution matrix into the attribution table
#'
#' Converts scores held as an array, such as the matrix returned by
#' [dgi_integrated_gradients_deepg()] or the tensor from deepG's
#' `integrated_gradients()` (after `as.array()`), into the long table returned
#' by [dgi_integrated_gradients()]. The table is built by the engine.
#'
#' @param scores A `maxlen x channels` matrix, or an array with
#'   `dim c(n, maxlen, channels)`.
#' @param input_seq Optional one-hot input of the same shape (a matrix or an
#'   array with `dim c(n, maxlen, channels)`); marks the `observed` bases
#'   (positions whose row is exactly one-hot). Default `NULL`: `observed` is
#'   `NA`.
#' @param seq_id Sequence names, one per sequence, unique. Default `"seq_1"`,
#'   ...
#' @param start 1-based position of the first row. Default 1.
#' @param vocabulary Channel labels in order. Default `NULL`: the column names
#'   of `scores` if it has them, else `A, C, G, T` for 4 channels and `ch1`,
#'   `ch2`, ... otherwise.
#' @returns A data.frame with columns `seq_id`, `position` (integer), `base`
#'   (factor with the vocabulary as levels), `score`, `observed` (logical).
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' m <- matrix(c(0.1, 0, 0, 0,  0, 0.5, 0, 0), ncol = 4, byrow = TRUE)
#' onehot <- matrix(c(1, 0, 0, 0,  0, 1, 0, 0), ncol = 4, byrow = TRUE)
#' dgi_attribution_table(m, onehot)
dgi_attribution_table <- function(scores, input_seq = NULL, seq_id = NULL, start = 1L,
                                  vocabulary = NULL) {
  labels <- if (is.matrix(scores)) colnames(scores) else dimnames(scores)[[3]]
  scores <- as_score_array(scores, "scores")
  d <- dim(scores)
  start <- as_count(start, "start")
  if (is.null(seq_id)) seq_id <- paste0("seq_", seq_len(d[1]))
  if (!is.character(seq_id) || length(seq_id) != d[1] || anyNA(seq_id)) {
    dgi_arg_error("{.arg seq_id} must be a character vector of length {d[1]} (one per sequence).",
                  "seq_id")
  }
  check_unique_ids(seq_id, "seq_id", call = rlang::current_env())
  vocabulary <- as_vocabulary(vocabulary %||% labels, list(n_channels = d[3]),
                              what = "{.arg scores} has {n} column{?s} (channels)")
  x <- NULL
  if (!is.null(input_seq)) {
    x <- as_score_array(input_seq, "input_seq")
    if (!identical(dim(x), d)) {
      dgi_arg_error("{.arg input_seq} has dim c({paste(dim(x), collapse = ', ')}) but {.arg scores} has dim c({paste(d, collapse = ', ')}).",
                    "input_seq")
    }
    x <- py_helpers()$numpy_float32(x)
  }
  eng <- dgi_engine()
  tables <- py_engine()$tables
  df <- dgi_py_call(tables$attribution_table_from_array,
                    list(scores = reticulate::r_to_py(scores), onehot = x,
                         seq_ids = as.list(seq_id), start = start,
                         vocabulary = if (!is.null(vocabulary)) as.list(vocabulary)),
                    arg_map = c(ShapeError = "scores", InputError = "scores"))
  out <- dgi_frame(df)
  attr(out, "settings") <- NULL
  out
}

as_score_array <- function(x, arg, call = rlang::caller_env()) {
  if (is_python(x)) x <- py_helpers()$to_numpy(x)
  if (!(is.numeric(x) || is.logical(x)) || !length(dim(x)) %in% 2:3) {
    dgi_arg_error("{.arg {arg}} must be a maxlen x channels matrix or an array with dim c(n, maxlen, channels), not {describe(x)}.",
                  arg, call = call)
  }
  if (length(dim(x)) == 2L) x <- array(x, dim = c(1L, dim(x)))
  storage.mode(x) <- "double"
  unname(x)
}

#' Per-locus summary of an attribution table
#'
#' Sums the scores of all bases at every position, as the engine's
#' `per_locus` table does (the engine computes it); useful after filtering an
#' attribution table or for tables made with [dgi_attribution_table()].
#'
#' @param x An attribution table (`seq_id, position, base, score, observed`).
#'   A `window` column (one row per window and position) is kept apart: the
#'   result then has one row per sequence, window and position.
#' @returns A data.frame with one row per sequence and position: `seq_id`,
#'   `position`, `ref_base` (factor: the observed base, `N` where none),
#'   `score_sum`, `score_abs_sum`, `score_ref` (score of the observed base,
#'   `NA` where none), `max_base` (factor: the base with the highest score).
#'   The columns `window` (after `seq_id`), `member`, `member_position` and
#'   `n_windows` of `x` are carried over (see [dgi_integrated_gradients()]).
#'   The `settings` attribute of `x` is kept.
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' m <- matrix(c(0.1, 0, 0, -0.2,  0, 0.5, 0, 0), ncol = 4, byrow = TRUE)
#' onehot <- matrix(c(1, 0, 0, 0,  0, 1, 0, 0), ncol = 4, byrow = TRUE)
#' dgi_per_locus(dgi_attribution_table(m, onehot))
dgi_per_locus <- function(x) {
  check_table(x, c("seq_id", "position", "base", "score"), "x")
  settings <- attr(x, "settings")
  cols <- intersect(c("seq_id", "window", "position", "base", "score", "observed", "member",
                      "member_position", "n_windows"), names(x))
  eng <- dgi_engine()
  tables <- py_engine()$tables
  df <- dgi_py_call(tables$per_locus_from_attribution, list(table = r_frame(x[cols])),
                    arg_map = c(InputError = "x"))
  out <- dgi_frame(df)
  attr(out, "settings") <- settings
  out
}

#' Rolling mean of per-locus scores
#'
#' Moving average that keeps the length of `x`, as used for the per-locus
#' scatter plots (the poster's "rolling mean, k = 50"), computed by the
#' engine's `rolling_mean()`. Centred windows run from `i - k %/% 2` to
#' `i + (k - 1) %/% 2` (like `pandas.Series.rolling(k, center = TRUE)`); near
#' the ends only the available values are averaged, and `NA`s are skipped.
#'
#' @param x Numeric vector (scores along a sequence, in position order).
#' @param k Window width. Default 50.
#' @param center `TRUE` (default) centres the window on each position; `FALSE`
#'   ends it there.
#' @returns A numeric vector as long as `x` (`NA` where a window holds no
#'   value).
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' dgi_rolling_mean(c(0, 0, 3, 0, 0), k = 3)
#' dgi_rolling_mean(0:4, k = 3, center = FALSE)
dgi_rolling_mean <- function(x, k = 50, center = TRUE) {
  if (!is.numeric(x)) dgi_arg_error("{.arg x} must be numeric, not {describe(x)}.", "x")
  k <- as_count(k, "k")
  check_flag(center, "center")
  if (!length(x)) return(numeric())
  eng <- dgi_engine()
  summaries <- py_engine()
  values <- reticulate::r_to_py(array(as.double(x))) # 1-D, also for one value
  out <- dgi_py_call(summaries$rolling_mean, list(values = values, k = k, center = center),
                     arg_map = c(InputError = "k", ShapeError = "x", ArgumentTypeError = "x"))
  out <- as.vector(reticulate::py_to_r(out))
  out[is.nan(out)] <- NA_real_
  out
}

check_table <- function(x, columns, arg, call = rlang::caller_env()) {
  if (!is.data.frame(x)) {
    dgi_arg_error("{.arg {arg}} must be a data frame, not {describe(x)}.", arg, call = call)
  }
  missing_cols <- setdiff(columns, names(x))
  if (length(missing_cols)) {
    dgi_arg_error("{.arg {arg}} lacks the column{?s} {.field {missing_cols}}.", arg,
                  hint = "Pass a table returned by {.fn dgi_integrated_gradients}.", call = call)
  }
  invisible(x)
}
