# One call path for every method of the engine's registry
# (deepg_interpret.methods.registry): argument checks, model and sequence
# conversion, the 1-based -> 0-based target shift on the way in, the call, and
# the tables (with 1-based targets) on the way out. A method's R wrapper only
# checks its own numeric arguments and calls dgi_run_method(); choice lists and
# table names come from the registry.

# Arguments every sequence method takes (their checks are here, once).
COMMON_ARGS <- c("output", "class_names", "window_step", "pad", "ambiguous", "vocabulary",
                 "batch_size", "memory_budget", "progress", "table", "input_index",
                 "other_inputs")

# Near misses of choice values, per argument (deepG's spellings among them);
# only hints: the allowed values come from the registry.
ARG_ALIASES <- list(
  baseline = c(unif = "uniform", zeros = "zero", shuffled = "shuffle", dinuc = "dinuc_shuffle",
               dinucleotide_shuffle = "dinuc_shuffle", gc = "gc_matched"),
  method = c(riemann_trapezoidal = "trapezoid", trapezoidal = "trapezoid"),
  output = c(logits = "logit", prob = "probability", probabilities = "probability")
)

# The common arguments of the calling wrapper, by name (NULL for those it lacks).
method_options <- function(env = parent.frame()) {
  mget(COMMON_ARGS, envir = env, ifnotfound = list(NULL))
}

#' Methods the engine offers
#'
#' Lists the explanation methods registered in the engine, the R function that
#' runs each, and the tables it returns.
#'
#' @returns A data frame with columns `method` (the registry name),
#'   `r_function`, `kind` (`per_base`, `per_segment`, `experiment`,
#'   `optimization` or `aggregation`), `generic` (`TRUE` where [dgi_explain()]
#'   runs it over a model and sequences), `tables` (comma-separated; the first is
#'   returned by default) and `summary`.
#' @seealso [dgi_explain()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' dgi_methods()
dgi_methods <- function() {
  dgi_engine()
  infos <- lapply(py_helpers()$method_names(), method_info)
  data.frame(
    method = vapply(infos, `[[`, "", "name"),
    r_function = vapply(infos, `[[`, "", "r_wrapper"),
    kind = vapply(infos, `[[`, "", "kind"),
    generic = vapply(infos, function(i) isTRUE(i$generic), NA),
    tables = vapply(infos, function(i) paste(i$tables, collapse = ", "), ""),
    summary = vapply(infos, function(i) i$summary %||% "", ""),
    stringsAsFactors = FALSE
  )
}

# Allowed values of a method's choice argument, from the engine's registry (never
# retyped here, so R and the engine cannot disagree).
registry_choices <- function(method, arg, call = rlang::caller_env()) {
  method_info(method, call = call)$choices[[arg]]
}

# The registry entry of `name` as an R list (cached per session): name,
# r_wrapper, summary, tables (character), choices (named list of character).
method_info <- function(name, arg = "name", call = rlang::caller_env()) {
  name <- check_string(name, arg, call = call)
  cache <- .dgi$methods %||% list()
  if (is.null(cache[[name]])) {
    dgi_engine()
    info <- dgi_py_call(py_bridge()$method_info, args = list(name),
                        arg_map = c(InputError = arg), call = call)
    info <- reticulate::py_to_r(info)
    info$tables <- as.character(unlist(info$tables))
    info$choices <- lapply(info$choices, function(v) as.character(unlist(v)))
    cache[[name]] <- info
    .dgi$methods <- cache
  }
  cache[[name]]
}

#' Run any explanation method of the engine
#'
#' The generic form of [dgi_integrated_gradients()], [dgi_saliency()],
#' [dgi_gradient_x_input()] and the methods added to the engine later: runs the
#' registered method `name` (see [dgi_methods()]) with the common arguments
#' below and the method's own arguments in `...`.
#'
#' @param name The method, e.g. `"saliency"`; see [dgi_methods()].
#' @inheritParams dgi_integrated_gradients
#' @param ... The method's own arguments, by their engine names (snake_case),
#'   e.g. `steps = 20` for `"integrated_gradients"`. Choice arguments are
#'   checked against the engine's lists; arrays with dim `c(maxlen, channels)`
#'   or `c(n, maxlen, channels)` are checked against the model.
#' @param table Which table to return: one of the method's tables (see
#'   [dgi_methods()]), or `"all"` for a named list of them. Default `NULL`: the
#'   method's main table.
#' @returns A data frame (or a named list of them for `table = "all"`) with
#'   1-based positions and targets, the run settings in `attr(x, "settings")`.
#' @seealso [dgi_methods()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(12L, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- keras$Model(inp, out)
#' head(dgi_explain("saliency", model, "ACGTACGTACGT", target = 1))
#' dgi_explain("integrated_gradients", model, "ACGTACGTACGT", target = 1, steps = 10,
#'             table = "summary")
dgi_explain <- function(name, model, sequences, target, ..., output = NULL, class_names = NULL,
                        window_step = NULL, pad = NULL, ambiguous = "zero", vocabulary = NULL,
                        batch_size = NULL, memory_budget = NULL, progress = interactive(),
                        table = NULL, input_index = NULL, other_inputs = NULL) {
  args <- list(...)
  if (length(args) && (is.null(names(args)) || any(!nzchar(names(args))))) {
    dgi_arg_error("The method's own arguments in {.arg ...} must be named.", "...")
  }
  dgi_run_method(name, model, sequences, target, ..., options = method_options())
}

# The generic path: checks, run, tables. `...` are the method's own arguments
# (already checked where the wrapper knows more than the registry).
# `.sequence_args` names arguments in `...` that hold sequences (encoded like
# `sequences`, e.g. IG's `background`).
dgi_run_method <- function(name, model, sequences, target, ..., options = list(),
                           .sequence_args = character(), call = rlang::caller_env()) {
  run <- engine_run(name, model, sequences, target, method_args = list(...),
                    options = options, sequence_args = .sequence_args, call = call)
  result_frames(run$result, run$table, run$info, call = call)
}

# Everything up to the engine's result (a Python MethodResult); the drop-in
# uses it for the arrays. `arg_names` maps engine argument names to the R
# names used in messages (e.g. target -> "target_class_idx").
engine_run <- function(name, model, sequences, target, method_args = list(), options = list(),
                       sequence_args = character(), arg_names = list(),
                       call = rlang::caller_env()) {
  r_arg <- function(x) arg_names[[x]] %||% x
  if (missing(target)) {
    dgi_arg_error("{.arg {r_arg('target')}} is missing: which class should be explained?",
                  r_arg("target"),
                  hint = "Give a 1-based index (like deepG's {.arg target_class_idx}) or a class name.",
                  call = call)
  }
  info <- method_info(name, call = call)
  if (!isTRUE(info$generic)) {
    dgi_arg_error("Method {.val {name}} ({info$kind}) does not run over a model and sequences.",
                  "name", hint = "Call {.fn {info$r_wrapper}} instead.", call = call)
  }
  opts <- check_common_options(options, info, call = call)
  method_args <- check_choice_args(method_args, info$choices, r_arg, call = call)

  adapter <- as_adapter(model, output = opts$output, class_names = options$class_names,
                        input_index = options$input_index, other_inputs = options$other_inputs,
                        arg = r_arg("model"), call = call)
  model_info <- adapter_info(adapter)
  vocabulary <- as_vocabulary(options$vocabulary, model_info, call = call)
  seqs <- as_sequences(sequences, model_info, r_arg("sequences"), opts$window_step, opts$pad,
                       vocabulary, call = call)
  kwargs <- list(
    model = adapter,
    sequences = seqs$sequences,
    target = as_target(target, model_info, r_arg("target"), call = call) # 1-based -> 0-based
  )
  if (!is.null(seqs$seq_ids)) kwargs$seq_ids <- seqs$seq_ids
  for (arg in names(method_args)) {
    value <- method_args[[arg]]
    if (is.null(value)) next
    kwargs[[arg]] <- if (arg %in% sequence_args) {
      as_sequences(value, model_info, r_arg(arg), NULL, opts$pad, vocabulary,
                   call = call)$sequences
    } else {
      as_engine_value(value, model_info, r_arg(arg), call = call)
    }
  }
  kwargs <- c(kwargs, opts$kwargs,
              list(vocabulary = if (!is.null(vocabulary)) as.list(vocabulary)))
  arg_map <- DEFAULT_ARG_MAP
  arg_map[] <- vapply(arg_map, r_arg, "")
  result <- dgi_py_call(py_helpers()$method_function(name), kwargs, arg_map = arg_map,
                        call = call)
  list(result = result, table = opts$table, info = info)
}

# Checks of the common arguments; returns the engine keyword arguments too.
check_common_options <- function(options, info, call = rlang::caller_env()) {
  choices <- info$choices
  output <- options$output
  if (!is.null(output)) {
    output <- as_choice(output, choices$output, "output", aliases = ARG_ALIASES$output,
                        call = call)
  }
  window_step <- as_count(options$window_step, "window_step", null_ok = TRUE, call = call)
  pad <- options$pad
  if (!is.null(pad)) pad <- as_choice(pad, choices$pad, "pad", call = call)
  ambiguous <- as_choice(options$ambiguous %||% "zero", choices$ambiguous, "ambiguous",
                         call = call)
  batch_size <- as_count(options$batch_size, "batch_size", null_ok = TRUE, call = call)
  progress <- options$progress %||% FALSE
  check_flag(progress, "progress", call = call)
  memory_budget <- as_memory_budget(options$memory_budget, call = call)
  table <- options$table %||% info$tables[1]
  table <- as_choice(table, c(info$tables, "all"), "table", call = call)
  list(
    output = output, window_step = window_step, pad = pad, table = table,
    kwargs = list(window_step = window_step, pad = pad, ambiguous = ambiguous,
                  batch_size = batch_size, memory_budget = memory_budget, progress = progress)
  )
}

as_memory_budget <- function(memory_budget, call = rlang::caller_env()) {
  if (is.null(memory_budget)) return(NULL)
  if (is.numeric(memory_budget) && length(memory_budget) == 1 && !is.na(memory_budget) &&
      memory_budget >= 1) {
    return(sprintf("%.0f", memory_budget))
  }
  if (is.character(memory_budget) && length(memory_budget) == 1 && !is.na(memory_budget)) {
    return(memory_budget)
  }
  dgi_arg_error("{.arg memory_budget} must be a number of bytes or a string like {.val 512M}, not {describe(memory_budget)}.",
                "memory_budget", call = call)
}

# Method arguments with a choice list in the registry: checked when given as a
# string (an array or other object goes to the engine as it is).
check_choice_args <- function(args, choices, r_arg = identity, call = rlang::caller_env()) {
  for (arg in intersect(names(args), names(choices))) {
    value <- args[[arg]]
    if (is.factor(value)) value <- as.character(value)
    if (is.character(value)) {
      args[[arg]] <- as_choice(value, choices[[arg]], r_arg(arg), aliases = ARG_ALIASES[[arg]],
                               call = call)
    }
  }
  args
}

# A method argument from R -> what the engine takes: model-shaped arrays are
# checked and become float32 arrays, whole numbers integers, vectors lists.
as_engine_value <- function(value, info, arg, call = rlang::caller_env()) {
  if (is_python(value)) return(value)
  if ((is.numeric(value) || is.logical(value)) && length(dim(value)) %in% 2:4) {
    return(as_model_array(value, info, arg, call = call))
  }
  if (is.factor(value)) value <- as.character(value)
  if (is.double(value) && length(value) && !anyNA(value) && all(value == round(value)) &&
      all(abs(value) <= .Machine$integer.max)) {
    value <- as.integer(value)
  }
  if (is.atomic(value) && length(value) > 1L) value <- as.list(value)
  value
}

# The requested table(s) of a result as R data frames, targets 1-based (the
# one place where engine targets become R targets).
result_frames <- function(result, table, info, call = rlang::caller_env()) {
  frames <- dgi_py_call(py_helpers()$result_tables, args = list(result, table), call = call)
  names <- as.character(unlist(reticulate::import_builtins()$list(frames)))
  out <- lapply(names, function(n) r_targets(dgi_frame(reticulate::py_get_item(frames, n))))
  names(out) <- names
  if (identical(table, "all")) out else out[[1]]
}

# Engine targets (0-based) -> R targets (1-based), in columns and settings.
r_targets <- function(df) {
  settings <- attr(df, "settings")
  if (is.numeric(settings$target)) settings$target <- as.integer(settings$target) + 1L
  if ("target" %in% names(df) && is.numeric(df$target)) df$target <- df$target + 1L
  attr(df, "settings") <- settings
  df
}
