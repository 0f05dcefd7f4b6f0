"""Models on integer tokens (deepG's transformers with ``embed_dim > 0``) seen as one-hot models.

``create_model_transformer(embed_dim = 64)`` (deepG's default) takes integer tokens
``(None, maxlen)``; its first layer (``layer_pos_embedding`` / ``layer_pos_sinusoid``)
embeds them with a token embedding ``E`` (``vocabulary_size x embed_dim``) and adds a
position term. Gradients cannot flow into integers, so the engine presents such a model
as a one-hot model: a one-hot row ``x`` (one channel per base) becomes ``x @ E[codes]``
plus the layer's position term, and the rest of the model runs unchanged. On one-hot
input this is the model itself (``E[code]`` is the token's embedding), and every method
(Integrated Gradients, saliency, ...) works with tables in base terms. Because the map is
linear, Integrated Gradients on the one-hot view summed over the bases of a position
equals Integrated Gradients on the embedded input summed over the embedding dimension.

deepG's integer coding (``seq_encoding_label(return_int = TRUE)``, its tokenizer minus 1)
is ``A = 1, C = 2, G = 3, T = 4`` (``N`` and other ambiguous letters 5, 0 unused), the
default here. deepG's default ``vocabulary_size = 4`` gives an embedding of 4 rows
(tokens 0..3), which cannot hold ``T = 4``; for such models the codes ``A = 0 .. T = 3``
are used, with a warning, unless ``token_codes`` says otherwise. An all-zero row (``N``
with ``ambiguous="zero"``, padding) is the zero embedding, not deepG's ``N`` token.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from .keras_backend import keras_module_of

DEEPG_TOKEN_CODES = {"A": 1, "C": 2, "G": 3, "T": 4}
ZERO_BASED_CODES = {"A": 0, "C": 1, "G": 2, "T": 3}


def _consumers(keras_model, tensor) -> list:
    """The layers of ``keras_model`` that take ``tensor`` as (one of) their inputs."""
    import tensorflow as tf

    found = []
    for layer in keras_model.layers:
        for node in getattr(layer, "_inbound_nodes", []):
            if getattr(node, "is_input", False):
                continue
            tensors = tf.nest.flatten(getattr(node, "input_tensors", []))
            if any(t is tensor for t in tensors):
                found.append(layer)
                break
    return found


def _embeddings_in(layer) -> list:
    """Embedding layers inside ``layer`` (itself, then its attributes, ``token_emb`` first)."""
    if type(layer).__name__ == "Embedding":
        return [layer]
    found = []
    preferred = getattr(layer, "token_emb", None)
    if preferred is not None and type(preferred).__name__ == "Embedding":
        found.append(preferred)
    flatten = getattr(layer, "_flatten_layers", None)
    try:
        subs = list(flatten(include_self=False, recursive=True)) if flatten else []
    except TypeError:  # pragma: no cover - other Keras signatures
        subs = []
    subs += list(getattr(layer, "submodules", ()) or ())
    for sub in subs:
        if type(sub).__name__ == "Embedding" and not any(sub is f for f in found):
            found.append(sub)
    return found


def _as_codes(token_codes, rows: int) -> tuple[tuple[str, ...], tuple[int, ...], str | None]:
    """(letters, codes, note) from the user's ``token_codes`` or deepG's default."""
    note = None
    if token_codes is None:
        if rows >= 5:
            mapping = DEEPG_TOKEN_CODES
        elif rows == 4:
            mapping = ZERO_BASED_CODES
            note = (
                "the model embeds 4 tokens (0..3) but deepG's integer coding is A=1, C=2, G=3, "
                "T=4 (N=5), which needs 5 rows: create_model_transformer(vocabulary_size = 4) "
                "cannot embed T in that coding. Using A=0, C=1, G=2, T=3; pass token_codes= if "
                "the model was trained on other codes"
            )
        else:
            raise ModelError(
                f"the model's token embedding has {rows} rows, too few for the 4 bases; pass "
                "token_codes= (a dict letter -> token) with the codes it was trained on"
            )
    elif isinstance(token_codes, Mapping):
        mapping = dict(token_codes)
    else:
        values = list(np.asarray(token_codes).ravel())
        if len(values) != 4:
            raise ModelError(
                f"token_codes has {len(values)} values; give a dict letter -> token (e.g. "
                "{'A': 1, 'C': 2, 'G': 3, 'T': 4}) or the 4 tokens of A, C, G, T in this order"
            )
        mapping = dict(zip("ACGT", values))
    letters, codes = [], []
    for letter, code in mapping.items():
        if not isinstance(letter, str) or len(letter) != 1 or not letter.isalpha():
            raise ModelError(f"token_codes: {letter!r} is not a single letter")
        try:
            as_float = float(code)
        except (TypeError, ValueError):
            as_float = float("nan")
        if not as_float.is_integer() or not 0 <= as_float < rows:
            raise ModelError(
                f"token_codes: {letter} = {code!r} is not a token of the model's embedding, "
                f"which has {rows} rows (tokens 0..{rows - 1})"
            )
        letters.append(letter.upper())
        codes.append(int(as_float))
    if len(set(letters)) != len(letters) or len(set(codes)) != len(codes):
        raise ModelError(f"token_codes {mapping} repeats a letter or a token; give each its own")
    if sorted(letters) == sorted("ACGT"):  # channels in deepG's vocabulary order A, C, G, T
        order = [letters.index(b) for b in "ACGT"]
        letters, codes = [letters[i] for i in order], [codes[i] for i in order]
    return tuple(letters), tuple(codes), note


class TokenView:
    """A single-input token model as ``one-hot (b, L, V) -> model output``.

    Attributes
    ----------
    vocabulary : tuple of str
        The one-hot channels (default ``A, C, G, T``).
    codes : tuple of int
        The token of each channel.
    maxlen : int
    note : str or None
        Set when the codes were not deepG's own (see the module docstring).
    """

    def __init__(self, keras_model, token_codes=None, keras_module=None):
        inputs = list(keras_model.inputs)
        if len(inputs) != 1:
            raise ModelError(
                "integer-token inputs are explained for single-input models only; this model "
                f"has {len(inputs)} inputs"
            )
        shape = tuple(inputs[0].shape)[1:]
        if len(shape) != 1 or shape[0] is None:
            raise ModelError(
                f"the model's input has shape {(None,) + tuple(shape)}; integer tokens must "
                "have a fixed length (None, maxlen)"
            )
        self.maxlen = int(shape[0])
        stages = _consumers(keras_model, inputs[0])
        if len(stages) != 1:
            raise ModelError(
                f"the model's input (None, {self.maxlen}) looks like integer tokens but feeds "
                f"{len(stages)} layers; expected one token embedding (an Embedding layer, or "
                "deepG's layer_pos_embedding / layer_pos_sinusoid)"
            )
        self.stage = stages[0]
        self._module = keras_module
        self.embedding, offset_probe = self._find_embedding()
        rows = int(self.embedding.embeddings.shape[0])
        self.vocabulary, self.codes, self.note = _as_codes(token_codes, rows)
        if getattr(self.embedding, "mask_zero", False) and 0 in self.codes:
            raise ModelError(
                "the token embedding masks token 0 (mask_zero=True) but token 0 is a base in "
                f"token_codes {dict(zip(self.vocabulary, self.codes))}; pass token_codes with "
                "tokens from 1"
            )
        self._zero_tokens = offset_probe
        self._tails: dict = {}

    def _stage_out(self, tokens):
        import tensorflow as tf

        out = self.stage(tf.constant(tokens, dtype=self.stage.input.dtype))
        return np.asarray(out, dtype=np.float64)

    def _find_embedding(self):
        """The stage's token embedding: the one for which stage(t) - E[t] does not depend on
        the tokens t (the rest is the position term)."""
        candidates = _embeddings_in(self.stage)
        if not candidates:
            raise ModelError(
                f"the model's input (None, {self.maxlen}) looks like integer tokens but its "
                f"first layer {self.stage.name!r} ({type(self.stage).__name__}) has no "
                "Embedding; deepg-interpret explains token models through their token embedding"
            )
        zeros = np.zeros((1, self.maxlen), dtype=np.float32)
        for emb in candidates:
            table = np.asarray(emb.embeddings, dtype=np.float64)
            rows = table.shape[0]
            rng = np.random.default_rng(0)
            probe = rng.integers(0, rows, size=(2, self.maxlen)).astype(np.float32)
            try:
                base = self._stage_out(zeros)[0] - table[0]
                other = self._stage_out(probe) - table[probe.astype(int)]
            except Exception:  # noqa: BLE001 - a wrong candidate may not even fit
                continue
            if base.shape != other.shape[1:]:
                continue
            scale = max(1.0, float(np.abs(base).max()))
            if np.abs(other - base).max() <= 1e-5 * scale:
                return emb, zeros
        raise ModelError(
            f"the first layer {self.stage.name!r} ({type(self.stage).__name__}) of this token "
            "model is not a token embedding plus a position term, so it cannot be presented as "
            "a one-hot model; explain a sub-model that starts after the embedding instead"
        )

    def embed(self, x):
        """One-hot rows ``(b, L, V)`` -> the stage's output (embedding plus position term)."""
        import tensorflow as tf

        table = tf.cast(tf.gather(self.embedding.embeddings, list(self.codes)), x.dtype)
        zeros = tf.constant(self._zero_tokens, dtype=self.stage.input.dtype)
        offset = self.stage(zeros)[0] - tf.gather(
            self.embedding.embeddings, tf.zeros([self.maxlen], tf.int32))
        return tf.einsum("blv,vd->bld", x, table) + tf.cast(offset, x.dtype)

    def tail(self, model):
        """``model`` (the full model or a sub-model ending earlier) from the stage's output on."""
        key = id(model)
        if key not in self._tails:
            module = self._module or keras_module_of(model)
            import logging

            tf_logger = logging.getLogger("tensorflow")
            level = tf_logger.level
            tf_logger.setLevel(logging.ERROR)  # Keras 2: "inputs must come from Input" note
            try:
                self._tails[key] = (module.Model(self.stage.output, model.outputs), model)
            finally:
                tf_logger.setLevel(level)
        return self._tails[key][0]

    def tokens(self, onehot) -> np.ndarray:
        """One-hot rows ``(n, L, V)`` -> integer tokens ``(n, L)`` (all-zero rows: -1)."""
        onehot = np.asarray(onehot)
        idx = onehot.argmax(-1)
        out = np.asarray(self.codes)[idx]
        out[onehot.max(-1) <= 0] = -1
        return out


__all__ = ["TokenView", "DEEPG_TOKEN_CODES", "ZERO_BASED_CODES"]
