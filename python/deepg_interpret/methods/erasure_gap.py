"""Fast fitness for global-average-pooling CNNs: recompute only what erased segments touch.

deepG's ``gap = TRUE`` models are a position-wise trunk (Conv1D, pooling, batch norm,
activations) whose feature map is averaged over positions, then a small head. When an
individual erases a few segments, only the trunk outputs whose receptive field meets an
erased base change, so::

    pooled(erased) = (sum of reference features + sum over touched regions of
                      (new features - reference features)) / n_positions

The reference feature map is computed once. For each individual the touched output
positions (each erased segment widened by the trunk's receptive field) are merged into
regions, and each region is recomputed on a slice of the erased sequence that starts
on the trunk's pooling grid and reaches ``halo`` bases beyond the region on both sides
(so the region's outputs equal those of the whole sequence); slices are right-padded
to one length per batch (padding beyond the halo cannot reach the region). Slices that
touch a sequence end are run unpadded, because the trunk's own ``same`` padding there
is part of the answer.

The model must be a chain of supported layers around one ``GlobalAveragePooling1D``;
:func:`gap_plan` returns None otherwise. Exactness is checked, not assumed: the fast
outputs of a few random individuals must equal full forward passes (float tolerance),
else the evaluator keeps full passes (see :class:`~.erasure.ErasureEvaluator`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POSITIONWISE = {"BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU",
                "Dropout", "SpatialDropout1D", "LayerNormalization", "Dense", "GaussianNoise",
                "GaussianDropout", "AlphaDropout", "Softmax"}
POOLS = {"MaxPooling1D", "AveragePooling1D"}
PAD_BUCKET = 256  # slices are right-padded to a multiple of this many bases


@dataclass
class GapPlan:
    """A trunk / head split of a global-average-pooling chain model."""

    trunk: object        # keras model: (b, l, C) -> (b, l / stride, F)
    head: object         # keras model: (b, F) -> (b, n_outputs)
    stride: int          # input bases per trunk output position
    radius: int          # bases on each side an output position can see (upper bound)
    trunk_fn: object = None  # compiled trunk, built once per plan (plans are cached per adapter)

    @property
    def halo(self) -> int:
        """Context kept on each side of a region, on the pooling grid."""
        return int(np.ceil(self.radius / self.stride) + 1) * self.stride


def gap_plan(keras_model, keras_module) -> GapPlan | None:
    """The trunk/head split of ``keras_model``, or None when it is not a supported chain."""
    layers = [la for la in keras_model.layers if type(la).__name__ != "InputLayer"]
    names = [type(la).__name__ for la in layers]
    if names.count("GlobalAveragePooling1D") != 1 or len(keras_model.inputs) != 1:
        return None
    cut = names.index("GlobalAveragePooling1D")
    if getattr(layers[cut], "keepdims", False):
        return None
    stride, radius = 1, 0
    for layer, name in zip(layers[:cut], names[:cut]):
        cfg = layer.get_config()
        if name == "Conv1D":
            if int(np.prod(cfg.get("strides", 1))) != 1:
                return None
            dilation = int(np.prod(cfg.get("dilation_rate", 1)))
            radius += (int(np.prod(cfg["kernel_size"])) - 1) * dilation * stride
        elif name in POOLS:
            size = int(np.prod(cfg["pool_size"]))
            if int(np.prod(cfg.get("strides") or size)) != size or cfg.get("padding") != "valid":
                return None
            radius += (size - 1) * stride
            stride *= size
        elif name not in POSITIONWISE:
            return None
    channels = int(keras_model.inputs[0].shape[-1])
    try:
        x = inp = keras_module.Input((None, channels))
        for layer in layers[:cut]:
            x = layer(x)
        trunk = keras_module.Model(inp, x)
        y = pooled = keras_module.Input((int(x.shape[-1]),))
        for layer in layers[cut + 1:]:
            y = layer(y)
        head = keras_module.Model(pooled, y)
    except Exception:  # noqa: BLE001 - any layer that refuses the split means "not a chain"
        return None
    import tensorflow as tf

    spec = tf.TensorSpec((None, None, channels), tf.float32)
    trunk_fn = tf.function(lambda v: trunk(v, training=False), input_signature=[spec],
                           reduce_retracing=True)
    return GapPlan(trunk, head, stride, radius, trunk_fn)


def regions(starts: np.ndarray, segment_length: int, plan: GapPlan,
            n_positions: int) -> list[tuple[int, int]]:
    """Merged ``[p_lo, p_hi)`` trunk-output ranges whose inputs meet an erased base."""
    out: list[list[int]] = []
    for s in np.sort(np.asarray(starts, dtype=np.int64)):
        lo = max(0, (int(s) - plan.radius) // plan.stride)
        hi = min(n_positions, (int(s) + segment_length + plan.radius) // plan.stride + 1)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out if hi > lo]


class GapFitness:
    """Outputs of erased copies through the trunk on touched slices plus the head.

    ``reference`` (the sequence, ``(L, C)``) is run once through the trunk; then
    :meth:`batch`, :meth:`run`, :meth:`deltas` and :meth:`head_outputs` turn one batch
    of individuals into outputs.
    """

    def __init__(self, plan: GapPlan, reference: np.ndarray, segment_length: int, fill: float,
                 starts_of):
        self.plan, self.flat, self.seg, self.fill = plan, reference, segment_length, fill
        self.starts_of = starts_of
        self.trunk = plan.trunk_fn
        features = self.trunk(reference[None]).numpy()[0].astype(np.float64)
        self.features = features                       # (n_positions, F)
        self.total = features.sum(axis=0)
        self.n_positions = features.shape[0]
        self.length = reference.shape[0]

    def _slice(self, erased_starts: np.ndarray, lo: int, hi: int) -> tuple[int, np.ndarray]:
        halo, stride = self.plan.halo, self.plan.stride
        a = max(0, lo * stride - halo)
        b = min(self.length, hi * stride + halo)
        piece = self.flat[a:b].copy()
        for s in erased_starts:
            u, v = max(int(s), a), min(int(s) + self.seg, b)
            if u < v:
                piece[u - a:v - a] = self.fill
        return a, piece

    def batch(self, individuals: np.ndarray) -> tuple[list, list]:
        """Slices of a batch: ``inner`` ones (padded) grouped by padded width, and ``edge``
        ones (touching a sequence end, run as they are)."""
        groups: dict[int, list] = {}
        edge = []
        for k, ind in enumerate(individuals):
            starts = self.starts_of(ind)
            for lo, hi in regions(starts, self.seg, self.plan, self.n_positions):
                a, piece = self._slice(starts, lo, hi)
                if a == 0 or a + len(piece) == self.length:
                    edge.append((k, lo, hi, a, piece))
                else:
                    # A fixed width per slice length (not per batch): the numbers of a slice
                    # do not depend on which other individuals share its batch.
                    width = -(-len(piece) // PAD_BUCKET) * PAD_BUCKET
                    groups.setdefault(width, []).append((k, lo, hi, a, piece))
        return [groups[w] for w in sorted(groups)], edge

    def padded(self, group: list) -> np.ndarray:
        width = -(-len(group[0][4]) // PAD_BUCKET) * PAD_BUCKET
        out = np.zeros((len(group), width, self.flat.shape[-1]), dtype=np.float32)
        for j, item in enumerate(group):
            out[j, :len(item[4])] = item[4]
        return out

    def run(self, groups: list, edge: list) -> list:
        """Trunk features of every slice: one call per padded group, one per edge slice."""
        feats = [f for g in groups for f in self.trunk(self.padded(g)).numpy()]
        return feats + [self.trunk(it[4][None]).numpy()[0] for it in edge]

    def deltas(self, count: int, items: list, features: list) -> np.ndarray:
        """``(count, F)`` change of the feature sum per individual."""
        delta = np.zeros((count, self.features.shape[1]))
        for (k, lo, hi, a, _), feats in zip(items, features):
            off = a // self.plan.stride
            new = feats[lo - off:hi - off].astype(np.float64)
            delta[k] += new.sum(axis=0) - self.features[lo:hi].sum(axis=0)
        return delta

    def verify(self, individuals: np.ndarray, forward) -> bool:
        """True when the fast path reproduces full passes on ``individuals``: the trunk
        features of every recomputed region, the features outside them (receptive
        field bound), and the head on the reference."""
        scale = max(1.0, float(np.abs(self.features).max()))
        head = self.head_outputs(np.zeros((1, self.features.shape[1])))[0]
        if not np.allclose(head, forward(self.flat[None])[0], rtol=1e-4, atol=1e-5):
            return False
        for ind in individuals:
            starts = self.starts_of(ind)
            erased = self.flat.copy()
            for s in starts:
                erased[s:s + self.seg] = self.fill
            full = self.trunk(erased[None]).numpy()[0].astype(np.float64)
            groups, edge = self.batch(ind[None])
            items = [it for g in groups for it in g] + edge
            inside = np.zeros(self.n_positions, dtype=bool)
            for (_, lo, hi, a, _), feats in zip(items, self.run(groups, edge)):
                off = a // self.plan.stride
                if not np.allclose(feats[lo - off:hi - off], full[lo:hi], rtol=0,
                                   atol=1e-4 * scale):
                    return False
                inside[lo:hi] = True
            if not np.allclose(full[~inside], self.features[~inside], rtol=0, atol=1e-5 * scale):
                return False
        return True

    def head_outputs(self, delta: np.ndarray) -> np.ndarray:
        pooled = ((self.total[None] + delta) / self.n_positions).astype(np.float32)
        return np.asarray(self.plan.head(pooled, training=False))


__all__ = ["GapPlan", "GapFitness", "gap_plan", "regions"]
