test_that("dgi_ism returns the ISM table with the engine's numbers", {
  skip_if_no_engine()
  model <- test_model_3() # conv + pool + batch norm + flatten: the fast path
  dna <- random_dna(2, 40, seed = 3)
  names(dna) <- c("a", "b")
  res <- dgi_ism(model, dna, target = 3, start = 5, end = 14, table = "all")
  ism <- res$ism
  expect_identical(class(ism), "data.frame")
  expect_named(ism, c("seq_id", "position", "ref_base", "alt_base", "delta"))
  expect_type(ism$position, "integer")
  expect_s3_class(ism$ref_base, "factor")
  expect_s3_class(ism$alt_base, "factor")
  expect_equal(levels(ism$alt_base), c("A", "C", "G", "T"))
  expect_equal(range(ism$position), c(5L, 14L))
  expect_equal(nrow(ism), 2L * 10L * 3L)
  expect_true(all(as.character(ism$ref_base) != as.character(ism$alt_base)))
  # the reference base is the input's base at each 1-based position
  first <- ism[ism$seq_id == "a" & !duplicated(ism[c("seq_id", "position")]), ]
  expect_equal(paste(first$ref_base, collapse = ""), substr(dna[["a"]], 5, 14))

  eng <- engine_module()
  py <- eng$ism(model, as.list(unname(dna)), target = 2L, start = 5L, end = 14L,
                progress = FALSE)
  deltas <- reticulate::py_to_r(py$deltas) # (n, L, 4)
  ref <- match(strsplit(substr(dna[["b"]], 5, 14), "")[[1]], c("A", "C", "G", "T"))
  by_hand <- unlist(lapply(seq_along(ref), function(i) deltas[2, 4 + i, -ref[i]]))
  expect_close(ism$delta[ism$seq_id == "b"], by_hand) # deltas: differences of probabilities

  expect_equal(res$summary$path, c("fast", "fast"))
  expect_equal(res$summary$target, c(3L, 3L))
  expect_equal(attr(ism, "settings")$path, "fast")
  expect_true(all(c("delta_mean", "delta_l2") %in% names(res$per_locus)))
  naive <- dgi_ism(model, dna, target = 3, start = 5, end = 14, fast = FALSE)
  expect_close(naive$delta, ism$delta)
  expect_equal(attr(naive, "settings")$path, "naive")
})

test_that("dgi_ism rejects bad regions and options with R errors", {
  skip_if_no_engine()
  model <- test_model_3()
  dna <- random_dna(1, 40, seed = 4)
  expect_error(dgi_ism(model, dna, target = 1, start = 9, end = 3), "`start` \\(9\\) is after",
               class = "dgi_argument_error")
  expect_error(dgi_ism(model, dna, target = 1, start = 0), "`start` must be a whole number",
               class = "dgi_argument_error")
  expect_error(dgi_ism(model, dna, target = 1, fast = "maybe"), "`fast` must be")
  expect_error(dgi_ism(model, dna, target = 1, end = 41), "end = 41 is beyond the sequence")
  expect_error(dgi_ism(model, dna, target = 4), "out of range")
})
