#' Simulate sequences with planted motifs (ground truth for explanations)
#'
#' Random DNA sequences, a share of which carry one or more planted motifs, as
#' in the deepG Integrated Gradients poster (10,000 random 600 bp sequences,
#' half with a 30 bp motif of high, medium, low or lowest information
#' entropy). The truth table records every planted copy, so explanations can be
#' scored against it with [dgi_score_explanations()]. With `path`, the data are
#' also written in deepG's `label_folder` training layout (one folder of FASTA
#' files per class, train and validation) for deepG's `train_model()`.
#'
#' @param n Number of sequences. Default 10,000 (the poster).
#' @param length Sequence length in bp. Default 600 (the poster).
#' @param motif The motif(s): a preset name (`"high"`, `"medium"`, `"low"`,
#'   `"lowest"`), a DNA or IUPAC string (IUPAC positions drawn per copy), a
#'   position weight matrix (one row per position, columns `A, C, G, T`, rows
#'   summing to 1, drawn per copy), or a list (or character vector) of these:
#'   every positive sequence then carries every motif. Default `"high"`.
#' @param share Fraction of sequences that carry the motif(s). Default 0.5.
#' @param position `"random"` (default; non-overlapping random starts), or the
#'   1-based start of the copy (one number), or one 1-based start per copy.
#' @param n_copies Copies of each motif per positive sequence. Default `NULL`:
#'   1, or with `recur_every` as many as fit.
#' @param recur_every Plant copies about every `recur_every` bp (the poster's
#'   recurrent motif: 100). Default `NULL`.
#' @param recur_jitter Random shift of recurrent copies, in bp. Default `NULL`
#'   (a tenth of `recur_every`, never overlapping).
#' @param both_strands Plant copies on either strand (reverse complement on
#'   `"-"`). Default `FALSE`.
#' @param background `"iid"` (default) or four base frequencies (A, C, G, T).
#' @param gc GC content of an iid background. Default `NULL` (0.5).
#' @param seed Random seed. Default `NULL` draws one from R's random number
#'   generator, so [set.seed()] makes the data reproducible.
#' @param label_names Class names of label 0 and 1 (deepG's label vocabulary
#'   and folder names). Default `c("no_motif", "motif")`.
#' @param path Optional folder to write deepG's training layout to:
#'   `path/train/<class>/*.fasta`, `path/validation/<class>/*.fasta`,
#'   `path/truth.csv`, `path/settings.json`. Default `NULL` writes nothing.
#' @param validation_share With `path`: fraction of each class put into the
#'   validation folders. Default 0.2.
#' @param overwrite With `path`: replace an existing layout. Default `FALSE`.
#' @returns A list of two data frames, with the settings in
#'   `attr(, "settings")`:
#'   * `sequences`: `seq_id`, `label` (factor with levels `label_names`),
#'     `sequence`;
#'   * `truth`: one row per planted copy: `seq_id`, `label`, `motif`, `start`,
#'     `end` (integer, 1-based, closed), `strand`.
#'
#'   With `path`, a third element `folders` lists `train_dirs` and
#'   `validation_dirs` (deepG's `path` and `path_val`, in label order) and
#'   `truth_csv`.
#' @seealso [dgi_score_explanations()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' sim <- dgi_simulate_motifs(n = 20, length = 100, motif = "TATAATGC", seed = 1)
#' head(sim$sequences)
#' sim$truth
#' # deepG's training layout
#' out <- dgi_simulate_motifs(n = 20, length = 100, motif = "high", seed = 1,
#'                            path = file.path(tempdir(), "sim"))
#' out$folders$train_dirs
dgi_simulate_motifs <- function(n = 10000, length = 600, motif = "high", share = 0.5,
                                position = "random", n_copies = NULL, recur_every = NULL,
                                recur_jitter = NULL, both_strands = FALSE, background = "iid",
                                gc = NULL, seed = NULL, label_names = c("no_motif", "motif"),
                                path = NULL, validation_share = 0.2, overwrite = FALSE) {
  n <- as_count(n, "n")
  length <- as_count(length, "length")
  check_fraction(share, "share")
  n_copies <- as_count(n_copies, "n_copies", null_ok = TRUE)
  recur_every <- as_count(recur_every, "recur_every", null_ok = TRUE)
  recur_jitter <- as_count(recur_jitter, "recur_jitter", min = 0L, null_ok = TRUE)
  check_flag(both_strands, "both_strands")
  check_flag(overwrite, "overwrite")
  if (!is.null(gc)) check_fraction(gc, "gc")
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE) %||%
    sample.int(.Machine$integer.max, 1L)
  if (!is.character(label_names) || base::length(label_names) != 2L || anyNA(label_names) ||
      label_names[1] == label_names[2]) {
    dgi_arg_error("{.arg label_names} must be two different class names, not {describe(label_names)}.",
                  "label_names")
  }
  if (!is.null(path)) {
    path <- check_string(path, "path")
    check_fraction(validation_share, "validation_share")
  }
  position <- as_position(position)
  background <- as_background(background)
  motif <- as_motif(motif)

  eng <- dgi_engine()
  synthetic <- py_engine()$synthetic
  kwargs <- list(
    n = n, length = length, motif = motif, share = share, position = position,
    n_copies = n_copies, recur_every = recur_every, recur_jitter = recur_jitter,
    both_strands = both_strands, background = background, gc = gc, seed = seed,
    label_names = reticulate::tuple(as.list(label_names))
  )
  arg_map <- c(SequenceError = "motif", ShapeError = "motif")
  ds <- dgi_py_call(synthetic$simulate_motifs, kwargs, arg_map = arg_map)
  settings <- reticulate::py_to_r(ds$settings)
  as_label <- function(code) factor(label_names[code + 1L], levels = label_names)
  sequences <- dgi_frame(ds$to_frame())
  sequences$label <- as_label(sequences$label)
  truth <- dgi_frame(ds$truth)
  truth$label <- as_label(truth$label)
  attr(sequences, "settings") <- settings
  attr(truth, "settings") <- settings
  out <- list(sequences = sequences, truth = truth)
  if (!is.null(path)) {
    root <- normalizePath(path.expand(path), mustWork = FALSE)
    files <- dgi_py_call(synthetic$write_deepg_folders,
                         list(dataset = ds, root = root, validation_share = validation_share,
                              seed = seed, overwrite = overwrite),
                         arg_map = c(InputError = "path"))
    files <- reticulate::py_to_r(files)
    out$folders <- list(
      root = root,
      train_dirs = as.character(unlist(files$train_dirs)),
      validation_dirs = as.character(unlist(files$validation_dirs)),
      truth_csv = files$truth_csv
    )
  }
  out
}

check_fraction <- function(x, arg, call = rlang::caller_env()) {
  if (!is.numeric(x) || base::length(x) != 1 || is.na(x) || x < 0 || x > 1) {
    dgi_arg_error("{.arg {arg}} must be a number between 0 and 1, not {describe(x)}.", arg,
                  call = call)
  }
  invisible(x)
}

as_position <- function(position, call = rlang::caller_env()) {
  if (identical(position, "random")) return("random")
  if (is.numeric(position) && base::length(position) >= 1 && !anyNA(position) &&
      all(position == round(position)) && all(position >= 1)) {
    position <- as.integer(position)
    return(if (base::length(position) == 1L) position else as.list(position))
  }
  dgi_arg_error("{.arg position} must be {.val random} or 1-based start position(s), not {describe(position)}.",
                "position", call = call)
}

as_background <- function(background, call = rlang::caller_env()) {
  if (identical(background, "iid")) return("iid")
  if (is.numeric(background) && base::length(background) == 4L && !anyNA(background) &&
      all(background >= 0) && abs(sum(background) - 1) < 1e-6) {
    return(as.list(as.double(background)))
  }
  dgi_arg_error("{.arg background} must be {.val iid} or four base frequencies (A, C, G, T) summing to 1, not {describe(background)}.",
                "background", call = call)
}

as_motif <- function(motif, call = rlang::caller_env()) {
  one <- function(m) {
    if (is.character(m) && base::length(m) == 1L && !is.na(m) && nzchar(m)) return(m)
    if (is.matrix(m) && is.numeric(m) && ncol(m) == 4L && !anyNA(m)) {
      storage.mode(m) <- "double"
      return(reticulate::r_to_py(unname(m)))
    }
    dgi_arg_error("{.arg motif} must be a preset name, a DNA/IUPAC string or a PWM matrix with 4 columns (A, C, G, T), not {describe(m)}.",
                  "motif", call = call)
  }
  if (is.character(motif) && base::length(motif) > 1L) motif <- as.list(motif)
  if (is.list(motif)) {
    if (!base::length(motif)) dgi_arg_error("{.arg motif} is empty.", "motif", call = call)
    return(lapply(motif, one))
  }
  one(motif)
}

#' Score explanations against planted motifs
#'
#' For every sequence with a planted motif, how well do the per-locus scores
#' find it? AUROC and AUPRC of the scores against the motif positions, the
#' share of the top-k positions that lie in a motif, and the poster's
#' Avg.Match% (share of motif positions whose highest-scoring base is the
#' planted base).
#'
#' @param x Scores: the per-locus table (or the list from `table = "all"`, or
#'   an attribution table, summed per position) of [dgi_integrated_gradients()]
#'   or another method.
#' @param truth The truth table: `seq_id`, `start`, `end` (1-based, closed) and
#'   optionally `label` and `motif`, as from [dgi_simulate_motifs()]. Rows
#'   without `start`/`end` are ignored.
#' @param score Column of `x` to rank by (higher = more important):
#'   `"score_sum"` (default; right when explaining the class the motif signals),
#'   `"score_abs_sum"` (magnitude, whatever the sign) or `"score_ref"`.
#' @param method Label for the `method` column, e.g. `"ig_zero"`. Default `"ig"`.
#' @param k Positions counted by the top-k hit rate. Default `NULL`: the number
#'   of motif positions of each sequence.
#' @returns A data frame with one row per scored sequence that has a motif:
#'   `seq_id`, `label`, `motif`, `method`, `n_motif_positions`, `k` (integers),
#'   `auroc`, `auprc`, `top_k_hit_rate`, `avg_match_percent`. Sequences without
#'   a planted copy are listed in `attr(, "settings")$skipped_seq_ids`.
#' @seealso [dgi_simulate_motifs()], [dgi_integrated_gradients()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' loci <- data.frame(seq_id = "s1", position = 1:10,
#'                    score_sum = c(0, 0, 0.9, 0.8, 0.7, 0, 0.1, 0, 0, 0))
#' truth <- data.frame(seq_id = "s1", start = 3, end = 5)
#' dgi_score_explanations(loci, truth)
dgi_score_explanations <- function(x, truth, score = "score_sum", method = "ig", k = NULL) {
  x <- pick_table(x, "per_locus")
  if (is.data.frame(x) && !any(c("score_sum", "score_abs_sum", "score_ref") %in% names(x)) &&
      all(c("base", "score") %in% names(x))) {
    x <- dgi_per_locus(x)
  }
  score <- check_string(score, "score")
  check_table(x, c("seq_id", "position", score), "x")
  check_table(truth, c("seq_id", "start", "end"), "truth")
  method <- check_string(method, "method")
  k <- as_count(k, "k", null_ok = TRUE)
  eng <- dgi_engine()
  evaluate <- py_engine()$evaluate
  res <- dgi_py_call(
    evaluate$score_explanations,
    list(scores = r_frame(x), truth = r_frame(truth), score = score, method = method, k = k),
    arg_map = c(InputError = "x", ShapeError = "x")
  )
  dgi_frame(res)
}
