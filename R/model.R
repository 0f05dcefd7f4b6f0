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
dgi_load_model <- function(model, output = "probability", class_names = NULL,
                           loader = "auto") {
  output <- as_choice(output, c("probability", "logit"), "output")
  loader <- as_choice(loader, c("auto", "keras3", "tf_keras"), "loader")
  if (is.character(model)) {
    return(dgi_load_model_impl(model, output = output, class_names = class_names,
                               loader = loader, arg = "model"))
  }
  as_adapter(model, output = output, class_names = class_names, arg = "model")
}

dgi_load_model_impl <- function(path, output = "probability", class_names = NULL,
                                loader = "auto", arg = "model", call = rlang::caller_env()) {
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
  eng <- dgi_engine()
  key <- paste("file", full, format(file.mtime(full), "%Y-%m-%d %H:%M:%OS6"), output, loader,
               paste(class_names, collapse = "\r"), sep = "\n")
  cached_adapter(key, function() {
    kwargs <- list(model = full, output = output, loader = loader)
    if (!is.null(class_names)) kwargs$class_names <- as.list(class_names)
    dgi_model_class(dgi_py_call(eng$load_model, kwargs,
                                arg_map = c(TargetError = "class_names", ModelError = arg,
                                            ArgumentTypeError = arg),
                                call = call, warnings_as = "message"))
  })
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
  cat("<dgi_model> deepG model for explanation\n",
      "  input:       (batch, ", shape, ")\n",
      "  outputs:     ", info$n_outputs, classes, "\n",
      "  explains:    ", info$output, "\n",
      "  loaded with: ", info$loader, "\n", sep = "")
  invisible(x)
}
