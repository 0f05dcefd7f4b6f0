test_that("dgi_integrated_gradients returns the attribution table of conventions.md", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(2, 50, seed = 1)
  names(dna) <- c("first", "second")
  ig <- dgi_integrated_gradients(model, dna, target = 2, steps = 20)
  expect_s3_class(ig, "data.frame")
  expect_identical(class(ig), "data.frame")
  expect_named(ig, c("seq_id", "position", "base", "score", "observed"))
  expect_type(ig$seq_id, "character")
  expect_type(ig$position, "integer")
  expect_s3_class(ig$base, "factor")
  expect_equal(levels(ig$base), c("A", "C", "G", "T"))
  expect_type(ig$score, "double")
  expect_type(ig$observed, "logical")
  expect_equal(nrow(ig), 2L * 50L * 4L)
  expect_equal(unique(ig$seq_id), c("first", "second"))
  expect_equal(range(ig$position), c(1L, 50L))
  # no pandas leftovers
  expect_null(attr(ig, "pandas.index"))
  expect_identical(rownames(ig), as.character(seq_len(nrow(ig))))
  # the observed base is the input's base at each 1-based position
  obs <- ig[ig$seq_id == "first" & ig$observed, ]
  expect_equal(paste(obs$base[order(obs$position)], collapse = ""), unname(dna[1]))
  # settings travel in an attribute, with the 1-based target
  s <- attr(ig, "settings")
  expect_equal(s$method, "integrated_gradients")
  expect_equal(s$target, 2L)
  expect_equal(s$steps, 20L)
  expect_equal(s$baseline, "zero")
})

test_that("numbers equal the Python engine's on the same input", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(3, 50, seed = 2)
  res <- dgi_integrated_gradients(model, dna, target = 1, steps = 16, table = "all")
  eng <- engine_module()
  py <- eng$integrated_gradients(model, as.list(dna), target = 0L, steps = 16L,
                                 progress = FALSE)
  arr <- reticulate::py_to_r(py$attributions) # numpy (n, L, 4) -> R array
  # attribution rows are seq, position, base in that order
  expect_close(res$attribution$score, as.vector(aperm(arr, c(3, 2, 1))), scale = 0)
  summary_py <- reticulate::py_to_r(py$summary_table()$to_dict(orient = "list"))
  expect_close(res$summary$f_input, unlist(summary_py$f_input))
  expect_close(res$summary$delta, unlist(summary_py$delta)) # f_input - f_baseline - ig_sum
  # summary: 1-based target in R, 0-based in Python
  expect_equal(res$summary$target, unlist(summary_py$target) + 1L)
  expect_type(res$summary$target, "integer")
  expect_type(res$summary$steps, "integer")
  expect_named(res$summary, c("seq_id", "target", "baseline", "steps", "f_input",
                              "f_baseline", "ig_sum", "delta"))
  # completeness: f_input - f_baseline - sum(IG) is small
  expect_true(all(abs(res$summary$delta) < 0.02))
  # ig_sum is about f_input - f_baseline: probabilities, scale 1
  expect_close(res$summary$ig_sum, as.vector(tapply(res$attribution$score, res$attribution$seq_id,
                                                    sum)[c("seq_1", "seq_2", "seq_3")]))
  # per-locus table: columns, types, and the same numbers as R's own summary
  loci <- res$per_locus
  expect_named(loci, c("seq_id", "position", "ref_base", "score_sum", "score_abs_sum",
                       "score_ref", "max_base"))
  expect_type(loci$position, "integer")
  expect_true(all(c("A", "C", "G", "T") %in% levels(loci$ref_base)))
  expect_equal(levels(loci$max_base), c("A", "C", "G", "T"))
  # the rolling mean equals the engine's
  summaries <- reticulate::import("deepg_interpret.core.summaries", convert = FALSE)
  s1 <- loci$score_sum[loci$seq_id == "seq_1"]
  for (k in c(1, 4, 7, 50)) {
    expect_equal(dgi_rolling_mean(s1, k = k),
                 as.vector(reticulate::py_to_r(summaries$rolling_mean(s1, k = as.integer(k)))))
  }
  r_loci <- dgi_per_locus(res$attribution)
  expect_equal(r_loci$score_sum, loci$score_sum, tolerance = 1e-6)
  expect_equal(r_loci$score_abs_sum, loci$score_abs_sum, tolerance = 1e-6)
  expect_equal(as.character(r_loci$ref_base), as.character(loci$ref_base))
})

test_that("sequences come as characters, FASTA, one-hot arrays and DNAStringSet", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(2, 50, seed = 3)
  ref <- dgi_integrated_gradients(model, dna, target = 2, steps = 8)
  # deepG's seq_encoding_label() array c(n, maxlen, 4)
  arr <- dgi_integrated_gradients(model, one_hot(dna), target = 2, steps = 8)
  expect_close(arr$score, ref$score, scale = 0)
  expect_equal(arr$observed, ref$observed)
  # a single maxlen x 4 matrix
  mat <- dgi_integrated_gradients(model, one_hot(dna[1])[1, , ], target = 2, steps = 8)
  expect_close(mat$score, ref$score[ref$seq_id == "seq_1"], scale = 0) # batch of 1 vs 2
  # FASTA file (ids from the headers), lower case too
  fasta <- withr::local_tempfile(fileext = ".fasta")
  writeLines(c(">chr_a", tolower(dna[1]), ">chr_b", dna[2]), fasta)
  fa <- dgi_integrated_gradients(model, fasta, target = 2, steps = 8)
  expect_equal(unique(fa$seq_id), c("chr_a", "chr_b"))
  expect_close(fa$score, ref$score, scale = 0)
  # a list of strings
  lst <- dgi_integrated_gradients(model, as.list(dna), target = 2, steps = 8)
  expect_close(lst$score, ref$score, scale = 0)
  if (requireNamespace("Biostrings", quietly = TRUE)) {
    dss <- Biostrings::DNAStringSet(dna)
    bs <- dgi_integrated_gradients(model, dss, target = 2, steps = 8)
    expect_close(bs$score, ref$score, scale = 0)
  }
})

test_that("long sequences are cut into windows with 1-based source positions", {
  skip_if_no_engine()
  model <- test_model()
  dna <- c(long = random_dna(1, 80, seed = 4))
  ig <- dgi_integrated_gradients(model, dna, target = 1, steps = 4, window_step = 30,
                                 table = "per_locus")
  # the source's id and genome positions; windows 1-50 and 31-80 stitched (test-shapes.R)
  expect_equal(unique(ig$seq_id), "long")
  expect_equal(ig$position, 1:80)
  expect_equal(ig$n_windows, c(rep(1L, 30), rep(2L, 20), rep(1L, 30)))
  short <- dgi_integrated_gradients(model, c(s = random_dna(1, 45, seed = 5)), target = 1,
                                    steps = 4, pad = "right", table = "per_locus")
  expect_equal(short$position, 1:45) # padding is not a position of the sequence
})

test_that("targets by class name, logits, baselines and integration rules", {
  skip_if_no_engine()
  model <- dgi_load_model(test_model_3(), class_names = c("virus", "bacteria", "phage"))
  expect_s3_class(model, "dgi_model")
  expect_output(print(model), "outputs:     3 \\(virus, bacteria, phage\\)")
  dna <- random_dna(2, 40, seed = 6)
  by_name <- dgi_integrated_gradients(model, dna, target = "bacteria", steps = 8)
  by_index <- dgi_integrated_gradients(model, dna, target = 2, steps = 8)
  expect_equal(by_name$score, by_index$score)
  expect_equal(attr(by_name, "settings")$target_name, "bacteria")
  logit <- dgi_integrated_gradients(model, dna, target = 2, steps = 8, output = "logit",
                                    table = "summary")
  expect_equal(attr(logit, "settings")$output, "logit")
  set.seed(10)
  a <- dgi_integrated_gradients(model, dna, target = 3, baseline = "dinuc_shuffle",
                                n_baselines = 2, steps = 8)
  set.seed(10)
  b <- dgi_integrated_gradients(model, dna, target = 3, baseline = "dinuc_shuffle",
                                n_baselines = 2, steps = 8)
  expect_equal(a$score, b$score) # set.seed() makes random baselines reproducible
  expect_equal(attr(a, "settings")$seed, attr(b, "settings")$seed)
  expect_equal(attr(a, "settings")$n_baselines, 2L)
  seeded <- dgi_integrated_gradients(model, dna, target = 3, baseline = "gc_matched",
                                     seed = 5, steps = 8, table = "summary")
  expect_equal(attr(seeded, "settings")$seed, 5L)
  gl <- dgi_integrated_gradients(model, dna, target = 1, steps = 8, method = "gauss_legendre",
                                 table = "summary")
  expect_equal(attr(gl, "settings")$integration, "gauss_legendre")
  # an explicit baseline array c(maxlen, 4)
  explicit <- dgi_integrated_gradients(model, dna, target = 1, steps = 8,
                                       baseline = matrix(0.25, 40, 4), table = "summary")
  uniform <- dgi_integrated_gradients(model, dna, target = 1, steps = 8,
                                      baseline = "uniform", table = "summary")
  expect_close(explicit$ig_sum, uniform$ig_sum)
  bg <- dgi_integrated_gradients(model, dna, target = 1, steps = 8, baseline = "background",
                                 background = random_dna(5, 40, seed = 7), seed = 1,
                                 table = "summary")
  expect_equal(bg$baseline, c("background", "background"))
})

test_that("saliency and gradient x input share the table layout", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(2, 50, seed = 8)
  sal <- dgi_saliency(model, dna, target = 2)
  gxi <- dgi_gradient_x_input(model, dna, target = 2)
  expect_named(sal, c("seq_id", "position", "base", "score", "observed"))
  expect_close(gxi$score, sal$score * gxi$observed, scale = 0)
  expect_equal(attr(sal, "settings")$method, "saliency")
  eng <- engine_module()
  py <- eng$saliency(model, as.list(dna), target = 1L, progress = FALSE)
  expect_close(sal$score, as.vector(aperm(reticulate::py_to_r(py$attributions), c(3, 2, 1))),
               scale = 0)
  summ <- dgi_gradient_x_input(model, dna, target = 2, table = "summary")
  expect_named(summ, c("seq_id", "target", "f_input", "score_sum"))
  expect_equal(summ$target, c(2L, 2L))
  expect_equal(attr(summ, "settings")$target, 2L)
  gxi_sum <- tapply(gxi$score, gxi$seq_id, sum)[c("seq_1", "seq_2")]
  # sums of many scores of both signs: their noise is 1e-7 of the terms' magnitudes
  expect_close(summ$score_sum, as.vector(gxi_sum),
               scale = max(tapply(abs(gxi$score), gxi$seq_id, sum)))
  expect_close(dgi_saliency(model, dna, target = 2, table = "per_locus")$score_sum,
               dgi_per_locus(sal)$score_sum, scale = max(abs(sal$score))) # sums of 4 scores
})

test_that("one generic path runs every registered method", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(2, 50, seed = 9)
  methods <- dgi_methods()
  expect_true(all(c("integrated_gradients", "saliency", "gradient_x_input") %in% methods$method))
  expect_equal(methods$r_function[methods$method == "saliency"], "dgi_saliency")
  # each wrapper is the generic call of its method
  expect_true(all(c("class_optimization", "global_importance", "gene_scores") %in% methods$method))
  expect_false(any(methods$generic[methods$kind %in% c("optimization", "aggregation")]))
  for (i in which(methods$generic)) {
    name <- methods$method[i]
    wrapper <- get(methods$r_function[i], envir = asNamespace("deepGinterpret"))
    args <- list(model, dna, target = 2, table = "all")
    if (name == "integrated_gradients") args$steps <- 4
    direct <- do.call(wrapper, args)
    generic <- do.call(dgi_explain, c(list(name), args))
    expect_named(generic, strsplit(methods$tables[i], ", ")[[1]])
    expect_equal(generic, direct)
    for (tab in names(generic)) expect_equal(attr(generic[[tab]], "settings")$method, name)
    if ("target" %in% names(generic$summary)) {
      expect_equal(unique(generic$summary$target), 2L) # 1-based on the way out
    }
  }
  # the main table by default; table choices come from the result's tables
  expect_named(dgi_explain("saliency", model, dna, target = 1),
               c("seq_id", "position", "base", "score", "observed"))
  expect_error(dgi_explain("saliency", model, dna, target = 1, table = "wide"),
               "`table` = \"wide\" is unknown.*per_locus")
  expect_error(dgi_explain("nonsense", model, dna, target = 1), "`name`.*not registered")
  expect_error(dgi_explain("integrated_gradients", model, dna, target = 1, baseline = "unif"),
               "`baseline` = \"unif\" is unknown.*uniform")
  expect_error(dgi_explain("saliency", model, dna, target = 0), "`target` = 0 is out of range")
  expect_error(dgi_explain("saliency", model, dna, 1, 2), "must be named")
  # choice lists are the engine's
  reg <- reticulate::import("deepg_interpret.methods.registry", convert = FALSE)
  baselines <- reticulate::py_to_r(reg$get_method("integrated_gradients")$all_choices())$baseline
  expect_setequal(deepGinterpret:::method_info("integrated_gradients")$choices$baseline,
                  unlist(baselines))
})

test_that("duplicated sequence names are an R error, not merged rows", {
  skip_if_no_engine()
  model <- test_model()
  dna <- random_dna(3, 50, seed = 10)
  dup <- stats::setNames(dna, c("a", "b", "a"))
  expect_error(dgi_saliency(model, dup, target = 1),
               "`sequences` has duplicated sequence names: \"a\".*make.unique",
               class = "dgi_argument_error")
  df <- data.frame(seq_id = c("x", "x", "x"), sequence = dna)
  expect_error(dgi_integrated_gradients(model, df, target = 1, steps = 2), "duplicated.*\"x\"")
  if (requireNamespace("Biostrings", quietly = TRUE)) {
    dss <- Biostrings::DNAStringSet(stats::setNames(dna, c("s", "t", "t")))
    expect_error(dgi_gradient_x_input(model, dss, target = 1), "duplicated.*\"t\"")
  }
  arr <- one_hot(dna)
  dimnames(arr) <- list(c("p", "p", "q"), NULL, NULL)
  expect_error(dgi_saliency(model, arr, target = 1), "duplicated.*\"p\"")
  # unique names: one row set per sequence, in order
  ok <- dgi_saliency(model, stats::setNames(dna, make.unique(c("a", "b", "a"))), target = 1,
                     table = "summary")
  expect_equal(ok$seq_id, c("a", "b", "a.1"))
  dimnames(arr) <- list(c("p", "q", "r"), NULL, NULL)
  expect_equal(dgi_saliency(model, arr, target = 1, table = "summary")$seq_id, c("p", "q", "r"))
})

test_that("models with other vocabularies: 6 channels, arrays and strings", {
  skip_if_no_engine()
  model <- test_model_6()
  dna <- random_seq(2, 30, VOCAB_6, seed = 11)
  names(dna) <- c("u", "v")
  x <- one_hot_vocab(dna, VOCAB_6)
  # one-hot arrays need no vocabulary: generic channel labels
  arr <- dgi_integrated_gradients(model, x, target = 2, steps = 10, table = "all")
  expect_equal(levels(arr$attribution$base), paste0("ch", 1:6))
  expect_equal(nrow(arr$attribution), 2L * 30L * 6L)
  expect_true(all(abs(arr$summary$delta) < 0.05))
  # strings with deepG's vocabulary; the same numbers
  str <- dgi_integrated_gradients(model, dna, target = 2, steps = 10, vocabulary = VOCAB_6,
                                  table = "all")
  expect_equal(levels(str$attribution$base), VOCAB_6)
  expect_close(str$attribution$score, arr$attribution$score, scale = 0)
  expect_equal(unique(str$attribution$seq_id), c("u", "v"))
  obs <- str$attribution[str$attribution$seq_id == "u" & str$attribution$observed, ]
  expect_equal(paste(obs$base[order(obs$position)], collapse = ""), unname(dna[1]))
  # "N" is a channel here, not an ambiguous base
  expect_false("?" %in% as.character(str$per_locus$ref_base))
  expect_true(all(as.character(str$per_locus$ref_base) %in% VOCAB_6))
  # arrays with labels: the vocabulary names the channels
  lab <- dgi_saliency(model, x, target = 1, vocabulary = VOCAB_6)
  expect_equal(levels(lab$base), VOCAB_6)
  sal <- dgi_saliency(model, dna, target = 1, vocabulary = tolower(VOCAB_6), table = "per_locus")
  expect_close(sal$score_sum, dgi_per_locus(lab)$score_sum, scale = max(abs(lab$score))) # sums of 6
  gxi <- dgi_gradient_x_input(model, x, target = 1, table = "summary")
  expect_named(gxi, c("seq_id", "target", "f_input", "score_sum"))
  # R errors that name the vocabulary
  expect_error(dgi_saliency(model, dna, target = 1),
               "`sequences` are sequence strings but the model has 6 input channels.*vocabulary")
  expect_error(dgi_saliency(model, dna, target = 1, vocabulary = c("A", "C", "G", "T")),
               "`vocabulary` has 4 labels but the model has 6 input channels")
  expect_error(dgi_saliency(model, dna, target = 1, vocabulary = c("A", "C", "G", "T", "N", "N")),
               "`vocabulary` repeats the label \"N\"")
  expect_warning(dgi_saliency(model, sub("^.", "Z", dna), target = 1, vocabulary = VOCAB_6),
                 "outside the vocabulary \\['Z'\\]")
  expect_error(dgi_saliency(model, x, target = 1, vocabulary = paste0("long", 1:6), table = "summary"),
               NA)
  expect_error(dgi_saliency(model, dna, target = 1, vocabulary = paste0("long", 1:6)),
               "`vocabulary` must be single letters")
  expect_error(dgi_saliency(model, one_hot(random_dna(1, 30)), target = 1),
               "`sequences` has 4 channels .* expects 6")
  # a 4-channel model with its (default) vocabulary spelled out
  ref <- dgi_saliency(test_model(), random_dna(1, 50, seed = 12), target = 1)
  spelled <- dgi_saliency(test_model(), random_dna(1, 50, seed = 12), target = 1,
                          vocabulary = c("A", "C", "G", "T"))
  expect_equal(spelled, ref)
})

test_that("strand = 'reverse' maps the reverse complement's scores back to forward positions", {
  skip_if_no_engine()
  keras <- keras_module()
  inp <- keras$Input(shape = c(6L, 4L))
  out <- keras$layers$Dense(1L, use_bias = FALSE)(keras$layers$Flatten()(inp))
  model <- keras$Model(inp, out)
  w <- matrix(seq_len(24) / 10, nrow = 6, byrow = TRUE)  # w[position, base]
  model$layers[[3]]$set_weights(list(array(as.vector(t(w)), dim = c(24L, 1L))))
  fwd <- dgi_saliency(model, c(s = "ACGTTG"), target = 1, output = "logit")
  rev <- dgi_saliency(model, c(s = "ACGTTG"), target = 1, output = "logit", strand = "reverse")
  both <- dgi_saliency(model, c(s = "ACGTTG"), target = 1, output = "logit", strand = "both")
  # d f(rc(x)) / d x[p, b] = w[7 - p, complement(b)]; complement reverses the ACGT order
  expected <- w[cbind(7 - rev$position, 5 - as.integer(rev$base))]
  expect_equal(rev$score, expected, tolerance = 1e-6)
  expect_equal(fwd$score, w[cbind(fwd$position, as.integer(fwd$base))], tolerance = 1e-6)
  expect_equal(both$score, (fwd$score + rev$score) / 2, tolerance = 1e-6)
  expect_error(dgi_saliency(model, "ACGTTG", target = 1, strand = "up"), class = "dgi_error")
})
