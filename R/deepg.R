#' Drop-in replacement for deepG's `integrated_gradients()`
#'
#' Takes the arguments of deepG's `integrated_gradients()` and returns the
#' same `maxlen x 4` matrix of Integrated Gradients scores, computed by the
#' engine. An existing script switches by changing one name:
#' `integrated_gradients(...)` becomes `dgi_integrated_gradients_deepg(...)`.
#'
#' The algorithm is deepG's: the model's output for `target_class_idx` (1-based)
#' is differentiated at `m_steps + 1` equally spaced points between the baseline
#' and the input, neighbouring gradients are averaged (trapezoid rule), and the
#' mean is multiplied by `input - baseline`. Random baselines are drawn in R
#' with deepG's calls (`sample()` for `"shuffle"`, `runif()` for `"unif"`), so
#' after the same [set.seed()] both give the same numbers.
#'
#' @section Differences from deepG:
#' * Returns an R matrix (columns `A, C, G, T`, or `ch1`, ... for other
#'   channel counts) instead of a TensorFlow
#'   tensor. `as.array()` works on both, and deepG's `heatmaps_integrated_grad()`
#'   accepts it; [dgi_plot_heatmap()] draws the same heatmap with ggplot2.
#' * Speed: deepG evaluates the gradients eagerly, either all at once or, with
#'   `pred_stepwise = TRUE`, one interpolation point per call from R. Here the
#'   gradient step is a compiled TensorFlow function fed in batches, which is
#'   faster, most of all with `pred_stepwise = TRUE` and with
#'   `num_baseline_repeats > 1` (all baselines run in one pass instead of one
#'   call each).
#' * Memory: deepG holds all `m_steps + 1` interpolated inputs and their
#'   gradients at once (unless `pred_stepwise = TRUE`); the engine builds the
#'   interpolation points batch by batch within a memory budget (1 GiB), so
#'   memory does not grow with `m_steps`. `pred_stepwise = TRUE` is accepted and
#'   uses batches of one point.
#' * With `baseline_type = "unif"` and `num_baseline_repeats > 1`, deepG
#'   silently switches to `"shuffle"` baselines for the repeats; here the
#'   repeats use `"unif"` baselines as asked.
#' * Multi-input models (`input_seq` a list with one array per input, as for
#'   `create_model_lstm_cnn_multi_input()` and
#'   `create_model_lstm_cnn_target_middle()`): as in deepG, every input is
#'   interpolated from its own baseline and the result is a list with one
#'   matrix per input (with random baselines and `num_baseline_repeats > 1`,
#'   deepG's stacked array with `dim c(n_inputs, maxlen, channels)`; a list
#'   where deepG fails because the inputs differ in length). Models with a
#'   non-sequence input (deepG's `label_input`) cannot be interpolated by deepG
#'   and are refused here too: use [dgi_integrated_gradients()] with
#'   `other_inputs`. Use [dgi_integrated_gradients()] also for several
#'   sequences, FASTA files, other baselines and integration rules.
#' * Set (time-distributed) models, such as deepG's
#'   `create_model_lstm_cnn_time_dist()`, work: `input_seq` is deepG's array
#'   with `dim c(1, samples, maxlen, channels)` and the result an array with
#'   `dim c(samples, maxlen, channels)` (deepG's own `integrated_gradients()`
#'   fails on these models). `"shuffle"` baselines permute the positions of
#'   every member on its own.
#'
#' @param m_steps Number of steps between baseline and input. Default 50.
#' @param baseline_type `"zero"` (default), `"shuffle"` (random permutation of
#'   the positions of `input_seq`) or `"unif"` (uniform random values), as in
#'   deepG.
#' @param input_seq The input: an array with `dim c(1, maxlen, channels)` (as
#'   from deepG's `seq_encoding_label()` or `keras::to_categorical()`; deepG's
#'   models have 4 channels, `A, C, G, T`, but any count works), a
#'   `maxlen x channels` matrix, or a TensorFlow tensor. For a model with
#'   several one-hot inputs, a list of such arrays, one per input in input
#'   order. For set
#'   (time-distributed) models: an array with `dim c(1, samples, maxlen,
#'   channels)`.
#' @param target_class_idx Index of the class to explain, 1-based as in deepG
#'   (or a class name if the model was loaded with `class_names`).
#' @param model The model (from deepG's `create_model_*()`, `train_model()`,
#'   `load_cp()`), a checkpoint path, or a handle from [dgi_load_model()].
#' @param pred_stepwise If `TRUE`, compute the gradients one interpolation point
#'   at a time (batches of one). Default `FALSE`.
#' @param num_baseline_repeats For random baselines, the number of baselines;
#'   the result is the mean over them. Default 1.
#' @returns A numeric matrix with `maxlen` rows and one column per channel
#'   (`A, C, G, T` for deepG's 4-channel models, else `ch1`, `ch2`, ...): the
#'   Integrated Gradients scores. For a list `input_seq`, a list of such
#'   matrices, one per input (see "Differences from deepG"). For a set input `c(1, samples, maxlen,
#'   channels)`: an array with `dim c(samples, maxlen, channels)` (channel names
#'   in `dimnames(x)[[3]]`).
#' @seealso [dgi_integrated_gradients()] for tidy output, [dgi_attribution_table()]
#'   to turn the matrix into a table, [dgi_plot_heatmap()].
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(20L, 4L))
#' out <- keras$layers$Dense(3L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- keras$Model(inp, out)
#' random_seq <- sample(0:3, 20, replace = TRUE)
#' input_seq <- array(diag(4)[random_seq + 1, ], dim = c(1, 20, 4))
#' # deepG: integrated_gradients(input_seq = input_seq, target_class_idx = 3, model = model)
#' ig <- dgi_integrated_gradients_deepg(input_seq = input_seq, target_class_idx = 3,
#'                                      model = model)
#' dim(ig)
#' dgi_plot_heatmap(ig, input_seq = input_seq)
dgi_integrated_gradients_deepg <- function(m_steps = 50,
                                           baseline_type = "zero",
                                           input_seq,
                                           target_class_idx,
                                           model,
                                           pred_stepwise = FALSE,
                                           num_baseline_repeats = 1) {
  m_steps <- as_count(m_steps, "m_steps")
  baseline_type <- as_choice(baseline_type, c("zero", "shuffle", "unif"), "baseline_type",
                             aliases = c(uniform = "unif", shuffled = "shuffle",
                                         zeros = "zero"))
  check_flag(pred_stepwise, "pred_stepwise")
  num_baseline_repeats <- as_count(num_baseline_repeats, "num_baseline_repeats")
  for (arg in c("input_seq", "target_class_idx", "model")) {
    if (eval(call("missing", as.name(arg)))) {
      dgi_arg_error("{.arg {arg}} is missing, with no default.", arg)
    }
  }
  if (is.list(input_seq) && !is.data.frame(input_seq) && !is_python(input_seq)) {
    # a multi-input model: one array per input, as in deepG
    return(deepg_ig_list(m_steps, baseline_type, input_seq, target_class_idx, model,
                         pred_stepwise, num_baseline_repeats))
  }
  x <- deepg_input(input_seq)
  adapter <- as_adapter(model, output = "probability")
  info <- adapter_info(adapter)
  d <- dim(x)
  set_input <- length(d) == 4L # deepG's set input c(1, samples, maxlen, channels)
  if (set_input && length(info$item_shape) != 3L) {
    dgi_arg_error(
      "{.arg input_seq} has dim c({paste(d, collapse = ', ')}), a set of sequences, but the model takes one sequence (maxlen, channels).",
      "input_seq", hint = "Give an array with dim c(1, maxlen, {info$n_channels}).")
  }
  if (d[length(d)] != info$n_channels) {
    dgi_arg_error("{.arg input_seq} has {d[length(d)]} channels (dim {length(d)}) but the model expects {info$n_channels}.",
                  "input_seq")
  }
  if (set_input) check_set_dims(d, info, "input_seq", call = rlang::current_env())
  if (!is.null(info$maxlen) && length(info$item_shape) == 2 && d[2] != info$maxlen) {
    dgi_arg_error("{.arg input_seq} has length {d[2]} (dim 2) but the model expects maxlen = {info$maxlen}.",
                  "input_seq")
  }
  as_target(target_class_idx, info, arg = "target_class_idx") # checked before drawing baselines

  if (num_baseline_repeats > 1 && baseline_type == "zero") {
    warning('Ignoring num_baseline_repeats if baseline is of type "zero". ',
            'Did you mean to use baseline_type = "shuffle"?', call. = FALSE)
    num_baseline_repeats <- 1L
  }
  # Baselines drawn with deepG's own R calls, so set.seed() gives deepG's numbers (set
  # inputs, which deepG cannot explain: each member's positions shuffled on their own).
  baseline <- switch(baseline_type,
    zero = "zero",
    shuffle = {
      b <- array(0, dim = c(num_baseline_repeats, d[-1]))
      for (r in seq_len(num_baseline_repeats)) {
        if (set_input) {
          for (k in seq_len(d[2])) b[r, k, , ] <- x[1, k, sample(d[3]), ]
        } else {
          b[r, , ] <- x[1, sample(d[2]), , drop = FALSE][1, , ]
        }
      }
      b
    },
    unif = {
      b <- array(0, dim = c(num_baseline_repeats, d[-1]))
      for (r in seq_len(num_baseline_repeats)) {
        u <- array(stats::runif(prod(d)), dim = d)
        if (set_input) b[r, , , ] <- u[1, , , ] else b[r, , ] <- u[1, , ]
      }
      b
    }
  )
  run <- engine_run(
    "integrated_gradients", adapter, x, target_class_idx,
    method_args = list(baseline = baseline, steps = m_steps, method = "trapezoid"),
    options = list(batch_size = if (isTRUE(pred_stepwise)) 1L, progress = FALSE),
    arg_names = list(target = "target_class_idx", baseline = "baseline_type",
                     sequences = "input_seq")
  )
  res <- run$result
  scores <- py_helpers()$to_numpy(res$attributions)
  vocab <- as.character(unlist(reticulate::py_to_r(res$inputs$vocabulary)))
  n_ch <- d[length(d)]
  m <- matrix(as.vector(scores[1, , ]), ncol = n_ch) # positions (members concatenated) x C
  if (set_input) {
    # one maxlen x channels slice per set member, as the input: c(samples, maxlen, channels)
    out <- aperm(array(m, dim = c(d[3], d[2], n_ch)), c(2L, 1L, 3L))
    dimnames(out) <- list(NULL, NULL, vocab)
    return(out)
  }
  colnames(m) <- vocab
  m
}

# deepG's input_seq (array, matrix, tensor) -> R array c(1, maxlen, channels), or
# c(1, samples, maxlen, channels) for set models.
deepg_input <- function(input_seq, arg = "input_seq", call = rlang::caller_env()) {
  if (is_python(input_seq)) {
    input_seq <- tryCatch(py_helpers()$to_numpy(input_seq), error = function(e) {
      dgi_arg_error("{.arg {arg}} is a Python object that cannot be turned into an array.", arg,
                    call = call)
    })
  }
  if (is.list(input_seq)) {
    dgi_arg_error(
      "{.arg {arg}} is a list (a multi-input model); the drop-in explains single-input models.",
      arg, hint = "Use {.fn dgi_integrated_gradients} for other set-ups.", call = call
    )
  }
  if (is.character(input_seq)) {
    dgi_arg_error(
      "{.arg {arg}} must be a one-hot array with dim c(1, maxlen, channels), not {describe(input_seq)}.",
      arg, hint = "For DNA strings or FASTA files use {.fn dgi_integrated_gradients}.",
      call = call
    )
  }
  if (!(is.numeric(input_seq) || is.logical(input_seq)) || !length(dim(input_seq)) %in% 2:4) {
    dgi_arg_error(
      "{.arg {arg}} must be a one-hot array with dim c(1, maxlen, channels) (set models: c(1, samples, maxlen, channels)), not {describe(input_seq)}.",
      arg, call = call
    )
  }
  if (length(dim(input_seq)) == 2L) input_seq <- array(input_seq, dim = c(1L, dim(input_seq)))
  if (dim(input_seq)[1] != 1L) {
    dgi_arg_error(
      "{.arg {arg}} holds {dim(input_seq)[1]} sequences; deepG's {.fn integrated_gradients} explains one (dim c(1, maxlen, channels), or c(1, samples, maxlen, channels) for a set model).",
      arg, hint = "Use {.fn dgi_integrated_gradients} for several sequences at once.",
      call = call
    )
  }
  if (anyNA(input_seq)) dgi_arg_error("{.arg {arg}} contains NA values.", arg, call = call)
  storage.mode(input_seq) <- "double"
  input_seq
}
