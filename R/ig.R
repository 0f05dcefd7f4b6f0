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
#'   `dim c(n, maxlen, 4)` as made by deepG's `seq_encoding_label()` (or a
#'   `c(maxlen, 4)` matrix), a Biostrings `DNAStringSet`, or a data frame with
#'   columns `seq_id` and `sequence` (as from [dgi_simulate_motifs()]).
#' @param target The class to explain: a 1-based index like deepG's
#'   `target_class_idx`, or a class name (needs `class_names`).
#' @param baseline The reference input `x'`: `"zero"` (deepG's default,
#'   all-zero rows), `"uniform"` (0.25 per base), `"shuffle"` (positions
#'   permuted, deepG's `"shuffle"`), `"dinuc_shuffle"` (dinucleotide counts
#'   kept), `"gc_matched"` (random bases with the input's GC content),
#'   `"background"` (sequences drawn from `background`), or an array with
#'   `dim c(maxlen, 4)` or `c(n_baselines, maxlen, 4)`. Default `"zero"`.
#' @param steps Number of integration steps. Default 50.
#' @param n_baselines For random baselines, how many to draw per sequence; the
#'   attributions are averaged over them. Default 1.
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
#'   genome). Default `NULL`: longer sequences are an error.
#' @param pad Sequences shorter than `maxlen` are padded with all-zero rows on
#'   the `"left"` or `"right"`. Default `NULL`: shorter sequences are an error.
#' @param ambiguous How N and other IUPAC codes are encoded: `"zero"` (deepG's
#'   default), `"equal"` (0.25 per base) or `"discard"` (drop windows that
#'   contain them).
#' @param batch_size Fixed number of interpolation points per batch. Default
#'   `NULL` sizes batches by `memory_budget`.
#' @param memory_budget Memory for intermediate tensors per batch: bytes, or a
#'   string such as `"512M"` or `"2G"`. Default `NULL` (1 GiB).
#' @param progress Show a progress bar. Default `interactive()`.
#' @param table Which table to return: `"attribution"` (default),
#'   `"per_locus"`, `"summary"`, or `"all"` for a named list of the three.
#' @returns A data.frame (or, for `table = "all"`, a named list of three):
#'   * `attribution`: `seq_id` (character), `position` (integer, 1-based in the
#'     source sequence), `base` (factor `A, C, G, T`), `score` (double),
#'     `observed` (logical: the base present in the input);
#'   * `per_locus`: `seq_id`, `position`, `ref_base` (factor, `N` for
#'     ambiguous), `score_sum`, `score_abs_sum`, `score_ref` (score of the
#'     observed base), `max_base` (factor: base with the highest score);
#'   * `summary`: `seq_id`, `target` (1-based), `baseline`, `steps`, `f_input`,
#'     `f_baseline`, `ig_sum`, `delta` (completeness gap
#'     `f_input - f_baseline - ig_sum`; small when `steps` suffice).
#'
#'   The run settings (method, target, baseline, steps, seed, versions) are in
#'   `attr(x, "settings")`.
#' @seealso [dgi_integrated_gradients_deepg()] (drop-in for deepG's
#'   `integrated_gradients()`), [dgi_plot_per_locus()], [dgi_plot_heatmap()],
#'   [dgi_plot_logo()], [dgi_saliency()].
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
                                     batch_size = NULL, memory_budget = NULL,
                                     progress = interactive(), table = "attribution") {
  steps <- as_count(steps, "steps")
  n_baselines <- as_count(n_baselines, "n_baselines")
  method <- as_choice(method, c("trapezoid", "left", "right", "midpoint", "gauss_legendre"),
                      "method", aliases = c(riemann_trapezoidal = "trapezoid",
                                            trapezoidal = "trapezoid"))
  table <- as_choice(table, c("attribution", "per_locus", "summary", "all"), "table")
  common <- common_args(output, window_step, pad, ambiguous, batch_size, memory_budget,
                        progress)
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE)
  if (missing(target)) {
    dgi_arg_error("{.arg target} is missing: which class should be explained?", "target",
                  hint = "Give a 1-based index (like deepG's {.arg target_class_idx}) or a class name.")
  }
  if (is.character(baseline)) baseline <- as_choice(baseline, BASELINE_NAMES, "baseline",
                                                    aliases = BASELINE_ALIASES)
  if (identical(baseline, "background") && is.null(background)) {
    dgi_arg_error("{.arg background} is needed for {.code baseline = \"background\"}.",
                  "background", hint = "Pass sequences of the model's length to draw baselines from.")
  }
  eng <- dgi_engine()
  adapter <- as_adapter(model, output = common$output, class_names = class_names)
  info <- adapter_info(adapter)
  kwargs <- c(
    list(
      model = adapter,
      sequences = as_sequences(sequences, info, "sequences", common$window_step, common$pad),
      target = as_target(target, info),
      baseline = as_baseline(baseline, info),
      steps = steps,
      n_baselines = n_baselines,
      method = method,
      seed = seed %||% random_seed(baseline)
    ),
    if (!is.null(background)) {
      list(background = as_sequences(background, info, "background"))
    },
    common$kwargs
  )
  res <- dgi_py_call(eng$integrated_gradients, kwargs)
  attribution_result(res, table)
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
#' @returns As for [dgi_integrated_gradients()]; in the `summary` table
#'   `f_baseline` and `delta` are `NA`.
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
                         window_step = NULL, pad = NULL, ambiguous = "zero",
                         batch_size = NULL, memory_budget = NULL, progress = interactive(),
                         table = "attribution") {
  gradient_method("saliency", model, sequences, target, output, class_names, window_step,
                  pad, ambiguous, batch_size, memory_budget, progress, table,
                  missing(target))
}

#' @rdname dgi_saliency
#' @export
dgi_gradient_x_input <- function(model, sequences, target, output = NULL, class_names = NULL,
                                 window_step = NULL, pad = NULL, ambiguous = "zero",
                                 batch_size = NULL, memory_budget = NULL,
                                 progress = interactive(), table = "attribution") {
  gradient_method("gradient_x_input", model, sequences, target, output, class_names,
                  window_step, pad, ambiguous, batch_size, memory_budget, progress, table,
                  missing(target))
}

gradient_method <- function(name, model, sequences, target, output, class_names, window_step,
                            pad, ambiguous, batch_size, memory_budget, progress, table,
                            target_missing, call = rlang::caller_env()) {
  table <- as_choice(table, c("attribution", "per_locus", "summary", "all"), "table",
                     call = call)
  common <- common_args(output, window_step, pad, ambiguous, batch_size, memory_budget,
                        progress, call = call)
  if (target_missing) {
    dgi_arg_error("{.arg target} is missing: which class should be explained?", "target",
                  hint = "Give a 1-based index (like deepG's {.arg target_class_idx}) or a class name.",
                  call = call)
  }
  eng <- dgi_engine()
  adapter <- as_adapter(model, output = common$output, class_names = class_names, call = call)
  info <- adapter_info(adapter)
  kwargs <- c(
    list(
      model = adapter,
      sequences = as_sequences(sequences, info, "sequences", common$window_step, common$pad,
                               call = call),
      target = as_target(target, info, call = call)
    ),
    common$kwargs
  )
  fn <- eng[[name]]
  res <- dgi_py_call(fn, kwargs, call = call)
  attribution_result(res, table)
}

# Checks shared by the attribution functions; returns engine kwargs.
common_args <- function(output, window_step, pad, ambiguous, batch_size, memory_budget,
                        progress, call = rlang::caller_env()) {
  if (!is.null(output)) output <- as_choice(output, c("probability", "logit"), "output",
                                            call = call)
  window_step <- as_count(window_step, "window_step", null_ok = TRUE, call = call)
  if (!is.null(pad)) pad <- as_choice(pad, c("left", "right"), "pad", call = call)
  ambiguous <- as_choice(ambiguous, c("zero", "equal", "discard"), "ambiguous", call = call)
  batch_size <- as_count(batch_size, "batch_size", null_ok = TRUE, call = call)
  check_flag(progress, "progress", call = call)
  if (!is.null(memory_budget)) {
    if (is.numeric(memory_budget) && length(memory_budget) == 1 && !is.na(memory_budget) &&
        memory_budget >= 1) {
      memory_budget <- sprintf("%.0f", memory_budget)
    } else if (!(is.character(memory_budget) && length(memory_budget) == 1 &&
                 !is.na(memory_budget))) {
      dgi_arg_error("{.arg memory_budget} must be a number of bytes or a string like {.val 512M}, not {describe(memory_budget)}.",
                    "memory_budget", call = call)
    }
  }
  kwargs <- list(window_step = window_step, pad = pad, ambiguous = ambiguous,
                 batch_size = batch_size, memory_budget = memory_budget, progress = progress)
  list(output = output, window_step = window_step, pad = pad, kwargs = kwargs)
}

random_seed <- function(baseline) {
  deterministic <- is.character(baseline) && baseline %in% c("zero", "uniform")
  if (deterministic || !is.character(baseline)) return(NULL)
  sample.int(.Machine$integer.max, 1L)
}

# AttributionResult -> the requested R table(s), with 1-based targets.
attribution_result <- function(res, table) {
  one <- function(name) {
    fn <- res[[paste0(name, "_table")]]
    df <- dgi_frame(fn())
    settings <- attr(df, "settings")
    if (!is.null(settings$target)) settings$target <- as.integer(settings$target) + 1L
    if ("target" %in% names(df)) df$target <- df$target + 1L
    attr(df, "settings") <- settings
    df
  }
  if (identical(table, "all")) {
    return(list(attribution = one("attribution"), per_locus = one("per_locus"),
                summary = one("summary")))
  }
  one(table)
}
