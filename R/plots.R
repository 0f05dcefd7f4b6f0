#' Per-locus attribution scatter with a rolling mean
#'
#' One point per position (the scores of the four bases summed, by default)
#' and a centred rolling mean on top: the per-locus view of the deepG
#' Integrated Gradients poster.
#'
#' One panel per source sequence, along its genome positions: a sequence cut
#' into windows (`window_step`) is one panel, its overlapping windows stitched
#' (the engine's tables already are; a table with one row per window, i.e. a
#' `window` column, is averaged per position here). For set models (a
#' `member` column) dashed lines mark where each set member starts.
#'
#' @param x A per-locus table (`table = "per_locus"`), an attribution table
#'   (summed per position with [dgi_per_locus()]), or the list from
#'   `table = "all"`.
#' @param seq_id Sequences to show. Default `NULL`: all (one panel per source
#'   sequence, at most 12).
#' @param value Column to plot: `"score_sum"` (default), `"score_abs_sum"` or
#'   `"score_ref"`.
#' @param k Width of the rolling mean. Default 50.
#' @param region Optional `c(start, end)`: 1-based positions to show.
#' @param highlight Optional data frame of intervals to shade, with columns
#'   `start` and `end` (1-based, inclusive) and, to shade per sequence,
#'   `seq_id`; for example planted motifs or a gene table.
#' @returns A ggplot object.
#' @seealso [dgi_plot_heatmap()], [dgi_plot_logo()], [dgi_rolling_mean()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' set.seed(1)
#' loci <- data.frame(seq_id = "s1", position = 1:300, score_sum = rnorm(300))
#' loci$score_sum[140:160] <- loci$score_sum[140:160] + 3
#' dgi_plot_per_locus(loci, k = 20, highlight = data.frame(start = 140, end = 160))
dgi_plot_per_locus <- function(x, seq_id = NULL, value = "score_sum", k = 50, region = NULL,
                               highlight = NULL) {
  value <- as_choice(value, c("score_sum", "score_abs_sum", "score_ref"), "value")
  k <- as_count(k, "k")
  x <- pick_table(x, "per_locus")
  if (!"score_sum" %in% names(x)) x <- dgi_per_locus(x)
  check_table(x, c("seq_id", "position", value), "x")
  x <- stitch_windows(x, intersect(c("score_sum", "score_abs_sum", "score_ref"), names(x)))
  x <- select_rows(x, seq_id, region, several = TRUE)
  ids <- unique(x$seq_id)
  if (length(ids) > 12L) {
    cli::cli_inform("Showing the first 12 of {length(ids)} sequences; pick some with {.arg seq_id}.")
    ids <- ids[1:12]
    x <- x[x$seq_id %in% ids, , drop = FALSE]
  }
  x <- x[order(factor(x$seq_id, levels = ids), x$position), , drop = FALSE]
  x$rolling <- unlist(lapply(split(x[[value]], factor(x$seq_id, levels = ids)),
                             dgi_rolling_mean, k = k), use.names = FALSE)
  x$seq_id <- factor(x$seq_id, levels = ids)
  settings <- attr(x, "settings")
  p <- ggplot2::ggplot(x, ggplot2::aes(x = .data$position))
  if (!is.null(highlight)) {
    check_table(highlight, c("start", "end"), "highlight")
    highlight <- as.data.frame(highlight)
    if ("seq_id" %in% names(highlight)) {
      highlight <- highlight[highlight$seq_id %in% ids, , drop = FALSE]
      highlight$seq_id <- factor(highlight$seq_id, levels = ids)
    }
    p <- p + ggplot2::geom_rect(
      data = highlight, inherit.aes = FALSE,
      ggplot2::aes(xmin = .data$start - 0.5, xmax = .data$end + 0.5, ymin = -Inf, ymax = Inf),
      fill = "steelblue", alpha = 0.15
    )
  }
  p <- p +
    ggplot2::geom_hline(yintercept = 0, colour = "grey70", linewidth = 0.3)
  if (all(c("member", "member_position") %in% names(x))) {
    # set models: where each member after the first starts
    starts <- x[x$member_position == 1L & x$member > 1L, c("seq_id", "position"), drop = FALSE]
    p <- p + ggplot2::geom_vline(data = starts, ggplot2::aes(xintercept = .data$position - 0.5),
                                 linetype = "dashed", colour = "grey60", linewidth = 0.3)
  }
  p <- p +
    ggplot2::geom_point(ggplot2::aes(y = .data[[value]]), size = 0.7, alpha = 0.5,
                        colour = "grey30") +
    ggplot2::geom_line(ggplot2::aes(y = .data$rolling), colour = "firebrick", linewidth = 0.8) +
    ggplot2::labs(x = "position (1-based)", y = value_label(value),
                  title = method_title(settings),
                  subtitle = paste0("per locus; red: rolling mean, k = ", k)) +
    ggplot2::theme_minimal()
  if (length(ids) > 1L) {
    p <- p + ggplot2::facet_wrap("seq_id", ncol = 1, scales = "free_x")
  }
  p
}

#' Heatmap of attribution scores
#'
#' Bases by positions, like deepG's `heatmaps_integrated_grad()`: one row per
#' base (`A, C, G, T`, or the model's vocabulary) plus the per-position `sum`
#' and `abs_sum` rows, on a
#' blue-white-red scale centred at zero. Observed bases are outlined.
#'
#' @param x An attribution table from [dgi_integrated_gradients()] (or the list
#'   from `table = "all"`), or a `maxlen x channels` matrix such as the one from
#'   [dgi_integrated_gradients_deepg()] (then pass `input_seq`).
#' @param input_seq For a matrix `x`: the one-hot input (deepG's `input_seq`),
#'   to outline the observed bases. Default `NULL`.
#' @param seq_id The sequence to show. Default `NULL`: the first.
#' @param region Optional `c(start, end)`: 1-based positions to show.
#' @returns A ggplot object.
#' @seealso [dgi_plot_per_locus()], [dgi_plot_logo()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' set.seed(2)
#' onehot <- diag(4)[sample(4, 30, replace = TRUE), ]
#' scores <- onehot * rnorm(30)
#' dgi_plot_heatmap(scores, input_seq = onehot)
dgi_plot_heatmap <- function(x, input_seq = NULL, seq_id = NULL, region = NULL) {
  x <- as_attribution(x, input_seq)
  x <- select_rows(x, seq_id, region, several = FALSE)
  sums <- dgi_per_locus(x)
  bases <- data.frame(position = x$position, row = as.character(x$base), value = x$score,
                      observed = !is.na(x$observed) & x$observed, panel = "bases",
                      stringsAsFactors = FALSE)
  summary_rows <- rbind(
    data.frame(position = sums$position, row = "abs_sum", value = sums$score_abs_sum,
               observed = FALSE, panel = "summary", stringsAsFactors = FALSE),
    data.frame(position = sums$position, row = "sum", value = sums$score_sum,
               observed = FALSE, panel = "summary", stringsAsFactors = FALSE)
  )
  long <- rbind(summary_rows, bases)
  long$row <- factor(long$row, levels = rev(c("abs_sum", "sum", base_levels(x$base))))
  long$panel <- factor(long$panel, levels = c("summary", "bases"))
  lim <- max(abs(long$value), 1e-12, na.rm = TRUE)
  n_pos <- length(unique(long$position))
  p <- ggplot2::ggplot(long, ggplot2::aes(x = .data$position, y = .data$row)) +
    ggplot2::geom_tile(ggplot2::aes(fill = .data$value)) +
    ggplot2::geom_tile(data = long[long$observed, , drop = FALSE], fill = NA,
                       colour = "black", linewidth = 0.25) +
    ggplot2::scale_fill_gradient2(low = "blue", mid = "white", high = "red", midpoint = 0,
                                  limits = c(-lim, lim), name = "score") +
    ggplot2::facet_grid(rows = ggplot2::vars(.data$panel), scales = "free_y",
                        space = "free_y") +
    ggplot2::scale_x_continuous(expand = c(0, 0)) +
    ggplot2::labs(x = "position (1-based)", y = NULL, title = method_title(attr(x, "settings")),
                  subtitle = unique(x$seq_id)) +
    ggplot2::theme_minimal() +
    ggplot2::theme(panel.grid = ggplot2::element_blank())
  if (n_pos <= 60L) {
    p <- p + ggplot2::geom_text(data = long[long$observed, , drop = FALSE],
                                ggplot2::aes(label = .data$row), size = 2.5)
  }
  p
}

#' Sequence logo of attribution scores
#'
#' Letters scaled by their score over a region (negative scores point down):
#' the observed bases stand out where the model relies on them. Drawn with
#' ggseqlogo when it is installed, otherwise with ggplot2 text and bars.
#'
#' @inheritParams dgi_plot_heatmap
#' @param region `c(start, end)`: 1-based positions. Default `NULL`: the whole
#'   sequence if it has at most 100 positions, else the 40 positions around the
#'   highest rolling mean of the absolute per-locus score.
#' @param observed_only If `TRUE`, show only the scores of the observed bases
#'   (the usual attribution logo). Default `FALSE`: all bases.
#' @param engine `"auto"` (default: ggseqlogo if installed), `"ggseqlogo"` or
#'   `"ggplot2"`.
#' @returns A ggplot object.
#' @seealso [dgi_plot_heatmap()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' set.seed(3)
#' onehot <- diag(4)[sample(4, 20, replace = TRUE), ]
#' scores <- onehot * abs(rnorm(20))
#' dgi_plot_logo(scores, input_seq = onehot, engine = "ggplot2")
dgi_plot_logo <- function(x, input_seq = NULL, seq_id = NULL, region = NULL,
                          observed_only = FALSE, engine = "auto") {
  engine <- as_choice(engine, c("auto", "ggseqlogo", "ggplot2"), "engine")
  check_flag(observed_only, "observed_only")
  if (engine == "auto") {
    engine <- if (requireNamespace("ggseqlogo", quietly = TRUE)) "ggseqlogo" else "ggplot2"
  } else if (engine == "ggseqlogo" && !requireNamespace("ggseqlogo", quietly = TRUE)) {
    dgi_arg_error("{.arg engine} = {.val ggseqlogo} needs the package {.pkg ggseqlogo}.", "engine",
                  hint = "Install it (Debian: r-cran-ggseqlogo) or use {.code engine = \"ggplot2\"}.")
  }
  x <- as_attribution(x, input_seq)
  x <- select_rows(x, seq_id, NULL, several = FALSE)
  if (is.null(region)) region <- default_logo_region(x)
  x <- select_rows(x, NULL, region, several = FALSE)
  if (observed_only) {
    if (all(is.na(x$observed))) {
      dgi_arg_error("{.arg observed_only} = TRUE needs the observed bases (pass {.arg input_seq}).",
                    "observed_only")
    }
    x$score[is.na(x$observed) | !x$observed] <- 0
  }
  positions <- sort(unique(x$position))
  bases <- base_levels(x$base)
  mat <- matrix(0, nrow = length(bases), ncol = length(positions),
                dimnames = list(bases, as.character(positions)))
  mat[cbind(match(as.character(x$base), bases), match(x$position, positions))] <- x$score
  if (engine == "ggseqlogo" && any(nchar(bases) != 1L)) {
    engine <- "ggplot2" # ggseqlogo draws single letters only
  }
  title <- method_title(attr(x, "settings"))
  subtitle <- paste0(unique(x$seq_id), ": positions ", min(positions), "-", max(positions))
  if (engine == "ggseqlogo") {
    # ggseqlogo 0.1 calls guides(fill = F), deprecated in ggplot2 3.3.4: not ours to report.
    p <- withCallingHandlers(
      if (identical(bases, BASE_LEVELS)) {
        ggseqlogo::ggseqlogo(mat, method = "custom", seq_type = "dna")
      } else {
        ggseqlogo::ggseqlogo(mat, method = "custom", seq_type = "other", namespace = bases)
      },
      warning = function(w) {
        if (grepl("cannot be `FALSE`", conditionMessage(w), fixed = TRUE)) {
          invokeRestart("muffleWarning")
        }
      }
    )
    breaks <- pretty_breaks_in(seq_along(positions))
    p <- suppressMessages(
      p + ggplot2::scale_x_continuous(breaks = breaks, labels = positions[breaks]) +
        ggplot2::geom_hline(yintercept = 0, colour = "grey60", linewidth = 0.3) +
        ggplot2::labs(x = "position (1-based)", y = "score", title = title, subtitle = subtitle)
    )
    return(p)
  }
  long <- data.frame(position = rep(positions, each = length(bases)),
                     base = factor(rep(bases, length(positions)), levels = bases),
                     score = as.vector(mat))
  long <- long[long$score != 0, , drop = FALSE]
  colours <- base_colours(bases)
  ggplot2::ggplot(long, ggplot2::aes(x = .data$position, y = .data$score, fill = .data$base)) +
    ggplot2::geom_col(width = 0.9, alpha = 0.35) +
    ggplot2::geom_text(ggplot2::aes(label = .data$base, colour = .data$base,
                                    size = abs(.data$score)),
                       fontface = "bold", vjust = ifelse(long$score >= 0, 0, 1),
                       show.legend = FALSE) +
    ggplot2::scale_fill_manual(values = colours, drop = FALSE) +
    ggplot2::scale_colour_manual(values = colours, drop = FALSE) +
    ggplot2::scale_size_continuous(range = c(2.5, 7)) +
    ggplot2::geom_hline(yintercept = 0, colour = "grey60", linewidth = 0.3) +
    ggplot2::labs(x = "position (1-based)", y = "score", fill = "base", title = title,
                  subtitle = subtitle) +
    ggplot2::theme_minimal()
}

# ---- helpers -------------------------------------------------------------------

# The channel labels of a base column, in channel order.
base_levels <- function(base) {
  if (is.factor(base)) levels(base) else sort(unique(as.character(base)))
}

# deepG colours for A, C, G, T; other vocabularies get a hue palette.
base_colours <- function(bases) {
  dna <- c(A = "#109648", C = "#255C99", G = "#F7B32B", T = "#D62839")
  if (all(bases %in% names(dna))) return(dna[bases])
  hues <- grDevices::hcl(h = seq(15, 375, length.out = length(bases) + 1)[seq_along(bases)],
                         c = 100, l = 55)
  stats::setNames(hues, bases)
}

pick_table <- function(x, name) {
  if (is.list(x) && !is.data.frame(x) && all(c("attribution", "per_locus") %in% names(x))) {
    return(x[[name]])
  }
  x
}

as_attribution <- function(x, input_seq = NULL, call = rlang::caller_env()) {
  x <- pick_table(x, "attribution")
  if (is.data.frame(x)) {
    check_table(x, c("seq_id", "position", "base", "score"), "x", call = call)
    if (!"observed" %in% names(x)) x$observed <- NA
    return(stitch_windows(x, "score", by = c("seq_id", "position", "base")))
  }
  if (is.numeric(x) || is_python(x)) {
    return(dgi_attribution_table(x, input_seq))
  }
  dgi_arg_error("{.arg x} must be an attribution table or a score matrix, not {describe(x)}.",
                "x", call = call)
}

# A table with one row per window (a `window` column): the windows' values averaged
# per sequence and position (and base), as the engine stitches windows; `n_windows`
# counts them. Other columns come from the first window; tables without `window`
# are returned as they are.
stitch_windows <- function(x, value_cols, by = c("seq_id", "position")) {
  if (!"window" %in% names(x)) return(x)
  settings <- attr(x, "settings")
  keys <- do.call(paste, c(unname(as.list(x[by])), sep = "\r"))
  first <- !duplicated(keys)
  groups <- match(keys, keys[first])
  n <- tabulate(groups, nbins = sum(first))
  out <- x[first, setdiff(names(x), c("window", "member", "member_position", "n_windows")),
           drop = FALSE]
  for (col in value_cols) {
    out[[col]] <- as.vector(rowsum(as.double(x[[col]]), groups, reorder = FALSE)) / n
  }
  out$n_windows <- n
  rownames(out) <- NULL
  attr(out, "settings") <- settings
  out
}

select_rows <- function(x, seq_id, region, several, call = rlang::caller_env()) {
  settings <- attr(x, "settings")
  ids <- unique(as.character(x$seq_id))
  if (!is.null(seq_id)) {
    unknown <- setdiff(seq_id, ids)
    if (length(unknown)) {
      dgi_arg_error("{.arg seq_id}: {.val {unknown}} not found in the table.", "seq_id",
                    hint = "Available: {.val {utils::head(ids, 10)}}.", call = call)
    }
    if (!several && length(seq_id) > 1L) {
      dgi_arg_error("{.arg seq_id} must name one sequence.", "seq_id", call = call)
    }
    x <- x[x$seq_id %in% seq_id, , drop = FALSE]
  } else if (!several && length(ids) > 1L) {
    x <- x[x$seq_id == ids[1], , drop = FALSE]
  }
  if (!is.null(region)) {
    if (!is.numeric(region) || length(region) != 2 || anyNA(region) || region[1] > region[2]) {
      dgi_arg_error("{.arg region} must be c(start, end) with start <= end (1-based).", "region",
                    call = call)
    }
    x <- x[x$position >= region[1] & x$position <= region[2], , drop = FALSE]
    if (!nrow(x)) {
      dgi_arg_error("{.arg region} = c({region[1]}, {region[2]}) holds no positions of the sequence.",
                    "region", call = call)
    }
  }
  attr(x, "settings") <- settings
  x
}

default_logo_region <- function(x, width = 40L) {
  positions <- sort(unique(x$position))
  if (length(positions) <= 100L) return(range(positions))
  loci <- dgi_per_locus(x)
  loci <- loci[order(loci$position), ]
  smooth <- dgi_rolling_mean(loci$score_abs_sum, k = width)
  centre <- loci$position[which.max(smooth)]
  start <- max(min(positions), centre - width %/% 2L)
  end <- min(max(positions), start + width - 1L)
  c(end - width + 1L, end)
}

pretty_breaks_in <- function(idx) {
  if (length(idx) <= 10L) return(idx)
  b <- unique(round(seq(1, length(idx), length.out = 8)))
  idx[b]
}

value_label <- function(value) {
  switch(value,
    score_sum = "score (sum over bases)",
    score_abs_sum = "score (sum of absolute values)",
    score_ref = "score of the observed base",
    value
  )
}

method_title <- function(settings) {
  method <- settings$method %||% "attribution"
  label <- switch(method,
    integrated_gradients = "Integrated gradients",
    saliency = "Saliency",
    gradient_x_input = "Gradient x input",
    "Attribution"
  )
  target <- settings$target_name %||% settings$target
  if (!is.null(target)) label <- paste0(label, ", target: ", target)
  label
}
