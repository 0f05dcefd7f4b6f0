# Every single-input model kind from deepG's constructors: the drop-in against deepG's own
# integrated_gradients() (zero and shuffle baselines), and the tidy functions' tables.

for (kind in SINGLE_INPUT_KINDS) {
  test_that(paste0("drop-in matches deepG's integrated_gradients() on a ", kind, " model"), {
    skip_if_no_deepg_stack()
    spec <- deepg_model(kind)
    x <- random_onehot(spec$maxlen, seed = 11)
    expect_equal(unlist(spec$model$input_shape), c(spec$maxlen, 4L))

    theirs <- integrated_gradients(input_seq = x, target_class_idx = spec$target,
                                   model = spec$model)
    ours <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = spec$target,
                                           model = spec$model)
    expect_matches_deepg(ours, theirs)
    expect_equal(colnames(ours), c("A", "C", "G", "T"))

    # Random baseline: the same set.seed() gives deepG's permutation.
    set.seed(42)
    theirs <- integrated_gradients(input_seq = x, target_class_idx = spec$target,
                                   model = spec$model, baseline_type = "shuffle")
    set.seed(42)
    ours <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = spec$target,
                                           model = spec$model, baseline_type = "shuffle")
    expect_matches_deepg(ours, theirs)
  })

  test_that(paste0("the tidy functions work on a ", kind, " model"), {
    skip_if_no_deepg_stack()
    spec <- deepg_model(kind)
    L <- spec$maxlen
    dna <- stats::setNames(random_dna(2, L, seed = 5), c("s1", "s2"))
    res <- dgi_integrated_gradients(spec$model, dna, target = spec$target, table = "all")
    expect_named(res, c("attribution", "per_locus", "summary"), ignore.order = TRUE)
    att <- res$attribution
    expect_s3_class(att, "data.frame")
    expect_named(att, ATTRIBUTION_COLS)
    expect_equal(nrow(att), 2 * L * 4)
    expect_type(att$seq_id, "character")
    expect_type(att$position, "integer")
    expect_equal(levels(att$base), c("A", "C", "G", "T"))
    expect_equal(range(att$position), c(1L, L))
    expect_equal(sum(att$observed), 2 * L)
    expect_false(anyNA(att$score))
    # Each sequence's scores are deepG's (zero baseline, 50 steps, the defaults of both).
    for (id in c("s1", "s2")) {
      theirs <- integrated_gradients(input_seq = dna_to_onehot(dna[[id]]),
                                     target_class_idx = spec$target, model = spec$model)
      expect_matches_deepg(attribution_matrix(att[att$seq_id == id, ]), theirs)
    }

    pl <- res$per_locus
    expect_s3_class(pl, "data.frame")
    expect_named(pl, PER_LOCUS_COLS)
    expect_equal(nrow(pl), 2 * L)
    expect_equal(as.character(pl$ref_base[pl$seq_id == "s1"]), strsplit(dna[["s1"]], "")[[1]])

    sm <- res$summary
    expect_s3_class(sm, "data.frame")
    expect_named(sm, IG_SUMMARY_COLS)
    expect_equal(sm$seq_id, c("s1", "s2"))
    expect_equal(sm$target, rep(spec$target, 2))
    expect_equal(sm$steps, c(50L, 50L))
    expect_close(sm$delta, sm$f_input - sm$f_baseline - sm$ig_sum)

    sal <- dgi_saliency(spec$model, dna, target = spec$target, table = "all")
    expect_named(sal$attribution, ATTRIBUTION_COLS)
    expect_named(sal$summary, GRAD_SUMMARY_COLS)
    gxi <- dgi_gradient_x_input(spec$model, dna, target = spec$target)
    expect_named(gxi, ATTRIBUTION_COLS)
    expect_close(gxi$score, sal$attribution$score * gxi$observed, scale = 0)
  })
}

test_that("drop-in matches deepG with repeated shuffle baselines, unif and pred_stepwise", {
  skip_if_no_deepg_stack()
  spec <- deepg_model("cnn")
  x <- random_onehot(spec$maxlen, seed = 12)
  set.seed(7)
  theirs <- integrated_gradients(input_seq = x, target_class_idx = 2, model = spec$model,
                                 baseline_type = "shuffle", num_baseline_repeats = 3)
  set.seed(7)
  ours <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 2,
                                         model = spec$model, baseline_type = "shuffle",
                                         num_baseline_repeats = 3)
  expect_matches_deepg(ours, theirs)

  set.seed(8)
  theirs <- integrated_gradients(input_seq = x, target_class_idx = 1, model = spec$model,
                                 baseline_type = "unif", m_steps = 20)
  set.seed(8)
  ours <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1,
                                         model = spec$model, baseline_type = "unif",
                                         m_steps = 20)
  expect_matches_deepg(ours, theirs)

  theirs <- integrated_gradients(input_seq = x, target_class_idx = 2, model = spec$model,
                                 pred_stepwise = TRUE, m_steps = 20)
  ours <- dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 2,
                                         model = spec$model, pred_stepwise = TRUE,
                                         m_steps = 20)
  expect_matches_deepg(ours, theirs)
})
