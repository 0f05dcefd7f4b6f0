"""What every method does before its own work: resolve the model, encode the inputs.

A method's tidy function (``integrated_gradients(model, sequences, ...)``) calls
:func:`prepare` once; its array function then works on ``(adapter, inputs)`` only.
Encoding options (``maxlen``, ``window_step``, ``pad``, ``ambiguous``,
``vocabulary``, ``seq_ids``) reach ``prepare`` as ``**encode_options`` and are
checked here, once, so a method's signature does not re-list them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields, replace

import numpy as np

from ..dna.sequences import DNA_VOCABULARY, EncodedSequences, encode
from ..errors import ArgumentTypeError, ShapeError
from ..model.adapter import ModelAdapter, load_model


@dataclass(frozen=True)
class EncodeOptions:
    """How sequences are turned into the model's input (see :func:`encode`).

    Attributes
    ----------
    maxlen : int, optional
        Length to bring sequences to. Default None: the model's own maxlen.
    window_step : int, optional
        Cut longer sequences into windows starting every ``window_step`` bases.
    pad : {None, "left", "right"}
        Pad shorter sequences with all-zero rows on this side.
    ambiguous : {"zero", "equal", "discard"}
        Encoding of N and IUPAC codes (deepG's ``ambiguous_nuc``). Default "zero".
    unknown : {"warn", "ambiguous", "error"}
        Characters that are neither vocabulary letters nor IUPAC codes: ambiguous
        with a warning (default, as deepG encodes them), quietly, or an error. Input
        that is not DNA (digits, spaces inside, a protein) raises unless "ambiguous".
    vocabulary : sequence of str, optional
        Channel letters in order. Default: ``A, C, G, T`` for 4-channel models;
        models with other channel counts need it for DNA strings (arrays get
        generic channel labels without it).
    seq_ids : list of str, optional
        Names of the sequences.
    """

    maxlen: int | None = None
    window_step: int | None = None
    pad: str | None = None
    ambiguous: str = "zero"
    unknown: str = "warn"
    vocabulary: tuple | None = None
    seq_ids: tuple | None = None

    @classmethod
    def from_kwargs(cls, options: dict, *, function: str = "this function",
                    parameters=None) -> EncodeOptions:
        """Options from keyword arguments; unknown names raise with the valid ones.

        ``parameters``: the calling method's own argument names; a typo is matched
        against them first (``n_steps`` -> ``steps``), then against the encoding options.
        """
        names = [f.name for f in fields(cls)]
        unknown = [k for k in options if k not in names]
        if unknown:
            name = unknown[0]
            own = [p for p in (parameters or ()) if p not in names]
            close = (difflib.get_close_matches(name, own, n=1)
                     or difflib.get_close_matches(name, names, n=1))
            hint = f" Did you mean {close[0]!r}?" if close else ""
            listed = f" Its own arguments are {own};" if own else ""
            raise ArgumentTypeError(
                f"{function}() got an unexpected argument {name!r}.{hint}{listed} Encoding "
                f"options are {names}; see help({function})"
            )
        values = dict(options)
        for key in ("vocabulary", "seq_ids"):
            if values.get(key) is not None and not isinstance(values[key], str):
                values[key] = tuple(values[key])
        return cls(**values)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Prepared:
    """A method's starting point: the model adapter and the encoded inputs.

    Attributes
    ----------
    adapter : ModelAdapter
    inputs : EncodedSequences
        Rows as ``(n, L, C)`` with ids, starts and the ambiguity mask.
    options : EncodeOptions

    Array functions put ``inputs`` into the model's layout with :func:`model_layout`
    (per length group for variable-length models, :func:`run_by_length`).
    """

    adapter: ModelAdapter
    inputs: EncodedSequences
    options: EncodeOptions


def resolve_adapter(model, *, output: str | None = None, class_names=None) -> ModelAdapter:
    """The model as a :class:`ModelAdapter`; ``output=None`` keeps an adapter's own setting."""
    default = model.output if isinstance(model, ModelAdapter) else "probability"
    return load_model(model, output=output or default, class_names=class_names)


def model_layout(adapter: ModelAdapter, inputs: EncodedSequences) -> np.ndarray:
    """``inputs.onehot`` reshaped to the model's item shape (``-1`` for an open maxlen)."""
    if inputs.lengths is not None:
        raise ShapeError(
            "the sequences have different lengths, which a variable-length model takes one "
            "length at a time; run the array function through core.prepare.run_by_length()"
        )
    item = adapter.item_shape
    shape = (len(inputs),) + tuple(-1 if d is None else d for d in item)
    return adapter.check_input(inputs.onehot.reshape(shape))


def encode_for(adapter: ModelAdapter, sequences, options: EncodeOptions) -> EncodedSequences:
    """Encode ``sequences`` in the model's layout (length and channels checked)."""
    item = adapter.item_shape
    # Time-distributed models see (n_samples, maxlen, C); the sequence is their concatenation.
    model_len = None if item[-2] is None else int(np.prod(item[:-1]))
    if options.maxlen is not None and model_len is not None and options.maxlen != model_len:
        raise ShapeError(
            f"maxlen = {options.maxlen} but the model's input length is {model_len}; leave "
            "maxlen unset (the model's is used) and use window_step= or pad= to fit the sequences"
        )
    if isinstance(sequences, np.ndarray) and sequences.ndim == len(item) + 1 and len(item) == 3:
        sequences = sequences.reshape(sequences.shape[0], -1, sequences.shape[-1])
    vocabulary = options.vocabulary
    if vocabulary is None and adapter.n_channels == len(DNA_VOCABULARY):
        vocabulary = DNA_VOCABULARY
    # A variable-length model (maxlen None) takes sequences of any length: they are grouped
    # by length when a method runs (run_by_length), so one call may mix lengths.
    inputs = encode(sequences, maxlen=options.maxlen or model_len,
                    window_step=options.window_step, pad=options.pad, vocabulary=vocabulary,
                    ambiguous=options.ambiguous, seq_ids=options.seq_ids,
                    unknown=options.unknown,
                    ragged=options.maxlen is None and model_len is None)
    if len(item) == 3 and item[-2] is not None and inputs.member_length != item[-2]:
        inputs = replace(inputs, member_length=int(item[-2]))  # tables name the set member
    channels = inputs.onehot.shape[-1]
    if channels != adapter.n_channels:
        raise ShapeError(
            f"the sequences are encoded with {channels} channels but the model expects "
            f"{adapter.n_channels}; pass vocabulary= with the {adapter.n_channels} letters the "
            "model was trained on, in order (deepG's `vocabulary` argument)"
        )
    return inputs


# Arguments every method has that are no typo target (the data, not a setting).
_NOT_SUGGESTED = ("model", "sequences", "sequence", "encode_options", "kwargs")


def method_parameters(function: str, depth: int = 8) -> tuple[str, ...]:
    """The argument names of the calling public function called ``function``.

    Walks up the call stack (a method may call :func:`prepare` through a helper) to
    the first frame running a function of that name; () when there is none.
    """
    import sys

    try:
        frame = sys._getframe(1)
    except ValueError:  # pragma: no cover
        return ()
    for _ in range(depth):
        if frame is None:
            break
        code = frame.f_code
        if code.co_name == function:
            count = code.co_argcount + code.co_kwonlyargcount
            return tuple(n for n in code.co_varnames[:count] if n not in _NOT_SUGGESTED)
        frame = frame.f_back
    return ()


def prepare(model, sequences, *, output: str | None = None, class_names=None,
            function: str = "this function", parameters=None, **encode_options) -> Prepared:
    """Adapter and encoded inputs for a method.

    Parameters
    ----------
    model : keras model, path or ModelAdapter
        See :func:`load_model`.
    sequences : str, FASTA path, list/dict of str, one-hot array or EncodedSequences
        See :func:`encode`.
    output : {"probability", "logit"}, optional
        None keeps a ModelAdapter's setting (else "probability").
    class_names : list of str, optional
    function : str
        The public function's name, for error messages.
    parameters : sequence of str, optional
        The public function's own argument names, suggested first for a mistyped
        keyword. Default: read from the calling function named ``function``.
    **encode_options
        Fields of :class:`EncodeOptions`.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(), keras.layers.Dense(2)])
    >>> p = prepare(m, ["ACGTACGT", "GGGGCCCC"])
    >>> model_layout(p.adapter, p.inputs).shape, p.inputs.seq_ids
    ((2, 8, 4), ['seq_1', 'seq_2'])
    """
    known = {f.name for f in fields(EncodeOptions)}
    if parameters is None and any(k not in known for k in encode_options):
        parameters = method_parameters(function)
    options = EncodeOptions.from_kwargs(encode_options, function=function, parameters=parameters)
    adapter = resolve_adapter(model, output=output, class_names=class_names)
    inputs = encode_for(adapter, sequences, options)
    return Prepared(adapter=adapter, inputs=inputs, options=options)


def run_settings(adapter: ModelAdapter, method: str, settings: dict) -> dict:
    """Settings every result records: the method's own plus model output, loader, versions."""
    from ..version import __version__

    try:
        import tensorflow as tf

        tf_version = tf.__version__
    except ImportError:  # pragma: no cover
        tf_version = None
    return {"method": method, **settings, "output": adapter.output, "loader": adapter.loader,
            "package_version": __version__, "tensorflow_version": tf_version}


class PerRow(tuple):
    """A keyword argument with one value per input sequence: :func:`run_by_length` hands each
    length group its own rows (e.g. per-sequence random seeds)."""


def length_groups(inputs: EncodedSequences) -> list[tuple[np.ndarray, EncodedSequences]]:
    """``(rows, inputs of those rows)`` per sequence length, trimmed to that length.

    Inputs of one length (``inputs.lengths`` None) are one group as they are.
    Groups follow the first appearance of each length; ``rows`` index ``inputs``.
    """
    if inputs.lengths is None:
        return [(np.arange(len(inputs)), inputs)]
    groups = []
    for length in dict.fromkeys(inputs.lengths.tolist()):
        rows = np.flatnonzero(inputs.lengths == length)
        sub = inputs.subset(rows)
        groups.append((rows, replace(
            sub, onehot=np.ascontiguousarray(sub.onehot[:, :length]),
            ambiguous=sub.ambiguous[:, :length], padding=None, lengths=None)))
    return groups


def _merge_field(values, groups, n: int, longest: int):
    first = values[0]
    if isinstance(first, np.ndarray) and all(
            isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == len(rows)
            for v, (rows, _) in zip(values, groups)):
        per_position = all(v.ndim >= 3 and v.shape[1] == sub.length
                           for v, (_, sub) in zip(values, groups))
        tail = ((longest,) + first.shape[2:]) if per_position else first.shape[1:]
        out = np.zeros((n,) + tail, dtype=first.dtype)
        for v, (rows, _) in zip(values, groups):
            if per_position:
                out[rows, :v.shape[1]] = v
            else:
                out[rows] = v
        return out
    if all(_same(v, first) for v in values[1:]):
        return first
    return [v for v in values]


def _same(a, b) -> bool:
    try:
        return bool(np.all(a == b))
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False


def run_by_length(fn, adapter: ModelAdapter, inputs: EncodedSequences, **kwargs):
    """``fn(adapter, inputs, **kwargs)`` once per sequence length, merged in input order.

    The platform's way to run an array function: inputs of one length (every
    fixed-maxlen model) go to ``fn`` as they are; sequences of different lengths
    (variable-length models, ``inputs.lengths``) run one length group at a time,
    so the model never sees padding, and the outputs are merged into one result
    in input order. Merging a NamedTuple's fields: arrays ``(n_group, L_group,
    ...)`` are right-padded with zeros to the longest length (the rows that
    ``inputs.padding`` marks, which tables leave out); other arrays with one row
    per sequence are stacked; anything else is kept when equal in every group,
    else becomes the list of the groups' values (e.g. the batch size of each).

    Parameters
    ----------
    fn : callable
        An array function ``fn(adapter, inputs, **kwargs)`` returning a NamedTuple
        (or one array).
    adapter : ModelAdapter
    inputs : EncodedSequences
    **kwargs
        Passed to every call.

    Returns
    -------
    The type ``fn`` returns, for all of ``inputs``.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((None, 4)), keras.layers.GlobalAveragePooling1D(),
    ...                       keras.layers.Dense(1)])
    >>> p = prepare(m, ["ACGT", "ACGTACGT", "AC"])
    >>> from deepg_interpret.methods.gradients import gradient_arrays
    >>> run_by_length(gradient_arrays, p.adapter, p.inputs, target=0,
    ...               progress=False).gradients.shape
    (3, 8, 4)
    """
    groups = length_groups(inputs)
    if inputs.lengths is None:
        return fn(adapter, inputs, **kwargs)
    outputs = [fn(adapter, sub, **{k: PerRow(v[i] for i in rows) if isinstance(v, PerRow) else v
                                   for k, v in kwargs.items()})
               for rows, sub in groups]
    n, longest = len(inputs), inputs.length
    if isinstance(outputs[0], np.ndarray):
        return _merge_field(outputs, groups, n, longest)
    merged = [_merge_field([o[i] for o in outputs], groups, n, longest)
              for i in range(len(outputs[0]))]
    kind = type(outputs[0])
    return kind(*merged) if hasattr(kind, "_fields") else kind(merged)


__all__ = ["EncodeOptions", "Prepared", "prepare", "method_parameters", "resolve_adapter", "encode_for",
           "model_layout", "run_settings", "run_by_length", "length_groups", "PerRow"]
