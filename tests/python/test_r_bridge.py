"""The helpers the R package calls through reticulate (deepg_interpret.r_bridge)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from deepg_interpret import r_bridge
from deepg_interpret.errors import DeepGInterpretWarning, TargetError
from deepg_interpret.methods.registry import METHODS, get_method

# -- call(): status tuples instead of exceptions ---------------------------------------

def test_call_returns_ok_and_the_value():
    status, value, warns = r_bridge.call(lambda a, b=0: a + b, (1,), {"b": 2})
    assert (status, value, warns) == ("ok", 3, [])
    assert r_bridge.call(len, ["abc"])[:2] == ("ok", 3)  # args as a list, kwargs None


def test_call_reports_the_exception_class_chain():
    def fail():
        raise TargetError("target 7 is out of range")

    status, info, warns = r_bridge.call(fail)
    assert status == "error" and warns == []
    assert info["classes"][:4] == ["TargetError", "InputError", "DeepGInterpretError",
                                   "ValueError"]
    assert info["module"] == "deepg_interpret.errors"
    assert info["message"] == "target 7 is out of range"
    status, info, _ = r_bridge.call(lambda: 1 / 0)
    assert status == "error" and info["classes"][0] == "ZeroDivisionError"


def test_call_collects_engine_warnings_and_shows_the_others():
    def noisy():
        warnings.warn("dropped 2 windows", DeepGInterpretWarning, stacklevel=2)
        warnings.warn("dropped 2 windows", DeepGInterpretWarning, stacklevel=2)  # kept twice
        warnings.warn("from somewhere else", RuntimeWarning, stacklevel=2)
        return "done"

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        status, value, warns = r_bridge.call(noisy)
    assert (status, value) == ("ok", "done")
    assert warns == ["dropped 2 windows", "dropped 2 windows"]
    assert [str(w.message) for w in shown] == ["from somewhere else"]


def test_call_keeps_warnings_raised_before_an_error():
    def warn_then_fail():
        warnings.warn("legacy loader", DeepGInterpretWarning, stacklevel=2)
        raise ValueError("bad")

    status, info, warns = r_bridge.call(warn_then_fail)
    assert status == "error" and info["message"] == "bad" and warns == ["legacy loader"]


# -- frame_columns(): DataFrame -> plain columns for R --------------------------------

def _columns(df):
    names, kinds, values, levels, nas, attrs = r_bridge.frame_columns(df)
    return {n: (k, v, lv, na) for n, k, v, lv, na in zip(names, kinds, values, levels, nas)}, attrs


def test_frame_columns_types():
    df = pd.DataFrame({
        "seq_id": ["a", "a", "b"],
        "position": np.array([1, 2, 3], dtype=np.int32),
        "base": pd.Categorical(["C", "A", "T"], categories=list("ACGT")),
        "score": [0.5, -1.0, 2.0],
        "observed": [True, False, True],
    })
    cols, attrs = _columns(df)
    assert attrs == {}
    kind, value, level, na = cols["seq_id"]
    assert kind == "character" and value.dtype == np.int32
    assert value.tolist() == [1, 1, 2] and level.tolist() == ["a", "b"]  # each string once
    assert cols["position"][0] == "integer" and cols["position"][1].dtype == np.int32
    kind, value, level, _ = cols["base"]
    assert kind == "factor" and value.tolist() == [2, 1, 4] and level.tolist() == list("ACGT")
    assert cols["score"][0] == "double" and cols["score"][1].dtype == np.float64
    assert cols["observed"][0] == "logical" and cols["observed"][1].tolist() == [True, False, True]
    assert not any(c[3].any() for c in cols.values())


def test_frame_columns_missing_values():
    df = pd.DataFrame({
        "s": ["x", None, "y"],
        "f": [1.0, np.nan, 3.0],
        "i": pd.array([1, None, 3], dtype="Int64"),
        "b": pd.array([True, None, False], dtype="boolean"),
        "c": pd.Categorical(["A", None, "G"], categories=list("ACGT")),
    })
    cols, _ = _columns(df)
    for name in df.columns:
        assert cols[name][3].tolist() == [False, True, False], name
    assert cols["s"][1].tolist()[1] == 0  # code 0: NA in R
    assert cols["c"][1].tolist() == [1, 0, 3]
    assert cols["i"][0] == "integer" and cols["i"][1].tolist() == [1, 0, 3]
    assert cols["b"][0] == "logical" and cols["b"][1].tolist() == [True, False, False]
    assert np.isnan(cols["f"][1][1])


def test_frame_columns_int_overflow_becomes_double():
    df = pd.DataFrame({
        "big": np.array([1, 2**40], dtype=np.int64),
        "na_code": np.array([-(2**31), 0], dtype=np.int64),  # R's NA_integer_
        "edge": np.array([2**31 - 1, -(2**31) + 1], dtype=np.int64),
    })
    cols, _ = _columns(df)
    assert cols["big"][0] == "double" and cols["big"][1].tolist() == [1.0, 2.0**40]
    assert cols["na_code"][0] == "double"
    assert cols["edge"][0] == "integer"
    assert _columns(pd.DataFrame({"e": np.array([], dtype=np.int64)}))[0]["e"][0] == "integer"


def test_frame_columns_attrs_become_plain_python():
    df = pd.DataFrame({"a": [1]})
    df.attrs = {"target": np.int64(2), "steps": np.int32(5), "shape": (np.int64(3), 4),
                "alphas": np.array([0.0, 0.5]), "path": __import__("pathlib").Path("/x"),
                "nested": {1: None}}
    _, attrs = _columns(df)
    assert attrs == {"target": 2, "steps": 5, "shape": [3, 4], "alphas": [0.0, 0.5],
                     "path": "/x", "nested": {"1": None}}
    assert type(attrs["target"]) is int


def test_frame_from_r_keeps_r_missing_values():
    df = r_bridge.frame_from_r(
        ["seq_id", "position", "base", "score", "observed", "one"],
        ["character", "integer", "factor", "double", "logical", "double"],
        [["a", "", "b"], np.array([1, 0, 3], dtype=np.int32), np.array([1, 0, 4], dtype=np.int32),
         np.array([0.5, np.nan, 1.0]), np.array([True, False, False]), 7.0],
        [None, None, ["A", "C", "G", "T"], None, None, None],
        [[False, True, False], [False, True, False], [False, True, False],
         [False, True, False], [False, True, False], [False, False, False]],
        3,
    )
    seq = df["seq_id"].tolist()  # pandas 3 holds a missing string as NaN, pandas 2 as None
    assert seq[0] == "a" and seq[2] == "b" and pd.isna(seq[1])
    assert np.isnan(df["position"][1]) and df["position"][2] == 3
    assert list(df["base"].cat.categories) == list("ACGT") and pd.isna(df["base"][1])
    assert df["observed"].dtype == "boolean" and pd.isna(df["observed"][1])
    assert df["one"].tolist() == [7.0, 7.0, 7.0]  # R's length-1 vectors arrive as scalars
    assert isinstance(df.index, pd.RangeIndex)
    clean = r_bridge.frame_from_r(["i"], ["integer"], [np.array([1, 2])], [None],
                                  [[False, False]], 2)
    assert clean["i"].dtype == np.int32
    empty = r_bridge.frame_from_r(["a"], ["double"], [[]], [None], [[]], 0)
    assert len(empty) == 0


def test_frame_from_r_factor_with_one_level():
    # A GRanges seqnames column of one contig: reticulate hands the single level as a scalar.
    df = r_bridge.frame_from_r(["contig"], ["factor"], [np.array([1, 1, 1], dtype=np.int32)],
                               ["chr1"], [[False, False, False]], 3)
    assert list(df["contig"].cat.categories) == ["chr1"]
    assert df["contig"].tolist() == ["chr1"] * 3


# -- versions, models, arrays --------------------------------------------------------------

def test_versions():
    import deepg_interpret

    v = r_bridge.versions()
    assert set(v) == {"numpy", "tensorflow", "keras", "tf_keras", "engine", "engine_path"}
    assert v["engine"] == deepg_interpret.__version__
    assert v["engine_path"].endswith("__init__.py")
    assert v["numpy"] == np.__version__


def test_is_keras_model():
    import keras

    model = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(), keras.layers.Dense(2)])
    assert r_bridge.is_keras_model(model)
    inp = keras.Input((8, 4))
    assert r_bridge.is_keras_model(keras.Model(inp, keras.layers.Dense(1)(inp)))
    assert not r_bridge.is_keras_model(object())
    assert not r_bridge.is_keras_model([1, 2])
    assert not r_bridge.is_keras_model(keras.layers.Dense(2))


def test_array_conversions():
    x = np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4))
    out = r_bridge.numpy_float32(x)
    assert out.dtype == np.float32 and out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(out, x)

    class Tensor:  # anything with .numpy(), like a TF tensor
        def numpy(self):
            return np.ones((2, 2), dtype=np.float32)

    assert r_bridge.to_numpy(Tensor()).dtype == np.float64
    assert r_bridge.to_numpy([1, 2]).tolist() == [1.0, 2.0]


# -- the registry as R sees it ---------------------------------------------------------------

def test_method_info_reads_the_registry():
    assert r_bridge.method_names() == list(METHODS)
    for name in METHODS:
        info = r_bridge.method_info(name)
        spec = get_method(name)
        assert info["name"] == name and info["r_wrapper"] == spec.r_wrapper
        assert info["tables"] == list(spec.tables)
        assert set(info["choices"]) == set(spec.all_choices())
        for values in info["choices"].values():  # plain lists of strings (no None)
            assert isinstance(values, list) and all(isinstance(v, str) for v in values)
    ig = r_bridge.method_info("integrated_gradients")
    assert "dinuc_shuffle" in ig["choices"]["baseline"]
    assert "gauss_legendre" in ig["choices"]["method"]
    assert ig["choices"]["pad"] == ["left", "right"]
    status, info, _ = r_bridge.call(r_bridge.method_info, ("nope",))
    assert status == "error" and "InputError" in info["classes"]


def test_method_function_and_result_tables():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    fn = r_bridge.method_function("saliency")
    result = fn(model, ["ACGTACGT", "GGGGCCCC"], target=1, progress=False,
                seq_ids=["a", "b"])
    tables = r_bridge.result_tables(result, "all")
    assert list(tables) == ["attribution", "per_locus", "summary"]
    assert tables["summary"]["seq_id"].tolist() == ["a", "b"]
    assert list(r_bridge.result_tables(result, "per_locus")) == ["per_locus"]
    assert list(r_bridge.result_tables(result, ["summary", "attribution"])) == ["summary",
                                                                                "attribution"]
    status, info, _ = r_bridge.call(r_bridge.result_tables, (result, "wide"))
    assert status == "error" and "per_locus" in info["message"]


def test_plain():
    assert r_bridge.plain({"a": (1, np.float32(0.5))}) == {"a": [1, 0.5]}
    assert r_bridge.plain(None) is None


def test_call_reports_an_interrupt_as_keyboardinterrupt():
    import os
    import signal

    from deepg_interpret.r_bridge import call

    def plain_ctrl_c():
        raise KeyboardInterrupt

    def ctrl_c_inside_a_tensorflow_op():
        # TensorFlow turns the KeyboardInterrupt of a SIGINT during an op into this.
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs between bytecodes
                pass
        except KeyboardInterrupt:
            pass
        raise RuntimeError("Unknown exception occurred")

    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a plain Python
    try:
        for fn in (plain_ctrl_c, ctrl_c_inside_a_tensorflow_op):
            status, info, _ = call(fn)
            assert status == "error" and info["classes"][0] == "KeyboardInterrupt", fn.__name__
        # a RuntimeError without an interrupt stays what it is
        status, info, _ = call(
            lambda: (_ for _ in ()).throw(RuntimeError("Unknown exception occurred")))
        assert info["classes"][0] == "RuntimeError"
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    finally:
        signal.signal(signal.SIGINT, before)
