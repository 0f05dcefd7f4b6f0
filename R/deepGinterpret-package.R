#' deepGinterpret: explain deepG models from R
#'
#' Integrated Gradients, saliency and gradient x input for Keras models built
#' with the deepG package, computed by the Python engine `deepg_interpret`
#' through reticulate and returned as tidy data frames.
#'
#' Loading the package never starts Python. The engine is looked up, in this
#' order, through the `RETICULATE_PYTHON` environment variable, a virtualenv
#' named `"r-deepg-interpret"` (made by [dgi_install()]), and reticulate's usual
#' search. [dgi_config()] shows what was found.
#'
#' Conventions: positions are 1-based, class targets are 1-based (like deepG's
#' `target_class_idx`) or class names, and the one-hot channel order is deepG's
#' vocabulary `A, C, G, T` (other vocabularies through `vocabulary =`).
#'
#' @section Functions:
#' * Set-up: [dgi_install()], [dgi_config()], [dgi_available()].
#' * Models: [dgi_load_model()].
#' * Attributions: [dgi_integrated_gradients()], [dgi_saliency()],
#'   [dgi_gradient_x_input()], and the drop-in for deepG's
#'   `integrated_gradients()`: [dgi_integrated_gradients_deepg()]. Any method
#'   of the engine: [dgi_explain()], listed by [dgi_methods()].
#' * Tables: [dgi_attribution_table()], [dgi_per_locus()], [dgi_rolling_mean()].
#' * Plots: [dgi_plot_per_locus()], [dgi_plot_heatmap()], [dgi_plot_logo()].
#' * Ground truth: [dgi_simulate_motifs()], [dgi_score_explanations()].
#'
#' @keywords internal
#' @importFrom rlang .data
"_PACKAGE"
