#' Scores per gene: which genes and non-coding regions drive a prediction
#'
#' Sums (and averages) a per-locus score over every feature of a genome
#' annotation and over every gap between features, and ranks the features by
#' the quantile position of their score: the genome-level analysis of the deepG
#' Integrated Gradients poster (IG of a sporulation model laid against Prokka
#' genes). Works with the per-locus table of any method; windows of a long
#' genome are already stitched by the engine.
#'
#' @param per_locus A per-locus table (`seq_id`, `position` and the `score`
#'   column), or the list from `table = "all"` of [dgi_integrated_gradients()].
#'   With a `strand` column (`"+"`/`"-"`: scores of the forward and of the
#'   reverse-complement input) each gene takes its own strand's scores.
#' @param annotation A GFF3/GTF path (Prokka's GFF with its `##FASTA` section
#'   works), a data frame (`seq_id` or `seqnames`, `start`, `end`, 1-based and
#'   inclusive, optionally `strand`, `gene_id`, `name`, `product`, `type`), or a
#'   GenomicRanges `GRanges` (its metadata columns are kept).
#' @param score Per-locus column to aggregate. Default `"score_sum"`.
#' @param rank_by Feature statistic ranked by `quantile`: `"score_mean"`
#'   (default, does not favour long genes), `"score_sum"`, `"score_max"` or
#'   `"score_abs_mean"`.
#' @param smooth Optional rolling-mean width applied per contig first (the
#'   poster: 50). Default `NULL`.
#' @param noncoding Add the gaps between features as `type = "noncoding"`
#'   rows. Default `TRUE`.
#' @param types For a GFF path: feature types kept. Default `"default"`
#'   (Prokka's `CDS`, `tRNA`, `rRNA`, `tmRNA`, `ncRNA`, `misc_RNA`, else the
#'   file's `gene` features); `NULL` keeps all.
#' @param sequence_lengths Optional named integer vector of contig lengths.
#'   Default: the last position of each contig in `per_locus`.
#' @returns A data frame, one row per feature in genome order: `gene_id`,
#'   `name`, `product`, `type`, `start`, `end` (integer, 1-based, inclusive),
#'   `strand`, `score_sum`, `score_mean`, `score_max`, `score_abs_mean`,
#'   `quantile` (share of all rows whose `rank_by` is at most this row's; 1 =
#'   top), then `seq_id`, `length`, `n_loci` (positions with a score).
#' @seealso [dgi_gene_set_test()], [dgi_plot_genome_track()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' gff <- system.file("extdata", "ecoli_326kb.prokka.gff.gz", package = "deepGinterpret")
#' set.seed(1)
#' loci <- data.frame(seq_id = "U00096.3", position = 1:326620,
#'                    score_sum = rnorm(326620))
#' genes <- dgi_gene_scores(loci, gff)
#' head(genes[order(-genes$quantile), c("gene_id", "name", "product", "quantile")])
dgi_gene_scores <- function(per_locus, annotation, score = "score_sum", rank_by = "score_mean",
                            smooth = NULL, noncoding = TRUE, types = "default",
                            sequence_lengths = NULL) {
  per_locus <- pick_table(per_locus, "per_locus")
  check_table(per_locus, c("seq_id", "position"), "per_locus")
  score <- check_string(score, "score")
  rank_by <- as_choice(rank_by, registry_choices("gene_scores", "rank_by"), "rank_by")
  smooth <- as_count(smooth, "smooth", null_ok = TRUE)
  check_flag(noncoding, "noncoding")
  eng <- dgi_engine()
  genes <- py_engine()
  lengths <- NULL
  if (!is.null(sequence_lengths)) {
    if (!is.numeric(sequence_lengths) || is.null(names(sequence_lengths))) {
      dgi_arg_error("{.arg sequence_lengths} must be a named numeric vector (contig lengths).",
                    "sequence_lengths")
    }
    lengths <- reticulate::py_dict(as.list(names(sequence_lengths)),
                                   as.list(as.integer(sequence_lengths)))
  }
  kwargs <- list(per_locus = r_frame(unfactor(per_locus)), annotation = as_annotation_arg(annotation),
                 score = score, rank_by = rank_by, smooth = smooth, noncoding = noncoding,
                 types = if (is.null(types)) NULL else as_types(types),
                 sequence_lengths = lengths)
  out <- dgi_py_call(genes$gene_scores, kwargs,
                     arg_map = c(ArgumentTypeError = "annotation", InputError = "annotation"))
  dgi_frame(out)
}

#' Is a gene set shifted toward high scores?
#'
#' For each set, a Mann-Whitney rank test of the set's scores against the
#' other genes', with a permutation null that keeps gene lengths: random sets
#' draw as many genes from each length stratum (`n_length_bins` quantiles of
#' log length) as the set has, so long genes, whose sums are larger by
#' construction, do not pass for a shift. Several sets at once get
#' Benjamini-Hochberg q-values.
#'
#' @param genes The table from [dgi_gene_scores()].
#' @param sets A named list of sets. Each element is a product pattern (one
#'   string, a case-insensitive regular expression such as `"sporulation"`) or
#'   a character vector of gene ids or names (wrap a single id in [I()] so it
#'   is not read as a pattern). One unnamed string or vector is one set.
#' @param score Column compared. Default `"score_mean"`.
#' @param n_permutations Random sets per set. Default 1000.
#' @param seed Random seed. Default `NULL` draws one from R's random number
#'   generator, so [set.seed()] makes results reproducible.
#' @param n_length_bins Length strata of the null. Default 10 (1: plain
#'   permutation).
#' @param include_noncoding Put the non-coding gaps among the compared
#'   features. Default `FALSE`.
#' @returns A data frame, one row per set: `gene_set`, `n_genes`, `statistic`
#'   (Mann-Whitney U), `effect` (U / (n1 n0): the probability that a set gene
#'   outscores another gene; 0.5 = no shift), `p_value` (one-sided, from the
#'   length-keeping permutations), `q_value` (Benjamini-Hochberg), `p_rank`
#'   (normal-approximation rank test, lengths ignored).
#' @seealso [dgi_gene_scores()]
#' @export
#' @examplesIf deepGinterpret::dgi_available()
#' genes <- data.frame(gene_id = paste0("g", 1:60), name = "", type = "CDS",
#'                     product = rep(c("sporulation protein", "kinase"), c(10, 50)),
#'                     start = 1, end = 500, score_mean = c(rnorm(10, 2), rnorm(50)))
#' dgi_gene_set_test(genes, list(spore = "sporulation", first = paste0("g", 11:20)),
#'                   seed = 1)
dgi_gene_set_test <- function(genes, sets, score = "score_mean", n_permutations = 1000,
                              seed = NULL, n_length_bins = 10, include_noncoding = FALSE) {
  check_table(genes, c("gene_id", "name", "product", "start", "end"), "genes")
  score <- check_string(score, "score")
  n_permutations <- as_count(n_permutations, "n_permutations")
  n_length_bins <- as_count(n_length_bins, "n_length_bins")
  check_flag(include_noncoding, "include_noncoding")
  seed <- as_count(seed, "seed", min = 0L, null_ok = TRUE) %||%
    sample.int(.Machine$integer.max, 1L)
  if (!is.list(sets)) sets <- list(sets)
  if (!length(sets)) {
    dgi_arg_error("{.arg sets} is empty; give at least one set.", "sets",
                  hint = "For example {.code sets = list(spore = \"sporulation\")}.")
  }
  if (is.null(names(sets))) names(sets) <- paste0("set", seq_along(sets))
  if (anyNA(names(sets)) || any(names(sets) == "")) {
    dgi_arg_error("{.arg sets} must be a non-empty named list of patterns or gene ids.", "sets")
  }
  specs <- lapply(names(sets), function(nm) {
    s <- sets[[nm]]
    if (is.factor(s)) s <- structure(as.character(s), class = setdiff(class(s), "factor"))
    if (!is.character(s) || !length(s) || anyNA(s)) {
      dgi_arg_error("Set {.val {nm}} must be a pattern or gene ids (character), not {describe(s)}.",
                    "sets")
    }
    if (length(s) == 1L && !inherits(s, "AsIs")) s else as.list(unclass(s))
  })
  eng <- dgi_engine()
  py_genes <- py_engine()
  kwargs <- list(gene_table = r_frame(unfactor(genes)),
                 sets = reticulate::py_dict(as.list(names(sets)), specs),
                 score = score, n_permutations = n_permutations, seed = seed,
                 n_length_bins = n_length_bins, include_noncoding = include_noncoding)
  out <- dgi_py_call(py_genes$gene_set_test, kwargs,
                     arg_map = c(ArgumentTypeError = "sets", InputError = "sets"))
  dgi_frame(out)
}

# An annotation for the engine: a path (normalised), a data frame, or a GRanges
# (as.data.frame gives seqnames, start, end, width, strand and the metadata columns;
# the engine reads seqnames as seq_id and "*" as unstranded).
as_annotation_arg <- function(annotation, arg = "annotation", call = rlang::caller_env()) {
  annotation <- as_chr(annotation)
  if (is.character(annotation) && length(annotation) == 1L && !is.na(annotation)) {
    path <- normalizePath(path.expand(annotation), mustWork = FALSE)
    if (!file.exists(path)) {
      dgi_arg_error("{.arg {arg}}: file {.file {annotation}} does not exist.", arg, call = call)
    }
    return(path)
  }
  if (methods::is(annotation, "GRanges")) {
    annotation <- methods::as(annotation, "data.frame")  # S4Vectors coercion, no import
  }
  if (is.data.frame(annotation)) {
    df <- as.data.frame(annotation)
    for (col in names(df)) {
      if (is.list(df[[col]])) df[[col]] <- NULL  # CharacterList metadata cannot cross
    }
    return(r_frame(unfactor(df)))
  }
  dgi_arg_error(
    "{.arg {arg}} must be a GFF3/GTF path, a data frame or a GRanges, not {describe(annotation)}.",
    arg, call = call)
}

as_types <- function(types) {
  if (!is.character(types) || anyNA(types)) {
    dgi_arg_error("{.arg types} must be a character vector of feature types.", "types")
  }
  if (identical(types, "default")) types else as.list(types)
}

# Factors as character: ids, contigs and strands are labels here, not categories
# (GRanges gives seqnames and strand as factors with levels that may not occur).
unfactor <- function(df) {
  df <- as.data.frame(df)
  for (col in names(df)) {
    if (is.factor(df[[col]])) df[[col]] <- as.character(df[[col]])
  }
  df
}
