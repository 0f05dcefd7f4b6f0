#' Plots of Global Importance Analysis
#'
#' * `dgi_plot_gia()`: box plots of the local effects of every condition, the
#'   global importance (mean) marked by a red diamond (the paper's figures);
#' * `dgi_plot_gia_curve()`: global importance with its confidence band against
#'   position, spacing, copies or flank GC content;
#' * `dgi_plot_gia_logo()`: sequence logo of a variant scan: each base's global
#'   importance at each pattern position, centred on the mean of the four bases.
#'
#' @param x The local table (`dgi_plot_gia()`), the global or interaction table
#'   (`dgi_plot_gia_curve()`), or the logo table (`dgi_plot_gia_logo()`), or the
#'   list from `table = "all"`.
#' @param max_boxes At most this many conditions. Default 40.
#' @param along Column of the x axis. Default `NULL`: `spacing`, `copies`,
#'   `gc_flank`, `position_b` (interaction table) or `position`, the first
#'   present.
#' @param engine For the logo: see [dgi_plot_logo()].
#' @returns A ggplot object.
#' @seealso [dgi_global_importance()], [dgi_gia_experiments]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(30L, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- keras$Model(inp, out)
#' res <- dgi_gia_position_scan(model, 2, "TATAAT", positions = c(1, 10, 20),
#'                              n_backgrounds = 30, seed = 1, table = "all")
#' dgi_plot_gia(res)
#' dgi_plot_gia_curve(res)
#' logo <- dgi_gia_variant_scan(model, 2, "TATAAT", position = 10, n_backgrounds = 10, seed = 1)
#' dgi_plot_gia_logo(logo, engine = "ggplot2")
dgi_plot_gia <- function(x, max_boxes = 40) {
  x <- gia_table(x, "local")
  check_table(x, c("pattern", "position", "effect"), "x")
  max_boxes <- as_count(max_boxes, "max_boxes")
  label <- paste0(x$pattern, " @", x$position)
  for (col in intersect(c("copies", "spacing", "gc_flank", "condition"), names(x))) {
    label <- paste0(label, " ", col, "=", x[[col]])
  }
  keep <- utils::head(unique(label), max_boxes)
  df <- data.frame(condition = factor(label, levels = keep), effect = x$effect)
  df <- df[!is.na(df$condition), , drop = FALSE]
  means <- stats::aggregate(effect ~ condition, data = df, FUN = mean)
  ggplot2::ggplot(df, ggplot2::aes(x = .data$condition, y = .data$effect)) +
    ggplot2::geom_hline(yintercept = 0, colour = "grey60", linewidth = 0.3) +
    ggplot2::geom_boxplot(outlier.shape = NA) +
    ggplot2::geom_point(data = means, colour = "red", shape = 18, size = 3) +
    ggplot2::labs(x = NULL, y = "local effect: f(embedded) - f(background)",
                  title = "Global importance analysis",
                  subtitle = "boxes: local effects; red: global importance (mean)") +
    ggplot2::theme_minimal() +
    ggplot2::theme(axis.text.x = ggplot2::element_text(angle = 60, hjust = 1))
}

#' @rdname dgi_plot_gia
#' @export
dgi_plot_gia_curve <- function(x, along = NULL) {
  x <- gia_table(x, if (is.list(x) && !is.data.frame(x) && "interaction" %in% names(x))
    "interaction" else "global")
  y <- if ("interaction" %in% names(x)) "interaction" else "global_importance"
  if (is.null(along)) {
    cands <- c("spacing", "copies", "gc_flank", if (y == "interaction") "position_b", "position")
    along <- cands[cands %in% names(x)][1]
  }
  along <- as_choice(along, c("position", "spacing", "copies", "gc_flank", "position_b"), "along")
  check_table(x, c("pattern", along, y), "x")
  x <- x[!is.na(x[[along]]), , drop = FALSE]
  x$x <- as.double(x[[along]])
  x$y <- x[[y]]
  p <- ggplot2::ggplot(x, ggplot2::aes(x = .data$x, y = .data$y, colour = .data$pattern,
                                       fill = .data$pattern)) +
    ggplot2::geom_hline(yintercept = 0, colour = "grey60", linewidth = 0.3)
  if (all(c("ci_low", "ci_high") %in% names(x))) {
    p <- p + ggplot2::geom_ribbon(ggplot2::aes(ymin = .data$ci_low, ymax = .data$ci_high),
                                  alpha = 0.2, colour = NA)
  }
  p + ggplot2::geom_line() + ggplot2::geom_point(size = 1) +
    ggplot2::labs(x = along, y = gsub("_", " ", y), colour = "pattern", fill = "pattern",
                  title = paste("Global importance vs", along)) +
    ggplot2::theme_minimal()
}

#' @rdname dgi_plot_gia
#' @export
dgi_plot_gia_logo <- function(x, engine = "auto") {
  x <- gia_table(x, "logo")
  check_table(x, c("variant_position", "base", "global_importance"), "x")
  centred <- x$global_importance - stats::ave(x$global_importance, x$variant_position)
  ref <- if ("is_reference" %in% names(x)) x$is_reference else NA
  scores <- data.frame(seq_id = "variant scan", position = as.integer(x$variant_position),
                       base = factor(as.character(x$base), levels = BASE_LEVELS),
                       score = centred, observed = ref)
  attr(scores, "settings") <- list(method = "global importance (centred per position)")
  dgi_plot_logo(scores, engine = engine) +
    ggplot2::labs(x = "pattern position", y = "global importance (centred)",
                  title = "GIA variant logo")
}

gia_table <- function(x, name) {
  if (is.list(x) && !is.data.frame(x)) {
    if (is.null(x[[name]])) {
      dgi_arg_error("{.arg x} is a list without a {.val {name}} table.", "x")
    }
    return(x[[name]])
  }
  x
}
