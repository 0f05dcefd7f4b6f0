# Batch runs over many genomes (the engine's deepg_interpret.batch): resumable,
# on this machine or a Ray cluster, into one Parquet dataset.

#' Explain many genomes in one resumable batch run
#'
#' Runs one method (Integrated Gradients by default; any method of
#' [dgi_methods()]) over every genome of a manifest, writing one Parquet
#' dataset under `out`, partitioned by sample
#' (`out/<table>/sample_id=<id>/part-0.parquet`), plus a run manifest
#' (`out/_run.json`: settings, package versions, per-sample status, timings
#' and errors). Each sample's tables appear whole or not at all, so a run that
#' is interrupted (even killed) loses nothing finished: call it again with the
#' same arguments and it skips finished samples and retries failed ones. A
#' genome that cannot be read fails alone, with its error in the status.
#'
#' Each finished sample records a fingerprint of its inputs (its FASTA and
#' GFF, the model file, files named by the settings such as `background`):
#' the SHA-256 of a file up to 64 MiB, and for a bigger one its size,
#' modification time and the SHA-256 of its first and last MiB. A later call
#' redoes a finished sample whose inputs changed (a changed model redoes them
#' all), replaces its tables, and says so in a message and in the status
#' column `redone_reason`. Changed settings are an error instead (or, with
#' `overwrite = TRUE`, a fresh run).
#'
#' The work runs in the Python engine, in this R session's Python process
#' (`engine = "local"`; `workers > 1` starts a pool of processes), or on Ray
#' (`engine = "ray"`, needs the Python package `ray`: a local Ray with
#' `workers` CPUs, or an existing cluster with `address`), the model being
#' loaded once per worker. Read the results with [dgi_read_batch()].
#'
#' @param samples The genomes: a path to a manifest CSV/TSV with columns
#'   `sample_id` and `fasta` (optional `label` and `gff`; relative paths are
#'   taken from the manifest's folder), a folder in deepG's label-folder layout
#'   (`root/<class>/*.fasta`, optionally under `train/` and `validation/`;
#'   each file is one sample, labelled by its folder), or a data frame with
#'   those columns.
#' @param model Path to the model file (`.h5`, `.hdf5`, `.keras`) or SavedModel
#'   folder (every worker loads it; save an R model object first with
#'   `keras::save_model_hdf5()` or deepG's checkpoints).
#' @param out Output folder (created; an earlier run's folder is continued).
#' @param method A method name from [dgi_methods()] (or `"ig"`). Default
#'   `"integrated_gradients"`.
#' @param target The class to explain: a 1-based index (as deepG's
#'   `target_class_idx`) or a class name (needs `class_names`).
#' @param ... The method's arguments, as in its R function (e.g. `steps = 50`,
#'   `baseline = "zero"`, `window_step = 200`, `pad = "right"`).
#' @param class_names Optional class names, one per model output.
#' @param tables Tables to write: `NULL` (default: all but the per-base
#'   `attribution` table, which is four rows per base), `"all"`, or a
#'   character vector. With `gff` files in the manifest a `genes` table is
#'   added (gene scores from the per-locus table).
#' @param engine `"local"` (default) or `"ray"`.
#' @param workers Local: number of processes (default 1, this R session's
#'   Python). Ray: number of actors (default: the cluster's CPUs).
#' @param address Ray cluster address (`"auto"`, `"ray://head:10001"`).
#'   Default `NULL` starts a local Ray for the run.
#' @param overwrite Discard an existing output in `out` that was made with
#'   other settings. Default `FALSE`: such an output is an error.
#' @param progress Show a progress bar with ETA, samples per hour and bases
#'   per second. Default `interactive()`.
#' @returns A data frame with one row per sample of `samples`: `sample_id`,
#'   `label`, `status` (`"done"` or `"failed"`), `started`, `finished` (UTC,
#'   ISO 8601), `seconds`, `cpu_seconds` (of the worker process), `bases`,
#'   `n_sequences`, `attempts`, `error`, `redone_reason` (why a sample
#'   finished earlier was computed again, e.g. `"fasta changed"` or
#'   `"model changed"`; `NA` otherwise), `fasta`, `gff`. Its attributes
#'   `run_id`, `n_done`, `n_failed`, `n_skipped` (finished by an earlier run)
#'   and `n_redone` (finished earlier, redone because their inputs changed)
#'   summarise the run.
#' @seealso [dgi_read_batch()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' model <- keras$Sequential(list(keras$Input(shape = c(50L, 4L)),
#'   keras$layers$Conv1D(4L, 5L, activation = "relu"),
#'   keras$layers$GlobalAveragePooling1D(), keras$layers$Dense(2L, activation = "softmax")))
#' dir <- tempfile("batch")
#' dir.create(dir)
#' model$save(file.path(dir, "model.keras"))
#' for (i in 1:3) {
#'   dna <- paste(sample(c("A", "C", "G", "T"), 500, replace = TRUE), collapse = "")
#'   writeLines(c(">chr", dna), file.path(dir, paste0("g", i, ".fasta")))
#' }
#' samples <- data.frame(sample_id = paste0("g", 1:3),
#'                       fasta = file.path(dir, paste0("g", 1:3, ".fasta")))
#' status <- dgi_run_batch(samples, file.path(dir, "model.keras"), file.path(dir, "out"),
#'                         target = 2, steps = 10, window_step = 50)
#' status[, c("sample_id", "status", "seconds")]
#' head(dgi_read_batch(file.path(dir, "out"), "per_locus"))
dgi_run_batch <- function(samples, model, out, method = "integrated_gradients", target, ...,
                          class_names = NULL, tables = NULL, engine = c("local", "ray"),
                          workers = NULL, address = NULL, overwrite = FALSE,
                          progress = interactive()) {
  engine <- match.arg(engine)
  out <- check_string(out, "out")
  method <- check_string(method, "method")
  check_flag(overwrite, "overwrite")
  check_flag(progress, "progress")
  workers <- as_count(workers, "workers", null_ok = TRUE)
  address <- check_string(address, "address", null_ok = TRUE)
  if (!is.character(model) || length(model) != 1L || is.na(model)) {
    dgi_arg_error("{.arg model} must be the path of a saved model, not {describe(model)}.",
                  "model", hint = paste("Batch workers load the model from a file: save it first,",
                                        "e.g. with {.code keras::save_model_hdf5(model, path)}."))
  }
  if (missing(target)) {
    dgi_arg_error("{.arg target} is missing: which class should be explained?", "target")
  }
  settings <- lapply(list(...), batch_value)
  if (any(!nzchar(rlang::names2(settings)))) {
    dgi_arg_error("Method arguments in {.arg ...} must be named, e.g. {.code steps = 50}.", "...")
  }
  settings$target <- batch_target(target)
  if (!is.null(class_names)) settings$class_names <- as.list(as.character(class_names))
  eng <- dgi_engine()
  batch <- py_engine()
  kwargs <- list(
    samples = batch_samples(samples), model = normalizePath(path.expand(model), mustWork = FALSE),
    method = method, out = normalizePath(path.expand(out), mustWork = FALSE),
    settings = settings, tables = if (length(tables) > 1L) as.list(tables) else tables,
    engine = engine, workers = workers, address = address, overwrite = overwrite,
    progress = progress
  )
  status <- dgi_py_call(batch$run_batch, kwargs,
                        arg_map = c(TargetError = "target", ModelError = "model",
                                    ArgumentTypeError = "...", DEFAULT_ARG_MAP),
                        warnings_as = "message")
  attrs <- reticulate::py_to_r(status$attrs)
  out_df <- dgi_frame(status)
  attr(out_df, "settings") <- attrs$settings
  for (name in c("run_id", "n_done", "n_failed", "n_skipped", "n_redone")) {
    attr(out_df, name) <- attrs[[name]]
  }
  out_df
}

#' Read the tables of a batch run
#'
#' Combines the Parquet parts of the finished samples of a [dgi_run_batch()]
#' output into one data frame, through the arrow package when it is installed
#' (fast for large outputs), otherwise through the Python engine.
#'
#' @param out The output folder of [dgi_run_batch()] (or of
#'   `deepg-interpret run --out`).
#' @param table Which table: `"per_locus"`, `"summary"`, `"genes"`, ... (see
#'   the method's tables), or `"status"` for the per-sample status. Default
#'   `NULL`: the run's first table.
#' @param samples Optional sample ids to read. Default `NULL`: all finished
#'   samples.
#' @param reader `"auto"` (arrow when installed, else the engine), `"arrow"` or
#'   `"engine"`.
#' @returns A data frame: `sample_id` (factor), `label` (factor, when the run
#'   has labels), then the table's columns as the method's R function returns
#'   them (e.g. per-locus: `seq_id`, `position`, `ref_base`, `score_sum`, ...;
#'   `target` 1-based). Samples in the run manifest's order; failed samples
#'   have no rows. The run's settings are in `attr(, "settings")`.
#' @seealso [dgi_run_batch()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' # see dgi_run_batch() for a complete run
#' out <- file.path(tempdir(), "no-such-run")
#' try(dgi_read_batch(out))
dgi_read_batch <- function(out, table = NULL, samples = NULL,
                           reader = c("auto", "arrow", "engine")) {
  out <- check_string(out, "out")
  table <- check_string(table, "table", null_ok = TRUE)
  reader <- match.arg(reader)
  if (reader == "auto") {
    reader <- if (requireNamespace("arrow", quietly = TRUE)) "arrow" else "engine"
  }
  if (reader == "arrow" && !requireNamespace("arrow", quietly = TRUE)) {
    dgi_arg_error("{.arg reader} = {.val arrow} needs the arrow package.", "reader",
                  hint = "Install it with {.code install.packages(\"arrow\")} or use reader = \"engine\".")
  }
  eng <- dgi_engine()
  batch <- py_engine()
  out <- normalizePath(path.expand(out), mustWork = FALSE)
  py_samples <- if (is.null(samples)) NULL else as.list(as.character(samples))
  if (reader == "engine" || identical(table, "status")) {
    frame <- dgi_py_call(batch$read_batch, list(out = out, table = table, samples = py_samples),
                         arg_map = c(InputError = "out"))
    df <- dgi_frame(frame)
    return(if (identical(table, "status")) df else r_targets(df))
  }
  # arrow: the engine says which samples are finished (the run manifest), arrow reads them
  status <- dgi_frame(dgi_py_call(batch$batch_status, list(out = out), arg_map = c(InputError = "out")))
  run <- reticulate::py_to_r(dgi_py_call(py_bridge()$batch_run_manifest, list(out = out)))
  table <- table %||% as.character(unlist(run$tables))[1]
  done <- status[status$status == "done", , drop = FALSE]
  if (!is.null(samples)) done <- done[done$sample_id %in% samples, , drop = FALSE]
  has_labels <- any(!is.na(status$label))
  parts <- lapply(seq_len(nrow(done)), function(i) {
    part <- file.path(out, table, paste0("sample_id=", done$sample_id[i]), "part-0.parquet")
    if (!file.exists(part)) return(NULL)
    df <- as.data.frame(arrow::read_parquet(part))
    front <- data.frame(sample_id = rep(done$sample_id[i], nrow(df)))
    if (has_labels) front$label <- rep(done$label[i], nrow(df))
    cbind(front, df)
  })
  df <- do.call(rbind, parts[!vapply(parts, is.null, logical(1))])
  if (is.null(df)) df <- data.frame(sample_id = character())
  df$sample_id <- factor(df$sample_id, levels = unique(done$sample_id))
  if (has_labels) df$label <- factor(df$label)
  attr(df, "settings") <- run$settings
  r_targets(df)
}

# R values -> engine settings: whole numbers as integers, vectors as lists.
batch_value <- function(x) {
  if (is.numeric(x) && length(x) == 1L && !is.na(x) && x == round(x) && abs(x) < .Machine$integer.max) {
    return(as.integer(x))
  }
  if (is.atomic(x) && length(x) > 1L) return(as.list(x))
  x
}

# 1-based R index -> 0-based engine index; class names pass as they are.
batch_target <- function(target) {
  if (is.factor(target)) target <- as.character(target)
  if (is.character(target) && length(target) == 1L && !is.na(target)) return(target)
  if (!is.numeric(target) || length(target) != 1L || is.na(target) || target != round(target) ||
      target < 1) {
    dgi_arg_error("{.arg target} must be a 1-based class index or a class name, not {describe(target)}.",
                  "target")
  }
  as.integer(target) - 1L
}

# A manifest path or folder passes as a path; a data frame becomes records with
# absolute paths (relative ones are taken from R's working directory).
batch_samples <- function(samples) {
  if (is.character(samples) && length(samples) == 1L && !is.na(samples)) {
    return(normalizePath(path.expand(samples), mustWork = FALSE))
  }
  if (!is.data.frame(samples) || !all(c("sample_id", "fasta") %in% names(samples))) {
    dgi_arg_error(
      "{.arg samples} must be a manifest path, a label-folder root or a data frame with columns {.field sample_id} and {.field fasta}, not {describe(samples)}.",
      "samples")
  }
  keep <- intersect(c("sample_id", "fasta", "label", "gff"), names(samples))
  lapply(seq_len(nrow(samples)), function(i) {
    row <- lapply(samples[i, keep, drop = FALSE], function(v) {
      v <- as.character(v)
      if (is.na(v) || !nzchar(v)) NULL else v
    })
    row$fasta <- normalizePath(path.expand(row$fasta), mustWork = FALSE)
    if (!is.null(row$gff)) row$gff <- normalizePath(path.expand(row$gff), mustWork = FALSE)
    row
  })
}
