# The R/Python boundary helpers live in the engine, in the module
# deepg_interpret.r_bridge (covered by tests/python/test_r_bridge.py); this file
# binds them once per session.

BRIDGE_MODULE <- "deepg_interpret.r_bridge"

# The engine's public API, unconverted (what R calls beyond the bridge: run_batch,
# gene_scores, gia, synthetic, tables, ...). R imports no other engine module.
py_engine <- function() {
  if (is.null(.dgi$py_engine)) {
    dgi_engine()
    .dgi$py_engine <- reticulate::import("deepg_interpret", convert = FALSE)
  }
  .dgi$py_engine
}

# The bridge module, unconverted (its functions return Python objects). It is
# part of the engine: without the engine only py_versions_fallback() works.
py_bridge <- function() {
  if (is.null(.dgi$bridge)) {
    dgi_engine() # an R error that says what to do when the engine is missing or too old
    .dgi$bridge <- reticulate::import(BRIDGE_MODULE, convert = FALSE)
  }
  .dgi$bridge
}

py_helpers <- function() {
  if (is.null(.dgi$helpers)) {
    bridge <- py_bridge()
    .dgi$helpers <- list(
      call = bridge$call,
      frame_columns = bridge$frame_columns,
      frame_from_r = bridge$frame_from_r,
      versions = function() reticulate::py_to_r(bridge$versions()),
      is_keras_model = function(x) reticulate::py_to_r(bridge$is_keras_model(x)),
      numpy_float32 = bridge$numpy_float32,
      to_numpy = function(x) reticulate::py_to_r(bridge$to_numpy(x)),
      method_names = function() as.character(unlist(reticulate::py_to_r(bridge$method_names()))),
      method_info = function(name) reticulate::py_to_r(bridge$method_info(name)),
      method_function = bridge$method_function,
      result_tables = bridge$result_tables,
      model_inputs = function(x) reticulate::py_to_r(bridge$model_inputs(x)),
      read_model = bridge$read_model
    )
  }
  .dgi$helpers
}

# Versions without the engine (it may be missing or broken): importlib.metadata only.
py_versions_fallback <- function() {
  md <- reticulate::import("importlib.metadata", convert = TRUE)
  util <- reticulate::import("importlib.util", convert = FALSE)
  v <- function(name) tryCatch(md$version(name), error = function(e) NULL)
  spec <- tryCatch(util$find_spec("deepg_interpret"), error = function(e) NULL)
  origin <- if (!is.null(spec) && !inherits(spec, "python.builtin.NoneType")) {
    tryCatch(reticulate::py_to_r(spec$origin), error = function(e) NULL)
  }
  list(
    numpy = v("numpy"),
    tensorflow = v("tensorflow") %||% v("tensorflow-cpu"),
    keras = v("keras"),
    tf_keras = v("tf_keras") %||% v("tf-keras"),
    engine = v("deepg-interpret") %||% v("deepg_interpret"),
    engine_path = origin
  )
}

# The engine says once per session, at the first model load, which TensorFlow runs on
# which device ("deepg-interpret: TensorFlow 2.21.0 on CPU (no GPU found)"): as an R
# message, so suppressMessages() hides it, as does options(deepGinterpret.quiet = TRUE)
# or the environment variable DEEPG_INTERPRET_QUIET=1. Engines without the hook: nothing.
register_device_reporter <- function() {
  .dgi$device_reporter <- FALSE
  bridge <- tryCatch(reticulate::import(BRIDGE_MODULE, convert = FALSE),
                     error = function(e) NULL)
  if (is.null(bridge) || !reticulate::py_has_attr(bridge, "set_device_reporter")) {
    return(invisible(FALSE))
  }
  ok <- tryCatch({
    bridge$set_device_reporter(reticulate::py_func(dgi_report_device))
    TRUE
  }, error = function(e) FALSE)
  .dgi$device_reporter <- ok
  invisible(ok)
}

# The engine's device line, as an R message (unless options(deepGinterpret.quiet = TRUE)).
dgi_report_device <- function(line) {
  if (!isTRUE(getOption("deepGinterpret.quiet"))) message(as.character(line))
  NULL
}
