# Argument checks that read as R errors naming the R argument.

dgi_arg_error <- function(message, arg, ..., hint = NULL, call = rlang::caller_env(),
                          class = NULL) {
  bullets <- c(message, ...)
  if (!is.null(hint)) bullets <- c(bullets, "i" = hint)
  cli::cli_abort(bullets, class = c(class, "dgi_argument_error", "dgi_error"),
                 call = call, .envir = parent.frame())
}

describe <- function(x) {
  if (is.null(x)) return("NULL")
  if (inherits(x, "python.builtin.object")) return(paste0("a Python ", class(x)[1]))
  if (is.data.frame(x)) return("a data frame")
  if (is.array(x)) return(paste0("an array with dim c(", paste(dim(x), collapse = ", "), ")"))
  if (is.list(x)) return(paste0("a list of length ", length(x)))
  if (is.factor(x)) {
    if (length(x) == 1) return(paste0("a factor (\"", as.character(x), "\")"))
    return(paste0("a factor of length ", length(x)))
  }
  if (length(x) == 1 && is.character(x) && !is.na(x) && nchar(x) > 40) {
    # a genome given where something else was expected: never echo all of it
    return(paste0("a string of ", nchar(x), " characters (\"", substr(x, 1, 20), "...\")"))
  }
  if (length(x) == 1 && is.atomic(x)) return(paste0(typeof(x), " ", format(x)))
  paste0("a ", typeof(x), " vector of length ", length(x))
}

# "<arg> has NA at position i; <what>": for vectors, and rows/columns of matrices.
check_no_na <- function(x, arg, what, call = rlang::caller_env()) {
  if (!anyNA(x)) return(invisible(x))
  if (is.matrix(x)) {
    at <- which(is.na(x), arr.ind = TRUE)[1, ]
    where <- paste0("row ", at[[1]], ", column ", at[[2]])
  } else {
    where <- paste0("position ", which(is.na(x))[1])
  }
  dgi_arg_error(paste0("{.arg {arg}} has NA at ", where, "; ", what, "."), arg, call = call)
}

# Returns the string (a one-level factor, as R users pass them, becomes its label), so
# callers write `x <- check_string(x, "x")`.
check_string <- function(x, arg, null_ok = FALSE, call = rlang::caller_env()) {
  if (is.null(x) && null_ok) return(invisible(x))
  if (is.factor(x)) x <- as.character(x)
  if (!is.character(x) || length(x) != 1 || is.na(x) || !nzchar(x)) {
    dgi_arg_error("{.arg {arg}} must be a single non-empty string, not {describe(x)}.",
                  arg, call = call)
  }
  invisible(x)
}

check_flag <- function(x, arg, call = rlang::caller_env()) {
  if (!is.logical(x) || length(x) != 1 || is.na(x)) {
    dgi_arg_error("{.arg {arg}} must be TRUE or FALSE, not {describe(x)}.", arg, call = call)
  }
  invisible(x)
}

# A whole number >= min, returned as integer (NULL passes when null_ok).
as_count <- function(x, arg, min = 1L, null_ok = FALSE, call = rlang::caller_env()) {
  if (is.null(x) && null_ok) return(NULL)
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x != round(x) || x < min ||
      x > .Machine$integer.max) {
    dgi_arg_error("{.arg {arg}} must be a whole number >= {min}, not {describe(x)}.",
                  arg, call = call)
  }
  as.integer(x)
}

# One of `choices`, with a hint for near misses (e.g. deepG's "unif").
as_choice <- function(x, choices, arg, aliases = NULL, call = rlang::caller_env()) {
  if (!is.character(x) || length(x) != 1 || is.na(x)) {
    dgi_arg_error("{.arg {arg}} must be one of {.val {choices}}, not {describe(x)}.",
                  arg, call = call)
  }
  if (x %in% choices) return(x)
  hint <- NULL
  if (!is.null(aliases) && x %in% names(aliases)) {
    hint <- paste0("Did you mean \"", aliases[[x]], "\"?")
  } else {
    close <- choices[utils::adist(x, choices, ignore.case = TRUE) <= 2]
    if (length(close)) hint <- paste0("Did you mean \"", close[1], "\"?")
  }
  dgi_arg_error("{.arg {arg}} = {.val {x}} is unknown; choose one of {.val {choices}}.",
                arg, hint = hint, call = call)
}
