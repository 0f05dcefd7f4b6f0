#' Turn an attribution matrix into the attribution table
#'
#' Converts scores held as an array, such as the matrix returned by
#' [dgi_integrated_gradients_deepg()] or the tensor from deepG's
#' `integrated_gradients()` (after `as.array()`), into the long table returned
#' by [dgi_integrated_gradients()].
#'
#' @param scores A `maxlen x 4` matrix, or an array with `dim c(n, maxlen, 4)`.
#' @param input_seq Optional one-hot input of the same shape (a matrix or an
#'   array with `dim c(n, maxlen, 4)`); marks the `observed` bases. Default
#'   `NULL`: `observed` is `NA`.
#' @param seq_id Sequence names, one per sequence. Default `"seq_1"`, ...
#' @param start 1-based position of the first row. Default 1.
#' @returns A data.frame with columns `seq_id`, `position` (integer), `base`
#'   (factor `A, C, G, T`), `score`, `observed` (logical).
#' @export
#' @examples
#' m <- matrix(c(0.1, 0, 0, 0,  0, 0.5, 0, 0), ncol = 4, byrow = TRUE)
#' onehot <- matrix(c(1, 0, 0, 0,  0, 1, 0, 0), ncol = 4, byrow = TRUE)
#' dgi_attribution_table(m, onehot)
dgi_attribution_table <- function(scores, input_seq = NULL, seq_id = NULL, start = 1L) {
  scores <- as_score_array(scores, "scores")
  d <- dim(scores)
  if (d[3] != 4L) {
    dgi_arg_error("{.arg scores} must have 4 columns (A, C, G, T), not {d[3]}.", "scores")
  }
  start <- as_count(start, "start")
  if (is.null(seq_id)) seq_id <- paste0("seq_", seq_len(d[1]))
  if (!is.character(seq_id) || length(seq_id) != d[1]) {
    dgi_arg_error("{.arg seq_id} must be a character vector of length {d[1]} (one per sequence).",
                  "seq_id")
  }
  observed <- rep(NA, prod(d))
  if (!is.null(input_seq)) {
    x <- as_score_array(input_seq, "input_seq")
    if (!identical(dim(x), d)) {
      dgi_arg_error("{.arg input_seq} has dim c({paste(dim(x), collapse = ', ')}) but {.arg scores} has dim c({paste(d, collapse = ', ')}).",
                    "input_seq")
    }
    observed <- as.vector(aperm(x, c(3, 2, 1))) == 1
  }
  data.frame(
    seq_id = rep(seq_id, each = d[2] * d[3]),
    position = rep(rep(seq.int(start, length.out = d[2]), each = d[3]), times = d[1]),
    base = factor(rep(BASE_LEVELS, times = d[1] * d[2]), levels = BASE_LEVELS),
    score = as.vector(aperm(scores, c(3, 2, 1))),
    observed = observed,
    stringsAsFactors = FALSE
  )
}

as_score_array <- function(x, arg, call = rlang::caller_env()) {
  if (is_python(x)) x <- py_helpers()$to_numpy(x)
  if (!is.numeric(x) || !length(dim(x)) %in% 2:3) {
    dgi_arg_error("{.arg {arg}} must be a maxlen x 4 matrix or an array with dim c(n, maxlen, 4), not {describe(x)}.",
                  arg, call = call)
  }
  if (length(dim(x)) == 2L) x <- array(x, dim = c(1L, dim(x)))
  storage.mode(x) <- "double"
  x
}

#' Per-locus summary of an attribution table
#'
#' Sums the scores of the four bases at every position, as the engine's
#' `per_locus` table does; useful after filtering an attribution table or for
#' tables made with [dgi_attribution_table()].
#'
#' @param x An attribution table (`seq_id, position, base, score, observed`).
#' @returns A data.frame with one row per sequence and position: `seq_id`,
#'   `position`, `ref_base` (factor: the observed base, `N` where none),
#'   `score_sum`, `score_abs_sum`, `score_ref` (score of the observed base),
#'   `max_base` (factor: the base with the highest score).
#' @export
#' @examples
#' m <- matrix(c(0.1, 0, 0, -0.2,  0, 0.5, 0, 0), ncol = 4, byrow = TRUE)
#' onehot <- matrix(c(1, 0, 0, 0,  0, 1, 0, 0), ncol = 4, byrow = TRUE)
#' dgi_per_locus(dgi_attribution_table(m, onehot))
dgi_per_locus <- function(x) {
  check_table(x, c("seq_id", "position", "base", "score"), "x")
  settings <- attr(x, "settings")
  if (!"observed" %in% names(x)) x$observed <- NA
  sid <- match(x$seq_id, unique(x$seq_id))
  x <- x[order(sid, x$position, x$base), , drop = FALSE]
  sid <- match(x$seq_id, unique(x$seq_id))
  key <- sid * (max(x$position, 0) + 1) + x$position
  g <- match(key, unique(key)) # group id per (sequence, position), in order
  n_groups <- max(g, 0L)
  first <- !duplicated(g)
  score <- as.double(x$score)
  sums <- as.vector(rowsum(score, g, reorder = FALSE))
  abs_sums <- as.vector(rowsum(abs(score), g, reorder = FALSE))
  obs <- !is.na(x$observed) & x$observed
  n_obs <- tabulate(g[obs], nbins = n_groups)
  ref <- rep("N", n_groups)
  ref_score <- rep(0, n_groups)
  single <- obs & n_obs[g] == 1L
  ref[g[single]] <- as.character(x$base[single])
  ref_score[g[single]] <- score[single]
  by_max <- order(g, -score)
  top <- by_max[!duplicated(g[by_max])]
  out <- data.frame(
    seq_id = as.character(x$seq_id[first]),
    position = as.integer(x$position[first]),
    ref_base = factor(ref, levels = c(BASE_LEVELS, "N")),
    score_sum = sums,
    score_abs_sum = abs_sums,
    score_ref = ref_score,
    max_base = factor(as.character(x$base[top]), levels = BASE_LEVELS),
    stringsAsFactors = FALSE
  )
  rownames(out) <- NULL
  attr(out, "settings") <- settings
  out
}

#' Rolling mean of per-locus scores
#'
#' Moving average that keeps the length of `x`, as used for the per-locus
#' scatter plots (the poster's "rolling mean, k = 50"). Centred windows run
#' from `i - k %/% 2` to `i + (k - 1) %/% 2` (like
#' `pandas.Series.rolling(k, center = TRUE)` and the engine's
#' `rolling_mean()`); near the ends only the available values are averaged, and
#' `NA`s are skipped.
#'
#' @param x Numeric vector (scores along a sequence, in position order).
#' @param k Window width. Default 50.
#' @param center `TRUE` (default) centres the window on each position; `FALSE`
#'   ends it there.
#' @returns A numeric vector as long as `x` (`NA` where a window holds no
#'   value).
#' @export
#' @examples
#' dgi_rolling_mean(c(0, 0, 3, 0, 0), k = 3)
#' dgi_rolling_mean(0:4, k = 3, center = FALSE)
dgi_rolling_mean <- function(x, k = 50, center = TRUE) {
  if (!is.numeric(x)) dgi_arg_error("{.arg x} must be numeric, not {describe(x)}.", "x")
  k <- as_count(k, "k")
  check_flag(center, "center")
  n <- length(x)
  if (n == 0L) return(numeric())
  idx <- seq_len(n)
  if (center) {
    lo <- idx - k %/% 2L
    hi <- idx + (k - 1L) %/% 2L
  } else {
    lo <- idx - k + 1L
    hi <- idx
  }
  lo <- pmax(lo, 1L)
  hi <- pmin(hi, n)
  ok <- !is.na(x)
  cs <- c(0, cumsum(ifelse(ok, x, 0)))
  cn <- c(0, cumsum(ok))
  count <- cn[hi + 1L] - cn[lo]
  out <- (cs[hi + 1L] - cs[lo]) / count
  out[count == 0] <- NA_real_
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
