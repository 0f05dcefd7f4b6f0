"""Fast in silico mutagenesis for convolutional stacks: the plan (which layers, which windows).

A single-base change at position ``p`` alters only the outputs of a convolution or
pooling layer whose window reads ``p``; through a stack of such layers the altered
range grows by each layer's receptive field but stays far shorter than the sequence.
So the reference activations are computed once per sequence, and each mutant
recomputes only a fixed-width window of every layer (the same width for every
position, so many mutants form one dense batch) up to the first layer that mixes all
positions (``Flatten``, global pooling, LSTM, ...). From there:

- ``Flatten`` -> ``Dense``: the dense pre-activation is linear in the flattened
  activation, so the mutant's value is the reference's plus the window's change times
  the window's rows of the weight matrix (``W x F x H`` multiply-adds instead of
  re-running the whole flattened layer);
- ``GlobalAveragePooling1D``: the mean moves by the window's change / length;
- anything else: the window is patched into the reference activation and the rest of
  the model runs on it.

The idea is the one of fastISM (Nair et al. 2022, Bioinformatics 38:2397); this module
follows the description in the paper (no code from it) and adds the linear-head
update, which is what makes Flatten heads fast on CPUs.

Geometry (Keras / TensorFlow conventions): an output ``j`` of a layer with effective
kernel ``ke = (k - 1) * dilation + 1``, stride ``s`` and left padding ``pl`` reads
the padded inputs ``j*s .. j*s + ke - 1``; ``"same"`` padding adds
``max((L_out - 1) * s + ke - L, 0)`` positions, the smaller half on the left;
``"causal"`` adds ``ke - 1`` on the left. Every layer is then evaluated as a
``"valid"`` operation on a padded buffer (zeros for convolutions and average
pooling, ``-inf`` for max pooling), so windows and the reference use the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError
from ..model.adapter import ModelAdapter
from ..model.keras_backend import SQUASHING, activation_name

# Layers acting on each position by itself (at inference): a window passes through them.
POINTWISE = frozenset({
    "Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "Softmax",
    "BatchNormalization", "LayerNormalization", "Dropout", "SpatialDropout1D",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    "Dense",
})
CONV = frozenset({"Conv1D", "Convolution1D"})
POOL = frozenset({"MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D"})


class FastPathUnsupported(ModelError):
    """The model cannot take the fast ISM path (the message says which layer or why)."""


def _first(value) -> int:
    return int(value[0] if isinstance(value, (tuple, list)) else value)


@dataclass
class Step:
    """One position-mixing local layer (convolution or pooling) and the pointwise layers after it."""

    layer: object                  # Conv1D / pooling layer, or None (input passed through)
    kind: str                      # "conv", "max", "avg", "identity"
    kernel: int                    # effective kernel (dilation included)
    stride: int
    dilation: int
    in_len: int
    out_len: int
    pad_left: int
    pad_right: int
    in_channels: int
    out_channels: int = 0
    pointwise: list = field(default_factory=list)
    counts: np.ndarray | None = None   # average pooling with "same": valid inputs per output
    width: int = 1                     # window width (outputs recomputed per mutant)
    starts: np.ndarray | None = None   # window start (output coordinates) per input position

    @property
    def padded_len(self) -> int:
        return self.in_len + self.pad_left + self.pad_right

    @property
    def in_width(self) -> int:
        """Padded inputs one window reads."""
        return (self.width - 1) * self.stride + self.kernel

    @property
    def pad_value(self) -> float:
        return -np.inf if self.kind == "max" else 0.0


@dataclass
class FastPlan:
    """How the fast path computes a model of one input length."""

    length: int
    channels: int
    steps: list
    head_kind: str          # "flatten_dense", "gap" or "generic"
    head_layers: list       # layers after the local part (Flatten / GAP / Dense included)
    skip_squash: bool       # output="logit": leave out the last softmax/sigmoid
    n_outputs: int

    @property
    def final_len(self) -> int:
        return self.steps[-1].out_len

    @property
    def final_channels(self) -> int:
        return self.steps[-1].out_channels

    def cell_bytes(self, forward_bytes: int) -> int:
        """Memory of one item (a position, all its bases) in a batch."""
        c = self.channels
        local = sum(s.in_width * s.in_channels + s.width * s.out_channels for s in self.steps)
        total = 3 * c * local
        if self.head_kind == "flatten_dense":
            dense = self.head_layers[1]
            hidden = int(dense.kernel.shape[-1])
            total += self.steps[-1].width * self.final_channels * hidden + 4 * c * hidden
            total += c * 8 * hidden  # the (small) rest of the head
        elif self.head_kind == "gap":
            total += c * 8 * self.final_channels
        else:
            total += c * forward_bytes // 4
        return 4 * total


def _chain_layers(model) -> list:
    """The model's layers in order, when its graph is one straight chain."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if type(model).__name__ != "Sequential":
        for layer in layers:
            nodes = getattr(layer, "_inbound_nodes", None) or []
            if len(nodes) != 1:
                raise FastPathUnsupported(
                    f"layer {layer.name!r} ({type(layer).__name__}) is used {len(nodes)} times")
            inputs = getattr(nodes[0], "input_tensors", None)
            if inputs is None:
                inputs = getattr(nodes[0], "keras_inputs", None)
            if inputs is not None and isinstance(inputs, (list, tuple)) and len(inputs) != 1:
                raise FastPathUnsupported(
                    f"layer {layer.name!r} ({type(layer).__name__}) joins {len(inputs)} inputs: "
                    "the model is not a straight chain of layers")
    return layers


def _conv_geometry(kind, kernel, stride, padding, length, layer_name):
    if padding == "valid":
        out = (length - kernel) // stride + 1
        pl = pr = 0
    elif padding == "same":
        out = -(-length // stride)
        total = max((out - 1) * stride + kernel - length, 0)
        pl, pr = total // 2, total - total // 2
    elif padding == "causal" and stride == 1:
        out, pl, pr = length, kernel - 1, 0
    else:
        raise FastPathUnsupported(
            f"layer {layer_name!r} ({kind}) has padding {padding!r} with stride {stride}")
    if out < 1:
        raise FastPathUnsupported(f"layer {layer_name!r} has no output at length {length}")
    return out, pl, pr


def _local_step(layer, length, channels) -> Step:
    name = type(layer).__name__
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise FastPathUnsupported(f"layer {layer.name!r} ({name}) is not channels_last")
    padding = str(layer.padding).lower()
    if name in CONV:
        if int(getattr(layer, "groups", 1) or 1) != 1:
            raise FastPathUnsupported(f"layer {layer.name!r} ({name}) has groups > 1")
        k, s, d = _first(layer.kernel_size), _first(layer.strides), _first(layer.dilation_rate)
        if s > 1 and d > 1:
            raise FastPathUnsupported(f"layer {layer.name!r} has both strides and dilation")
        kind, out_channels = "conv", int(layer.kernel.shape[-1])
    else:
        k = _first(layer.pool_size)
        s = _first(layer.strides) if layer.strides is not None else k
        d, out_channels = 1, channels
        kind = "max" if name.startswith("Max") else "avg"
    ke = (k - 1) * d + 1
    out, pl, pr = _conv_geometry(name, ke, s, padding, length, layer.name)
    step = Step(layer, kind, ke, s, d, length, out, pl, pr, channels, out_channels)
    if kind == "avg" and (pl or pr):
        j = np.arange(out)
        lo, hi = j * s - pl, j * s - pl + ke - 1
        step.counts = (np.minimum(hi, length - 1) - np.maximum(lo, 0) + 1).astype(np.float32)
    return step


def _pointwise_ok(layer, ndim_ok=True) -> bool:
    name = type(layer).__name__
    if name not in POINTWISE:
        return False
    if name in ("BatchNormalization", "LayerNormalization", "Softmax"):
        axis = getattr(layer, "axis", -1)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        return all(a in (-1, 2) for a in axes)
    return ndim_ok


def _output_channels(layer, channels: int) -> int:
    if type(layer).__name__ == "Dense":
        return int(layer.kernel.shape[-1])
    return channels


def make_plan(adapter: ModelAdapter, length: int) -> FastPlan:
    """The fast-path plan of ``adapter``'s model for inputs of ``length`` positions.

    Raises :class:`FastPathUnsupported` with the reason when the model has no
    convolution/pooling stack the fast path can use (several inputs, set or token
    models, a graph that is not a chain, a layer it cannot window).
    """
    if getattr(adapter, "_tokens", None) is not None:
        raise FastPathUnsupported("the model reads integer tokens (an Embedding)")
    if len(adapter.inputs_info) != 1:
        raise FastPathUnsupported(f"the model has {len(adapter.inputs_info)} inputs")
    if len(adapter.item_shape) != 2:
        raise FastPathUnsupported("the model is a set (time-distributed) model")
    layers = _chain_layers(adapter.keras_model)
    channels = adapter.n_channels
    steps: list[Step] = []
    cur_len, cur_ch = int(length), channels
    head_start = None
    for index, layer in enumerate(layers):
        name = type(layer).__name__
        if name in CONV or name in POOL:
            steps.append(_local_step(layer, cur_len, cur_ch))
            cur_len, cur_ch = steps[-1].out_len, steps[-1].out_channels
        elif _pointwise_ok(layer):
            if not steps:
                steps.append(Step(None, "identity", 1, 1, 1, cur_len, cur_len, 0, 0, cur_ch,
                                  cur_ch))
            steps[-1].pointwise.append(layer)
            cur_ch = _output_channels(layer, cur_ch)
            steps[-1].out_channels = cur_ch
        else:
            head_start = index
            break
    if head_start is None:
        raise FastPathUnsupported("the model has no layer that mixes all positions")
    if not any(s.kind in ("conv", "max", "avg") for s in steps):
        first = type(layers[head_start]).__name__
        raise FastPathUnsupported(
            f"no Conv1D or pooling layer before the first layer that mixes positions ({first})")
    head = layers[head_start:]
    kinds = [type(layer).__name__ for layer in head]
    if kinds[:2] == ["Flatten", "Dense"]:
        head_kind = "flatten_dense"
    elif kinds[0] == "GlobalAveragePooling1D" and not getattr(head[0], "keepdims", False):
        head_kind = "gap"
    else:
        head_kind = "generic"
    last = layers[-1]
    skip = adapter.output == "logit" and activation_name(last) in SQUASHING
    if skip and type(last).__name__ not in ("Dense", "Activation"):
        raise FastPathUnsupported(f"output='logit' with a {type(last).__name__} output layer")
    plan = FastPlan(int(length), channels, steps, head_kind, head, skip, adapter.n_outputs)
    _window_geometry(plan)
    return plan


def _window_geometry(plan: FastPlan) -> None:
    """Per step: the widest altered output range (``width``) and each position's window start."""
    lo = np.arange(plan.length, dtype=np.int64)
    hi = lo.copy()
    for step in plan.steps:
        s, ke, pl = step.stride, step.kernel, step.pad_left
        lo = np.maximum(-((-(lo + pl - ke + 1)) // s), 0)
        hi = np.minimum((hi + pl) // s, step.out_len - 1)
        width = int(min(max(int((hi - lo + 1).max()), 1), step.out_len))
        step.width = width
        step.starts = np.clip(np.minimum(lo, step.out_len - width), 0, None).astype(np.int32)


__all__ = ["FastPlan", "Step", "FastPathUnsupported", "make_plan", "POINTWISE", "CONV", "POOL"]
