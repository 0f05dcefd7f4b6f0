# A method added as docs/architecture.md says (one module, one registry entry, one
# short R wrapper) works from R with no other change: the toy in toy_method.py is
# registered in the engine at run time, and its R wrapper below is three lines.
# On a linear model its answer is exact: weight * w[position, observed base]
# (float32 rounding: within 1e-6 of the scale, see expect_close()).

dgi_toy_scaled_gxi <- function(model, sequences, target, weight = 1, letters = "all", ...) {
  dgi_explain("toy_scaled_gxi", model, sequences, target, weight = weight, letters = letters, ...)
}

register_toy <- function() {
  toy <- reticulate::import_from_path("toy_method", path = testthat::test_path("."))
  toy$register()
  # method_info() is cached per session: a fresh entry for the new method
  .dgi <- get(".dgi", envir = asNamespace("deepGinterpret"))
  .dgi$methods <- NULL
  toy
}

test_that("a registered toy method runs from R through its thin wrapper", {
  skip_if_no_engine()
  toy <- register_toy()
  withr::defer(toy$unregister())
  keras <- keras_module()
  w <- matrix(withr::with_seed(4, stats::rnorm(12 * 4)), 12, 4, byrow = TRUE)
  model <- keras$Sequential(list(keras$Input(shape = c(12L, 4L)), keras$layers$Flatten(),
                                 keras$layers$Dense(1L)))
  np <- reticulate::import("numpy", convert = FALSE)
  dense <- model$layers[[length(model$layers)]]
  dense$set_weights(list(np$array(matrix(t(w), ncol = 1), dtype = "float32"),
                                     np$array(0.5, dtype = "float32")$reshape(1L)))
  dna <- c(s1 = "ACGTACGTACGT", s2 = "TTGACCATGCAA")

  methods <- dgi_methods()
  expect_true("toy_scaled_gxi" %in% methods$method)
  expect_equal(methods$kind[methods$method == "toy_scaled_gxi"], "per_base")

  res <- dgi_toy_scaled_gxi(model, dna, target = 1, weight = 2, letters = "G", table = "per_locus")
  bases <- strsplit(dna, "")
  expected <- unlist(lapply(bases, function(b) {
    vapply(seq_along(b), function(i) {
      if (b[i] == "G") 2 * w[i, match(b[i], c("A", "C", "G", "T"))] else 0
    }, 0)
  }))
  expect_equal(nrow(res), 24L)
  expect_equal(res$position, rep(1:12, 2))
  expect_close(res$score_ref, expected)

  # the choices come from the registry entry: a wrong one is an R error of the house class
  err <- expect_error(dgi_toy_scaled_gxi(model, dna, target = 1, letters = "N"))
  expect_match(conditionMessage(err), "letters")
  expect_match(conditionMessage(err), "all")
})

test_that("dgi_explain() points methods without sequences to their own wrapper", {
  skip_if_no_engine()
  expect_error(dgi_explain("class_optimization", test_model(), "ACGT", target = 1),
               "dgi_class_optimization")
})
