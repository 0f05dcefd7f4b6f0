# Integrated Gradients on the bundled deepG demo model, from R.
#
#   Rscript inst/scripts/demo.R [output folder]      (make demo: demo-output/)
#
# Reads the legacy deepG checkpoint inst/extdata/demo_model.h5 (maxlen 200,
# classes no_motif / motif) and inst/extdata/demo_sequences.fasta, explains the
# class "motif", and writes the tables as CSV and the plots as PNG into the
# output folder (prefix "R_").
suppressPackageStartupMessages(library(deepGinterpret))

args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[[1]] else "demo-output"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

bundled <- function(file) {
  path <- system.file("extdata", file, package = "deepGinterpret")
  if (!nzchar(path)) path <- file.path("inst", "extdata", file) # run from a checkout
  if (!file.exists(path)) stop("cannot find the bundled file ", file, call. = FALSE)
  path
}

if (!dgi_available()) {
  stop("The Python engine is not available: run deepGinterpret::dgi_install() ",
       "or set RETICULATE_PYTHON (make demo does).", call. = FALSE)
}
dgi_config()

model <- dgi_load_model(bundled("demo_model.h5"), class_names = c("no_motif", "motif"))
print(model)
fasta <- bundled("demo_sequences.fasta")
truth <- utils::read.csv(bundled("demo_truth.csv"))

res <- dgi_integrated_gradients(model, fasta, target = "motif", steps = 50, seed = 1,
                                progress = FALSE, table = "all")
cat("\nIntegrated gradients for class 'motif' (zero baseline, 50 steps):\n")
print(res$summary, digits = 3)

write_csv <- function(df, name) {
  path <- file.path(out_dir, name)
  tmp <- paste0(path, ".tmp")
  utils::write.csv(df, tmp, row.names = FALSE)
  file.rename(tmp, path)
  path
}
written <- c(
  write_csv(res$attribution, "R_ig_attribution.csv"),
  write_csv(res$per_locus, "R_ig_per_locus.csv"),
  write_csv(res$summary, "R_ig_summary.csv")
)

# Where is the signal? The highest rolling mean (k = 10) against the planted motif.
peaks <- do.call(rbind, lapply(split(res$per_locus, res$per_locus$seq_id), function(d) {
  d <- d[order(d$position), ]
  data.frame(seq_id = d$seq_id[1],
             peak = d$position[which.max(dgi_rolling_mean(d$score_sum, k = 10))])
}))
peaks <- merge(peaks, truth[, c("seq_id", "start", "end")], by = "seq_id", all.x = TRUE)
peaks$peak_in_motif <- with(peaks, !is.na(start) & peak >= start & peak <= end)
written <- c(written, write_csv(peaks, "R_ig_peaks.csv"))
cat("\nPeak of the rolling mean vs. the planted motif:\n")
print(peaks, row.names = FALSE)

save_plot <- function(plot, name, width = 9, height = 4) {
  path <- file.path(out_dir, name)
  ggplot2::ggsave(path, plot, width = width, height = height, dpi = 120)
  path
}
first <- truth$seq_id[1]
region <- c(truth$start[1] - 10, truth$end[1] + 10)
written <- c(
  written,
  save_plot(dgi_plot_per_locus(res$per_locus, seq_id = truth$seq_id, k = 10),
            "R_ig_per_locus.png", height = 8),
  save_plot(dgi_plot_heatmap(res$attribution, seq_id = first, region = region),
            "R_ig_heatmap.png", width = 12, height = 3),
  save_plot(dgi_plot_logo(res$attribution, seq_id = first, region = c(truth$start[1], truth$end[1])),
            "R_ig_logo.png", width = 10, height = 3)
)
cat("\nWrote:\n", paste0("  ", written, "\n"), sep = "")
