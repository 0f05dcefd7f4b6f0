#' Match a PWM against known motifs (Tomtom, JASPAR)
#'
#' Compares a position weight matrix with a motif collection by Tomtom (Gupta et al.
#' 2007, through the memelite package), on both strands: the JASPAR release shipped
#' with the pyjaspar package, a MEME-format motif file, and/or your own motifs.
#' q-values are Benjamini-Hochberg over the motifs compared.
#'
#' @param pwm The query: a matrix with one row per position and columns `A, C, G, T`
#'   (rows sum to 1); a PWM data frame (`position, base, probability`, one restart,
#'   e.g. `res$window` from [dgi_class_optimization()]); the result of
#'   [dgi_class_optimization()] called with `width` (its window is used); or a
#'   consensus / IUPAC string.
#' @param database `"jaspar"` (default), the path of a MEME-format file, or `NULL`
#'   to match only `extra`.
#' @param collection,tax_group,release JASPAR collection (default `"CORE"`),
#'   taxonomic group (default `"vertebrates"`, `NULL` for all) and release (default
#'   `NULL`: the newest shipped).
#' @param extra Your own motifs: a named list of consensus strings or PWM matrices.
#' @param top Keep the best `top` rows. Default `NULL`: all.
#' @returns A data frame, one row per motif, best first: `motif_id`, `name`,
#'   `offset` (query column `i` faces motif column `i + offset`), `strand` (`"+"`,
#'   or `"-"` for the motif's reverse complement), `score` (Tomtom's similarity),
#'   `p_value`, `q_value`, `overlap` (aligned columns), `source`.
#' @seealso [dgi_class_optimization()], [dgi_plot_pwm()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' dgi_match_motifs("AGATAAGA", top = 5)
#' dgi_match_motifs("AGATAAGA", database = NULL,
#'                  extra = list(gata = "AGATAAGA", ctcf = "CCACCAGGGGGCGC"))
dgi_match_motifs <- function(pwm, database = "jaspar", collection = "CORE",
                             tax_group = "vertebrates", release = NULL, extra = NULL,
                             top = NULL) {
  query <- as_pwm_matrix(pwm)
  database <- as_chr(database)
  if (!is.null(database)) {
    database <- check_string(database, "database")
    if (!identical(tolower(database), "jaspar") && file.exists(database)) {
      database <- normalizePath(database)
    }
  }
  collection <- check_string(collection, "collection")
  tax_group <- check_string(tax_group, "tax_group", null_ok = TRUE)
  release <- check_string(release, "release", null_ok = TRUE)
  top <- as_count(top, "top", null_ok = TRUE)
  if (!is.null(extra)) {
    if (!is.list(extra) && !is.character(extra)) {
      dgi_arg_error("{.arg extra} must be a named list of consensus strings or PWM matrices, not {describe(extra)}.",
                    "extra")
    }
    extra <- as.list(extra)
    if (is.null(names(extra)) || any(!nzchar(names(extra)))) {
      dgi_arg_error("Every motif in {.arg extra} needs a name.", "extra",
                    hint = "e.g. {.code extra = list(gata = \"AGATAAGA\")}")
    }
    extra <- lapply(extra, function(m) if (is.matrix(m)) as_pwm_matrix(m, "extra") else m)
  }
  # NULL becomes None: the engine's defaults for release, extra and top are None too.
  kwargs <- list(pwm = query, database = database, collection = collection,
                 tax_group = tax_group, release = release, extra = extra, top = top)
  hits <- dgi_py_call(dgi_engine()$match_motifs, kwargs, arg_map = c(InputError = "pwm"),
                      message_args = c("database", "collection", "tax_group", "release",
                                       "extra", "top"))
  dgi_frame(hits)
}

# Any R PWM -> a numeric matrix (width x 4, columns A, C, G, T) or a string.
as_pwm_matrix <- function(pwm, arg = "pwm", call = rlang::caller_env()) {
  if (is.list(pwm) && !is.data.frame(pwm) && !is.null(pwm$pwm) && !is.null(pwm$summary)) {
    if (is.null(pwm$window)) {
      dgi_arg_error("{.arg {arg}} is a class optimization result without a window.", arg,
                    hint = "Call {.fn dgi_class_optimization} with {.arg width}, or pass {.code res$pwm[res$pwm$restart == 1, ]}.",
                    call = call)
    }
    pwm <- pwm$window
  }
  pwm <- as_chr(pwm)
  if (is.character(pwm) && base::length(pwm) == 1L && !is.na(pwm)) return(unname(pwm))
  if (is.data.frame(pwm)) {
    if (all(c("position", "base", "probability") %in% names(pwm))) {
      check_no_na(pwm$probability, paste0(arg, "$probability"),
                  "a PWM needs a probability for every base at every position", call = call)
      if ("restart" %in% names(pwm) && base::length(unique(pwm$restart)) > 1L) {
        dgi_arg_error("{.arg {arg}} holds the PWMs of several restarts.", arg,
                      hint = "Pick one, e.g. {.code pwm[pwm$restart == 1, ]}.", call = call)
      }
      # bases a table leaves out have probability 0
      pwm <- tapply(pwm$probability, list(pwm$position, as.character(pwm$base)), sum,
                    default = 0)
    } else {
      pwm <- as.matrix(pwm)
    }
  }
  if (!is.matrix(pwm) || !is.numeric(pwm)) {
    dgi_arg_error("{.arg {arg}} must be a PWM matrix (one row per position, columns A, C, G, T), a PWM data frame or a consensus string, not {describe(pwm)}.",
                  arg, call = call)
  }
  if (!is.null(colnames(pwm)) && all(c("A", "C", "G", "T") %in% colnames(pwm))) {
    pwm <- pwm[, c("A", "C", "G", "T"), drop = FALSE]
  }
  if (ncol(pwm) != 4L) {
    dgi_arg_error("{.arg {arg}} has {ncol(pwm)} columns; a PWM has 4 (A, C, G, T).", arg,
                  hint = "Transpose a 4 x width matrix with {.fn t}.", call = call)
  }
  check_no_na(pwm, arg, "a PWM needs a probability for every base at every position",
              call = call)
  unname(pwm)
}

#' Sequence logo of a PWM
#'
#' Draws a PWM with ggseqlogo (letter heights in bits, or probabilities).
#'
#' @param pwm As for [dgi_match_motifs()]: a PWM matrix or data frame, the result of
#'   [dgi_class_optimization()] with `width`, or a consensus string.
#' @param kind `"information"` (bits; default) or `"probability"`.
#' @param title Optional title. Default: the consensus.
#' @returns A ggplot object.
#' @export
#' @examplesIf deepGinterpret::dgi_available() && requireNamespace("ggseqlogo", quietly = TRUE)
#' pwm <- rbind(c(0.7, 0.1, 0.1, 0.1), c(0, 0, 1, 0), c(0.25, 0.25, 0.25, 0.25))
#' dgi_plot_pwm(pwm)
dgi_plot_pwm <- function(pwm, kind = "information", title = NULL) {
  kind <- as_choice(kind, c("information", "probability"), "kind")
  if (!requireNamespace("ggseqlogo", quietly = TRUE)) {
    cli::cli_abort(c("{.fn dgi_plot_pwm} needs the ggseqlogo package.",
                     "i" = "Install it with {.code install.packages(\"ggseqlogo\")}."),
                   class = c("dgi_missing_package", "dgi_error"))
  }
  first <- 1L
  source <- if (is.list(pwm) && !is.data.frame(pwm) && !is.null(pwm$window)) pwm$window else pwm
  if (is.data.frame(source) && "position" %in% names(source)) first <- min(source$position)
  m <- as_pwm_matrix(pwm)
  if (is.character(m)) {
    letters <- strsplit(toupper(m), "")[[1]]
    m <- t(vapply(letters, function(b) as.numeric(c("A", "C", "G", "T") == b), numeric(4)))
  }
  sums <- rowSums(m)
  if (any(abs(sums - 1) > 0.01)) {
    dgi_arg_error("{.arg pwm}: rows do not sum to one (row {which(abs(sums - 1) > 0.01)[1]}).",
                  "pwm", hint = "Divide counts by their row sums: {.code pwm / rowSums(pwm)}.")
  }
  mat <- t(m)
  rownames(mat) <- c("A", "C", "G", "T")
  consensus <- paste(c("A", "C", "G", "T")[apply(m, 1, which.max)], collapse = "")
  # ggseqlogo still calls ggplot2 APIs that newer ggplot2 deprecates: not the user's concern.
  p <- suppressWarnings(
    ggseqlogo::ggseqlogo(mat, method = if (kind == "information") "bits" else "prob")
  ) + ggplot2::ggtitle(title %||% consensus)
  if (first != 1L) {
    breaks <- seq_len(nrow(m))
    p <- p + ggplot2::scale_x_continuous(breaks = breaks, labels = breaks + first - 1L)
  }
  p
}
