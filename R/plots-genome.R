#' Genome track: scores along a genome above its genes
#'
#' Per-locus scores along one contig (points, or a min-max band per bin for
#' long stretches, and a rolling mean) above the genes drawn as arrows by
#' strand (`+` above, `-` below); the genes of a set are drawn in red and their
#' spans shaded in the score panel. The poster's view of IG along a genome
#' with the Prokka genes.
#'
#' @param per_locus A per-locus table (`seq_id`, `position`, `score`), or the
#'   list from `table = "all"`.
#' @param genes The table from [dgi_gene_scores()], an annotation data frame,
#'   a GFF3/GTF path or a GenomicRanges `GRanges`. Non-coding rows are not
#'   drawn.
#' @param seq_id Contig to draw. Default `NULL`: the first.
#' @param score Per-locus column. Default `"score_sum"`.
#' @param k Rolling-mean width (the poster: 50); `NULL` draws no line.
#' @param region Optional `c(start, end)` (1-based) to draw.
#' @param highlight Optional gene set: a product pattern (one string, e.g.
#'   `"sporulation"`) or gene ids/names, as in [dgi_gene_set_test()].
#' @param label_genes Write gene names. Default `NULL`: when at most 40 genes
#'   are in view.
#' @returns A ggplot object (two facets: `score` and `genes`).
#' @seealso [dgi_gene_scores()], [dgi_plot_per_locus()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' gff <- system.file("extdata", "ecoli_326kb.prokka.gff.gz", package = "deepGinterpret")
#' set.seed(1)
#' loci <- data.frame(seq_id = "U00096.3", position = 1:30000, score_sum = rnorm(30000))
#' dgi_plot_genome_track(loci, gff, region = c(10000, 20000), highlight = "chaperone")
dgi_plot_genome_track <- function(per_locus, genes, seq_id = NULL, score = "score_sum", k = 50,
                                  region = NULL, highlight = NULL, label_genes = NULL) {
  per_locus <- pick_table(per_locus, "per_locus")
  check_table(per_locus, c("seq_id", "position", score), "per_locus")
  k <- as_count(k, "k", null_ok = TRUE)
  genes <- as_gene_frame(genes)
  ids <- unique(as.character(per_locus$seq_id))
  seq_id <- if (is.null(seq_id)) ids[1] else as.character(seq_id)
  if (!seq_id %in% ids) {
    dgi_arg_error("{.arg seq_id} {.val {seq_id}} is not in {.arg per_locus}.", "seq_id")
  }
  loci <- per_locus[per_locus$seq_id == seq_id, , drop = FALSE]
  loci <- loci[order(loci$position), , drop = FALSE]
  loci$value <- as.double(loci[[score]])
  if (!is.null(k)) loci$rolling <- dgi_rolling_mean(loci$value, k = k)
  lim <- range(loci$position)
  if (!is.null(region)) {
    if (!is.numeric(region) || length(region) != 2L || anyNA(region) || region[1] > region[2]) {
      dgi_arg_error("{.arg region} must be c(start, end) with start <= end.", "region")
    }
    lim <- as.integer(region)
  }
  loci <- loci[loci$position >= lim[1] & loci$position <= lim[2], , drop = FALSE]
  if ("seq_id" %in% names(genes)) genes <- genes[genes$seq_id == seq_id, , drop = FALSE]
  if ("type" %in% names(genes)) genes <- genes[genes$type != "noncoding", , drop = FALSE]
  genes <- genes[genes$end >= lim[1] & genes$start <= lim[2], , drop = FALSE]
  genes$marked <- if (is.null(highlight) || !nrow(genes)) rep(FALSE, nrow(genes)) else
    gene_set_mask_r(genes, highlight)
  if (!"strand" %in% names(genes)) genes$strand <- "."

  panel <- factor(c("score", "genes"), levels = c("score", "genes"))
  p <- ggplot2::ggplot()
  marked <- genes[genes$marked, , drop = FALSE]
  if (nrow(marked)) {
    p <- p + ggplot2::geom_rect(
      data = cbind(marked, panel = panel[1]), inherit.aes = FALSE,
      ggplot2::aes(xmin = .data$start - 0.5, xmax = .data$end + 0.5, ymin = -Inf, ymax = Inf),
      fill = "firebrick", alpha = 0.15)
  }
  if (nrow(loci) > 50000L) {
    bins <- cut(loci$position, 2000L, labels = FALSE)
    band <- data.frame(position = tapply(loci$position, bins, mean),
                       low = tapply(loci$value, bins, min), high = tapply(loci$value, bins, max),
                       panel = panel[1])
    p <- p + ggplot2::geom_ribbon(data = band, ggplot2::aes(x = .data$position, ymin = .data$low,
                                                            ymax = .data$high),
                                  fill = "grey70")
  } else {
    p <- p + ggplot2::geom_point(data = cbind(loci, panel = panel[1]),
                                 ggplot2::aes(x = .data$position, y = .data$value),
                                 size = 0.4, alpha = 0.5, colour = "grey40")
  }
  if (!is.null(k)) {
    p <- p + ggplot2::geom_line(data = cbind(loci, panel = panel[1]),
                                ggplot2::aes(x = .data$position, y = .data$rolling),
                                colour = "black", linewidth = 0.5)
  }
  if (nrow(genes)) {
    polys <- gene_polygons(genes, head = max(diff(lim) / 150, 1))
    polys$panel <- panel[2]
    p <- p + ggplot2::geom_polygon(data = polys, ggplot2::aes(x = .data$x, y = .data$y,
                                                              group = .data$group,
                                                              fill = .data$fill)) +
      ggplot2::scale_fill_identity()
    label_genes <- if (is.null(label_genes)) nrow(genes) <= 40L else isTRUE(label_genes)
    if (label_genes && "name" %in% names(genes)) {
      labels <- genes[genes$name != "", , drop = FALSE]
      labels$x <- (labels$start + labels$end) / 2
      labels$y <- ifelse(labels$strand == "-", -1, ifelse(labels$strand == "+", 1, 0)) + 0.55
      p <- p + ggplot2::geom_text(data = cbind(labels, panel = panel[2]),
                                  ggplot2::aes(x = .data$x, y = .data$y, label = .data$name),
                                  size = 2)
    }
  }
  p + ggplot2::facet_grid(panel ~ ., scales = "free_y") +
    ggplot2::coord_cartesian(xlim = lim) +
    ggplot2::labs(x = paste("position (bp) on", seq_id), y = NULL,
                  title = "Scores along the genome",
                  subtitle = paste0(score, if (!is.null(k)) paste0("; line: rolling mean, k = ", k),
                                    "; genes: + strand above, - below",
                                    if (nrow(marked)) "; red: highlighted set")) +
    ggplot2::theme_minimal()
}

# One polygon per gene: a box with a point at its 3' end (a box for "."), y = +1 / -1 / 0.
gene_polygons <- function(genes, head) {
  h <- 0.35
  out <- lapply(seq_len(nrow(genes)), function(i) {
    s <- genes$start[i] - 0.5
    e <- genes$end[i] + 0.5
    st <- as.character(genes$strand[i])
    y <- if (st == "+") 1 else if (st == "-") -1 else 0
    if (st == "+") {
      tip <- max(s, e - head)
      x <- c(s, tip, e, tip, s)
      yy <- c(y - h, y - h, y, y + h, y + h)
    } else if (st == "-") {
      tip <- min(e, s + head)
      x <- c(e, tip, s, tip, e)
      yy <- c(y - h, y - h, y, y + h, y + h)
    } else {
      x <- c(s, e, e, s)
      yy <- c(y - h, y - h, y + h, y + h)
    }
    fill <- if (genes$marked[i]) "firebrick" else
      c("+" = "#4C72B0", "-" = "#55A868")[st] %|NA|% "grey55"
    data.frame(x = x, y = yy, group = i, fill = unname(fill))
  })
  do.call(rbind, out)
}

`%|NA|%` <- function(x, y) if (is.na(x)) y else x

# Genes as a data frame: gene tables and annotation frames as they are, paths and
# GRanges read by the engine (io.annotations.as_annotation).
as_gene_frame <- function(genes, call = rlang::caller_env()) {
  if (is.data.frame(genes) && all(c("start", "end") %in% names(genes))) {
    return(as.data.frame(genes))
  }
  eng <- dgi_engine()
  out <- dgi_py_call(py_bridge()$annotation_table, list(annotation = as_annotation_arg(genes, "genes", call)),
                     arg_map = c(InputError = "genes", ArgumentTypeError = "genes"), call = call)
  dgi_frame(out)
}

gene_set_mask_r <- function(genes, highlight, call = rlang::caller_env()) {
  if (!is.character(highlight) || !length(highlight) || anyNA(highlight)) {
    dgi_arg_error("{.arg highlight} must be a product pattern or gene ids (character).",
                  "highlight", call = call)
  }
  spec <- if (length(highlight) == 1L && !inherits(highlight, "AsIs")) highlight else
    as.list(unclass(highlight))
  for (col in c("gene_id", "name", "product")) {
    if (!col %in% names(genes)) genes[[col]] <- ""
  }
  eng <- dgi_engine()
  mask <- dgi_py_call(py_bridge()$gene_set_mask,
                      list(gene_table = r_frame(unfactor(genes[c("gene_id", "name", "product")])),
                           spec = spec),
                      arg_map = c(InputError = "highlight", ArgumentTypeError = "highlight"),
                      call = call)
  as.logical(reticulate::py_to_r(mask))
}
