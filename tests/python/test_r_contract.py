"""The R package's data.frames against the engine's tables (the R/Python contract).

Drives the R package deepGinterpret from pytest through rpy2: R is embedded in
this process and reticulate attaches to this Python, so the R wrappers get the
very Keras model object built here. Each R data.frame is compared with the
engine's own table from the Python call with the same arguments: columns, R
types (integer/double/factor levels/character/logical), values (1e-6), 1-based
targets in R vs 0-based in Python, the settings attribute; and ``to_r()`` of the
engine's table must equal the R package's data.frame.

Skipped only when rpy2 cannot be imported, and not even then when
``DGI_REQUIRE_RPY2`` is set (``make test`` sets it: the contract must run there).
The R package is loaded from ``.Rlib`` (where ``make setup`` installs it).
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import keras_default, random_dna, random_one_hot
from deepg_interpret import gradient_x_input, integrated_gradients, saliency
from deepg_interpret.r_bridge import frame_columns
from deepg_interpret.r_bridge.rdata import read_r_data, run_r, to_r

REQUIRED = os.environ.get("DGI_REQUIRE_RPY2", "").strip().lower() in {"1", "true", "yes"}
try:
    import rpy2  # noqa: F401

    RPY2_PROBLEM = None
except ImportError as exc:  # pragma: no cover - depends on the environment
    RPY2_PROBLEM = str(exc)
    if not REQUIRED:
        pytest.skip(f"rpy2 is not installed ({exc})", allow_module_level=True)


@pytest.fixture(autouse=True)
def _rpy2_required():
    """Under DGI_REQUIRE_RPY2 a missing rpy2 fails every test here (the rest of the suite runs)."""
    if RPY2_PROBLEM is not None:
        pytest.fail(f"DGI_REQUIRE_RPY2 is set but rpy2 cannot be imported ({RPY2_PROBLEM}); "
                    'install it with `pip install "deepg-interpret[r]"`', pytrace=False)

ROOT = Path(__file__).resolve().parents[2]
RLIB = ROOT / ".Rlib"
MAXLEN = 24
MODULE = "_dgi_r_contract"  # how the R side reaches the Python objects of this test

# The schemas of conventions.md, as R types: the contract itself (frame_columns is
# checked against it too, so a drift in either language shows up).
SCHEMAS = {
    "attribution": {"seq_id": "character", "position": "integer", "base": "factor",
                    "score": "double", "observed": "logical"},
    "per_locus": {"seq_id": "character", "position": "integer", "ref_base": "factor",
                  "score_sum": "double", "score_abs_sum": "double", "score_ref": "double",
                  "max_base": "factor"},
    "summary_ig": {"seq_id": "character", "target": "integer", "baseline": "character",
                   "steps": "integer", "f_input": "double", "f_baseline": "double",
                   "ig_sum": "double", "delta": "double"},
    "summary": {"seq_id": "character", "target": "integer", "f_input": "double",
                "score_sum": "double"},
}
LEVELS = {"base": ["A", "C", "G", "T"], "max_base": ["A", "C", "G", "T"],
          "ref_base": ["A", "C", "G", "T", "N"]}

# R: each column's type (factor or typeof) and levels, as plain data.
R_SCHEMA = """
lapply(frame, function(x) list(type = if (is.factor(x)) "factor" else typeof(x),
                               levels = if (is.factor(x)) levels(x) else character()))
"""


@pytest.fixture(scope="module")
def r_package():
    """The embedded R session with deepGinterpret loaded on this Python."""
    if not (RLIB / "deepGinterpret").is_dir():
        pytest.fail(f"the R package deepGinterpret is not installed in {RLIB}; run `make setup` "
                    "(R CMD INSTALL --no-test-load --library=.Rlib .)", pytrace=False)
    os.environ["RETICULATE_PYTHON"] = sys.executable
    run_r(f"""
      .libPaths(c({str(RLIB)!r}, .libPaths()))
      Sys.setenv(RETICULATE_PYTHON = {sys.executable!r})
      suppressPackageStartupMessages(library(deepGinterpret))
      NULL
    """)
    yield
    run_r('rm(list = ls(globalenv(), pattern = "^ct_"), envir = globalenv()); NULL')
    sys.modules.pop(MODULE, None)


@pytest.fixture(scope="module")
def model(r_package):
    """A tiny conv classifier with 3 softmax outputs, handed to R as a Python module attribute."""
    k = keras_default()
    k.utils.set_random_seed(3)
    net = k.Sequential([
        k.Input((MAXLEN, 4)),
        k.layers.Conv1D(6, 5, activation="relu"),
        k.layers.GlobalMaxPooling1D(),
        k.layers.Dense(3, activation="softmax"),
    ])
    shared = types.ModuleType(MODULE)
    shared.model = net
    sys.modules[MODULE] = shared
    run_r(f'ct_model <- reticulate::import("{MODULE}", convert = FALSE)$model; NULL')
    return net


def _sequences():
    s1, s2, s3 = random_dna(3, MAXLEN, seed=11)
    s2 = s2[:5] + "N" + s2[6:]          # an ambiguous base: ref_base N, score_ref NA
    return {"s1": s1, "s2": s2, "s3": s3[:20]}   # s3 is padded on the right


SEQUENCES = _sequences()
# R call -> Python call with the same arguments (R's target is 1-based).
CASES = {
    "integrated_gradients": (
        "dgi_integrated_gradients(ct_model, ct_seqs, target = 2, steps = 8, seed = 7, "
        'baseline = "zero", pad = "right", table = "all", progress = FALSE)',
        lambda m: integrated_gradients(m, list(SEQUENCES.values()), seq_ids=list(SEQUENCES),
                                       target=1, steps=8, seed=7, baseline="zero", pad="right",
                                       progress=False)),
    "saliency": (
        'dgi_saliency(ct_model, ct_seqs, target = 3, pad = "right", table = "all", progress = FALSE)',
        lambda m: saliency(m, list(SEQUENCES.values()), seq_ids=list(SEQUENCES), target=2,
                           pad="right", progress=False)),
    "gradient_x_input": (
        'dgi_gradient_x_input(ct_model, ct_seqs, target = 1, pad = "right", table = "all", '
        "progress = FALSE)",
        lambda m: gradient_x_input(m, list(SEQUENCES.values()), seq_ids=list(SEQUENCES),
                                   target=0, pad="right", progress=False)),
}


def _run_both(name, model):
    r_call, py_call = CASES[name]
    frames = run_r(f"ct_seqs <- {_r_named_chr(SEQUENCES)}\nct_{name} <- {r_call}\nct_{name}")
    return frames, py_call(model).tables()


def _r_named_chr(named: dict) -> str:
    return "c(" + ", ".join(f"{k} = {v!r}" for k, v in named.items()) + ")"


@pytest.fixture(scope="module")
def results(model):
    return {name: _run_both(name, model) for name in CASES}


def test_r_runs_on_this_python_and_engine(r_package):
    """reticulate inside the embedded R attaches to the running interpreter, not a new one."""
    import deepg_interpret

    pid, engine_file = run_r('list(reticulate::py_eval("__import__(\'os\').getpid()"), '
                             'reticulate::py_eval("__import__(\'deepg_interpret\').__file__"))')
    assert int(pid[0]) == os.getpid()
    assert engine_file == [deepg_interpret.__file__]
    assert run_r("deepGinterpret::dgi_available()").tolist() == [True]


def _expected_r_types(table_name: str, py_table: pd.DataFrame, method: str) -> dict:
    key = "summary_ig" if table_name == "summary" and method == "integrated_gradients" else table_name
    schema = SCHEMAS[key]
    names, kinds, *_ = frame_columns(py_table)
    assert names == list(schema), f"{method}/{table_name}: engine columns {names} != {list(schema)}"
    assert dict(zip(names, kinds)) == schema, f"{method}/{table_name}: engine kinds drift"
    return schema


@pytest.mark.parametrize("method", list(CASES))
def test_r_frames_have_the_engine_schema(results, method):
    r_frames, py_tables = results[method]
    assert list(r_frames) == list(py_tables)
    for table_name, py_table in py_tables.items():
        schema = _expected_r_types(table_name, py_table, method)
        r_schema = run_r(R_SCHEMA.replace("frame", f"ct_{method}${table_name}"))
        assert list(r_schema) == list(schema), f"{method}/{table_name}: R columns differ"
        for col, expected in schema.items():
            got = r_schema[col]
            assert got["type"] == [expected], f"{method}/{table_name}${col}: R {got['type']}"
            if expected == "factor":
                assert got["levels"] == LEVELS[col]
                assert list(py_table[col].cat.categories) == LEVELS[col]


@pytest.mark.parametrize("method", list(CASES))
def test_r_values_equal_the_engine_tables(results, method):
    r_frames, py_tables = results[method]
    for table_name, py_table in py_tables.items():
        r_table = r_frames[table_name]
        where = f"{method}/{table_name}"
        assert len(r_table) == len(py_table), where
        for col in py_table.columns:
            py_col, r_col = py_table[col], r_table[col]
            if col == "target":  # 0-based in Python, 1-based in R
                np.testing.assert_array_equal(r_col.to_numpy(), py_col.to_numpy() + 1, err_msg=where)
            elif isinstance(py_col.dtype, pd.CategoricalDtype):
                assert list(r_col.astype(object)) == list(py_col.astype(object)), f"{where}${col}"
            elif pd.api.types.is_float_dtype(py_col.dtype):
                np.testing.assert_allclose(r_col.to_numpy(dtype=float), py_col.to_numpy(),
                                           rtol=0, atol=1e-6, err_msg=f"{where}${col}")
            else:
                assert r_col.tolist() == py_col.tolist(), f"{where}${col}"
        positions = r_table["position"] if "position" in r_table else None
        if positions is not None:  # 1-based in both languages, padding rows left out
            assert positions.min() == 1
            assert positions.to_numpy().tolist() == py_table["position"].tolist()


@pytest.mark.parametrize("method", list(CASES))
def test_settings_attribute_is_the_engine_attrs(results, method):
    r_frames, py_tables = results[method]
    for table_name, py_table in py_tables.items():
        settings = run_r(f'attr(ct_{method}${table_name}, "settings")')
        assert isinstance(settings, dict) and settings, f"{method}/{table_name}: no settings"
        assert settings["method"] == [method]
        assert settings["target"].tolist() == [py_table.attrs["target"] + 1]
        assert set(settings) == set(py_table.attrs), f"{method}/{table_name}: settings keys"


@pytest.mark.parametrize("method", list(CASES))
def test_to_r_of_the_engine_table_equals_the_r_frame(results, method):
    """The same data.frame, attributes and column types included, from either side."""
    _, py_tables = results[method]
    for table_name, py_table in py_tables.items():
        check = run_r(f"""
          a <- ct_{method}${table_name}
          b <- py_frame
          list(
            equal = isTRUE(all.equal(a, b, tolerance = 1e-6)),
            report = paste(all.equal(a, b, tolerance = 1e-6), collapse = "; "),
            types = identical(lapply(a, typeof), lapply(b, typeof)),
            classes = identical(lapply(a, class), lapply(b, class)),
            levels = identical(lapply(a, levels), lapply(b, levels)),
            settings = identical(attr(a, "settings"), attr(b, "settings")),
            attribute_names = identical(sort(names(attributes(a))), sort(names(attributes(b)))),
            row_names = identical(.row_names_info(a), .row_names_info(b))
          )
        """, py_frame=to_r(py_table))
        failed = [k for k, v in check.items() if k != "report" and not bool(v[0])]
        assert not failed, f"{method}/{table_name}: {failed} differ ({check['report'][0]})"


def test_onehot_array_saved_from_r_gives_the_same_tables(model, tmp_path):
    """An R array c(n, maxlen, 4) read with read_r_data() is the input R's wrappers see."""
    x = random_one_hot(2, MAXLEN, seed=5)
    path = tmp_path / "onehot.rds"
    # Built in R, column-major, from the numpy array's elements.
    run_r(f"""
      x <- array(ct_values, dim = c(2L, {MAXLEN}L, 4L))
      dimnames(x) <- list(c("r1", "r2"), NULL, NULL)
      saveRDS(x, {str(path)!r})
      ct_onehot <- dgi_saliency(ct_model, x, target = 2, table = "all", progress = FALSE)
      NULL
    """, ct_values=x.ravel(order="F"))
    onehot = read_r_data(path)
    assert onehot.dtype == np.float32 and onehot.flags.c_contiguous
    np.testing.assert_array_equal(onehot, x)
    py_tables = saliency(model, onehot, seq_ids=["r1", "r2"], target=1, progress=False).tables()
    for table_name, py_table in py_tables.items():
        check = run_r(f"isTRUE(all.equal(ct_onehot${table_name}, py_frame, tolerance = 1e-6))",
                      py_frame=to_r(py_table))
        assert check.tolist() == [True], table_name


# -- to_r() against the R package's own converter, dgi_frame(), on edge cases ------------

def _edge_frames() -> dict:
    acgt = list("ACGT")
    nullable = pd.DataFrame({
        "seq_id": ["s\u00e9q_1", None, "s2"],
        "position": pd.array([1, None, 3], dtype="Int32"),
        "base": pd.Categorical(["A", None, "T"], categories=acgt),
        "score": [0.5, np.nan, -1.25],
        "observed": pd.array([True, None, False], dtype="boolean"),
        "big": np.array([1, 2**40, 3], dtype=np.int64),       # beyond R integers: double
        "count": np.array([1, 2, 3], dtype=np.int64),          # int64 within range: integer
    })
    nullable.attrs = {"method": "edge", "target": 2, "vocabulary": ["A", "C", "G", "T"],
                      "mixed": [1, "a"], "nested": {"k": 1.5, "none": None}, "flag": True,
                      "empty_list": [], "steps": 8}
    strings = pd.DataFrame({"seq_id": ["a"] * 4, "position": [1.0, 2.0, 3.0, np.nan],
                            "start": [1.5, 2.0, 3.0, 4.0], "base": ["N", "A", "C", None],
                            "ref_base": ["x", "y", "x", "y"]})
    empty = pd.DataFrame({"seq_id": pd.Series([], dtype=object),
                          "position": np.array([], dtype=np.int32),
                          "base": pd.Categorical([], categories=acgt),
                          "score": np.array([], dtype=float),
                          "observed": np.array([], dtype=bool)})
    empty.attrs = {"method": "empty"}
    no_attrs = pd.DataFrame({"x": [1.0, 2.0]}, index=[5, 7])   # index dropped, not a column
    return {"nullable": nullable, "strings": strings, "empty": empty, "no_attrs": no_attrs}


EDGE_FRAMES = _edge_frames()
BIG_INT_ATTRS = pd.DataFrame({"x": [1.0]})
BIG_INT_ATTRS.attrs = {"seed": 2**40}


def _compare_with_dgi_frame(key: str, frame: pd.DataFrame) -> dict:
    shared = sys.modules[MODULE]
    shared.frames = {key: frame}
    return run_r(f"""
      a <- deepGinterpret:::dgi_frame(
        reticulate::py_get_item(reticulate::import("{MODULE}", convert = FALSE)$frames, "{key}"))
      b <- py_frame
      list(identical = identical(a, b),
           report = paste(c(all.equal(a, b), ""), collapse = "; "),
           r_str = paste(utils::capture.output(str(a)), collapse = "\\n"))
    """, py_frame=to_r(frame, one_based_targets=False))


@pytest.mark.parametrize("key", list(EDGE_FRAMES))
def test_to_r_is_identical_to_dgi_frame(model, key):
    check = _compare_with_dgi_frame(key, EDGE_FRAMES[key])
    assert check["identical"].tolist() == [True], f"{key}: {check['report'][0]}\n{check['r_str'][0]}"


def test_settings_with_ints_beyond_r_integers(model):
    """Was drift: reticulate 1.28 wrapped ints beyond R's 32-bit range (2**40 -> 0)."""
    check = _compare_with_dgi_frame("big_int", BIG_INT_ATTRS)
    assert check["identical"].tolist() == [True], check["report"][0]


def test_r_schema_is_applied_once_for_r_and_to_r(model):
    """Base-like string columns become factors and whole-number floats in integer columns
    R integers, in r_bridge.frame_columns(): the one converter behind R's dgi_frame() and
    to_r(), so the two cannot drift."""
    from deepg_interpret import r_bridge

    frame = pd.DataFrame({
        **{col: ["A", "N", None] for col in r_bridge._R_BASE_COLUMNS},
        **{col: [1.0, np.nan, 3.0] for col in r_bridge._R_INT_COLUMNS},
    })
    names, kinds, _, levels, _, _ = r_bridge.frame_columns(frame)
    kind = dict(zip(names, kinds))
    assert all(kind[c] == "factor" for c in r_bridge._R_BASE_COLUMNS)
    assert all(kind[c] == "integer" for c in r_bridge._R_INT_COLUMNS)
    assert list(levels[0]) == ["A", "C", "G", "T", "N"]
    check = _compare_with_dgi_frame("tidy", frame)
    assert check["identical"].tolist() == [True], f"{check['report'][0]}\n{check['r_str'][0]}"
