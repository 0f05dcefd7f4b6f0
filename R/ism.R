#' In silico mutagenesis for a deepG model
#'
#' Mutates every position of the sequences (or of the region `start..end`) to
#' every other base and reports how the model's output for the target changes:
#' `delta = f(mutant) - f(reference)`. Mutants are built batch by batch in the
#' Python engine, so memory does not grow with the sequence length. For
#' convolutional stacks (deepG's `create_model_lstm_cnn()` without LSTM, with a
#' flatten or global-average-pooling head) a fast path recomputes only the
#' window of each layer that a mutation changes; it gives the same numbers as
#' running every mutant through the model (to float32 rounding), and the
#' settings say which path ran.
#'
#' @inheritParams dgi_integrated_gradients
#' @param start,end The region to mutate: 1-based, closed positions within each
#'   model input (for `window_step`, within each window; for set models, over the
#'   members concatenated). Default `NULL`: the whole sequence.
#' @param fast `"auto"` (default: the fast path where the model allows it, else
#'   the exact naive path), `TRUE` (the fast path, or an error naming what it
#'   cannot handle) or `FALSE` (every mutant through the model).
#' @param batch_size Fixed number of items per batch: mutants on the naive
#'   path, positions (with all their bases) on the fast path. Default `NULL`
#'   sizes batches by `memory_budget`.
#' @param table Which table to return: `"ism"` (default), `"per_locus"`,
#'   `"summary"` or `"all"` for a named list of the three.
#' @returns A data.frame (or, for `table = "all"`, a named list of three):
#'   * `ism`: `seq_id` (character), `position` (integer, 1-based), `ref_base`
#'     (factor: the vocabulary plus `N` for an ambiguous reference), `alt_base`
#'     (factor with the vocabulary as levels), `delta` (double: output of the
#'     mutant minus output of the reference). The reference base has no row;
#'     ambiguous positions have one row per base.
#'   * `per_locus`: `seq_id`, `position`, `ref_base`, `delta_mean` (mean change
#'     over the alternative bases), `delta_l2` (their L2 norm), then
#'     `score_sum`, `score_abs_sum`, `score_ref` (0), `max_base` (the base whose
#'     mutant raises the output most), so [dgi_plot_per_locus()] works on it;
#'   * `summary`: `seq_id`, `target` (1-based), `f_reference` (the output for
#'     the unmutated input), `path` (`"fast"` or `"naive"`), `start`, `end`
#'     (the region), `n_mutants`, `delta_min`, `delta_max`.
#'
#'   Extra columns as in [dgi_integrated_gradients()]: `member` and
#'   `member_position` for set models; for windows (`window_step`) the ism and
#'   per_locus tables are stitched (`delta` is the mean over the windows
#'   covering the position, `n_windows` how many) and the summary has one row
#'   per window with `window`, `start`, `end` and the region as `region_start`,
#'   `region_end`. The settings (`attr(x, "settings")`) include `path` and
#'   `fast_refused` (why the fast path did not run).
#' @seealso [dgi_integrated_gradients()], [dgi_plot_per_locus()], [dgi_explain()].
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(30L, 4L))
#' hidden <- keras$layers$Conv1D(4L, 5L, activation = "relu")(inp)
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(hidden))
#' model <- keras$Model(inp, out)
#' set.seed(1)
#' dna <- c(a = paste(sample(c("A", "C", "G", "T"), 30, TRUE), collapse = ""))
#' mut <- dgi_ism(model, dna, target = 2, start = 11, end = 20)
#' head(mut)
#' attr(mut, "settings")$path
dgi_ism <- function(model, sequences, target, start = NULL, end = NULL, fast = "auto",
                    output = NULL, class_names = NULL, window_step = NULL, pad = NULL,
                    ambiguous = "zero", vocabulary = NULL, batch_size = NULL,
                    memory_budget = NULL, progress = interactive(), table = "ism",
                    input_index = NULL, other_inputs = NULL) {
  start <- as_count(start, "start", null_ok = TRUE)
  end <- as_count(end, "end", null_ok = TRUE)
  if (!is.null(start) && !is.null(end) && start > end) {
    dgi_arg_error("{.arg start} ({start}) is after {.arg end} ({end}).", "start",
                  hint = "Give a 1-based closed region with start <= end.")
  }
  if (!(isTRUE(fast) || isFALSE(fast) || identical(fast, "auto"))) {
    dgi_arg_error("{.arg fast} must be {.val auto}, TRUE or FALSE, not {describe(fast)}.",
                  "fast")
  }
  dgi_run_method("ism", model, sequences, target, start = start, end = end, fast = fast,
                 options = method_options())
}
