test_that("plots draw engine results", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(2, 50, seed = 41)
  res <- dgi_integrated_gradients(model, dna, target = 2, steps = 8, table = "all")
  plots <- list(
    dgi_plot_per_locus(res, k = 5),
    dgi_plot_per_locus(res$per_locus, seq_id = "seq_2", value = "score_abs_sum"),
    dgi_plot_per_locus(res$attribution, k = 5),
    dgi_plot_per_locus(res, k = 5, highlight = data.frame(start = 10, end = 20)),
    dgi_plot_per_locus(res, k = 5, highlight = data.frame(seq_id = "seq_2", start = 10, end = 20)),
    dgi_plot_heatmap(res),
    dgi_plot_heatmap(res$attribution, seq_id = "seq_2", region = c(10, 30)),
    dgi_plot_logo(res, region = c(5, 25), engine = "ggplot2"),
    dgi_plot_logo(res$attribution, observed_only = TRUE)
  )
  for (p in plots) {
    expect_s3_class(p, "ggplot")
    expect_silent(ggplot2::ggplot_build(p))
  }
  expect_match(plots[[1]]$labels$title, "Integrated gradients, target: 2")
  # two sequences -> two panels
  expect_equal(length(unique(ggplot2::ggplot_build(plots[[1]])$layout$layout$PANEL)), 2L)
})
