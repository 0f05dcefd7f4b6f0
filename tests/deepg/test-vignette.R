# The vignette's deepG section runs where the real stack is (here), and shows deepG's
# constructors working with the package.

test_that("the vignette's deepG chunks run on the real deepG stack", {
  skip_if_not(stack_ok(), "the real deepG stack is not installed")
  root <- normalizePath(file.path(testthat::test_path(), "..", ".."))
  vignette <- file.path(root, "vignettes", "explaining-a-deepg-model.Rmd")
  skip_if_not(file.exists(vignette), "no vignette source here")
  # knit in a temporary folder: knitr writes its figures beside the output
  work <- withr::local_tempdir()
  withr::local_dir(work)
  out <- file.path(work, "vignette.md")
  knitr::knit(vignette, output = out, quiet = TRUE, envir = new.env())
  md <- readLines(out)
  chunk <- grep("deepG::create_model_lstm_cnn(maxlen = 100", md, fixed = TRUE)
  expect_length(chunk, 1)
  # the chunk ran: its printed relative difference to deepG's IG is tiny
  after <- md[chunk:min(length(md), chunk + 30)]
  rel <- as.numeric(sub("^#> \\[1\\] ", "", grep("^#> \\[1\\] [0-9.e-]+$", after, value = TRUE)[1]))
  expect_lt(rel, 1e-5)
  expect_false(any(grepl("^#> Error", md)))
})
