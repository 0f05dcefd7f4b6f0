"""Models on integer tokens (deepG's transformers with embed_dim > 0) explained as one-hot
models through their token embedding."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import keras_default, keras_modules, random_one_hot
from deepg_interpret import DeepGInterpretWarning, ModelError, integrated_gradients, saliency
from deepg_interpret.core.batching import predict
from deepg_interpret.model.adapter import load_model
from deepg_interpret.model.tokens import DEEPG_TOKEN_CODES

pytestmark = pytest.mark.tf215

DEEPG_CODES = np.array([1, 2, 3, 4])  # A, C, G, T in deepG's integer coding


def linear_token_model(k, maxlen=8, rows=6, dim=3, seed=0):
    """f(t) = sum_l E[t_l] . W_l + 0.25: saliency on the one-hot view is E[code] . W_l."""
    rng = np.random.default_rng(seed)
    inp = k.Input((maxlen,))
    emb = k.layers.Embedding(rows, dim)
    dense = k.layers.Dense(1)
    model = k.Model(inp, dense(k.layers.Flatten()(emb(inp))))
    table = rng.normal(size=(rows, dim)).astype(np.float32)
    w = rng.normal(size=(maxlen * dim, 1)).astype(np.float32)
    emb.set_weights([table])
    dense.set_weights([w, np.array([0.25], np.float32)])
    return model, table, w.reshape(maxlen, dim)


def deepg_like_transformer(k, maxlen=20, rows=6, dim=8, seed=0):
    """Token embedding plus a learned position embedding in one custom layer, like deepG's
    layer_pos_embedding, then attention-free nonlinear layers and a softmax."""

    class PosEmbedding(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = k.layers.Embedding(rows, dim)
            self.position_embeddings = k.layers.Embedding(maxlen, dim)

        def call(self, inputs):
            import tensorflow as tf

            positions = self.position_embeddings(tf.range(maxlen))
            return self.token_emb(inputs) + positions

    k.utils.set_random_seed(seed)
    inp = k.Input((maxlen,))
    h = PosEmbedding()(inp)
    h = k.layers.Dense(8, activation="tanh")(h)
    h = k.layers.GlobalAveragePooling1D()(h)
    return k.Model(inp, k.layers.Dense(3, activation="softmax")(h))


@pytest.mark.parametrize("make_keras", keras_modules())
def test_linear_token_model_has_the_known_answer(make_keras):
    k = make_keras()
    model, table, w = linear_token_model(k)
    adapter = load_model(model)
    assert adapter.item_shape == (8, 4)
    assert adapter.token_codes == DEEPG_TOKEN_CODES
    x = random_one_hot(3, 8, seed=1)
    tokens = DEEPG_CODES[x.argmax(-1)]
    np.testing.assert_allclose(predict(adapter, x), model.predict(tokens, verbose=0),
                               rtol=1e-5, atol=1e-6)
    expected_grad = np.einsum("vd,ld->lv", table[DEEPG_CODES], w)  # (L, 4): E[code] . W_l
    sal = saliency(adapter, x, target=0, progress=False)
    np.testing.assert_allclose(sal.attributions, np.broadcast_to(expected_grad, x.shape),
                               rtol=1e-5, atol=1e-6)
    ig = integrated_gradients(adapter, x, target=0, steps=5, progress=False)
    np.testing.assert_allclose(ig.attributions, x * expected_grad, rtol=1e-5, atol=1e-6)
    # the zero baseline is the zero embedding: F = bias
    np.testing.assert_allclose(ig.f_baseline, 0.25, atol=1e-6)
    # DNA strings map to deepG's tokens
    res = integrated_gradients(adapter, ["ACGTTGCA"], target=0, steps=5, progress=False)
    t = np.array([[1, 2, 3, 4, 4, 3, 2, 1]])
    np.testing.assert_allclose(res.f_input, model.predict(t, verbose=0)[:, 0], rtol=1e-5)


def test_ig_on_the_one_hot_view_sums_to_ig_on_the_embedding():
    """x (L, V) -> e = x E + p is linear, so sum_v IG_x[l, v] = sum_d IG_e[l, d]."""
    import tensorflow as tf

    k = keras_default()
    model = deepg_like_transformer(k)
    adapter = load_model(model)
    x = random_one_hot(1, 20, seed=2)
    ours = integrated_gradients(adapter, x, target=1, steps=64, progress=False)

    view = adapter._tokens
    stage_in = view.embed(tf.constant(x))               # embedding of the input
    stage_base = view.embed(tf.zeros_like(tf.constant(x)))  # of the zero baseline
    tail = view.tail(model)
    alphas = tf.reshape(tf.linspace(0.0, 1.0, 65), (-1, 1, 1))
    path = stage_base + alphas * (stage_in - stage_base)
    with tf.GradientTape() as tape:
        tape.watch(path)
        out = tail(path)[:, 1]
    g = tape.gradient(out, path)
    avg = tf.reduce_mean((g[:-1] + g[1:]) / 2.0, axis=0)
    ig_embedding = ((stage_in - stage_base)[0] * avg).numpy()  # (L, D)
    per_position = ours.attributions[0].sum(-1)
    np.testing.assert_allclose(per_position, ig_embedding.sum(-1), rtol=1e-4, atol=1e-6)
    # completeness, and F(x) is the model on deepG's tokens
    tokens = DEEPG_CODES[x.argmax(-1)]
    np.testing.assert_allclose(ours.f_input, model.predict(tokens, verbose=0)[:, 1], rtol=1e-5)
    assert abs(ours.summary_table()["delta"].iloc[0]) < 1e-4


@pytest.mark.parametrize("make_keras", keras_modules())
def test_position_term_and_logits(make_keras):
    k = make_keras()
    model = deepg_like_transformer(k)
    adapter = load_model(model, output="logit")
    x = random_one_hot(4, 20, seed=3)
    probs = load_model(model).with_output("probability")
    tokens = DEEPG_CODES[x.argmax(-1)]
    np.testing.assert_allclose(predict(probs, x), model.predict(tokens, verbose=0),
                               rtol=1e-5, atol=1e-6)
    logits = predict(adapter, x)
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(1, keepdims=True),
                               model.predict(tokens, verbose=0), rtol=1e-4, atol=1e-6)


def test_token_codes():
    k = keras_default()
    model, table, w = linear_token_model(k, rows=4)  # deepG's default vocabulary_size = 4
    with pytest.warns(DeepGInterpretWarning, match="cannot embed T"):
        adapter = load_model(model)
    assert adapter.token_codes == {"A": 0, "C": 1, "G": 2, "T": 3}
    x = random_one_hot(2, 8, seed=4)
    np.testing.assert_allclose(predict(adapter, x), model.predict(x.argmax(-1), verbose=0),
                               rtol=1e-5, atol=1e-6)
    model6, _, _ = linear_token_model(k, rows=6)
    custom = load_model(model6, token_codes={"T": 5, "G": 4, "C": 3, "A": 2})
    assert custom.token_codes == {"A": 2, "C": 3, "G": 4, "T": 5}  # channels in A, C, G, T order
    np.testing.assert_allclose(predict(custom, x), model6.predict(x.argmax(-1) + 2, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert load_model(model6, token_codes=[2, 3, 4, 5]).token_codes == custom.token_codes
    with pytest.raises(ModelError, match="not a token of the model's embedding"):
        load_model(model6, token_codes={"A": 1, "C": 2, "G": 3, "T": 6})
    with pytest.raises(ModelError, match="repeats"):
        load_model(model6, token_codes={"A": 1, "C": 1, "G": 3, "T": 4})
    with pytest.raises(ModelError, match="token_codes is for models on integer tokens"):
        load_model(keras_default().Sequential([k.Input((8, 4)), k.layers.Flatten(),
                                               k.layers.Dense(1)]), token_codes=[1, 2, 3, 4])


def test_models_that_are_not_token_embeddings_are_refused():
    k = keras_default()
    inp = k.Input((8,))
    plain = k.Model(inp, k.layers.Dense(2, activation="softmax")(inp))
    with pytest.raises(ModelError, match="has no Embedding"):
        load_model(plain)
    masked_in = k.Input((8,))
    masked = k.layers.Embedding(5, 3, mask_zero=True)(masked_in)
    masked_model = k.Model(masked_in, k.layers.Dense(1)(k.layers.Flatten()(masked)))
    with pytest.raises(ModelError, match="mask_zero"):
        load_model(masked_model, token_codes=[0, 1, 2, 3])
