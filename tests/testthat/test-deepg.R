# The drop-in must give deepG's integrated_gradients() numbers.

test_that("the drop-in matches deepG's algorithm with the zero baseline", {
  skip_if_no_engine()
  model <- test_model()
  input_seq <- one_hot(random_dna(1, 50, seed = 11))
  ours <- dgi_integrated_gradients_deepg(input_seq = input_seq, target_class_idx = 2,
                                         model = model)
  expect_true(is.matrix(ours))
  expect_equal(dim(ours), c(50L, 4L))
  expect_equal(colnames(ours), c("A", "C", "G", "T"))
  ref <- deepg_reference_ig(input_seq = input_seq, target_class_idx = 2, model = model)
  expect_close(unname(ours), unname(ref), scale = 0)
  # other step counts, positional arguments in deepG's order
  ours10 <- dgi_integrated_gradients_deepg(10, "zero", input_seq, 1, model)
  ref10 <- deepg_reference_ig(10, "zero", input_seq, 1, model)
  expect_close(unname(ours10), unname(ref10), scale = 0)
  # pred_stepwise only changes the batching
  step <- dgi_integrated_gradients_deepg(m_steps = 10, input_seq = input_seq,
                                         target_class_idx = 1, model = model,
                                         pred_stepwise = TRUE)
  expect_close(step, ours10, scale = 0)
  # same as the tidy function with deepG's defaults
  tidy <- dgi_integrated_gradients(model, input_seq, target = 2)
  expect_close(tidy$score, as.vector(t(ours)), scale = 0)
})

test_that("random baselines are drawn with deepG's R calls (set.seed reproduces deepG)", {
  skip_if_no_engine()
  model <- test_model()
  input_seq <- one_hot(random_dna(1, 50, seed = 12))
  set.seed(42)
  ours <- dgi_integrated_gradients_deepg(m_steps = 12, baseline_type = "shuffle",
                                         input_seq = input_seq, target_class_idx = 2,
                                         model = model)
  set.seed(42)
  ref <- deepg_reference_ig(m_steps = 12, baseline_type = "shuffle", input_seq = input_seq,
                            target_class_idx = 2, model = model)
  expect_close(unname(ours), unname(ref), scale = 0)
  set.seed(7)
  ours_rep <- dgi_integrated_gradients_deepg(m_steps = 12, baseline_type = "shuffle",
                                             input_seq = input_seq, target_class_idx = 1,
                                             model = model, num_baseline_repeats = 3)
  set.seed(7)
  ref_rep <- deepg_reference_ig(m_steps = 12, baseline_type = "shuffle", input_seq = input_seq,
                                target_class_idx = 1, model = model, num_baseline_repeats = 3)
  expect_close(unname(ours_rep), unname(ref_rep), scale = 0)
  set.seed(3)
  ours_unif <- dgi_integrated_gradients_deepg(m_steps = 12, baseline_type = "unif",
                                              input_seq = input_seq, target_class_idx = 2,
                                              model = model)
  set.seed(3)
  ref_unif <- deepg_reference_ig(m_steps = 12, baseline_type = "unif", input_seq = input_seq,
                                 target_class_idx = 2, model = model)
  expect_close(unname(ours_unif), unname(ref_unif), scale = 0)
})

test_that("the drop-in takes deepG's inputs and warns like deepG", {
  skip_if_no_engine()
  model <- test_model()
  input_seq <- one_hot(random_dna(1, 50, seed = 13))
  ref <- dgi_integrated_gradients_deepg(m_steps = 8, input_seq = input_seq,
                                        target_class_idx = 2, model = model)
  # a maxlen x 4 matrix and a TensorFlow tensor are accepted too
  expect_close(dgi_integrated_gradients_deepg(m_steps = 8, input_seq = input_seq[1, , ],
                                              target_class_idx = 2, model = model), ref, scale = 0)
  tf <- reticulate::import("tensorflow")
  tensor <- tf$constant(input_seq, dtype = "float32")
  expect_close(dgi_integrated_gradients_deepg(m_steps = 8, input_seq = tensor,
                                              target_class_idx = 2, model = model), ref, scale = 0)
  expect_warning(
    dgi_integrated_gradients_deepg(m_steps = 8, input_seq = input_seq, target_class_idx = 2,
                                   model = model, num_baseline_repeats = 2),
    "Ignoring num_baseline_repeats"
  )
  # the heatmap takes the matrix and deepG's input_seq
  p <- dgi_plot_heatmap(ref, input_seq = input_seq)
  expect_s3_class(p, "ggplot")
  expect_silent(ggplot2::ggplot_build(p))
})

test_that("the drop-in's argument errors name deepG's arguments", {
  skip_if_no_engine()
  model <- test_model()
  input_seq <- one_hot(random_dna(1, 50, seed = 14))
  expect_error(dgi_integrated_gradients_deepg(input_seq = input_seq, target_class_idx = 0,
                                              model = model),
               "`target_class_idx` = 0 is out of range")
  expect_error(dgi_integrated_gradients_deepg(input_seq = input_seq, target_class_idx = 3,
                                              model = model),
               "`target_class_idx` = 3 is out of range")
  expect_error(dgi_integrated_gradients_deepg(baseline_type = "dinuc", input_seq = input_seq,
                                              target_class_idx = 1, model = model),
               "`baseline_type`")
  expect_error(dgi_integrated_gradients_deepg(input_seq = one_hot(random_dna(1, 40)),
                                              target_class_idx = 1, model = model),
               "`input_seq` has length 40")
  expect_error(dgi_integrated_gradients_deepg(input_seq = one_hot(random_dna(2, 50)),
                                              target_class_idx = 1, model = model),
               "`input_seq` holds 2 sequences")
  expect_error(dgi_integrated_gradients_deepg(input_seq = list(input_seq, input_seq),
                                              target_class_idx = 1, model = model),
               "multi-input")
  expect_error(dgi_integrated_gradients_deepg(input_seq = input_seq, target_class_idx = 1,
                                              model = list()),
               "`model` must be a Keras model")
  expect_error(dgi_integrated_gradients_deepg(input_seq = input_seq, model = model),
               "`target_class_idx` is missing")
  expect_error(dgi_integrated_gradients_deepg(m_steps = -1, input_seq = input_seq,
                                              target_class_idx = 1, model = model),
               "`m_steps`")
})

test_that("the drop-in works on any channel count, as deepG's does (6 channels)", {
  skip_if_no_engine()
  model <- test_model_6()
  input_seq <- one_hot_vocab(random_seq(1, 30, VOCAB_6, seed = 15), VOCAB_6)
  ours <- dgi_integrated_gradients_deepg(m_steps = 12, input_seq = input_seq,
                                         target_class_idx = 2, model = model)
  expect_equal(dim(ours), c(30L, 6L))
  expect_equal(colnames(ours), paste0("ch", 1:6))
  ref <- deepg_reference_ig(m_steps = 12, input_seq = input_seq, target_class_idx = 2,
                            model = model)
  expect_close(unname(ours), unname(ref), scale = 0)
  set.seed(8)
  shuffled <- dgi_integrated_gradients_deepg(m_steps = 12, baseline_type = "shuffle",
                                             input_seq = input_seq, target_class_idx = 1,
                                             model = model, num_baseline_repeats = 2)
  set.seed(8)
  ref_shuffled <- deepg_reference_ig(m_steps = 12, baseline_type = "shuffle",
                                     input_seq = input_seq, target_class_idx = 1, model = model,
                                     num_baseline_repeats = 2)
  expect_close(unname(shuffled), unname(ref_shuffled), scale = 0)
  # the matrix goes on to the tables and plots
  tab <- dgi_attribution_table(ours, input_seq[1, , ])
  expect_equal(levels(tab$base), paste0("ch", 1:6))
  expect_equal(sum(tab$observed), 30L)
  p <- dgi_plot_heatmap(ours, input_seq = input_seq)
  expect_silent(ggplot2::ggplot_build(p))
  expect_setequal(levels(p$data$row), c(paste0("ch", 1:6), "sum", "abs_sum"))
  logo <- dgi_plot_logo(ours, input_seq = input_seq, engine = "ggplot2")
  expect_equal(levels(logo$data$base), paste0("ch", 1:6))
  named <- ours
  colnames(named) <- VOCAB_6 # single letters: ggseqlogo draws them
  if (requireNamespace("ggseqlogo", quietly = TRUE)) {
    expect_s3_class(dgi_plot_logo(named, input_seq = input_seq, engine = "ggseqlogo"), "ggplot")
  }
  expect_error(dgi_integrated_gradients_deepg(input_seq = one_hot(random_dna(1, 30)),
                                              target_class_idx = 1, model = model),
               "`input_seq` has 4 channels \\(dim 3\\) but the model expects 6")
})
