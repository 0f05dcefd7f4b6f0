#' Class optimization: the input a model finds most typical of a class (Deep Motif)
#'
#' Gradient ascent on the input, as in the Deep Motif poster (Lanchantin et al.):
#' `argmax_S f_target(S) - l2 * ||S||^2` from several random (or given) starts
#' optimized together, `S` clipped to `[0, 1]` and turned into a PWM with Laplace
#' (additive) smoothing. `parametrization = "softmax"` or `"gumbel_softmax"` keeps
#' `S` on the simplex, with an optional entropy penalty that sharpens columns. Name
#' what the model learned with [dgi_match_motifs()] and draw it with
#' [dgi_plot_pwm()].
#'
#' @param model A Keras model (deepG's `create_model_*()`, `train_model()`,
#'   `load_cp()`), a checkpoint path or the result of [dgi_load_model()], on one-hot
#'   input `(maxlen, 4)`.
#' @param target The class to optimize: 1-based index (like deepG's
#'   `target_class_idx`) or class name.
#' @param length bp of the optimized window. Default `NULL`: maxlen minus the flanks.
#' @param flanks `NULL` (default), or two fixed sequences `c(left, right)` around the
#'   optimized window (`""` for none).
#' @param start `NULL` (random starts) or starting sequence(s) of the window's length.
#' @param restarts Number of restarts. Default `NULL`: 8, or one per `start`.
#' @param steps Adam steps. Default 200.
#' @param learning_rate Adam step size. Default 0.1.
#' @param l2 The poster's `lambda >= 0`; large values shrink the PWM towards
#'   uniform. Default 0.01.
#' @param parametrization `"l2"` (the poster), `"softmax"` or `"gumbel_softmax"`.
#' @param temperature Softmax temperature (> 0). Default 1.
#' @param entropy Weight (>= 0) of the entropy penalty (bits per position). Default 0.
#' @param objective `"logit"` (value before the final softmax/sigmoid; default) or
#'   `"probability"`.
#' @param pseudocount Laplace smoothing: PWM = `(S + a) / (sum S + 4 a)`. Default 0.1.
#' @param width Optional window width: adds the best window (highest information
#'   content) of the best restart and its consensus.
#' @param seed Random seed. Default `NULL` draws one from R's generator, so
#'   [set.seed()] makes the result reproducible.
#' @param class_names Class names, for `target` by name.
#' @param progress Show a progress bar. Default `interactive()`.
#' @returns A list of data frames (settings in `attr(, "settings")`):
#'   * `pwm`: `restart`, `position` (1-based, flanks counted), `base` (factor),
#'     `probability`; every restart's PWM;
#'   * `trace`: `restart`, `step`, `objective`, `output` (the model's output);
#'   * `summary`: `restart`, `objective`, `f_final`, `f_consensus`, `information`
#'     (bits), `consensus`;
#'   * with `width`: `window` (`restart, position, base, probability, information`)
#'     and `consensus` (a string).
#' @seealso [dgi_match_motifs()], [dgi_plot_pwm()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(20L, 4L))
#' hidden <- keras$layers$GlobalMaxPooling1D()(keras$layers$Conv1D(2L, 6L)(inp))
#' model <- keras$Model(inp, keras$layers$Dense(1L, activation = "sigmoid")(hidden))
#' res <- dgi_class_optimization(model, target = 1, restarts = 2, steps = 20,
#'                               width = 6, seed = 1)
#' res$consensus
#' head(res$pwm)
dgi_class_optimization <- function(model, target, length = NULL, flanks = NULL, start = NULL,
                                   restarts = NULL, steps = 200, learning_rate = 0.1,
                                   l2 = 0.01, parametrization = "l2", temperature = 1,
                                   entropy = 0, objective = "logit", pseudocount = 0.1,
                                   width = NULL, seed = NULL, class_names = NULL,
                                   progress = interactive()) {
  length <- as_count(length, "length", null_ok = TRUE)
  restarts <- as_count(restarts, "restarts", null_ok = TRUE)
  steps <- as_count(steps, "steps")
  width <- as_count(width, "width", null_ok = TRUE)
  for (arg in c("l2", "entropy", "pseudocount")) check_non_negative(get(arg), arg)
  for (arg in c("learning_rate", "temperature")) check_non_negative(get(arg), arg, strict = TRUE)
  parametrization <- as_choice(parametrization,
                               registry_choices("class_optimization", "parametrization"),
                               "parametrization")
  objective <- as_choice(objective, registry_choices("class_optimization", "objective"),
                         "objective")
  check_flag(progress, "progress")
  flanks <- as_chr(flanks)
  start <- as_chr(start)
  if (!is.null(flanks) && (!is.character(flanks) || base::length(flanks) != 2L ||
                           anyNA(flanks))) {
    dgi_arg_error("{.arg flanks} must be two sequences {.code c(left, right)}, not {describe(flanks)}.",
                  "flanks", hint = "Use {.code \"\"} for a side without flank.")
  }
  if (!is.null(start) && (!is.character(start) || anyNA(start))) {
    dgi_arg_error("{.arg start} must be one or more DNA strings, not {describe(start)}.", "start")
  }
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE) %||%
    sample.int(.Machine$integer.max, 1L)
  adapter <- as_adapter(model, class_names = class_names)
  info <- adapter_info(adapter)
  if (!is.null(width) && !is.null(length) && width > length) {
    dgi_arg_error("{.arg width} = {width} is larger than the optimized window ({length} bp).",
                  "width", hint = "Pass a width between 1 and {length}.")
  }
  kwargs <- list(
    model = adapter, target = as_target(target, info), length = length,
    flanks = if (!is.null(flanks)) reticulate::tuple(as.list(flanks)),
    start = if (!is.null(start)) as.list(start), restarts = restarts, steps = steps,
    learning_rate = learning_rate, l2 = l2, parametrization = parametrization,
    temperature = temperature, entropy = entropy, objective = objective,
    pseudocount = pseudocount, seed = seed, progress = progress
  )
  kwargs <- kwargs[!vapply(kwargs, is.null, logical(1))]
  arg_map <- c(DEFAULT_ARG_MAP, ShapeError = "start")
  result <- dgi_py_call(dgi_engine()$class_optimization, kwargs, arg_map = arg_map)
  out <- lapply(c(pwm = "pwm", trace = "trace", summary = "summary"),
                function(name) dgi_frame(result$table(name)))
  if (!is.null(width)) {
    window <- dgi_py_call(result$best_window, list(width = width),
                          arg_map = c(InputError = "width"))
    out$window <- dgi_frame(window$table())
    out$consensus <- reticulate::py_to_r(window$consensus)
  }
  out
}

check_non_negative <- function(x, arg, strict = FALSE, call = rlang::caller_env()) {
  ok <- is.numeric(x) && base::length(x) == 1L && !is.na(x) && is.finite(x) &&
    (if (strict) x > 0 else x >= 0)
  if (!ok) {
    dgi_arg_error("{.arg {arg}} must be a number {if (strict) '> 0' else '>= 0'}, not {describe(x)}.",
                  arg, call = call)
  }
  invisible(as.numeric(x))
}
