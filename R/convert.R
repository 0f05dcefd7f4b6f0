# Conversions at the R/Python boundary: frames, models, targets, sequences,
# baselines.

BASE_LEVELS <- c("A", "C", "G", "T")
BASE_COLUMNS <- c("base", "ref_base", "alt_base", "max_base")
BASELINE_NAMES <- c("zero", "uniform", "shuffle", "dinuc_shuffle", "gc_matched", "background")
BASELINE_ALIASES <- c(unif = "uniform", zeros = "zero", shuffled = "shuffle",
                      dinuc = "dinuc_shuffle", dinucleotide_shuffle = "dinuc_shuffle",
                      gc = "gc_matched")
IUPAC_DNA <- "ACGTNRYSWKMBDHV"
FASTA_PATTERN <- "\\.(fa|fasta|fna|ffn|fas|seq)(\\.gz)?$"

# ---- data frames ---------------------------------------------------------------

# A pandas DataFrame (Python object) -> plain data.frame.
# Columns are converted one by one: no pandas index attribute, integer columns
# as R integers, categoricals as factors, `base`-like columns as factors with
# levels A, C, G, T (plus N where present). df.attrs -> attr(, "settings").
dgi_frame <- function(pdf) {
  parts <- reticulate::py_to_r(py_helpers()$frame_columns(pdf))
  col_names <- as.character(unlist(parts[[1]]))
  kinds <- as.character(unlist(parts[[2]]))
  values <- parts[[3]]
  levels <- parts[[4]]
  nas <- parts[[5]]
  settings <- parts[[6]]
  cols <- vector("list", length(col_names))
  for (i in seq_along(col_names)) {
    v <- as.vector(values[[i]])
    na <- as.logical(as.vector(nas[[i]]))
    v <- switch(kinds[i],
      factor = {
        lv <- as.character(as.vector(levels[[i]]))
        codes <- as.integer(v)
        codes[codes < 1L | na] <- NA_integer_
        structure(codes, levels = lv, class = "factor")
      },
      integer = as.integer(v),
      double = as.double(v),
      logical = as.logical(v),
      character = {
        lv <- as.character(as.vector(levels[[i]]))
        codes <- as.integer(v)
        codes[codes < 1L] <- NA_integer_
        lv[codes]
      },
      as.character(v)
    )
    if (any(na) && !is.factor(v)) v[na] <- NA
    cols[[i]] <- v
  }
  names(cols) <- col_names
  n <- if (length(cols)) length(cols[[1]]) else 0L
  df <- structure(cols, class = "data.frame", row.names = .set_row_names(n))
  df <- tidy_columns(df)
  attr(df, "settings") <- if (length(settings)) settings else list()
  df
}

# Make the R-facing column types hold whatever produced the frame.
tidy_columns <- function(df) {
  for (col in intersect(BASE_COLUMNS, names(df))) {
    v <- as.character(df[[col]])
    extra <- setdiff(sort(unique(v[!is.na(v)])), BASE_LEVELS)
    lv <- if (col == "base") c(BASE_LEVELS, extra) else c(BASE_LEVELS, extra)
    if (!is.factor(df[[col]]) || !identical(levels(df[[col]]), lv)) {
      df[[col]] <- factor(v, levels = lv)
    }
  }
  int_cols <- c("position", "start", "end", "steps", "target", "n", "run", "generation",
                "background_id", "label")
  for (col in intersect(int_cols, names(df))) {
    v <- df[[col]]
    if (is.double(v) && all(is.na(v) | (v == round(v) & abs(v) < .Machine$integer.max))) {
      df[[col]] <- as.integer(v)
    }
  }
  df
}

# ---- models --------------------------------------------------------------------

is_python <- function(x) inherits(x, "python.builtin.object")

is_model_adapter <- function(x) {
  is_python(x) && any(grepl("ModelAdapter$", class(x)))
}

# Anything a deepG user has -> the engine's ModelAdapter.
as_adapter <- function(model, output = NULL, class_names = NULL, arg = "model",
                       call = rlang::caller_env()) {
  if (is.character(model)) {
    return(dgi_load_model_impl(model, output = output %||% "probability",
                               class_names = class_names, arg = arg, call = call))
  }
  # Checked before anything starts Python, so a wrong R object gives a plain R error.
  if (!is_python(model) ||
      (!is_model_adapter(model) && !isTRUE(py_helpers()$is_keras_model(model)))) {
    dgi_arg_error(
      "{.arg {arg}} must be a Keras model, not {describe(model)}.",
      arg,
      hint = "Pass the model from deepG's {.fn create_model_lstm_cnn}/{.fn train_model}/{.fn load_cp}, a checkpoint path, or the result of {.fn dgi_load_model}.",
      call = call
    )
  }
  if (!is.null(class_names)) class_names <- as_class_names(class_names, call = call)
  if (is_model_adapter(model)) {
    if (is.null(output) && is.null(class_names)) return(model)
    output <- output %||% reticulate::py_to_r(model$output)
  }
  eng <- dgi_engine()
  # The engine keeps one adapter per Keras model object (compiled once) and puts other
  # class names or outputs on copies, so no cache is needed here.
  kwargs <- list(model = model, output = output %||% "probability")
  if (!is.null(class_names)) kwargs$class_names <- as.list(class_names)
  dgi_model_class(dgi_py_call(eng$load_model, kwargs,
                              arg_map = c(TargetError = "class_names", ModelError = arg,
                                          ArgumentTypeError = arg),
                              call = call))
}

# Checkpoint files are read once per path, modification time and settings.
cached_adapter <- function(key, make) {
  cache <- .dgi$models %||% list()
  if (!is.null(cache[[key]])) return(cache[[key]])
  adapter <- make()
  cache[[key]] <- adapter
  if (length(cache) > 8L) cache <- cache[-1L]
  .dgi$models <- cache
  adapter
}

as_class_names <- function(class_names, call = rlang::caller_env()) {
  if (is.factor(class_names)) class_names <- as.character(class_names)
  if (!is.character(class_names) || anyNA(class_names) || !length(class_names)) {
    dgi_arg_error("{.arg class_names} must be a character vector of class names, not {describe(class_names)}.",
                  "class_names", call = call)
  }
  class_names
}

dgi_model_class <- function(adapter) {
  if (!inherits(adapter, "dgi_model")) class(adapter) <- c("dgi_model", class(adapter))
  adapter
}

adapter_info <- function(adapter) {
  names <- reticulate::py_to_r(adapter$class_names)
  list(
    maxlen = reticulate::py_to_r(adapter$maxlen),
    n_channels = as.integer(reticulate::py_to_r(adapter$n_channels)),
    n_outputs = as.integer(reticulate::py_to_r(adapter$n_outputs)),
    class_names = if (is.null(names)) NULL else as.character(unlist(names)),
    output = reticulate::py_to_r(adapter$output),
    loader = reticulate::py_to_r(adapter$loader),
    item_shape = as.integer(unlist(lapply(reticulate::py_to_r(adapter$item_shape),
                                          function(d) if (is.null(d)) NA_integer_ else d)))
  )
}

# ---- targets -------------------------------------------------------------------

# 1-based index or class name -> what the engine wants (0-based int or name).
as_target <- function(target, info, arg = "target", call = rlang::caller_env()) {
  n_out <- info$n_outputs
  if (is.factor(target)) target <- as.character(target)
  if (is.character(target)) {
    if (length(target) != 1 || is.na(target)) {
      dgi_arg_error("{.arg {arg}} must be one class index or class name, not {describe(target)}.",
                    arg, call = call)
    }
    if (is.null(info$class_names)) {
      dgi_arg_error(
        "{.arg {arg}} = {.val {target}} is a class name, but the model has no class names.",
        arg,
        hint = "Pass {.code class_names = c(...)} (deepG's label vocabulary) or a 1-based index from 1 to {n_out}.",
        call = call
      )
    }
    if (!target %in% info$class_names) {
      dgi_arg_error(
        "{.arg {arg}} = {.val {target}} is not a class of the model.",
        arg,
        hint = "Choose one of {.val {info$class_names}} or a 1-based index from 1 to {n_out}.",
        call = call
      )
    }
    return(target)
  }
  if (!is.numeric(target) || length(target) != 1 || is.na(target) || target != round(target)) {
    dgi_arg_error(
      "{.arg {arg}} must be a 1-based class index (a whole number) or a class name, not {describe(target)}.",
      arg, call = call
    )
  }
  if (target < 1 || target > n_out) {
    hint <- if (target == 0) {
      "Class indices are 1-based in R, like deepG's {.arg target_class_idx}: the first class is 1."
    } else {
      "Use an index from 1 to {n_out} (1-based, like deepG's {.arg target_class_idx})."
    }
    dgi_arg_error(
      "{.arg {arg}} = {target} is out of range: the model has {n_out} output{?s}.",
      arg, hint = hint, call = call
    )
  }
  as.integer(target) - 1L
}

# ---- sequences -----------------------------------------------------------------

looks_like_fasta <- function(x) {
  length(x) == 1 && (grepl(FASTA_PATTERN, x, ignore.case = TRUE) ||
                       (file.exists(x) && !dir.exists(x) &&
                          !grepl(paste0("^[", IUPAC_DNA, "]+$"), x, ignore.case = TRUE)))
}

# Sequences as deepG users hold them -> what the engine's encode() takes.
as_sequences <- function(sequences, info, arg = "sequences", window_step = NULL, pad = NULL,
                         call = rlang::caller_env()) {
  if (is_python(sequences)) return(sequences)
  if (is.data.frame(sequences) && "sequence" %in% names(sequences)) {
    # e.g. dgi_simulate_motifs()$sequences: one row per sequence
    ids <- if ("seq_id" %in% names(sequences)) as.character(sequences$seq_id) else NULL
    sequences <- stats::setNames(as.character(sequences$sequence), ids)
  }
  if (methods::is(sequences, "XStringSet")) {
    sequences <- as.character(sequences)
  }
  if (is.list(sequences) && !is.data.frame(sequences) && length(sequences) &&
      all(vapply(sequences, function(s) is.character(s) && length(s) == 1, logical(1)))) {
    sequences <- unlist(sequences)
  }
  if (is.factor(sequences)) sequences <- as.character(sequences)
  if (is.character(sequences)) {
    return(as_character_sequences(sequences, info, arg, window_step, pad, call))
  }
  if (is.numeric(sequences) || is.logical(sequences)) {
    return(as_onehot(sequences, info, arg, window_step, pad, call))
  }
  dgi_arg_error(
    "{.arg {arg}} must be DNA strings, a FASTA path or a one-hot array, not {describe(sequences)}.",
    arg,
    hint = "Give a character vector, a FASTA file, an array with dim c(n, maxlen, 4) (deepG's {.fn seq_encoding_label}) or a Biostrings DNAStringSet.",
    call = call
  )
}

as_character_sequences <- function(x, info, arg, window_step, pad, call) {
  if (!length(x)) {
    dgi_arg_error("{.arg {arg}} is empty; give at least one sequence.", arg, call = call)
  }
  if (anyNA(x)) {
    i <- which(is.na(x))[1]
    dgi_arg_error("{.arg {arg}}: sequence {i} is NA.", arg, call = call)
  }
  if (looks_like_fasta(x)) {
    path <- normalizePath(path.expand(x), mustWork = FALSE)
    if (!file.exists(path)) {
      dgi_arg_error("{.arg {arg}}: the FASTA file {.path {path}} does not exist.", arg,
                    hint = "Check the path (relative paths start at {.path {getwd()}}).", call = call)
    }
    return(path)
  }
  ids <- names(x)
  if (is.null(ids) || any(!nzchar(ids) | is.na(ids))) {
    ids <- paste0("seq_", seq_along(x))
    named <- FALSE
  } else {
    named <- TRUE
  }
  empty <- which(!nzchar(x))
  if (length(empty)) {
    dgi_arg_error("{.arg {arg}}: sequence {empty[1]} ({.val {ids[empty[1]]}}) is empty.", arg,
                  call = call)
  }
  if (identical(info$n_channels, 4L)) {
    bad <- regexpr(paste0("[^", IUPAC_DNA, "]"), x, ignore.case = TRUE)
    if (any(bad > 0)) {
      i <- which(bad > 0)[1]
      ch <- substr(x[i], bad[i], bad[i])
      dgi_arg_error(
        "{.arg {arg}}: sequence {i} ({.val {ids[i]}}) has the non-DNA character {.val {ch}} at position {bad[i]}.",
        arg, hint = "Sequences use A, C, G, T (any case); N and IUPAC codes count as ambiguous.",
        call = call
      )
    }
  }
  check_lengths(nchar(x), ids, info, arg, window_step, pad, call)
  if (named) {
    reticulate::py_dict(as.list(ids), as.list(unname(x)), convert = FALSE)
  } else {
    reticulate::r_to_py(as.list(unname(x)))
  }
}

check_lengths <- function(lens, ids, info, arg, window_step, pad, call) {
  maxlen <- info$maxlen
  if (is.null(maxlen) || length(info$item_shape) != 2) return(invisible())
  long <- which(lens > maxlen)
  if (length(long) && is.null(window_step)) {
    i <- long[1]
    dgi_arg_error(
      "{.arg {arg}}: sequence {i} ({.val {ids[i]}}) has length {lens[i]} but the model expects maxlen = {maxlen}.",
      arg, hint = "Pass {.code window_step = } to cut longer sequences into windows of {maxlen} bases.",
      call = call
    )
  }
  short <- which(lens < maxlen)
  if (length(short) && is.null(pad)) {
    i <- short[1]
    dgi_arg_error(
      "{.arg {arg}}: sequence {i} ({.val {ids[i]}}) has length {lens[i]} but the model expects maxlen = {maxlen}.",
      arg, hint = "Pass {.code pad = \"right\"} (or {.val left}) to pad shorter sequences with all-zero rows.",
      call = call
    )
  }
  invisible()
}

# One-hot array (deepG's seq_encoding_label(): dim c(n, maxlen, 4)) -> numpy.
as_onehot <- function(x, info, arg, window_step, pad, call) {
  d <- dim(x)
  if (is.null(d) || !length(d) %in% c(2L, 3L)) {
    dgi_arg_error(
      "{.arg {arg}}: a numeric input must be a one-hot array with dim c(n, maxlen, {info$n_channels}) or a matrix c(maxlen, {info$n_channels}), not {describe(x)}.",
      arg, call = call
    )
  }
  if (length(d) == 2L) {
    x <- array(x, dim = c(1L, d))
    d <- dim(x)
  }
  if (d[3] != info$n_channels) {
    dgi_arg_error(
      "{.arg {arg}} has {d[3]} channels (dim(x)[3]) but the model expects {info$n_channels} (A, C, G, T).",
      arg, call = call
    )
  }
  if (anyNA(x)) {
    dgi_arg_error("{.arg {arg}} contains NA values.", arg, call = call)
  }
  if (!is.null(info$maxlen) && length(info$item_shape) == 2) {
    check_lengths(rep(d[2], d[1]), paste0("seq_", seq_len(d[1])), info, arg, window_step, pad, call)
  }
  storage.mode(x) <- "double"
  py_helpers()$numpy_float32(x)
}

# ---- baselines -----------------------------------------------------------------

as_baseline <- function(baseline, info, arg = "baseline", call = rlang::caller_env()) {
  if (is.character(baseline)) {
    return(as_choice(baseline, BASELINE_NAMES, arg, aliases = BASELINE_ALIASES, call = call))
  }
  if (is_python(baseline)) return(baseline)
  if (is.numeric(baseline) && length(dim(baseline)) %in% c(2L, 3L)) {
    d <- dim(baseline)
    if (d[length(d)] != info$n_channels) {
      dgi_arg_error("{.arg {arg}} has {d[length(d)]} channels but the model expects {info$n_channels}.",
                    arg, call = call)
    }
    len <- d[length(d) - 1L]
    if (!is.null(info$maxlen) && len != info$maxlen) {
      dgi_arg_error("{.arg {arg}} has length {len} but the model expects maxlen = {info$maxlen}.",
                    arg, call = call)
    }
    if (anyNA(baseline)) dgi_arg_error("{.arg {arg}} contains NA values.", arg, call = call)
    storage.mode(baseline) <- "double"
    return(py_helpers()$numpy_float32(baseline))
  }
  dgi_arg_error(
    "{.arg {arg}} must be a baseline name or an array with dim c(maxlen, {info$n_channels}) or c(n, maxlen, {info$n_channels}), not {describe(baseline)}.",
    arg, hint = "Names: {.val {BASELINE_NAMES}}.", call = call
  )
}

`%||%` <- function(x, y) if (is.null(x)) y else x
