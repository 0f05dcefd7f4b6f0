#' Global Importance Analysis: the effect of patterns across many sequences
#'
#' Embeds patterns at given positions in backgrounds drawn from a null model and
#' measures how the model's output changes (Koo et al. 2021, "Global Importance
#' Analysis"). The local effect is `f(background with pattern) -
#' f(background)` for every background; the global importance is its mean, with
#' the standard deviation and a t-based confidence interval of the mean.
#'
#' @param model A deepG/Keras model object, a checkpoint path or the result of
#'   [dgi_load_model()].
#' @param target The output to explain: a 1-based index like deepG's
#'   `target_class_idx`, or a class name.
#' @param patterns DNA/IUPAC strings (fixed letters overwrite the background,
#'   `N` keeps the background base, `R`, `Y`, ... are drawn per background), a
#'   PWM matrix (one row per position, columns `A, C, G, T`, drawn per
#'   background), or a list of them. Names become the pattern labels.
#' @param positions 1-based start position(s).
#' @param background The null model: `"iid"` (uniform bases, or `gc`), four base
#'   frequencies (A, C, G, T), `"profile"` (per-position base frequencies of
#'   `source`, the paper's choice), `"shuffle"` / `"dinuc_shuffle"` (shuffles of
#'   `source` sequences), `"sample"` (the `source` sequences themselves), a
#'   FASTA path (its sequences, cut into model-length windows), or an array with
#'   dim `c(n, maxlen, 4)` used as it is.
#' @param n_backgrounds Number of backgrounds (the paper used 1,000).
#' @param source Sequences the `"profile"`, `"shuffle"`, `"dinuc_shuffle"` and
#'   `"sample"` null models are built from: a character vector, a FASTA path, a
#'   data frame with a `sequence` column, or a one-hot array.
#' @param gc GC content of an `"iid"` background. Default `NULL` (0.5).
#' @param together `FALSE` (default): one condition per pattern and position.
#'   `TRUE`: all patterns embedded together, pattern `i` at `positions[i]`.
#' @param seed Random seed. Default `NULL` draws one from R's random number
#'   generator, so [set.seed()] makes the result reproducible.
#' @param level Confidence level of `ci_low`, `ci_high`. Default 0.95.
#' @param output `"probability"` or `"logit"`. Default `NULL`: the model's.
#' @param class_names Optional class names, one per output.
#' @param memory_budget Memory per batch: bytes, or a string like `"512M"`.
#' @param batch_size Fixed number of sequences per batch. Default `NULL`.
#' @param progress Show a progress bar. Default `interactive()`.
#' @param table `"global"` (default), `"local"` or `"all"` (a named list).
#' @returns A data frame, the settings in `attr(, "settings")`:
#'   * `global`: `experiment`, `pattern`, `position` (integer, 1-based start),
#'     `global_importance`, `sd`, `ci_low`, `ci_high`, `n` (integer,
#'     backgrounds), and the experiment's own columns;
#'   * `local`: `experiment`, `pattern`, `position`, `background_id` (integer,
#'     1-based), `f_background`, `f_embedded`, `effect`, and the experiment's
#'     own columns.
#' @seealso [dgi_gia_position_scan()], [dgi_gia_kmer_scan()], [dgi_plot_gia()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(30L, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- keras$Model(inp, out)
#' dgi_global_importance(model, target = 2, patterns = c(tata = "TATAAT"),
#'                       positions = c(5, 20), n_backgrounds = 50, seed = 1)
dgi_global_importance <- function(model, target, patterns, positions, background = "iid",
                                  n_backgrounds = 1000, source = NULL, gc = NULL,
                                  together = FALSE, seed = NULL, level = 0.95, output = NULL,
                                  class_names = NULL, memory_budget = NULL, batch_size = NULL,
                                  progress = interactive(), table = "global") {
  check_flag(together, "together")
  gia_run("global_importance", model, target,
          list(patterns = as_patterns(patterns, "patterns"),
               positions = as_gia_positions(positions, "positions"), together = together),
          background = background, n_backgrounds = n_backgrounds, source = source, gc = gc,
          seed = seed, level = level, output = output, class_names = class_names,
          memory_budget = memory_budget, batch_size = batch_size, progress = progress,
          table = table)
}

#' GIA experiments of Koo et al.: position, copies, spacing, k-mers, variants,
#' GC flanks, interactions
#'
#' Each runs one in silico experiment of Global Importance Analysis (see
#' [dgi_global_importance()] for the backgrounds and the statistics):
#' * `dgi_gia_position_scan()`: `pattern` at every start (or `positions`);
#' * `dgi_gia_multiplicity()`: 1, 2, ..., k copies at the first 1..k of
#'   `positions`; table `"fit"` gives the line through global importance vs
#'   copies (`slope`, `intercept`, `r2`): additive effects give `r2 = 1`;
#' * `dgi_gia_spacing()`: `pattern_a` at `position_a`, `pattern_b` `spacings` bp
#'   after its end;
#' * `dgi_gia_kmer_scan()`: all `4^k` k-mers at `position`, streamed in batches;
#'   table `"top"` ranks them. When the outputs (`4^k * n_backgrounds` numbers)
#'   would exceed `memory_budget`, an error names `k` before any work;
#' * `dgi_gia_variant_scan()`: `pattern` and every single-base variant; table
#'   `"logo"` (`variant_position`, `base`, `global_importance`, `delta` vs the
#'   unchanged pattern, `is_reference`) for [dgi_plot_gia_logo()];
#' * `dgi_gia_gc_flanks()`: `flank` bp blocks of GC content `gc_levels` on both
#'   sides, with and without the pattern (columns `gc_flank`, `flank`,
#'   `with_pattern`);
#' * `dgi_gia_interaction()`: `f(AB) - f(A) - f(B) + f(none)` per background,
#'   for `pattern_b` at each of `positions_b` (table `"interaction"`).
#'
#' @inheritParams dgi_global_importance
#' @param pattern,pattern_a,pattern_b One pattern: a DNA/IUPAC string or a PWM
#'   matrix (columns `A, C, G, T`).
#' @param positions 1-based start positions (`dgi_gia_position_scan()`: default
#'   `NULL`, every start that fits, every `step` bp).
#' @param step Distance between scanned starts. Default 1.
#' @param position,position_a 1-based start.
#' @param spacings Gaps in bp between the end of A and the start of B. Default
#'   `NULL`: every gap that fits.
#' @param k k-mer length.
#' @param top Rows of the `"top"` table. Default 20.
#' @param flank Flank length in bp. Default 10.
#' @param gc_levels GC contents of the flanks.
#' @param positions_b 1-based starts of `pattern_b`.
#' @param ... Background and run arguments of [dgi_global_importance()]:
#'   `background`, `n_backgrounds`, `source`, `gc`, `seed`, `level`, `output`,
#'   `class_names`, `memory_budget`, `batch_size`, `progress`.
#' @param table Which table: `"global"`, `"local"`, the experiment's own
#'   (`"fit"`, `"top"`, `"logo"`, `"interaction"`; the default where there is
#'   one) or `"all"`.
#' @returns A data frame (see [dgi_global_importance()] for the `global` and
#'   `local` columns; the experiment columns are `copies`, `spacing` and
#'   `position_b`, `variant_position`, `base` and `is_reference`, `gc_flank`,
#'   `flank` and `with_pattern`, `position_b`, `pair` and `condition`).
#' @name dgi_gia_experiments
#' @examplesIf deepGinterpret::dgi_available()
#' keras <- reticulate::import("keras")
#' inp <- keras$Input(shape = c(30L, 4L))
#' out <- keras$layers$Dense(2L, activation = "softmax")(keras$layers$Flatten()(inp))
#' model <- keras$Model(inp, out)
#' dgi_gia_position_scan(model, 2, "TATAAT", n_backgrounds = 20, seed = 1)
#' dgi_gia_kmer_scan(model, 2, k = 3, position = 10, n_backgrounds = 10, seed = 1)
#' dgi_gia_variant_scan(model, 2, "TATAAT", position = 10, n_backgrounds = 10, seed = 1)
NULL

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_position_scan <- function(model, target, pattern, positions = NULL, step = 1, ...,
                                  table = "global") {
  gia_run("position_scan", model, target,
          list(pattern = as_pattern(pattern, "pattern"),
               positions = if (!is.null(positions)) as_gia_positions(positions, "positions"),
               step = as_count(step, "step")), ..., table = table)
}

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_multiplicity <- function(model, target, pattern, positions, ..., table = "fit") {
  gia_run("multiplicity", model, target,
          list(pattern = as_pattern(pattern, "pattern"),
               positions = as_gia_positions(positions, "positions")), ..., table = table)
}

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_spacing <- function(model, target, pattern_a, pattern_b, position_a, spacings = NULL, ...,
                            table = "global") {
  if (!is.null(spacings)) spacings <- as.list(as_whole(spacings, "spacings", min = 0))
  gia_run("spacing", model, target,
          list(pattern_a = as_pattern(pattern_a, "pattern_a"),
               pattern_b = as_pattern(pattern_b, "pattern_b"),
               position_a = as_count(position_a, "position_a"), spacings = spacings),
          ..., table = table)
}

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_kmer_scan <- function(model, target, k, position, top = 20, ..., table = "top") {
  gia_run("kmer_scan", model, target,
          list(k = as_count(k, "k"), position = as_count(position, "position"),
               top = as_count(top, "top")), ..., table = table)
}

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_variant_scan <- function(model, target, pattern, position, ..., table = "logo") {
  gia_run("variant_scan", model, target,
          list(pattern = as_pattern(pattern, "pattern"), position = as_count(position, "position")),
          ..., table = table)
}

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_gc_flanks <- function(model, target, pattern, position, flank = 10,
                              gc_levels = c(0, 0.25, 0.5, 0.75, 1), ..., table = "global") {
  for (g in gc_levels) check_fraction(g, "gc_levels")
  gia_run("gc_flanks", model, target,
          list(pattern = as_pattern(pattern, "pattern"), position = as_count(position, "position"),
               flank = as_count(flank, "flank"), gc_levels = as.list(as.double(gc_levels))),
          ..., table = table)
}

#' @rdname dgi_gia_experiments
#' @export
dgi_gia_interaction <- function(model, target, pattern_a, pattern_b, position_a, positions_b, ...,
                                table = "interaction") {
  gia_run("interaction", model, target,
          list(pattern_a = as_pattern(pattern_a, "pattern_a"),
               pattern_b = as_pattern(pattern_b, "pattern_b"),
               position_a = as_count(position_a, "position_a"),
               positions_b = as_gia_positions(positions_b, "positions_b")), ..., table = table)
}

# ---- the one call path of the GIA wrappers --------------------------------------

GIA_ARG_MAP <- c(TargetError = "target", SequenceError = "patterns", ShapeError = "background",
                 BaselineError = "background", ModelError = "model")

gia_run <- function(fn, model, target, args, background = "iid", n_backgrounds = 1000,
                    source = NULL, gc = NULL, seed = NULL, level = 0.95, output = NULL,
                    class_names = NULL, memory_budget = NULL, batch_size = NULL,
                    progress = interactive(), table = "global", call = rlang::caller_env()) {
  if (missing(target)) {
    dgi_arg_error("{.arg target} is missing: which output should be explained?", "target",
                  hint = "Give a 1-based index (like deepG's {.arg target_class_idx}) or a class name.",
                  call = call)
  }
  n_backgrounds <- as_count(n_backgrounds, "n_backgrounds", call = call)
  if (!is.null(gc)) check_fraction(gc, "gc", call = call)
  check_fraction(level, "level", call = call)
  check_flag(progress, "progress", call = call)
  table <- check_string(table, "table", call = call)
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE, call = call) %||%
    sample.int(.Machine$integer.max, 1L)
  if (!is.null(output)) output <- as_choice(output, registry_choices("global_importance", "output"), "output",
                                            aliases = ARG_ALIASES$output, call = call)
  adapter <- as_adapter(model, output = output, class_names = class_names, call = call)
  info <- adapter_info(adapter)
  kwargs <- c(list(model = adapter, target = as_target(target, info, "target", call = call)),
              args,
              list(background = as_gia_background(background, info, call),
                   n_backgrounds = n_backgrounds,
                   source = if (!is.null(source)) as_gia_source(source, call),
                   gc = gc, seed = seed, level = level,
                   memory_budget = as_memory_budget(memory_budget, call = call),
                   batch_size = as_count(batch_size, "batch_size", null_ok = TRUE, call = call),
                   progress = progress))
  kwargs <- kwargs[!vapply(kwargs, is.null, TRUE)]
  gia <- py_engine()$gia
  result <- dgi_py_call(gia[[fn]], kwargs, arg_map = GIA_ARG_MAP, call = call)
  tables <- as.character(unlist(reticulate::py_to_r(result$TABLES)))
  table <- as_choice(table, c(tables, "all"), "table", call = call)
  result_frames(result, table, list(tables = tables), call = call)
}

as_pattern <- function(x, arg, call = rlang::caller_env()) {
  x <- as_chr(x)
  if (is.character(x) && length(x) == 1L && !is.na(x) && nzchar(x)) return(unname(x))
  if (is.matrix(x) && is.numeric(x) && ncol(x) == 4L) {
    check_no_na(x, arg, "a PWM needs a probability for every base at every position",
                call = call)
    storage.mode(x) <- "double"
    return(reticulate::r_to_py(unname(x)))
  }
  dgi_arg_error("{.arg {arg}} must be one DNA/IUPAC string or a PWM matrix with 4 columns (A, C, G, T), not {describe(x)}.",
                arg, call = call)
}

as_patterns <- function(x, arg, call = rlang::caller_env()) {
  x <- as_chr(x)
  if (is.character(x)) x <- as.list(x) # names kept: they label the patterns
  if (!is.list(x)) x <- list(x)
  if (!length(x)) dgi_arg_error("{.arg {arg}} is empty.", arg, call = call)
  out <- lapply(x, as_pattern, arg = arg, call = call)
  if (!is.null(names(x)) && all(nzchar(names(x)))) names(out) <- names(x) else names(out) <- NULL
  out
}

as_whole <- function(x, arg, min = 1, call = rlang::caller_env()) {
  if (!is.numeric(x) || !length(x) || anyNA(x) || any(x != round(x)) || any(x < min)) {
    dgi_arg_error("{.arg {arg}} must be whole numbers >= {min}, not {describe(x)}.", arg,
                  call = call)
  }
  as.integer(x)
}

as_gia_positions <- function(x, arg, call = rlang::caller_env()) {
  if (is.numeric(x) && length(x) && !anyNA(x) && any(x < 1)) {
    dgi_arg_error("{.arg {arg}} must be 1-based positions (>= 1), not {describe(x)}.", arg,
                  hint = "Positions count from 1, like deepG and the tables.", call = call)
  }
  as.list(as_whole(x, arg, call = call))
}

as_gia_background <- function(background, info, call) {
  if (is_python(background)) return(background)
  if (is.character(background) && length(background) == 1L && !is.na(background)) {
    if (grepl(FASTA_PATTERN, background, ignore.case = TRUE) || file.exists(background)) {
      return(normalizePath(path.expand(background), mustWork = FALSE))
    }
    return(background)
  }
  if (is.numeric(background) && length(dim(background)) %in% 2:3) {
    return(as_model_array(background, info, "background", call = call))
  }
  if (is.numeric(background) && length(background) == 4L && !anyNA(background)) {
    return(as.list(as.double(background)))
  }
  dgi_arg_error("{.arg background} must be a null model name, four base frequencies, a FASTA path or an array c(n, maxlen, 4), not {describe(background)}.",
                "background", call = call)
}

as_gia_source <- function(source, call) {
  if (is_python(source)) return(source)
  if (is.data.frame(source) && "sequence" %in% names(source)) source <- source$sequence
  if (is.factor(source)) source <- as.character(source)
  if (is.character(source) && length(source) == 1L && file.exists(source)) {
    return(normalizePath(path.expand(source)))
  }
  if (is.character(source) && length(source) && !anyNA(source)) return(as.list(unname(source)))
  if (is.numeric(source) && length(dim(source)) == 3L) {
    storage.mode(source) <- "double"
    return(py_helpers()$numpy_float32(unname(source)))
  }
  dgi_arg_error("{.arg source} must be DNA sequences (character), a FASTA path, a data frame with a {.field sequence} column or a one-hot array, not {describe(source)}.",
                "source", call = call)
}
