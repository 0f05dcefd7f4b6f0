# deepG's integrated_gradients() algorithm (deepG R/visualization.R:
# interpolate_seq(), compute_gradients(), integral_approximation()), written
# with the same TensorFlow calls, to check the drop-in against it.
deepg_reference_code <- "
def deepg_ig(model, input_seq, baseline, m_steps, target_class_idx):
    import tensorflow as tf
    input_seq = tf.constant(input_seq, dtype=tf.float32)      # (1, L, 4)
    baseline = tf.constant(baseline, dtype=tf.float32)        # (1, L, 4)
    alphas = tf.linspace(start=0.0, stop=1.0, num=m_steps + 1)
    alphas_x = alphas[:, tf.newaxis, tf.newaxis]
    delta = input_seq - baseline
    baseline_seq = tf.cast(baseline + alphas_x * delta, dtype='float32')
    with tf.GradientTape() as tape:
        tape.watch(baseline_seq)
        probs = model(baseline_seq)[:, target_class_idx - 1]
    gradients = tape.gradient(probs, baseline_seq)
    grads = (gradients[:-1] + gradients[1:]) / tf.constant(2.0)
    avg_grads = tf.math.reduce_mean(grads, axis=0)
    return (((input_seq - baseline_seq[0, :, :]) * avg_grads)[0, :, :]).numpy()
"

deepg_reference_ig <- function(m_steps = 50, baseline_type = "zero", input_seq,
                               target_class_idx, model, num_baseline_repeats = 1) {
  if (is.null(.test_cache$deepg_ig)) {
    env <- reticulate::py_run_string(deepg_reference_code, local = TRUE, convert = TRUE)
    .test_cache$deepg_ig <- env$deepg_ig
  }
  one <- function(type) {
    d <- dim(input_seq)
    baseline <- switch(type,
      zero = array(0, dim = d),
      shuffle = array(input_seq[, sample(d[2]), ], dim = d),
      unif = array(stats::runif(prod(d)), dim = d)
    )
    .test_cache$deepg_ig(model, input_seq, baseline, as.integer(m_steps),
                         as.integer(target_class_idx))
  }
  if (num_baseline_repeats == 1 || baseline_type == "zero") return(one(baseline_type))
  runs <- lapply(seq_len(num_baseline_repeats), function(i) one(baseline_type))
  Reduce(`+`, runs) / num_baseline_repeats
}
