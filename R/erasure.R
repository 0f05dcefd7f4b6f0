#' Occlusion: the drop of a prediction when windows of the sequence are erased
#'
#' Slides a window of `window` bases over each sequence (a start every `stride`
#' bases, plus one flush with the end), replaces it by a baseline and records
#' the model's output for the target class. Erased copies are built batch by
#' batch in the engine, so genomes (deepG models built with `maxlen = NULL`)
#' work within the memory budget.
#'
#' @inheritParams dgi_integrated_gradients
#' @param window Bases erased at once. Default 10; at most the sequence length.
#' @param stride Bases between window starts. Default `NULL`: half the window.
#' @param baseline What replaces the window: `"zero"` (all-zero rows, deepG's
#'   blank; default), `"uniform"` (0.25 per base), `"shuffle"` (the window's
#'   bases permuted), `"dinuc_shuffle"` (dinucleotide counts kept) or
#'   `"gc_matched"` (random bases with the window's GC content).
#' @param seed Seed of the random fills. Default `NULL` draws one from R's
#'   random number generator for random baselines, so [set.seed()] makes runs
#'   reproducible.
#' @param batch_size Fixed number of erased copies per batch. Default `NULL`
#'   sizes batches by `memory_budget`.
#' @param table `"occlusion"` (default), `"per_locus"`, or `"all"` for a named
#'   list of both.
#' @returns A data.frame (or, for `table = "all"`, a named list of two):
#'   * `occlusion`: one row per window: `seq_id`, `start`, `end` (integer,
#'     1-based, closed), `f_reference` (output on the sequence), `f_erased`
#'     (output with the window erased), `drop` (`f_reference - f_erased`;
#'     positive where the window supports the class). Sequences cut into
#'     windows (`window_step`) add `window` after `seq_id`, and `start`/`end`
#'     are genome positions;
#'   * `per_locus`: one row per position: `seq_id`, `position`, `ref_base`
#'     (factor), `score_sum` (mean `drop` of the windows covering the position,
#'     named like the attribution methods' column so [dgi_plot_per_locus()]
#'     draws it), `n_occlusions` (how many windows cover it); set models add
#'     `member`, `member_position`, windowed inputs `n_windows`.
#'
#'   The run settings are in `attr(x, "settings")`.
#' @seealso [dgi_evolutionary_erasure()], [dgi_plot_erasure()], [dgi_explain()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = list(NULL, 4L))
#' hidden <- keras$layers$Conv1D(4L, 5L, activation = "relu")(inp)
#' out <- keras$layers$Dense(2L, activation = "softmax")(
#'   keras$layers$GlobalAveragePooling1D()(hidden))
#' model <- keras$Model(inp, out)
#' set.seed(1)
#' dna <- paste(sample(c("A", "C", "G", "T"), 200, TRUE), collapse = "")
#' occ <- dgi_occlusion(model, dna, target = 2, window = 20)
#' head(occ)
dgi_occlusion <- function(model, sequences, target, window = 10, stride = NULL,
                          baseline = "zero", seed = NULL, output = NULL, class_names = NULL,
                          window_step = NULL, pad = NULL, ambiguous = "zero", vocabulary = NULL,
                          batch_size = NULL, memory_budget = NULL, progress = interactive(),
                          table = "occlusion", input_index = NULL, other_inputs = NULL) {
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE) %||% random_seed(baseline)
  dgi_run_method("occlusion", model, sequences, target,
                 window = as_count(window, "window"),
                 stride = as_count(stride, "stride", null_ok = TRUE),
                 baseline = baseline, seed = seed, options = method_options())
}

#' Evolutionary erasure: the few segments a prediction depends on
#'
#' A genetic algorithm searches sets of `n_segments` segments of
#' `segment_length` bases whose erasure (all-zero rows, deepG's blank) drops
#' the model's output for the target class most: tournament or rank
#' selection, crossover that swaps segments between parents, mutation that
#' moves or replaces segments, elitism, and an early stop when the best stops
#' improving. Several independent restarts show how stable the answer is
#' (`frequency`), and a null of random segment sets of the same number and
#' size says whether the best mask is special (`z`, `p_value`). Runs on whole
#' genomes with deepG models built with `maxlen = NULL`, and on set
#' (time-distributed) models.
#'
#' @inheritParams dgi_integrated_gradients
#' @param sequence One sequence: a DNA string (named or not), a FASTA path with
#'   one record, or a one-hot array; for set models the members concatenated.
#' @param segment_length Bases per segment.
#' @param n_segments Segments per individual. Default `NULL`: as many as
#'   `budget` allows.
#' @param budget Largest share of the sequence that may be erased, strictly
#'   between 0 and 1: a hard constraint, checked before the search
#'   (`n_segments * segment_length <= budget * length`); no individual ever
#'   erases more. Default `NULL`: the share the segments erase.
#' @param grid `TRUE` (default): segments on a grid of `segment_length` bases,
#'   never overlapping. `FALSE`: free starts; overlapping segments are erased
#'   once, so they only erase less.
#' @param population,generations Individuals per generation and the most
#'   generations per restart. Default `NULL`: grow with the square root of the
#'   number of segment positions (16 to 64, and 20 to 200).
#' @param restarts Independent searches. Default 3.
#' @param selection `"tournament"` (best of 3 drawn; default) or `"rank"`.
#' @param n_null Random segment sets in the null. Default 100.
#' @param baseline Fill of erased bases: `"zero"` (default) or `"uniform"`.
#' @param seed Seed of the search. Default `NULL` draws one from R's random
#'   number generator, so [set.seed()] makes runs reproducible.
#' @param checkpoint Optional file path (`.npz`): the state is saved after
#'   every generation and a run with the same arguments resumes from it.
#' @param batch_size Fixed number of erased copies per batch. Default `NULL`
#'   sizes batches by `memory_budget`.
#' @param table `"all"` (default: a named list of the four tables),
#'   `"segments"`, `"history"`, `"summary"` or `"null"`.
#' @returns A named list of data frames (or one of them, see `table`), the
#'   settings in `attr(x, "settings")`:
#'   * `segments`: the best mask of each restart: `run`, `start`, `end`
#'     (integer, 1-based, closed), `frequency` (share of restarts whose best
#'     mask erases the segment); `attr(, "settings")$best_run` is the restart
#'     reported as the best;
#'   * `history`: `run`, `generation`, `best` and `mean` drop of the
#'     population;
#'   * `summary`: one row: `seq_id`, `target` (1-based), `f_reference`,
#'     `f_erased` (output with the best mask erased), `best` (its drop),
#'     `erased_share`, `best_run`, `null_mean`, `null_sd`, `z`, `p_value`
#'     (`(1 + #null >= best) / (1 + n_null)`), `n_null`;
#'   * `null`: `draw`, `drop` of each random segment set.
#' @seealso [dgi_occlusion()], [dgi_plot_erasure()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = list(NULL, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(
#'   keras$layers$GlobalAveragePooling1D()(keras$layers$Conv1D(4L, 5L)(inp)))
#' model <- keras$Model(inp, out)
#' set.seed(1)
#' dna <- paste(sample(c("A", "C", "G", "T"), 2000, TRUE), collapse = "")
#' res <- dgi_evolutionary_erasure(model, dna, target = 2, segment_length = 100,
#'                                 budget = 0.1, generations = 5, restarts = 2, n_null = 20)
#' res$summary
#' dgi_plot_erasure(res)
dgi_evolutionary_erasure <- function(model, sequence, target, segment_length, n_segments = NULL,
                                     budget = NULL, grid = TRUE, population = NULL,
                                     generations = NULL, restarts = 3, selection = "tournament",
                                     n_null = 100, baseline = "zero", seed = NULL,
                                     checkpoint = NULL, output = NULL, class_names = NULL,
                                     vocabulary = NULL, batch_size = NULL, memory_budget = NULL,
                                     progress = interactive(), table = "all") {
  if (missing(target)) {
    dgi_arg_error("{.arg target} is missing: which class should lose its prediction?", "target",
                  hint = "Give a 1-based index (like deepG's {.arg target_class_idx}) or a class name.")
  }
  if (missing(segment_length)) {
    dgi_arg_error("{.arg segment_length} is missing: how many bases per erased segment?",
                  "segment_length")
  }
  segment_length <- as_count(segment_length, "segment_length")
  n_segments <- as_count(n_segments, "n_segments", null_ok = TRUE)
  if (!is.null(budget) && (!is.numeric(budget) || length(budget) != 1 || is.na(budget) ||
                           budget <= 0 || budget >= 1)) {
    dgi_arg_error("{.arg budget} must be a share strictly between 0 and 1, not {describe(budget)}.",
                  "budget", hint = "For example {.code budget = 0.1} erases at most 10% of the sequence.")
  }
  if (is.null(n_segments) && is.null(budget)) {
    dgi_arg_error("Give {.arg n_segments} or {.arg budget}.", "n_segments",
                  hint = "With only a budget, n_segments = floor(budget * length / segment_length).")
  }
  check_flag(grid, "grid")
  check_flag(progress, "progress")
  population <- as_count(population, "population", min = 2L, null_ok = TRUE)
  generations <- as_count(generations, "generations", min = 0L, null_ok = TRUE)
  restarts <- as_count(restarts, "restarts")
  n_null <- as_count(n_null, "n_null", min = 0L)
  selection <- as_choice(selection, registry_choices("evolutionary_erasure", "selection"),
                         "selection")
  baseline <- as_choice(baseline, registry_choices("evolutionary_erasure", "baseline"), "baseline",
                        aliases = ARG_ALIASES$baseline)
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE) %||%
    sample.int(.Machine$integer.max, 1L)
  checkpoint <- check_string(checkpoint, "checkpoint", null_ok = TRUE)
  batch_size <- as_count(batch_size, "batch_size", null_ok = TRUE)
  memory_budget <- as_memory_budget(memory_budget)
  table <- as_choice(table, c(method_info("evolutionary_erasure")$tables, "all"), "table")

  adapter <- as_adapter(model, output = output, class_names = class_names)
  info <- adapter_info(adapter)
  vocabulary <- as_vocabulary(vocabulary, info)
  seqs <- as_sequences(sequence, info, "sequence", vocabulary = vocabulary)
  kwargs <- list(
    model = adapter, sequence = seqs$sequences, target = as_target(target, info),
    segment_length = segment_length, n_segments = n_segments, budget = budget, grid = grid,
    population = population, generations = generations, restarts = restarts,
    selection = selection, n_null = n_null, baseline = baseline, seed = seed,
    checkpoint = if (!is.null(checkpoint)) normalizePath(path.expand(checkpoint), mustWork = FALSE),
    batch_size = batch_size, memory_budget = memory_budget, progress = progress,
    vocabulary = if (!is.null(vocabulary)) as.list(vocabulary)
  )
  if (!is.null(seqs$seq_ids)) kwargs$seq_ids <- seqs$seq_ids
  kwargs <- kwargs[!vapply(kwargs, is.null, logical(1))]
  eng <- dgi_engine()
  result <- dgi_py_call(eng$evolutionary_erasure, kwargs,
                        arg_map = c(TargetError = "target", BaselineError = "baseline",
                                    SequenceError = "sequence", ShapeError = "sequence",
                                    ModelError = "model"))
  result_frames(result, table, NULL)
}
