# deepG's training loop and checkpoints: train_model() on a tiny FASTA folder dataset,
# load_cp(), then our functions on the reloaded model (object and checkpoint path).

test_that("a model trained with train_model() and reloaded with load_cp() is explained as deepG does", {
  skip_if_no_deepg_stack()
  root <- withr::local_tempdir("deepg-train")
  maxlen <- 50L
  for (split in c("train", "val")) {
    write_fasta_folder(file.path(root, split, "neg"), n = 20, len = 60,
                       seed = if (split == "train") 1 else 2)
    write_fasta_folder(file.path(root, split, "pos"), n = 20, len = 60, motif = "TATAGCGCTA",
                       seed = if (split == "train") 3 else 4)
  }
  model <- create_model_lstm_cnn(maxlen = maxlen, kernel_size = c(6, 6), filters = c(8, 8),
                                 pool_size = c(2, 2), layer_dense = c(8, 2), verbose = FALSE,
                                 model_seed = 1)
  w_before <- keras::get_weights(model)
  cp <- file.path(root, "checkpoints")
  hist <- train_model(
    model = model, train_type = "label_folder",
    path = file.path(root, "train", c("neg", "pos")),
    path_val = file.path(root, "val", c("neg", "pos")),
    vocabulary_label = c("neg", "pos"), maxlen = maxlen, step = 10, batch_size = 8,
    epochs = 2, steps_per_epoch = 3, path_checkpoint = cp, run_name = "tiny",
    print_scores = FALSE, reduce_lr_on_plateau = FALSE
  )
  files <- list.files(file.path(cp, "tiny"), pattern = "\\.hdf5$", full.names = TRUE)
  expect_length(files, 2) # one checkpoint per epoch
  # training changed the weights (the model object is trained in place)
  expect_false(isTRUE(all.equal(keras::get_weights(model), w_before)))

  loaded <- load_cp(file.path(cp, "tiny"), cp_filter = "last_ep", verbose = FALSE)
  x <- random_onehot(maxlen, seed = 21)
  expect_equal(predict(loaded, x, verbose = 0), predict(model, x, verbose = 0),
               tolerance = 1e-6)

  theirs <- integrated_gradients(input_seq = x, target_class_idx = 2, model = loaded)
  expect_matches_deepg(dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 2,
                                                      model = loaded), theirs)
  set.seed(3)
  theirs_shuffle <- integrated_gradients(input_seq = x, target_class_idx = 1, model = loaded,
                                         baseline_type = "shuffle")
  set.seed(3)
  expect_matches_deepg(dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 1,
                                                      model = loaded, baseline_type = "shuffle"),
                       theirs_shuffle)

  # The checkpoint file itself (a Keras 2 HDF5 written by deepG) as `model`.
  last <- files[order(files)][length(files)]
  from_path <- suppressMessages(
    dgi_integrated_gradients_deepg(input_seq = x, target_class_idx = 2, model = last)
  )
  expect_matches_deepg(from_path, theirs)

  # Tidy output on the training FASTA (60 bp records, maxlen 50: windows every 10 bp).
  fasta <- file.path(root, "val", "pos", "seqs.fasta")
  handle <- suppressMessages(dgi_load_model(last, class_names = c("neg", "pos")))
  res <- dgi_integrated_gradients(handle, fasta, target = "pos", window_step = 10,
                                  steps = 20, table = "all")
  # windows stitched: one row per record and position, n_windows covering it; the summary
  # has one row per window (test-shapes.R)
  expect_named(res$attribution, c(ATTRIBUTION_COLS, "n_windows"))
  expect_named(res$per_locus, c(PER_LOCUS_COLS, "n_windows"))
  expect_named(res$summary, c("seq_id", "window", "start", "end", IG_SUMMARY_COLS[-1]))
  expect_equal(res$attribution$position[res$attribution$seq_id == "pos_1"], rep(1:60, each = 4))
  expect_equal(res$per_locus$n_windows[res$per_locus$seq_id == "pos_1"],
               c(rep(1L, 10), rep(2L, 40), rep(1L, 10)))
  expect_true(all(res$summary$target == 2L))
  expect_equal(unique(res$summary$seq_id), paste0("pos_", 1:20))
  expect_equal(res$summary$start[res$summary$seq_id == "pos_1"], c(1L, 11L))
})
