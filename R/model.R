#' Load a deepG model for explanation
#'
#' Loads a checkpoint file (`.h5`/`.hdf5` written by deepG with Keras 2,
#' including legacy ones, `.keras`, or a SavedModel folder) or wraps a model
#' object you already have (from deepG's `create_model_lstm_cnn()`,
#' `train_model()` or `load_cp()`), and records how it is to be explained.
#' Every `dgi_*()` function also accepts the model object or the path
#' directly; load once with `dgi_load_model()` to set class names or explain
#' logits.
#'
#' @param model A path to a checkpoint, or a Keras model object (R keras,
#'   keras3, or a Python model through reticulate).
#' @param output `"probability"` (default) explains the model's output as it is;
#'   `"logit"` explains the value before the final softmax/sigmoid, which
#'   saturates less.
#' @param class_names Optional character vector with one name per output, in
#'   output order (deepG's label vocabulary, e.g. the folder names), so that
#'   targets can be given by name.
#' @param loader For files: `"auto"` (default) picks Keras 3 or the legacy
#'   Keras 2 loader (tf_keras) from the checkpoint; `"keras3"` or `"tf_keras"`
#'   force one.
#' @param input_index For models with several inputs, which input the
#'   sequences feed: a 1-based input number (the other inputs get fixed values
#'   from `other_inputs`), `"all"` to explain every one-hot input together (a
#'   sequence is then the concatenation of the inputs' sequences in input
#'   order, as deepG's multi-input generators lay them out; all inputs are
#'   interpolated together, as deepG's `integrated_gradients()` does for a list
#'   `input_seq`), or `"target_middle"` for
#'   `create_model_lstm_cnn_target_middle()` models (a sequence of length
#'   `maxlen + 1`: the first input is the part before the middle base, the
#'   second the part after it, reversed, as deepG's generator splits it; the
#'   middle base is the one predicted and gets no attribution). Default `NULL`:
#'   the only one-hot input `(maxlen, channels)` of the model, or the input
#'   marked `NULL` in `other_inputs`.
#' @param other_inputs For models with several inputs: a list with one entry
#'   per model input, in input order, `NULL` at the explained input(s) and a
#'   fixed value for each other input, shared by all sequences (a numeric
#'   vector or array of the input's shape, e.g. deepG's `label_input`:
#'   `other_inputs = list(c(1, 0, 0), NULL)`; a one-hot input may also be given
#'   as a DNA string). Default `NULL`.
#' @param token_codes For models on integer tokens (deepG's
#'   `create_model_transformer()` with `embed_dim > 0`, input `(maxlen)`): the
#'   token of each base, e.g. `c(A = 1, C = 2, G = 3, T = 4)`. Such models are
#'   explained as one-hot models through their token embedding (scores per
#'   base, as for one-hot models). Default `NULL`: deepG's integer coding
#'   `A = 1, C = 2, G = 3, T = 4` when the embedding has 5 or more rows; a
#'   4-row embedding (deepG's default `vocabulary_size = 4`, which cannot hold
#'   `T = 4`) uses `A = 0, C = 1, G = 2, T = 3`, with a warning.
#' @param custom_objects For files with custom layers: a named list of layer
#'   classes or instances, as for `keras::load_model_hdf5()`. deepG's
#'   transformer layers are defined in R: load such checkpoints with deepG's
#'   `load_cp()` and pass the model, or pass e.g.
#'   `custom_objects = list(layer_pos_embedding = deepG::layer_pos_embedding_wrapper(), ...)`.
#' @returns A model handle (the engine's `ModelAdapter`, a Python object of R
#'   class `dgi_model`) with fields `maxlen`, `n_outputs`, `class_names`,
#'   `output` and `loader`. Print it for a summary.
#' @seealso [dgi_integrated_gradients()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(20L, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- dgi_load_model(keras$Model(inp, out), class_names = c("neg", "pos"))
#' model
#'
#' # a model with a label input next to the sequence (deepG's label_input = 3)
#' seq_in <- keras$Input(shape = c(20L, 4L))
#' label_in <- keras$Input(shape = list(3L))
#' h <- keras$layers$Concatenate()(list(keras$layers$Flatten()(seq_in), label_in))
#' two <- keras$Model(list(label_in, seq_in), keras$layers$Dense(2L, activation = "softmax")(h))
#' dgi_load_model(two, other_inputs = list(c(0, 1, 0), NULL))
dgi_load_model <- function(model, output = "probability", class_names = NULL,
                           loader = "auto", input_index = NULL, other_inputs = NULL,
                           token_codes = NULL, custom_objects = NULL) {
  output <- as_choice(output, c("probability", "logit"), "output")
  loader <- as_choice(loader, c("auto", "keras3", "tf_keras"), "loader")
  token_codes <- as_token_codes(token_codes)
  if (is.character(model)) {
    return(dgi_load_model_impl(model, output = output, class_names = class_names,
                               loader = loader, input_index = input_index,
                               other_inputs = other_inputs, token_codes = token_codes,
                               custom_objects = custom_objects, arg = "model"))
  }
  if (!is.null(custom_objects)) {
    dgi_arg_error("{.arg custom_objects} is for checkpoint files; {.arg model} is already a model.",
                  "custom_objects")
  }
  as_adapter(model, output = output, class_names = class_names, input_index = input_index,
             other_inputs = other_inputs, token_codes = token_codes, arg = "model")
}

dgi_load_model_impl <- function(path, output = "probability", class_names = NULL,
                                loader = "auto", arg = "model", input_index = NULL,
                                other_inputs = NULL, token_codes = NULL, custom_objects = NULL,
                                call = rlang::caller_env()) {
  if (length(path) != 1 || is.na(path) || !nzchar(path)) {
    dgi_arg_error("{.arg {arg}} must be one path to a checkpoint, not {describe(path)}.", arg,
                  call = call)
  }
  full <- normalizePath(path.expand(path), mustWork = FALSE)
  if (!file.exists(full)) {
    dgi_arg_error("{.arg {arg}}: the model file {.path {full}} does not exist.", arg,
                  hint = "Check the path (relative paths start at {.path {getwd()}}).",
                  call = call)
  }
  if (!is.null(class_names)) class_names <- as_class_names(class_names, call = call)
  if (!is.null(custom_objects) &&
      (!is.list(custom_objects) || is.null(names(custom_objects)) ||
       any(!nzchar(names(custom_objects))))) {
    dgi_arg_error("{.arg custom_objects} must be a named list of layer classes, not {describe(custom_objects)}.",
                  "custom_objects", call = call)
  }
  dgi_engine()
  stamp <- format(file.mtime(full), "%Y-%m-%d %H:%M:%OS6")
  raw_key <- paste("raw", full, stamp, loader, paste(names(custom_objects), collapse = "\r"),
                   sep = "\n")
  keras_model <- cached_adapter(raw_key, function() read_model_file(full, loader, custom_objects,
                                                                    arg = arg, call = call))
  if (!is.null(other_inputs) || !is.null(token_codes)) {
    return(as_adapter(keras_model, output = output, class_names = class_names,
                      input_index = input_index, other_inputs = other_inputs,
                      token_codes = token_codes, arg = arg, call = call))
  }
  key <- paste("file", full, stamp, output, loader, paste(class_names, collapse = "\r"),
               paste(input_index, collapse = ""), paste(names(custom_objects), collapse = "\r"),
               sep = "\n")
  cached_adapter(key, function() {
    as_adapter(keras_model, output = output, class_names = class_names,
               input_index = input_index, arg = arg, call = call)
  })
}

# A checkpoint file -> the Keras model object (how it was read comes as a message).
read_model_file <- function(full, loader, custom_objects, arg = "model",
                            call = rlang::caller_env()) {
  kwargs <- list(path = full, loader = loader)
  if (!is.null(custom_objects)) kwargs$custom_objects <- reticulate::dict(custom_objects)
  tryCatch(
    dgi_py_call(py_bridge()$read_model, kwargs,
                arg_map = c(ModelError = arg, ArgumentTypeError = arg), call = call,
                warnings_as = "message"),
    dgi_model_error = function(e) {
      msg <- gsub("\\s+", " ", conditionMessage(e))
      layers <- regmatches(msg, gregexpr("'layer_[A-Za-z0-9_]+'", msg))[[1]]
      layers <- gsub("'", "", layers, fixed = TRUE)
      if (!grepl("deepG's layers", msg, fixed = TRUE)) stop(e)
      layers <- unique(layers)
      example <- paste0(layers[1], " = deepG::", layers[1], "_wrapper()")
      dgi_arg_error(
        "{.arg {arg}}: the checkpoint {.path {full}} uses deepG's custom layer{?s} {.val {layers}}, which deepG defines in R.",
        arg,
        hint = "Load it with deepG and pass the model: {.code model <- deepG::load_cp(\"{full}\")}; or pass {.code custom_objects = list({example})}.",
        call = call, class = "dgi_custom_layers_error"
      )
    }
  )
}

# `token_codes` (R) -> NULL or a named list (a dict for the engine).
as_token_codes <- function(token_codes, call = rlang::caller_env()) {
  if (is.null(token_codes)) return(NULL)
  ok <- is.numeric(token_codes) && !anyNA(token_codes) && all(token_codes == round(token_codes)) &&
    all(token_codes >= 0)
  nm <- names(token_codes)
  if (is.null(nm) && length(token_codes) == 4L) nm <- BASE_LEVELS
  if (!ok || is.null(nm) || any(!grepl("^[A-Za-z]$", nm)) || anyDuplicated(toupper(nm)) ||
      anyDuplicated(token_codes)) {
    dgi_arg_error(
      "{.arg token_codes} must give each base its integer token, like {.code c(A = 1, C = 2, G = 3, T = 4)}, not {describe(token_codes)}.",
      "token_codes", hint = "deepG's integer coding (seq_encoding_label(return_int = TRUE)) is A = 1, C = 2, G = 3, T = 4.",
      call = call
    )
  }
  stats::setNames(as.list(as.integer(token_codes)), toupper(nm))
}

# ---- several inputs ------------------------------------------------------------

# The model's inputs as an R list: index (1-based), name, shape (NA for any length),
# kind ("sequence", "set", "vector", "other").
model_inputs_info <- function(model) {
  lapply(py_helpers()$model_inputs(model), function(i) {
    list(index = as.integer(i$index) + 1L, name = as.character(i$name),
         shape = vapply(i$shape, function(d) if (is.null(d)) NA_integer_ else as.integer(d), 1L),
         kind = as.character(i$kind))
  })
}

# "input 2 `input_3`, shape (NULL, 60, 4)"
describe_input <- function(info) {
  dims <- paste(c("NULL", ifelse(is.na(info$shape), "NULL", info$shape)), collapse = ", ")
  paste0("input ", info$index, " `", info$name, "`, shape (", dims, ")")
}

# cli interpolates braces; these strings are data.
cli_escape <- function(x) gsub("}", "}}", gsub("{", "{{", x, fixed = TRUE), fixed = TRUE)

# `input_index` and `other_inputs` (R terms: 1-based, NULL at the explained input)
# checked against the model's inputs -> the engine's keyword arguments (0-based,
# None), or NULL when the model needs none.
input_args <- function(model, input_index = NULL, other_inputs = NULL, arg = "model",
                       call = rlang::caller_env()) {
  if (is.null(input_index) && is.null(other_inputs) && is_model_adapter(model)) return(NULL)
  infos <- model_inputs_info(model)
  n <- length(infos)
  if (n == 1L && is.null(input_index) && is.null(other_inputs)) return(NULL)
  listing <- vapply(infos, describe_input, "")
  bullets <- stats::setNames(cli_escape(listing), rep("*", n))
  kinds <- vapply(infos, `[[`, "", "kind")
  if (!is.null(other_inputs) &&
      (!is.list(other_inputs) || is.data.frame(other_inputs) || is_python(other_inputs))) {
    dgi_arg_error("{.arg other_inputs} must be a list with one entry per model input (NULL at the explained input), not {describe(other_inputs)}.",
                  "other_inputs", call = call)
  }
  if (!is.null(other_inputs) && length(other_inputs) != n) {
    dgi_arg_error("{.arg other_inputs} has {length(other_inputs)} entr{?y/ies} but the model has {n} input{?s}:",
                  "other_inputs", bullets,
                  hint = "Give one entry per input, in input order, with NULL at the explained input.",
                  call = call)
  }
  explained <- explained_inputs(input_index, other_inputs, infos, bullets, call)
  engine_index <- if (is.character(input_index)) input_index else explained - 1L
  if (length(explained) == 1L) engine_index <- as.integer(engine_index)
  need <- setdiff(seq_len(n), explained)
  if (!length(need)) {
    if (!is.null(other_inputs) && any(!vapply(other_inputs, is.null, TRUE))) {
      dgi_arg_error("{.arg other_inputs} has values, but every input of the model is explained.",
                    "other_inputs", hint = "Leave {.arg other_inputs} as NULL.", call = call)
    }
    return(list(input_index = engine_index))
  }
  what <- if (is.character(input_index)) {
    paste0("`input_index = \"", input_index, "\"` explains input", if (length(explained) > 1) "s",
           " ", paste(explained, collapse = " and "))
  } else {
    paste0("the sequences feed input ", explained)
  }
  slots <- vapply(seq_len(n), function(i) {
    if (i %in% explained) "NULL" else if (kinds[i] == "vector") {
      paste0("c(<", infos[[i]]$shape[1], " numbers>)")
    } else paste0("<value for input ", i, ">")
  }, "")
  example <- cli_escape(paste0("other_inputs = list(", paste(slots, collapse = ", "), ")"))
  if (is.null(other_inputs)) {
    marks <- ifelse(seq_len(n) %in% explained, " (explained)", " <- needs a value")
    dgi_arg_error(
      c("{.arg other_inputs} is needed: the model has {n} inputs and {what}; every other input needs a fixed value.",
        stats::setNames(cli_escape(paste0(listing, marks)), rep("*", n))),
      "other_inputs",
      hint = paste0("Pass one value per input in input order, NULL at the explained input: {.code ",
                    example, "} (e.g. deepG's label input as {.code c(1, 0, 0)})."),
      call = call
    )
  }
  values <- vector("list", n)
  for (i in seq_len(n)) {
    value <- other_inputs[[i]]
    if (i %in% explained) {
      if (!is.null(value)) {
        dgi_arg_error("{.arg other_inputs[[{i}]]} must be NULL: {what}.", "other_inputs",
                      hint = paste0("For example {.code ", example, "}."), call = call)
      }
      next
    }
    if (is.null(value)) {
      dgi_arg_error(
        c("{.arg other_inputs[[{i}]]} is NULL, but {listing[i]} is not explained and needs a value.",
          bullets),
        "other_inputs", hint = paste0("For example {.code ", example, "}."), call = call
      )
    }
    values[i] <- list(as_input_value(value, infos[[i]], paste0("other_inputs[[", i, "]]"), call))
  }
  list(input_index = engine_index, other_inputs = reticulate::r_to_py(values))
}

# Which inputs (1-based) the sequences feed.
explained_inputs <- function(input_index, other_inputs, infos, bullets, call) {
  n <- length(infos)
  kinds <- vapply(infos, `[[`, "", "kind")
  seq_inputs <- which(kinds == "sequence")
  if (is.character(input_index)) {
    if (length(input_index) != 1 || !input_index %in% c("all", "target_middle")) {
      dgi_arg_error("{.arg input_index} must be an input number from 1 to {n}, {.val all} or {.val target_middle}, not {describe(input_index)}.",
                    "input_index", bullets, call = call)
    }
    want <- if (input_index == "target_middle") 2L else NULL
    if (!length(seq_inputs) || (!is.null(want) && length(seq_inputs) != want)) {
      dgi_arg_error(
        c(if (is.null(want)) "{.arg input_index} = {.val {input_index}} needs one-hot inputs (maxlen, channels); the model has:"
          else "{.arg input_index} = {.val target_middle} needs exactly two one-hot inputs (deepG's {.fn create_model_lstm_cnn_target_middle}); the model has:",
          bullets),
        "input_index", call = call)
    }
    return(seq_inputs)
  }
  if (!is.null(input_index)) {
    if (!is.numeric(input_index) || length(input_index) != 1 || is.na(input_index) ||
        input_index != round(input_index) || input_index < 1 || input_index > n) {
      hint <- if (identical(input_index, 0) || identical(input_index, 0L)) {
        "Inputs are numbered from 1 in R."
      }
      dgi_arg_error(c("{.arg input_index} must be an input number from 1 to {n} (or {.val all}, {.val target_middle}), not {describe(input_index)}. The model's inputs:",
                      bullets), "input_index", hint = hint, call = call)
    }
    return(as.integer(input_index))
  }
  if (n == 1L) return(1L)
  if (!is.null(other_inputs)) {
    open <- which(vapply(other_inputs, is.null, TRUE))
    if (length(open) == 1L) return(open)
  }
  candidates <- which(kinds %in% c("sequence", "set"))
  if (length(candidates) == 1L) return(candidates)
  if (!length(candidates)) {
    dgi_arg_error(c("None of the model's {n} inputs is one-hot sequences (maxlen, channels):",
                    bullets), "input_index",
                  hint = "Pass {.arg input_index} with the input to explain.", call = call)
  }
  dgi_arg_error(
    c("The model has {length(candidates)} one-hot inputs; say which to explain with {.arg input_index}:",
      bullets),
    "input_index",
    hint = paste("{.code input_index = \"all\"} explains them together (deepG's integrated_gradients() on a list;",
                 "sequences are the inputs' sequences concatenated), {.code \"target_middle\"} uses deepG's target-middle layout,",
                 "and an input number explains that input with the others fixed by {.arg other_inputs}."),
    call = call
  )
}

# One fixed value for an input (R vector/array, a DNA string for one-hot inputs,
# or a Python object) -> numpy array of the input's shape.
as_input_value <- function(value, info, arg, call) {
  if (is_python(value)) return(value)
  shape <- info$shape
  if (is.character(value) && info$kind == "sequence" && length(value) == 1 && shape[2] == 4L) {
    idx <- match(strsplit(toupper(value), "")[[1]], BASE_LEVELS)
    x <- matrix(0, nrow = length(idx), ncol = 4L)
    ok <- !is.na(idx)
    x[cbind(which(ok), idx[ok])] <- 1
    value <- x
  }
  if (!(is.numeric(value) || is.logical(value)) || anyNA(value)) {
    input <- describe_input(info)
    dgi_arg_error("{.arg {arg}} must be numbers without NA for {input}, not {describe(value)}.",
                  "other_inputs", call = call)
  }
  d <- dim(value) %||% length(value)
  fits <- function(d) length(d) == length(shape) && all(is.na(shape) | d == shape)
  if (!(fits(d) || (length(d) == length(shape) + 1L && d[1] == 1L && fits(d[-1])))) {
    want <- paste(ifelse(is.na(shape), "L", shape), collapse = ", ")
    got <- if (is.null(dim(value))) paste("length", length(value)) else
      paste0("dim c(", paste(d, collapse = ", "), ")")
    input <- describe_input(info)
    dgi_arg_error(
      "{.arg {arg}} has {got} but {input} takes one value of dim c({want}).",
      "other_inputs", hint = "One value is shared by every sequence.", call = call)
  }
  storage.mode(value) <- "double"
  py_helpers()$numpy_float32(array(value, dim = if (fits(d)) d else d[-1]))
}

#' @export
print.dgi_model <- function(x, ...) {
  info <- tryCatch(adapter_info(x), error = function(e) NULL)
  if (is.null(info)) {
    cat("<dgi_model (Python object no longer available)>\n")
    return(invisible(x))
  }
  shape <- paste(ifelse(is.na(info$item_shape), "NULL", info$item_shape), collapse = ", ")
  classes <- if (is.null(info$class_names)) "" else
    paste0(" (", paste(info$class_names, collapse = ", "), ")")
  extra <- tryCatch(model_extra_lines(x), error = function(e) character())
  cat("<dgi_model> deepG model for explanation\n",
      "  input:       (batch, ", shape, ")\n", extra,
      "  outputs:     ", info$n_outputs, classes, "\n",
      "  explains:    ", info$output, "\n",
      "  loaded with: ", info$loader, "\n", sep = "")
  invisible(x)
}

# print() lines for models with several inputs or integer tokens.
model_extra_lines <- function(x) {
  n_in <- length(reticulate::py_to_r(x$inputs_info))
  lines <- character()
  if (n_in > 1) {
    explained <- as.integer(unlist(reticulate::py_to_r(x$explained_inputs))) + 1L
    index <- reticulate::py_to_r(x$input_index)
    how <- if (is.character(index)) paste0(" (input_index = \"", index, "\")") else ""
    lines <- c(lines, paste0("  model inputs: ", n_in, "; explains input",
                             if (length(explained) > 1) "s", " ",
                             paste(explained, collapse = ", "), how,
                             if (n_in > length(explained)) ", the others fixed", "\n"))
  }
  codes <- reticulate::py_to_r(x$token_codes)
  if (!is.null(codes)) {
    lines <- c(lines, paste0("  tokens:      ", paste(names(codes), unlist(codes), sep = " = ",
                                                      collapse = ", "),
                             " (integer-token model, explained through its embedding)\n"))
  }
  lines
}
