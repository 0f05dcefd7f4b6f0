# deepG's integrated_gradients() on a list `input_seq` (multi-input models:
# create_model_lstm_cnn_multi_input(), create_model_lstm_cnn_target_middle()).
# deepG interpolates every input at once from its own baseline (one alpha for
# all) and returns one maxlen x channels score matrix per input. The engine
# does the same through input_index = "all": the inputs' sequences are
# concatenated into one, which is interpolated and split again.

deepg_ig_list <- function(m_steps, baseline_type, input_seq, target_class_idx, model,
                          pred_stepwise, num_baseline_repeats, call = rlang::caller_env()) {
  keras_model <- keras_model_of(model, call = call)
  infos <- model_inputs_info(keras_model)
  n <- length(infos)
  listing <- stats::setNames(cli_escape(vapply(infos, describe_input, "")), rep("*", n))
  if (length(input_seq) != n) {
    dgi_arg_error(
      c("{.arg input_seq} is a list of {length(input_seq)} but the model has {n} input{?s}:", listing),
      "input_seq", hint = "Give one array per model input, in input order, as deepG's multi-input generators do.",
      call = call
    )
  }
  other <- which(vapply(infos, `[[`, "", "kind") != "sequence")
  if (length(other)) {
    i <- other[1]
    what <- describe_input(infos[[i]])
    slots <- ifelse(seq_len(n) %in% other, "<value>", "NULL")
    example <- cli_escape(paste0("dgi_integrated_gradients(model, sequences, target, other_inputs = list(",
                                 paste(slots, collapse = ", "), "))"))
    dgi_arg_error(
      c("{.arg input_seq}: {what} is not a one-hot sequence input; deepG's {.fn integrated_gradients} interpolates every input and cannot explain this model (nor can the drop-in).",
        listing),
      "input_seq",
      hint = paste0("Hold it fixed and explain the sequence: {.code ", example, "}."),
      call = call
    )
  }
  xs <- lapply(seq_len(n), function(i) {
    arg <- paste0("input_seq[[", i, "]]")
    x <- deepg_input(input_seq[[i]], arg = arg, call = call)
    want <- infos[[i]]$shape
    d <- dim(x)[2:3]
    if (any(!is.na(want) & d != want)) {
      input <- describe_input(infos[[i]])
      dgi_arg_error(
        "{.arg {arg}} has dim c(1, {d[1]}, {d[2]}) but {input} takes c(1, {want[1]}, {want[2]}).",
        "input_seq", call = call
      )
    }
    x
  })
  lens <- vapply(xs, function(x) dim(x)[2], 1L)
  n_ch <- dim(xs[[1]])[3]
  if (any(vapply(xs, function(x) dim(x)[3], 1L) != n_ch)) {
    dgi_arg_error("The arrays in {.arg input_seq} have different channel counts.", "input_seq",
                  call = call)
  }
  starts <- cumsum(c(0L, lens))[seq_len(n)]
  total <- sum(lens)
  adapter <- as_adapter(keras_model, output = "probability", input_index = "all", call = call)
  info <- adapter_info(adapter)
  as_target(target_class_idx, info, arg = "target_class_idx", call = call)

  if (num_baseline_repeats > 1 && baseline_type == "zero") {
    warning('Ignoring num_baseline_repeats if baseline is of type "zero". ',
            'Did you mean to use baseline_type = "shuffle"?', call. = FALSE)
    num_baseline_repeats <- 1L
  }
  x <- array(0, dim = c(1L, total, n_ch))
  for (i in seq_len(n)) x[1, starts[i] + seq_len(lens[i]), ] <- xs[[i]][1, , ]
  # deepG's draws, in its order: per repeat, input 1, 2, ... (interpolate_seq()).
  baseline <- if (baseline_type == "zero") "zero" else {
    b <- array(0, dim = c(num_baseline_repeats, total, n_ch))
    for (r in seq_len(num_baseline_repeats)) {
      for (i in seq_len(n)) {
        d <- dim(xs[[i]])
        b[r, starts[i] + seq_len(lens[i]), ] <- if (baseline_type == "shuffle") {
          xs[[i]][1, sample(d[2]), , drop = FALSE][1, , ]
        } else {
          array(stats::runif(prod(d)), dim = d)[1, , ]
        }
      }
    }
    b
  }
  run <- engine_run(
    "integrated_gradients", adapter, x, target_class_idx,
    method_args = list(baseline = baseline, steps = m_steps, method = "trapezoid"),
    options = list(batch_size = if (isTRUE(pred_stepwise)) 1L, progress = FALSE),
    arg_names = list(target = "target_class_idx", baseline = "baseline_type",
                     sequences = "input_seq"),
    call = call
  )
  res <- run$result
  scores <- py_helpers()$to_numpy(res$attributions)
  channels <- as.character(unlist(reticulate::py_to_r(res$inputs$vocabulary)))
  out <- lapply(seq_len(n), function(i) {
    m <- matrix(as.vector(scores[1, starts[i] + seq_len(lens[i]), ]), nrow = lens[i], ncol = n_ch)
    colnames(m) <- channels
    m
  })
  # deepG stacks the repeats' lists with tf$stack() and averages: one array
  # c(n_inputs, maxlen, channels) (it fails when the inputs differ in length).
  if (num_baseline_repeats > 1 && length(unique(lens)) == 1L) {
    stacked <- array(0, dim = c(n, lens[1], n_ch), dimnames = list(NULL, NULL, channels))
    for (i in seq_len(n)) stacked[i, , ] <- out[[i]]
    return(stacked)
  }
  out
}

# The Keras model behind a path, handle or model object (for its inputs).
keras_model_of <- function(model, arg = "model", call = rlang::caller_env()) {
  if (is.character(model)) {
    if (length(model) != 1 || is.na(model) || !file.exists(model)) {
      dgi_load_model_impl(model, arg = arg, call = call) # its error says what is wrong
    }
    full <- normalizePath(path.expand(model), mustWork = FALSE)
    stamp <- format(file.mtime(full), "%Y-%m-%d %H:%M:%OS6")
    dgi_engine()
    key <- paste("raw", full, stamp, "auto", "", sep = "\n")
    return(cached_adapter(key, function() read_model_file(full, "auto", NULL, arg = arg,
                                                          call = call)))
  }
  if (is_model_adapter(model)) return(model$keras_model)
  if (!is_python(model) || !isTRUE(py_helpers()$is_keras_model(model))) {
    as_adapter(model, arg = arg, call = call) # its error says what is wrong
  }
  model
}
