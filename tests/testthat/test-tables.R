# Tables and plots from R objects (the tables are computed by the engine), and
# the pure R parts of the set-up.

test_that("dgi_rolling_mean is a centred moving average", {
  skip_if_no_engine()
  expect_equal(dgi_rolling_mean(c(0, 0, 3, 0, 0), k = 3), c(0, 1, 1, 1, 0))
  expect_equal(dgi_rolling_mean(1:5, k = 1), as.numeric(1:5))
  # ends average over the part of the window that exists
  expect_equal(dgi_rolling_mean(c(2, 4, 6), k = 3), c(3, 4, 5))
  expect_equal(dgi_rolling_mean(numeric(), k = 3), numeric())
  # even windows: i - k/2 .. i + k/2 - 1, as pandas and the engine
  expect_equal(dgi_rolling_mean(c(1, 2, 3, 4), k = 2), c(1, 1.5, 2.5, 3.5))
  expect_equal(dgi_rolling_mean(0:4, k = 3, center = FALSE), c(0, 0.5, 1, 2, 3))
  expect_equal(dgi_rolling_mean(c(NA, NA, 1), k = 1), c(NA, NA, 1))
  expect_error(dgi_rolling_mean("a"), "`x` must be numeric")
  expect_error(dgi_rolling_mean(1:3, k = 0), "`k` must be a whole number")
})

test_that("dgi_attribution_table turns a matrix into the tidy table", {
  skip_if_no_engine()
  m <- matrix(c(0.1, 0, 0, 0,
                0, 0.5, 0, 0,
                0, 0, 0, -0.2), ncol = 4, byrow = TRUE)
  onehot <- (m != 0) * 1
  tab <- dgi_attribution_table(m, onehot, seq_id = "x")
  expect_named(tab, c("seq_id", "position", "base", "score", "observed"))
  expect_type(tab$position, "integer")
  expect_equal(levels(tab$base), c("A", "C", "G", "T"))
  expect_equal(nrow(tab), 12L)
  expect_equal(tab$position, rep(1:3, each = 4))
  expect_equal(tab$score[tab$observed], c(0.1, 0.5, -0.2))
  expect_equal(as.character(tab$base[tab$observed]), c("A", "C", "T"))
  arr <- array(0, dim = c(2, 3, 4))
  arr[2, , ] <- m
  tab2 <- dgi_attribution_table(arr, start = 11)
  expect_equal(unique(tab2$seq_id), c("seq_1", "seq_2"))
  expect_equal(range(tab2$position), c(11L, 13L))
  expect_true(all(is.na(tab2$observed)))
  expect_error(dgi_attribution_table(m, onehot[1:2, ]), "input_seq")
  expect_error(dgi_attribution_table(arr, seq_id = c("a", "a")), "duplicated.*\"a\"")
  # other channel counts: generic labels, the vocabulary, or the matrix's column names
  five <- dgi_attribution_table(matrix(0, 3, 5))
  expect_equal(levels(five$base), paste0("ch", 1:5))
  expect_error(dgi_attribution_table(matrix(0, 3, 5), vocabulary = c("A", "C", "G", "T")),
               "`vocabulary` has 4 labels but `scores` has 5 columns")
  six <- matrix(0, 2, 6, dimnames = list(NULL, c("A", "C", "G", "T", "N", "X")))
  expect_equal(levels(dgi_attribution_table(six)$base), c("A", "C", "G", "T", "N", "X"))
  expect_equal(levels(dgi_attribution_table(six, vocabulary = letters[1:6])$base), LETTERS[1:6])
})

test_that("the engine builds the tables R asks for (same numbers as its own)", {
  skip_if_no_engine()
  tables <- reticulate::import("deepg_interpret.results.tables", convert = FALSE)
  set.seed(4)
  onehot <- diag(4)[sample(4, 30, replace = TRUE), ]
  onehot[7, ] <- 0 # an N
  scores <- matrix(rnorm(120), 30, 4)
  tab <- dgi_attribution_table(scores, onehot, seq_id = "s", start = 5)
  py <- tables$attribution_table_from_array(scores, onehot, seq_ids = list("s"), start = 5L)
  py_score <- reticulate::py_to_r(py$score$to_numpy())
  expect_equal(tab$score, as.vector(py_score))
  expect_equal(range(tab$position), c(5L, 34L))
  loci <- dgi_per_locus(tab)
  expect_equal(loci$score_sum, rowSums(scores))
  expect_equal(loci$score_abs_sum, rowSums(abs(scores)))
  expect_equal(as.character(loci$max_base), c("A", "C", "G", "T")[max.col(scores, "first")])
  expect_true(is.na(loci$score_ref[7]))
  expect_equal(as.character(loci$ref_base[7]), "N")
  ref <- max.col(onehot)
  expect_equal(loci$score_ref[-7], scores[cbind(1:30, ref)][-7])
  # rows in any order, settings kept
  shuffled <- tab[sample(nrow(tab)), ]
  attr(shuffled, "settings") <- list(method = "saliency")
  again <- dgi_per_locus(shuffled)
  expect_equal(again$score_sum, loci$score_sum)
  expect_equal(attr(again, "settings"), list(method = "saliency"))
})

test_that("dgi_per_locus sums over bases and finds the observed and max base", {
  skip_if_no_engine()
  m <- matrix(c(0.1, 0.3, 0, -0.2,
                0, 0.5, 0, 0), ncol = 4, byrow = TRUE)
  onehot <- matrix(c(1, 0, 0, 0,
                     0, 0, 0, 0), ncol = 4, byrow = TRUE)
  loci <- dgi_per_locus(dgi_attribution_table(m, onehot))
  expect_named(loci, c("seq_id", "position", "ref_base", "score_sum", "score_abs_sum",
                       "score_ref", "max_base"))
  expect_equal(loci$score_sum, c(0.2, 0.5))
  expect_equal(loci$score_abs_sum, c(0.6, 0.5))
  expect_equal(as.character(loci$ref_base), c("A", "N"))
  expect_equal(loci$score_ref, c(0.1, NA)) # no observed base: NA, as the engine's tables
  expect_equal(as.character(loci$max_base), c("C", "C"))
  expect_type(loci$position, "integer")
  expect_error(dgi_per_locus(list(a = 1)), "must be a data frame")
  expect_error(dgi_per_locus(data.frame(seq_id = "a")), "lacks the column")
})

test_that("plots are ggplots on tables made in R", {
  skip_if_no_engine()
  set.seed(1)
  onehot <- diag(4)[sample(4, 120, replace = TRUE), ]
  scores <- onehot * rnorm(120)
  tab <- dgi_attribution_table(scores, onehot, seq_id = "s1")
  p1 <- dgi_plot_per_locus(tab, k = 10)
  p2 <- dgi_plot_heatmap(scores, input_seq = onehot, region = c(1, 40))
  p3 <- dgi_plot_logo(tab, engine = "ggplot2")
  for (p in list(p1, p2, p3)) {
    expect_s3_class(p, "ggplot")
    expect_silent(ggplot2::ggplot_build(p))
  }
  # default logo region: 40 positions around the strongest signal
  expect_equal(diff(range(p3$data$position)) <= 39, TRUE)
  # heatmap rows: the four bases plus sum and abs_sum
  expect_setequal(levels(p2$data$row), c("A", "C", "G", "T", "sum", "abs_sum"))
  if (requireNamespace("ggseqlogo", quietly = TRUE)) {
    p4 <- dgi_plot_logo(tab, region = c(5, 25), engine = "ggseqlogo")
    expect_s3_class(p4, "ggplot")
    expect_silent(ggplot2::ggplot_build(p4))
  }
  expect_error(dgi_plot_heatmap(tab, seq_id = "nope"), "not found")
  expect_error(dgi_plot_per_locus(tab, region = c(500, 600)), "holds no positions")
  expect_error(dgi_plot_per_locus(tab, value = "sum"), "`value`")
})

test_that("install requirements pin NumPy < 2 for old reticulate", {
  reqs <- deepGinterpret:::dgi_install_requirements("deepg-interpret",
                                                     reticulate_version = "1.28")
  expect_equal(reqs[1], "deepg-interpret")
  expect_true("numpy>=1.26,<2" %in% reqs)
  reqs2 <- deepGinterpret:::dgi_install_requirements("deepg-interpret", tensorflow = "2.15",
                                                      reticulate_version = "1.40")
  expect_false(any(grepl("numpy", reqs2)))
  expect_true("tensorflow==2.15.*" %in% reqs2)
  expect_true("tf_keras==2.15.*" %in% reqs2)
  expect_error(deepGinterpret:::dgi_install_requirements("x", tensorflow = "latest"),
               "`tensorflow`")
  # a checkout of the repository is installed from its path
  root <- normalizePath(test_path("..", ".."), mustWork = FALSE)
  if (file.exists(file.path(root, "pyproject.toml"))) {
    expect_equal(deepGinterpret:::dgi_install_requirements(root)[1], root)
  }
  expect_error(deepGinterpret:::dgi_install_requirements(tempdir()), "pyproject.toml")
  withr::with_envvar(c(DGI_ENGINE_SOURCE = "deepg-interpret==0.1.0"), {
    expect_equal(deepGinterpret:::dgi_install_requirements()[1], "deepg-interpret==0.1.0")
  })
})

test_that("NumPy 2 is refused with reticulate < 1.38 only", {
  compatible <- deepGinterpret:::numpy_compatible
  expect_true(compatible("1.26.4", reticulate_version = package_version("1.28")))
  expect_false(compatible("2.0.1", reticulate_version = package_version("1.28")))
  expect_true(compatible("2.0.1", reticulate_version = package_version("1.38")))
  expect_false(compatible(NA_character_))
})

test_that("dgi_install creates the virtualenv and installs the engine with the pins", {
  withr::local_envvar(RETICULATE_PYTHON = "")  # else the plan targets that Python's env
  calls <- list()
  record <- function(name) function(...) {
    calls[[length(calls) + 1]] <<- list(name = name, args = list(...))
    invisible(NULL)
  }
  ops <- list(
    exists = function(envname) FALSE,
    remove = record("remove"),
    create = record("create"),
    install = record("install"),
    python = function(envname) file.path("/envs", envname, "bin", "python")
  )
  state <- deepGinterpret:::.dgi
  old <- state$venv_ops
  state$venv_ops <- ops
  on.exit(state$venv_ops <- old, add = TRUE)
  py <- suppressMessages(dgi_install(engine = "deepg-interpret==0.1.0", tensorflow = "2.15"))
  expect_equal(py, "/envs/r-deepg-interpret/bin/python")
  expect_equal(vapply(calls, `[[`, "", "name"), c("create", "install"))
  expect_equal(calls[[1]]$args[[1]], "r-deepg-interpret")
  packages <- calls[[2]]$args[[2]]
  expect_equal(packages[1], "deepg-interpret==0.1.0")
  expect_true(all(c("tensorflow==2.15.*", "tf_keras==2.15.*") %in% packages))
  if (utils::packageVersion("reticulate") < "1.38") {
    expect_true("numpy>=1.26,<2" %in% packages)
  }
  # an existing environment is updated, or replaced with new_env = TRUE
  calls <- list()
  state$venv_ops$exists <- function(envname) TRUE
  msgs <- capture_messages(dgi_install(envname = "my-env", engine = "deepg-interpret"))
  expect_match(paste(msgs, collapse = ""), "my-env")
  expect_equal(vapply(calls, `[[`, "", "name"), "install")
  calls <- list()
  suppressMessages(dgi_install(envname = "my-env", engine = "deepg-interpret", new_env = TRUE))
  expect_equal(vapply(calls, `[[`, "", "name"), c("remove", "install"))
  expect_error(dgi_install(envname = ""), "`envname`")
})

test_that("exports never mask deepG's functions", {
  exports <- getNamespaceExports("deepGinterpret")
  expect_true(all(startsWith(exports, "dgi_")))
  deepg_exports <- c("integrated_gradients", "heatmaps_integrated_grad", "create_model_lstm_cnn",
                     "train_model", "load_cp", "seq_encoding_label", "predict_model",
                     "plot_cm", "evaluate_model")
  expect_length(intersect(exports, deepg_exports), 0L)
})
