#' Integrated Gradients for a deepG model
#'
#' Attributes the model's output for one class to every base of the input
#' (Sundararajan et al. 2017): for each position and base,
#' \deqn{IG_i = (x_i - x'_i) \int_0^1 \partial F(x' + a (x - x')) / \partial x_i \, da,}
#' approximated over `steps` interpolation points between a baseline `x'` and
#' the input `x`. With `baseline = "zero"` and `method = "trapezoid"` (the
#' defaults) the numbers are deepG's. The computation runs in the Python engine
#' in memory-bounded batches, so long inputs and many steps do not exhaust
#' memory.
#'
#' @param model A deepG/Keras model object (from deepG's `create_model_*()`,
#'   `train_model()` or `load_cp()`), a checkpoint path, or a handle from
#'   [dgi_load_model()].
#' @param sequences The input: a character vector of DNA sequences (names
#'   become `seq_id`s), a path to a FASTA file, a one-hot array with
#'   `dim c(n, maxlen, channels)` as made by deepG's `seq_encoding_label()` (or
#'   a `c(maxlen, channels)` matrix; `dimnames(x)[[1]]` become `seq_id`s), a
#'   Biostrings `DNAStringSet`, or a data frame with columns `seq_id` and
#'   `sequence` (as from [dgi_simulate_motifs()]). Sequence names must be
#'   unique (see [make.unique()]). Set (time-distributed) models, such as
#'   deepG's `create_model_lstm_cnn_time_dist()`, take deepG's array with
#'   `dim c(n, samples, maxlen, channels)`, or strings of `samples * maxlen`
#'   bases (cut into the members). Variable-length models (deepG's models built
#'   with `maxlen = NULL`) take sequences of different lengths in one call.
#' @param target The class to explain: a 1-based index like deepG's
#'   `target_class_idx`, or a class name (needs `class_names`).
#' @param baseline The reference input `x'`: `"zero"` (deepG's default,
#'   all-zero rows), `"uniform"` (0.25 per base), `"shuffle"` (positions
#'   permuted, deepG's `"shuffle"`), `"dinuc_shuffle"` (dinucleotide counts
#'   kept), `"gc_matched"` (random bases with the input's GC content),
#'   `"background"` (sequences drawn from `background`), or an array with
#'   `dim c(maxlen, channels)` or `c(n_baselines, maxlen, channels)`. Default
#'   `"zero"`.
#' @param steps Number of integration steps. Default 50.
#' @param n_baselines For random baselines, how many to draw per sequence; the
#'   attributions are averaged over them. Default 1.
#' @param strand Which strand to explain: `"forward"` (the input as given,
#'   the default), `"reverse"` (the reverse complement of the input, scores
#'   mapped back to forward coordinates) or `"both"` (the mean of the two: a
#'   genome has no fixed strand).
#' @param method Integration rule: `"trapezoid"` (deepG's, `steps + 1` points),
#'   `"left"`, `"right"`, `"midpoint"` or `"gauss_legendre"` (reaches a small
#'   completeness gap with fewer steps). Default `"trapezoid"`.
#' @param seed Seed for random baselines. Default `NULL` draws one from R's
#'   random number generator, so [set.seed()] makes runs reproducible; the seed
#'   used is stored in the `settings` attribute.
#' @param background For `baseline = "background"`: sequences (any form
#'   accepted by `sequences`) of the model's length to draw baselines from.
#' @param output `"probability"` or `"logit"` (value before the final
#'   softmax/sigmoid). Default `NULL` keeps the setting of a model loaded with
#'   [dgi_load_model()], else `"probability"`.
#' @param class_names Optional class names, one per output, so that `target`
#'   can be a name.
#' @param window_step Sequences longer than the model's `maxlen` are cut into
#'   windows starting every `window_step` bases (like deepG's prediction over a
#'   genome; a last window flush with the end covers every base). The tables
#'   keep the sequence's id and genome positions: overlapping windows are
#'   stitched (see the returned columns). Default `NULL`: longer sequences are
#'   an error.
#' @param pad Sequences shorter than `maxlen` are padded with all-zero rows on
#'   the `"left"` or `"right"`. Default `NULL`: shorter sequences are an error.
#' @param ambiguous How N and other IUPAC codes are encoded: `"zero"` (deepG's
#'   default), `"equal"` (0.25 per base) or `"discard"` (drop windows that
#'   contain them). Default `"zero"`.
#' @param vocabulary The model's channel letters in order, as deepG's
#'   `vocabulary` argument. Default `NULL`: `A, C, G, T` for models with 4
#'   input channels. Models with other channel counts need it to encode
#'   sequence strings; one-hot arrays work without it (their channels are then
#'   labelled `ch1`, `ch2`, ...). For arrays, labels may be longer than one
#'   letter.
#' @param batch_size Fixed number of interpolation points per batch. Default
#'   `NULL` sizes batches by `memory_budget`.
#' @param memory_budget Memory for intermediate tensors per batch: bytes, or a
#'   string such as `"512M"` or `"2G"`. Default `NULL` (1 GiB).
#' @param progress Show a progress bar. Default `interactive()`.
#' @param input_index,other_inputs For models with several inputs (deepG's
#'   `label_input`, `create_model_lstm_cnn_multi_input()`,
#'   `create_model_lstm_cnn_target_middle()`): which input the sequences feed
#'   (1-based, or `"all"` / `"target_middle"` to explain the one-hot inputs
#'   together, the sequences then being their concatenation) and the fixed
#'   values of the other inputs (a list in input order with `NULL` at the
#'   explained input, e.g. `list(c(1, 0, 0), NULL)`). See [dgi_load_model()].
#'   Default `NULL`: the model's only one-hot input.
#' @param table Which table to return: `"attribution"` (default),
#'   `"per_locus"`, `"summary"`, or `"all"` for a named list of the three (the
#'   method's tables, see [dgi_methods()]).
#' @returns A data.frame (or, for `table = "all"`, a named list of three):
#'   * `attribution`: `seq_id` (character), `position` (integer, 1-based in the
#'     source sequence), `base` (factor with the vocabulary as levels, deepG's
#'     `A, C, G, T` by default), `score` (double),
#'     `observed` (logical: the base present in the input);
#'   * `per_locus`: `seq_id`, `position`, `ref_base` (factor, `N` for
#'     ambiguous), `score_sum`, `score_abs_sum`, `score_ref` (score of the
#'     observed base, `NA` where it is ambiguous), `max_base` (factor: base
#'     with the highest score);
#'   * `summary`: `seq_id`, `target` (1-based), `baseline`, `steps`, `f_input`,
#'     `f_baseline`, `ig_sum`, `delta` (completeness gap
#'     `f_input - f_baseline - ig_sum`; small when `steps` suffice).
#'
#'   Extra columns where they apply:
#'   * set models (attribution, per_locus): `member` (integer, the 1-based set
#'     member a position belongs to) and `member_position` (1-based position
#'     within the member); `position` runs over the members concatenated, so
#'     `position = (member - 1) * maxlen + member_position`;
#'   * sequences cut into windows (`window_step`): attribution and per_locus
#'     have one row per source sequence and genome position (and base), the
#'     windows stitched: `score` is the mean of the scores of the windows that
#'     cover the position, `n_windows` (integer) how many do, and the per_locus
#'     columns are computed from those stitched scores (so [dgi_per_locus()] of
#'     the attribution table gives the per_locus table). The summary has one row
#'     per window (one forward pass each): `window` (1-based index in the
#'     sequence), `start`, `end` (the window's 1-based positions in it), after
#'     `seq_id`.
#'
#'   The run settings (method, target, baseline, steps, seed, versions) are in
#'   `attr(x, "settings")`.
#' @seealso [dgi_integrated_gradients_deepg()] (drop-in for deepG's
#'   `integrated_gradients()`), [dgi_plot_per_locus()], [dgi_plot_heatmap()],
#'   [dgi_plot_logo()], [dgi_saliency()], [dgi_explain()] (any method of the
#'   engine).
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(30L, 4L))
#' hidden <- keras$layers$Conv1D(4L, 5L, activation = "relu")(inp)
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(hidden))
#' model <- keras$Model(inp, out)
#' set.seed(1)
#' dna <- c(a = paste(sample(c("A", "C", "G", "T"), 30, TRUE), collapse = ""))
#' ig <- dgi_integrated_gradients(model, dna, target = 2, steps = 20)
#' head(ig)
#' attr(ig, "settings")$baseline
dgi_integrated_gradients <- function(model, sequences, target, baseline = "zero", steps = 50,
                                     n_baselines = 1, method = "trapezoid", seed = NULL,
                                     background = NULL, output = NULL, class_names = NULL,
                                     window_step = NULL, pad = NULL, ambiguous = "zero",
                                     vocabulary = NULL, batch_size = NULL, memory_budget = NULL,
                                     progress = interactive(), table = "attribution",
                                     input_index = NULL, other_inputs = NULL,
                                     strand = "forward") {
  if (identical(baseline, "background") && is.null(background)) {
    dgi_arg_error("{.arg background} is needed for {.code baseline = \"background\"}.",
                  "background", hint = "Pass sequences of the model's length to draw baselines from.")
  }
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE) %||% random_seed(baseline)
  dgi_run_method("integrated_gradients", model, sequences, target,
                 baseline = baseline, steps = as_count(steps, "steps"),
                 n_baselines = as_count(n_baselines, "n_baselines"), method = method,
                 seed = seed, background = background, strand = strand,
                 options = method_options(), .sequence_args = "background")
}

#' Saliency and gradient x input for a deepG model
#'
#' Cheaper relatives of [dgi_integrated_gradients()]: `dgi_saliency()` returns
#' the gradient of the target's output with respect to every base at the input
#' (one gradient per sequence); `dgi_gradient_x_input()` multiplies it by the
#' one-hot input (Integrated Gradients with a zero baseline and one point).
#'
#' @inheritParams dgi_integrated_gradients
#' @param table Which table to return: `"attribution"` (default),
#'   `"per_locus"`, `"summary"` or `"all"`.
#' @returns As for [dgi_integrated_gradients()] (with its extra columns for set
#'   models and windows), except the `summary` table:
#'   `seq_id`, `target` (1-based), `f_input` (the model's output for the
#'   target) and `score_sum` (the sum of all scores of the sequence; per window,
#'   with `window`, `start`, `end`, for sequences cut into windows).
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(12L, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- keras$Model(inp, out)
#' sal <- dgi_saliency(model, "ACGTACGTACGT", target = 1)
#' gxi <- dgi_gradient_x_input(model, "ACGTACGTACGT", target = 1)
#' all.equal(gxi$score, sal$score * gxi$observed, tolerance = 1e-6)
dgi_saliency <- function(model, sequences, target, output = NULL, class_names = NULL,
                         window_step = NULL, pad = NULL, ambiguous = "zero", vocabulary = NULL,
                         batch_size = NULL, memory_budget = NULL, progress = interactive(),
                         table = "attribution", input_index = NULL, other_inputs = NULL,
                         strand = "forward") {
  dgi_run_method("saliency", model, sequences, target, strand = strand,
                 options = method_options())
}

#' @rdname dgi_saliency
#' @export
dgi_gradient_x_input <- function(model, sequences, target, output = NULL, class_names = NULL,
                                 window_step = NULL, pad = NULL, ambiguous = "zero",
                                 vocabulary = NULL, batch_size = NULL, memory_budget = NULL,
                                 progress = interactive(), table = "attribution",
                                 input_index = NULL, other_inputs = NULL, strand = "forward") {
  dgi_run_method("gradient_x_input", model, sequences, target, strand = strand,
                 options = method_options())
}

# deepG-like reproducibility: a seed drawn from R's RNG for random baselines, so
# set.seed() makes runs reproducible.
random_seed <- function(baseline) {
  deterministic <- is.character(baseline) && baseline %in% c("zero", "uniform")
  if (deterministic || !is.character(baseline)) return(NULL)
  sample.int(.Machine$integer.max, 1L)
}
