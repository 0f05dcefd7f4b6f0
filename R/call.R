# Calling the engine: Python exceptions become R errors that name the R argument.

# Default map from engine exception classes to the R argument they concern.
# Order matters: the first class found in the exception's class chain wins.
DEFAULT_ARG_MAP <- c(
  TargetError = "target",
  BaselineError = "baseline",
  SequenceError = "sequences",
  ShapeError = "sequences",
  ModelError = "model"
)

# Call `fn` (a Python callable) with keyword arguments `kwargs` (a named R
# list). Returns the Python result unconverted.
# Engine warnings (DeepGInterpretWarning) become R warnings, or R messages
# where they only inform (warnings_as = "message").
# `message_args`: R argument names that an engine message may start with
# ("database = ..." or "`database` ..."); such a message is put on that argument
# rather than on the one `arg_map` gives for the exception's class.
# A KeyboardInterrupt (Ctrl-C while the engine runs) becomes an R interrupt.
dgi_py_call <- function(fn, kwargs = list(), args = list(), arg_map = DEFAULT_ARG_MAP,
                        call = rlang::caller_env(), warnings_as = "warning",
                        message_args = NULL) {
  helpers <- py_helpers()
  py_kwargs <- reticulate::py_dict(as.list(names(kwargs)), unname(kwargs), convert = FALSE)
  py_args <- do.call(reticulate::tuple, c(unname(args), list(convert = FALSE)))
  res <- tryCatch(
    helpers$call(fn, py_args, py_kwargs),
    error = function(e) {
      if (is_py_interrupt(e)) rlang::interrupt()
      stop(e)
    }
  )
  status <- reticulate::py_to_r(reticulate::py_get_item(res, 0L))
  value <- reticulate::py_get_item(res, 1L)
  warns <- reticulate::py_to_r(reticulate::py_get_item(res, 2L))
  for (w in warns) {
    if (identical(warnings_as, "message")) {
      cli::cli_inform(c("i" = "{w}"), class = "dgi_engine_message")
    } else {
      cli::cli_warn(c("!" = "{w}"), class = c("dgi_engine_warning", "dgi_warning"))
    }
  }
  if (identical(status, "error")) {
    dgi_translate_error(reticulate::py_to_r(value), arg_map = arg_map, call = call,
                        message_args = message_args)
  }
  value
}

# A Python KeyboardInterrupt as reticulate reports it: an R condition whose class
# names it (newer reticulate) or whose message is "KeyboardInterrupt" (1.28).
is_py_interrupt <- function(e) {
  inherits(e, c("interrupt", "python.builtin.KeyboardInterrupt")) ||
    grepl("^\\s*KeyboardInterrupt\\b", conditionMessage(e))
}

dgi_translate_error <- function(info, arg_map = DEFAULT_ARG_MAP, call = rlang::caller_env(),
                                message_args = NULL) {
  classes <- unlist(info$classes)
  message <- info$message
  if ("KeyboardInterrupt" %in% classes) rlang::interrupt()
  engine_error <- "DeepGInterpretError" %in% classes
  arg <- NULL
  if (engine_error) {
    hit <- classes[classes %in% names(arg_map)]
    if (length(hit)) arg <- arg_map[[hit[1]]]
    for (a in message_args) {
      if (startsWith(message, paste0(a, " =")) || startsWith(message, paste0("`", a, "`"))) {
        arg <- a
        break
      }
    }
  }
  snake <- function(x) tolower(gsub("([a-z0-9])([A-Z])", "\\1_\\2", x))
  cls <- classes[1]
  own <- setdiff(classes[seq_len(max(0L, match("DeepGInterpretError", classes, 0L) - 1L))],
                 c("ValueError", "TypeError"))
  r_class <- c(
    if (engine_error) paste0("dgi_", snake(own)),
    if (engine_error) "dgi_engine_error" else "dgi_python_error",
    "dgi_error"
  )
  r_class <- unique(r_class)
  if (!is.null(arg)) {
    bullets <- c("{.arg {arg}}: {message}",
                 "i" = "The engine raised {.cls {cls}}.")
  } else if (engine_error) {
    bullets <- c("{message}", "i" = "The engine raised {.cls {cls}}.")
  } else {
    bullets <- c("The Python engine failed with {.cls {cls}}:", "x" = "{message}")
  }
  cli::cli_abort(bullets, class = r_class, call = call)
}
