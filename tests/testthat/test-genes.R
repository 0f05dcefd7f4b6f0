ecoli_gff <- function() {
  path <- system.file("extdata", "ecoli_326kb.prokka.gff.gz", package = "deepGinterpret")
  if (!nzchar(path)) path <- testthat::test_path("..", "..", "inst", "extdata",
                                                 "ecoli_326kb.prokka.gff.gz")
  path
}

ecoli_loci <- function(n = 326620L) {
  set.seed(3)
  data.frame(seq_id = "U00096.3", position = seq_len(n), score_sum = rnorm(n))
}

test_that("dgi_gene_scores reads the Prokka GFF and sums like a plain loop", {
  skip_if_no_engine()
  loci <- ecoli_loci()
  genes <- dgi_gene_scores(loci, ecoli_gff())
  expect_identical(class(genes), "data.frame")
  expect_identical(names(genes)[1:12],
                   c("gene_id", "name", "product", "type", "start", "end", "strand",
                     "score_sum", "score_mean", "score_max", "score_abs_mean", "quantile"))
  expect_type(genes$start, "integer")
  coding <- genes[genes$type != "noncoding", ]
  expect_equal(as.list(table(coding$type)), list(CDS = 304L, rRNA = 2L, tRNA = 5L))
  thra <- coding[coding$name == "thrA", ]
  expect_equal(c(thra$start, thra$end), c(337L, 2799L))
  for (i in c(1, 50, 200, nrow(genes))) {
    idx <- genes$start[i]:genes$end[i]
    expect_equal(genes$score_sum[i], sum(loci$score_sum[idx]), tolerance = 1e-10)
    expect_equal(genes$score_max[i], max(loci$score_sum[idx]))
  }
  expect_equal(genes$quantile[10], mean(genes$score_mean <= genes$score_mean[10]))
})

test_that("annotations as data frames and GRanges give the same table", {
  skip_if_no_engine()
  loci <- ecoli_loci(20000L)
  ann <- data.frame(seqnames = "U00096.3", start = c(337L, 5234L), end = c(2799L, 5530L),
                    strand = c("+", "-"), gene_id = c("thrA", "yaaX"))
  from_df <- dgi_gene_scores(loci, ann)
  expect_equal(from_df$gene_id[from_df$type != "noncoding"], c("thrA", "yaaX"))
  expect_equal(from_df$score_sum[from_df$gene_id == "thrA"], sum(loci$score_sum[337:2799]))
  skip_if_not_installed("GenomicRanges")
  gr <- GenomicRanges::GRanges("U00096.3", IRanges::IRanges(c(337L, 5234L), c(2799L, 5530L)),
                               strand = c("+", "-"), gene_id = c("thrA", "yaaX"))
  from_gr <- dgi_gene_scores(loci, gr)
  expect_equal(from_gr$score_sum, from_df$score_sum)
  expect_equal(from_gr$strand, from_df$strand)
})

test_that("dgi_gene_set_test finds a shifted set and matches the engine", {
  skip_if_no_engine()
  set.seed(4)
  genes <- data.frame(gene_id = paste0("g", 1:80), name = "", type = "CDS",
                      product = rep(c("stage V sporulation protein", "kinase"), c(10, 70)),
                      start = 1L, end = as.integer(sample(200:2000, 80)),
                      score_mean = c(rnorm(10, 3), rnorm(70)))
  res <- dgi_gene_set_test(genes, list(spore = "sporulation", other = paste0("g", 41:50)),
                           n_permutations = 500, seed = 2)
  expect_named(res, c("gene_set", "n_genes", "statistic", "effect", "p_value", "q_value",
                      "p_rank"))
  expect_equal(res$n_genes, c(10L, 10L))
  expect_lt(res$p_value[1], 0.01)
  expect_gt(res$p_value[2], 0.05)
  r <- rank(genes$score_mean)
  expect_equal(res$statistic[1], sum(r[1:10]) - 55)
  expect_equal(res$q_value, p.adjust(res$p_value, "BH"))
  one <- dgi_gene_set_test(genes, list(g = I("g3")), n_permutations = 50, seed = 1)
  expect_equal(one$n_genes, 1L)
  expect_error(dgi_gene_set_test(genes, list(none = "flagell")), class = "dgi_error")
})

test_that("bad annotations give R errors", {
  skip_if_no_engine()
  loci <- ecoli_loci(1000L)
  expect_error(dgi_gene_scores(loci, ecoli_gff()), "beyond contig", class = "dgi_error")
  expect_error(dgi_gene_scores(loci, "no/such.gff"), "does not exist", class = "dgi_error")
  expect_error(dgi_gene_scores(loci, data.frame(chr = "x", start = 1)), class = "dgi_error")
  expect_error(dgi_gene_scores(loci, 42), "GFF3/GTF path", class = "dgi_error")
  bad <- withr::local_tempfile(fileext = ".gff")
  writeLines("U00096.3\tx\tCDS\t1\t50\t.\t+\tID=a", bad)
  expect_error(dgi_gene_scores(loci, bad), "tab-separated columns", class = "dgi_error")
})

test_that("dgi_plot_genome_track draws scores and genes with a set highlighted", {
  skip_if_no_engine()
  loci <- ecoli_loci(30000L)
  p <- dgi_plot_genome_track(loci, ecoli_gff(), region = c(10000, 20000),
                             highlight = "chaperone", k = 50)
  expect_s3_class(p, "ggplot")
  built <- ggplot2::ggplot_build(p)
  polys <- built$data[[which(vapply(p$layers, function(l) inherits(l$geom, "GeomPolygon"),
                                    logical(1)))]]
  expect_true(any(polys$fill == "firebrick"))
  expect_true(any(polys$fill == "#4C72B0"))
})
