# R argument types as R users write them (issue 26): factors for strings, NA
# named as NA, empty lists, errors on the argument that was wrong, Ctrl-C.

small_gia_model <- function() {
  if (is.null(.test_cache$gia30)) {
    keras <- keras_module()
    keras$utils$set_random_seed(1L)
    inp <- keras$Input(shape = c(30L, 4L))
    out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
    .test_cache$gia30 <- keras$Model(inp, out)
  }
  .test_cache$gia30
}

test_that("factors are accepted where strings are expected", {
  skip_if_no_engine()
  model <- small_gia_model()
  res <- dgi_global_importance(model, 2, patterns = factor(c("GATA", "TTT")), positions = 5,
                               n_backgrounds = 5, seed = 1, progress = FALSE)
  expect_setequal(as.character(res$pattern), c("GATA", "TTT"))
  expect_no_error(dgi_gia_position_scan(model, 2, factor("GATA"), positions = 5,
                                        n_backgrounds = 5, seed = 1, progress = FALSE))
  dna <- paste(rep("ACGTAC", 5), collapse = "")
  expect_no_error(dgi_ism(model, factor(dna), target = 1))
  expect_no_error(dgi_load_model(model, class_names = factor(c("a", "b"))))

  gff <- system.file("extdata", "ecoli_326kb.prokka.gff.gz", package = "deepGinterpret")
  loci <- data.frame(seq_id = "U00096.3", position = 1:2000, score_sum = 1)
  genes <- dgi_gene_scores(loci, factor(gff), sequence_lengths = c(U00096.3 = 326620))
  expect_s3_class(genes, "data.frame")
  # single-string arguments too (check_string takes a one-level factor)
  by_factor <- dgi_gene_scores(loci, gff, score = factor("score_sum"),
                               sequence_lengths = c(U00096.3 = 326620))
  expect_identical(by_factor$gene_id, genes$gene_id)
  table <- data.frame(gene_id = paste0("g", 1:20), name = "", type = "CDS",
                      product = "kinase", start = 1, end = 500, score_mean = 1:20)
  expect_no_error(dgi_gene_set_test(table, list(a = factor(paste0("g", 1:5))), seed = 1,
                                    n_permutations = 10))
})

test_that("NA in class_names or in a PWM is named as NA", {
  skip_if_no_engine()
  model <- small_gia_model()
  expect_error(dgi_load_model(model, class_names = c("a", NA)),
               "class_names.*has NA at position 2; give a name for every class")
  pwm <- rbind(c(0.7, 0.1, 0.1, 0.1), c(0, 0, NA, 0), c(0.25, 0.25, 0.25, 0.25))
  expect_error(dgi_match_motifs(pwm, database = NULL, extra = list(a = "ACGT")),
               "pwm.*has NA at row 2, column 3", class = "dgi_argument_error")
  expect_error(dgi_global_importance(model, 2, patterns = pwm, positions = 5,
                                     n_backgrounds = 5, seed = 1, progress = FALSE),
               "patterns.*has NA at row 2, column 3", class = "dgi_argument_error")
})

test_that("an empty list of gene sets says it is empty", {
  skip_if_no_engine()
  genes <- data.frame(gene_id = paste0("g", 1:20), name = "", type = "CDS",
                      product = "kinase", start = 1, end = 500, score_mean = 1:20)
  expect_error(dgi_gene_set_test(genes, list(), seed = 1), "sets.*is empty",
               class = "dgi_argument_error")
})

test_that("errors name the argument that was wrong", {
  skip_if_no_engine()
  expect_error(dgi_match_motifs("AGATAAGA", database = "no_such_database"),
               "^`database`", class = "dgi_engine_error")
  expect_error(dgi_plot_erasure(data.frame(position = 1:3, score = 1:3)),
               "^`x` lacks the column", class = "dgi_argument_error")
  expect_error(dgi_plot_erasure(data.frame(position = 1:3, score_sum = 1:3),
                                track = data.frame(position = 1:3)),
               "^`track` lacks the column", class = "dgi_argument_error")
})

test_that("a Python KeyboardInterrupt becomes an R interrupt", {
  skip_if_no_engine()
  main <- reticulate::py_run_string("def dgi_test_interrupt():\n    raise KeyboardInterrupt()\n",
                                    convert = FALSE)
  got <- tryCatch(deepGinterpret:::dgi_py_call(main$dgi_test_interrupt),
                  interrupt = function(i) "interrupt", error = function(e) conditionMessage(e))
  expect_identical(got, "interrupt")
  # the engine's own error path: status "error" with KeyboardInterrupt in the classes
  got <- tryCatch(
    deepGinterpret:::dgi_translate_error(list(classes = list("KeyboardInterrupt", "BaseException"),
                                              message = "")),
    interrupt = function(i) "interrupt", error = function(e) conditionMessage(e))
  expect_identical(got, "interrupt")
})
