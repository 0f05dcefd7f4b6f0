#' Genome track of an erasure: a score along the sequence, erased segments shaded
#'
#' Draws a score along the sequence as a line and shades the segments of one
#' restart's best mask (opacity grows with the segment's `frequency` across
#' restarts). The score is a per-locus table given as `track` (for example the
#' `per_locus` table of [dgi_occlusion()], mean drop per position, or any
#' attribution per-locus table), else the share of restarts whose best mask
#' erases each position.
#'
#' @param x The list from [dgi_evolutionary_erasure()] (its `segments` table is
#'   used), a segments table (`run`, `start`, `end`, `frequency`), or a
#'   per-locus table (`position`, `score_sum`) to draw without segments.
#' @param track Optional per-locus table (`position`, `score_sum`, maybe
#'   `seq_id`) to draw as the score. Default `NULL`.
#' @param run Restart whose segments are shaded (1-based). Default `NULL`: the
#'   best run (`attr(segments, "settings")$best_run`).
#' @param seq_id Sequence of `track` to show. Default `NULL`: the first.
#' @param region Optional `c(start, end)`: 1-based positions to show.
#' @param k Optional width of a rolling mean drawn in red. Default `NULL`.
#' @returns A ggplot object.
#' @seealso [dgi_evolutionary_erasure()], [dgi_occlusion()], [dgi_plot_per_locus()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' segments <- data.frame(run = c(1L, 1L, 2L), start = c(101L, 601L, 101L),
#'                        end = c(200L, 700L, 200L), frequency = c(1, 0.5, 1))
#' attr(segments, "settings") <- list(best_run = 1L, length = 1000L)
#' dgi_plot_erasure(segments)
dgi_plot_erasure <- function(x, track = NULL, run = NULL, seq_id = NULL, region = NULL,
                             k = NULL) {
  segments <- NULL
  # errors about the drawn table name the argument it came from
  track_arg <- "track"
  if (is.list(x) && !is.data.frame(x) && !is.null(x$segments)) {
    if (is.null(track) && !is.null(x$per_locus)) {
      track <- x$per_locus
      track_arg <- "x"
    }
    x <- x$segments
  }
  if (!is.data.frame(x)) {
    dgi_arg_error("{.arg x} must be the result of {.fn dgi_evolutionary_erasure}, a segments table or a per-locus table, not {describe(x)}.",
                  "x")
  }
  if (all(c("run", "start", "end", "frequency") %in% names(x))) {
    segments <- x
  } else if (is.null(track)) {
    track <- x
    track_arg <- "x"
  }
  settings <- attr(segments, "settings")
  if (!is.null(segments)) {
    run <- as_count(run, "run", null_ok = TRUE) %||% settings$best_run %||% segments$run[1]
    if (!run %in% segments$run) {
      dgi_arg_error("{.arg run} = {run} is not a run of the segments table.", "run",
                    hint = "It holds runs {.val {sort(unique(segments$run))}}.")
    }
  }
  if (is.null(track)) {
    length_bp <- settings$length %||% max(segments$end)
    track <- erasure_frequency(segments, as.integer(length_bp))
  }
  check_table(track, c("position", "score_sum"), track_arg)
  track <- as.data.frame(track)
  if ("seq_id" %in% names(track)) {
    ids <- unique(track$seq_id)
    pick <- seq_id %||% ids[1]
    if (!pick %in% ids) {
      dgi_arg_error("{.arg seq_id} = {.val {pick}} is not in {.arg {track_arg}}.", "seq_id")
    }
    track <- track[track$seq_id == pick, , drop = FALSE]
  }
  track <- track[order(track$position), , drop = FALSE]
  shaded <- if (!is.null(segments)) as.data.frame(segments[segments$run == run, , drop = FALSE])
  if (!is.null(region)) {
    if (!is.numeric(region) || length(region) != 2 || anyNA(region) || region[1] > region[2]) {
      dgi_arg_error("{.arg region} must be {.code c(start, end)} with start <= end, not {describe(region)}.",
                    "region")
    }
    track <- track[track$position >= region[1] & track$position <= region[2], , drop = FALSE]
    if (!is.null(shaded)) {
      shaded <- shaded[shaded$end >= region[1] & shaded$start <= region[2], , drop = FALSE]
    }
  }
  p <- ggplot2::ggplot(track, ggplot2::aes(x = .data$position))
  if (!is.null(shaded) && nrow(shaded)) {
    p <- p + ggplot2::geom_rect(
      data = shaded, inherit.aes = FALSE,
      ggplot2::aes(xmin = .data$start - 0.5, xmax = .data$end + 0.5, ymin = -Inf, ymax = Inf,
                   alpha = .data$frequency),
      fill = "darkorange"
    ) + ggplot2::scale_alpha_continuous(range = c(0.15, 0.5), limits = c(0, 1),
                                        name = "frequency")
  }
  p <- p +
    ggplot2::geom_hline(yintercept = 0, colour = "grey70", linewidth = 0.3) +
    ggplot2::geom_line(ggplot2::aes(y = .data$score_sum), colour = "grey25", linewidth = 0.4)
  if (!is.null(k)) {
    k <- as_count(k, "k")
    track$rolling <- dgi_rolling_mean(track$score_sum, k = k)
    p <- p + ggplot2::geom_line(data = track, ggplot2::aes(y = .data$rolling),
                                colour = "firebrick", linewidth = 0.8)
  }
  subtitle <- if (!is.null(shaded)) paste0("shaded: erased segments of run ", run) else NULL
  p + ggplot2::labs(x = "position (1-based)", y = "score", subtitle = subtitle) +
    ggplot2::theme_minimal()
}

# Share of runs whose best mask erases each position 1..length.
erasure_frequency <- function(segments, length_bp) {
  runs <- unique(segments$run)
  freq <- numeric(length_bp)
  for (r in runs) {
    part <- segments[segments$run == r, , drop = FALSE]
    delta <- numeric(length_bp + 1L)
    for (i in seq_len(nrow(part))) {
      delta[part$start[i]] <- delta[part$start[i]] + 1
      stop_at <- min(part$end[i], length_bp) + 1L
      delta[stop_at] <- delta[stop_at] - 1
    }
    freq <- freq + (cumsum(delta)[seq_len(length_bp)] > 0)
  }
  data.frame(position = seq_len(length_bp), score_sum = freq / length(runs))
}
