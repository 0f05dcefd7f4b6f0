# Conversions at the R/Python boundary: frames, models, targets, sequences,
# model-shaped arrays.

# deepG's default vocabulary (4-channel models); other models name their channels
# with `vocabulary =`, or get the engine's generic labels ch1 .. chC for arrays.
BASE_LEVELS <- c("A", "C", "G", "T")
# IUPAC ambiguity codes: encoded as ambiguous whatever the vocabulary.
IUPAC_AMBIGUOUS <- "NRYSWKMBDHV"
FASTA_PATTERN <- "\\.(fa|fasta|fna|ffn|fas|faa|seq)(\\.gz)?$"

# ---- data frames ---------------------------------------------------------------

# A pandas DataFrame (Python object) -> plain data.frame.
# Columns are converted one by one: no pandas index attribute, integer columns
# as R integers, categoricals as factors (base columns keep the engine's levels:
# the vocabulary, plus N for ambiguous positions). df.attrs -> attr(, "settings").
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
  attr(df, "settings") <- if (length(settings)) settings else list()
  df
}

# An R data.frame -> pandas, keeping R's NA (reticulate's own conversion turns a
# logical NA into True and an integer NA into -2147483648); factors become
# Categoricals, no R attributes cross.
r_frame <- function(df) {
  df <- as.data.frame(df)
  n_col <- ncol(df)
  kinds <- character(n_col)
  values <- vector("list", n_col)
  lvls <- vector("list", n_col)
  nas <- vector("list", n_col)
  for (i in seq_len(n_col)) {
    v <- df[[i]]
    nas[[i]] <- unname(is.na(v))
    if (is.factor(v)) {
      kinds[i] <- "factor"
      lvls[i] <- list(as.list(levels(v)))
      v <- as.integer(v)
      v[is.na(v)] <- 0L
    } else if (is.logical(v)) {
      kinds[i] <- "logical"
      v[is.na(v)] <- FALSE
    } else if (is.integer(v)) {
      kinds[i] <- "integer"
      v[is.na(v)] <- 0L
    } else if (is.numeric(v)) {
      kinds[i] <- "double"
      v <- as.double(v)
    } else {
      kinds[i] <- "character"
      v <- as.character(v)
      v[is.na(v)] <- ""
    }
    values[[i]] <- unname(v)
  }
  py_helpers()$frame_from_r(as.list(names(df)), as.list(kinds), values, lvls, nas,
                            nrow(df))
}

# ---- models --------------------------------------------------------------------

is_python <- function(x) inherits(x, "python.builtin.object")

# R users hold labels, ids, paths and sequences as factors as often as strings:
# a factor becomes the character vector it prints as (names kept).
as_chr <- function(x) {
  if (!is.factor(x)) return(x)
  stats::setNames(as.character(x), names(x))
}

is_model_adapter <- function(x) {
  is_python(x) && any(grepl("ModelAdapter$", class(x)))
}

# Anything a deepG user has -> the engine's ModelAdapter.
# `input_index`, `other_inputs`, `token_codes`: see dgi_load_model() (R terms).
as_adapter <- function(model, output = NULL, class_names = NULL, arg = "model",
                       call = rlang::caller_env(), input_index = NULL, other_inputs = NULL,
                       token_codes = NULL) {
  if (is.character(model)) {
    return(dgi_load_model_impl(model, output = output %||% "probability",
                               class_names = class_names, arg = arg, call = call,
                               input_index = input_index, other_inputs = other_inputs,
                               token_codes = token_codes))
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
  inputs <- input_args(model, input_index, other_inputs, arg = arg, call = call)
  if (is_model_adapter(model)) {
    if (is.null(output) && is.null(class_names) && is.null(inputs) && is.null(token_codes)) {
      return(model)
    }
    output <- output %||% reticulate::py_to_r(model$output)
  }
  eng <- dgi_engine()
  # The engine keeps one adapter per Keras model object (compiled once) and puts other
  # class names or outputs on copies, so no cache is needed here.
  kwargs <- list(model = model, output = output %||% "probability")
  if (!is.null(class_names)) kwargs$class_names <- as.list(class_names)
  kwargs <- c(kwargs, inputs, list(token_codes = token_codes))
  dgi_model_class(dgi_py_call(eng$load_model, kwargs,
                              arg_map = c(TargetError = "class_names", ModelError = arg,
                                          ShapeError = "other_inputs", ArgumentTypeError = arg),
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
  class_names <- as_chr(class_names)
  if (!is.character(class_names) || !length(class_names)) {
    dgi_arg_error("{.arg class_names} must be a character vector of class names, not {describe(class_names)}.",
                  "class_names", call = call)
  }
  check_no_na(class_names, "class_names", "give a name for every class", call = call)
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
                          !grepl("^[A-Za-z]+$", x)))
}

# `vocabulary` (R) -> NULL or a character vector with one label per channel.
as_vocabulary <- function(vocabulary, info, arg = "vocabulary",
                          what = "the model has {n} input channel{?s}",
                          call = rlang::caller_env()) {
  if (is.null(vocabulary)) return(NULL)
  if (is.factor(vocabulary)) vocabulary <- as.character(vocabulary)
  if (!is.character(vocabulary) || !length(vocabulary) || anyNA(vocabulary) ||
      any(!nzchar(vocabulary))) {
    dgi_arg_error("{.arg {arg}} must be a character vector with one label per channel, not {describe(vocabulary)}.",
                  arg, hint = "For example deepG's {.code c(\"A\", \"C\", \"G\", \"T\")}.", call = call)
  }
  single <- all(nchar(vocabulary) == 1L)
  key <- if (single) toupper(vocabulary) else vocabulary
  dup <- unique(vocabulary[duplicated(key)])
  if (length(dup)) {
    dgi_arg_error("{.arg {arg}} repeats the label{?s} {.val {dup}}; give every channel its own label.",
                  arg, call = call)
  }
  n <- info$n_channels
  if (!is.null(n) && length(vocabulary) != n) {
    dgi_arg_error(
      paste0("{.arg {arg}} has {length(vocabulary)} label{?s} but ", what, "."),
      arg, hint = "Give the {n} letters the model was trained on, in order (deepG's {.arg vocabulary}).",
      call = call
    )
  }
  if (single) toupper(vocabulary) else vocabulary
}

# The letters DNA strings are encoded with: the vocabulary, else A, C, G, T for
# 4-channel models; other models need a vocabulary.
string_letters <- function(vocabulary, info, arg, call) {
  if (!is.null(vocabulary)) {
    if (any(!grepl("^[A-Za-z]$", vocabulary))) {
      dgi_arg_error(
        "{.arg vocabulary} must be single letters to encode sequence strings, not {.val {vocabulary}}.",
        "vocabulary", hint = "Labels longer than one letter only name the channels of one-hot arrays.",
        call = call
      )
    }
    return(vocabulary)
  }
  n <- info$n_channels
  if (is.null(n) || n == length(BASE_LEVELS)) return(BASE_LEVELS)
  dgi_arg_error(
    "{.arg {arg}} are sequence strings but the model has {n} input channels, not 4 (A, C, G, T).",
    arg, hint = "Pass {.code vocabulary = } with the {n} letters the model was trained on, in order (deepG's {.arg vocabulary}), or a one-hot array.",
    call = call
  )
}

# Sequences as deepG users hold them -> what the engine's encode() takes:
# list(sequences = <Python object or FASTA path>, seq_ids = NULL or a list).
as_sequences <- function(sequences, info, arg = "sequences", window_step = NULL, pad = NULL,
                         vocabulary = NULL, call = rlang::caller_env()) {
  if (is_python(sequences)) return(list(sequences = sequences))
  if (is.data.frame(sequences) && "sequence" %in% names(sequences)) {
    # e.g. dgi_simulate_motifs()$sequences: one row per sequence
    ids <- if ("seq_id" %in% names(sequences)) as.character(sequences$seq_id) else NULL
    sequences <- stats::setNames(as.character(sequences$sequence), ids)
  }
  if (methods::is(sequences, "XStringSet")) {
    sequences <- as.character(sequences)
  }
  if (is.list(sequences) && !is.data.frame(sequences) && length(sequences) &&
      all(vapply(sequences, function(s) (is.character(s) || is.factor(s)) && length(s) == 1,
                 logical(1)))) {
    sequences <- lapply(sequences, as_chr)
    sequences <- unlist(sequences)
  }
  sequences <- as_chr(sequences)
  if (is.character(sequences)) {
    return(as_character_sequences(sequences, info, arg, window_step, pad, vocabulary, call))
  }
  if (is.numeric(sequences) || is.logical(sequences)) {
    return(as_onehot(sequences, info, arg, window_step, pad, call))
  }
  n <- info$n_channels %||% 4L
  dgi_arg_error(
    "{.arg {arg}} must be sequence strings, a FASTA path or a one-hot array, not {describe(sequences)}.",
    arg,
    hint = "Give a character vector, a FASTA file, an array with dim c(n, maxlen, {n}) (deepG's {.fn seq_encoding_label}) or a Biostrings DNAStringSet.",
    call = call
  )
}

# Names of sequences become seq_ids: they must be unique (the engine keys
# results by them).
check_unique_ids <- function(ids, arg, call) {
  dup <- unique(ids[duplicated(ids)])
  if (length(dup)) {
    dgi_arg_error(
      "{.arg {arg}} has duplicated sequence names: {.val {dup}}.",
      arg,
      hint = "Names become the {.field seq_id} of every row and must be unique; make them unique first, e.g. {.code names(x) <- make.unique(names(x))} (for a data frame: {.code df$seq_id <- make.unique(df$seq_id)}).",
      call = call
    )
  }
  invisible(ids)
}

as_character_sequences <- function(x, info, arg, window_step, pad, vocabulary, call) {
  if (!length(x)) {
    dgi_arg_error("{.arg {arg}} is empty; give at least one sequence.", arg, call = call)
  }
  if (anyNA(x)) {
    i <- which(is.na(x))[1]
    dgi_arg_error("{.arg {arg}}: sequence {i} is NA.", arg, call = call)
  }
  letters <- string_letters(vocabulary, info, arg, call)
  if (looks_like_fasta(x)) {
    path <- normalizePath(path.expand(x), mustWork = FALSE)
    if (!file.exists(path)) {
      dgi_arg_error("{.arg {arg}}: the FASTA file {.path {path}} does not exist.", arg,
                    hint = "Check the path (relative paths start at {.path {getwd()}}).", call = call)
    }
    return(list(sequences = path))
  }
  ids <- names(x)
  named <- !(is.null(ids) || any(!nzchar(ids) | is.na(ids)))
  if (named) {
    check_unique_ids(ids, arg, call)
  } else {
    ids <- paste0("seq_", seq_along(x))
  }
  empty <- which(!nzchar(x))
  if (length(empty)) {
    dgi_arg_error("{.arg {arg}}: sequence {empty[1]} ({.val {ids[empty[1]]}}) is empty.", arg,
                  call = call)
  }
  # Characters outside the vocabulary are the engine's to judge: like deepG it encodes
  # them as ambiguous (deepG's own ecoli_small starts with "|"), with a warning.
  check_lengths(nchar(x), ids, info, arg, window_step, pad, call)
  list(sequences = reticulate::r_to_py(as.list(unname(x))),
       seq_ids = if (named) as.list(ids))
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

# One-hot array (deepG's seq_encoding_label(): dim c(n, maxlen, channels); set
# models: c(n, samples, maxlen, channels)) -> numpy; names from dimnames(x)[[1]].
as_onehot <- function(x, info, arg, window_step, pad, call) {
  n_ch <- info$n_channels
  d <- dim(x)
  set_model <- length(info$item_shape) == 3L
  if (is.null(d) || !length(d) %in% c(2L, 3L, if (set_model) 4L)) {
    hint <- if (set_model) {
      "The model is a set model: give deepG's array with dim c(n, {info$item_shape[1]}, maxlen, {n_ch})."
    } else if (length(d) == 4L) {
      "Arrays with dim c(n, samples, maxlen, channels) are for set (time-distributed) models; this model takes one sequence per row."
    }
    dgi_arg_error(
      "{.arg {arg}}: a numeric input must be a one-hot array with dim c(n, maxlen, {n_ch}) or a matrix c(maxlen, {n_ch}), not {describe(x)}.",
      arg, hint = hint, call = call
    )
  }
  ids <- NULL
  if (length(d) == 2L) {
    x <- array(x, dim = c(1L, d))
    d <- dim(x)
  } else {
    ids <- dimnames(x)[[1]]
    if (!is.null(ids)) check_unique_ids(ids, arg, call)
  }
  if (d[length(d)] != n_ch) {
    dgi_arg_error(
      "{.arg {arg}} has {d[length(d)]} channels (dim(x)[{length(d)}]) but the model expects {n_ch}.",
      arg, call = call
    )
  }
  if (length(d) == 4L) check_set_dims(d, info, arg, call)
  if (anyNA(x)) {
    dgi_arg_error("{.arg {arg}} contains NA values.", arg, call = call)
  }
  if (!is.null(info$maxlen) && length(info$item_shape) == 2) {
    check_lengths(rep(d[2], d[1]), ids %||% paste0("seq_", seq_len(d[1])), info, arg,
                  window_step, pad, call)
  }
  storage.mode(x) <- "double"
  list(sequences = py_helpers()$numpy_float32(unname(x)),
       seq_ids = if (!is.null(ids)) as.list(ids))
}

# deepG's set input c(n, samples, maxlen, channels) against the model's
# (samples, maxlen, channels).
check_set_dims <- function(d, info, arg, call) {
  want <- info$item_shape
  for (k in 1:2) {
    if (!is.na(want[k]) && d[k + 1L] != want[k]) {
      dgi_arg_error(
        "{.arg {arg}} has dim c({paste(d, collapse = ', ')}) but the set model expects dim c(n, {want[1]}, {want[2]}, {want[3]}).",
        arg, hint = "dim(x)[2] is the number of set members (deepG's {.arg samples_per_target}), dim(x)[3] their {.arg maxlen}.",
        call = call
      )
    }
  }
  invisible()
}

# ---- model-shaped arrays (explicit baselines and the like) ---------------------

# An R array c(maxlen, C) or c(n, maxlen, C) checked against the model -> numpy.
as_model_array <- function(x, info, arg, call = rlang::caller_env()) {
  d <- dim(x)
  if (d[length(d)] != info$n_channels) {
    dgi_arg_error("{.arg {arg}} has {d[length(d)]} channels but the model expects {info$n_channels}.",
                  arg, call = call)
  }
  len <- d[length(d) - 1L]
  item <- info$item_shape
  if (length(item) == 3L) {
    # set model: c(k, samples, maxlen, C), one set c(samples, maxlen, C), or the members
    # concatenated: c(samples * maxlen, C) / c(k, samples * maxlen, C)
    total <- prod(item[1:2])
    if (length(d) == 4L) {
      check_set_dims(d, info, arg, call)
    } else if (!(identical(as.integer(d), item) || is.na(total) || len == total)) {
      dgi_arg_error(
        "{.arg {arg}} has dim c({paste(d, collapse = ', ')}) but the set model expects dim c(k, {item[1]}, {item[2]}, {item[3]}) or c(k, {total}, {item[3]}) (members concatenated).",
        arg, call = call
      )
    }
  } else if (length(d) == 4L) {
    dgi_arg_error("{.arg {arg}} has 4 dimensions; only set (time-distributed) models take those.",
                  arg, call = call)
  } else if (!is.null(info$maxlen) && len != info$maxlen) {
    dgi_arg_error("{.arg {arg}} has length {len} but the model expects maxlen = {info$maxlen}.",
                  arg, call = call)
  }
  if (anyNA(x)) dgi_arg_error("{.arg {arg}} contains NA values.", arg, call = call)
  storage.mode(x) <- "double"
  py_helpers()$numpy_float32(unname(x))
}

`%||%` <- function(x, y) if (is.null(x)) y else x
